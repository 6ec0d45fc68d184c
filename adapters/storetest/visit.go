package storetest

// Conformance of visit.Store (visit records, amendments, evidence). Stores that do not
// implement visit.Store yet skip these cases.
//
// Conventions pinned down here, beyond the package's:
//   - Versions: CreateVisit stores version 1; AmendVisit stores version n+1 next to every
//     earlier version; GetVisit and scans return the latest only; VisitHistory returns
//     every version, oldest first.
//   - Order: Visits by (ChildID, Start, ID), VisitsByVisitor by (VisitorID, Start, ID),
//     IDs in byte order; Filter.After resumes strictly after a cursor of that order.
//   - Evidence hashes are kept in lower case; EvidenceUses matches case-insensitively and
//     reads latest versions only, one entry per visit and kind, ordered by (Start,
//     VisitID, Kind).
//   - Journal: one leaf per stored version: kind visit.EntityVisit, the visit's ID, the
//     version written, journal.RecordHash of the version as read back.
//   - visit.RegionIndexed is optional: a store that has it returns exactly what the
//     Children scan with the same region returns, after moves, rollbacks and inside
//     transactions.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

func init() {
	cases = append(cases, []testCase{
		{"Visit/RoundTripFull", testVisitRoundTripFull},
		{"Visit/RoundTripMinimal", testVisitRoundTripMinimal},
		{"Visit/RequiresIDAreaChild", testVisitRequires},
		{"Visit/NotFound", testVisitNotFound},
		{"Visit/CreateExistingID", testVisitCreateExisting},
		{"Visit/AmendKeepsHistory", testVisitAmendHistory},
		{"Visit/StaleAmend", testVisitStaleAmend},
		{"Visit/AreaImmutable", testVisitAreaImmutable},
		{"Visit/TimesNormalised", testVisitTimesNormalised},
		{"Visit/OrderAndPaging", testVisitOrderAndPaging},
		{"Visit/Filters", testVisitFilters},
		{"Visit/AmendMovesIndexes", testVisitAmendMoves},
		{"Visit/EvidenceUses", testVisitEvidenceUses},
		{"Visit/AtomicWithChild", testVisitAtomic},
		{"Visit/Journal", testVisitJournal},
		{"Visit/Cancelled", testVisitCancelled},
		{"Visit/Copies", testVisitCopies},
		{"Visit/WriteInsideScan", testVisitWriteInsideScan},
		{"Visit/ChildrenInRegion", testChildrenInRegion},
		{"Visit/RowsProjectVisits", testVisitRowsProject},
		{"Visit/RowsAmendAndPaging", testVisitRowsAmendPaging},
		{"Visit/ChildRows", testChildRows},
	}...)
}

// visitStore returns s as a visit.Store, or skips the test.
func visitStore(t *testing.T, s welfare.Store) visit.Store {
	t.Helper()
	vs, ok := s.(visit.Store)
	if !ok {
		t.Skipf("storetest: %T does not implement visit.Store yet", s)
	}
	return vs
}

// VisitID returns the ID of synthetic visit i.
func VisitID(i int) uuid.UUID { return nameID("visit", i) }

// EvidenceHash returns the (lower-case hex) SHA-256 of synthetic attachment i.
func EvidenceHash(i int) string {
	h := sha256.Sum256([]byte("evidence/" + fmt.Sprint(i)))
	return hex.EncodeToString(h[:])
}

// NewVisit returns synthetic visit i of child: a completed home visit by staff member
// StaffID(1) starting At(60*i) for 40 minutes, with one photo. Version is 0.
func NewVisit(i int, child *welfare.Child) *visit.Visit {
	start := At(60 * i)
	return &visit.Visit{
		ID: VisitID(i), AreaCode: child.AreaCode, ChildID: child.ID,
		Township: child.Residence.Township, Village: child.Residence.Village,
		VisitorID: StaffID(1), VisitorRole: welfare.RoleSocialWorker,
		Mode: visit.ModeHome, Outcome: visit.OutcomeCompleted,
		Start: start, End: start.Add(40 * time.Minute),
		Present: visit.Present{Child: true, Guardian: true},
		Notes:   fmt.Sprintf("测试探访记录%d", i),
		Evidence: []visit.Evidence{{Kind: visit.EvidencePhoto, SHA256: EvidenceHash(i), Size: 1024 + int64(i),
			CapturedAt: start.Add(10 * time.Minute)}},
		ReceivedAt: start.Add(50 * time.Minute),
		UpdatedBy:  StaffID(1).String(),
	}
}

