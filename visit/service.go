package visit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/childwelfare/liudong/welfare"
)

// Permissions of the visit package, granted through a welfare.AccessMatrix.
const (
	PermRead  welfare.Permission = "visit.read"
	PermWrite welfare.Permission = "visit.write"
)

// DefaultAccess is welfare.DefaultAccess with the visit permissions added: every role
// that may visit (VS-4: project staff, child supervisors, station staff, child directors,
// 童伴妈妈 volunteers) reads and writes visits in its scope; auditors read, never write.
func DefaultAccess() welfare.AccessMatrix {
	m := welfare.DefaultAccess()
	for role, perms := range m {
		perms = slices.Clone(perms)
		switch role {
		case welfare.RoleAuditor:
			perms = append(perms, PermRead)
		default:
			perms = append(perms, PermRead, PermWrite)
		}
		m[role] = perms
	}
	return m
}

// ErrConcernNotRaised reports that a visit was stored but some of the concerns it
// raised were not taken by the ConcernSink; the *ConcernError lists them.
var ErrConcernNotRaised = errors.New("visit: concern not raised")

// ConcernError carries the concerns a sink refused, so the caller can raise them again.
// Concerns hold identifiers and codes only.
type ConcernError struct {
	Concerns []welfare.Concern
	Err      error
}

func (e *ConcernError) Error() string {
	return fmt.Sprintf("visit: %d concern(s) not raised: %v", len(e.Concerns), e.Err)
}

// Is makes errors.Is(err, ErrConcernNotRaised) true.
func (e *ConcernError) Is(target error) bool { return target == ErrConcernNotRaised }

// Unwrap returns the sink's error.
func (e *ConcernError) Unwrap() error { return e.Err }

// Options configure a Service. The zero value gives defaults: system clock, UUIDv7 IDs,
// no logging, a new validator, DefaultAccess, an in-memory welfare.ConcernRecorder and
// welfare.DefaultCatalogue.
type Options struct {
	Clock     welfare.Clock
	IDs       welfare.IDGenerator
	Logger    *zap.Logger
	Validator *welfare.Validator
	Access    welfare.AccessMatrix
	// Concerns receives urgent, key-eligible and referral concerns (SR-2, MS-2, CS-1).
	Concerns  welfare.ConcernSink
	Catalogue *welfare.Catalogue
}

// Service records visits (VS-5..VS-7) and derives compliance and worklists from them.
// Every call acts for an Actor and is limited to the actor's permissions and scope.
type Service struct {
	store    Store
	prog     *welfare.Programme
	quotas   *Quotas
	clock    welfare.Clock
	ids      welfare.IDGenerator
	log      *zap.Logger
	v        *welfare.Validator
	access   welfare.AccessMatrix
	concerns welfare.ConcernSink
	cat      *welfare.Catalogue
}

// NewService returns a visit service over store for programme prog. The programme is
// validated (welfare.Programme.Validate and NewQuotas).
func NewService(store Store, prog *welfare.Programme, opts Options) (*Service, error) {
	if store == nil || prog == nil {
		return nil, errors.New("visit: NewService needs a store and a programme")
	}
	if err := prog.Validate(); err != nil {
		return nil, fmt.Errorf("visit: programme: %w", err)
	}
	q, err := NewQuotas(prog)
	if err != nil {
		return nil, fmt.Errorf("visit: programme: %w", err)
	}
	s := &Service{store: store, prog: prog, quotas: q, clock: opts.Clock, ids: opts.IDs, log: opts.Logger,
		v: opts.Validator, access: opts.Access, concerns: opts.Concerns, cat: opts.Catalogue}
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
	if s.concerns == nil {
		s.concerns = &welfare.ConcernRecorder{}
	}
	if s.cat == nil {
		s.cat = welfare.DefaultCatalogue()
	}
	return s, nil
}

// Programme returns the rules the service applies.
func (s *Service) Programme() *welfare.Programme { return s.prog }

// Quotas returns the compiled visit quotas.
func (s *Service) Quotas() *Quotas { return s.quotas }

