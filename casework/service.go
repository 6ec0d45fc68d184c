package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/childwelfare/liudong/welfare"
)

// Permissions of casework, added to welfare's (see DefaultAccess).
const (
	PermReadCase       welfare.Permission = "case.read"
	PermWriteCase      welfare.Permission = "case.write"
	PermApproveCase    welfare.Permission = "case.approve"
	PermRaiseIncident  welfare.Permission = "incident.raise"
	PermReadIncident   welfare.Permission = "incident.read"
	PermManageIncident welfare.Permission = "incident.manage"
	PermReadActivity   welfare.Permission = "activity.read"
	PermWriteActivity  welfare.Permission = "activity.write"
)

// DefaultAccess is welfare.DefaultAccess plus casework's permissions:
//
//	role              case r/w/approve  incident raise/read/manage  activity r/w
//	project lead      r w a             raise read manage           r w
//	social worker     r w               raise read manage           r w
//	counsellor        r w               raise read manage           r w
//	child supervisor  r                 raise read                  r w
//	station staff     -                 raise                       r
//	child director    -                 raise                       r w
//	volunteer         -                 raise                       -
//	auditor           r                 read                        r
//
// Anyone may raise an incident (mandatory reporting). Grants are limited to the
// actor's scope.
func DefaultAccess() welfare.AccessMatrix {
	m := welfare.DefaultAccess()
	add := func(r welfare.Role, ps ...welfare.Permission) { m[r] = append(m[r], ps...) }
	team := []welfare.Permission{PermReadCase, PermWriteCase, PermRaiseIncident, PermReadIncident, PermManageIncident, PermReadActivity, PermWriteActivity}
	add(welfare.RoleProjectLead, append(slices.Clone(team), PermApproveCase)...)
	add(welfare.RoleSocialWorker, team...)
	add(welfare.RoleCounsellor, team...)
	add(welfare.RoleSupervisor, PermReadCase, PermRaiseIncident, PermReadIncident, PermReadActivity, PermWriteActivity)
	add(welfare.RoleStationStaff, PermRaiseIncident, PermReadActivity)
	add(welfare.RoleDirector, PermRaiseIncident, PermReadActivity, PermWriteActivity)
	add(welfare.RoleVolunteer, PermRaiseIncident)
	add(welfare.RoleAuditor, PermReadCase, PermReadIncident, PermReadActivity)
	return m
}

// ErrSelfApproval reports an approval of one's own submission where Rules.SelfApproval
// forbids it. It is matched by welfare.ErrOutOfScope too.
var ErrSelfApproval = errors.New("casework: self-approval not allowed")

// Options configure a Service. The zero value gives defaults: system clock, UUIDv7 IDs,
// no logging, a new validator, DefaultAccess, welfare.DefaultCatalogue,
// welfare.NanchangCounty divisions, DefaultRules(prog) and a MemoryNotifier.
type Options struct {
	Clock     welfare.Clock
	IDs       welfare.IDGenerator
	Logger    *zap.Logger
	Validator *welfare.Validator
	Access    welfare.AccessMatrix
	Catalogue *welfare.Catalogue
	Divisions *welfare.Divisions
	Rules     *Rules
	Notifier  Notifier
}

// Service is the casework service: cases, referrals, tasks, typical cases, incidents
// and activities. Every call acts for a welfare.Actor within its permissions and scope.
// It is also the welfare.ConcernSink that visits and screenings raise concerns into.
type Service struct {
	store    Store
	prog     *welfare.Programme
	rules    Rules
	clock    welfare.Clock
	ids      welfare.IDGenerator
	log      *zap.Logger
	v        *welfare.Validator
	access   welfare.AccessMatrix
	cat      *welfare.Catalogue
	div      *welfare.Divisions
	notifier Notifier
}

var _ welfare.ConcernSink = (*Service)(nil)

