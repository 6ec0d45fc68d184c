package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// Screening conformance (screening.Store). Stores that do not implement the port yet
// skip these cases.

func init() {
	cases = append(cases, []testCase{
		{"Screening/SessionRoundTrip", testSessionRoundTrip},
		{"Screening/SessionErrors", testSessionErrors},
		{"Screening/SessionOrder", testSessionOrder},
		{"Screening/SessionCopies", testSessionCopies},
		{"Screening/SessionTx", testSessionTx},
		{"Screening/Requests", testRequests},
		{"Screening/Journal", testScreeningJournal},
		{"Screening/Cancelled", testScreeningCancelled},
	}...)
}

// SessionID returns the ID of synthetic screening session i.
func SessionID(i int) uuid.UUID { return nameID("session", i) }

// RequestID returns the ID of synthetic screening request i.
func RequestID(i int) uuid.UUID { return nameID("request", i) }

// NewSession returns synthetic session i of child on day on: a scored PHQ-A with every
// field set (answers, a refused item, scales, bands, a flag). Version is 0.
func NewSession(i int, child *welfare.Child, on welfare.Date) *screening.Session {
	return &screening.Session{
		ID: SessionID(i), AreaCode: child.AreaCode, ChildID: child.ID,
		Township: child.Residence.Township, Village: child.Residence.Village,
		Instrument: "phqa", InstrumentVersion: "1", Informant: screening.InformantSelf,
		AdministeredBy: StaffID(2), AdministeredRole: welfare.RoleCounsellor, Date: on,
		Answers: screening.Answers{1: 1, 2: 2, 3: 0, 4: 1, 5: 3, 6: 0, 7: 1, 8: 0, 9: 1, 12: 0},
		Refused: []int{13},
		Result: screening.Result{
			Instrument: "phqa", Version: "1", Informant: screening.InformantSelf,
			NormSet: "phq9-severity", NormVersion: "2001",
			Scales:   []screening.ScaleScore{{Scale: "total", Score: 9, Scored: true, Answered: 9, Items: 9, Band: "mild"}},
			Complete: true, Valid: true,
			Flags: []screening.Flag{{Rule: "phqa-item9", Category: "suicide_risk", Items: []int{9}, Level: "red"},
				{Rule: "phqa-suicide-attempt", Category: "suicide_risk", Items: []int{13}, Refused: true, Level: "red"}},
			Level: "red", LevelBecause: "flag/phqa-item9",
		},
		RecordedAt: At(i),
		RecordedBy: StaffID(2).String(),
	}
}

// NewRequest returns synthetic request i for child on day on. Version is 0.
func NewRequest(i int, child *welfare.Child, on welfare.Date) *screening.Request {
	return &screening.Request{ID: RequestID(i), AreaCode: child.AreaCode, ChildID: child.ID,
		Township: child.Residence.Township, Village: child.Residence.Village,
		From: screening.RequestSchool, Date: on, Note: "测试：班主任转介", RecordedAt: At(i), RecordedBy: StaffID(1).String()}
}

// NormalizeSession returns a copy of x with empty slices and maps set to nil.
func NormalizeSession(x *screening.Session) *screening.Session {
	if x == nil {
		return nil
	}
	d := x.Clone()
	if len(d.Answers) == 0 {
		d.Answers = nil
	}
	if len(d.Refused) == 0 {
		d.Refused = nil
	}
	if len(d.Result.Scales) == 0 {
		d.Result.Scales = nil
	}
	if len(d.Result.Invalid) == 0 {
		d.Result.Invalid = nil
	}
	if len(d.Result.Flags) == 0 {
		d.Result.Flags = nil
	}
	for i := range d.Result.Flags {
		if len(d.Result.Flags[i].Items) == 0 {
			d.Result.Flags[i].Items = nil
		}
	}
	return d
}

func screeningStore(t *testing.T, s welfare.Store) screening.Store {
	t.Helper()
	ss, ok := s.(screening.Store)
	if !ok {
		t.Skipf("storetest: %T does not implement screening.Store yet", s)
	}
	return ss
}

func requireSession(t *testing.T, s screening.Store, want *screening.Session) {
	t.Helper()
	got, err := s.GetSession(bg(), want.ID)
	require.NoError(t, err)
	require.Equal(t, NormalizeSession(want), NormalizeSession(got))
}

func collectSessions(t *testing.T, seq func(yield func(*screening.Session, error) bool)) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for x, err := range seq {
		require.NoError(t, err)
		ids = append(ids, x.ID)
	}
	return ids
}