// Concerns returns the sink concerns are raised into (the default recorder when
// Options.Concerns was nil).
func (s *Service) Concerns() welfare.ConcernSink { return s.concerns }

func (s *Service) allow(a welfare.Actor, p welfare.Permission, region string) error {
	if a.Area != s.prog.Area.Code {
		return fmt.Errorf("%w: actor area %s", welfare.ErrOutOfScope, a.Area)
	}
	return s.access.Allows(a, p, region)
}

func (s *Service) now() time.Time { return welfare.StoreTime(s.clock.Now()) }

func regionOf(township, village string) string {
	if village != "" {
		return village
	}
	return township
}

func childRegion(c *welfare.Child) string { return regionOf(c.Residence.Township, c.Residence.Village) }

// Input is a visit as a visitor reports it (the form 《南昌市流动儿童定期探访情况记录》,
// VS-5). The service sets ID, version, area, township, village, visitor role, received
// time and editor.
type Input struct {
	ChildID uuid.UUID `json:"child_id" validate:"required"`
	// VisitorID is the staff member who visited; uuid.Nil means the actor (a worker
	// entering a partner's paper form names the partner).
	VisitorID    uuid.UUID  `json:"visitor_id,omitzero"`
	Mode         Mode       `json:"mode" validate:"required,max=32"`
	Outcome      Outcome    `json:"outcome" validate:"required,oneof=completed unreachable refused"`
	FailReason   string     `json:"fail_reason,omitempty" validate:"max=200"`
	PlannedStart time.Time  `json:"planned_start,omitzero"`
	PlannedEnd   time.Time  `json:"planned_end,omitzero"`
	Start        time.Time  `json:"start" validate:"required"`
	End          time.Time  `json:"end" validate:"required"`
	Location     Location   `json:"location"`
	Present      Present    `json:"present"`
	Content      Content    `json:"content"`
	Notes        string     `json:"notes,omitempty" validate:"max=4000"`
	FollowUp     FollowUp   `json:"follow_up"`
	Evidence     []Evidence `json:"evidence,omitempty" validate:"max=50,dive"`
	DeviceTime   time.Time  `json:"device_time,omitzero"`
}

// String shows identifiers only: notes, places and evidence may hold personal data.
func (in Input) String() string {
	return fmt.Sprintf("Input{child %s %s %s}", in.ChildID, in.Mode, in.Outcome)
}

// MarshalLogObject implements zapcore.ObjectMarshaler with identifiers only.
func (in Input) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("child", in.ChildID.String())
	enc.AddString("mode", string(in.Mode))
	enc.AddString("outcome", string(in.Outcome))
	return nil
}

// Reason says why a visit is amended.
type Reason struct {
	// Code is one of AmendReasons.
	Code string `json:"code" validate:"required,oneof=wrong_time wrong_child wrong_mode add_evidence content typo other"`
	Note string `json:"note,omitempty" validate:"max=200"` // no personal data
}

// AmendReasons lists the amendment reason codes (DOMAIN §7: every correction carries a
// reason code and is kept as change history).
func AmendReasons() []string {
	return []string{"wrong_time", "wrong_child", "wrong_mode", "add_evidence", "content", "typo", "other"}
}

// urgentImmediate are the urgent categories raised with severity "immediate".
var urgentImmediate = []string{"harm", "suspected_harm", "danger", "suicide_risk"}

