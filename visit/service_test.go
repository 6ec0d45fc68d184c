package visit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

var now = at(2025, 6, 30, 18, 0)

// fixture is a memory store with a few children and staff, and a service over it.
type fixture struct {
	store    *memory.Store
	svc      *visit.Service
	concerns *welfare.ConcernRecorder
	child    *welfare.Child // monitored, village storetest.Village(1)
	other    *welfare.Child // monitored, another township
	exited   *welfare.Child // exited on 2025-05-01
	worker   welfare.Actor  // social worker, county scope
	director welfare.Actor  // child director of child's village
	stranger welfare.Actor  // child director of another village
	auditor  welfare.Actor
}

func staff(i int, role welfare.Role, scope string) *welfare.Staff {
	m := storetest.NewStaff(i, storetest.Area)
	m.Role, m.Scope = role, scope
	return m
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{store: memory.New(), concerns: &welfare.ConcernRecorder{}}
	f.child = kid(1, d(2025, 1, 5), d(2025, 1, 20), welfare.Date{})
	f.child.Residence.Geo = &welfare.GeoPoint{Lat: 28.5, Lng: 115.9}
	f.other = kid(2, d(2025, 1, 5), d(2025, 1, 20), welfare.Date{})
	f.exited = kid(5, d(2025, 1, 5), d(2025, 1, 20), d(2025, 5, 1))
	require.NoError(t, f.store.CreateChildren(ctx, []*welfare.Child{f.child, f.other, f.exited}))
	members := []*welfare.Staff{
		staff(1, welfare.RoleSocialWorker, storetest.Area),
		staff(2, welfare.RoleDirector, f.child.Residence.Village),
		staff(3, welfare.RoleDirector, f.other.Residence.Village),
		staff(4, welfare.RoleAuditor, storetest.Area),
	}
	for _, m := range members {
		require.NoError(t, f.store.CreateStaff(ctx, m))
	}
	f.worker, f.director, f.stranger, f.auditor = welfare.ActorOf(members[0]), welfare.ActorOf(members[1]), welfare.ActorOf(members[2]), welfare.ActorOf(members[3])
	svc, err := visit.NewService(f.store, welfare.Nanchang2025(), visit.Options{
		Clock: welfare.FixedClock{T: now}, IDs: welfare.NewSeededIDs(1), Concerns: f.concerns})
	require.NoError(t, err)
	f.svc = svc
	return f
}

// input is a valid completed home visit of c on 2025-06-20.
func input(c *welfare.Child) visit.Input {
	start := at(2025, 6, 20, 10, 0)
	return visit.Input{
		ChildID: c.ID, Mode: visit.ModeHome, Outcome: visit.OutcomeCompleted,
		Start: start, End: start.Add(45 * time.Minute),
		Location: visit.Location{Geo: &welfare.GeoPoint{Lat: 28.5001, Lng: 115.9001}, AccuracyM: 10},
		Present:  visit.Present{Child: true, Guardian: true},
		Content: visit.Content{
			Observe:  []visit.Observation{{Aspect: welfare.AspectHealth, Value: "测试：身体健康"}},
			Talk:     []visit.Topic{visit.TopicSafety},
			Services: []string{"study_tutoring"},
		},
		Notes: "测试：入户探访，了解学习和生活情况。",
		Evidence: []visit.Evidence{{Kind: visit.EvidencePhoto, SHA256: storetest.EvidenceHash(1), Size: 2048,
			CapturedAt: start.Add(10 * time.Minute)}},
		DeviceTime: start.Add(50 * time.Minute),
	}
}

func (f *fixture) journalLen(t *testing.T) int64 {
	n, err := f.store.Journal(storetest.Area).Size(context.Background())
	require.NoError(t, err)
	return n
}

func (f *fixture) visitCount(t *testing.T) int {
	vs, err := storetest.Collect(f.store.Visits(context.Background(), visit.Filter{Area: storetest.Area}))
	require.NoError(t, err)
	return len(vs)
}

func TestRecordStoresAndWritesBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := input(f.child)
	v, err := f.svc.Record(ctx, f.director, in)
	require.NoError(t, err)
	assert.EqualValues(t, 1, v.Version)
	assert.Equal(t, f.child.Residence.Township, v.Township)
	assert.Equal(t, f.child.Residence.Village, v.Village)
	assert.Equal(t, f.director.StaffID, v.VisitorID)
	assert.Equal(t, welfare.RoleDirector, v.VisitorRole)
	assert.Equal(t, welfare.StoreTime(now), v.ReceivedAt)
	assert.Equal(t, f.director.StaffID.String(), v.UpdatedBy)

	got, err := f.svc.Get(ctx, f.auditor, v.ID)
	require.NoError(t, err)
	assert.Equal(t, v, got)

	c, err := f.store.GetChild(ctx, f.child.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 2, c.Version, "the status write-back updated the child")
	assert.Equal(t, welfare.Observation{Value: "测试：身体健康", Date: d(2025, 6, 20),
		Source: welfare.Source{Kind: "visit", Ref: v.ID.String()}}, c.Status[welfare.AspectHealth])

	// A back-dated visit never overwrites the newer observation.
	old := input(f.child)
	old.Start, old.End = at(2025, 6, 1, 9, 0), at(2025, 6, 1, 9, 40)
	old.Evidence[0].CapturedAt = old.Start
	old.DeviceTime = time.Time{}
	old.Content.Observe = []visit.Observation{{Aspect: welfare.AspectHealth, Value: "测试：感冒"}}
	_, err = f.svc.Record(ctx, f.worker, old)
	require.NoError(t, err)
	c, err = f.store.GetChild(ctx, f.child.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 2, c.Version, "nothing newer kept: the child is not written")
	assert.Equal(t, "测试：身体健康", c.Status[welfare.AspectHealth].Value)

	// A visitor named by the actor.
	other := input(f.child)
	other.VisitorID = f.director.StaffID
	v3, err := f.svc.Record(ctx, f.worker, other)
	require.NoError(t, err)
	assert.Equal(t, f.director.StaffID, v3.VisitorID)
	assert.Equal(t, welfare.RoleDirector, v3.VisitorRole)
	assert.Equal(t, f.worker.StaffID.String(), v3.UpdatedBy)
	assert.Empty(t, f.concerns.Concerns())
}

