package screening_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// today is the fixture's current day, 2025-06-30 (Beijing).
var today = welfare.NewDate(2025, time.June, 30)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	store *memory.Store
	prog  *welfare.Programme
	svc   *screening.Service
	sink  *welfare.ConcernRecorder

	lead, counsellor, worker, caseWorker, director, otherDirector, volunteer, auditor welfare.Actor
}

func date(m time.Month, d int) welfare.Date { return welfare.NewDate(2025, m, d) }

func newFixture(t *testing.T, opts ...func(*screening.Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), prog: welfare.Nanchang2025(), sink: &welfare.ConcernRecorder{}}
	f.store = memory.NewWithOptions(memory.Options{Clock: welfare.FixedClock{T: today.Start().Add(10 * time.Hour)}})
	staff := func(i int, role welfare.Role, scope string) welfare.Actor {
		s := storetest.NewStaff(i, storetest.Area)
		s.Role, s.Scope = role, scope
		require.NoError(t, f.store.CreateStaff(f.ctx, s))
		return welfare.ActorOf(s)
	}
	f.lead = staff(1, welfare.RoleProjectLead, storetest.Area)
	f.counsellor = staff(2, welfare.RoleCounsellor, storetest.Area)
	f.worker = staff(3, welfare.RoleSocialWorker, storetest.Area)
	f.caseWorker = staff(4, welfare.RoleSocialWorker, storetest.Area)
	f.director = staff(5, welfare.RoleDirector, storetest.Village(1))
	f.otherDirector = staff(6, welfare.RoleDirector, storetest.Village(2))
	f.volunteer = staff(7, welfare.RoleVolunteer, storetest.Village(1))
	f.auditor = staff(8, welfare.RoleAuditor, storetest.Area)
	o := screening.Options{
		Clock:    welfare.FixedClock{T: today.Start().Add(10 * time.Hour)},
		IDs:      welfare.NewSeededIDs(7),
		Concerns: f.sink,
	}
	for _, fn := range opts {
		fn(&o)
	}
	svc, err := screening.NewService(f.store, f.prog, o)
	require.NoError(t, err)
	f.svc = svc
	return f
}

// child stores synthetic child i, monitored, born birth (zero: the fixture's birth date,
// 15 years old in 2025).
func (f *fixture) child(i int, birth welfare.Date) *welfare.Child {
	f.t.Helper()
	c := storetest.WithState(storetest.NewChild(i), welfare.StateMonitored)
	if !birth.IsZero() {
		c.BirthDate = birth
		c.IDNumber = ""
	}
	require.NoError(f.t, f.store.CreateChild(f.ctx, c))
	return c
}

// openEntry opens a ledger entry of cat for c by the case worker.
func (f *fixture) openEntry(i int, c *welfare.Child, cat welfare.KeyCategory, opened welfare.Date) *welfare.KeyEntry {
	f.t.Helper()
	e := storetest.NewKeyEntry(i, c)
	e.Category, e.Opened, e.OpenedBy = cat, opened, f.caseWorker.StaffID.String()
	require.NoError(f.t, f.store.CreateKeyEntry(f.ctx, e))
	return e
}

// phqa returns PHQ-A answers with the first total points spread over items 1–8.
func phqa(total, item9, thoughts, attempt int) screening.Answers {
	a := spread([]int{1, 2, 3, 4, 5, 6, 7, 8}, 3, total)
	a[9], a[12], a[13] = item9, thoughts, attempt
	return a
}

func (f *fixture) record(actor welfare.Actor, c *welfare.Child, inst string, on welfare.Date, a screening.Answers, by welfare.Actor) *screening.Session {
	f.t.Helper()
	s, err := f.svc.Record(f.ctx, actor, screening.SessionInput{ChildID: c.ID, Instrument: inst, Informant: screening.InformantSelf,
		AdministeredBy: by.StaffID, Date: on, Answers: a})
	require.NoError(f.t, err)
	return s
}

