// Package visit records visits to migrant children (探视巡访) and derives from them what
// the programme asks: quota compliance per child, worker, township and programme
// (VS-1..VS-3), worklists of visits due and overdue, and signals of perfunctory visits
// (SR-5, AC-3). Records are never overwritten: a correction is an amendment, a new
// version with a reason. Due, overdue, compliant and suspicious are computed at query
// time from records, the Programme's rules and an asOf time; nothing derived is stored.
package visit

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zapcore"

	"github.com/childwelfare/liudong/welfare"
)

// Mode is how a visit was made. The programme lists the modes it accepts
// (welfare.VisitRules.Modes); home, phone and video are the seed's (VS-2).
type Mode string

// Seed modes. School and community visits are configurable extra modes.
const (
	ModeHome  Mode = "home"  // 上门探访
	ModePhone Mode = "phone" // 电话探访
	ModeVideo Mode = "video" // 视频探访
)

// Outcome says whether the visit took place.
type Outcome string

// Outcomes. A failed attempt is recorded too, with its reason; it never counts.
const (
	OutcomeCompleted   Outcome = "completed"
	OutcomeUnreachable Outcome = "unreachable" // 联系不上
	OutcomeRefused     Outcome = "refused"     // 拒绝探访
)

// Location is where a visit happened: a GPS fix with its accuracy, a named place, or both.
type Location struct {
	Geo       *welfare.GeoPoint `json:"geo,omitempty"`
	AccuracyM float64           `json:"accuracy_m,omitempty" validate:"gte=0"`
	Place     string            `json:"place,omitempty" validate:"max=100"` // e.g. "示例小学"
}

// Present records who took part (二看: ask the child, the guardian and neighbours).
type Present struct {
	Child      bool `json:"child"`
	Guardian   bool `json:"guardian"`
	Neighbours bool `json:"neighbours"`
	Others     int  `json:"others,omitempty" validate:"gte=0"`
}

// Ask is 一问: needs and difficulties, help applied for, resources linked (VS-6).
type Ask struct {
	Needs           []string `json:"needs,omitempty" validate:"dive,max=200"`
	HelpApplied     []string `json:"help_applied,omitempty" validate:"dive,max=200"`
	ResourcesLinked []string `json:"resources_linked,omitempty" validate:"dive,max=200"`
}

// Observation is one 二看 observation of an aspect of the child's condition; it is
// written back to the child's status snapshot with the visit as its source.
type Observation struct {
	Aspect  welfare.Aspect `json:"aspect" validate:"required,oneof=health mental education guardianship safety benefits"`
	Value   string         `json:"value" validate:"required,max=200"`
	Concern bool           `json:"concern,omitempty"`
}

// Topic is a 三讲 topic.
type Topic string

// Topics (VS-6 三讲).
const (
	TopicMorals    Topic = "morals"    // 讲道德
	TopicSafety    Topic = "safety"    // 讲安全
	TopicLaw       Topic = "law"       // 讲法律法规
	TopicGuardians Topic = "guardians" // 监护人法定职责
	TopicPolicy    Topic = "policy"    // 儿童福利政策
)

// Content is the structured content of a visit: 一问、二看、三讲、四服务 (VS-6).
type Content struct {
	Ask      Ask           `json:"ask"`
	Observe  []Observation `json:"observe,omitempty" validate:"dive"`
	Talk     []Topic       `json:"talk,omitempty" validate:"dive,oneof=morals safety law guardians policy"`
	Services []string      `json:"services,omitempty"` // service catalogue codes (四服务)
}

// FollowUp is what the visitor asks to happen next.
type FollowUp struct {
	Referral      string              `json:"referral,omitempty"`       // wanted referral target, e.g. "counsellor"
	KeySuggestion welfare.KeyCategory `json:"key_suggestion,omitempty"` // a ledger category the visitor suggests
	// Urgent is an urgent concern category ("harm", "suspected_harm", "danger",
	// "missing_guardian", "suicide_risk", "other"); it is raised at once.
	Urgent string `json:"urgent,omitempty" validate:"omitempty,oneof=harm suspected_harm danger missing_guardian suicide_risk other"`
}

// EvidenceKind is the kind of an attachment.
type EvidenceKind string

// Evidence kinds (VS-7, SR-1).
const (
	EvidencePhoto      EvidenceKind = "photo"
	EvidenceVideo      EvidenceKind = "video"
	EvidenceAudio      EvidenceKind = "audio"
	EvidenceCallRecord EvidenceKind = "call_record"
	EvidenceSignature  EvidenceKind = "signature"
)