func TestRecordValidation(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(f *fixture, in *visit.Input)
		field string
		rule  string
	}{
		{"unknown child", func(f *fixture, in *visit.Input) { in.ChildID = storetest.ChildID(404) }, "ChildID", "exists"},
		{"no child", func(f *fixture, in *visit.Input) { in.ChildID = uuid.Nil }, "ChildID", "required"},
		{"exited child", func(f *fixture, in *visit.Input) { in.ChildID = f.exited.ID }, "ChildID", "state"},
		{"end before start", func(f *fixture, in *visit.Input) { in.End = in.Start.Add(-time.Minute) }, "End", "gtefield"},
		{"start in the future", func(f *fixture, in *visit.Input) {
			in.Start, in.End = now.Add(11*time.Minute), now.Add(40*time.Minute)
		}, "Start", "future"},
		{"device time in the future", func(f *fixture, in *visit.Input) { in.DeviceTime = now.Add(time.Hour) }, "DeviceTime", "future"},
		{"latitude out of range", func(f *fixture, in *visit.Input) { in.Location.Geo.Lat = 91 }, "Location.Geo.Lat", "lte"},
		{"longitude out of range", func(f *fixture, in *visit.Input) { in.Location.Geo.Lng = -181 }, "Location.Geo.Lng", "gte"},
		{"negative accuracy", func(f *fixture, in *visit.Input) { in.Location.AccuracyM = -1 }, "Location.AccuracyM", "gte"},
		{"evidence without a hash", func(f *fixture, in *visit.Input) { in.Evidence[0].SHA256 = "" }, "Evidence[0].SHA256", "required"},
		{"evidence with a bad hash", func(f *fixture, in *visit.Input) { in.Evidence[0].SHA256 = strings.Repeat("z", 64) }, "Evidence[0].SHA256", "hexadecimal"},
		{"unknown evidence kind", func(f *fixture, in *visit.Input) { in.Evidence[0].Kind = "selfie" }, "Evidence[0].Kind", "oneof"},
		{"unknown mode", func(f *fixture, in *visit.Input) { in.Mode = "school" }, "Mode", "oneof"},
		{"unknown outcome", func(f *fixture, in *visit.Input) { in.Outcome = "maybe" }, "Outcome", "oneof"},
		{"unknown service", func(f *fixture, in *visit.Input) { in.Content.Services = []string{"magic"} }, "Content.Services[0]", "catalogue"},
		{"not a visit service", func(f *fixture, in *visit.Input) { in.Content.Services = []string{"policy_application"} }, "Content.Services[0]", "catalogue"},
		{"failed without reason", func(f *fixture, in *visit.Input) { in.Outcome = visit.OutcomeRefused }, "FailReason", "required_unless"},
		{"unknown aspect", func(f *fixture, in *visit.Input) { in.Content.Observe[0].Aspect = "luck" }, "Content.Observe[0].Aspect", "oneof"},
		{"unknown key suggestion", func(f *fixture, in *visit.Input) { in.FollowUp.KeySuggestion = "rich" }, "FollowUp.KeySuggestion", "oneof"},
		{"unknown urgent category", func(f *fixture, in *visit.Input) { in.FollowUp.Urgent = "boredom" }, "FollowUp.Urgent", "oneof"},
		{"unknown visitor", func(f *fixture, in *visit.Input) { in.VisitorID = storetest.StaffID(404) }, "VisitorID", "exists"},
		{"no start", func(f *fixture, in *visit.Input) { in.Start = time.Time{} }, "Start", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			in := input(f.child)
			tt.mut(f, &in)
			before, journal := f.visitCount(t), f.journalLen(t)
			_, err := f.svc.Record(context.Background(), f.worker, in)
			require.ErrorIs(t, err, welfare.ErrInvalid)
			var ve *welfare.ValidationError
			require.ErrorAs(t, err, &ve)
			found := false
			for _, fe := range ve.Fields {
				found = found || (fe.Field == tt.field && fe.Rule == tt.rule)
			}
			assert.True(t, found, "want %s: %s in %v", tt.field, tt.rule, ve)
			assert.Equal(t, before, f.visitCount(t), "nothing stored")
			assert.Equal(t, journal, f.journalLen(t), "nothing journaled")
			c, err := f.store.GetChild(context.Background(), f.child.ID)
			require.NoError(t, err)
			assert.EqualValues(t, 1, c.Version, "no status write-back")
		})
	}

	// A back-dated visit to a child who exited later is accepted.
	f := newFixture(t)
	in := input(f.exited)
	in.Start, in.End = at(2025, 4, 20, 9, 0), at(2025, 4, 20, 9, 30)
	in.Evidence[0].CapturedAt = in.Start
	_, err := f.svc.Record(context.Background(), f.worker, in)
	require.NoError(t, err)
	// Within the future tolerance is accepted.
	in = input(f.child)
	in.Start, in.End, in.DeviceTime = now.Add(-20*time.Minute), now.Add(9*time.Minute), now.Add(10*time.Minute)
	in.Evidence[0].CapturedAt = in.Start
	_, err = f.svc.Record(context.Background(), f.worker, in)
	require.NoError(t, err)
}

func TestRecordScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.Record(ctx, f.stranger, input(f.child))
	require.ErrorIs(t, err, welfare.ErrOutOfScope, "a director records visits only in their village")
	_, err = f.svc.Record(ctx, f.auditor, input(f.child))
	require.ErrorIs(t, err, welfare.ErrOutOfScope, "auditors never write")
	foreign := f.worker
	foreign.Area = storetest.OtherArea
	_, err = f.svc.Record(ctx, foreign, input(f.child))
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
	assert.Zero(t, f.visitCount(t))

	v, err := f.svc.Record(ctx, f.director, input(f.child))
	require.NoError(t, err)
	_, err = f.svc.Get(ctx, f.stranger, v.ID)
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
	_, err = f.svc.History(ctx, f.auditor, v.ID)
	require.NoError(t, err)
	_, err = f.svc.ChildCompliance(ctx, f.stranger, f.child.ID, now)
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
	_, err = f.svc.Amend(ctx, f.auditor, v.ID, 1, input(f.child), visit.Reason{Code: "typo"})
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
}