// check validates in without the store: struct tags, then the rules that span fields
// or read the programme (times, modes, services, key categories). Every broken rule is
// listed.
func (s *Service) check(in *Input) []welfare.FieldError {
	var fs []welfare.FieldError
	if err := s.v.Struct(in); err != nil {
		var ve *welfare.ValidationError
		if !errors.As(err, &ve) {
			return []welfare.FieldError{{Field: "(input)", Rule: "invalid"}}
		}
		fs = ve.Fields
	}
	add := func(field, rule, param string) {
		fs = append(fs, welfare.FieldError{Field: field, Rule: rule, Param: param})
	}
	if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
		add("End", "gtefield", "Start")
	}
	if !in.PlannedStart.IsZero() && !in.PlannedEnd.IsZero() && in.PlannedEnd.Before(in.PlannedStart) {
		add("PlannedEnd", "gtefield", "PlannedStart")
	}
	tol := s.prog.Visits.FutureToleranceMinutes
	limit := s.clock.Now().Add(time.Duration(tol) * time.Minute)
	future := func(field string, t time.Time) {
		if t.After(limit) {
			add(field, "future", strconv.Itoa(tol)+"m")
		}
	}
	future("Start", in.Start)
	future("End", in.End)
	future("DeviceTime", in.DeviceTime)
	for i, e := range in.Evidence {
		future(fmt.Sprintf("Evidence[%d].CapturedAt", i), e.CapturedAt)
	}
	if in.Mode != "" && !slices.Contains(s.prog.Visits.Modes, string(in.Mode)) {
		add("Mode", "oneof", "programme modes")
	}
	if in.Outcome != "" && in.Outcome != OutcomeCompleted && in.FailReason == "" {
		add("FailReason", "required_unless", "Outcome completed")
	}
	for i, code := range in.Content.Services {
		if svc, ok := s.cat.Service(code); !ok || !svc.VisitService {
			add(fmt.Sprintf("Content.Services[%d]", i), "catalogue", "visit services")
		}
	}
	if k := in.FollowUp.KeySuggestion; k != "" {
		if _, ok := s.prog.KeyCategory(k); !ok {
			add("FollowUp.KeySuggestion", "oneof", "programme key categories")
		}
	}
	return fs
}

// loadChild reads the visited child inside tx: unknown (or of another area) and exited
// on the visit's day are field errors on ChildID.
func (s *Service) loadChild(ctx context.Context, tx Store, id uuid.UUID) (*welfare.Child, error) {
	c, err := tx.GetChild(ctx, id)
	if errors.Is(err, welfare.ErrNotFound) || (err == nil && c.AreaCode != s.prog.Area.Code) {
		return nil, &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "ChildID", Rule: "exists"}}}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// exitedOn reports whether c is in state exited on day (lifecycle as recorded).
func exitedOn(c *welfare.Child, day welfare.Date) bool {
	state := welfare.LifecycleState("")
	for _, ev := range c.Lifecycle {
		if ev.On.After(day) {
			break
		}
		state = ev.To
	}
	return state == welfare.StateExited
}

// visitor resolves the visitor of in: the actor, or a staff member of the area.
func (s *Service) visitor(ctx context.Context, tx Store, actor welfare.Actor, id uuid.UUID) (uuid.UUID, welfare.Role, error) {
	if id == uuid.Nil || id == actor.StaffID {
		return actor.StaffID, actor.Role, nil
	}
	m, err := tx.GetStaff(ctx, id)
	if errors.Is(err, welfare.ErrNotFound) || (err == nil && m.AreaCode != s.prog.Area.Code) {
		return uuid.Nil, "", &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "VisitorID", Rule: "exists"}}}
	}
	if err != nil {
		return uuid.Nil, "", err
	}
	if !m.Active {
		return uuid.Nil, "", &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "VisitorID", Rule: "active"}}}
	}
	return m.ID, m.Role, nil
}

func (s *Service) txStore(tx welfare.Store) (Store, error) {
	vs, ok := tx.(Store)
	if !ok {
		return nil, fmt.Errorf("visit: the store's transaction (%T) does not implement visit.Store", tx)
	}
	return vs, nil
}

// build fills a stored visit from in.
func build(in *Input, c *welfare.Child, visitor uuid.UUID, role welfare.Role) *Visit {
	v := &Visit{
		AreaCode: c.AreaCode, ChildID: c.ID, Township: c.Residence.Township, Village: c.Residence.Village,
		VisitorID: visitor, VisitorRole: role, Mode: in.Mode, Outcome: in.Outcome, FailReason: in.FailReason,
		PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd, Start: in.Start, End: in.End,
		Location: in.Location, Present: in.Present, Content: in.Content, Notes: in.Notes,
		FollowUp: in.FollowUp, Evidence: in.Evidence, DeviceTime: in.DeviceTime,
	}
	return Normalize(v) // deep copy; the caller's input is never aliased
}