// FullVisit returns synthetic visit i of child with every field set, including each
// optional pointer and an amendment note.
func FullVisit(i int, child *welfare.Child) *visit.Visit {
	v := NewVisit(i, child)
	start := v.Start
	ph := uint64(0xfedcba9876543210) ^ uint64(i)
	v.PlannedStart, v.PlannedEnd = start.Add(-30*time.Minute), start.Add(30*time.Minute)
	v.Location = visit.Location{Geo: &welfare.GeoPoint{Lat: 28.546612, Lng: 115.944137}, AccuracyM: 12.5, Place: "测试小区"}
	v.Present = visit.Present{Child: true, Guardian: true, Neighbours: true, Others: 2}
	v.Content = visit.Content{
		Ask: visit.Ask{Needs: []string{"测试：学习辅导"}, HelpApplied: []string{"测试：临时救助"}, ResourcesLinked: []string{"测试：社区图书室"}},
		Observe: []visit.Observation{
			{Aspect: welfare.AspectHealth, Value: "测试：身体健康"},
			{Aspect: welfare.AspectGuardianship, Value: "测试：监护到位", Concern: true},
		},
		Talk:     []visit.Topic{visit.TopicSafety, visit.TopicLaw},
		Services: []string{"study_tutoring", "psych_comfort"},
	}
	v.FollowUp = visit.FollowUp{Referral: "counsellor", KeySuggestion: welfare.KeyPsychological, Urgent: "other"}
	v.Evidence = append(v.Evidence,
		visit.Evidence{Kind: visit.EvidenceVideo, SHA256: EvidenceHash(1_000_000 + i), Size: 4096, CapturedAt: start.Add(20 * time.Minute), PHash: &ph},
		visit.Evidence{Kind: visit.EvidenceCallRecord, SHA256: EvidenceHash(2_000_000 + i), Size: 64, CapturedAt: start, CallSeconds: 95},
	)
	v.DeviceTime = start.Add(45 * time.Minute)
	v.Amendment = &visit.Amendment{Reason: "typo", Note: "测试更正", Editor: StaffID(2).String(), At: start.Add(24 * time.Hour)}
	return v
}

func mustVisit(t *testing.T, s visit.Store, vs ...*visit.Visit) {
	t.Helper()
	for _, v := range vs {
		require.NoError(t, s.CreateVisit(bg(), v))
	}
}

// requireVisit asserts that the latest stored version equals want (normalised).
func requireVisit(t *testing.T, s visit.Store, want *visit.Visit) {
	t.Helper()
	got, err := s.GetVisit(bg(), want.ID)
	require.NoError(t, err)
	require.Equal(t, visit.Normalize(want), visit.Normalize(got))
}

func testVisitRoundTripFull(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := FullChild(1)
	mustCreate(t, s, c)
	v := FullVisit(1, c)
	want := v.Clone()
	require.NoError(t, s.CreateVisit(bg(), v))
	require.EqualValues(t, 1, v.Version, "CreateVisit sets Version 1 on the caller's value")
	want.Version = 1
	requireVisit(t, s, want)
	hist, err := s.VisitHistory(bg(), v.ID)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	require.Equal(t, visit.Normalize(want), visit.Normalize(hist[0]))
}

func testVisitRoundTripMinimal(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	mustCreate(t, s, c)
	v := &visit.Visit{ID: VisitID(1), AreaCode: Area, ChildID: c.ID, Township: c.Residence.Township,
		VisitorID: StaffID(1), Mode: visit.ModePhone, Outcome: visit.OutcomeUnreachable, FailReason: "测试：无人接听",
		Start: At(1), End: At(2), ReceivedAt: At(3)}
	want := v.Clone()
	mustVisit(t, s, v)
	want.Version = 1
	got, err := s.GetVisit(bg(), v.ID)
	require.NoError(t, err)
	require.Equal(t, visit.Normalize(want), visit.Normalize(got))
	assert.Nil(t, got.Location.Geo)
	assert.Nil(t, got.Amendment)
	assert.Empty(t, got.Evidence)
	assert.True(t, got.PlannedStart.IsZero())
	assert.True(t, got.DeviceTime.IsZero())
}

func testVisitRequires(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	for _, mut := range []func(v *visit.Visit){
		func(v *visit.Visit) { v.ID = uuid.Nil },
		func(v *visit.Visit) { v.AreaCode = "" },
		func(v *visit.Visit) { v.ChildID = uuid.Nil },
	} {
		v := NewVisit(1, c)
		mut(v)
		require.ErrorIs(t, s.CreateVisit(bg(), v), welfare.ErrInvalid)
		require.Zero(t, v.Version)
	}
	require.ErrorIs(t, s.CreateVisit(bg(), nil), welfare.ErrInvalid)
	for _, err := range s.Visits(bg(), visit.Filter{}) {
		require.ErrorIs(t, err, welfare.ErrInvalid, "a scan without an area")
	}
	for _, err := range s.VisitsByVisitor(bg(), visit.Filter{}) {
		require.ErrorIs(t, err, welfare.ErrInvalid, "a scan without an area")
	}
	_, err := s.EvidenceUses(bg(), "", EvidenceHash(1))
	require.ErrorIs(t, err, welfare.ErrInvalid)
}

func testVisitNotFound(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	_, err := s.GetVisit(bg(), VisitID(404))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = s.VisitHistory(bg(), VisitID(404))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	v := NewVisit(404, NewChild(1))
	v.Version = 1
	require.ErrorIs(t, s.AmendVisit(bg(), v), welfare.ErrNotFound)
	require.EqualValues(t, 1, v.Version)
	uses, err := s.EvidenceUses(bg(), Area, EvidenceHash(404))
	require.NoError(t, err)
	require.Empty(t, uses)
}

func testVisitCreateExisting(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	v := NewVisit(1, c)
	mustVisit(t, s, v)
	again := NewVisit(1, c)
	again.Notes = "测试重复"
	require.ErrorIs(t, s.CreateVisit(bg(), again), welfare.ErrConflict)
	require.Zero(t, again.Version)
	requireVisit(t, s, v)
}