// Evidence is an attachment's fingerprint: the file itself lives with the host (or the
// national system); the library keeps what proves it and what detects its reuse.
type Evidence struct {
	Kind   EvidenceKind `json:"kind" validate:"required,oneof=photo video audio call_record signature"`
	SHA256 string       `json:"sha256" validate:"required,len=64,hexadecimal"`
	Size   int64        `json:"size" validate:"gt=0"`
	// CapturedAt is the device's capture time.
	CapturedAt time.Time `json:"captured_at" validate:"required"`
	// PHash is an optional 64-bit perceptual hash (photos, video key frames).
	PHash *uint64 `json:"phash,omitempty"`
	// CallSeconds is the length a call record shows (call_record only).
	CallSeconds int `json:"call_seconds,omitempty" validate:"gte=0"`
}

// Visit is one visit record (《南昌市流动儿童定期探访情况记录》, VS-5), as of one version.
type Visit struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"`
	ChildID  uuid.UUID `json:"child_id"`
	// Township and Village of the child when visited, so scoped queries need no join.
	Township string `json:"township"`
	Village  string `json:"village,omitempty"`

	VisitorID   uuid.UUID    `json:"visitor_id"`
	VisitorRole welfare.Role `json:"visitor_role"` // VS-4
	Mode        Mode         `json:"mode"`
	Outcome     Outcome      `json:"outcome"`
	FailReason  string       `json:"fail_reason,omitempty"` // for unreachable/refused

	PlannedStart time.Time `json:"planned_start,omitzero"`
	PlannedEnd   time.Time `json:"planned_end,omitzero"`
	Start        time.Time `json:"start"` // actual
	End          time.Time `json:"end"`   // actual

	Location Location   `json:"location"`
	Present  Present    `json:"present"`
	Content  Content    `json:"content"`
	Notes    string     `json:"notes,omitempty"` // free text (Chinese), personal data possible
	FollowUp FollowUp   `json:"follow_up"`
	Evidence []Evidence `json:"evidence,omitempty"`

	// DeviceTime is when the recording device says the record was made; ReceivedAt when
	// the library received it (from the injected clock).
	DeviceTime time.Time `json:"device_time,omitzero"`
	ReceivedAt time.Time `json:"received_at"`

	// Amendment is set on versions after the first.
	Amendment *Amendment `json:"amendment,omitempty"`
	UpdatedBy string     `json:"updated_by"` // staff ID
}

// Amendment says why a visit record was corrected and by whom.
type Amendment struct {
	Reason string    `json:"reason"` // a reason code, e.g. "wrong_time", "wrong_child", "add_evidence", "typo"
	Note   string    `json:"note,omitempty"`
	Editor string    `json:"editor"` // staff ID
	At     time.Time `json:"at"`
}

// Counts reports whether the visit took place (failed attempts never count).
func (v *Visit) Counts() bool { return v.Outcome == OutcomeCompleted }

// Duration is the actual length of the visit.
func (v *Visit) Duration() time.Duration { return v.End.Sub(v.Start) }

// Day is the Beijing day the visit started.
func (v *Visit) Day() welfare.Date { return welfare.DateOf(v.Start) }

// HasEvidence reports whether the visit carries evidence of every kind listed.
func (v *Visit) HasEvidence(kinds ...string) bool {
	for _, k := range kinds {
		if !slices.ContainsFunc(v.Evidence, func(e Evidence) bool { return string(e.Kind) == k }) {
			return false
		}
	}
	return true
}

// Clone returns a deep copy.
func (v *Visit) Clone() *Visit {
	if v == nil {
		return nil
	}
	d := *v
	if v.Location.Geo != nil {
		g := *v.Location.Geo
		d.Location.Geo = &g
	}
	d.Content.Ask.Needs = slices.Clone(v.Content.Ask.Needs)
	d.Content.Ask.HelpApplied = slices.Clone(v.Content.Ask.HelpApplied)
	d.Content.Ask.ResourcesLinked = slices.Clone(v.Content.Ask.ResourcesLinked)
	d.Content.Observe = slices.Clone(v.Content.Observe)
	d.Content.Talk = slices.Clone(v.Content.Talk)
	d.Content.Services = slices.Clone(v.Content.Services)
	d.Evidence = make([]Evidence, len(v.Evidence))
	for i, e := range v.Evidence {
		if e.PHash != nil {
			h := *e.PHash
			e.PHash = &h
		}
		d.Evidence[i] = e
	}
	if v.Evidence == nil {
		d.Evidence = nil
	}
	if v.Amendment != nil {
		a := *v.Amendment
		d.Amendment = &a
	}
	return &d
}

// String shows identifiers only; notes and places may hold personal data.
func (v *Visit) String() string {
	return fmt.Sprintf("Visit{%s v%d child %s %s %s}", v.ID, v.Version, v.ChildID, v.Mode, v.Outcome)
}

// MarshalLogObject implements zapcore.ObjectMarshaler with identifiers only.
func (v *Visit) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", v.ID.String())
	enc.AddInt64("version", v.Version)
	enc.AddString("child", v.ChildID.String())
	enc.AddString("visitor", v.VisitorID.String())
	enc.AddString("mode", string(v.Mode))
	enc.AddString("outcome", string(v.Outcome))
	return nil
}
