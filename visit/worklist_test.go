package visit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// small is a county of five children recorded through the service (the clock stands
// after the programme, so every visit is in the past):
//
//	a  ordinary, monitored from 20 Jan, a home visit with a photo on 5 Feb (by the director)
//	b  ordinary, monitored from 20 Jan, a phone visit on 6 Feb
//	c  ordinary, monitored from 20 Jan, no visit
//	k  key (ledger from 10 Jan), monitored from 5 Jan, a home visit with a photo on 15 Jan
//	i  identified only (not in the VS-1 population), no visit
type small struct {
	store         *memory.Store
	svc           *visit.Service
	a, b, c, k, i *welfare.Child
	worker        welfare.Actor // social worker, county scope
	director      welfare.Actor // director of a's village
	auditor       welfare.Actor
}

func newSmall(t *testing.T) *small {
	t.Helper()
	ctx := context.Background()
	s := &small{store: memory.New()}
	s.a = kid(1, d(2025, 1, 5), d(2025, 1, 20), welfare.Date{})
	s.b = kid(2, d(2025, 1, 5), d(2025, 1, 20), welfare.Date{})
	s.c = kid(3, d(2025, 1, 5), d(2025, 1, 20), welfare.Date{})
	s.k = kid(4, d(2025, 1, 2), d(2025, 1, 5), welfare.Date{})
	s.i = kid(5, d(2025, 1, 5), welfare.Date{}, welfare.Date{})
	require.NoError(t, s.store.CreateChildren(ctx, []*welfare.Child{s.a, s.b, s.c, s.k, s.i}))
	require.NoError(t, s.store.CreateKeyEntry(ctx, entry(s.k, welfare.KeyFamilyHardship, d(2025, 1, 10), nil)))
	members := []*welfare.Staff{
		staff(1, welfare.RoleSocialWorker, storetest.Area),
		staff(2, welfare.RoleDirector, s.a.Residence.Village),
		staff(4, welfare.RoleAuditor, storetest.Area),
	}
	for _, m := range members {
		require.NoError(t, s.store.CreateStaff(ctx, m))
	}
	s.worker, s.director, s.auditor = welfare.ActorOf(members[0]), welfare.ActorOf(members[1]), welfare.ActorOf(members[2])
	svc, err := visit.NewService(s.store, welfare.Nanchang2025(), visit.Options{
		Clock: welfare.FixedClock{T: at(2025, 12, 31, 12, 0)}, IDs: welfare.NewSeededIDs(2)})
	require.NoError(t, err)
	s.svc = svc
	s.record(t, s.director, s.a, at(2025, 2, 5, 10, 0), visit.ModeHome, true)
	s.record(t, s.worker, s.b, at(2025, 2, 6, 10, 0), visit.ModePhone, false)
	s.record(t, s.worker, s.k, at(2025, 1, 15, 10, 0), visit.ModeHome, true)
	return s
}

func (s *small) record(t *testing.T, actor welfare.Actor, c *welfare.Child, start time.Time, mode visit.Mode, photo bool) *visit.Visit {
	t.Helper()
	in := input(c)
	in.Mode, in.Start, in.End, in.DeviceTime = mode, start, start.Add(40*time.Minute), time.Time{}
	in.Evidence[0].CapturedAt = start
	if !photo {
		in.Evidence = nil
	}
	if mode != visit.ModeHome {
		in.Location = visit.Location{}
	}
	v, err := s.svc.Record(context.Background(), actor, in)
	require.NoError(t, err)
	return v
}

func items(wl *visit.Worklist) map[string]visit.WorkItem {
	out := map[string]visit.WorkItem{}
	for _, it := range wl.Items {
		out[it.ChildID.String()[:8]+"/"+it.RuleID] = it
	}
	return out
}

func key(c *welfare.Child, rule string) string { return c.ID.String()[:8] + "/" + rule }