func testVisitAmendHistory(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	v1 := NewVisit(1, c)
	mustVisit(t, s, v1)
	written := []*visit.Visit{v1.Clone()}

	v2 := v1.Clone()
	v2.Notes = "测试更正一"
	v2.Amendment = &visit.Amendment{Reason: "typo", Editor: StaffID(2).String(), At: At(500)}
	require.NoError(t, s.AmendVisit(bg(), v2))
	require.EqualValues(t, 2, v2.Version)
	written = append(written, v2.Clone())

	v3 := v2.Clone()
	v3.Mode, v3.Evidence = visit.ModePhone, nil
	v3.Amendment = &visit.Amendment{Reason: "wrong_mode", Note: "测试", Editor: StaffID(3).String(), At: At(600)}
	require.NoError(t, s.AmendVisit(bg(), v3))
	require.EqualValues(t, 3, v3.Version)
	written = append(written, v3.Clone())

	hist, err := s.VisitHistory(bg(), v1.ID)
	require.NoError(t, err)
	require.Len(t, hist, 3, "every version is kept")
	for i, h := range hist {
		require.EqualValues(t, i+1, h.Version)
		require.Equal(t, visit.Normalize(written[i]), visit.Normalize(h))
	}
	requireVisit(t, s, v3)
	all, err := Collect(s.Visits(bg(), visit.Filter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, all, 1, "scans return the latest version only")
	require.EqualValues(t, 3, all[0].Version)
	byVisitor, err := Collect(s.VisitsByVisitor(bg(), visit.Filter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, byVisitor, 1)
}

func testVisitStaleAmend(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	v := NewVisit(1, NewChild(1))
	mustVisit(t, s, v)
	a := v.Clone()
	a.Notes = "测试甲"
	require.NoError(t, s.AmendVisit(bg(), a))
	stale := v.Clone() // still version 1
	stale.Notes = "测试乙"
	require.ErrorIs(t, s.AmendVisit(bg(), stale), welfare.ErrConflict)
	require.EqualValues(t, 1, stale.Version, "a failed amend leaves the caller's version")
	ahead := a.Clone()
	ahead.Version = 7
	require.ErrorIs(t, s.AmendVisit(bg(), ahead), welfare.ErrConflict)
	requireVisit(t, s, a)
	hist, err := s.VisitHistory(bg(), v.ID)
	require.NoError(t, err)
	require.Len(t, hist, 2)
}

func testVisitAreaImmutable(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	v := NewVisit(1, NewChild(1))
	mustVisit(t, s, v)
	moved := v.Clone()
	moved.AreaCode = OtherArea
	require.ErrorIs(t, s.AmendVisit(bg(), moved), welfare.ErrInvalid)
	requireVisit(t, s, v)
}

func testVisitTimesNormalised(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	v := FullVisit(1, NewChild(1))
	shanghai := time.FixedZone("UTC+8", 8*3600)
	skew := func(t time.Time) time.Time { return t.In(shanghai).Add(789 * time.Nanosecond) }
	v.Start, v.End, v.PlannedStart, v.PlannedEnd = skew(v.Start), skew(v.End), skew(v.PlannedStart), skew(v.PlannedEnd)
	v.DeviceTime, v.ReceivedAt, v.Amendment.At = skew(v.DeviceTime), skew(v.ReceivedAt), skew(v.Amendment.At)
	v.Evidence[0].CapturedAt = skew(v.Evidence[0].CapturedAt)
	v.Evidence[0].SHA256 = strings.ToUpper(v.Evidence[0].SHA256)
	mustVisit(t, s, v)
	got, err := s.GetVisit(bg(), v.ID)
	require.NoError(t, err)
	for name, pair := range map[string][2]time.Time{
		"Start": {v.Start, got.Start}, "End": {v.End, got.End}, "PlannedStart": {v.PlannedStart, got.PlannedStart},
		"PlannedEnd": {v.PlannedEnd, got.PlannedEnd}, "DeviceTime": {v.DeviceTime, got.DeviceTime},
		"ReceivedAt": {v.ReceivedAt, got.ReceivedAt}, "Amendment.At": {v.Amendment.At, got.Amendment.At},
		"Evidence[0].CapturedAt": {v.Evidence[0].CapturedAt, got.Evidence[0].CapturedAt},
	} {
		assert.Equal(t, welfare.StoreTime(pair[0]), pair[1], name)
		assert.Equal(t, time.UTC, pair[1].Location(), name)
	}
	assert.Equal(t, EvidenceHash(1), got.Evidence[0].SHA256, "hashes are kept in lower case")
}

// visitSet stores visits of three children by three visitors, with equal start times
// in places, and one visit of OtherArea. It returns Area's visits as stored.
func visitSet(t *testing.T, s visit.Store) []*visit.Visit {
	t.Helper()
	children := []*welfare.Child{NewChild(1), NewChild(2), NewChild(3)}
	var out []*visit.Visit
	n := 0
	for ci, c := range children {
		for k := range 9 {
			n++
			v := NewVisit(n, c)
			v.Start = At(60 * ((k*7 + ci*3) % 5)) // repeats: equal starts for one child
			v.End = v.Start.Add(30 * time.Minute)
			v.VisitorID = StaffID(1 + (k+ci)%3)
			if k%4 == 0 {
				v.Outcome, v.FailReason = visit.OutcomeRefused, "测试：拒绝"
			}
			mustVisit(t, s, v)
			out = append(out, v)
		}
	}
	other := *NewChild(99)
	other.AreaCode = OtherArea
	ov := NewVisit(999, &other)
	mustVisit(t, s, ov)
	return out
}

func sortedVisits(vs []*visit.Visit, key func(*visit.Visit) visit.Cursor) []uuid.UUID {
	c := slices.Clone(vs)
	slices.SortFunc(c, func(a, b *visit.Visit) int { return key(a).Compare(key(b)) })
	out := make([]uuid.UUID, len(c))
	for i, v := range c {
		out[i] = v.ID
	}
	return out
}

func visitIDs(vs []*visit.Visit) []uuid.UUID {
	out := make([]uuid.UUID, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// pageAll reads scan in pages of size, resuming after the last cursor.
func pageAll(t *testing.T, scan func(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error], f visit.Filter, size int, key func(*visit.Visit) visit.Cursor) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	f.Limit = size
	for range 1000 {
		page, err := Collect(scan(bg(), f))
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), size)
		out = append(out, visitIDs(page)...)
		if len(page) < size {
			return out
		}
		f.After = key(page[len(page)-1])
	}
	t.Fatal("storetest: paging did not end")
	return nil
}

func testVisitOrderAndPaging(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	all := visitSet(t, s)
	byChild := func(v *visit.Visit) visit.Cursor { return v.ChildCursor() }
	byVisitor := func(v *visit.Visit) visit.Cursor { return v.VisitorCursor() }

	got, err := Collect(s.Visits(bg(), visit.Filter{Area: Area}))
	require.NoError(t, err)
	require.Equal(t, sortedVisits(all, byChild), visitIDs(got), "Visits: (ChildID, Start, ID) order")
	got, err = Collect(s.VisitsByVisitor(bg(), visit.Filter{Area: Area}))
	require.NoError(t, err)
	require.Equal(t, sortedVisits(all, byVisitor), visitIDs(got), "VisitsByVisitor: (VisitorID, Start, ID) order")

	for _, size := range []int{1, 4, 7, 27, 100} {
		require.Equal(t, sortedVisits(all, byChild), pageAll(t, s.Visits, visit.Filter{Area: Area}, size, byChild), "paging by %d", size)
		require.Equal(t, sortedVisits(all, byVisitor), pageAll(t, s.VisitsByVisitor, visit.Filter{Area: Area}, size, byVisitor), "paging by %d", size)
	}
	c := ChildID(2)
	var mine []*visit.Visit
	for _, v := range all {
		if v.ChildID == c {
			mine = append(mine, v)
		}
	}
	require.Equal(t, sortedVisits(mine, byChild), pageAll(t, s.Visits, visit.Filter{Area: Area, ChildID: c}, 2, byChild))

	n := 0
	for _, err := range s.Visits(bg(), visit.Filter{Area: Area}) {
		require.NoError(t, err)
		n++
		if n == 5 {
			break
		}
	}
	require.Equal(t, 5, n, "breaking out of a scan stops it")
	empty, err := Collect(s.Visits(bg(), visit.Filter{Area: "360199"}))
	require.NoError(t, err)
	require.Empty(t, empty)
}

func testVisitFilters(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	all := visitSet(t, s)
	byChild := func(v *visit.Visit) visit.Cursor { return v.ChildCursor() }
	byVisitor := func(v *visit.Visit) visit.Cursor { return v.VisitorCursor() }
	from, to := At(120), At(420)
	for _, f := range []visit.Filter{
		{Area: Area, ChildID: ChildID(1)},
		{Area: Area, VisitorID: StaffID(2)},
		{Area: Area, ChildID: ChildID(3), VisitorID: StaffID(1)},
		{Area: Area, Region: Township(2)},
		{Area: Area, Region: Village(1)},
		{Area: Area, From: from},
		{Area: Area, To: to},
		{Area: Area, From: from, To: to},
		{Area: Area, ChildID: ChildID(1), From: from, To: to},
		{Area: Area, VisitorID: StaffID(3), From: from, To: to},
		{Area: Area, ChildID: ChildID(404)},
	} {
		var want []*visit.Visit
		for _, v := range all {
			if f.Match(v) {
				want = append(want, v)
			}
		}
		got, err := Collect(s.Visits(bg(), f))
		require.NoError(t, err)
		require.Equal(t, sortedVisits(want, byChild), visitIDs(got), "Visits %+v", f)
		got, err = Collect(s.VisitsByVisitor(bg(), f))
		require.NoError(t, err)
		require.Equal(t, sortedVisits(want, byVisitor), visitIDs(got), "VisitsByVisitor %+v", f)
	}
	other, err := Collect(s.Visits(bg(), visit.Filter{Area: OtherArea}))
	require.NoError(t, err)
	require.Len(t, other, 1, "the other area's visit, and only it")
	require.Equal(t, VisitID(999), other[0].ID)
}

func testVisitAmendMoves(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	a, b := NewChild(1), NewChild(2)
	v := NewVisit(1, a)
	mustVisit(t, s, v, NewVisit(2, b))
	moved := v.Clone()
	moved.ChildID, moved.Township, moved.Village = b.ID, b.Residence.Township, b.Residence.Village
	moved.VisitorID, moved.Start = StaffID(5), At(10_000)
	moved.Evidence = nil
	moved.Amendment = &visit.Amendment{Reason: "wrong_child", Editor: StaffID(1).String(), At: At(10_100)}
	require.NoError(t, s.AmendVisit(bg(), moved))

	ofA, err := Collect(s.Visits(bg(), visit.Filter{Area: Area, ChildID: a.ID}))
	require.NoError(t, err)
	require.Empty(t, ofA, "the visit left child a")
	ofB, err := Collect(s.Visits(bg(), visit.Filter{Area: Area, ChildID: b.ID}))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{VisitID(2), VisitID(1)}, visitIDs(ofB), "ordered by the amended start")
	old, err := Collect(s.VisitsByVisitor(bg(), visit.Filter{Area: Area, VisitorID: StaffID(1)}))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{VisitID(2)}, visitIDs(old))
	uses, err := s.EvidenceUses(bg(), Area, EvidenceHash(1))
	require.NoError(t, err)
	require.Empty(t, uses, "evidence removed by an amendment is no longer in use")
}