func kinds(cs []welfare.Concern) []welfare.ConcernKind {
	var out []welfare.ConcernKind
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

func TestRecordFlagRaisesUrgentConcern(t *testing.T) {
	f := newFixture(t)
	c := f.child(1, welfare.Date{})
	s := f.record(f.worker, c, "phqa", date(time.June, 20), phqa(0, 1, 0, 0), f.worker)

	assert.Equal(t, int64(1), s.Version)
	assert.Equal(t, "red", s.Result.Level)
	assert.Equal(t, 1, s.Result.Scales[0].Score)
	got := f.sink.Concerns()
	require.Equal(t, []welfare.ConcernKind{welfare.ConcernUrgent, welfare.ConcernReferral, welfare.ConcernKeyEligible}, kinds(got))
	u := got[0]
	assert.Equal(t, "suicide_risk", u.Category)
	assert.Equal(t, "immediate", u.Severity)
	assert.Equal(t, c.ID, u.ChildID)
	assert.Equal(t, welfare.Source{Kind: "screening", Ref: s.ID.String()}, u.Source)
	assert.Equal(t, "phqa/phqa-item9", u.RuleID)
	assert.Equal(t, "counsellor", got[1].Category)
	assert.Contains(t, got[1].Facts, welfare.Fact{Name: "due", Value: "2025-06-27"})
	assert.Equal(t, string(welfare.KeyPsychological), got[2].Category)

	// The child's status carries the level only, with the session as its source.
	stored, err := f.store.GetChild(f.ctx, c.ID)
	require.NoError(t, err)
	obs := stored.Status[welfare.AspectMental]
	assert.Equal(t, welfare.Observation{Value: "心理健康筛查风险等级：红色", Concern: true, Date: date(time.June, 20),
		Source: welfare.Source{Kind: "screening", Ref: s.ID.String()}}, obs)
	// … which makes the child key-eligible for 心理和行为异常 under the programme.
	var cats []welfare.KeyCategory
	for _, d := range welfare.KeyEligibility(stored, f.prog.KeyCategories) {
		cats = append(cats, d.Category)
	}
	assert.Contains(t, cats, welfare.KeyPsychological)

	// Journaled as kind "screening" in the same transaction as the child's update.
	j := f.store.Journal(storetest.Area)
	n, err := j.Size(f.ctx)
	require.NoError(t, err)
	recs, err := j.Records(f.ctx, n-2, n)
	require.NoError(t, err)
	var leaves [2]journal.Leaf
	for i := range recs {
		require.NoError(t, leaves[i].UnmarshalBinary(recs[i]))
	}
	assert.Equal(t, screening.EntitySession, leaves[0].Kind)
	assert.Equal(t, welfare.EntityChild, leaves[1].Kind)
}

// TestFlagsAlwaysRaiseAConcern: whatever the answers and whatever the programme maps
// the bands to, each raised flag reaches the sink as an urgent concern.
func TestFlagsAlwaysRaiseAConcern(t *testing.T) {
	f := newFixture(t, func(o *screening.Options) {})
	// A programme that maps every PHQ-A band to green cannot lower a flagged session.
	f.prog.Screening.RiskLevels = []welfare.RiskLevelRule{}
	for _, b := range []string{"minimal", "mild", "moderate", "moderately_severe", "severe"} {
		f.prog.Screening.RiskLevels = append(f.prog.Screening.RiskLevels,
			welfare.RiskLevelRule{Instrument: "phqa", Scale: "total", Band: b, Level: "green"})
	}
	svc, err := screening.NewService(f.store, f.prog, screening.Options{Clock: welfare.FixedClock{T: today.Start()}, Concerns: f.sink})
	require.NoError(t, err)
	c := f.child(1, welfare.Date{})
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 150 {
		a := phqa(rng.IntN(25), rng.IntN(4)*b2i(rng.IntN(3) == 0), b2i(rng.IntN(8) == 0), b2i(rng.IntN(8) == 0))
		before := len(f.sink.Concerns())
		s, err := svc.Record(f.ctx, f.counsellor, screening.SessionInput{ChildID: c.ID, Instrument: "phqa", Informant: "self",
			AdministeredBy: f.counsellor.StaffID, Date: date(time.January, 1).AddDate(0, 0, i), Answers: a})
		require.NoError(t, err)
		urgent := 0
		for _, cn := range f.sink.Concerns()[before:] {
			if cn.Kind == welfare.ConcernUrgent {
				urgent++
				assert.Equal(t, "immediate", cn.Severity)
			}
		}
		want := b2i(a[9] > 0) + a[12] + a[13]
		require.Equal(t, want, urgent, "answers %v", a)
		if want > 0 {
			require.Equal(t, "red", s.Result.Level)
		} else {
			require.Equal(t, "green", s.Result.Level)
		}
	}
}

func TestRejectedSessionStillRaisesItsFlag(t *testing.T) {
	f := newFixture(t)
	c := f.child(1, welfare.Date{})
	a := phqa(3, 2, 0, 0)
	delete(a, 13) // the session is incomplete, but item 9 was answered 2
	_, err := f.svc.Record(f.ctx, f.worker, screening.SessionInput{ChildID: c.ID, Instrument: "phqa", Informant: "self",
		AdministeredBy: f.worker.StaffID, Date: date(time.June, 20), Answers: a})
	require.ErrorIs(t, err, welfare.ErrInvalid)
	assert.Equal(t, []welfare.FieldError{{Field: "Answers[13]", Rule: "required"}}, fieldsOf(t, err))
	got := f.sink.Concerns()
	require.Len(t, got, 1)
	assert.Equal(t, welfare.ConcernUrgent, got[0].Kind)
	assert.Contains(t, got[0].Facts, welfare.Fact{Name: "session", Value: "rejected"})
	n := 0
	for _, err := range f.store.ChildSessions(f.ctx, c.ID) {
		require.NoError(t, err)
		n++
	}
	assert.Zero(t, n)
}

type failingSink struct{}

func (failingSink) Raise(context.Context, welfare.Concern) error { return errors.New("sink down") }

func TestSinkFailureStoresNothing(t *testing.T) {
	f := newFixture(t, func(o *screening.Options) { o.Concerns = failingSink{} })
	c := f.child(1, welfare.Date{})
	_, err := f.svc.Record(f.ctx, f.worker, screening.SessionInput{ChildID: c.ID, Instrument: "phqa", Informant: "self",
		AdministeredBy: f.worker.StaffID, Date: date(time.June, 20), Answers: phqa(0, 1, 0, 0)})
	require.ErrorContains(t, err, "sink down")
	for _, err := range f.store.ChildSessions(f.ctx, c.ID) {
		t.Fatalf("stored a session (err %v)", err)
	}
	// A session without a flag or abnormal result raises nothing and is stored.
	s := f.record(f.worker, c, "phqa", date(time.June, 20), phqa(2, 0, 0, 0), f.worker)
	assert.Equal(t, "green", s.Result.Level)
}

func TestRecordValidation(t *testing.T) {
	f := newFixture(t)
	young := f.child(1, welfare.NewDate(2019, time.March, 1)) // 6 on 2025-06-20
	teen := f.child(2, welfare.Date{})
	inactive := storetest.NewStaff(20, storetest.Area)
	inactive.Active = false
	require.NoError(t, f.store.CreateStaff(f.ctx, inactive))
	in := func(c *welfare.Child, fn func(*screening.SessionInput)) screening.SessionInput {
		x := screening.SessionInput{ChildID: c.ID, Instrument: "phqa", Informant: "self", AdministeredBy: f.worker.StaffID,
			Date: date(time.June, 20), Answers: phqa(3, 0, 0, 0)}
		fn(&x)
		return x
	}
	cases := []struct {
		name string
		in   screening.SessionInput
		want []welfare.FieldError
	}{
		{"age", in(young, func(*screening.SessionInput) {}), []welfare.FieldError{{Field: "Age", Rule: "range", Param: "11..17"}}},
		{"informant", in(teen, func(x *screening.SessionInput) { x.Informant = "teacher" }),
			[]welfare.FieldError{{Field: "Informant", Rule: "oneof", Param: "self"}}},
		{"future", in(teen, func(x *screening.SessionInput) { x.Date = date(time.July, 1) }), []welfare.FieldError{{Field: "Date", Rule: "lte", Param: "today"}}},
		{"unknown staff", in(teen, func(x *screening.SessionInput) { x.AdministeredBy = uuid.New() }), []welfare.FieldError{{Field: "AdministeredBy", Rule: "staff"}}},
		{"inactive staff", in(teen, func(x *screening.SessionInput) { x.AdministeredBy = inactive.ID }), []welfare.FieldError{{Field: "AdministeredBy", Rule: "active"}}},
		{"range", in(teen, func(x *screening.SessionInput) { x.Answers[2] = 5 }), []welfare.FieldError{{Field: "Answers[2]", Rule: "range", Param: "0..3"}}},
		{"instrument", in(teen, func(x *screening.SessionInput) { x.Instrument = "bdi" }), []welfare.FieldError{{Field: "Instrument", Rule: "oneof", Param: "the service's instruments"}}},
		{"version", in(teen, func(x *screening.SessionInput) { x.Version = "9" }), []welfare.FieldError{{Field: "Version", Rule: "oneof", Param: "the service's instruments"}}},
		{"no date", in(teen, func(x *screening.SessionInput) { x.Date = welfare.Date{} }), []welfare.FieldError{{Field: "Date", Rule: "required"}}},
		{"norm set", in(teen, func(x *screening.SessionInput) { x.NormSet = "uk" }), []welfare.FieldError{{Field: "NormSet", Rule: "oneof", Param: "phq9-severity"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Record(f.ctx, f.worker, c.in)
			require.ErrorIs(t, err, welfare.ErrInvalid)
			assert.Equal(t, c.want, fieldsOf(t, err))
		})
	}
	t.Run("exited child", func(t *testing.T) {
		ex := storetest.WithState(storetest.NewChild(3), welfare.StateExited)
		require.NoError(t, f.store.CreateChild(f.ctx, ex))
		_, err := f.svc.Record(f.ctx, f.worker, in(ex, func(*screening.SessionInput) {}))
		assert.Equal(t, []welfare.FieldError{{Field: "ChildID", Rule: "state", Param: "exited"}}, fieldsOf(t, err))
	})
	t.Run("unknown child", func(t *testing.T) {
		_, err := f.svc.Record(f.ctx, f.worker, in(teen, func(x *screening.SessionInput) { x.ChildID = uuid.New() }))
		assert.ErrorIs(t, err, welfare.ErrNotFound)
	})
	t.Run("no permission", func(t *testing.T) {
		_, err := f.svc.Record(f.ctx, f.director, in(teen, func(*screening.SessionInput) {}))
		assert.ErrorIs(t, err, welfare.ErrOutOfScope)
	})
	assert.Empty(t, f.sink.Concerns())
}

func TestAbnormalWithOpenEntryProposesReferralOnly(t *testing.T) {
	f := newFixture(t)
	c := f.child(1, welfare.Date{})
	f.openEntry(1, c, welfare.KeyPsychological, date(time.March, 1))
	s := f.record(f.worker, c, "gad7", date(time.June, 1), seq(2, 2, 2, 2, 1, 1, 1), f.worker)
	assert.Equal(t, "orange", s.Result.Level)
	assert.Equal(t, []welfare.ConcernKind{welfare.ConcernReferral}, kinds(f.sink.Concerns()))
	s = f.record(f.worker, c, "gad7", date(time.June, 2), seq(1, 1, 1, 1, 1, 0, 0), f.worker)
	assert.Equal(t, "yellow", s.Result.Level)
	assert.Len(t, f.sink.Concerns(), 1, "a result below AbnormalFrom raises nothing")
}

func TestArchiveAccess(t *testing.T) {
	f := newFixture(t)
	c := f.child(1, welfare.Date{})
	other := f.child(2, welfare.Date{})
	f.openEntry(1, c, welfare.KeyFamilyHardship, date(time.March, 1)) // the case worker keeps c's file
	f.record(f.counsellor, c, "gad7", date(time.June, 1), seq(2, 2, 2, 2, 1, 1, 1), f.counsellor)
	f.record(f.counsellor, other, "gad7", date(time.June, 1), seq(0, 0, 0, 0, 0, 0, 0), f.counsellor)

	full := func(a welfare.Actor, child *welfare.Child) {
		t.Helper()
		ar, err := f.svc.Archive(f.ctx, a, child.ID)
		require.NoError(t, err)
		assert.True(t, ar.Full, "%s", a.Role)
		require.Len(t, ar.Sessions, 1)
		assert.NotEmpty(t, ar.Sessions[0].Answers)
	}
	redacted := func(a welfare.Actor, child *welfare.Child, level string) {
		t.Helper()
		ar, err := f.svc.Archive(f.ctx, a, child.ID)
		require.NoError(t, err)
		assert.Equal(t, &screening.Archive{ChildID: child.ID, AsOf: today, Level: level, LevelDate: date(time.June, 1)}, ar, "%s", a.Role)
	}
	full(f.counsellor, c)
	full(f.lead, c)
	full(f.caseWorker, c)           // opened c's open ledger entry
	redacted(f.worker, c, "orange") // a social worker, but not c's case worker
	redacted(f.caseWorker, other, "green")
	redacted(f.director, c, "orange") // c lives in the director's village
	redacted(f.auditor, c, "orange")
	_, err := f.svc.Archive(f.ctx, f.otherDirector, c.ID)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)
	_, err = f.svc.Archive(f.ctx, f.volunteer, c.ID)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)

	// Every read is recorded, with what was read.
	var actions []string
	for r, err := range f.store.AccessRecords(f.ctx, c.ID) {
		require.NoError(t, err)
		actions = append(actions, string(r.Role)+" "+r.Action)
	}
	assert.Equal(t, []string{
		"counsellor screening.answers.read", "project_lead screening.answers.read", "social_worker screening.answers.read",
		"social_worker screening.level.read", "child_director screening.level.read", "auditor screening.level.read",
	}, actions)

	// GetSession follows the same rule.
	var sid uuid.UUID
	for s, err := range f.store.ChildSessions(f.ctx, c.ID) {
		require.NoError(t, err)
		sid = s.ID
	}
	s, err := f.svc.GetSession(f.ctx, f.director, sid, "测试：探访前了解")
	require.NoError(t, err)
	assert.Nil(t, s.Answers)
	assert.Equal(t, "", s.Instrument)
	assert.Equal(t, "orange", s.Result.Level)
	assert.Empty(t, s.Result.Scales)
	s, err = f.svc.GetSession(f.ctx, f.counsellor, sid, "测试：咨询")
	require.NoError(t, err)
	assert.Equal(t, 2, s.Answers[1])
}

