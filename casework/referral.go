package casework

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// ConsentKind says on what ground a referral shares a child's information (PIPL, DOMAIN §5).
type ConsentKind string

// Grounds of a referral.
const (
	// ConsentGuardian: the guardian consented (监护人同意).
	ConsentGuardian ConsentKind = "guardian"
	// ConsentLegalBasis: consent is not needed; LegalBasis names the provision (e.g.
	// 未成年人保护法第十一条 for reports of harm to the police).
	ConsentLegalBasis ConsentKind = "legal_basis"
)

// Consent records the guardian's consent or the legal basis of a referral.
type Consent struct {
	Kind ConsentKind `json:"kind" validate:"required,oneof=guardian legal_basis"`
	// Relationship of the consenting guardian (father, mother, grandparent …); no name.
	Relationship string    `json:"relationship,omitempty" validate:"required_if=Kind guardian,max=20"`
	LegalBasis   string    `json:"legal_basis,omitempty" validate:"required_if=Kind legal_basis,max=200"`
	At           time.Time `json:"at" validate:"required"`
	RecordedBy   uuid.UUID `json:"recorded_by"`
}

// ReferralStatus is a referral's derived status.
type ReferralStatus string

// Referral statuses. A referral without consent or legal basis awaits consent; once
// consent is recorded it is pending the target's answer.
const (
	ReferralAwaitingConsent ReferralStatus = "awaiting_consent"
	ReferralPending         ReferralStatus = "pending"
	ReferralAccepted        ReferralStatus = "accepted"
	ReferralRejected        ReferralStatus = "rejected"
	ReferralCompleted       ReferralStatus = "completed"
	ReferralRevoked         ReferralStatus = "revoked"
)

// ReferralEvent is one recorded step of a referral.
type ReferralEvent struct {
	Status ReferralStatus `json:"status"`
	At     time.Time      `json:"at"`
	By     uuid.UUID      `json:"by"`
	Note   string         `json:"note,omitempty"`
}

// Referral is a referral (转介) of a child to a counsellor, school, hospital, police,
// civil affairs or another resource.
type Referral struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"`
	ChildID  uuid.UUID `json:"child_id"`
	CaseID   uuid.UUID `json:"case_id,omitzero"` // uuid.Nil: no case
	Township string    `json:"township"`
	Village  string    `json:"village,omitempty"`
	Target   Target    `json:"target"`
	// TargetName names the organisation (a school, a hospital): no personal data.
	TargetName string         `json:"target_name,omitempty"`
	Reason     string         `json:"reason"`
	Source     welfare.Source `json:"source"`
	Made       time.Time      `json:"made"`
	MadeBy     uuid.UUID      `json:"made_by"`
	// Due is the last Beijing day for the target to accept.
	Due     welfare.Date    `json:"due"`
	Consent *Consent        `json:"consent,omitempty"`
	Events  []ReferralEvent `json:"events,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Status derives the referral's status from consent and events.
func (r *Referral) Status() ReferralStatus {
	if n := len(r.Events); n > 0 {
		return r.Events[n-1].Status
	}
	if r.Consent == nil {
		return ReferralAwaitingConsent
	}
	return ReferralPending
}

// Open reports whether the referral still waits for something.
func (r *Referral) Open() bool {
	switch r.Status() {
	case ReferralAwaitingConsent, ReferralPending, ReferralAccepted:
		return true
	}
	return false
}

// acceptedAt returns when the referral was accepted (zero if never).
func (r *Referral) acceptedAt() time.Time {
	for _, e := range r.Events {
		if e.Status == ReferralAccepted {
			return e.At
		}
	}
	return time.Time{}
}

// referralNext lists the statuses each status may move to.
var referralNext = map[ReferralStatus][]ReferralStatus{
	ReferralAwaitingConsent: {ReferralRevoked},
	ReferralPending:         {ReferralAccepted, ReferralRejected, ReferralRevoked},
	ReferralAccepted:        {ReferralCompleted, ReferralRevoked},
}

// canMove reports whether the referral may move to s.
func (r *Referral) canMove(s ReferralStatus) bool {
	return slices.Contains(referralNext[r.Status()], s)
}

// Clone returns a deep copy.
func (r *Referral) Clone() *Referral {
	if r == nil {
		return nil
	}
	d := *r
	if r.Consent != nil {
		c := *r.Consent
		d.Consent = &c
	}
	d.Events = slices.Clone(r.Events)
	return &d
}