func testVisitEvidenceUses(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	a, b := NewChild(1), NewChild(2)
	shared := EvidenceHash(77)
	v1, v2, v3 := NewVisit(1, a), NewVisit(2, b), NewVisit(3, b)
	v1.Evidence[0].SHA256 = shared
	v2.Evidence[0].SHA256 = strings.ToUpper(shared)
	v2.Evidence = append(v2.Evidence, visit.Evidence{Kind: visit.EvidenceSignature, SHA256: shared, Size: 10, CapturedAt: v2.Start})
	mustVisit(t, s, v1, v2, v3)
	other := *NewChild(9)
	other.AreaCode = OtherArea
	ov := NewVisit(9, &other)
	ov.Evidence[0].SHA256 = shared
	mustVisit(t, s, ov)

	uses, err := s.EvidenceUses(bg(), Area, strings.ToUpper(shared))
	require.NoError(t, err)
	require.Equal(t, []visit.EvidenceUse{
		{VisitID: v1.ID, Version: 1, ChildID: a.ID, VisitorID: StaffID(1), Start: v1.Start, Kind: visit.EvidencePhoto},
		{VisitID: v2.ID, Version: 1, ChildID: b.ID, VisitorID: StaffID(1), Start: v2.Start, Kind: visit.EvidencePhoto},
		{VisitID: v2.ID, Version: 1, ChildID: b.ID, VisitorID: StaffID(1), Start: v2.Start, Kind: visit.EvidenceSignature},
	}, uses)

	fix := v2.Clone()
	fix.Evidence = []visit.Evidence{{Kind: visit.EvidencePhoto, SHA256: EvidenceHash(78), Size: 5, CapturedAt: v2.Start}}
	require.NoError(t, s.AmendVisit(bg(), fix))
	uses, err = s.EvidenceUses(bg(), Area, shared)
	require.NoError(t, err)
	require.Len(t, uses, 1, "only latest versions are in use")
	require.Equal(t, v1.ID, uses[0].VisitID)
	uses, err = s.EvidenceUses(bg(), Area, EvidenceHash(78))
	require.NoError(t, err)
	require.Len(t, uses, 1)
	require.EqualValues(t, 2, uses[0].Version)
}