// NewService returns a service over store for programme prog.
func NewService(store Store, prog *welfare.Programme, opts Options) (*Service, error) {
	if store == nil || prog == nil {
		return nil, errors.New("casework: NewService needs a store and a programme")
	}
	if err := prog.Validate(); err != nil {
		return nil, fmt.Errorf("casework: programme: %w", err)
	}
	s := &Service{store: store, prog: prog, clock: opts.Clock, ids: opts.IDs, log: opts.Logger, v: opts.Validator,
		access: opts.Access, cat: opts.Catalogue, div: opts.Divisions, notifier: opts.Notifier}
	if opts.Rules != nil {
		s.rules = opts.Rules.Clone()
	} else {
		s.rules = DefaultRules(prog)
	}
	if err := s.rules.Validate(); err != nil {
		return nil, fmt.Errorf("casework: rules: %w", err)
	}
	if s.clock == nil {
		s.clock = welfare.SystemClock{}
	}
	if s.ids == nil {
		s.ids = welfare.UUIDv7{}
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.v == nil {
		s.v = welfare.NewValidator()
	}
	if s.access == nil {
		s.access = DefaultAccess()
	}
	if s.cat == nil {
		s.cat = welfare.DefaultCatalogue()
	}
	if s.div == nil {
		s.div = welfare.NanchangCounty()
	}
	if s.notifier == nil {
		s.notifier = &MemoryNotifier{Logger: s.log}
	}
	return s, nil
}

// Rules returns a copy of the rules the service applies.
func (s *Service) Rules() Rules { return s.rules.Clone() }

// Programme returns the programme.
func (s *Service) Programme() *welfare.Programme { return s.prog }

func (s *Service) now() time.Time { return welfare.StoreTime(s.clock.Now()) }

func (s *Service) allow(a welfare.Actor, p welfare.Permission, region string) error {
	if a.Area != s.prog.Area.Code {
		return fmt.Errorf("%w: actor area %s", welfare.ErrOutOfScope, a.Area)
	}
	return s.access.Allows(a, p, region)
}

func region(township, village string) string {
	if village != "" {
		return village
	}
	return township
}

func txStore(tx welfare.Store) (Store, error) {
	cs, ok := tx.(Store)
	if !ok {
		return nil, fmt.Errorf("casework: store transaction %T does not implement casework.Store", tx)
	}
	return cs, nil
}

// atomically runs fn in a transaction of the casework store.
func (s *Service) atomically(ctx context.Context, fn func(tx Store) error) error {
	return s.store.Atomically(ctx, func(wtx welfare.Store) error {
		tx, err := txStore(wtx)
		if err != nil {
			return err
		}
		return fn(tx)
	})
}

func invalid(field, rule, param string) error {
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: rule, Param: param}}}
}

// ---- cases ----

// OpenInput opens a case.
type OpenInput struct {
	ChildID uuid.UUID `validate:"required"`
	Origin  Origin
	// Owner is the responsible worker; uuid.Nil: the actor.
	Owner uuid.UUID
	Note  string `validate:"max=2000"`
}