func TestCaseWorkerPolicies(t *testing.T) {
	f0 := newFixture(t)
	c := f0.child(1, welfare.Date{})
	f0.record(f0.counsellor, c, "gad7", date(time.June, 1), seq(0, 0, 0, 0, 0, 0, 0), f0.counsellor)
	for _, tc := range []struct {
		name    string
		policy  screening.CaseWorkers
		roles   []welfare.Role
		worker  bool // f.worker gets the full archive
		counsel bool
	}{
		{"assignment list", screening.Assignments{c.ID: {f0.worker.StaffID}}, nil, true, true},
		{"any in scope", screening.AnyInScope{}, nil, true, true},
		{"counsellors need assignment too", screening.Assignments{c.ID: {f0.worker.StaffID}}, []welfare.Role{welfare.RoleSocialWorker, welfare.RoleCounsellor}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := screening.NewService(f0.store, f0.prog, screening.Options{Clock: welfare.FixedClock{T: today.Start()},
				Concerns: f0.sink, CaseWorkers: tc.policy, CaseWorkerRoles: tc.roles})
			require.NoError(t, err)
			a, err := svc.Archive(f0.ctx, f0.worker, c.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.worker, a.Full)
			a, err = svc.Archive(f0.ctx, f0.counsellor, c.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.counsel, a.Full)
		})
	}
}