// writeBack applies the visit's 二看 observations to the child's status snapshot inside
// tx (source: the visit; back-dated observations never replace newer ones) and returns
// the key categories the child became eligible for by them.
func (s *Service) writeBack(ctx context.Context, tx Store, actor welfare.Actor, c *welfare.Child, v *Visit) ([]welfare.KeyDerivation, error) {
	if !v.Counts() || len(v.Content.Observe) == 0 {
		return nil, nil
	}
	before := welfare.KeyEligibility(c, s.prog.KeyCategories)
	kept := false
	for _, o := range v.Content.Observe {
		kept = c.Status.Apply(o.Aspect, welfare.Observation{Value: o.Value, Concern: o.Concern, Date: v.Day(),
			Source: welfare.Source{Kind: "visit", Ref: v.ID.String()}}) || kept
	}
	if !kept {
		return nil, nil
	}
	c.UpdatedAt, c.UpdatedBy = s.now(), actor.StaffID.String()
	if err := tx.UpdateChild(ctx, c); err != nil {
		return nil, err
	}
	var out []welfare.KeyDerivation
	for _, d := range welfare.KeyEligibility(c, s.prog.KeyCategories) {
		if !slices.ContainsFunc(before, func(b welfare.KeyDerivation) bool { return b.Category == d.Category }) {
			out = append(out, d)
		}
	}
	return out, nil
}

// openCategories lists the categories of the child's open ledger entries.
func (s *Service) openCategories(ctx context.Context, tx Store, c *welfare.Child) ([]welfare.KeyCategory, error) {
	var out []welfare.KeyCategory
	for e, err := range tx.KeyEntries(ctx, welfare.KeyEntryFilter{Area: c.AreaCode, ChildID: c.ID, OpenOnly: true}) {
		if err != nil {
			return nil, err
		}
		out = append(out, e.Category)
	}
	return out, nil
}

// concernsFor builds the concerns visit v raises. prev is the version v amends (nil for
// a new record): an amendment raises only what it adds.
func (s *Service) concernsFor(actor welfare.Actor, v, prev *Visit, derived []welfare.KeyDerivation, open []welfare.KeyCategory) []welfare.Concern {
	var out []welfare.Concern
	base := func(kind welfare.ConcernKind, category, severity, rule string, facts ...welfare.Fact) welfare.Concern {
		return welfare.Concern{ID: s.ids.NewID(), AreaCode: v.AreaCode, ChildID: v.ChildID, Kind: kind,
			Category: category, Severity: severity, Source: welfare.Source{Kind: "visit", Ref: v.ID.String()},
			Discovered: v.Start, RaisedBy: actor.StaffID.String(), RuleID: rule, Facts: facts}
	}
	changed := func(f func(*Visit) string) bool {
		return f(v) != "" && (prev == nil || prev.ChildID != v.ChildID || f(prev) != f(v))
	}
	if changed(func(x *Visit) string { return x.FollowUp.Urgent }) {
		sev := "high"
		if slices.Contains(urgentImmediate, v.FollowUp.Urgent) {
			sev = "immediate"
		}
		out = append(out, base(welfare.ConcernUrgent, v.FollowUp.Urgent, sev, "SR-2",
			welfare.Fact{Name: "visit_mode", Value: string(v.Mode)}, welfare.Fact{Name: "visit_day", Value: v.Day().String()}))
	}
	var suggested welfare.KeyCategory
	if changed(func(x *Visit) string { return string(x.FollowUp.KeySuggestion) }) && !slices.Contains(open, v.FollowUp.KeySuggestion) {
		suggested = v.FollowUp.KeySuggestion
		out = append(out, base(welfare.ConcernKeyEligible, string(suggested), "normal", "MS-2",
			welfare.Fact{Name: "suggested_by", Value: "visitor"}))
	}
	for _, d := range derived {
		if slices.Contains(open, d.Category) || d.Category == suggested {
			continue
		}
		out = append(out, base(welfare.ConcernKeyEligible, string(d.Category), "normal", d.RuleID, d.Facts...))
	}
	if changed(func(x *Visit) string { return x.FollowUp.Referral }) {
		out = append(out, base(welfare.ConcernReferral, v.FollowUp.Referral, "normal", "CS-1"))
	}
	return out
}