func testVisitAtomic(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	ctx := bg()
	c := NewChild(1)
	mustCreate(t, s, c)
	boom := errors.New("boom")
	// visitAndStatus writes a visit and its status write-back through tx.
	visitAndStatus := func(tx welfare.Store, i int) {
		vtx, ok := tx.(visit.Store)
		require.True(t, ok, "the transaction of a visit.Store implements visit.Store")
		require.NoError(t, vtx.CreateVisit(ctx, NewVisit(i, c)))
		got, err := vtx.GetVisit(ctx, VisitID(i))
		require.NoError(t, err, "reads inside a transaction see its writes")
		require.EqualValues(t, 1, got.Version)
		scanned, err := Collect(vtx.Visits(ctx, visit.Filter{Area: Area, ChildID: c.ID}))
		require.NoError(t, err)
		require.Contains(t, visitIDs(scanned), VisitID(i))
		ch, err := vtx.GetChild(ctx, c.ID)
		require.NoError(t, err)
		ch.Status.Apply(welfare.AspectHealth, welfare.Observation{Value: fmt.Sprintf("测试%d", i), Date: welfare.NewDate(2025, time.March, 1),
			Source: welfare.Source{Kind: "visit", Ref: VisitID(i).String()}})
		require.NoError(t, vtx.UpdateChild(ctx, ch))
	}

	err := s.Atomically(ctx, func(tx welfare.Store) error { visitAndStatus(tx, 1); return boom })
	require.ErrorIs(t, err, boom)
	_, err = s.GetVisit(ctx, VisitID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound, "a rolled-back visit is gone")
	requireStored(t, s, c)
	uses, err := s.EvidenceUses(ctx, Area, EvidenceHash(1))
	require.NoError(t, err)
	require.Empty(t, uses)
	scanned, err := Collect(s.Visits(ctx, visit.Filter{Area: Area}))
	require.NoError(t, err)
	require.Empty(t, scanned)

	func() {
		defer func() { _ = recover() }()
		_ = s.Atomically(ctx, func(tx welfare.Store) error { visitAndStatus(tx, 2); panic("boom") })
	}()
	_, err = s.GetVisit(ctx, VisitID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound, "a panicking transaction leaves no visit")
	requireStored(t, s, c)

	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		visitAndStatus(tx, 3)
		inner := tx.Atomically(ctx, func(tx welfare.Store) error {
			vtx := tx.(visit.Store)
			require.NoError(t, vtx.CreateVisit(ctx, NewVisit(4, c)))
			v3, err := vtx.GetVisit(ctx, VisitID(3))
			require.NoError(t, err)
			v3.Notes = "测试保存点"
			require.NoError(t, vtx.AmendVisit(ctx, v3))
			return boom
		})
		require.ErrorIs(t, inner, boom)
		return nil
	}))
	got, err := s.GetVisit(ctx, VisitID(3))
	require.NoError(t, err)
	require.EqualValues(t, 1, got.Version, "the savepoint's amendment is undone")
	hist, err := s.VisitHistory(ctx, VisitID(3))
	require.NoError(t, err)
	require.Len(t, hist, 1)
	_, err = s.GetVisit(ctx, VisitID(4))
	require.ErrorIs(t, err, welfare.ErrNotFound, "the savepoint's visit is undone")
	ch, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, 2, ch.Version, "the status write-back committed with the visit")
	require.Equal(t, "测试3", ch.Status[welfare.AspectHealth].Value)
}

