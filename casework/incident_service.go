package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/childwelfare/liudong/welfare"
)

// IncidentInput raises an incident.
type IncidentInput struct {
	ChildID uuid.UUID    `validate:"required"`
	Kind    IncidentKind `validate:"required,oneof=harm suspected_harm danger missing_guardian suicide_risk other"`
	// Severity: empty means immediate for harm, suspected harm, danger and suicide risk,
	// high otherwise.
	Severity   Severity   `validate:"omitempty,oneof=immediate high normal"`
	Discovered time.Time  `validate:"required"`
	Occurred   *time.Time // when it began, if known
	Summary    string     `validate:"max=500"`
	// Source defaults to {Kind: "case"}.
	Source welfare.Source
}

func defaultSeverity(k IncidentKind) Severity {
	switch k {
	case KindHarm, KindSuspectedHarm, KindDanger, KindSuicideRisk:
		return SeverityImmediate
	}
	return SeverityHigh
}

// reports builds the incident's reports from the rules.
func (s *Service) reports(k IncidentKind, discovered time.Time) []Report {
	var out []Report
	for _, rr := range s.rules.Reports[k] {
		d := time.Duration(rr.Hours) * time.Hour
		if rr.Hours == 0 {
			d = time.Duration(s.rules.ImmediateGraceMinutes) * time.Minute
		}
		out = append(out, Report{Target: rr.Target, Hours: rr.Hours, Due: welfare.StoreTime(discovered.Add(d))})
	}
	return out
}

// RaiseIncident records an urgent incident (紧急事件, SR-2) raised by anyone, opens (or
// joins) the child's case and sends its mandatory reports at once through the Notifier.
// The incident is stored whatever the notifier does; failed sends are retried by Dispatch.
func (s *Service) RaiseIncident(ctx context.Context, actor welfare.Actor, in IncidentInput) (*Incident, error) {
	if in.Source.Kind == "" {
		in.Source = welfare.Source{Kind: "case"}
	}
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	if in.Severity == "" {
		in.Severity = defaultSeverity(in.Kind)
	}
	now := s.now()
	if in.Discovered.After(now.Add(10 * time.Minute)) {
		return nil, invalid("Discovered", "ltenow", "")
	}
	if in.Occurred != nil && in.Occurred.After(in.Discovered) {
		return nil, invalid("Occurred", "ltefield", "Discovered")
	}
	inc := &Incident{AreaCode: s.prog.Area.Code, ChildID: in.ChildID, Kind: in.Kind, Severity: in.Severity,
		Occurred: cloneTime(in.Occurred), Discovered: in.Discovered, DiscoveredBy: actor.StaffID.String(),
		Source: in.Source, Summary: in.Summary, RuleID: "SR-2"}
	out, err := s.createIncident(ctx, &actor, inc)
	if err != nil {
		return nil, err
	}
	s.log.Warn("incident raised", zap.Object("actor", actor), zap.Object("incident", out))
	if _, err := s.dispatchOne(ctx, out.ID); err != nil {
		s.log.Warn("incident reports not sent", zap.String("incident", out.ID.String()), zap.Error(err))
	}
	return s.store.GetIncident(ctx, out.ID)
}