func TestDue(t *testing.T) {
	f := newFixture(t)
	key := f.child(1, welfare.Date{})
	f.openEntry(1, key, welfare.KeyDisability, date(time.March, 1))

	concern := storetest.WithState(storetest.NewChild(2), welfare.StateMonitored)
	concern.Status = welfare.StatusSnapshot{welfare.AspectMental: {Value: "测试：情绪低落", Concern: true,
		Date: date(time.May, 10), Source: welfare.Source{Kind: "visit", Ref: "v-1"}}}
	require.NoError(t, f.store.CreateChild(f.ctx, concern))

	requested := f.child(3, welfare.Date{})
	_, err := f.svc.Request(f.ctx, f.director, screening.RequestInput{ChildID: requested.ID, From: screening.RequestGuardian, Date: date(time.June, 1)})
	require.ErrorIs(t, err, welfare.ErrOutOfScope, "child 3 lives outside the director's village")
	r, err := f.svc.Request(f.ctx, f.worker, screening.RequestInput{ChildID: requested.ID, From: screening.RequestGuardian, Date: date(time.June, 1)})
	require.NoError(t, err)

	rescreen := f.child(4, welfare.Date{})
	f.record(f.worker, rescreen, "gad7", welfare.NewDate(2024, time.November, 15), seq(0, 0, 0, 0, 0, 0, 0), f.worker)

	recent := f.child(5, welfare.Date{})
	f.openEntry(5, recent, welfare.KeyDisability, date(time.March, 1))
	f.record(f.worker, recent, "gad7", date(time.June, 2), seq(0, 0, 0, 0, 0, 0, 0), f.worker)

	exited := storetest.WithState(storetest.NewChild(6), welfare.StateExited)
	require.NoError(t, f.store.CreateChild(f.ctx, exited))
	f.openEntry(6, exited, welfare.KeyDisability, date(time.March, 1))

	f.child(7, welfare.Date{}) // nothing to screen for

	due, err := f.svc.Due(f.ctx, f.worker, today)
	require.NoError(t, err)
	got := map[uuid.UUID]screening.DueChild{}
	var order []uuid.UUID
	for _, d := range due {
		got[d.ChildID] = d
		order = append(order, d.ChildID)
	}
	assert.Equal(t, []uuid.UUID{key.ID, concern.ID, rescreen.ID, requested.ID}, order, "ordered by due date")
	assert.Equal(t, []screening.DueReason{{Code: "key_child", Since: date(time.March, 1), RuleID: "PS-1", Ref: "key_entry:" + storetest.EntryID(1).String()}}, got[key.ID].Reasons)
	assert.Equal(t, date(time.March, 1), got[key.ID].DueDate)
	assert.Equal(t, []screening.DueReason{{Code: "mental_concern", Since: date(time.May, 10), RuleID: "PS-1", Ref: "visit:v-1"}}, got[concern.ID].Reasons)
	assert.Equal(t, []screening.DueReason{{Code: "request", Since: date(time.June, 1), RuleID: "PS-1", Ref: "request:" + r.ID.String()}}, got[requested.ID].Reasons)
	assert.Equal(t, []screening.DueReason{{Code: "rescreen", Since: date(time.May, 15), RuleID: "PS-2/rescreen"}}, got[rescreen.ID].Reasons)
	assert.Equal(t, welfare.NewDate(2024, time.November, 15), got[rescreen.ID].LastScreened)

	// A session on or after the request closes it; the screened key child is next due at
	// its rescreen date; a concern observed by a screening is not a reason.
	f.record(f.worker, requested, "gad7", date(time.June, 10), seq(0, 0, 0, 0, 0, 0, 0), f.worker)
	f.record(f.worker, concern, "gad7", date(time.June, 11), seq(2, 2, 2, 2, 1, 1, 1), f.worker) // orange: status concern from screening
	due, err = f.svc.Due(f.ctx, f.worker, today)
	require.NoError(t, err)
	order = nil
	for _, d := range due {
		order = append(order, d.ChildID)
	}
	assert.Equal(t, []uuid.UUID{key.ID, rescreen.ID}, order)

	// By 2025-12-11 the June sessions are due again.
	due, err = f.svc.Due(f.ctx, f.worker, welfare.NewDate(2025, time.December, 11))
	require.NoError(t, err)
	assert.Len(t, due, 5)
	for _, d := range due {
		if d.ChildID == recent.ID {
			assert.Equal(t, date(time.December, 2), d.DueDate)
			assert.Equal(t, []string{"key_child", "rescreen"}, []string{d.Reasons[0].Code, d.Reasons[1].Code})
		}
	}

	// Earlier days ignore later records.
	due, err = f.svc.Due(f.ctx, f.worker, date(time.February, 1))
	require.NoError(t, err)
	assert.Empty(t, due)

	_, err = f.svc.Due(f.ctx, f.director, today)
	assert.NoError(t, err, "a director sees who in the village is due: reasons, never answers")
	volunteer := f.director
	volunteer.Role = welfare.RoleVolunteer
	_, err = f.svc.Due(f.ctx, volunteer, today)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)
}