// raise hands the concerns to the sink; those it refuses come back in a *ConcernError.
func (s *Service) raise(ctx context.Context, cs []welfare.Concern) error {
	var failed []welfare.Concern
	var errs []error
	for _, c := range cs {
		if err := s.concerns.Raise(ctx, c); err != nil {
			failed = append(failed, c)
			errs = append(errs, err)
			continue
		}
		s.log.Info("concern raised", zap.String("concern", c.ID.String()), zap.String("kind", string(c.Kind)),
			zap.String("category", c.Category), zap.String("child", c.ChildID.String()))
	}
	if len(failed) > 0 {
		return &ConcernError{Concerns: failed, Err: errors.Join(errs...)}
	}
	return nil
}

// Record validates and stores a visit (VS-5), in one transaction with the write-back of
// its 二看 observations to the child's status snapshot (welfare.Source kind "visit", ref
// the visit ID), then raises its concerns: an urgent follow-up (ConcernUrgent, severity
// immediate for harm, suspected harm, danger and suicide risk), a key-ledger suggestion
// or observations that make the child newly key-eligible without an open ledger entry
// (ConcernKeyEligible), a wanted referral (ConcernReferral).
//
// Invalid input fails with a *welfare.ValidationError listing every field (an unknown
// child or visitor, a child exited on the visit's day, end before start, times beyond
// the programme's FutureToleranceMinutes, coordinates out of range, evidence without a
// hash, a mode the programme does not list, a service outside the catalogue's visit
// services, a failed attempt without its reason) and stores nothing. An actor without
// PermWrite over the child's village fails with welfare.ErrOutOfScope. When the sink
// refuses a concern the visit is stored and returned with a *ConcernError.
func (s *Service) Record(ctx context.Context, actor welfare.Actor, in Input) (*Visit, error) {
	if fs := s.check(&in); len(fs) > 0 {
		return nil, &welfare.ValidationError{Fields: fs}
	}
	var out *Visit
	var concerns []welfare.Concern
	err := s.store.Atomically(ctx, func(wtx welfare.Store) error {
		tx, err := s.txStore(wtx)
		if err != nil {
			return err
		}
		c, err := s.loadChild(ctx, tx, in.ChildID)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWrite, childRegion(c)); err != nil {
			return err
		}
		if exitedOn(c, welfare.DateOf(in.Start)) {
			return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "ChildID", Rule: "state", Param: string(welfare.StateExited)}}}
		}
		vid, role, err := s.visitor(ctx, tx, actor, in.VisitorID)
		if err != nil {
			return err
		}
		v := build(&in, c, vid, role)
		v.ID, v.ReceivedAt, v.UpdatedBy = s.ids.NewID(), s.now(), actor.StaffID.String()
		if err := tx.CreateVisit(ctx, v); err != nil {
			return err
		}
		derived, err := s.writeBack(ctx, tx, actor, c, v)
		if err != nil {
			return err
		}
		open, err := s.openCategories(ctx, tx, c)
		if err != nil {
			return err
		}
		concerns = s.concernsFor(actor, v, nil, derived, open)
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("visit recorded", zap.Object("actor", actor), zap.Object("visit", out), zap.Int("concerns", len(concerns)))
	return out.Clone(), s.raise(ctx, concerns)
}