// createIncident stores inc with its reports and joins or opens the child's case.
// actor nil: raised by a concern (no scope check).
func (s *Service) createIncident(ctx context.Context, actor *welfare.Actor, inc *Incident) (*Incident, error) {
	var out *Incident
	err := s.atomically(ctx, func(tx Store) error {
		c, err := tx.GetChild(ctx, inc.ChildID)
		if err != nil {
			return err
		}
		if c.AreaCode != s.prog.Area.Code {
			return fmt.Errorf("%w: child outside the programme area", welfare.ErrOutOfScope)
		}
		if actor != nil {
			if err := s.allow(*actor, PermRaiseIncident, region(c.Residence.Township, c.Residence.Village)); err != nil {
				return err
			}
		}
		now := s.now()
		inc.ID = s.ids.NewID()
		inc.Township, inc.Village = c.Residence.Township, c.Residence.Village
		inc.Recorded = now
		inc.Reports = s.reports(inc.Kind, inc.Discovered)
		inc.UpdatedAt, inc.UpdatedBy = now, inc.DiscoveredBy
		cs, err := openCaseOf(ctx, tx, c.AreaCode, c.ID)
		if err != nil {
			return err
		}
		by, _ := uuid.Parse(inc.DiscoveredBy)
		note := fmt.Sprintf("紧急事件（%s）%s", inc.Kind.Chinese(), inc.ID)
		if cs == nil {
			if cs, err = s.openCase(ctx, tx, c, Origin{Kind: OriginIncident, Ref: inc.ID.String()}, by, by, note); err != nil {
				return err
			}
		} else {
			cs.Notes = append(cs.Notes, Note{At: now, By: by, Text: note})
			cs.UpdatedAt, cs.UpdatedBy = now, inc.DiscoveredBy
			if err := tx.UpdateCase(ctx, cs); err != nil {
				return err
			}
		}
		inc.CaseID = cs.ID
		if err := tx.CreateIncident(ctx, inc); err != nil {
			return err
		}
		out = inc.Clone()
		return nil
	})
	return out, err
}

// Raise consumes a concern raised by a visit or a screening (welfare.ConcernSink):
//
//   - urgent: an incident of the concern's category (unknown categories: other) is
//     recorded with its reports, the child's case opened or joined, and the reports
//     sent at once;
//   - referral: the child's case is opened or joined and a referral to the category's
//     target made, awaiting the guardian's consent; its Due is the concern's "due" fact
//     if given, else the rule's;
//   - key_eligible: the child's case is opened or joined with a note proposing the
//     ledger category (opening the ledger entry stays a person's decision,
//     welfare.Registry.OpenKeyEntry).
//
// A concern is taken once: raising the same concern ID again does nothing.
func (s *Service) Raise(ctx context.Context, cn welfare.Concern) error {
	if cn.ID == uuid.Nil || cn.ChildID == uuid.Nil {
		return invalid("Concern", "required", "ID ChildID")
	}
	if cn.AreaCode != s.prog.Area.Code {
		return fmt.Errorf("%w: concern of area %s", welfare.ErrOutOfScope, cn.AreaCode)
	}
	switch cn.Kind {
	case welfare.ConcernUrgent:
		return s.raiseUrgent(ctx, cn)
	case welfare.ConcernReferral, welfare.ConcernKeyEligible:
		return s.raiseCaseConcern(ctx, cn)
	}
	return invalid("Kind", "oneof", "urgent referral key_eligible")
}

func (s *Service) raiseUrgent(ctx context.Context, cn welfare.Concern) error {
	discovered := cn.Discovered
	if discovered.IsZero() {
		discovered = s.now()
	}
	for in, err := range s.store.Incidents(ctx, IncidentFilter{Area: cn.AreaCode, From: welfare.StoreTime(discovered), To: welfare.StoreTime(discovered).Add(time.Microsecond)}) {
		if err != nil {
			return err
		}
		if in.ConcernID == cn.ID {
			return nil // taken before
		}
	}
	kind := IncidentKind(cn.Category)
	if !slices.Contains(IncidentKinds(), kind) {
		kind = KindOther
	}
	sev := Severity(cn.Severity)
	if !slices.Contains([]Severity{SeverityImmediate, SeverityHigh, SeverityNormal}, sev) {
		sev = defaultSeverity(kind)
	}
	inc := &Incident{AreaCode: cn.AreaCode, ChildID: cn.ChildID, Kind: kind, Severity: sev, Discovered: discovered,
		DiscoveredBy: cn.RaisedBy, Source: cn.Source, ConcernID: cn.ID, RuleID: cn.RuleID, Facts: slices.Clone(cn.Facts)}
	out, err := s.createIncident(ctx, nil, inc)
	if err != nil {
		return err
	}
	s.log.Warn("incident raised from concern", zap.String("incident", out.ID.String()), zap.String("concern", cn.ID.String()),
		zap.String("kind", string(kind)))
	if _, err := s.dispatchOne(ctx, out.ID); err != nil {
		s.log.Warn("incident reports not sent", zap.String("incident", out.ID.String()), zap.Error(err))
	}
	return nil
}

