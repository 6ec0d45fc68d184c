package casework

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// TaskKind is the kind of a computed task.
type TaskKind string

// Task kinds.
const (
	TaskAssessment      TaskKind = "assessment_due"       // assess a new or reopened case
	TaskPlan            TaskKind = "plan_due"             // submit (or revise) the plan
	TaskPlanApproval    TaskKind = "plan_approval_due"    // approvers: decide on a plan
	TaskAction          TaskKind = "action_due"           // carry out a plan action
	TaskReview          TaskKind = "review_due"           // review a case in service
	TaskClosureApproval TaskKind = "closure_approval_due" // approvers: decide on a closure
	TaskReferral        TaskKind = "referral_overdue"     // chase a referral past its deadline
	TaskReport          TaskKind = "report_due"           // send a mandatory report
)

// Task is something someone must do, computed at query time from the records, the
// rules and asOf, never stored.
type Task struct {
	Kind TaskKind `json:"kind"`
	// Owner must act; uuid.Nil for approval tasks (any approver but the submitter,
	// unless Rules.SelfApproval).
	Owner      uuid.UUID `json:"owner"`
	ChildID    uuid.UUID `json:"child_id"`
	CaseID     uuid.UUID `json:"case_id,omitzero"`
	ReferralID uuid.UUID `json:"referral_id,omitzero"`
	IncidentID uuid.UUID `json:"incident_id,omitzero"`
	Action     string    `json:"action,omitempty"` // plan action ID, or report target
	// Due is the last Beijing day; DueAt the exact deadline for reports (hours).
	Due         welfare.Date `json:"due"`
	DueAt       time.Time    `json:"due_at,omitzero"`
	Overdue     bool         `json:"overdue"`
	DaysOverdue int          `json:"days_overdue,omitempty"`
	RuleID      string       `json:"rule_id"`
}

// TaskFilter selects tasks.
type TaskFilter struct {
	// Owner: one worker's tasks (with the approval tasks if the worker is an approver);
	// uuid.Nil: the whole team within the actor's scope.
	Owner uuid.UUID
	// OverdueOnly keeps overdue tasks.
	OverdueOnly bool
}

func dayTask(t Task, due welfare.Date, today welfare.Date) Task {
	t.Due = due
	if today.After(due) {
		t.Overdue = true
		t.DaysOverdue = int(today.Start().Sub(due.Start()).Hours()+1) / 24
	}
	return t
}

// CaseTasks lists the tasks of one case on Beijing day today.
func CaseTasks(c *Case, rules Rules, today welfare.Date) []Task {
	base := Task{Owner: c.Owner, ChildID: c.ChildID, CaseID: c.ID, RuleID: "CS-1"}
	day := welfare.DateOf
	var out []Task
	add := func(kind TaskKind, owner uuid.UUID, due welfare.Date, action string) {
		t := base
		t.Kind, t.Owner, t.Action = kind, owner, action
		out = append(out, dayTask(t, due, today))
	}
	reviewDue := func(p *Plan) welfare.Date {
		from := p.Approval.At
		if r := c.LastReview(); r != nil && r.At.After(from) {
			from = r.At
		}
		return day(from).AddDate(0, 0, rules.ReviewDays)
	}
	switch c.State() {
	case StateNew:
		add(TaskAssessment, c.Owner, day(c.CycleStart()).AddDate(0, 0, rules.AssessmentDays), "")
	case StateAssessment:
		add(TaskPlan, c.Owner, day(c.Assessment().At).AddDate(0, 0, rules.PlanDays), "")
	case StatePlan:
		p := c.Plan()
		if p.Approval == nil {
			add(TaskPlanApproval, uuid.Nil, day(p.Submitted).AddDate(0, 0, rules.ApprovalDays), "")
		} else {
			add(TaskPlan, c.Owner, day(p.Approval.At).AddDate(0, 0, rules.PlanDays), "")
		}
	case StateInService:
		p := c.Plan()
		for _, a := range p.Actions {
			if _, done := c.ActionDone(a.ID); !done {
				add(TaskAction, a.Owner, a.Due, a.ID)
			}
		}
		add(TaskReview, c.Owner, reviewDue(p), "")
	case StateReview:
		if cl := c.Closure(); cl != nil {
			add(TaskClosureApproval, uuid.Nil, day(cl.At).AddDate(0, 0, rules.ApprovalDays), "")
		} else if p := c.Plan(); p != nil && p.Approved() {
			add(TaskReview, c.Owner, reviewDue(p), "")
		}
	}
	return out
}

