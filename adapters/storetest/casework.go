package storetest

// Conformance of casework.Store (cases, referrals, incidents, activities). Stores that
// do not implement casework.Store yet skip these cases.
//
// Conventions pinned down here, beyond the package's:
//   - Records round-trip as casework.Normalize* returns them (times as
//     welfare.StoreTime normalises them, empty slices as nil).
//   - Order: cases and referrals by (ChildID, ID); incidents by (Discovered, ID);
//     activities by (Date, ID); IDs in byte order.
//   - Journal: one leaf per write: kind casework.Entity*, the record's ID, the version
//     written, journal.RecordHash of the record as read back.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

func init() {
	cases = append(cases, []testCase{
		{"Casework/RoundTrip", testCaseworkRoundTrip},
		{"Casework/Versions", testCaseworkVersions},
		{"Casework/Requires", testCaseworkRequires},
		{"Casework/OrderAndFilters", testCaseworkOrder},
		{"Casework/AtomicAndJournal", testCaseworkAtomic},
		{"Casework/Copies", testCaseworkCopies},
		{"Casework/Cancelled", testCaseworkCancelled},
	}...)
}

func caseworkStore(t *testing.T, s welfare.Store) casework.Store {
	t.Helper()
	cs, ok := s.(casework.Store)
	if !ok {
		t.Skipf("storetest: %T does not implement casework.Store yet", s)
	}
	return cs
}

// CaseID, ReferralID, IncidentID and ActivityID return the IDs of synthetic records.
func CaseID(i int) uuid.UUID     { return nameID("case", i) }
func ReferralID(i int) uuid.UUID { return nameID("referral", i) }
func IncidentID(i int) uuid.UUID { return nameID("incident", i) }
func ActivityID(i int) uuid.UUID { return nameID("activity", i) }

// NewCase returns synthetic case i of child with every part of the workflow recorded
// once (assessment, approved plan, a done action, review, note, approved closure,
// typical narrative). Version is 0.
func NewCase(i int, child *welfare.Child) *casework.Case {
	at := At(i)
	ap := &casework.Approval{Decision: casework.Approved, By: StaffID(1), Role: welfare.RoleProjectLead, At: at.Add(time.Hour)}
	return &casework.Case{
		ID: CaseID(i), AreaCode: child.AreaCode, ChildID: child.ID, Township: child.Residence.Township, Village: child.Residence.Village,
		Origin: casework.Origin{Kind: casework.OriginLedger, Ref: EntryID(i).String()}, Opened: at, OpenedBy: StaffID(2), Owner: StaffID(2),
		Assessments: []casework.Assessment{{At: at, By: StaffID(2), Ratings: []casework.Rating{{Need: casework.NeedSafety, Level: casework.LevelLow, Summary: "测试"}}}},
		Plans: []casework.Plan{{No: 1, Submitted: at, By: StaffID(2), Goals: []casework.Goal{{ID: "G1", Need: casework.NeedSafety, Text: "测试目标"}},
			Actions:  []casework.Action{{ID: "A1", Goal: "G1", Text: "测试行动", Owner: StaffID(2), Due: welfare.NewDate(2025, 4, 1), Service: "life_help"}},
			Approval: ap}},
		Done:     []casework.ActionDone{{Action: "A1", On: welfare.NewDate(2025, 3, 20), At: at.Add(2 * time.Hour), By: StaffID(2)}},
		Reviews:  []casework.Review{{At: at.Add(3 * time.Hour), By: StaffID(2), Summary: "测试回顾", Recommend: casework.RecommendClose}},
		Notes:    []casework.Note{{At: at, By: StaffID(2), Text: fmt.Sprintf("测试记录%d", i)}},
		Closures: []casework.Closure{{At: at.Add(4 * time.Hour), By: StaffID(2), Outcome: casework.OutcomeGoalsMet, Summary: "测试", Approval: ap}},
		Typical: &casework.Typical{At: at.Add(5 * time.Hour), By: StaffID(2), Narrative: casework.Narrative{Title: "测试案例", AgeBand: "9–11岁",
			Needs: []casework.NeedSummary{{Need: casework.NeedSafety, Level: casework.LevelLow}}, Services: []string{"生活帮助服务"}, DurationMonths: 1,
			Background: "测试", Assessment: "测试", Intervention: "测试", Outcome: "测试", Reflection: "测试"}},
		UpdatedAt: at, UpdatedBy: StaffID(2).String(),
	}
}