func TestRecordConcerns(t *testing.T) {
	ctx := context.Background()
	t.Run("urgent", func(t *testing.T) {
		for cat, sev := range map[string]string{"harm": "immediate", "suspected_harm": "immediate", "danger": "immediate",
			"suicide_risk": "immediate", "missing_guardian": "high", "other": "high"} {
			f := newFixture(t)
			in := input(f.child)
			in.FollowUp.Urgent = cat
			v, err := f.svc.Record(ctx, f.director, in)
			require.NoError(t, err)
			cs := f.concerns.Concerns()
			require.Len(t, cs, 1)
			assert.Equal(t, welfare.ConcernUrgent, cs[0].Kind)
			assert.Equal(t, cat, cs[0].Category)
			assert.Equal(t, sev, cs[0].Severity, cat)
			assert.Equal(t, welfare.Source{Kind: "visit", Ref: v.ID.String()}, cs[0].Source)
			assert.Equal(t, f.child.ID, cs[0].ChildID)
			assert.Equal(t, v.Start, cs[0].Discovered)
			assert.Equal(t, f.director.StaffID.String(), cs[0].RaisedBy)
		}
	})
	t.Run("key eligible from observations", func(t *testing.T) {
		f := newFixture(t)
		in := input(f.child)
		in.Content.Observe = append(in.Content.Observe, visit.Observation{Aspect: welfare.AspectMental, Value: "测试：情绪低落", Concern: true})
		_, err := f.svc.Record(ctx, f.director, in)
		require.NoError(t, err)
		cs := f.concerns.Concerns()
		require.Len(t, cs, 1)
		assert.Equal(t, welfare.ConcernKeyEligible, cs[0].Kind)
		assert.Equal(t, string(welfare.KeyPsychological), cs[0].Category)
		assert.Equal(t, "key/psychological", cs[0].RuleID)
		// Seen again: the child was eligible already, nothing new.
		_, err = f.svc.Record(ctx, f.director, in)
		require.NoError(t, err)
		assert.Len(t, f.concerns.Concerns(), 1)
	})
	t.Run("suggestion and referral", func(t *testing.T) {
		f := newFixture(t)
		in := input(f.child)
		in.FollowUp = visit.FollowUp{KeySuggestion: welfare.KeyFamilyHardship, Referral: "counsellor"}
		_, err := f.svc.Record(ctx, f.director, in)
		require.NoError(t, err)
		cs := f.concerns.Concerns()
		require.Len(t, cs, 2)
		assert.Equal(t, welfare.ConcernKeyEligible, cs[0].Kind)
		assert.Equal(t, "family_hardship", cs[0].Category)
		assert.Equal(t, welfare.ConcernReferral, cs[1].Kind)
		assert.Equal(t, "counsellor", cs[1].Category)
	})
	t.Run("open ledger entry: no key concern", func(t *testing.T) {
		f := newFixture(t)
		require.NoError(t, f.store.CreateKeyEntry(ctx, entry(f.child, welfare.KeyFamilyHardship, d(2025, 2, 1), nil)))
		in := input(f.child)
		in.FollowUp.KeySuggestion = welfare.KeyFamilyHardship
		_, err := f.svc.Record(ctx, f.director, in)
		require.NoError(t, err)
		assert.Empty(t, f.concerns.Concerns())
	})
	t.Run("sink refuses", func(t *testing.T) {
		f := newFixture(t)
		svc, err := visit.NewService(f.store, welfare.Nanchang2025(), visit.Options{Clock: welfare.FixedClock{T: now},
			Concerns: refusing{}})
		require.NoError(t, err)
		in := input(f.child)
		in.FollowUp.Urgent = "danger"
		v, err := svc.Record(ctx, f.director, in)
		require.ErrorIs(t, err, visit.ErrConcernNotRaised)
		require.NotNil(t, v, "the visit is stored")
		var ce *visit.ConcernError
		require.ErrorAs(t, err, &ce)
		require.Len(t, ce.Concerns, 1)
		assert.Equal(t, "danger", ce.Concerns[0].Category)
		assert.Equal(t, 1, f.visitCount(t))
	})
}

type refusing struct{}