// ReferralTasks lists the task of one referral on day today: a referral not accepted
// by its Due day, or accepted and not completed within ReferralCompleteDays, is overdue.
func ReferralTasks(r *Referral, rules Rules, today welfare.Date) []Task {
	t := Task{Kind: TaskReferral, Owner: r.MadeBy, ChildID: r.ChildID, CaseID: r.CaseID, ReferralID: r.ID,
		Action: string(r.Target), RuleID: "CS-1"}
	var due welfare.Date
	switch r.Status() {
	case ReferralAwaitingConsent, ReferralPending:
		due = r.Due
	case ReferralAccepted:
		due = welfare.DateOf(r.acceptedAt()).AddDate(0, 0, rules.ReferralCompleteDays)
	default:
		return nil
	}
	if t = dayTask(t, due, today); !t.Overdue {
		return nil
	}
	return []Task{t}
}

// IncidentTasks lists the unsent reports of an unresolved incident as of asOf.
func IncidentTasks(in *Incident, asOf time.Time) []Task {
	if in.Resolved != nil {
		return nil
	}
	owner, _ := uuid.Parse(in.DiscoveredBy)
	var out []Task
	for _, r := range in.Reports {
		if r.Sent != nil {
			continue
		}
		t := Task{Kind: TaskReport, Owner: owner, ChildID: in.ChildID, CaseID: in.CaseID, IncidentID: in.ID,
			Action: string(r.Target), Due: welfare.DateOf(r.Due), DueAt: r.Due, RuleID: "SR-2"}
		if asOf.After(r.Due) {
			t.Overdue = true
			t.DaysOverdue = int(asOf.Sub(r.Due).Hours()) / 24
		}
		out = append(out, t)
	}
	return out
}

// Tasks computes the open tasks of one worker or the team (within the actor's scope)
// as of asOf, ordered by due day, kind and record. Days are Beijing days.
func (s *Service) Tasks(ctx context.Context, actor welfare.Actor, f TaskFilter, asOf time.Time) ([]Task, error) {
	if err := s.allow(actor, PermReadCase, actor.Scope); err != nil {
		return nil, err
	}
	today := welfare.DateOf(asOf)
	approver := false
	if f.Owner != uuid.Nil {
		if m, err := s.store.GetStaff(ctx, f.Owner); err == nil {
			approver = slices.Contains(s.rules.Approvers, m.Role)
		}
	}
	inScope := func(township, village string) bool { return strings.HasPrefix(region(township, village), actor.Scope) }
	var out []Task
	keep := func(ts []Task, submitter func(Task) uuid.UUID) {
		for _, t := range ts {
			if f.OverdueOnly && !t.Overdue {
				continue
			}
			if f.Owner != uuid.Nil {
				switch {
				case t.Owner == f.Owner:
				case t.Owner == uuid.Nil && submitter != nil && approver && (s.rules.SelfApproval || submitter(t) != f.Owner):
				default:
					continue
				}
			}
			out = append(out, t)
		}
	}
	area := s.prog.Area.Code
	for c, err := range s.store.Cases(ctx, CaseFilter{Area: area}) {
		if err != nil {
			return nil, err
		}
		if !inScope(c.Township, c.Village) {
			continue
		}
		keep(CaseTasks(c, s.rules, today), func(t Task) uuid.UUID {
			if t.Kind == TaskPlanApproval {
				return c.Plan().By
			}
			if cl := c.Closure(); cl != nil {
				return cl.By
			}
			return uuid.Nil
		})
	}
	for r, err := range s.store.Referrals(ctx, ReferralFilter{Area: area}) {
		if err != nil {
			return nil, err
		}
		if inScope(r.Township, r.Village) {
			keep(ReferralTasks(r, s.rules, today), nil)
		}
	}
	for in, err := range s.store.Incidents(ctx, IncidentFilter{Area: area}) {
		if err != nil {
			return nil, err
		}
		if inScope(in.Township, in.Village) {
			keep(IncidentTasks(in, asOf), nil)
		}
	}
	slices.SortStableFunc(out, func(a, b Task) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := strings.Compare(a.CaseID.String()+a.ReferralID.String()+a.IncidentID.String(), b.CaseID.String()+b.ReferralID.String()+b.IncidentID.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Action, b.Action)
	})
	return out, nil
}