// NewReferral returns synthetic referral i of child, with consent and one event.
func NewReferral(i int, child *welfare.Child) *casework.Referral {
	at := At(i)
	return &casework.Referral{ID: ReferralID(i), AreaCode: child.AreaCode, ChildID: child.ID, CaseID: CaseID(i),
		Township: child.Residence.Township, Village: child.Residence.Village, Target: casework.TargetCounsellor, TargetName: "测试机构",
		Reason: "测试", Source: welfare.Source{Kind: "screening", Ref: "s"}, Made: at, MadeBy: StaffID(2), Due: welfare.NewDate(2025, 3, 8),
		Consent:   &casework.Consent{Kind: casework.ConsentGuardian, Relationship: "mother", At: at, RecordedBy: StaffID(2)},
		Events:    []casework.ReferralEvent{{Status: casework.ReferralAccepted, At: at.Add(time.Hour), By: StaffID(2)}},
		UpdatedAt: at, UpdatedBy: StaffID(2).String()}
}

// NewIncident returns synthetic incident i of child discovered At(i), with one sent
// and acknowledged report and one escalation.
func NewIncident(i int, child *welfare.Child) *casework.Incident {
	at := At(i)
	occ, sent, ack := at.Add(-time.Hour), at.Add(10*time.Minute), at.Add(time.Hour)
	return &casework.Incident{ID: IncidentID(i), AreaCode: child.AreaCode, ChildID: child.ID, Township: child.Residence.Township,
		Kind: casework.KindHarm, Severity: casework.SeverityImmediate, Occurred: &occ, Discovered: at, Recorded: at.Add(time.Minute),
		DiscoveredBy: StaffID(2).String(), Source: welfare.Source{Kind: "visit", Ref: "v"}, ConcernID: nameID("concern", i),
		RuleID: "SR-2", Facts: []welfare.Fact{{Name: "a", Value: "b"}}, Summary: "测试",
		Reports: []casework.Report{{Target: casework.TargetPolice, Due: at.Add(30 * time.Minute), Sent: &sent, Ack: &ack, AckRef: "r",
			Attempts:    []casework.Attempt{{At: sent, Key: "k", Channel: "memory", OK: true}},
			Escalations: []casework.Escalation{{Level: 1, To: casework.TargetProjectLead, At: sent, Reason: "not_sent", Sent: true}}}},
		Measures: []casework.Measure{{At: at, By: StaffID(2), Text: "测试"}}, CaseID: CaseID(i),
		UpdatedAt: at, UpdatedBy: StaffID(2).String()}
}

// NewActivity returns synthetic activity i on day 2025-03-01 + i%200.
func NewActivity(i int) *casework.Activity {
	day := welfare.NewDate(2025, 3, 1).AddDate(0, 0, i%200)
	return &casework.Activity{ID: ActivityID(i), AreaCode: Area, Kind: casework.ActivityCare, Theme: fmt.Sprintf("测试活动%d", i),
		Forms: []string{casework.FormCommunity}, Topics: []string{"safety"}, VenueKind: casework.VenueCommunity, Venue: "测试社区",
		Township: Township(i), Date: day, Holidays: []string{"qingming"},
		Participants: casework.Participants{Children: []uuid.UUID{ChildID(i)}, OtherChildren: 10, Guardians: 10, Others: 2},
		Evidence:     []casework.ActivityEvidence{{Kind: "photo", SHA256: EvidenceHash(i)}},
		Publicity:    &casework.Publicity{URL: "https://mp.weixin.qq.com/s/test", At: day.Start().Add(20 * time.Hour)},
		Organiser:    StaffID(2), UpdatedAt: At(i), UpdatedBy: StaffID(2).String()}
}