func originOf(src welfare.Source) Origin {
	switch src.Kind {
	case "visit":
		return Origin{Kind: OriginVisit, Ref: src.Ref}
	case "screening":
		return Origin{Kind: OriginScreening, Ref: src.Ref}
	}
	return Origin{Kind: OriginRequest, Ref: src.Ref}
}

func (s *Service) raiseCaseConcern(ctx context.Context, cn welfare.Concern) error {
	marker := "concern " + cn.ID.String()
	return s.atomically(ctx, func(tx Store) error {
		c, err := tx.GetChild(ctx, cn.ChildID)
		if err != nil {
			return err
		}
		by, _ := uuid.Parse(cn.RaisedBy)
		cs, err := openCaseOf(ctx, tx, c.AreaCode, c.ID)
		if err != nil {
			return err
		}
		if cs != nil && slices.ContainsFunc(cs.Notes, func(n Note) bool { return strings.Contains(n.Text, marker) }) {
			return nil // taken before
		}
		var text string
		if cn.Kind == welfare.ConcernKeyEligible {
			text = fmt.Sprintf("建议纳入重点关爱台账：%s（%s，%s）", cn.Category, cn.RuleID, marker)
		} else {
			text = fmt.Sprintf("建议转介：%s（%s，%s）", Target(cn.Category).Chinese(), cn.RuleID, marker)
		}
		now := s.now()
		if cs == nil {
			if cs, err = s.openCase(ctx, tx, c, originOf(cn.Source), by, by, text); err != nil {
				return err
			}
		} else {
			cs.Notes = append(cs.Notes, Note{At: now, By: by, Text: text})
			cs.UpdatedAt, cs.UpdatedBy = now, cn.RaisedBy
			if err := tx.UpdateCase(ctx, cs); err != nil {
				return err
			}
		}
		if cn.Kind != welfare.ConcernReferral {
			return nil
		}
		target := Target(cn.Category)
		if !slices.Contains(ReferralTargets(), target) {
			target = TargetResource
		}
		r, err := s.newReferral(ctx, tx, c, ReferralInput{ChildID: c.ID, CaseID: cs.ID, Target: target,
			Reason: "concern " + cn.RuleID, Source: cn.Source}, by)
		if err != nil {
			return err
		}
		for _, f := range cn.Facts {
			if f.Name == "due" {
				if d, err := welfare.ParseDate(f.Value); err == nil {
					r.Due = d
					return tx.UpdateReferral(ctx, r)
				}
			}
		}
		return nil
	})
}

// DispatchResult counts what Dispatch did.
type DispatchResult struct {
	Sent      int `json:"sent"`
	Failed    int `json:"failed"`
	Escalated int `json:"escalated"`
}

func (r *DispatchResult) add(o DispatchResult) {
	r.Sent += o.Sent
	r.Failed += o.Failed
	r.Escalated += o.Escalated
}