func TestWorklist(t *testing.T) {
	s := newSmall(t)
	ctx := context.Background()
	get := func(asOf time.Time) *visit.Worklist {
		t.Helper()
		wl, err := s.svc.Worklist(ctx, s.auditor, visit.WorklistQuery{AsOf: asOf})
		require.NoError(t, err)
		return wl
	}

	// 10 March: c owes VS-1 by 30 November; k missed February and has no March visit.
	wl := get(at(2025, 3, 10, 9, 0))
	got := items(wl)
	require.Len(t, got, 2, "%+v", wl.Items)
	assert.Equal(t, visit.WorkItem{ChildID: s.k.ID, Township: s.k.Residence.Township, Village: s.k.Residence.Village,
		RuleID: "VS-3", Status: visit.WorkOverdue, Period: "2025-03", DueBy: d(2025, 2, 28), Need: 1, Mode: "home",
		RequireEvidence: []string{"photo"}, Missed: []string{"2025-02"}, LastVisit: welfare.StoreTime(at(2025, 1, 15, 10, 0))},
		got[key(s.k, "VS-3")])
	assert.Equal(t, visit.WorkDue, got[key(s.c, "VS-1")].Status)
	assert.Equal(t, d(2025, 11, 30), got[key(s.c, "VS-1")].DueBy)
	assert.Equal(t, s.k.ID, wl.Items[0].ChildID, "overdue first")
	assert.Equal(t, 1, wl.Overdue)
	assert.Equal(t, 1, wl.Due)

	// A back-dated February visit: k is no longer behind; one item, never two.
	s.record(t, s.worker, s.k, at(2025, 2, 27, 16, 0), visit.ModeHome, true)
	got = items(get(at(2025, 3, 10, 9, 0)))
	require.Len(t, got, 2)
	assert.Equal(t, visit.WorkDue, got[key(s.k, "VS-3")].Status)
	assert.Empty(t, got[key(s.k, "VS-3")].Missed)
	assert.Equal(t, d(2025, 3, 31), got[key(s.k, "VS-3")].DueBy)

	// 26 March: March ends within DueSoonDays (7).
	got = items(get(at(2025, 3, 26, 9, 0)))
	assert.Equal(t, visit.WorkDueSoon, got[key(s.k, "VS-3")].Status)

	// A March visit meets March; amended to drop its photo, it no longer counts.
	mar := s.record(t, s.worker, s.k, at(2025, 3, 20, 10, 0), visit.ModeHome, true)
	got = items(get(at(2025, 3, 26, 9, 0)))
	assert.NotContains(t, got, key(s.k, "VS-3"))
	in := input(s.k)
	in.Start, in.End, in.Evidence, in.DeviceTime = mar.Start, mar.End, nil, time.Time{}
	_, err := s.svc.Amend(ctx, s.worker, mar.ID, 1, in, visit.Reason{Code: "add_evidence"})
	require.NoError(t, err)
	got = items(get(at(2025, 3, 26, 9, 0)))
	require.Contains(t, got, key(s.k, "VS-3"))
	assert.Equal(t, visit.WorkDueSoon, got[key(s.k, "VS-3")].Status)

	// After the project: c is overdue; the programme has no current period.
	got = items(get(at(2025, 12, 2, 9, 0)))
	assert.Equal(t, visit.WorkOverdue, got[key(s.c, "VS-1")].Status)
	assert.Equal(t, "project", got[key(s.c, "VS-1")].Period)
	assert.Equal(t, d(2025, 11, 30), got[key(s.c, "VS-1")].DueBy)
	assert.NotContains(t, got, key(s.i, "VS-1"), "identified-only children owe no visit")

	// A worker's worklist covers the worker's scope: the director's village holds a only,
	// who is visited.
	wl, err = s.svc.Worklist(ctx, s.auditor, visit.WorklistQuery{WorkerID: s.director.StaffID, AsOf: at(2025, 3, 10, 9, 0)})
	require.NoError(t, err)
	assert.Equal(t, s.a.Residence.Village, wl.Region)
	assert.Empty(t, wl.Items)
	_, err = s.svc.Worklist(ctx, s.director, visit.WorklistQuery{Region: s.c.Residence.Village, AsOf: at(2025, 3, 10, 9, 0)})
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
}

func TestWorklistExitedChild(t *testing.T) {
	q := quotas(t, welfare.Nanchang2025())
	exit := d(2025, 3, 1)
	c := kid(9, d(2024, 9, 1), d(2024, 10, 1), exit)
	es := []*welfare.KeyEntry{entry(c, welfare.KeyVagrancy, d(2024, 10, 1), &exit)}
	assert.Empty(t, q.WorkItems(c, es, nil, at(2025, 3, 10, 9, 0)), "exited children are on no worklist")
	assert.Len(t, q.WorkItems(c, es, nil, at(2025, 2, 10, 9, 0)), 2, "before the exit: VS-1 and VS-3 (January missed)")
}

