package casework_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

func TestIncidentReportsAndEscalation(t *testing.T) {
	e := newEnv(t)
	ctx, s := e.ctx, e.svc
	e.notifier.Fail(casework.TargetPolice, errors.New("police line down"))
	discovered := e.clk.Now()
	in, err := s.RaiseIncident(ctx, e.worker, casework.IncidentInput{ChildID: e.child.ID, Kind: casework.KindHarm, Discovered: discovered, Summary: "家访发现身上有伤"})
	require.NoError(t, err)
	assert.Equal(t, casework.SeverityImmediate, in.Severity)
	require.Len(t, in.Reports, 4)
	police := in.Report(casework.TargetPolice)
	assert.Equal(t, discovered.Add(30*time.Minute).UTC(), police.Due, "immediate: within the grace minutes")
	assert.Nil(t, police.Sent)
	require.Len(t, police.Attempts, 1)
	assert.False(t, police.Attempts[0].OK)
	assert.NotNil(t, in.Report(casework.TargetCivilAffairs).Sent, "sent at once")
	assert.Equal(t, discovered.Add(2*time.Hour).UTC(), in.Report(casework.TargetPurchaser).Due)
	assert.NotEqual(t, uuid.Nil, in.CaseID, "a case is opened for the child")

	// 20 minutes on: not yet overdue, no escalation.
	e.clk.Add(20 * time.Minute)
	res, err := s.Dispatch(ctx)
	require.ErrorIs(t, err, casework.ErrNotDelivered)
	assert.Equal(t, casework.DispatchResult{Failed: 1}, res)

	// 40 minutes after discovery: overdue, level 1 (project lead).
	e.clk.Add(20 * time.Minute)
	res, _ = s.Dispatch(ctx)
	assert.Equal(t, 1, res.Escalated)
	// Running again does not escalate twice.
	res, _ = s.Dispatch(ctx)
	assert.Equal(t, 0, res.Escalated)
	// Two hours later: level 2 (purchaser).
	e.clk.Add(2 * time.Hour)
	res, _ = s.Dispatch(ctx)
	assert.Equal(t, 1, res.Escalated)
	in, err = s.GetIncident(ctx, e.worker, in.ID)
	require.NoError(t, err)
	police = in.Report(casework.TargetPolice)
	require.Len(t, police.Escalations, 2)
	assert.Equal(t, casework.TargetProjectLead, police.Escalations[0].To)
	assert.Equal(t, casework.TargetPurchaser, police.Escalations[1].To)
	assert.Equal(t, "not_sent", police.Escalations[0].Reason)

	var escal []casework.Notification
	for _, n := range e.notifier.Sent() {
		if n.Escalation > 0 {
			escal = append(escal, n)
		}
	}
	require.Len(t, escal, 2)
	assert.Equal(t, casework.TargetPolice, escal[0].ReportTarget)
	assert.Equal(t, in.ID.String()+"/police/escalation-1", escal[0].Key)

	// The police line is back: the report goes out, late; then acknowledged.
	e.notifier.Fail(casework.TargetPolice, nil)
	_, err = s.Dispatch(ctx)
	require.NoError(t, err)
	in, err = s.Acknowledge(ctx, e.worker, in.ID, casework.TargetPolice, e.clk.Now(), "接警回执")
	require.NoError(t, err)
	police = in.Report(casework.TargetPolice)
	require.NotNil(t, police.Sent)
	assert.True(t, police.Late(e.clk.Now()))

	late, err := s.LateIncidents(ctx, e.lead, e.clk.Now())
	require.NoError(t, err)
	require.Len(t, late, 1)
	assert.Equal(t, "AC-6", late[0].RuleID)
	require.NotEmpty(t, late[0].Reasons)
	assert.Equal(t, "report_late", late[0].Reasons[0].What)
	assert.Equal(t, casework.TargetPolice, late[0].Reasons[0].Target)
	assert.Contains(t, late[0].Reasons[0].Explain, "公安机关")
}

func TestUnacknowledgedReportEscalates(t *testing.T) {
	e := newEnv(t)
	in, err := e.svc.RaiseIncident(e.ctx, e.worker, casework.IncidentInput{ChildID: e.child.ID, Kind: casework.KindOther, Discovered: e.clk.Now()})
	require.NoError(t, err)
	require.NotNil(t, in.Report(casework.TargetPurchaser).Sent)
	e.clk.Add(25 * time.Hour)
	res, err := e.svc.Dispatch(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Escalated)
	in, err = e.svc.GetIncident(e.ctx, e.worker, in.ID)
	require.NoError(t, err)
	assert.Equal(t, "not_acknowledged", in.Report(casework.TargetPurchaser).Escalations[0].Reason)
}