func testSessionRoundTrip(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	c := NewChild(1)
	mustCreate(t, s, c)
	x := NewSession(1, c, welfare.NewDate(2025, time.March, 3))
	want := x.Clone()
	require.NoError(t, ss.CreateSession(bg(), x))
	assert.Equal(t, int64(1), x.Version)
	want.Version = 1
	requireSession(t, ss, want)

	// Times are kept as welfare.StoreTime normalises them.
	y := NewSession(2, c, welfare.NewDate(2025, time.March, 4))
	y.RecordedAt = time.Date(2025, 3, 4, 16, 5, 6, 123456789, welfare.Beijing())
	y.Answers, y.Refused, y.Result = nil, nil, screening.Result{}
	require.NoError(t, ss.CreateSession(bg(), y))
	got, err := ss.GetSession(bg(), y.ID)
	require.NoError(t, err)
	assert.Equal(t, welfare.StoreTime(y.RecordedAt), got.RecordedAt)
	assert.Equal(t, time.UTC, got.RecordedAt.Location())
	assert.Empty(t, got.Answers)
	assert.Empty(t, got.Result.Scales)
}

func testSessionErrors(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	ctx := bg()
	c := NewChild(1)
	mustCreate(t, s, c)
	_, err := ss.GetSession(ctx, SessionID(9))
	require.ErrorIs(t, err, welfare.ErrNotFound)

	x := NewSession(1, c, welfare.NewDate(2025, time.March, 3))
	require.NoError(t, ss.CreateSession(ctx, x))
	dup := NewSession(1, c, welfare.NewDate(2025, time.April, 3))
	require.ErrorIs(t, ss.CreateSession(ctx, dup), welfare.ErrConflict)
	assert.Zero(t, dup.Version, "a failed write leaves the caller's version")
	requireSession(t, ss, func() *screening.Session {
		w := NewSession(1, c, welfare.NewDate(2025, time.March, 3))
		w.Version = 1
		return w
	}())

	for _, f := range []func(x *screening.Session){
		func(x *screening.Session) { x.ID = uuid.Nil },
		func(x *screening.Session) { x.AreaCode = "" },
		func(x *screening.Session) { x.ChildID = uuid.Nil },
	} {
		bad := NewSession(2, c, welfare.NewDate(2025, time.March, 3))
		f(bad)
		require.ErrorIs(t, ss.CreateSession(ctx, bad), welfare.ErrInvalid)
	}
	require.ErrorIs(t, ss.CreateSession(ctx, nil), welfare.ErrInvalid)
	for _, err := range ss.Sessions(ctx, screening.SessionFilter{}) {
		require.ErrorIs(t, err, welfare.ErrInvalid, "Sessions needs an area")
	}
	for _, err := range ss.Requests(ctx, screening.RequestFilter{}) {
		require.ErrorIs(t, err, welfare.ErrInvalid, "Requests needs an area")
	}
}

func testSessionOrder(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	ctx := bg()
	var children []*welfare.Child
	for i := 1; i <= 4; i++ {
		c := NewChild(i)
		mustCreate(t, s, c)
		children = append(children, c)
	}
	other := NewChild(5)
	other.AreaCode = OtherArea
	mustCreate(t, s, other)

	d := func(day int) welfare.Date { return welfare.NewDate(2025, time.March, day) }
	// Inserted out of order: dates descending, two on one day recorded at different times.
	n := 0
	add := func(c *welfare.Child, day, minute int) *screening.Session {
		n++
		x := NewSession(n, c, d(day))
		x.RecordedAt = At(minute)
		require.NoError(t, ss.CreateSession(ctx, x))
		return x
	}
	var byChild = map[uuid.UUID][]uuid.UUID{}
	for _, c := range children {
		late := add(c, 20, 5)
		second := add(c, 10, 9)
		first := add(c, 10, 3)
		byChild[c.ID] = []uuid.UUID{first.ID, second.ID, late.ID}
	}
	add(other, 1, 1)

	for _, c := range children {
		assert.Equal(t, byChild[c.ID], collectSessions(t, ss.ChildSessions(ctx, c.ID)), "ChildSessions by date, then recording time")
	}
	assert.Empty(t, collectSessions(t, ss.ChildSessions(ctx, ChildID(99))))

	sorted := slices.Clone(children)
	slices.SortFunc(sorted, func(a, b *welfare.Child) int { return cmpUUID(a.ID, b.ID) })
	var want []uuid.UUID
	for _, c := range sorted {
		want = append(want, byChild[c.ID]...)
	}
	assert.Equal(t, want, collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: Area})), "Sessions by child ID, then as ChildSessions")

	// Region filters by the session's township or village; early break stops the scan.
	region := children[0].Residence.Township
	var inRegion []uuid.UUID
	for _, c := range sorted {
		if c.Residence.Township == region {
			inRegion = append(inRegion, byChild[c.ID]...)
		}
	}
	assert.Equal(t, inRegion, collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: Area, Region: region})))
	village := children[1].Residence.Village
	assert.Equal(t, byChild[children[1].ID], collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: Area, Region: village})))
	k := 0
	for _, err := range ss.Sessions(ctx, screening.SessionFilter{Area: Area}) {
		require.NoError(t, err)
		k++
		if k == 2 {
			break
		}
	}
	assert.Equal(t, 2, k)
	assert.Len(t, collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: OtherArea})), 1)
	assert.Empty(t, collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: "360199"})))
}

