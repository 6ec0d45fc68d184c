package storetest

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func testKeyEntryCRUD(t *testing.T, s welfare.Store) {
	ctx := bg()
	child := NewChild(1)
	mustCreate(t, s, child)

	e := Close(NewKeyEntry(1, child), welfare.NewDate(2025, time.May, 1))
	e.Reviews = append(e.Reviews, welfare.NewDate(2025, time.April, 15))
	want := e.Clone()
	require.NoError(t, s.CreateKeyEntry(ctx, e))
	require.EqualValues(t, 1, e.Version)
	want.Version = 1
	got, err := s.GetKeyEntry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "a fully populated entry round-trips exactly")

	again := NewKeyEntry(1, child)
	require.ErrorIs(t, s.CreateKeyEntry(ctx, again), welfare.ErrConflict, "an existing ID")
	require.EqualValues(t, 0, again.Version)
	noChild := NewKeyEntry(2, child)
	noChild.ChildID = uuid.Nil
	require.ErrorIs(t, s.CreateKeyEntry(ctx, noChild), welfare.ErrInvalid)
	noID := NewKeyEntry(3, child)
	noID.ID = uuid.Nil
	require.ErrorIs(t, s.CreateKeyEntry(ctx, noID), welfare.ErrInvalid)

	got.Closed, got.CloseNote = nil, ""
	got.Reviews = append(got.Reviews, welfare.NewDate(2025, time.June, 1))
	got.Tier = "red"
	got.UpdatedAt = At(1000)
	want = got.Clone()
	require.NoError(t, s.UpdateKeyEntry(ctx, got))
	require.EqualValues(t, 2, got.Version)
	want.Version = 2
	stored, err := s.GetKeyEntry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, want, stored)
}

func testKeyEntryFilters(t *testing.T, s welfare.Store) {
	ctx := bg()
	a, b, c := NewChild(1), NewChild(2), NewChild(3)
	d := NewChild(4)
	d.AreaCode = OtherArea
	mustCreate(t, s, a, b, c, d)

	var all []*welfare.KeyEntry
	n := 0
	add := func(child *welfare.Child, count int) {
		for range count {
			n++
			e := NewKeyEntry(n, child)
			if n%3 == 0 {
				Close(e, welfare.NewDate(2025, time.May, 1))
			}
			require.NoError(t, s.CreateKeyEntry(ctx, e))
			if child.AreaCode == Area {
				all = append(all, e)
			}
		}
	}
	add(a, 300) // more than one chunk for one child
	add(b, 5)
	add(c, 7)
	add(d, 4)

	order := func(es []*welfare.KeyEntry) []*welfare.KeyEntry {
		out := slices.Clone(es)
		slices.SortFunc(out, func(x, y *welfare.KeyEntry) int {
			if c := cmpUUID(x.ChildID, y.ChildID); c != 0 {
				return c
			}
			return cmpUUID(x.ID, y.ID)
		})
		return out
	}
	where := func(keep func(e *welfare.KeyEntry) bool) []string {
		var out []*welfare.KeyEntry
		for _, e := range all {
			if keep(e) {
				out = append(out, e)
			}
		}
		return nilIfEmpty(entryIDs(order(out)))
	}
	check := func(f welfare.KeyEntryFilter, keep func(e *welfare.KeyEntry) bool) {
		t.Helper()
		got, err := Collect(s.KeyEntries(ctx, f))
		require.NoError(t, err)
		require.Equal(t, where(keep), nilIfEmpty(entryIDs(got)), "filter %+v: ordered by child ID, then entry ID", f)
	}

	everything, err := Collect(s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: Area}))
	require.NoError(t, err)
	byID := map[uuid.UUID]*welfare.KeyEntry{}
	for _, e := range all {
		byID[e.ID] = e
	}
	for _, e := range everything {
		require.Equal(t, NormalizeKeyEntry(byID[e.ID]), NormalizeKeyEntry(e))
	}

	check(welfare.KeyEntryFilter{Area: Area}, func(*welfare.KeyEntry) bool { return true })
	check(welfare.KeyEntryFilter{Area: Area, OpenOnly: true}, func(e *welfare.KeyEntry) bool { return e.Closed == nil })
	for _, ch := range []*welfare.Child{a, b, c} {
		check(welfare.KeyEntryFilter{Area: Area, ChildID: ch.ID}, func(e *welfare.KeyEntry) bool { return e.ChildID == ch.ID })
		check(welfare.KeyEntryFilter{Area: Area, ChildID: ch.ID, OpenOnly: true},
			func(e *welfare.KeyEntry) bool { return e.ChildID == ch.ID && e.Closed == nil })
	}
	check(welfare.KeyEntryFilter{Area: Area, ChildID: d.ID}, func(*welfare.KeyEntry) bool { return false })
	check(welfare.KeyEntryFilter{Area: Area, ChildID: ChildID(99)}, func(*welfare.KeyEntry) bool { return false })
	other, err := Collect(s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: OtherArea}))
	require.NoError(t, err)
	require.Len(t, other, 4)

	// Filters follow updates: close an open entry of b, move one of c's entries to b.
	var bOpen, cAny *welfare.KeyEntry
	for _, e := range all {
		if e.ChildID == b.ID && e.Closed == nil && bOpen == nil {
			bOpen = e
		}
		if e.ChildID == c.ID && cAny == nil {
			cAny = e
		}
	}
	Close(bOpen, welfare.NewDate(2025, time.June, 1))
	require.NoError(t, s.UpdateKeyEntry(ctx, bOpen))
	cAny.ChildID = b.ID
	require.NoError(t, s.UpdateKeyEntry(ctx, cAny))
	for _, ch := range []*welfare.Child{b, c} {
		check(welfare.KeyEntryFilter{Area: Area, ChildID: ch.ID}, func(e *welfare.KeyEntry) bool { return e.ChildID == ch.ID })
		check(welfare.KeyEntryFilter{Area: Area, ChildID: ch.ID, OpenOnly: true},
			func(e *welfare.KeyEntry) bool { return e.ChildID == ch.ID && e.Closed == nil })
	}
	check(welfare.KeyEntryFilter{Area: Area}, func(*welfare.KeyEntry) bool { return true })
}

