package casework

import (
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zapcore"

	"github.com/childwelfare/liudong/welfare"
)

// IncidentKind is the kind of an urgent incident; the values are the Category of urgent
// welfare.Concerns.
type IncidentKind string

// Incident kinds (DOMAIN §5).
const (
	KindHarm            IncidentKind = "harm"             // 受到侵害
	KindSuspectedHarm   IncidentKind = "suspected_harm"   // 疑似受到侵害
	KindDanger          IncidentKind = "danger"           // 面临危险
	KindMissingGuardian IncidentKind = "missing_guardian" // 监护缺失、无人照料
	KindSuicideRisk     IncidentKind = "suicide_risk"     // 自杀风险
	KindOther           IncidentKind = "other"
)

// IncidentKinds lists every kind.
func IncidentKinds() []IncidentKind {
	return []IncidentKind{KindHarm, KindSuspectedHarm, KindDanger, KindMissingGuardian, KindSuicideRisk, KindOther}
}

// Chinese returns the term used in generated documents.
func (k IncidentKind) Chinese() string {
	switch k {
	case KindHarm:
		return "受到侵害"
	case KindSuspectedHarm:
		return "疑似受到侵害"
	case KindDanger:
		return "面临危险"
	case KindMissingGuardian:
		return "监护缺失"
	case KindSuicideRisk:
		return "自杀风险"
	}
	return "其他紧急情况"
}

// Severity of an incident, as in welfare.Concern.
type Severity string

// Severities.
const (
	SeverityImmediate Severity = "immediate"
	SeverityHigh      Severity = "high"
	SeverityNormal    Severity = "normal"
)

// Attempt is one try to send a report or an escalation through the Notifier.
type Attempt struct {
	At        time.Time `json:"at"`
	Key       string    `json:"key"` // idempotency key
	Channel   string    `json:"channel,omitempty"`
	OK        bool      `json:"ok"`
	Duplicate bool      `json:"duplicate,omitempty"` // the receiver had seen the key
	MessageID string    `json:"message_id,omitempty"`
	Error     string    `json:"error,omitempty"` // no personal data
}

// Escalation records that an overdue or unacknowledged report was escalated.
type Escalation struct {
	Level  int       `json:"level"` // 1, 2, …
	To     Target    `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"` // "not_sent" or "not_acknowledged"
	Sent   bool      `json:"sent"`
}

// Report is one mandatory report of an incident to one target (强制报告).
type Report struct {
	Target Target `json:"target"`
	// Due is the latest time the report may be sent: discovery plus the rule's hours
	// (immediately: plus Rules.ImmediateGraceMinutes).
	Due         time.Time    `json:"due"`
	Hours       int          `json:"hours"`
	Attempts    []Attempt    `json:"attempts,omitempty"`
	Sent        *time.Time   `json:"sent,omitempty"` // first successful send
	Ack         *time.Time   `json:"ack,omitempty"`  // acknowledgement by the target
	AckRef      string       `json:"ack_ref,omitempty"`
	Escalations []Escalation `json:"escalations,omitempty"`
}

// Late reports whether the report was sent after its deadline, or is unsent past it on asOf.
func (r *Report) Late(asOf time.Time) bool {
	if r.Sent != nil {
		return r.Sent.After(r.Due)
	}
	return asOf.After(r.Due)
}

// Measure is an emergency measure taken (应急处置, SR-2).
type Measure struct {
	At   time.Time `json:"at"`
	By   uuid.UUID `json:"by"`
	Text string    `json:"text"`
}

// Incident is an urgent incident (紧急事件) with its mandatory reports.
type Incident struct {
	ID       uuid.UUID    `json:"id"`
	Version  int64        `json:"version"`
	AreaCode string       `json:"area_code"`
	ChildID  uuid.UUID    `json:"child_id"`
	Township string       `json:"township"`
	Village  string       `json:"village,omitempty"`
	Kind     IncidentKind `json:"kind"`
	Severity Severity     `json:"severity"`
	// Occurred is when the harm or danger began, if known (AC-6: discovered late).
	Occurred   *time.Time `json:"occurred,omitempty"`
	Discovered time.Time  `json:"discovered"`
	// Recorded is when the incident was entered (AC-6: recorded late).
	Recorded     time.Time      `json:"recorded"`
	DiscoveredBy string         `json:"discovered_by"` // staff ID
	Source       welfare.Source `json:"source"`
	ConcernID    uuid.UUID      `json:"concern_id,omitzero"`
	RuleID       string         `json:"rule_id,omitempty"`
	Facts        []welfare.Fact `json:"facts,omitempty"`
	Summary      string         `json:"summary,omitempty"` // no personal data
	Reports      []Report       `json:"reports"`
	Measures     []Measure      `json:"measures,omitempty"`
	CaseID       uuid.UUID      `json:"case_id,omitzero"`
	Resolved     *time.Time     `json:"resolved,omitempty"`
	Resolution   string         `json:"resolution,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Report returns the report to target, or nil.
func (in *Incident) Report(t Target) *Report {
	for i := range in.Reports {
		if in.Reports[i].Target == t {
			return &in.Reports[i]
		}
	}
	return nil
}

// Clone returns a deep copy.
func (in *Incident) Clone() *Incident {
	if in == nil {
		return nil
	}
	d := *in
	d.Occurred = cloneTime(in.Occurred)
	d.Resolved = cloneTime(in.Resolved)
	d.Facts = slices.Clone(in.Facts)
	d.Measures = slices.Clone(in.Measures)
	d.Reports = slices.Clone(in.Reports)
	for i := range d.Reports {
		r := &d.Reports[i]
		r.Attempts, r.Escalations = slices.Clone(r.Attempts), slices.Clone(r.Escalations)
		r.Sent, r.Ack = cloneTime(r.Sent), cloneTime(r.Ack)
	}
	return &d
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

// String shows the incident without personal data.
func (in *Incident) String() string {
	return "Incident{" + in.ID.String() + " " + string(in.Kind) + " " + string(in.Severity) + "}"
}

// MarshalLogObject implements zapcore.ObjectMarshaler without personal data.
func (in *Incident) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", in.ID.String())
	enc.AddString("kind", string(in.Kind))
	enc.AddString("severity", string(in.Severity))
	return nil
}
