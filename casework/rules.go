package casework

import (
	"fmt"
	"maps"
	"slices"

	"github.com/childwelfare/liudong/welfare"
)

// ReportRule is one mandatory report target of an incident kind with its deadline in
// hours from discovery; 0 means immediately (within Rules.ImmediateGraceMinutes).
type ReportRule struct {
	Target Target `json:"target" validate:"required"`
	Hours  int    `json:"hours" validate:"gte=0"`
}

// Rules are the casework numbers welfare.Programme does not carry yet. DefaultRules
// documents each default; they are programme policy (DOMAIN §5, §10: no national rule
// fixes most of them) and belong in the Programme.
type Rules struct {
	// AssessmentDays: a case is assessed within this many days of opening (or reopening).
	AssessmentDays int `json:"assessment_days" validate:"gte=0"`
	// PlanDays: a plan is submitted within this many days of the assessment.
	PlanDays int `json:"plan_days" validate:"gte=0"`
	// ReviewDays: a case in service is reviewed at least this often (from the plan's
	// approval, then from the last review).
	ReviewDays int `json:"review_days" validate:"gte=1"`
	// ApprovalDays: a submitted plan or closure is approved or rejected within this many days.
	ApprovalDays int `json:"approval_days" validate:"gte=0"`
	// Approvers are the roles that approve plans and closures.
	Approvers []welfare.Role `json:"approvers" validate:"min=1"`
	// SelfApproval allows an approver to approve a plan or closure they submitted.
	SelfApproval bool `json:"self_approval"`

	// ReferralDays: per target, the days a referral's target has to accept it; targets
	// not listed take DefaultReferralDays.
	ReferralDays        map[Target]int `json:"referral_days"`
	DefaultReferralDays int            `json:"default_referral_days" validate:"gte=0"`
	// ReferralCompleteDays: an accepted referral is completed within this many days.
	ReferralCompleteDays int `json:"referral_complete_days" validate:"gte=0"`

	// Reports lists each incident kind's report targets and deadlines.
	Reports map[IncidentKind][]ReportRule `json:"reports"`
	// ImmediateGraceMinutes is what "immediately" (0 hours) allows.
	ImmediateGraceMinutes int `json:"immediate_grace_minutes" validate:"gte=0"`
	// AckHours: a sent report not acknowledged within this many hours escalates.
	AckHours int `json:"ack_hours" validate:"gte=0"`
	// EscalateTo are the escalation levels, in order: level 1 when a report becomes
	// overdue, each further level EscalateEveryHours later.
	EscalateTo         []Target `json:"escalate_to"`
	EscalateEveryHours int      `json:"escalate_every_hours" validate:"gte=1"`
	// RecordWithinHours: an incident entered more than this many hours after discovery
	// was recorded late (AC-6 evidence).
	RecordWithinHours int `json:"record_within_hours" validate:"gte=0"`
	// DiscoverWithinHours: an incident discovered more than this many hours after it
	// occurred (when the occurrence is known) was discovered late (AC-6 evidence).
	DiscoverWithinHours int `json:"discover_within_hours" validate:"gte=0"`

	// Holidays are the major holidays that each need a festival activity (CA-3).
	Holidays []Holiday `json:"holidays" validate:"dive"`
	// FestivalDaysBefore and FestivalDaysAfter: a festival activity counts for a holiday
	// if held within this window around the holiday's date.
	FestivalDaysBefore int `json:"festival_days_before" validate:"gte=0"`
	FestivalDaysAfter  int `json:"festival_days_after" validate:"gte=0"`
}