func testVisitJournal(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	ctx := bg()
	j := journalOf(t, s)
	c := NewChild(1)
	v := FullVisit(1, c)
	n := size(t, j)
	require.NoError(t, s.CreateVisit(ctx, v))
	got, err := s.GetVisit(ctx, v.ID)
	require.NoError(t, err)
	l := lastLeaves(t, j, n)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], visit.EntityVisit, v.ID, 1, got)
	assert.Equal(t, v.UpdatedBy, l[0].Actor)

	a := got.Clone()
	a.Notes = "测试更正"
	a.UpdatedBy = StaffID(2).String()
	require.NoError(t, s.AmendVisit(ctx, a))
	again, err := s.GetVisit(ctx, v.ID)
	require.NoError(t, err)
	l = lastLeaves(t, j, n+1)
	require.Len(t, l, 1, "one leaf per amendment")
	expectLeaf(t, l[0], visit.EntityVisit, v.ID, 2, again)
	assert.Equal(t, StaffID(2).String(), l[0].Actor)

	m := size(t, j)
	require.ErrorIs(t, s.AmendVisit(ctx, got), welfare.ErrConflict) // stale
	require.ErrorIs(t, s.CreateVisit(ctx, FullVisit(1, c)), welfare.ErrConflict)
	require.ErrorIs(t, s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.(visit.Store).CreateVisit(ctx, NewVisit(2, c)))
		return errAbort
	}), errAbort)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.CreateVisit(cctx, NewVisit(3, c))
	assert.Equal(t, m, size(t, j), "failed, rolled-back and cancelled writes leave no leaf")
}

func testVisitCancelled(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	v := NewVisit(1, c)
	mustVisit(t, s, v)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	check := func(s visit.Store) {
		canceled := func(name string, err error) {
			t.Helper()
			require.ErrorIs(t, err, context.Canceled, "%s with a cancelled context", name)
		}
		canceled("CreateVisit", s.CreateVisit(ctx, NewVisit(2, c)))
		a := v.Clone()
		a.Notes = "测试取消"
		canceled("AmendVisit", s.AmendVisit(ctx, a))
		require.EqualValues(t, 1, a.Version)
		_, err := s.GetVisit(ctx, v.ID)
		canceled("GetVisit", err)
		_, err = s.VisitHistory(ctx, v.ID)
		canceled("VisitHistory", err)
		_, err = s.EvidenceUses(ctx, Area, EvidenceHash(1))
		canceled("EvidenceUses", err)
		requireCancelledScan(t, "Visits", s.Visits(ctx, visit.Filter{Area: Area}))
		requireCancelledScan(t, "VisitsByVisitor", s.VisitsByVisitor(ctx, visit.Filter{Area: Area}))
	}
	check(s)
	require.ErrorIs(t, s.Atomically(bg(), func(tx welfare.Store) error {
		check(tx.(visit.Store))
		return errAbort
	}), errAbort)
	requireVisit(t, s, v)
	_, err := s.GetVisit(bg(), VisitID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)

	// A scan cancelled part-way ends with the context's error.
	for i := 2; i <= 600; i++ {
		mustVisit(t, s, NewVisit(i, c))
	}
	cctx, stop := context.WithCancel(bg())
	defer stop()
	n := 0
	var last error
	for _, err := range s.Visits(cctx, visit.Filter{Area: Area}) {
		if err != nil {
			last = err
			continue
		}
		n++
		if n == 1 {
			stop()
		}
	}
	require.ErrorIs(t, last, context.Canceled)
	require.Less(t, n, 600)
}

// scribbleVisit changes every part of v reachable through slices and pointers.
func scribbleVisit(v *visit.Visit) {
	v.Notes = "测试涂改"
	if v.Location.Geo != nil {
		v.Location.Geo.Lat = -1
	}
	if len(v.Content.Ask.Needs) > 0 {
		v.Content.Ask.Needs[0] = "测试涂改"
	}
	if len(v.Content.Observe) > 0 {
		v.Content.Observe[0].Value = "测试涂改"
	}
	if len(v.Content.Talk) > 0 {
		v.Content.Talk[0] = visit.TopicPolicy
	}
	if len(v.Content.Services) > 0 {
		v.Content.Services[0] = "测试"
	}
	for i := range v.Evidence {
		v.Evidence[i].Size = -1
		if v.Evidence[i].PHash != nil {
			*v.Evidence[i].PHash = 0
		}
	}
	if v.Amendment != nil {
		v.Amendment.Note = "测试涂改"
	}
}