func TestConcernSink(t *testing.T) {
	e := newEnv(t)
	var sink welfare.ConcernSink = e.svc
	cn := welfare.Concern{ID: uuid.New(), AreaCode: e.child.AreaCode, ChildID: e.child.ID, Kind: welfare.ConcernUrgent,
		Category: "suicide_risk", Severity: "immediate", Source: welfare.Source{Kind: "screening", Ref: "s1"},
		Discovered: e.clk.Now().Add(-time.Hour), RaisedBy: e.other.StaffID.String(), RuleID: "phq9/item9"}
	require.NoError(t, sink.Raise(e.ctx, cn))
	require.NoError(t, sink.Raise(e.ctx, cn), "raising again is a no-op")
	var incs []*casework.Incident
	for in, err := range e.store.Incidents(e.ctx, casework.IncidentFilter{Area: e.child.AreaCode}) {
		require.NoError(t, err)
		incs = append(incs, in)
	}
	require.Len(t, incs, 1)
	assert.Equal(t, casework.KindSuicideRisk, incs[0].Kind)
	assert.Equal(t, cn.ID, incs[0].ConcernID)
	targets := map[casework.Target]bool{}
	for _, n := range e.notifier.Sent() {
		targets[n.Target] = true
	}
	assert.True(t, targets[casework.TargetGuardian] && targets[casework.TargetCounsellor] && targets[casework.TargetPurchaser])

	ref := welfare.Concern{ID: uuid.New(), AreaCode: e.child.AreaCode, ChildID: e.child.ID, Kind: welfare.ConcernReferral,
		Category: "counsellor", Severity: "high", Source: welfare.Source{Kind: "screening", Ref: "s2"},
		Discovered: e.clk.Now(), RaisedBy: e.other.StaffID.String(), RuleID: "CS-1",
		Facts: []welfare.Fact{{Name: "due", Value: "2025-03-12"}}}
	require.NoError(t, sink.Raise(e.ctx, ref))
	require.NoError(t, sink.Raise(e.ctx, ref))
	var refs []*casework.Referral
	for r, err := range e.store.Referrals(e.ctx, casework.ReferralFilter{Area: e.child.AreaCode, ChildID: e.child.ID}) {
		require.NoError(t, err)
		refs = append(refs, r)
	}
	require.Len(t, refs, 1)
	assert.Equal(t, casework.ReferralAwaitingConsent, refs[0].Status())
	assert.Equal(t, welfare.NewDate(2025, 3, 12), refs[0].Due)
	assert.Equal(t, incs[0].CaseID, refs[0].CaseID, "joined the open case")

	key := welfare.Concern{ID: uuid.New(), AreaCode: e.child.AreaCode, ChildID: e.child.ID, Kind: welfare.ConcernKeyEligible,
		Category: "psychological", Source: welfare.Source{Kind: "visit", Ref: "v1"}, Discovered: e.clk.Now(), RaisedBy: e.worker.StaffID.String()}
	require.NoError(t, sink.Raise(e.ctx, key))
	c, err := e.svc.GetCase(e.ctx, e.worker, incs[0].CaseID)
	require.NoError(t, err)
	assert.Contains(t, c.Notes[len(c.Notes)-1].Text, "psychological")

	require.ErrorIs(t, sink.Raise(e.ctx, welfare.Concern{ID: uuid.New(), AreaCode: "360124", ChildID: e.child.ID, Kind: welfare.ConcernUrgent}), welfare.ErrOutOfScope)
}

func TestLateDiscoveryAndRecording(t *testing.T) {
	e := newEnv(t)
	occurred := e.clk.Now().Add(-10 * 24 * time.Hour)
	discovered := e.clk.Now().Add(-48 * time.Hour)
	_, err := e.svc.RaiseIncident(e.ctx, e.worker, casework.IncidentInput{ChildID: e.child.ID, Kind: casework.KindMissingGuardian,
		Occurred: &occurred, Discovered: discovered})
	require.NoError(t, err)
	late, err := e.svc.LateIncidents(e.ctx, e.lead, e.clk.Now())
	require.NoError(t, err)
	require.Len(t, late, 1)
	var what []string
	for _, r := range late[0].Reasons {
		what = append(what, r.What)
	}
	assert.Equal(t, []string{"discovered_late", "recorded_late", "report_late", "report_late", "report_late"}, what)
	_, err = e.svc.LateIncidents(e.ctx, e.worker, e.clk.Now())
	require.NoError(t, err)
	_, err = e.svc.RaiseIncident(e.ctx, e.worker, casework.IncidentInput{ChildID: e.child.ID, Kind: casework.KindHarm, Discovered: e.clk.Now().Add(time.Hour)})
	require.ErrorIs(t, err, welfare.ErrInvalid, "no discoveries in the future")
}
