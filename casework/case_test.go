package casework_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

func TestDerivedWorkflow(t *testing.T) {
	e := newEnv(t)
	ctx, s := e.ctx, e.svc
	entry := storetest.NewKeyEntry(1, e.child)
	require.NoError(t, e.store.CreateKeyEntry(ctx, entry))

	c, err := s.OpenCase(ctx, e.worker, casework.OpenInput{ChildID: e.child.ID,
		Origin: casework.Origin{Kind: casework.OriginLedger, Ref: entry.ID.String()}, Note: "台账转入"})
	require.NoError(t, err)
	assert.Equal(t, casework.StateNew, c.State())

	_, err = s.OpenCase(ctx, e.worker, casework.OpenInput{ChildID: e.child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.ErrorIs(t, err, welfare.ErrDuplicate, "one open case per child")

	_, err = s.SubmitPlan(ctx, e.worker, c.ID, plan(e.worker, welfare.NewDate(2025, 3, 20)))
	require.ErrorIs(t, err, welfare.ErrTransition, "no plan before an assessment")

	bad := allNeeds(casework.LevelLow)
	bad.Ratings = bad.Ratings[1:]
	_, err = s.Assess(ctx, e.worker, c.ID, bad)
	require.ErrorIs(t, err, welfare.ErrInvalid, "every need is assessed")

	c, err = s.Assess(ctx, e.worker, c.ID, allNeeds(casework.LevelHigh))
	require.NoError(t, err)
	assert.Equal(t, casework.StateAssessment, c.State())

	c, err = s.SubmitPlan(ctx, e.worker, c.ID, plan(e.worker, welfare.NewDate(2025, 3, 20)))
	require.NoError(t, err)
	assert.Equal(t, casework.StatePlan, c.State())

	_, err = s.CompleteAction(ctx, e.worker, c.ID, "A1", welfare.NewDate(2025, 3, 11), "")
	require.ErrorIs(t, err, welfare.ErrTransition, "no action before approval")

	_, err = s.DecidePlan(ctx, e.worker, c.ID, casework.Approved, "")
	require.ErrorIs(t, err, welfare.ErrOutOfScope, "a social worker does not approve")

	c, err = s.DecidePlan(ctx, e.lead, c.ID, casework.Rejected, "目标需细化")
	require.NoError(t, err)
	assert.Equal(t, casework.StatePlan, c.State(), "a rejected plan awaits revision")

	c, err = s.SubmitPlan(ctx, e.worker, c.ID, plan(e.worker, welfare.NewDate(2025, 3, 20)))
	require.NoError(t, err)
	c, err = s.DecidePlan(ctx, e.lead, c.ID, casework.Approved, "")
	require.NoError(t, err)
	assert.Equal(t, casework.StateInService, c.State())
	assert.Equal(t, 2, c.Plan().No)

	c, err = s.CompleteAction(ctx, e.worker, c.ID, "A1", welfare.NewDate(2025, 3, 12), "已完成")
	require.NoError(t, err)
	assert.Equal(t, casework.StateInService, c.State())
	_, err = s.CompleteAction(ctx, e.worker, c.ID, "A1", welfare.NewDate(2025, 3, 12), "")
	require.ErrorIs(t, err, welfare.ErrTransition)
	c, err = s.CompleteAction(ctx, e.worker, c.ID, "A2", welfare.NewDate(2025, 3, 13), "")
	require.NoError(t, err)
	assert.Equal(t, casework.StateReview, c.State(), "every action done")

	c, err = s.AddNote(ctx, e.worker, c.ID, "回访记录")
	require.NoError(t, err)
	require.Len(t, c.Notes, 2)

	c, err = s.ProposeClosure(ctx, e.worker, c.ID, casework.ClosureInput{Outcome: casework.OutcomeGoalsMet, Summary: "目标达成"})
	require.NoError(t, err)
	assert.Equal(t, casework.StateReview, c.State())
	c, err = s.DecideClosure(ctx, e.lead, c.ID, casework.Rejected, "再观察一个月")
	require.NoError(t, err)
	assert.Equal(t, casework.StateReview, c.State(), "back to review: actions are all done")
	c, err = s.ProposeClosure(ctx, e.worker, c.ID, casework.ClosureInput{Outcome: casework.OutcomeGoalsMet, Summary: "目标达成"})
	require.NoError(t, err)
	c, err = s.DecideClosure(ctx, e.lead, c.ID, casework.Approved, "")
	require.NoError(t, err)
	assert.Equal(t, casework.StateClosed, c.State())

	_, err = s.AddNote(ctx, e.worker, c.ID, "结案后补记")
	require.NoError(t, err, "notes may be appended at any time")

	c, err = s.Reopen(ctx, e.worker, c.ID, "情况反复")
	require.NoError(t, err)
	assert.Equal(t, casework.StateNew, c.State(), "a reopened case starts a new cycle")
	assert.Len(t, c.Assessments, 1, "history is kept")
	c, err = s.Assess(ctx, e.worker, c.ID, allNeeds(casework.LevelLow))
	require.NoError(t, err)
	assert.Equal(t, casework.StateAssessment, c.State())

	// Every write was journaled.
	j := e.store.Journal(storetest.Area)
	n, err := j.Size(ctx)
	require.NoError(t, err)
	assert.Greater(t, n, int64(15))
}

func TestSelfApprovalRule(t *testing.T) {
	e := newEnv(t)
	c, err := e.svc.OpenCase(e.ctx, e.lead, casework.OpenInput{ChildID: e.child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.NoError(t, err)
	_, err = e.svc.Assess(e.ctx, e.lead, c.ID, allNeeds(casework.LevelLow))
	require.NoError(t, err)
	_, err = e.svc.SubmitPlan(e.ctx, e.lead, c.ID, plan(e.lead, welfare.NewDate(2025, 3, 20)))
	require.NoError(t, err)
	_, err = e.svc.DecidePlan(e.ctx, e.lead, c.ID, casework.Approved, "")
	require.ErrorIs(t, err, casework.ErrSelfApproval)
	require.ErrorIs(t, err, welfare.ErrOutOfScope)

	rules := casework.DefaultRules(welfare.Nanchang2025())
	rules.SelfApproval = true
	e2 := newEnv(t, func(o *casework.Options) { o.Rules = &rules })
	c, err = e2.svc.OpenCase(e2.ctx, e2.lead, casework.OpenInput{ChildID: e2.child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.NoError(t, err)
	_, err = e2.svc.Assess(e2.ctx, e2.lead, c.ID, allNeeds(casework.LevelLow))
	require.NoError(t, err)
	_, err = e2.svc.SubmitPlan(e2.ctx, e2.lead, c.ID, plan(e2.lead, welfare.NewDate(2025, 3, 20)))
	require.NoError(t, err)
	c, err = e2.svc.DecidePlan(e2.ctx, e2.lead, c.ID, casework.Approved, "")
	require.NoError(t, err)
	assert.Equal(t, casework.StateInService, c.State())
}

func TestTasksAcrossBeijingDayBoundary(t *testing.T) {
	e := newEnv(t)
	// Opened at 23:30 Beijing on 10 March = 15:30 UTC: the Beijing day is the 10th.
	e.clk.Set(bj(2025, 3, 10, 23, 30))
	c, err := e.svc.OpenCase(e.ctx, e.worker, casework.OpenInput{ChildID: e.child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.NoError(t, err)

	tasksAt := func(at time.Time, owner welfare.Actor) []casework.Task {
		ts, err := e.svc.Tasks(e.ctx, e.lead, casework.TaskFilter{Owner: owner.StaffID}, at)
		require.NoError(t, err)
		return ts
	}
	// Assessment due on 17 March (Beijing). 23:59:59 Beijing on the 17th, given in UTC.
	ts := tasksAt(time.Date(2025, 3, 17, 15, 59, 59, 0, time.UTC), e.worker)
	require.Len(t, ts, 1)
	assert.Equal(t, casework.TaskAssessment, ts[0].Kind)
	assert.Equal(t, welfare.NewDate(2025, 3, 17), ts[0].Due)
	assert.False(t, ts[0].Overdue)
	// 00:00 Beijing on the 18th = 16:00 UTC on the 17th: overdue.
	ts = tasksAt(time.Date(2025, 3, 17, 16, 0, 0, 0, time.UTC), e.worker)
	require.Len(t, ts, 1)
	assert.True(t, ts[0].Overdue)
	assert.Equal(t, 1, ts[0].DaysOverdue)

	// Assessed at 00:30 Beijing on the 12th (16:30 UTC on the 11th): plan due on the 26th.
	e.clk.Set(time.Date(2025, 3, 11, 16, 30, 0, 0, time.UTC))
	_, err = e.svc.Assess(e.ctx, e.worker, c.ID, allNeeds(casework.LevelLow))
	require.NoError(t, err)
	ts = tasksAt(bj(2025, 3, 26, 23, 0), e.worker)
	require.Len(t, ts, 1)
	assert.Equal(t, casework.TaskPlan, ts[0].Kind)
	assert.Equal(t, welfare.NewDate(2025, 3, 26), ts[0].Due)
	assert.False(t, ts[0].Overdue)

	// A submitted plan is an approval task for the lead, not the worker.
	_, err = e.svc.SubmitPlan(e.ctx, e.worker, c.ID, plan(e.other, welfare.NewDate(2025, 3, 20)))
	require.NoError(t, err)
	assert.Empty(t, tasksAt(bj(2025, 3, 12, 9, 0), e.worker))
	ts = tasksAt(bj(2025, 3, 12, 9, 0), e.lead)
	require.Len(t, ts, 1)
	assert.Equal(t, casework.TaskPlanApproval, ts[0].Kind)
	assert.Equal(t, welfare.NewDate(2025, 3, 15), ts[0].Due)

	e.clk.Set(bj(2025, 3, 12, 10, 0))
	_, err = e.svc.DecidePlan(e.ctx, e.lead, c.ID, casework.Approved, "")
	require.NoError(t, err)
	// Actions belong to their owner (the counsellor); the review to the case owner.
	ts = tasksAt(bj(2025, 3, 20, 23, 59), e.other)
	require.Len(t, ts, 2)
	assert.Equal(t, casework.TaskAction, ts[0].Kind)
	assert.Equal(t, "A1", ts[0].Action)
	assert.False(t, ts[0].Overdue)
	ts = tasksAt(bj(2025, 3, 21, 0, 0), e.other)
	assert.True(t, ts[0].Overdue)
	ts = tasksAt(bj(2025, 3, 21, 0, 0), e.worker)
	require.Len(t, ts, 1)
	assert.Equal(t, casework.TaskReview, ts[0].Kind)
	assert.Equal(t, welfare.NewDate(2025, 4, 11), ts[0].Due, "30 days from the approval day")

	// Team view, overdue only.
	all, err := e.svc.Tasks(e.ctx, e.lead, casework.TaskFilter{OverdueOnly: true}, bj(2025, 3, 28, 0, 0))
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, casework.TaskAction, all[0].Kind)
	assert.Equal(t, casework.TaskAction, all[1].Kind)
}

func TestReferrals(t *testing.T) {
	e := newEnv(t)
	ctx, s := e.ctx, e.svc
	r, err := s.Refer(ctx, e.worker, casework.ReferralInput{ChildID: e.child.ID, Target: casework.TargetCounsellor, Reason: "筛查异常"})
	require.NoError(t, err)
	assert.Equal(t, casework.ReferralAwaitingConsent, r.Status())
	assert.Equal(t, welfare.NewDate(2025, 3, 17), r.Due, "the programme's screening referral days (7)")

	_, err = s.AdvanceReferral(ctx, e.worker, r.ID, casework.ReferralAccepted, "")
	require.ErrorIs(t, err, welfare.ErrTransition, "no acceptance before consent")
	_, err = s.RecordConsent(ctx, e.worker, r.ID, casework.Consent{Kind: casework.ConsentGuardian})
	require.ErrorIs(t, err, welfare.ErrInvalid, "consent names the guardian's relationship and time")
	r, err = s.RecordConsent(ctx, e.worker, r.ID, casework.Consent{Kind: casework.ConsentGuardian, Relationship: "mother", At: e.clk.Now()})
	require.NoError(t, err)
	assert.Equal(t, casework.ReferralPending, r.Status())

	ts, err := s.Tasks(ctx, e.lead, casework.TaskFilter{}, bj(2025, 3, 18, 0, 0))
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assert.Equal(t, casework.TaskReferral, ts[0].Kind)
	assert.True(t, ts[0].Overdue)

	r, err = s.AdvanceReferral(ctx, e.worker, r.ID, casework.ReferralAccepted, "已接收")
	require.NoError(t, err)
	r, err = s.AdvanceReferral(ctx, e.worker, r.ID, casework.ReferralCompleted, "")
	require.NoError(t, err)
	assert.Equal(t, casework.ReferralCompleted, r.Status())
	_, err = s.AdvanceReferral(ctx, e.worker, r.ID, casework.ReferralRevoked, "")
	require.ErrorIs(t, err, welfare.ErrTransition)

	police, err := s.Refer(ctx, e.worker, casework.ReferralInput{ChildID: e.child.ID, Target: casework.TargetPolice, Reason: "疑似受侵害",
		Consent: &casework.Consent{Kind: casework.ConsentLegalBasis, LegalBasis: "未成年人保护法第十一条", At: e.clk.Now()}})
	require.NoError(t, err)
	assert.Equal(t, casework.ReferralPending, police.Status())
	police, err = s.AdvanceReferral(ctx, e.worker, police.ID, casework.ReferralRevoked, "误报")
	require.NoError(t, err)
	assert.False(t, police.Open())
}

func TestTypicalCaseDeidentified(t *testing.T) {
	e := newEnv(t)
	c := e.closedCase(t, e.child)
	ch := e.child
	in := casework.TypicalInput{
		Background: ch.Name + "今年" + "15岁，住在" + ch.Residence.Address + "，户籍" + ch.Hukou.Address +
			"，在" + ch.Schooling.School + "读书。父亲" + ch.Guardians[0].Name + "（电话" + ch.Guardians[0].Phone +
			"）长期在外务工，祖母" + ch.Guardians[1].Name + "照料。身份证号" + ch.IDNumber.Full() + "。",
		Assessment:   ch.Name + "情绪低落，不愿与同学交往。",
		Intervention: "社工每周上门，联系" + ch.Schooling.School + "班主任，电话139 0000 0007。",
		Outcome:      ch.Name + "重新融入班级。",
		Reflection:   "流动儿童的心理支持需要家校社协同。",
	}
	_, err := e.svc.DesignateTypical(e.ctx, e.worker, c.ID, in)
	require.NoError(t, err)
	got, err := e.svc.GetCase(e.ctx, e.worker, c.ID)
	require.NoError(t, err)
	require.NotNil(t, got.Typical)
	text := got.Typical.Narrative.Text()
	for _, pd := range []string{ch.Name, ch.IDNumber.Full(), ch.Guardians[0].Phone, ch.Guardians[0].Name,
		ch.Guardians[1].Name, ch.Residence.Address, ch.Hukou.Address, ch.Schooling.School, "15岁", "13900000007", "0007"} {
		assert.NotContains(t, text, pd, "personal data left in the narrative")
	}
	assert.Contains(t, text, "15–17岁", "the age is a band")
	assert.Contains(t, text, "心理慰藉服务", "services by catalogue name")
	assert.Contains(t, text, "目标达成")
	for _, sec := range []string{"案例背景", "需求评估", "服务介入", "服务成效", "专业反思"} {
		assert.Contains(t, text, sec)
	}
	// The read of the child's file is logged.
	recs, err := storetest.Collect(e.store.AccessRecords(e.ctx, ch.ID))
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	assert.True(t, strings.Contains(recs[len(recs)-1].Purpose, "CS-2"))

	// Only closed cases; the count against the minimum.
	tc, err := e.svc.CheckTypical(e.ctx, e.lead)
	require.NoError(t, err)
	assert.Equal(t, 1, tc.Count)
	assert.False(t, tc.Met)
	assert.Equal(t, "典型案例1个，少于要求的5个，尚缺4个", tc.Explain())
}

func TestTypicalNeedsClosedCase(t *testing.T) {
	e := newEnv(t)
	c, err := e.svc.OpenCase(e.ctx, e.worker, casework.OpenInput{ChildID: e.child.ID, Origin: casework.Origin{Kind: casework.OriginRequest}})
	require.NoError(t, err)
	_, err = e.svc.DesignateTypical(e.ctx, e.worker, c.ID, casework.TypicalInput{Background: "x", Reflection: "y"})
	require.True(t, errors.Is(err, welfare.ErrTransition))
}

func TestAgeBand(t *testing.T) {
	for age, want := range map[int]string{0: "0–2岁", 5: "3–5岁", 6: "6–8岁", 11: "9–11岁", 14: "12–14岁", 15: "15–17岁", 19: "18岁及以上"} {
		assert.Equal(t, want, casework.AgeBand(age))
	}
}

func TestDeidentifierPatterns(t *testing.T) {
	d := casework.NewDeidentifier(nil, "12–14岁", casework.Term{Text: "示例村", StandIn: "某村"})
	got := d.Clean("住示例村3组12号，十三岁，电话13812345678，证件360121201001011234。")
	assert.Equal(t, "住某村某组某号，12–14岁，电话某电话，证件某证件号。", got)
}