func scribbleSession(x *screening.Session) {
	x.Answers[1] = 3
	x.Answers[77] = 1
	x.Refused = append(x.Refused[:0], 5)
	x.Result.Scales[0].Score = 99
	x.Result.Flags[0].Items[0] = 1
	x.Result.Level = "green"
}

func testSessionCopies(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	c := NewChild(1)
	mustCreate(t, s, c)
	x := NewSession(1, c, welfare.NewDate(2025, time.March, 3))
	want := x.Clone()
	want.Version = 1
	require.NoError(t, ss.CreateSession(bg(), x))
	scribbleSession(x)
	requireSession(t, ss, want)
	got, err := ss.GetSession(bg(), want.ID)
	require.NoError(t, err)
	scribbleSession(got)
	requireSession(t, ss, want)
	for y, err := range ss.ChildSessions(bg(), c.ID) {
		require.NoError(t, err)
		scribbleSession(y)
	}
	for y, err := range ss.Sessions(bg(), screening.SessionFilter{Area: Area}) {
		require.NoError(t, err)
		scribbleSession(y)
	}
	requireSession(t, ss, want)
}

func testSessionTx(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	ctx := bg()
	c := NewChild(1)
	mustCreate(t, s, c)
	// Rolled back: neither the session, the request nor the child's update stays.
	err := s.Atomically(ctx, func(tx welfare.Store) error {
		stx, ok := tx.(screening.Store)
		require.True(t, ok, "the transaction's Store implements screening.Store")
		require.NoError(t, stx.CreateSession(ctx, NewSession(1, c, welfare.NewDate(2025, time.March, 3))))
		require.NoError(t, stx.CreateRequest(ctx, NewRequest(1, c, welfare.NewDate(2025, time.March, 1))))
		got, err := stx.GetSession(ctx, SessionID(1))
		require.NoError(t, err, "reads through tx see tx's writes")
		assert.Equal(t, int64(1), got.Version)
		assert.Len(t, collectSessions(t, stx.ChildSessions(ctx, c.ID)), 1)
		u, err := stx.GetChild(ctx, c.ID)
		require.NoError(t, err)
		u.Status = welfare.StatusSnapshot{welfare.AspectMental: {Value: "测试", Date: welfare.NewDate(2025, time.March, 3), Source: welfare.Source{Kind: "screening"}}}
		require.NoError(t, stx.UpdateChild(ctx, u))
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	_, err = ss.GetSession(ctx, SessionID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	assert.Empty(t, collectSessions(t, ss.ChildSessions(ctx, c.ID)))
	assert.Empty(t, collectSessions(t, ss.Sessions(ctx, screening.SessionFilter{Area: Area})))
	for _, err := range ss.Requests(ctx, screening.RequestFilter{Area: Area}) {
		t.Fatalf("a rolled-back request is visible (err %v)", err)
	}
	got, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)

	// Committed; the same ID again is a conflict afterwards.
	err = s.Atomically(ctx, func(tx welfare.Store) error {
		return tx.(screening.Store).CreateSession(ctx, NewSession(1, c, welfare.NewDate(2025, time.March, 3)))
	})
	require.NoError(t, err)
	assert.Len(t, collectSessions(t, ss.ChildSessions(ctx, c.ID)), 1)
	require.ErrorIs(t, ss.CreateSession(ctx, NewSession(1, c, welfare.NewDate(2025, time.March, 3))), welfare.ErrConflict)

	// A nested failure undoes only its own writes.
	err = s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.(screening.Store).CreateSession(ctx, NewSession(2, c, welfare.NewDate(2025, time.March, 4))))
		require.ErrorIs(t, tx.Atomically(ctx, func(inner welfare.Store) error {
			require.NoError(t, inner.(screening.Store).CreateSession(ctx, NewSession(3, c, welfare.NewDate(2025, time.March, 5))))
			return errAbort
		}), errAbort)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{SessionID(1), SessionID(2)}, collectSessions(t, ss.ChildSessions(ctx, c.ID)))
}