// Dispatch sends every unsent report of the area's unresolved incidents and escalates
// the overdue and unacknowledged ones (Rules.EscalateTo, one level every
// EscalateEveryHours): meant to run every few minutes. Every attempt is recorded on the
// incident. Notifications carry idempotency keys, so a retry never reports twice.
func (s *Service) Dispatch(ctx context.Context) (DispatchResult, error) {
	var ids []uuid.UUID
	for in, err := range s.store.Incidents(ctx, IncidentFilter{Area: s.prog.Area.Code}) {
		if err != nil {
			return DispatchResult{}, err
		}
		if in.Resolved == nil {
			ids = append(ids, in.ID)
		}
	}
	var total DispatchResult
	var errs []error
	for _, id := range ids {
		r, err := s.dispatchOne(ctx, id)
		total.add(r)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

type sendResult struct {
	target     Target
	escalation *Escalation
	attempt    Attempt
}

// dispatchOne sends and escalates one incident's reports, then records the results.
func (s *Service) dispatchOne(ctx context.Context, id uuid.UUID) (DispatchResult, error) {
	in, err := s.store.GetIncident(ctx, id)
	if err != nil {
		return DispatchResult{}, err
	}
	var res DispatchResult
	var results []sendResult
	send := func(n Notification) Attempt {
		now := s.now()
		rec, err := s.notifier.Notify(ctx, n)
		a := Attempt{At: now, Key: n.Key, Channel: rec.Channel, OK: err == nil, Duplicate: rec.Duplicate, MessageID: rec.MessageID}
		if err != nil {
			a.Error = err.Error()
			res.Failed++
		}
		return a
	}
	base := Notification{IncidentID: in.ID, AreaCode: in.AreaCode, ChildID: in.ChildID, Kind: in.Kind,
		Severity: in.Severity, Discovered: in.Discovered}
	for i := range in.Reports {
		r := &in.Reports[i]
		if r.Sent == nil {
			n := base
			n.Key, n.Target, n.Due = in.ID.String()+"/"+string(r.Target)+"/report", r.Target, r.Due
			a := send(n)
			results = append(results, sendResult{target: r.Target, attempt: a})
			if a.OK {
				res.Sent++
				at := a.At
				r.Sent = &at
			}
		}
		now := s.now()
		var since time.Time
		reason := ""
		switch {
		case r.Sent == nil && now.After(r.Due):
			since, reason = r.Due, "not_sent"
		case r.Sent != nil && r.Ack == nil && s.rules.AckHours > 0 && now.After(r.Sent.Add(time.Duration(s.rules.AckHours)*time.Hour)):
			since, reason = r.Sent.Add(time.Duration(s.rules.AckHours)*time.Hour), "not_acknowledged"
		default:
			continue
		}
		for lvl := 1; lvl <= len(s.rules.EscalateTo); lvl++ {
			if now.Before(since.Add(time.Duration(lvl-1) * time.Duration(s.rules.EscalateEveryHours) * time.Hour)) {
				break
			}
			if slices.ContainsFunc(r.Escalations, func(e Escalation) bool { return e.Level == lvl && e.Sent }) {
				continue
			}
			to := s.rules.EscalateTo[lvl-1]
			n := base
			n.Key = fmt.Sprintf("%s/%s/escalation-%d", in.ID, r.Target, lvl)
			n.Target, n.Due, n.Escalation, n.ReportTarget, n.Reason = to, r.Due, lvl, r.Target, reason
			a := send(n)
			e := Escalation{Level: lvl, To: to, At: a.At, Reason: reason, Sent: a.OK}
			results = append(results, sendResult{target: r.Target, escalation: &e, attempt: a})
			if a.OK {
				res.Escalated++
				r.Escalations = append(r.Escalations, e)
			}
		}
	}
	if len(results) == 0 {
		return res, nil
	}
	err = s.atomically(ctx, func(tx Store) error {
		cur, err := tx.GetIncident(ctx, id)
		if err != nil {
			return err
		}
		for _, sr := range results {
			r := cur.Report(sr.target)
			if r == nil {
				continue
			}
			r.Attempts = append(r.Attempts, sr.attempt)
			if sr.escalation != nil {
				if sr.escalation.Sent {
					r.Escalations = append(r.Escalations, *sr.escalation)
				}
				continue
			}
			if sr.attempt.OK && r.Sent == nil {
				at := sr.attempt.At
				r.Sent = &at
			}
		}
		cur.UpdatedAt, cur.UpdatedBy = s.now(), "dispatch"
		return tx.UpdateIncident(ctx, cur)
	})
	if err != nil {
		return res, err
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("%w: %d notification(s) of incident %s failed", ErrNotDelivered, res.Failed, id)
	}
	return res, nil
}

func (s *Service) mutateIncident(ctx context.Context, actor welfare.Actor, id uuid.UUID, fn func(in *Incident, now time.Time) error) (*Incident, error) {
	var out *Incident
	err := s.atomically(ctx, func(tx Store) error {
		in, err := tx.GetIncident(ctx, id)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermManageIncident, region(in.Township, in.Village)); err != nil {
			return err
		}
		now := s.now()
		if err := fn(in, now); err != nil {
			return err
		}
		in.UpdatedAt, in.UpdatedBy = now, actor.StaffID.String()
		if err := tx.UpdateIncident(ctx, in); err != nil {
			return err
		}
		out = in.Clone()
		return nil
	})
	return out, err
}

// RecordReport records a report made outside the Notifier (e.g. by telephone to the
// police, 110) at time at.
func (s *Service) RecordReport(ctx context.Context, actor welfare.Actor, id uuid.UUID, target Target, at time.Time, channel string) (*Incident, error) {
	if at.IsZero() || channel == "" {
		return nil, invalid("at,channel", "required", "")
	}
	return s.mutateIncident(ctx, actor, id, func(in *Incident, now time.Time) error {
		r := in.Report(target)
		if r == nil {
			return invalid("target", "oneof", "incident report targets")
		}
		if at.After(now) || at.Before(in.Discovered) {
			return invalid("at", "range", "discovered..now")
		}
		t := welfare.StoreTime(at)
		r.Attempts = append(r.Attempts, Attempt{At: t, Key: in.ID.String() + "/" + string(target) + "/manual", Channel: channel, OK: true})
		if r.Sent == nil || t.Before(*r.Sent) {
			r.Sent = &t
		}
		return nil
	})
}

// Acknowledge records the target's acknowledgement of a report (回执) at time at.
func (s *Service) Acknowledge(ctx context.Context, actor welfare.Actor, id uuid.UUID, target Target, at time.Time, ref string) (*Incident, error) {
	if at.IsZero() {
		return nil, invalid("at", "required", "")
	}
	return s.mutateIncident(ctx, actor, id, func(in *Incident, _ time.Time) error {
		r := in.Report(target)
		if r == nil {
			return invalid("target", "oneof", "incident report targets")
		}
		if r.Sent == nil {
			return fmt.Errorf("%w: the report was not sent", welfare.ErrTransition)
		}
		if r.Ack != nil {
			return fmt.Errorf("%w: already acknowledged", welfare.ErrTransition)
		}
		t := welfare.StoreTime(at)
		r.Ack, r.AckRef = &t, ref
		return nil
	})
}

// RecordMeasure records an emergency measure taken (应急处置, SR-2).
func (s *Service) RecordMeasure(ctx context.Context, actor welfare.Actor, id uuid.UUID, text string) (*Incident, error) {
	if text == "" {
		return nil, invalid("text", "required", "")
	}
	return s.mutateIncident(ctx, actor, id, func(in *Incident, now time.Time) error {
		in.Measures = append(in.Measures, Measure{At: now, By: actor.StaffID, Text: text})
		return nil
	})
}

// Resolve closes an incident; its reports stay as recorded.
func (s *Service) Resolve(ctx context.Context, actor welfare.Actor, id uuid.UUID, resolution string) (*Incident, error) {
	if resolution == "" {
		return nil, invalid("resolution", "required", "")
	}
	return s.mutateIncident(ctx, actor, id, func(in *Incident, now time.Time) error {
		if in.Resolved != nil {
			return fmt.Errorf("%w: already resolved", welfare.ErrTransition)
		}
		in.Resolved, in.Resolution = &now, resolution
		return nil
	})
}

// GetIncident returns an incident.
func (s *Service) GetIncident(ctx context.Context, actor welfare.Actor, id uuid.UUID) (*Incident, error) {
	in, err := s.store.GetIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.allow(actor, PermReadIncident, region(in.Township, in.Village)); err != nil {
		return nil, err
	}
	return in, nil
}

// Lateness is one reason an incident is on the AC-6 list.
type Lateness struct {
	// What: "discovered_late", "recorded_late", "report_late" (sent after its deadline)
	// or "report_overdue" (unsent past its deadline on asOf).
	What   string     `json:"what"`
	Target Target     `json:"target,omitempty"`
	Due    time.Time  `json:"due"`
	At     *time.Time `json:"at,omitempty"` // when it happened (nil: not yet)
	// Explain says it in Chinese.
	Explain string `json:"explain"`
}

// LateIncident is an incident discovered, recorded or reported late: the AC-6 evidence.
type LateIncident struct {
	RuleID     string       `json:"rule_id"`
	IncidentID uuid.UUID    `json:"incident_id"`
	ChildID    uuid.UUID    `json:"child_id"`
	Kind       IncidentKind `json:"kind"`
	Discovered time.Time    `json:"discovered"`
	Reasons    []Lateness   `json:"reasons"`
}

// LateIncidents lists the actor's incidents discovered before asOf that were
// discovered, recorded or reported late as of asOf, in discovery order (AC-6).
func (s *Service) LateIncidents(ctx context.Context, actor welfare.Actor, asOf time.Time) ([]LateIncident, error) {
	if err := s.allow(actor, PermReadIncident, actor.Scope); err != nil {
		return nil, err
	}
	var out []LateIncident
	for in, err := range s.store.Incidents(ctx, IncidentFilter{Area: s.prog.Area.Code, To: asOf}) {
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(region(in.Township, in.Village), actor.Scope) {
			continue
		}
		if l := Late(in, s.rules, asOf); len(l.Reasons) > 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// Late checks one incident as of asOf (see LateIncidents).
func Late(in *Incident, rules Rules, asOf time.Time) LateIncident {
	l := LateIncident{RuleID: "AC-6", IncidentID: in.ID, ChildID: in.ChildID, Kind: in.Kind, Discovered: in.Discovered}
	fmtT := func(t time.Time) string { return t.In(welfare.Beijing()).Format("2006-01-02 15:04") }
	if in.Occurred != nil {
		due := in.Occurred.Add(time.Duration(rules.DiscoverWithinHours) * time.Hour)
		if in.Discovered.After(due) {
			at := in.Discovered
			l.Reasons = append(l.Reasons, Lateness{What: "discovered_late", Due: due, At: &at,
				Explain: fmt.Sprintf("发生于%s，%s才发现，超过%d小时", fmtT(*in.Occurred), fmtT(in.Discovered), rules.DiscoverWithinHours)})
		}
	}
	if due := in.Discovered.Add(time.Duration(rules.RecordWithinHours) * time.Hour); in.Recorded.After(due) {
		at := in.Recorded
		l.Reasons = append(l.Reasons, Lateness{What: "recorded_late", Due: due, At: &at,
			Explain: fmt.Sprintf("发现于%s，%s才录入，超过%d小时", fmtT(in.Discovered), fmtT(in.Recorded), rules.RecordWithinHours)})
	}
	for _, r := range in.Reports {
		switch {
		case r.Sent != nil && r.Sent.After(r.Due):
			at := *r.Sent
			l.Reasons = append(l.Reasons, Lateness{What: "report_late", Target: r.Target, Due: r.Due, At: &at,
				Explain: fmt.Sprintf("向%s报告应于%s前，实际%s", r.Target.Chinese(), fmtT(r.Due), fmtT(at))})
		case r.Sent == nil && asOf.After(r.Due):
			l.Reasons = append(l.Reasons, Lateness{What: "report_overdue", Target: r.Target, Due: r.Due,
				Explain: fmt.Sprintf("向%s报告应于%s前，至今未报告", r.Target.Chinese(), fmtT(r.Due))})
		}
	}
	return l
}