// OpenCase opens a case for a child (开案, CS-1). A child has at most one open case: a
// second fails with welfare.ErrDuplicate. An origin of kind ledger must name an entry
// of the child's ledger.
func (s *Service) OpenCase(ctx context.Context, actor welfare.Actor, in OpenInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	var out *Case
	err := s.atomically(ctx, func(tx Store) error {
		c, err := tx.GetChild(ctx, in.ChildID)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWriteCase, region(c.Residence.Township, c.Residence.Village)); err != nil {
			return err
		}
		if in.Origin.Kind == OriginLedger {
			id, err := uuid.Parse(in.Origin.Ref)
			if err != nil {
				return invalid("Origin.Ref", "uuid", "")
			}
			e, err := tx.GetKeyEntry(ctx, id)
			if err != nil {
				return err
			}
			if e.ChildID != c.ID {
				return invalid("Origin.Ref", "child", "ChildID")
			}
		}
		owner := in.Owner
		if owner == uuid.Nil {
			owner = actor.StaffID
		}
		cs, err := s.openCase(ctx, tx, c, in.Origin, owner, actor.StaffID, in.Note)
		out = cs
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("case opened", zap.Object("actor", actor), zap.String("case", out.ID.String()), zap.String("origin", string(out.Origin.Kind)))
	return out, nil
}

// openCase creates the case; the caller checked scope.
func (s *Service) openCase(ctx context.Context, tx Store, c *welfare.Child, origin Origin, owner, by uuid.UUID, note string) (*Case, error) {
	open, err := openCaseOf(ctx, tx, c.AreaCode, c.ID)
	if err != nil {
		return nil, err
	}
	if open != nil {
		return nil, fmt.Errorf("%w: the child has an open case %s", welfare.ErrDuplicate, open.ID)
	}
	now := s.now()
	cs := &Case{ID: s.ids.NewID(), AreaCode: c.AreaCode, ChildID: c.ID, Township: c.Residence.Township,
		Village: c.Residence.Village, Origin: origin, Opened: now, OpenedBy: by, Owner: owner,
		UpdatedAt: now, UpdatedBy: by.String()}
	if note != "" {
		cs.Notes = []Note{{At: now, By: by, Text: note}}
	}
	if err := tx.CreateCase(ctx, cs); err != nil {
		return nil, err
	}
	return cs.Clone(), nil
}

// openCaseOf returns the child's open case, or nil.
func openCaseOf(ctx context.Context, st Store, area string, child uuid.UUID) (*Case, error) {
	for c, err := range st.Cases(ctx, CaseFilter{Area: area, ChildID: child}) {
		if err != nil {
			return nil, err
		}
		if !c.Closed() {
			return c, nil
		}
	}
	return nil, nil
}

// GetCase returns a case.
func (s *Service) GetCase(ctx context.Context, actor welfare.Actor, id uuid.UUID) (*Case, error) {
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.allow(actor, PermReadCase, region(c.Township, c.Village)); err != nil {
		return nil, err
	}
	return c, nil
}

// mutateCase loads a case in a transaction, checks perm, applies fn and stores it.
func (s *Service) mutateCase(ctx context.Context, actor welfare.Actor, id uuid.UUID, perm welfare.Permission, fn func(tx Store, c *Case, now time.Time) error) (*Case, error) {
	var out *Case
	err := s.atomically(ctx, func(tx Store) error {
		c, err := tx.GetCase(ctx, id)
		if err != nil {
			return err
		}
		if err := s.allow(actor, perm, region(c.Township, c.Village)); err != nil {
			return err
		}
		now := s.now()
		if err := fn(tx, c, now); err != nil {
			return err
		}
		c.UpdatedAt, c.UpdatedBy = now, actor.StaffID.String()
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		out = c.Clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func notClosed(c *Case) error {
	if c.Closed() {
		return fmt.Errorf("%w: the case is closed", welfare.ErrTransition)
	}
	return nil
}

// AssessInput rates every need.
type AssessInput struct {
	Ratings []Rating `validate:"min=1,dive"`
}

// Assess records an assessment across every need (需求评估): each of Needs() exactly once.
func (s *Service) Assess(ctx context.Context, actor welfare.Actor, id uuid.UUID, in AssessInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	for _, n := range Needs() {
		k := 0
		for _, r := range in.Ratings {
			if r.Need == n {
				k++
			}
		}
		if k != 1 {
			return nil, invalid("Ratings", "each_need_once", string(n))
		}
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		if err := notClosed(c); err != nil {
			return err
		}
		c.Assessments = append(c.Assessments, Assessment{Cycle: c.Cycle(), At: now, By: actor.StaffID, Ratings: slices.Clone(in.Ratings)})
		return nil
	})
}

// PlanInput is an intervention plan.
type PlanInput struct {
	Goals   []Goal   `validate:"min=1,dive"`
	Actions []Action `validate:"min=1,dive"`
}

func (s *Service) checkPlan(in PlanInput) error {
	var fs []welfare.FieldError
	goals := map[string]bool{}
	for i, g := range in.Goals {
		if goals[g.ID] {
			fs = append(fs, welfare.FieldError{Field: fmt.Sprintf("Goals[%d].ID", i), Rule: "unique"})
		}
		goals[g.ID] = true
	}
	actions := map[string]bool{}
	for i, a := range in.Actions {
		if actions[a.ID] {
			fs = append(fs, welfare.FieldError{Field: fmt.Sprintf("Actions[%d].ID", i), Rule: "unique"})
		}
		actions[a.ID] = true
		if !goals[a.Goal] {
			fs = append(fs, welfare.FieldError{Field: fmt.Sprintf("Actions[%d].Goal", i), Rule: "oneof", Param: "Goals"})
		}
		if a.Service != "" {
			if _, ok := s.cat.Service(a.Service); !ok {
				fs = append(fs, welfare.FieldError{Field: fmt.Sprintf("Actions[%d].Service", i), Rule: "oneof", Param: "catalogue"})
			}
		}
	}
	if fs != nil {
		return &welfare.ValidationError{Fields: fs}
	}
	return nil
}

// SubmitPlan submits an intervention plan (干预计划): goals, actions with owners and due
// days, services from the catalogue. It supersedes an earlier plan of the cycle and
// awaits approval. The case must have been assessed in the current cycle.
func (s *Service) SubmitPlan(ctx context.Context, actor welfare.Actor, id uuid.UUID, in PlanInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	if err := s.checkPlan(in); err != nil {
		return nil, err
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		if err := notClosed(c); err != nil {
			return err
		}
		if c.Assessment() == nil {
			return fmt.Errorf("%w: assess the case before planning", welfare.ErrTransition)
		}
		if c.Closure() != nil {
			return fmt.Errorf("%w: a closure awaits approval", welfare.ErrTransition)
		}
		c.Plans = append(c.Plans, Plan{Cycle: c.Cycle(), No: len(c.Plans) + 1, Submitted: now, By: actor.StaffID,
			Goals: slices.Clone(in.Goals), Actions: slices.Clone(in.Actions)})
		return nil
	})
}

// approve checks that actor may decide on a submission by submitter.
func (s *Service) approve(actor welfare.Actor, c *Case, submitter uuid.UUID) error {
	if err := s.allow(actor, PermApproveCase, region(c.Township, c.Village)); err != nil {
		return err
	}
	if !slices.Contains(s.rules.Approvers, actor.Role) {
		return fmt.Errorf("%w: role %s does not approve casework", welfare.ErrOutOfScope, actor.Role)
	}
	if !s.rules.SelfApproval && submitter == actor.StaffID {
		return fmt.Errorf("%w: %w", welfare.ErrOutOfScope, ErrSelfApproval)
	}
	return nil
}

// DecidePlan approves or rejects the pending plan (project lead, 项目负责人审批).
func (s *Service) DecidePlan(ctx context.Context, actor welfare.Actor, id uuid.UUID, d Decision, comment string) (*Case, error) {
	if d != Approved && d != Rejected {
		return nil, invalid("Decision", "oneof", "approved rejected")
	}
	return s.mutateCase(ctx, actor, id, PermReadCase, func(_ Store, c *Case, now time.Time) error {
		p := c.Plan()
		if p == nil || p.Approval != nil {
			return fmt.Errorf("%w: no plan awaits approval", welfare.ErrTransition)
		}
		if err := s.approve(actor, c, p.By); err != nil {
			return err
		}
		p.Approval = &Approval{Decision: d, By: actor.StaffID, Role: actor.Role, At: now, Comment: comment}
		return nil
	})
}

// CompleteAction records that an action of the approved plan was carried out on day on.
func (s *Service) CompleteAction(ctx context.Context, actor welfare.Actor, id uuid.UUID, action string, on welfare.Date, note string) (*Case, error) {
	if on.IsZero() {
		return nil, invalid("on", "required", "")
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		if err := notClosed(c); err != nil {
			return err
		}
		p := c.Plan()
		if p == nil || !p.Approved() {
			return fmt.Errorf("%w: no approved plan", welfare.ErrTransition)
		}
		if !slices.ContainsFunc(p.Actions, func(a Action) bool { return a.ID == action }) {
			return invalid("action", "oneof", "plan actions")
		}
		if _, done := c.ActionDone(action); done {
			return fmt.Errorf("%w: action already done", welfare.ErrTransition)
		}
		c.Done = append(c.Done, ActionDone{Cycle: c.Cycle(), Action: action, On: on, At: now, By: actor.StaffID, Note: note})
		return nil
	})
}

// ReviewInput is a case review.
type ReviewInput struct {
	Summary   string         `validate:"required,max=2000"`
	Recommend Recommendation `validate:"required,oneof=continue close"`
}

// ReviewCase records a review of a case in service (or in review).
func (s *Service) ReviewCase(ctx context.Context, actor welfare.Actor, id uuid.UUID, in ReviewInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		if st := c.State(); st != StateInService && st != StateReview {
			return fmt.Errorf("%w: a case in state %s is not reviewed", welfare.ErrTransition, st)
		}
		c.Reviews = append(c.Reviews, Review{Cycle: c.Cycle(), At: now, By: actor.StaffID, Summary: in.Summary, Recommend: in.Recommend})
		return nil
	})
}

