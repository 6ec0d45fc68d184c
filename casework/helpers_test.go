package casework_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

func bj(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, welfare.Beijing())
}

type env struct {
	ctx      context.Context
	store    *memory.Store
	svc      *casework.Service
	clk      *testClock
	notifier *casework.MemoryNotifier
	lead     welfare.Actor
	worker   welfare.Actor
	other    welfare.Actor
	auditor  welfare.Actor
	child    *welfare.Child
}

func newEnv(t *testing.T, tweak ...func(*casework.Options)) *env {
	t.Helper()
	ctx := context.Background()
	st := memory.New()
	e := &env{ctx: ctx, store: st, clk: &testClock{t: bj(2025, 3, 10, 9, 0)}, notifier: &casework.MemoryNotifier{}}
	mk := func(i int, role welfare.Role) welfare.Actor {
		m := storetest.NewStaff(i, storetest.Area)
		m.Role = role
		require.NoError(t, st.CreateStaff(ctx, m))
		return welfare.ActorOf(m)
	}
	e.lead = mk(1, welfare.RoleProjectLead)
	e.worker = mk(2, welfare.RoleSocialWorker)
	e.other = mk(3, welfare.RoleCounsellor)
	e.auditor = mk(4, welfare.RoleAuditor)
	e.child = storetest.FullChild(7)
	e.child.MergedInto = nil
	e.child.Lifecycle = e.child.Lifecycle[:2] // monitored
	require.NoError(t, st.CreateChild(ctx, e.child))
	opts := casework.Options{Clock: e.clk, IDs: welfare.NewSeededIDs(1), Notifier: e.notifier}
	for _, f := range tweak {
		f(&opts)
	}
	svc, err := casework.NewService(st, welfare.Nanchang2025(), opts)
	require.NoError(t, err)
	e.svc = svc
	return e
}

func allNeeds(level casework.Level) casework.AssessInput {
	var in casework.AssessInput
	for _, n := range casework.Needs() {
		in.Ratings = append(in.Ratings, casework.Rating{Need: n, Level: level, Summary: "测试评估"})
	}
	return in
}

func plan(owner welfare.Actor, due welfare.Date) casework.PlanInput {
	return casework.PlanInput{
		Goals: []casework.Goal{{ID: "G1", Need: casework.NeedMentalHealth, Text: "情绪稳定"}},
		Actions: []casework.Action{
			{ID: "A1", Goal: "G1", Text: "每周一次心理慰藉", Owner: owner.StaffID, Due: due, Service: "psych_comfort"},
			{ID: "A2", Goal: "G1", Text: "链接学习辅导", Owner: owner.StaffID, Due: due.AddDate(0, 0, 7), Service: "study_tutoring"},
		},
	}
}

// closedCase runs a case through the whole workflow and returns it closed.
func (e *env) closedCase(t *testing.T, child *welfare.Child) *casework.Case {
	t.Helper()
	c, err := e.svc.OpenCase(e.ctx, e.worker, casework.OpenInput{ChildID: child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.NoError(t, err)
	_, err = e.svc.Assess(e.ctx, e.worker, c.ID, allNeeds(casework.LevelMedium))
	require.NoError(t, err)
	_, err = e.svc.SubmitPlan(e.ctx, e.worker, c.ID, plan(e.worker, welfare.DateOf(e.clk.Now()).AddDate(0, 0, 14)))
	require.NoError(t, err)
	_, err = e.svc.DecidePlan(e.ctx, e.lead, c.ID, casework.Approved, "同意")
	require.NoError(t, err)
	for _, a := range []string{"A1", "A2"} {
		_, err = e.svc.CompleteAction(e.ctx, e.worker, c.ID, a, welfare.DateOf(e.clk.Now()), "")
		require.NoError(t, err)
	}
	_, err = e.svc.ProposeClosure(e.ctx, e.worker, c.ID, casework.ClosureInput{Outcome: casework.OutcomeGoalsMet, Summary: "情绪明显好转"})
	require.NoError(t, err)
	c, err = e.svc.DecideClosure(e.ctx, e.lead, c.ID, casework.Approved, "")
	require.NoError(t, err)
	require.Equal(t, casework.StateClosed, c.State())
	return c
}