func TestComplianceReport(t *testing.T) {
	s := newSmall(t)
	ctx := context.Background()
	asOf := at(2025, 3, 10, 9, 0)
	rep, err := s.svc.Compliance(ctx, s.auditor, "", asOf)
	require.NoError(t, err)
	assert.Equal(t, storetest.Area, rep.Region)
	assert.Equal(t, 4, rep.Children, "identified-only i is not in the population")
	assert.Equal(t, 3, rep.Visited)
	assert.Equal(t, 2, rep.HomeVisited)
	assert.Equal(t, "0.75", rep.VisitedShare.String())
	assert.Equal(t, "0.5", rep.HomeShare.String())
	assert.True(t, rep.HomeShareMet, "0.5 meets HomeShare 0.5")
	assert.Equal(t, 1, rep.Short, "k missed February")
	assert.Equal(t, 1, rep.Open, "c is not yet visited")
	assert.Equal(t, 3, rep.Completed)

	vs1, ok := rep.Rule("VS-1")
	require.True(t, ok)
	assert.Equal(t, "1", vs1.PeriodShare.String())
	vs1.PeriodShare = decimal.Decimal{}
	assert.Equal(t, visit.RuleSummary{RuleID: "VS-1", Children: 4, Met: 3, Open: 1, PeriodsDue: 4, PeriodsMet: 3,
		PeriodsOpen: 1, MembersNow: 4}, vs1)
	vs3, _ := rep.Rule("VS-3")
	assert.Equal(t, "0.5", vs3.PeriodShare.String())
	vs3.PeriodShare = decimal.Decimal{}
	assert.Equal(t, visit.RuleSummary{RuleID: "VS-3", Children: 1, Short: 1, PeriodsDue: 3, PeriodsMet: 1,
		PeriodsOpen: 1, PeriodsMissed: 1, MembersNow: 1}, vs3)

	// Forecast: 69 of 334 days elapsed.
	f := rep.Forecast
	assert.Equal(t, 69, f.ElapsedDays)
	assert.Equal(t, 334, f.TotalDays)
	assert.Equal(t, visit.RuleForecast{RuleID: "VS-1", Unit: "child", Expected: 4, MetSoFar: 3, ProjectedMet: 4}, f.Rules[0])
	// VS-3: 3 child-months so far + 8 months (April–November) for the one key child;
	// 9 undecided at the 0.5 met so far → 4.5 → 5.
	assert.Equal(t, visit.RuleForecast{RuleID: "VS-3", Unit: "child_period", Expected: 11, MetSoFar: 1, MissedSoFar: 1,
		ProjectedMet: 6, ProjectedShortfall: 5}, f.Rules[1])
	assert.Equal(t, "1", f.VisitedShare.String())

	require.Len(t, rep.Townships, 4)
	var director *visit.WorkerSummary
	for i := range rep.Workers {
		if rep.Workers[i].StaffID == s.director.StaffID {
			director = &rep.Workers[i]
		}
	}
	require.NotNil(t, director)
	assert.Equal(t, 1, director.Completed)
	assert.Equal(t, 1, director.Children)
	assert.Equal(t, 1, director.Counted)
	assert.Equal(t, 1, director.HomeWithPhoto)
	assert.Equal(t, map[string]int{"home": 1}, director.ByMode)
	require.NotNil(t, director.ScopeSummary)
	assert.Equal(t, 1, director.ScopeSummary.Children)

	// The single-worker path agrees with the report.
	w, err := s.svc.WorkerCompliance(ctx, s.auditor, s.director.StaffID, asOf)
	require.NoError(t, err)
	assert.Equal(t, *director, *w)
	w, err = s.svc.WorkerCompliance(ctx, s.auditor, s.worker.StaffID, asOf)
	require.NoError(t, err)
	assert.Equal(t, 2, w.Completed)
	assert.Equal(t, 2, w.Counted, "b's phone visit (VS-1) and k's January visit (VS-1, VS-3), each once")
	assert.Nil(t, w.ScopeSummary)

	// A township's report (per-child reads) equals the county report's township row.
	for _, tw := range rep.Townships {
		sub, err := s.svc.Compliance(ctx, s.auditor, tw.Region, asOf)
		require.NoError(t, err)
		assert.Equal(t, tw.Summary, sub.Summary, tw.Region)
	}

	n := 0
	for cv, err := range s.svc.ChildVerdicts(ctx, s.auditor, "", asOf) {
		require.NoError(t, err)
		n++
		if cv.ChildID == s.k.ID {
			assert.True(t, cv.Short())
		}
	}
	assert.Equal(t, 5, n)
	_, err = s.svc.Compliance(ctx, s.director, storetest.Area, asOf)
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
}

func TestComplianceEmptyCounty(t *testing.T) {
	svc, err := visit.NewService(memory.New(), welfare.Nanchang2025(), visit.Options{})
	require.NoError(t, err)
	actor := welfare.Actor{StaffID: uuid.New(), Role: welfare.RoleAuditor, Area: storetest.Area, Scope: storetest.Area}
	rep, err := svc.Compliance(context.Background(), actor, "", at(2025, 6, 1, 0, 0))
	require.NoError(t, err)
	assert.Zero(t, rep.Children)
	assert.False(t, rep.HomeShareMet)
	assert.Equal(t, "0", rep.VisitedShare.String())
}
