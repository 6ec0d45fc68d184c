package storetest

import (
	"context"
	"iter"
	"testing"

	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

// requireCancelledScan asserts that seq yields exactly one error, wrapping
// context.Canceled, and no values.
func requireCancelledScan[T any](t *testing.T, name string, seq iter.Seq2[T, error]) {
	t.Helper()
	n := 0
	for _, err := range seq {
		n++
		require.ErrorIs(t, err, context.Canceled, "%s: a scan with a cancelled context yields its error", name)
	}
	require.Equal(t, 1, n, "%s: a scan with a cancelled context yields the error once and stops", name)
}

// cancelledCalls calls every method of s with the cancelled ctx.
func cancelledCalls(t *testing.T, s welfare.Store, ctx context.Context, c *welfare.Child, e *welfare.KeyEntry, m *welfare.Staff) {
	t.Helper()
	canceled := func(name string, err error) {
		t.Helper()
		require.ErrorIs(t, err, context.Canceled, "%s with a cancelled context", name)
	}
	canceled("CreateChild", s.CreateChild(ctx, NewChild(2)))
	canceled("CreateChildren", s.CreateChildren(ctx, []*welfare.Child{NewChild(3), NewChild(4)}))
	_, err := s.GetChild(ctx, c.ID)
	canceled("GetChild", err)
	u := c.Clone()
	u.Name = "测试取消"
	canceled("UpdateChild", s.UpdateChild(ctx, u))
	require.Equal(t, c.Version, u.Version)
	_, err = s.ChildByIDNumber(ctx, Area, c.IDNumber)
	canceled("ChildByIDNumber", err)
	_, err = s.ChildrenByNameBirth(ctx, Area, c.Name, c.BirthDate)
	canceled("ChildrenByNameBirth", err)
	canceled("CreateKeyEntry", s.CreateKeyEntry(ctx, NewKeyEntry(2, c)))
	_, err = s.GetKeyEntry(ctx, e.ID)
	canceled("GetKeyEntry", err)
	ue := e.Clone()
	ue.Tier = "red"
	canceled("UpdateKeyEntry", s.UpdateKeyEntry(ctx, ue))
	canceled("CreateStaff", s.CreateStaff(ctx, NewStaff(2, Area)))
	_, err = s.GetStaff(ctx, m.ID)
	canceled("GetStaff", err)
	um := m.Clone()
	um.Active = false
	canceled("UpdateStaff", s.UpdateStaff(ctx, um))
	canceled("RecordAccess", s.RecordAccess(ctx, NewAccessRecord(1, c.ID, At(1))))
	called := false
	canceled("Atomically", s.Atomically(ctx, func(welfare.Store) error { called = true; return nil }))
	require.False(t, called, "Atomically with a cancelled context does not run fn")

	requireCancelledScan(t, "Children", s.Children(ctx, welfare.ChildFilter{Area: Area}))
	requireCancelledScan(t, "CensusRows", s.CensusRows(ctx, Area))
	requireCancelledScan(t, "KeyEntries", s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: Area}))
	requireCancelledScan(t, "StaffMembers", s.StaffMembers(ctx, Area))
	requireCancelledScan(t, "AccessRecords", s.AccessRecords(ctx, c.ID))
}

func testCancelledEveryMethod(t *testing.T, s welfare.Store) {
	c := NewChild(1)
	mustCreate(t, s, c)
	e := NewKeyEntry(1, c)
	require.NoError(t, s.CreateKeyEntry(bg(), e))
	m := NewStaff(1, Area)
	require.NoError(t, s.CreateStaff(bg(), m))
	ctx, cancel := context.WithCancel(bg())
	cancel()

	cancelledCalls(t, s, ctx, c, e, m)
	err := s.Atomically(bg(), func(tx welfare.Store) error {
		cancelledCalls(t, tx, ctx, c, e, m)
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)

	// Nothing was written.
	requireStored(t, s, c)
	for _, i := range []int{2, 3, 4} {
		_, err := s.GetChild(bg(), ChildID(i))
		require.ErrorIs(t, err, welfare.ErrNotFound)
	}
	got, err := s.GetKeyEntry(bg(), e.ID)
	require.NoError(t, err)
	require.Equal(t, NormalizeKeyEntry(e), NormalizeKeyEntry(got))
	_, err = s.GetKeyEntry(bg(), EntryID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	gotStaff, err := s.GetStaff(bg(), m.ID)
	require.NoError(t, err)
	require.Equal(t, m, gotStaff)
	_, err = s.GetStaff(bg(), StaffID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	recs, err := Collect(s.AccessRecords(bg(), c.ID))
	require.NoError(t, err)
	require.Empty(t, recs)
}

func testCancelledDuringScan(t *testing.T, s welfare.Store) {
	loadScanSet(t, s)
	for _, scan := range []struct {
		name string
		run  func(ctx context.Context) iter.Seq2[any, error]
	}{
		{"Children", func(ctx context.Context) iter.Seq2[any, error] {
			return anySeq(s.Children(ctx, welfare.ChildFilter{Area: Area}))
		}},
		{"CensusRows", func(ctx context.Context) iter.Seq2[any, error] { return anySeq(s.CensusRows(ctx, Area)) }},
	} {
		ctx, cancel := context.WithCancel(bg())
		n := 0
		var last error
		for _, err := range scan.run(ctx) {
			if err != nil {
				last = err
				continue
			}
			require.NoError(t, last, "%s: nothing after the error", scan.name)
			n++
			if n == 1 {
				cancel()
			}
		}
		cancel()
		require.ErrorIs(t, last, context.Canceled, "%s: a scan cancelled part-way ends with the context's error", scan.name)
		require.Less(t, n, ScanSize, "%s: a cancelled scan stops early", scan.name)
	}
}

func anySeq[T any](seq iter.Seq2[T, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range seq {
			if !yield(v, err) {
				return
			}
		}
	}
}