// Amend stores a correction of visit id as a new version (nothing is overwritten): in
// replaces the record's content, reason says why. version is the version read; a stale
// one fails with welfare.ErrConflict. Validation, scope (over the visit's child before
// and after), the status write-back and concerns follow Record; an amendment raises only
// the concerns it adds. The received time of the first version is kept; the amendment
// carries the editor and time.
func (s *Service) Amend(ctx context.Context, actor welfare.Actor, id uuid.UUID, version int64, in Input, reason Reason) (*Visit, error) {
	fs := s.check(&in)
	if err := s.v.Struct(reason); err != nil {
		var ve *welfare.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		for _, f := range ve.Fields {
			f.Field = "Reason." + f.Field
			fs = append(fs, f)
		}
	}
	if len(fs) > 0 {
		return nil, &welfare.ValidationError{Fields: fs}
	}
	var out *Visit
	var concerns []welfare.Concern
	err := s.store.Atomically(ctx, func(wtx welfare.Store) error {
		tx, err := s.txStore(wtx)
		if err != nil {
			return err
		}
		cur, err := tx.GetVisit(ctx, id)
		if err != nil {
			return err
		}
		if cur.AreaCode != s.prog.Area.Code {
			return fmt.Errorf("visit %s: %w", id, welfare.ErrNotFound)
		}
		if err := s.allow(actor, PermWrite, regionOf(cur.Township, cur.Village)); err != nil {
			return err
		}
		if cur.Version != version {
			return fmt.Errorf("visit: amend %s: latest version %d, given %d: %w", id, cur.Version, version, welfare.ErrConflict)
		}
		c, err := s.loadChild(ctx, tx, in.ChildID)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWrite, childRegion(c)); err != nil {
			return err
		}
		if exitedOn(c, welfare.DateOf(in.Start)) {
			return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "ChildID", Rule: "state", Param: string(welfare.StateExited)}}}
		}
		vid, role := cur.VisitorID, cur.VisitorRole // the visitor stays unless named
		if in.VisitorID != uuid.Nil {
			if vid, role, err = s.visitor(ctx, tx, actor, in.VisitorID); err != nil {
				return err
			}
		}
		v := build(&in, c, vid, role)
		v.ID, v.Version, v.ReceivedAt, v.UpdatedBy = cur.ID, cur.Version, cur.ReceivedAt, actor.StaffID.String()
		v.Amendment = &Amendment{Reason: reason.Code, Note: reason.Note, Editor: actor.StaffID.String(), At: s.now()}
		if err := tx.AmendVisit(ctx, v); err != nil {
			return err
		}
		derived, err := s.writeBack(ctx, tx, actor, c, v)
		if err != nil {
			return err
		}
		open, err := s.openCategories(ctx, tx, c)
		if err != nil {
			return err
		}
		concerns = s.concernsFor(actor, v, cur, derived, open)
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("visit amended", zap.Object("actor", actor), zap.Object("visit", out), zap.String("reason", reason.Code))
	return out.Clone(), s.raise(ctx, concerns)
}

// Get returns the latest version of visit id.
func (s *Service) Get(ctx context.Context, actor welfare.Actor, id uuid.UUID) (*Visit, error) {
	v, err := s.store.GetVisit(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.AreaCode != s.prog.Area.Code {
		return nil, fmt.Errorf("visit %s: %w", id, welfare.ErrNotFound)
	}
	if err := s.allow(actor, PermRead, regionOf(v.Township, v.Village)); err != nil {
		return nil, err
	}
	return v, nil
}

// History returns every version of visit id, oldest first.
func (s *Service) History(ctx context.Context, actor welfare.Actor, id uuid.UUID) ([]*Visit, error) {
	vs, err := s.store.VisitHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	last := vs[len(vs)-1]
	if last.AreaCode != s.prog.Area.Code {
		return nil, fmt.Errorf("visit %s: %w", id, welfare.ErrNotFound)
	}
	for _, v := range vs {
		if err := s.allow(actor, PermRead, regionOf(v.Township, v.Village)); err != nil {
			return nil, err
		}
	}
	return vs, nil
}
