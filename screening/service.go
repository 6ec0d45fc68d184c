package screening

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/childwelfare/liudong/welfare"
)

// Options configure a Service. The zero value gives defaults: system clock, UUIDv7 IDs,
// no logging, a new validator, DefaultAccess, a welfare.ConcernRecorder as the concern
// sink (read it with Service.Concerns; a host passes its own sink), the built-in
// instruments, LedgerCaseWorkers, and social workers as the role that needs the
// case-worker relation to read answers.
type Options struct {
	Clock       welfare.Clock
	IDs         welfare.IDGenerator
	Logger      *zap.Logger
	Validator   *welfare.Validator
	Access      welfare.AccessMatrix
	Concerns    welfare.ConcernSink
	Instruments *Catalogue
	CaseWorkers CaseWorkers
	// CaseWorkerRoles are the roles whose PermReadAnswers grant holds only for children
	// whose case worker the actor is; nil means social workers.
	CaseWorkerRoles []welfare.Role
}

// Service is the screening service (心理健康筛查): recording sessions, who is due, and
// the psychological archive. Every call acts for a welfare.Actor and is limited to the
// actor's permissions and region scope.
type Service struct {
	store    Store
	prog     *welfare.Programme
	rules    welfare.ScreeningRules
	clock    welfare.Clock
	ids      welfare.IDGenerator
	log      *zap.Logger
	v        *welfare.Validator
	access   welfare.AccessMatrix
	sink     welfare.ConcernSink
	cat      *Catalogue
	workers  CaseWorkers
	cwRoles  []welfare.Role
	recorder *welfare.ConcernRecorder
}

// NewService returns a service over store for programme prog. The programme must be
// valid and its screening rules must fit the instruments (CheckRules).
func NewService(store Store, prog *welfare.Programme, opts Options) (*Service, error) {
	if store == nil || prog == nil {
		return nil, errors.New("screening: NewService needs a store and a programme")
	}
	if err := prog.Validate(); err != nil {
		return nil, fmt.Errorf("screening: programme: %w", err)
	}
	s := &Service{store: store, prog: prog, rules: prog.Screening, clock: opts.Clock, ids: opts.IDs,
		log: opts.Logger, v: opts.Validator, access: opts.Access, sink: opts.Concerns,
		cat: opts.Instruments, workers: opts.CaseWorkers, cwRoles: slices.Clone(opts.CaseWorkerRoles)}
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
	if s.sink == nil {
		s.recorder = &welfare.ConcernRecorder{}
		s.sink = s.recorder
	}
	if s.cat == nil {
		s.cat = Builtins()
	}
	if s.workers == nil {
		s.workers = LedgerCaseWorkers{}
	}
	if s.cwRoles == nil {
		s.cwRoles = []welfare.Role{welfare.RoleSocialWorker}
	}
	if err := CheckRules(s.cat, s.rules); err != nil {
		return nil, fmt.Errorf("screening: programme rules: %w", err)
	}
	return s, nil
}

// Instruments returns the catalogue the service scores with.
func (s *Service) Instruments() *Catalogue { return s.cat }

// Concerns returns the concerns raised so far when the service keeps them itself (no
// Options.Concerns was given); nil otherwise.
func (s *Service) Concerns() []welfare.Concern {
	if s.recorder == nil {
		return nil
	}
	return s.recorder.Concerns()
}

func (s *Service) now() time.Time { return welfare.StoreTime(s.clock.Now()) }

func (s *Service) today() welfare.Date { return welfare.DateOf(s.clock.Now()) }

// childRegion is the most specific region code of the child's residence.
func childRegion(c *welfare.Child) string {
	if c.Residence.Village != "" {
		return c.Residence.Village
	}
	return c.Residence.Township
}

func (s *Service) allow(a welfare.Actor, p welfare.Permission, region string) error {
	if a.Area != s.prog.Area.Code {
		return fmt.Errorf("%w: actor area %s", welfare.ErrOutOfScope, a.Area)
	}
	return s.access.Allows(a, p, region)
}