// AddNote appends a case note. Notes are never edited or removed.
func (s *Service) AddNote(ctx context.Context, actor welfare.Actor, id uuid.UUID, text string) (*Case, error) {
	if text == "" || len([]rune(text)) > 2000 {
		return nil, invalid("text", "required,max", "2000")
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		c.Notes = append(c.Notes, Note{At: now, By: actor.StaffID, Text: text})
		return nil
	})
}

// ClosureInput proposes a closure.
type ClosureInput struct {
	Outcome Outcome `validate:"required,oneof=goals_met partly_met transferred moved_away aged_out declined other"`
	Summary string  `validate:"required,max=2000"`
}

// ProposeClosure proposes closing the case (结案申请); it awaits approval.
func (s *Service) ProposeClosure(ctx context.Context, actor welfare.Actor, id uuid.UUID, in ClosureInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(_ Store, c *Case, now time.Time) error {
		if err := notClosed(c); err != nil {
			return err
		}
		if c.Closure() != nil {
			return fmt.Errorf("%w: a closure already awaits approval", welfare.ErrTransition)
		}
		c.Closures = append(c.Closures, Closure{Cycle: c.Cycle(), At: now, By: actor.StaffID, Outcome: in.Outcome, Summary: in.Summary})
		return nil
	})
}