func testCaseworkRoundTrip(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	ch := NewChild(1)
	c, r, in, a := NewCase(1, ch), NewReferral(1, ch), NewIncident(1, ch), NewActivity(1)
	require.NoError(t, cs.CreateCase(ctx, c))
	require.NoError(t, cs.CreateReferral(ctx, r))
	require.NoError(t, cs.CreateIncident(ctx, in))
	require.NoError(t, cs.CreateActivity(ctx, a))
	for _, v := range []int64{c.Version, r.Version, in.Version, a.Version} {
		assert.EqualValues(t, 1, v)
	}
	gc, err := cs.GetCase(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, casework.NormalizeCase(c), casework.NormalizeCase(gc))
	gr, err := cs.GetReferral(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, casework.NormalizeReferral(r), casework.NormalizeReferral(gr))
	gi, err := cs.GetIncident(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, casework.NormalizeIncident(in), casework.NormalizeIncident(gi))
	ga, err := cs.GetActivity(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, casework.NormalizeActivity(a), casework.NormalizeActivity(ga))
	// Times come back normalised.
	odd := NewCase(2, ch)
	odd.Opened = time.Date(2025, 3, 1, 9, 0, 0, 123456789, welfare.Beijing())
	require.NoError(t, cs.CreateCase(ctx, odd))
	got, err := cs.GetCase(ctx, odd.ID)
	require.NoError(t, err)
	assert.Equal(t, welfare.StoreTime(odd.Opened), got.Opened)
}