// Record scores and stores a session (PS-1) and writes the child's mental-state
// observation (welfare.AspectMental, source "screening", the risk level only) in the
// same transaction.
//
// Concerns go through the concern sink before anything is stored, so a storage failure
// never loses one (a retry may raise a concern twice; the concern's Source.Ref names the
// session):
//
//   - every raised flag: welfare.ConcernUrgent, category of the flag ("suicide_risk"),
//     severity "immediate", whatever the scores. No option suppresses it, and it is
//     raised even when the session itself is rejected as invalid (then the error is
//     returned after the concern is taken);
//   - a level at or above ScreeningRules.AbnormalFrom: welfare.ConcernReferral to the
//     counsellor, due within ScreeningRules.ReferralDays (CS-1), and
//     welfare.ConcernKeyEligible for the ledger category 心理和行为异常 when the child
//     has no open entry of it (MS-2).
//
// Invalid input fails with a *welfare.ValidationError naming each field; a child
// outside the actor's scope with welfare.ErrOutOfScope; a failure of the concern sink
// with its error and nothing stored.
func (s *Service) Record(ctx context.Context, actor welfare.Actor, in SessionInput) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Struct errors do not stop the call while the child and the instrument are known:
	// the answers may still carry a flag that must be raised.
	var fields []welfare.FieldError
	add := func(f, rule, param string) {
		fields = append(fields, welfare.FieldError{Field: f, Rule: rule, Param: param})
	}
	if err := s.v.Struct(in); err != nil {
		var ve *welfare.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		fields = ve.Fields
	}
	inst, ok := s.cat.Get(in.Instrument, in.Version)
	if !ok && in.Instrument != "" {
		field := "Instrument"
		if _, known := s.cat.Get(in.Instrument, ""); known {
			field = "Version"
		}
		add(field, "oneof", "the service's instruments")
	}
	if !ok || in.ChildID == uuid.Nil {
		return nil, &welfare.ValidationError{Fields: fields}
	}
	child, err := s.store.GetChild(ctx, in.ChildID)
	if err != nil {
		return nil, err
	}
	if err := s.allow(actor, PermRecord, childRegion(child)); err != nil {
		return nil, err
	}
	switch {
	case child.AreaCode != s.prog.Area.Code:
		add("ChildID", "area", s.prog.Area.Code)
	case child.MergedInto != nil:
		add("ChildID", "merged", "")
	case child.State() == welfare.StateExited:
		add("ChildID", "state", string(welfare.StateExited))
	}
	age := -1 // unknown date: the Date error is reported already
	if !in.Date.IsZero() {
		age = child.BirthDate.YearsOn(in.Date)
		if in.Date.After(s.today()) {
			add("Date", "lte", "today")
		}
		if in.Date.Before(child.BirthDate) {
			add("Date", "gtefield", "BirthDate")
			age = -1
		}
	}
	var staff *welfare.Staff
	if in.AdministeredBy != uuid.Nil {
		st, err := s.store.GetStaff(ctx, in.AdministeredBy)
		switch {
		case errors.Is(err, welfare.ErrNotFound):
			add("AdministeredBy", "staff", "")
		case err != nil:
			return nil, err
		case st.AreaCode != s.prog.Area.Code:
			add("AdministeredBy", "staff", "")
		case !st.Active:
			add("AdministeredBy", "active", "")
		default:
			staff = st
		}
	}
	id := s.ids.NewID()
	res, scoreErr := inst.Score(in.Answers, ScoreOptions{Informant: in.Informant, Age: age, NormSet: in.NormSet,
		Refused: in.Refused, Rules: &s.rules})
	if scoreErr != nil {
		var ve *welfare.ValidationError
		if !errors.As(scoreErr, &ve) {
			return nil, scoreErr
		}
		fields = append(fields, ve.Fields...)
	}
	if len(fields) > 0 {
		fields = dedupe(fields)
		verr := &welfare.ValidationError{Fields: fields}
		// A critical answer is never lost with the session that carried it.
		if err := s.raiseFlags(ctx, actor, child, id, inst, inst.EvaluateFlags(in.Answers, in.Refused), true); err != nil {
			return nil, errors.Join(verr, err)
		}
		return nil, verr
	}

	sess := &Session{
		ID: id, AreaCode: child.AreaCode, ChildID: child.ID,
		Township: child.Residence.Township, Village: child.Residence.Village,
		Instrument: inst.ID, InstrumentVersion: inst.Version, Informant: in.Informant,
		AdministeredBy: staff.ID, AdministeredRole: staff.Role, Date: in.Date,
		Answers: in.Answers.Clone(), Refused: slices.Clone(in.Refused), Result: *res,
		RecordedAt: s.now(), RecordedBy: actor.StaffID.String(),
	}
	if err := s.raiseFlags(ctx, actor, child, id, inst, res.Flags, false); err != nil {
		return nil, err
	}
	abnormal := AtLeast(s.rules.Levels, res.Level, s.rules.AbnormalFrom)
	if abnormal {
		if err := s.raiseAbnormal(ctx, actor, child, sess); err != nil {
			return nil, err
		}
	}
	obs := ObservationOf(sess, s.rules)
	err = s.store.Atomically(ctx, func(tx welfare.Store) error {
		stx, ok := tx.(Store)
		if !ok {
			return fmt.Errorf("screening: the store's transaction (%T) does not implement screening.Store", tx)
		}
		if err := stx.CreateSession(ctx, sess); err != nil {
			return err
		}
		c, err := stx.GetChild(ctx, child.ID)
		if err != nil {
			return err
		}
		if c.Status.Apply(welfare.AspectMental, obs) {
			c.UpdatedAt, c.UpdatedBy = s.now(), actor.StaffID.String()
			return stx.UpdateChild(ctx, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("screening recorded", zap.Object("actor", actor), zap.Object("session", sess))
	return sess.Clone(), nil
}

// raiseFlags raises one urgent concern per flag.
func (s *Service) raiseFlags(ctx context.Context, actor welfare.Actor, child *welfare.Child, session uuid.UUID, inst *Instrument, flags []Flag, rejected bool) error {
	for _, f := range flags {
		facts := []welfare.Fact{{Name: "instrument", Value: inst.ID + "/" + inst.Version}, {Name: "flag", Value: f.Rule},
			{Name: "acute", Value: strconv.FormatBool(f.Acute)}}
		if f.Refused {
			facts = append(facts, welfare.Fact{Name: "refused", Value: "true"})
		}
		if rejected {
			facts = append(facts, welfare.Fact{Name: "session", Value: "rejected"})
		}
		c := welfare.Concern{ID: s.ids.NewID(), AreaCode: child.AreaCode, ChildID: child.ID,
			Kind: welfare.ConcernUrgent, Category: f.Category, Severity: "immediate",
			Source: welfare.Source{Kind: "screening", Ref: session.String()}, Discovered: s.now(),
			RaisedBy: actor.StaffID.String(), RuleID: inst.ID + "/" + f.Rule, Facts: facts}
		if err := s.sink.Raise(ctx, c); err != nil {
			return fmt.Errorf("screening: urgent concern not taken: %w", err)
		}
		s.log.Warn("urgent concern raised", zap.String("concern", c.ID.String()), zap.String("session", session.String()),
			zap.String("rule", c.RuleID))
	}
	return nil
}

// ReferralTarget is the Category of the referral concerns screening raises.
const ReferralTarget = "counsellor"

// raiseAbnormal raises the referral and, without an open entry, the key-eligibility
// concern of an abnormal result.
func (s *Service) raiseAbnormal(ctx context.Context, actor welfare.Actor, child *welfare.Child, sess *Session) error {
	due := sess.Date.AddDate(0, 0, s.rules.ReferralDays)
	base := []welfare.Fact{{Name: "instrument", Value: sess.Instrument + "/" + sess.InstrumentVersion},
		{Name: "level", Value: sess.Result.Level}, {Name: "abnormal_from", Value: s.rules.AbnormalFrom}}
	ref := welfare.Concern{ID: s.ids.NewID(), AreaCode: child.AreaCode, ChildID: child.ID,
		Kind: welfare.ConcernReferral, Category: ReferralTarget, Severity: "high",
		Source: welfare.Source{Kind: "screening", Ref: sess.ID.String()}, Discovered: s.now(),
		RaisedBy: actor.StaffID.String(), RuleID: "CS-1",
		Facts: append(slices.Clone(base), welfare.Fact{Name: "due", Value: due.String()})}
	if err := s.sink.Raise(ctx, ref); err != nil {
		return fmt.Errorf("screening: referral concern not taken: %w", err)
	}
	open, err := s.openEntry(ctx, s.store, child, welfare.KeyPsychological, s.today())
	if err != nil {
		return err
	}
	if open {
		return nil
	}
	key := welfare.Concern{ID: s.ids.NewID(), AreaCode: child.AreaCode, ChildID: child.ID,
		Kind: welfare.ConcernKeyEligible, Category: string(welfare.KeyPsychological), Severity: "normal",
		Source: welfare.Source{Kind: "screening", Ref: sess.ID.String()}, Discovered: s.now(),
		RaisedBy: actor.StaffID.String(), RuleID: "key/" + string(welfare.KeyPsychological), Facts: base}
	if err := s.sink.Raise(ctx, key); err != nil {
		return fmt.Errorf("screening: key-eligibility concern not taken: %w", err)
	}
	return nil
}

// openEntry reports whether the child has a ledger entry of cat open on day.
func (s *Service) openEntry(ctx context.Context, st welfare.Store, child *welfare.Child, cat welfare.KeyCategory, day welfare.Date) (bool, error) {
	for e, err := range st.KeyEntries(ctx, welfare.KeyEntryFilter{Area: child.AreaCode, ChildID: child.ID, OpenOnly: true}) {
		if err != nil {
			return false, err
		}
		if e.Category == cat && e.OpenOn(day) {
			return true, nil
		}
	}
	return false, nil
}

// ObservationOf is the mental-state observation a session writes to the child's status:
// the risk level only (the child's status is readable by every role that reads the
// child's record), a concern when the session is flagged or abnormal, dated the session's
// day, with the session as its source.
func ObservationOf(s *Session, rules welfare.ScreeningRules) welfare.Observation {
	return welfare.Observation{Value: observationValue(s.Result.Level),
		Concern: s.Result.Flagged() || AtLeast(rules.Levels, s.Result.Level, rules.AbnormalFrom),
		Date:    s.Date, Source: welfare.Source{Kind: "screening", Ref: s.ID.String()}}
}

// levelNames are the Chinese names of the default levels, for the status observation.
var levelNames = map[string]string{"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色", "blue": "蓝色"}

// observationValue is the child's mental-state observation: the risk level only, since
// the child's status is readable by every role that reads the child's record.
func observationValue(level string) string {
	if level == "" {
		return "心理健康筛查：结果无效或不完整，需重新筛查"
	}
	if n, ok := levelNames[level]; ok {
		return "心理健康筛查风险等级：" + n
	}
	return "心理健康筛查风险等级：" + level
}

// Request records a request that a child be screened (PS-1). It is open until a session
// of the child dated on or after it is recorded.
func (s *Service) Request(ctx context.Context, actor welfare.Actor, in RequestInput) (*Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	child, err := s.store.GetChild(ctx, in.ChildID)
	if err != nil {
		return nil, err
	}
	if err := s.allow(actor, PermRequest, childRegion(child)); err != nil {
		return nil, err
	}
	if in.Date.After(s.today()) {
		return nil, invalid("Date", "lte", "today")
	}
	r := &Request{ID: s.ids.NewID(), AreaCode: child.AreaCode, ChildID: child.ID,
		Township: child.Residence.Township, Village: child.Residence.Village, From: in.From, Date: in.Date,
		Note: in.Note, RecordedAt: s.now(), RecordedBy: actor.StaffID.String()}
	if err := s.store.CreateRequest(ctx, r); err != nil {
		return nil, err
	}
	s.log.Info("screening requested", zap.Object("actor", actor), zap.String("request", r.ID.String()),
		zap.String("child", r.ChildID.String()), zap.String("from", string(r.From)))
	return r.Clone(), nil
}

// GetSession returns one session in full to an actor who may read the child's answers
// (recording the read), the redacted view (level only) to one who may see the level,
// and welfare.ErrOutOfScope to anyone else.
func (s *Service) GetSession(ctx context.Context, actor welfare.Actor, id uuid.UUID, purpose string) (*Session, error) {
	sess, err := s.store.GetSession(ctx, id)
	if err != nil {
		return nil, err
	}
	child, err := s.store.GetChild(ctx, sess.ChildID)
	if err != nil {
		return nil, err
	}
	full, err := s.view(ctx, actor, child)
	if err != nil {
		return nil, err
	}
	perm := PermReadLevel
	if full {
		perm = PermReadAnswers
	}
	if err := s.recordRead(ctx, actor, child.ID, perm, purpose); err != nil {
		return nil, err
	}
	if !full {
		return sess.Redacted(), nil
	}
	return sess, nil
}

// view decides what actor may see of child's screenings: true for everything, false for
// the level only, or an error wrapping welfare.ErrOutOfScope.
func (s *Service) view(ctx context.Context, actor welfare.Actor, child *welfare.Child) (bool, error) {
	region := childRegion(child)
	if err := s.allow(actor, PermReadAnswers, region); err == nil {
		if !slices.Contains(s.cwRoles, actor.Role) {
			return true, nil
		}
		ok, err := s.workers.IsCaseWorker(ctx, s.store, actor, child)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	if err := s.allow(actor, PermReadLevel, region); err != nil {
		return false, err
	}
	return false, nil
}

func (s *Service) recordRead(ctx context.Context, actor welfare.Actor, child uuid.UUID, perm welfare.Permission, purpose string) error {
	if purpose == "" {
		purpose = "心理健康档案查阅"
	}
	return s.store.RecordAccess(ctx, welfare.AccessRecord{ID: s.ids.NewID(), At: s.now(), StaffID: actor.StaffID,
		Role: actor.Role, ChildID: child, Purpose: purpose, Action: string(perm)})
}

// dedupe drops repeated field-and-rule pairs, keeping the first.
func dedupe(fs []welfare.FieldError) []welfare.FieldError {
	type key struct{ field, rule string }
	seen := make(map[key]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if k := (key{f.Field, f.Rule}); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}