// DecideClosure approves (the case is closed) or rejects (the case goes on) the pending
// closure.
func (s *Service) DecideClosure(ctx context.Context, actor welfare.Actor, id uuid.UUID, d Decision, comment string) (*Case, error) {
	if d != Approved && d != Rejected {
		return nil, invalid("Decision", "oneof", "approved rejected")
	}
	return s.mutateCase(ctx, actor, id, PermReadCase, func(_ Store, c *Case, now time.Time) error {
		cl := c.Closure()
		if cl == nil || cl.Approval != nil {
			return fmt.Errorf("%w: no closure awaits approval", welfare.ErrTransition)
		}
		if err := s.approve(actor, c, cl.By); err != nil {
			return err
		}
		cl.Approval = &Approval{Decision: d, By: actor.StaffID, Role: actor.Role, At: now, Comment: comment}
		return nil
	})
}

// Reopen reopens a closed case: a new cycle starts at state new. The child must have no
// other open case.
func (s *Service) Reopen(ctx context.Context, actor welfare.Actor, id uuid.UUID, reason string) (*Case, error) {
	if reason == "" {
		return nil, invalid("reason", "required", "")
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(tx Store, c *Case, now time.Time) error {
		if !c.Closed() {
			return fmt.Errorf("%w: only a closed case is reopened", welfare.ErrTransition)
		}
		open, err := openCaseOf(ctx, tx, c.AreaCode, c.ChildID)
		if err != nil {
			return err
		}
		if open != nil {
			return fmt.Errorf("%w: the child has an open case %s", welfare.ErrDuplicate, open.ID)
		}
		c.Reopenings = append(c.Reopenings, Reopening{At: now, By: actor.StaffID, Reason: reason})
		return nil
	})
}

// DesignateTypical designates a closed case as typical (典型案例, CS-2) and stores its
// de-identified narrative. Reading the child's file for it is recorded in the access log.
func (s *Service) DesignateTypical(ctx context.Context, actor welfare.Actor, id uuid.UUID, in TypicalInput) (*Case, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	return s.mutateCase(ctx, actor, id, PermWriteCase, func(tx Store, c *Case, now time.Time) error {
		if !c.Closed() {
			return fmt.Errorf("%w: only a closed case can be typical", welfare.ErrTransition)
		}
		child, err := tx.GetChild(ctx, c.ChildID)
		if err != nil {
			return err
		}
		if err := tx.RecordAccess(ctx, welfare.AccessRecord{ID: s.ids.NewID(), At: now, StaffID: actor.StaffID,
			Role: actor.Role, ChildID: child.ID, Purpose: "typical case narrative (CS-2)", Action: string(PermWriteCase)}); err != nil {
			return err
		}
		var extra []Term
		for _, code := range []string{child.Residence.Village, child.Residence.Township} {
			if r, ok := s.div.Region(code); ok {
				extra = append(extra, Term{r.Name, "某地"})
			}
		}
		for _, sid := range []uuid.UUID{c.Owner, c.OpenedBy} {
			if m, err := tx.GetStaff(ctx, sid); err == nil {
				extra = append(extra, Term{m.Name, "社工"})
			}
		}
		n, err := BuildNarrative(c, child, s.cat, in, extra...)
		if err != nil {
			return err
		}
		c.Typical = &Typical{At: now, By: actor.StaffID, Narrative: n}
		return nil
	})
}

// CheckTypical counts the area's typical cases against the programme's minimum (CS-2).
func (s *Service) CheckTypical(ctx context.Context, actor welfare.Actor) (TypicalCheck, error) {
	if err := s.allow(actor, PermReadCase, s.prog.Area.Code); err != nil {
		return TypicalCheck{}, err
	}
	tc := TypicalCheck{RuleID: "CS-2", Min: s.prog.Casework.MinTypicalCases}
	for c, err := range s.store.Cases(ctx, CaseFilter{Area: s.prog.Area.Code}) {
		if err != nil {
			return TypicalCheck{}, err
		}
		if c.Typical != nil {
			tc.Count++
			tc.Cases = append(tc.Cases, c.ID)
		}
	}
	tc.Met = tc.Count >= tc.Min
	return tc, nil
}