func TestArchiveTrendsAndFollowUps(t *testing.T) {
	f := newFixture(t)
	c := f.child(1, welfare.Date{})
	s1 := f.record(f.worker, c, "phqa", date(time.March, 3), phqa(12, 0, 0, 0), f.worker)   // moderate: orange
	f.record(f.worker, c, "gad7", date(time.March, 4), seq(2, 2, 2, 2, 1, 1, 1), f.worker)  // 11 moderate
	s3 := f.record(f.worker, c, "phqa", date(time.April, 20), phqa(5, 0, 0, 0), f.worker)   // mild: −7
	f.record(f.worker, c, "gad7", date(time.April, 20), seq(2, 2, 2, 1, 1, 1, 0), f.worker) // 9: −2 < 4
	f.record(f.worker, c, "mht", date(time.May, 1), mht(30, 8), f.worker)                   // invalid: no level

	a, err := f.svc.Archive(f.ctx, f.counsellor, c.ID)
	require.NoError(t, err)
	require.Len(t, a.Sessions, 5)
	assert.Equal(t, s1.ID, a.Sessions[0].ID)
	trend := func(inst, scale string) screening.Trend {
		for _, tr := range a.Trends {
			if tr.Instrument == inst && tr.Scale == scale {
				return tr
			}
		}
		t.Fatalf("no trend %s/%s", inst, scale)
		return screening.Trend{}
	}
	phq := trend("phqa", "total")
	assert.Equal(t, []int{12, 5}, []int{phq.Points[0].Score, phq.Points[1].Score})
	assert.Equal(t, 5, phq.MinimalChange)
	assert.Equal(t, -7, phq.Delta)
	assert.Equal(t, screening.ChangeImproved, phq.Change)
	gad := trend("gad7", "total")
	assert.Equal(t, screening.ChangeUnchanged, gad.Change)
	assert.Equal(t, 4, gad.MinimalChange)
	for _, tr := range a.Trends {
		assert.NotEqual(t, "mht", tr.Instrument, "an invalid session has no trend points")
	}
	// Current level: the highest of the latest valid session per instrument (PHQ-A mild,
	// GAD-7 mild): yellow; the March orange results still await the counsellor.
	assert.Equal(t, "yellow", a.Level)
	assert.False(t, a.Abnormal)
	assert.Empty(t, a.Proposals)
	assert.Equal(t, []screening.FollowUp{
		{Kind: "referral", Session: s1.ID, Due: date(time.March, 10), Overdue: true, RuleID: "CS-1", Facts: []welfare.Fact{{Name: "level", Value: "orange"}}},
		{Kind: "rescreen", Due: date(time.November, 1), RuleID: "PS-2/rescreen"},
	}, a.FollowUps)
	_ = s3

	// Worsening with a flag: proposals and an urgent follow-up; the counsellor's later
	// session meets the referral and the urgent follow-up.
	s6 := f.record(f.worker, c, "phqa", date(time.June, 1), phqa(16, 1, 0, 0), f.worker)
	a, err = f.svc.Archive(f.ctx, f.counsellor, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "red", a.Level)
	assert.True(t, a.Abnormal)
	assert.Equal(t, screening.ChangeWorsened, trend2(a, "phqa", "total").Change)
	assert.Equal(t, []screening.Proposal{
		{Kind: "key_ledger", Category: welfare.KeyPsychological, Name: "心理和行为异常", Session: s6.ID, RuleID: "key/psychological"},
		{Kind: "referral", Name: "转介心理咨询师（心理疏导、心理干预）", Session: s6.ID, Due: date(time.June, 8), RuleID: "CS-1"},
	}, a.Proposals)
	var fk []string
	for _, fu := range a.FollowUps {
		fk = append(fk, fu.Kind)
	}
	assert.Equal(t, []string{"urgent", "referral", "key_ledger", "rescreen"}, fk)

	f.record(f.counsellor, c, "phqa", date(time.June, 5), phqa(9, 0, 0, 0), f.counsellor)
	f.openEntry(1, c, welfare.KeyPsychological, date(time.June, 6))
	a, err = f.svc.Archive(f.ctx, f.counsellor, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "yellow", a.Level)
	fk = nil
	for _, fu := range a.FollowUps {
		fk = append(fk, fu.Kind)
	}
	assert.Equal(t, []string{"rescreen"}, fk)
}