func testRequests(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	ctx := bg()
	a, b := NewChild(1), NewChild(2)
	mustCreate(t, s, a, b)
	if cmpUUID(a.ID, b.ID) > 0 {
		a, b = b, a
	}
	r1 := NewRequest(1, b, welfare.NewDate(2025, time.May, 1))
	r2 := NewRequest(2, a, welfare.NewDate(2025, time.June, 1))
	r3 := NewRequest(3, a, welfare.NewDate(2025, time.April, 1))
	for _, r := range []*screening.Request{r1, r2, r3} {
		require.NoError(t, ss.CreateRequest(ctx, r))
		assert.Equal(t, int64(1), r.Version)
	}
	dup := NewRequest(1, a, welfare.NewDate(2025, time.May, 1))
	require.ErrorIs(t, ss.CreateRequest(ctx, dup), welfare.ErrConflict)
	bad := NewRequest(4, a, welfare.NewDate(2025, time.May, 1))
	bad.ChildID = uuid.Nil
	require.ErrorIs(t, ss.CreateRequest(ctx, bad), welfare.ErrInvalid)

	collect := func(f screening.RequestFilter) []*screening.Request {
		var out []*screening.Request
		for r, err := range ss.Requests(ctx, f) {
			require.NoError(t, err)
			out = append(out, r)
		}
		return out
	}
	got := collect(screening.RequestFilter{Area: Area})
	require.Len(t, got, 3)
	assert.Equal(t, []uuid.UUID{r3.ID, r2.ID, r1.ID}, []uuid.UUID{got[0].ID, got[1].ID, got[2].ID}, "by child ID, then date")
	assert.Equal(t, r3, got[0])
	got = collect(screening.RequestFilter{Area: Area, ChildID: b.ID})
	require.Len(t, got, 1)
	assert.Equal(t, r1, got[0])
	got[0].Note = "测试涂改"
	assert.Equal(t, "测试：班主任转介", collect(screening.RequestFilter{Area: Area, ChildID: b.ID})[0].Note)
	assert.Empty(t, collect(screening.RequestFilter{Area: OtherArea}))
	assert.Empty(t, collect(screening.RequestFilter{Area: Area, ChildID: ChildID(99)}))
}

func testScreeningJournal(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	ctx := bg()
	j := journalOf(t, s)
	c := NewChild(1)
	mustCreate(t, s, c)
	from := size(t, j)
	require.NoError(t, ss.CreateSession(ctx, NewSession(1, c, welfare.NewDate(2025, time.March, 3))))
	got, err := ss.GetSession(ctx, SessionID(1))
	require.NoError(t, err)
	l := lastLeaves(t, j, from)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], screening.EntitySession, SessionID(1), 1, got)
	assert.Equal(t, got.RecordedBy, l[0].Actor)

	r := NewRequest(1, c, welfare.NewDate(2025, time.March, 1))
	require.NoError(t, ss.CreateRequest(ctx, r))
	var stored *screening.Request
	for x, err := range ss.Requests(ctx, screening.RequestFilter{Area: Area, ChildID: c.ID}) {
		require.NoError(t, err)
		stored = x
	}
	l = lastLeaves(t, j, from+1)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], screening.EntityRequest, r.ID, 1, stored)

	// Failed and rolled-back writes append nothing.
	n := size(t, j)
	require.ErrorIs(t, ss.CreateSession(ctx, NewSession(1, c, welfare.NewDate(2025, time.March, 3))), welfare.ErrConflict)
	require.ErrorIs(t, s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.(screening.Store).CreateSession(ctx, NewSession(2, c, welfare.NewDate(2025, time.March, 3))))
		return errAbort
	}), errAbort)
	assert.Equal(t, n, size(t, j))
}

func testScreeningCancelled(t *testing.T, s welfare.Store) {
	ss := screeningStore(t, s)
	c := NewChild(1)
	mustCreate(t, s, c)
	require.NoError(t, ss.CreateSession(bg(), NewSession(1, c, welfare.NewDate(2025, time.March, 3))))
	ctx, cancel := context.WithCancel(bg())
	cancel()
	check := func(ss screening.Store) {
		require.ErrorIs(t, ss.CreateSession(ctx, NewSession(2, c, welfare.NewDate(2025, time.March, 3))), context.Canceled)
		_, err := ss.GetSession(ctx, SessionID(1))
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, ss.CreateRequest(ctx, NewRequest(1, c, welfare.NewDate(2025, time.March, 3))), context.Canceled)
		requireCancelledScan(t, "ChildSessions", ss.ChildSessions(ctx, c.ID))
		requireCancelledScan(t, "Sessions", ss.Sessions(ctx, screening.SessionFilter{Area: Area}))
		requireCancelledScan(t, "Requests", ss.Requests(ctx, screening.RequestFilter{Area: Area}))
	}
	check(ss)
	require.ErrorIs(t, s.Atomically(bg(), func(tx welfare.Store) error {
		check(tx.(screening.Store))
		return errAbort
	}), errAbort)
	assert.Len(t, collectSessions(t, ss.ChildSessions(bg(), c.ID)), 1)
}