func (refusing) Raise(context.Context, welfare.Concern) error { return errors.New("sink down") }

func TestAmend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v, err := f.svc.Record(ctx, f.director, input(f.child))
	require.NoError(t, err)

	in := input(f.child)
	in.Notes = "测试：更正后的记录。"
	in.FollowUp.Urgent = "danger"
	a, err := f.svc.Amend(ctx, f.director, v.ID, 1, in, visit.Reason{Code: "content", Note: "测试"})
	require.NoError(t, err)
	assert.EqualValues(t, 2, a.Version)
	assert.Equal(t, v.ReceivedAt, a.ReceivedAt, "the first receipt is kept")
	require.NotNil(t, a.Amendment)
	assert.Equal(t, visit.Amendment{Reason: "content", Note: "测试", Editor: f.director.StaffID.String(), At: welfare.StoreTime(now)}, *a.Amendment)
	require.Len(t, f.concerns.Concerns(), 1, "the amendment added an urgent concern")

	_, err = f.svc.Amend(ctx, f.director, v.ID, 1, in, visit.Reason{Code: "typo"})
	require.ErrorIs(t, err, welfare.ErrConflict, "stale version")
	_, err = f.svc.Amend(ctx, f.director, v.ID, 2, in, visit.Reason{Code: "because"})
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Reason.Code"))
	_, err = f.svc.Amend(ctx, f.director, storetest.VisitID(404), 1, in, visit.Reason{Code: "typo"})
	require.ErrorIs(t, err, welfare.ErrNotFound)

	a3, err := f.svc.Amend(ctx, f.director, v.ID, 2, in, visit.Reason{Code: "typo"})
	require.NoError(t, err)
	assert.Len(t, f.concerns.Concerns(), 1, "an unchanged urgent concern is not raised again")

	hist, err := f.svc.History(ctx, f.auditor, v.ID)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, v, hist[0])
	assert.Equal(t, a3, hist[2])

	// Amended visits count once, by their latest version.
	cv, err := f.svc.ChildCompliance(ctx, f.auditor, f.child.ID, now)
	require.NoError(t, err)
	vs1, _ := cv.Rule("VS-1")
	assert.Equal(t, []uuid.UUID{v.ID}, vs1.Counted)
	assert.Equal(t, 1, cv.Completed)

	// Moving the visit to the wrong child and back.
	moved := input(f.other)
	_, err = f.svc.Amend(ctx, f.director, v.ID, 3, moved, visit.Reason{Code: "wrong_child"})
	require.ErrorIs(t, err, welfare.ErrOutOfScope, "the director may not write the other village's child")
	_, err = f.svc.Amend(ctx, f.worker, v.ID, 3, moved, visit.Reason{Code: "wrong_child"})
	require.NoError(t, err)
	cv, err = f.svc.ChildCompliance(ctx, f.auditor, f.child.ID, now)
	require.NoError(t, err)
	assert.Zero(t, cv.Completed)
}

func TestNewServiceRejectsBadProgramme(t *testing.T) {
	p := welfare.Nanchang2025()
	p.Visits.Quotas[0].Category = "nobody"
	_, err := visit.NewService(memory.New(), p, visit.Options{})
	require.ErrorIs(t, err, welfare.ErrInvalid)
	_, err = visit.NewService(nil, p, visit.Options{})
	require.Error(t, err)
}

func TestDefaultAccess(t *testing.T) {
	m := visit.DefaultAccess()
	for _, r := range welfare.Roles() {
		assert.Contains(t, m[r], visit.PermRead, r)
		if r == welfare.RoleAuditor {
			assert.NotContains(t, m[r], visit.PermWrite)
		} else {
			assert.Contains(t, m[r], visit.PermWrite, r)
		}
	}
	assert.NotContains(t, welfare.DefaultAccess()[welfare.RoleDirector], visit.PermWrite, "the registry's matrix is not modified")
}

func TestInputHidesPersonalData(t *testing.T) {
	in := input(storetest.NewChild(1))
	in.Notes = "测试：张三家住示例路1号"
	assert.NotContains(t, in.String(), "张三")
	assert.NotContains(t, fmt.Sprint(in), "示例路")
	assert.Contains(t, in.String(), in.ChildID.String())
}