func trend2(a *screening.Archive, inst, scale string) screening.Trend {
	for _, tr := range a.Trends {
		if tr.Instrument == inst && tr.Scale == scale {
			return tr
		}
	}
	return screening.Trend{}
}

func TestNewServiceChecksRules(t *testing.T) {
	st := memory.New()
	p := welfare.Nanchang2025()
	p.Screening.Levels = []string{"low", "high"}
	p.Screening.AbnormalFrom = "high"
	_, err := screening.NewService(st, p, screening.Options{})
	require.ErrorIs(t, err, welfare.ErrInvalid)
	assert.Contains(t, err.Error(), "phq9/1 total/mild maps to yellow")

	p = welfare.Nanchang2025()
	p.Screening.RiskLevels = []welfare.RiskLevelRule{{Instrument: "phq9", Scale: "total", Band: "awful", Level: "red"}}
	_, err = screening.NewService(st, p, screening.Options{})
	assert.Equal(t, []welfare.FieldError{{Field: "Screening.RiskLevels[0].Band", Rule: "band", Param: "phq9/total/awful"}}, fieldsOf(t, err))
}

func TestServiceKeepsConcernsByDefault(t *testing.T) {
	f := newFixture(t)
	svc, err := screening.NewService(f.store, f.prog, screening.Options{Clock: welfare.FixedClock{T: today.Start()}})
	require.NoError(t, err)
	c := f.child(1, welfare.Date{})
	_, err = svc.Record(f.ctx, f.worker, screening.SessionInput{ChildID: c.ID, Instrument: "asq", Informant: "self",
		AdministeredBy: f.worker.StaffID, Date: date(time.June, 1), Answers: seq(0, 1, 0, 0, 1)})
	require.NoError(t, err)
	require.NotEmpty(t, svc.Concerns())
	assert.Equal(t, []welfare.Fact{{Name: "instrument", Value: "asq/1"}, {Name: "flag", Value: "asq-positive"}, {Name: "acute", Value: "false"}},
		svc.Concerns()[0].Facts)
	assert.Contains(t, svc.Concerns()[1].Facts, welfare.Fact{Name: "acute", Value: "true"})
	assert.Nil(t, f.svc.Concerns(), "a service given a sink keeps none itself")
}