func testVisitCopies(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	v := FullVisit(1, NewChild(1))
	want := v.Clone()
	mustVisit(t, s, v)
	want.Version = 1
	scribbleVisit(v)
	requireVisit(t, s, want)
	got, err := s.GetVisit(bg(), want.ID)
	require.NoError(t, err)
	scribbleVisit(got)
	hist, err := s.VisitHistory(bg(), want.ID)
	require.NoError(t, err)
	scribbleVisit(hist[0])
	for v, err := range s.Visits(bg(), visit.Filter{Area: Area}) {
		require.NoError(t, err)
		scribbleVisit(v)
	}
	for v, err := range s.VisitsByVisitor(bg(), visit.Filter{Area: Area}) {
		require.NoError(t, err)
		scribbleVisit(v)
	}
	requireVisit(t, s, want)
	a := want.Clone()
	require.NoError(t, s.AmendVisit(bg(), a))
	want2 := a.Clone()
	scribbleVisit(a)
	requireVisit(t, s, want2)
}

func testVisitWriteInsideScan(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	c := NewChild(1)
	for i := 1; i <= 300; i++ {
		mustVisit(t, s, NewVisit(i, c))
	}
	n := 0
	for v, err := range s.Visits(bg(), visit.Filter{Area: Area}) {
		require.NoError(t, err)
		n++
		if n%50 == 0 {
			v.Notes = "测试循环内更正"
			require.NoError(t, s.AmendVisit(bg(), v), "a scan's loop body may write to the store")
		}
	}
	require.Equal(t, 300, n, "amendments keep a visit's place: each is seen once")
}

// testChildrenInRegion checks the optional visit.RegionIndexed capability against the
// Children scan it stands for, through moves, rollbacks and transactions.
func testChildrenInRegion(t *testing.T, ws welfare.Store) {
	ri, ok := ws.(visit.RegionIndexed)
	if !ok {
		t.Skipf("storetest: %T does not implement visit.RegionIndexed (optional)", ws)
	}
	ctx := bg()
	loadScanSet(t, ws)
	regions := []string{Townships[0], Townships[3], Village(1), Village(6), Townships[0] + "9", "360121999", Area}
	same := func(label string, ri visit.RegionIndexed, s welfare.Store) {
		t.Helper()
		for _, r := range regions {
			want, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, Region: r}))
			require.NoError(t, err)
			got, err := Collect(ri.ChildrenInRegion(ctx, Area, r))
			require.NoError(t, err)
			require.Equal(t, ids(want), ids(got), "%s: region %s", label, r)
		}
	}
	same("loaded", ri, ws)

	c, err := ws.GetChild(ctx, ChildID(1))
	require.NoError(t, err)
	c.Residence.Township, c.Residence.Village = Townships[3], Townships[3]+"205"
	require.NoError(t, ws.UpdateChild(ctx, c))
	require.NoError(t, ws.CreateChild(ctx, NewChild(50_000)))
	same("after a move and a new child", ri, ws)

	require.ErrorIs(t, ws.Atomically(ctx, func(tx welfare.Store) error {
		m, err := tx.GetChild(ctx, ChildID(2))
		require.NoError(t, err)
		m.Residence.Township, m.Residence.Village = Townships[0], Townships[0]+"209"
		require.NoError(t, tx.UpdateChild(ctx, m))
		if txi, ok := tx.(visit.RegionIndexed); ok {
			same("inside a transaction", txi, tx)
		}
		return errAbort
	}), errAbort)
	same("after a rollback", ri, ws)

	for _, err := range ri.ChildrenInRegion(ctx, "", Townships[0]) {
		require.ErrorIs(t, err, welfare.ErrInvalid)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	requireCancelledScan(t, "ChildrenInRegion", ri.ChildrenInRegion(cctx, Area, Townships[0]))
}

// requireRows asserts that VisitRows(f) yields VisitRowOf of what Visits(f) yields, in
// the same order.
func requireRows(t *testing.T, s visit.Store, f visit.Filter) []visit.VisitRow {
	t.Helper()
	vs, err := Collect(s.Visits(bg(), f))
	require.NoError(t, err)
	var want []visit.VisitRow
	for _, v := range vs {
		want = append(want, visit.VisitRowOf(v))
	}
	got, err := Collect(s.VisitRows(bg(), f))
	require.NoError(t, err)
	require.Equal(t, want, got, "VisitRows %+v: the projections of Visits, in its order", f)
	return got
}