func testCaseworkVersions(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	ch := NewChild(1)
	c := NewCase(1, ch)
	require.ErrorIs(t, cs.UpdateCase(ctx, c), welfare.ErrNotFound)
	_, err := cs.GetCase(ctx, c.ID)
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = cs.GetReferral(ctx, ReferralID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = cs.GetIncident(ctx, IncidentID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = cs.GetActivity(ctx, ActivityID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	require.NoError(t, cs.CreateCase(ctx, c))
	require.ErrorIs(t, cs.CreateCase(ctx, NewCase(1, ch)), welfare.ErrConflict)
	stale := c.Clone()
	c.Notes = append(c.Notes, casework.Note{At: At(5), By: StaffID(2), Text: "追加"})
	require.NoError(t, cs.UpdateCase(ctx, c))
	assert.EqualValues(t, 2, c.Version)
	err = cs.UpdateCase(ctx, stale)
	require.ErrorIs(t, err, welfare.ErrConflict)
	assert.EqualValues(t, 1, stale.Version, "a failed write leaves the version")
	moved := c.Clone()
	moved.AreaCode = OtherArea
	require.ErrorIs(t, cs.UpdateCase(ctx, moved), welfare.ErrInvalid)

	a := NewActivity(1)
	require.NoError(t, cs.CreateActivity(ctx, a))
	a.Publicity = nil
	require.NoError(t, cs.UpdateActivity(ctx, a))
	got, err := cs.GetActivity(ctx, a.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Publicity)
	assert.EqualValues(t, 2, got.Version)
	in := NewIncident(1, ch)
	require.NoError(t, cs.CreateIncident(ctx, in))
	in.Resolution = "测试"
	require.NoError(t, cs.UpdateIncident(ctx, in))
	r := NewReferral(1, ch)
	require.NoError(t, cs.CreateReferral(ctx, r))
	r.Events = nil
	require.NoError(t, cs.UpdateReferral(ctx, r))
	assert.EqualValues(t, 2, r.Version)
}

func testCaseworkRequires(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	ch := NewChild(1)
	c := NewCase(1, ch)
	c.ChildID = uuid.Nil
	require.ErrorIs(t, cs.CreateCase(ctx, c), welfare.ErrInvalid)
	r := NewReferral(1, ch)
	r.AreaCode = ""
	require.ErrorIs(t, cs.CreateReferral(ctx, r), welfare.ErrInvalid)
	in := NewIncident(1, ch)
	in.ID = uuid.Nil
	require.ErrorIs(t, cs.CreateIncident(ctx, in), welfare.ErrInvalid)
	a := NewActivity(1)
	a.AreaCode = ""
	require.ErrorIs(t, cs.CreateActivity(ctx, a), welfare.ErrInvalid)
	require.ErrorIs(t, cs.CreateCase(ctx, nil), welfare.ErrInvalid)
}

func cwIDs[T any](t *testing.T, seq func(yield func(T, error) bool), id func(T) uuid.UUID) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	for x, err := range seq {
		require.NoError(t, err)
		out = append(out, id(x))
	}
	return out
}

func testCaseworkOrder(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	var wantCases []*casework.Case
	var wantInc []*casework.Incident
	var wantAct []*casework.Activity
	for i := 1; i <= 12; i++ {
		ch := NewChild(i % 4)
		c := NewCase(i, ch)
		in := NewIncident(i, ch)
		in.Discovered = At(100 - i%5)
		a := NewActivity(i)
		require.NoError(t, cs.CreateCase(ctx, c))
		require.NoError(t, cs.CreateIncident(ctx, in))
		require.NoError(t, cs.CreateActivity(ctx, a))
		require.NoError(t, cs.CreateReferral(ctx, NewReferral(i, ch)))
		wantCases, wantInc, wantAct = append(wantCases, c), append(wantInc, in), append(wantAct, a)
	}
	other := NewCase(99, NewChild(1))
	other.AreaCode = OtherArea
	require.NoError(t, cs.CreateCase(ctx, other))

	slices.SortFunc(wantCases, func(a, b *casework.Case) int {
		if c := cmpUUID(a.ChildID, b.ChildID); c != 0 {
			return c
		}
		return cmpUUID(a.ID, b.ID)
	})
	var want []uuid.UUID
	for _, c := range wantCases {
		want = append(want, c.ID)
	}
	assert.Equal(t, want, cwIDs(t, cs.Cases(ctx, casework.CaseFilter{Area: Area}), func(c *casework.Case) uuid.UUID { return c.ID }))
	child := NewChild(2).ID
	got := cwIDs(t, cs.Cases(ctx, casework.CaseFilter{Area: Area, ChildID: child}), func(c *casework.Case) uuid.UUID { return c.ID })
	assert.Len(t, got, 3)
	assert.Len(t, cwIDs(t, cs.Referrals(ctx, casework.ReferralFilter{Area: Area, ChildID: child}), func(r *casework.Referral) uuid.UUID { return r.ID }), 3)

	slices.SortFunc(wantInc, func(a, b *casework.Incident) int {
		if c := a.Discovered.Compare(b.Discovered); c != 0 {
			return c
		}
		return cmpUUID(a.ID, b.ID)
	})
	want = nil
	for _, in := range wantInc {
		want = append(want, in.ID)
	}
	assert.Equal(t, want, cwIDs(t, cs.Incidents(ctx, casework.IncidentFilter{Area: Area}), func(in *casework.Incident) uuid.UUID { return in.ID }))
	win := cwIDs(t, cs.Incidents(ctx, casework.IncidentFilter{Area: Area, From: At(97), To: At(99)}), func(in *casework.Incident) uuid.UUID { return in.ID })
	assert.Len(t, win, 5, "From inclusive, To exclusive")

	slices.SortFunc(wantAct, func(a, b *casework.Activity) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmpUUID(a.ID, b.ID)
	})
	want = nil
	for _, a := range wantAct {
		want = append(want, a.ID)
	}
	assert.Equal(t, want, cwIDs(t, cs.Activities(ctx, casework.ActivityFilter{Area: Area}), func(a *casework.Activity) uuid.UUID { return a.ID }))
	day := wantAct[2].Date
	assert.Len(t, cwIDs(t, cs.Activities(ctx, casework.ActivityFilter{Area: Area, From: day, To: day.AddDate(0, 0, 2)}), func(a *casework.Activity) uuid.UUID { return a.ID }), 3)
	assert.Empty(t, cwIDs(t, cs.Activities(ctx, casework.ActivityFilter{Area: OtherArea}), func(a *casework.Activity) uuid.UUID { return a.ID }))
	for _, err := range cs.Cases(ctx, casework.CaseFilter{}) {
		require.ErrorIs(t, err, welfare.ErrInvalid, "area required")
	}
}

func testCaseworkAtomic(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	j := journalOf(t, s)
	before := size(t, j)
	boom := errors.New("boom")
	ch := NewChild(1)
	err := s.Atomically(ctx, func(tx welfare.Store) error {
		ctx := context.Background()
		tcs, ok := tx.(casework.Store)
		require.True(t, ok, "the transaction implements casework.Store")
		require.NoError(t, tx.CreateChild(ctx, ch))
		require.NoError(t, tcs.CreateCase(ctx, NewCase(1, ch)))
		require.NoError(t, tcs.CreateIncident(ctx, NewIncident(1, ch)))
		_, err := tcs.GetCase(ctx, CaseID(1))
		require.NoError(t, err, "read your writes")
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = cs.GetCase(ctx, CaseID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = cs.GetIncident(ctx, IncidentID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	assert.Empty(t, cwIDs(t, cs.Incidents(ctx, casework.IncidentFilter{Area: Area}), func(in *casework.Incident) uuid.UUID { return in.ID }))
	assert.Equal(t, before, size(t, j), "nothing journaled on rollback")

	c, r, in, a := NewCase(1, ch), NewReferral(1, ch), NewIncident(1, ch), NewActivity(1)
	require.NoError(t, cs.CreateCase(ctx, c))
	require.NoError(t, cs.CreateReferral(ctx, r))
	require.NoError(t, cs.CreateIncident(ctx, in))
	require.NoError(t, cs.CreateActivity(ctx, a))
	require.NoError(t, cs.UpdateCase(ctx, c))
	leaves := lastLeaves(t, j, before)
	require.Len(t, leaves, 5)
	gc, err := cs.GetCase(ctx, c.ID)
	require.NoError(t, err)
	gr, _ := cs.GetReferral(ctx, r.ID)
	gi, _ := cs.GetIncident(ctx, in.ID)
	ga, _ := cs.GetActivity(ctx, a.ID)
	expectLeaf(t, leaves[1], casework.EntityReferral, r.ID, 1, gr)
	expectLeaf(t, leaves[2], casework.EntityIncident, in.ID, 1, gi)
	expectLeaf(t, leaves[3], casework.EntityActivity, a.ID, 1, ga)
	expectLeaf(t, leaves[4], casework.EntityCase, c.ID, 2, gc)
}

func testCaseworkCopies(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx := bg()
	ch := NewChild(1)
	c := NewCase(1, ch)
	require.NoError(t, cs.CreateCase(ctx, c))
	c.Notes[0].Text = "改写"
	c.Plans[0].Approval.Comment = "改写"
	got, err := cs.GetCase(ctx, c.ID)
	require.NoError(t, err)
	assert.NotEqual(t, "改写", got.Notes[0].Text)
	got.Plans[0].Actions[0].Text = "改写"
	again, err := cs.GetCase(ctx, c.ID)
	require.NoError(t, err)
	assert.NotEqual(t, "改写", again.Plans[0].Actions[0].Text)
	in := NewIncident(1, ch)
	require.NoError(t, cs.CreateIncident(ctx, in))
	*in.Reports[0].Sent = At(999)
	gi, err := cs.GetIncident(ctx, in.ID)
	require.NoError(t, err)
	assert.NotEqual(t, At(999), *gi.Reports[0].Sent)
}

func testCaseworkCancelled(t *testing.T, s welfare.Store) {
	cs := caseworkStore(t, s)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	ch := NewChild(1)
	require.ErrorIs(t, cs.CreateCase(ctx, NewCase(1, ch)), context.Canceled)
	require.ErrorIs(t, cs.CreateIncident(ctx, NewIncident(1, ch)), context.Canceled)
	_, err := cs.GetActivity(ctx, ActivityID(1))
	require.ErrorIs(t, err, context.Canceled)
	requireCancelledScan(t, "Cases", cs.Cases(ctx, casework.CaseFilter{Area: Area}))
	requireCancelledScan(t, "Referrals", cs.Referrals(ctx, casework.ReferralFilter{Area: Area}))
	requireCancelledScan(t, "Incidents", cs.Incidents(ctx, casework.IncidentFilter{Area: Area}))
	requireCancelledScan(t, "Activities", cs.Activities(ctx, casework.ActivityFilter{Area: Area}))
}