// DefaultRules returns the defaults for prog:
//
//	AssessmentDays 7, PlanDays 14, ReviewDays 30, ApprovalDays 3
//	Approvers [project_lead], SelfApproval false
//	ReferralDays: counsellor = prog.Screening.ReferralDays (7 in Nanchang2025); others
//	  DefaultReferralDays 7; ReferralCompleteDays 30
//	Reports (hours from discovery; 0 = immediately, within ImmediateGraceMinutes 30):
//	  harm, suspected_harm   police 0, civil_affairs 0, purchaser 2, counsellor 24
//	  danger                 police 0, civil_affairs 0, guardian 0, purchaser 2
//	  suicide_risk           guardian 0, counsellor 0, purchaser 2
//	  missing_guardian       civil_affairs 0, police 2, purchaser 12
//	  other                  purchaser 24
//	AckHours 24; EscalateTo [project_lead, purchaser], EscalateEveryHours 2
//	RecordWithinHours 24, DiscoverWithinHours 72
//	Holidays DefaultHolidays(); FestivalDaysBefore 14, FestivalDaysAfter 7
//
// The immediate police and civil-affairs reports follow 未成年人保护法 art. 11 (DOMAIN
// §5); the other targets and hours are unverified defaults: set them per programme.
func DefaultRules(prog *welfare.Programme) Rules {
	counsellorDays := 7
	if prog != nil {
		counsellorDays = prog.Screening.ReferralDays
	}
	return Rules{
		AssessmentDays: 7, PlanDays: 14, ReviewDays: 30, ApprovalDays: 3,
		Approvers:            []welfare.Role{welfare.RoleProjectLead},
		ReferralDays:         map[Target]int{TargetCounsellor: counsellorDays},
		DefaultReferralDays:  7,
		ReferralCompleteDays: 30,
		Reports: map[IncidentKind][]ReportRule{
			KindHarm:            {{TargetPolice, 0}, {TargetCivilAffairs, 0}, {TargetPurchaser, 2}, {TargetCounsellor, 24}},
			KindSuspectedHarm:   {{TargetPolice, 0}, {TargetCivilAffairs, 0}, {TargetPurchaser, 2}, {TargetCounsellor, 24}},
			KindDanger:          {{TargetPolice, 0}, {TargetCivilAffairs, 0}, {TargetGuardian, 0}, {TargetPurchaser, 2}},
			KindSuicideRisk:     {{TargetGuardian, 0}, {TargetCounsellor, 0}, {TargetPurchaser, 2}},
			KindMissingGuardian: {{TargetCivilAffairs, 0}, {TargetPolice, 2}, {TargetPurchaser, 12}},
			KindOther:           {{TargetPurchaser, 24}},
		},
		ImmediateGraceMinutes: 30,
		AckHours:              24,
		EscalateTo:            []Target{TargetProjectLead, TargetPurchaser},
		EscalateEveryHours:    2,
		RecordWithinHours:     24,
		DiscoverWithinHours:   72,
		Holidays:              DefaultHolidays(),
		FestivalDaysBefore:    14,
		FestivalDaysAfter:     7,
	}
}

// Clone returns a deep copy.
func (r Rules) Clone() Rules {
	d := r
	d.Approvers = slices.Clone(r.Approvers)
	d.ReferralDays = maps.Clone(r.ReferralDays)
	d.Reports = make(map[IncidentKind][]ReportRule, len(r.Reports))
	for k, v := range r.Reports {
		d.Reports[k] = slices.Clone(v)
	}
	d.EscalateTo = slices.Clone(r.EscalateTo)
	d.Holidays = slices.Clone(r.Holidays)
	return d
}

// Validate checks the rules: tags, known targets and kinds, holiday definitions.
func (r Rules) Validate() error {
	var fields []welfare.FieldError
	if err := welfare.NewValidator().Struct(r); err != nil {
		ve, ok := err.(*welfare.ValidationError)
		if !ok {
			return err
		}
		fields = ve.Fields
	}
	for k, rs := range r.Reports {
		if !slices.Contains(IncidentKinds(), k) {
			fields = append(fields, welfare.FieldError{Field: "Reports[" + string(k) + "]", Rule: "oneof", Param: "incident kinds"})
		}
		for i, rr := range rs {
			if !slices.Contains(Targets(), rr.Target) || rr.Hours < 0 {
				fields = append(fields, welfare.FieldError{Field: fmt.Sprintf("Reports[%s][%d]", k, i), Rule: "target"})
			}
		}
	}
	for t := range r.ReferralDays {
		if !slices.Contains(Targets(), t) {
			fields = append(fields, welfare.FieldError{Field: "ReferralDays[" + string(t) + "]", Rule: "oneof", Param: "targets"})
		}
	}
	for i, h := range r.Holidays {
		if err := h.check(); err != nil {
			fields = append(fields, welfare.FieldError{Field: fmt.Sprintf("Holidays[%d]", i), Rule: "holiday", Param: err.Error()})
		}
	}
	if len(fields) > 0 {
		return &welfare.ValidationError{Fields: fields}
	}
	return nil
}

// referralDays is the acceptance deadline for target.
func (r Rules) referralDays(t Target) int {
	if d, ok := r.ReferralDays[t]; ok {
		return d
	}
	return r.DefaultReferralDays
}