func testStaffCRUD(t *testing.T, s welfare.Store) {
	ctx := bg()
	m := NewStaff(1, Area)
	m.Role, m.Scope = welfare.RoleDirector, Village(1)
	want := m.Clone()
	require.NoError(t, s.CreateStaff(ctx, m))
	require.EqualValues(t, 1, m.Version)
	want.Version = 1
	got, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)

	again := NewStaff(1, Area)
	require.ErrorIs(t, s.CreateStaff(ctx, again), welfare.ErrConflict, "an existing ID")
	noArea := NewStaff(2, "")
	require.ErrorIs(t, s.CreateStaff(ctx, noArea), welfare.ErrInvalid)

	got.Active = false
	got.Phone = ""
	got.UpdatedAt = At(99)
	want = got.Clone()
	require.NoError(t, s.UpdateStaff(ctx, got))
	require.EqualValues(t, 2, got.Version)
	want.Version = 2
	stored, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, want, stored)
}

func testStaffMembers(t *testing.T, s welfare.Store) {
	ctx := bg()
	var want []*welfare.Staff
	perm := rand.New(rand.NewPCG(3, 4)).Perm(300)
	for _, i := range perm {
		m := NewStaff(i+1, Area)
		require.NoError(t, s.CreateStaff(ctx, m))
		want = append(want, m)
	}
	for i := range 5 {
		require.NoError(t, s.CreateStaff(ctx, NewStaff(1000+i, OtherArea)))
	}
	slices.SortFunc(want, func(a, b *welfare.Staff) int { return cmpUUID(a.ID, b.ID) })
	got, err := Collect(s.StaffMembers(ctx, Area))
	require.NoError(t, err)
	require.Equal(t, want, got, "the area's staff in ID order")

	want[10].Active = false
	require.NoError(t, s.UpdateStaff(ctx, want[10]))
	got, err = Collect(s.StaffMembers(ctx, Area))
	require.NoError(t, err)
	require.Equal(t, want, got)
	other, err := Collect(s.StaffMembers(ctx, OtherArea))
	require.NoError(t, err)
	require.Len(t, other, 5)
}

func testAccessOrder(t *testing.T, s welfare.Store) {
	ctx := bg()
	x, y := ChildID(1), ChildID(2)
	var want []welfare.AccessRecord
	perm := rand.New(rand.NewPCG(5, 6)).Perm(300)
	for k, minute := range perm {
		r := NewAccessRecord(k, x, At(minute))
		if k%4 == 0 {
			r.Purpose, r.Action = "测试：个案评估", string(welfare.PermReadLedger)
		}
		require.NoError(t, s.RecordAccess(ctx, r))
		want = append(want, r)
		if k%100 == 0 {
			require.NoError(t, s.RecordAccess(ctx, NewAccessRecord(1000+k, y, At(minute))))
		}
	}
	slices.SortFunc(want, func(a, b welfare.AccessRecord) int { return a.At.Compare(b.At) })
	got, err := Collect(s.AccessRecords(ctx, x))
	require.NoError(t, err)
	require.Equal(t, want, got, "one child's records, in time order")
	ys, err := Collect(s.AccessRecords(ctx, y))
	require.NoError(t, err)
	require.Len(t, ys, 3)
	for i := 1; i < len(ys); i++ {
		require.False(t, ys[i].At.Before(ys[i-1].At))
	}

	// Records of the same instant come in the order they were recorded.
	z := ChildID(3)
	var ties []welfare.AccessRecord
	for k := range 5 {
		r := NewAccessRecord(2000+k, z, At(7))
		require.NoError(t, s.RecordAccess(ctx, r))
		ties = append(ties, r)
	}
	gotTies, err := Collect(s.AccessRecords(ctx, z))
	require.NoError(t, err)
	require.Equal(t, ties, gotTies)
}