// testVisitRowsProject: VisitRows is the projection of Visits under every filter, with
// every evidence kind, failed visits, a visit without an end, and other visitor roles.
func testVisitRowsProject(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	all := visitSet(t, s)
	full := FullVisit(500, NewChild(2))
	full.Evidence = append(full.Evidence, visit.Evidence{Kind: visit.EvidenceSignature, SHA256: EvidenceHash(3_000_000), Size: 8},
		visit.Evidence{Kind: visit.EvidenceAudio, Size: 16}) // no hash
	full.Mode, full.VisitorRole = visit.ModeVideo, welfare.RoleDirector
	bare := NewVisit(501, NewChild(3))
	bare.Evidence, bare.End, bare.Outcome = nil, time.Time{}, visit.OutcomeUnreachable
	mustVisit(t, s, full, bare)
	from, to := At(120), At(420)
	for _, f := range []visit.Filter{
		{Area: Area},
		{Area: Area, ChildID: ChildID(1)},
		{Area: Area, VisitorID: StaffID(2)},
		{Area: Area, ChildID: ChildID(3), VisitorID: StaffID(1)},
		{Area: Area, Region: Township(2)},
		{Area: Area, Region: Village(1)},
		{Area: Area, From: from, To: to},
		{Area: Area, ChildID: ChildID(1), From: from, To: to},
		{Area: Area, ChildID: ChildID(404)},
		{Area: OtherArea},
	} {
		requireRows(t, s, f)
	}
	rows := requireRows(t, s, visit.Filter{Area: Area})
	require.Len(t, rows, len(all)+2)
	for _, r := range rows {
		switch r.ID {
		case full.ID:
			require.True(t, r.Evidence.Has("photo", "video", "call_record", "signature", "audio"), "every kind: %v", r.Evidence)
			require.Equal(t, "photo,video,audio,call_record,signature", r.Evidence.String())
			require.Equal(t, welfare.RoleDirector, r.VisitorRole)
		case bare.ID:
			require.Zero(t, r.Evidence)
			require.False(t, r.Counts())
		}
	}
	for _, f := range []visit.Filter{{}, {Area: Area, Limit: -1}} {
		_, err := Collect(s.VisitRows(bg(), f))
		require.ErrorIs(t, err, welfare.ErrInvalid, "%+v", f)
	}
}

// testVisitRowsAmendPaging: VisitRows follows amendments (latest version only) and
// pages by ChildCursor like Visits.
func testVisitRowsAmendPaging(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	all := visitSet(t, s)
	v := all[4]
	v.Evidence = append(v.Evidence, visit.Evidence{Kind: visit.EvidenceSignature, SHA256: EvidenceHash(4_000_000), Size: 8})
	v.Mode, v.Outcome, v.End = visit.ModePhone, visit.OutcomeCompleted, v.Start.Add(5*time.Minute)
	v.Amendment = &visit.Amendment{Reason: "typo", Editor: StaffID(2).String(), At: v.Start.Add(time.Hour)}
	require.NoError(t, s.AmendVisit(bg(), v))
	rows := requireRows(t, s, visit.Filter{Area: Area})
	i := slices.IndexFunc(rows, func(r visit.VisitRow) bool { return r.ID == v.ID })
	require.GreaterOrEqual(t, i, 0)
	require.EqualValues(t, 2, rows[i].Version)
	require.Equal(t, visit.ModePhone, rows[i].Mode)
	require.True(t, rows[i].Evidence.Has("photo", "signature"))
	for _, size := range []int{1, 4, 7, 100} {
		f := visit.Filter{Area: Area, Limit: size}
		var got []visit.VisitRow
		for range 1000 {
			page, err := Collect(s.VisitRows(bg(), f))
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), size)
			got = append(got, page...)
			if len(page) < size {
				break
			}
			f.After = page[len(page)-1].ChildCursor()
		}
		require.Equal(t, rows, got, "paging by %d", size)
	}
	n := 0
	for _, err := range s.VisitRows(bg(), visit.Filter{Area: Area}) {
		require.NoError(t, err)
		if n++; n == 3 {
			break
		}
	}
	require.Equal(t, 3, n, "breaking out of a scan stops it")
}

// testChildRows: ChildRows is ChildRowOf of each of the area's children, in ID order,
// and follows updates (a lifecycle event added, a move).
func testChildRows(t *testing.T, ws welfare.Store) {
	s := visitStore(t, ws)
	full := FullChild(5)
	require.NotEmpty(t, full.Lifecycle)
	mustCreate(t, s, full, NewChild(1), NewChild(2), NewChild(3))
	other := NewChild(99)
	other.AreaCode = OtherArea
	mustCreate(t, s, other)
	check := func() []visit.ChildRow {
		t.Helper()
		cs, err := Collect(s.Children(bg(), welfare.ChildFilter{Area: Area}))
		require.NoError(t, err)
		var want []visit.ChildRow
		for _, c := range cs {
			want = append(want, visit.ChildRowOf(c))
		}
		got, err := Collect(s.ChildRows(bg(), Area))
		require.NoError(t, err)
		require.Equal(t, want, got, "ChildRows: the projections of Children, in ID order")
		return got
	}
	rows := check()
	require.Len(t, rows, 4)
	c, err := s.GetChild(bg(), full.ID)
	require.NoError(t, err)
	last := c.Lifecycle[len(c.Lifecycle)-1]
	c.Lifecycle = append(c.Lifecycle, welfare.LifecycleEvent{From: last.To, To: welfare.StateExited,
		On: last.On.AddDate(0, 2, 0), Reason: welfare.ExitAgedOut, Actor: StaffID(1).String(), Recorded: At(3600)})
	c.Residence.Village = Village(2)
	require.NoError(t, s.UpdateChild(bg(), c))
	rows = check()
	i := slices.IndexFunc(rows, func(r visit.ChildRow) bool { return r.ID == full.ID })
	require.Equal(t, welfare.StateExited, rows[i].Lifecycle[len(rows[i].Lifecycle)-1].To)
	require.Equal(t, Village(2), rows[i].Village)
	got, err := Collect(s.ChildRows(bg(), OtherArea))
	require.NoError(t, err)
	require.Len(t, got, 1)
	_, err = Collect(s.ChildRows(bg(), ""))
	require.ErrorIs(t, err, welfare.ErrInvalid)
}
