package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

var errAbort = errors.New("storetest: abort the transaction")

// txFixture is a store with some committed records that transactions then change.
type txFixture struct {
	old    *welfare.Child // committed, updated inside the transaction
	entry  *welfare.KeyEntry
	staff  *welfare.Staff
	number welfare.IDNumber // old's number before the transaction
}

func newTxFixture(t *testing.T, s welfare.Store) *txFixture {
	t.Helper()
	f := &txFixture{old: NewChild(1)}
	mustCreate(t, s, f.old, NewChild(2), NewChild(3))
	f.number = f.old.IDNumber
	f.entry = NewKeyEntry(1, f.old)
	require.NoError(t, s.CreateKeyEntry(bg(), f.entry))
	f.staff = NewStaff(1, Area)
	require.NoError(t, s.CreateStaff(bg(), f.staff))
	return f
}

// writeAll makes one write of every kind through tx and checks that tx reads them back.
// The new child is NewChild(100), with NewKeyEntry(100, …), NewStaff(100, Area) and one
// access record; old gets a new name and identity number (IDNumber(101)).
func (f *txFixture) writeAll(t *testing.T, tx welfare.Store) {
	ctx := bg()
	fresh := NewChild(101)
	fresh.ID = ChildID(100)
	require.NoError(t, tx.CreateChild(ctx, fresh))
	got, err := tx.GetChild(ctx, fresh.ID)
	require.NoError(t, err, "reads inside a transaction see its writes")
	require.Equal(t, fresh.Name, got.Name)
	byNumber, err := tx.ChildByIDNumber(ctx, Area, fresh.IDNumber)
	require.NoError(t, err)
	require.Equal(t, fresh.ID, byNumber.ID)
	byName, err := tx.ChildrenByNameBirth(ctx, Area, fresh.Name, fresh.BirthDate)
	require.NoError(t, err)
	require.Len(t, byName, 1)

	upd, err := tx.GetChild(ctx, f.old.ID)
	require.NoError(t, err)
	upd.Name = "测试事务改名"
	upd.IDNumber = IDNumber(102)
	require.NoError(t, tx.UpdateChild(ctx, upd))
	got, err = tx.GetChild(ctx, f.old.ID)
	require.NoError(t, err)
	require.Equal(t, "测试事务改名", got.Name)
	require.EqualValues(t, 2, got.Version)
	_, err = tx.ChildByIDNumber(ctx, Area, f.number)
	require.ErrorIs(t, err, welfare.ErrNotFound, "the index follows the update inside the transaction")

	more := []*welfare.Child{NewChild(103), NewChild(104)}
	require.NoError(t, tx.CreateChildren(ctx, more))

	scanned, err := Collect(tx.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, scanned, 6, "scans inside a transaction see its writes")
	rows, err := Collect(tx.CensusRows(ctx, Area))
	require.NoError(t, err)
	require.Len(t, rows, 6)

	e := NewKeyEntry(100, fresh)
	require.NoError(t, tx.CreateKeyEntry(ctx, e))
	oldEntry, err := tx.GetKeyEntry(ctx, f.entry.ID)
	require.NoError(t, err)
	Close(oldEntry, welfare.NewDate(2025, time.April, 1))
	require.NoError(t, tx.UpdateKeyEntry(ctx, oldEntry))
	open, err := Collect(tx.KeyEntries(ctx, welfare.KeyEntryFilter{Area: Area, OpenOnly: true}))
	require.NoError(t, err)
	require.Equal(t, []string{e.ID.String()}, entryIDs(open))

	m := NewStaff(100, Area)
	require.NoError(t, tx.CreateStaff(ctx, m))
	oldStaff, err := tx.GetStaff(ctx, f.staff.ID)
	require.NoError(t, err)
	oldStaff.Active = false
	require.NoError(t, tx.UpdateStaff(ctx, oldStaff))
	staff, err := Collect(tx.StaffMembers(ctx, Area))
	require.NoError(t, err)
	require.Len(t, staff, 2)

	require.NoError(t, tx.RecordAccess(ctx, NewAccessRecord(1, fresh.ID, At(5))))
	recs, err := Collect(tx.AccessRecords(ctx, fresh.ID))
	require.NoError(t, err)
	require.Len(t, recs, 1)
}

// requireUntouched asserts that none of writeAll's writes is visible.
func (f *txFixture) requireUntouched(t *testing.T, s welfare.Store) {
	t.Helper()
	ctx := bg()
	for _, i := range []int{100, 103, 104} {
		_, err := s.GetChild(ctx, ChildID(i))
		require.ErrorIs(t, err, welfare.ErrNotFound, "a rolled-back create leaves nothing")
	}
	_, err := s.ChildByIDNumber(ctx, Area, IDNumber(101))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = s.ChildByIDNumber(ctx, Area, IDNumber(102))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	byName, err := s.ChildrenByNameBirth(ctx, Area, NewChild(101).Name, BirthDate(101))
	require.NoError(t, err)
	require.Empty(t, byName)
	requireStored(t, s, f.old)
	byNumber, err := s.ChildByIDNumber(ctx, Area, f.number)
	require.NoError(t, err, "a rolled-back update restores the old number")
	require.Equal(t, f.old.ID, byNumber.ID)

	scanned, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, scanned, 3)
	rows, err := Collect(s.CensusRows(ctx, Area))
	require.NoError(t, err)
	require.Len(t, rows, 3)

	_, err = s.GetKeyEntry(ctx, EntryID(100))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	e, err := s.GetKeyEntry(ctx, f.entry.ID)
	require.NoError(t, err)
	require.Equal(t, NormalizeKeyEntry(f.entry), NormalizeKeyEntry(e))
	entries, err := Collect(s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, entries, 1)

	_, err = s.GetStaff(ctx, StaffID(100))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	m, err := s.GetStaff(ctx, f.staff.ID)
	require.NoError(t, err)
	require.Equal(t, f.staff, m)
	staff, err := Collect(s.StaffMembers(ctx, Area))
	require.NoError(t, err)
	require.Len(t, staff, 1)

	recs, err := Collect(s.AccessRecords(ctx, ChildID(100)))
	require.NoError(t, err)
	require.Empty(t, recs)
}

func testTxCommit(t *testing.T, s welfare.Store) {
	f := newTxFixture(t, s)
	require.NoError(t, s.Atomically(bg(), func(tx welfare.Store) error {
		f.writeAll(t, tx)
		return nil
	}))
	ctx := bg()
	got, err := s.GetChild(ctx, ChildID(100))
	require.NoError(t, err)
	require.EqualValues(t, 1, got.Version)
	old, err := s.GetChild(ctx, f.old.ID)
	require.NoError(t, err)
	require.Equal(t, "测试事务改名", old.Name)
	require.EqualValues(t, 2, old.Version)
	byNumber, err := s.ChildByIDNumber(ctx, Area, IDNumber(102))
	require.NoError(t, err)
	require.Equal(t, f.old.ID, byNumber.ID)
	scanned, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, scanned, 6)
	e, err := s.GetKeyEntry(ctx, f.entry.ID)
	require.NoError(t, err)
	require.NotNil(t, e.Closed)
	require.EqualValues(t, 2, e.Version)
	_, err = s.GetKeyEntry(ctx, EntryID(100))
	require.NoError(t, err)
	m, err := s.GetStaff(ctx, f.staff.ID)
	require.NoError(t, err)
	require.False(t, m.Active)
	_, err = s.GetStaff(ctx, StaffID(100))
	require.NoError(t, err)
	recs, err := Collect(s.AccessRecords(ctx, ChildID(100)))
	require.NoError(t, err)
	require.Len(t, recs, 1)
}

func testTxRollbackOnError(t *testing.T, s welfare.Store) {
	f := newTxFixture(t, s)
	err := s.Atomically(bg(), func(tx welfare.Store) error {
		f.writeAll(t, tx)
		return errAbort
	})
	require.ErrorIs(t, err, errAbort, "Atomically returns fn's error")
	f.requireUntouched(t, s)

	// A failed write inside the transaction, returned by fn, rolls back the rest too.
	err = s.Atomically(bg(), func(tx welfare.Store) error {
		if err := tx.CreateChild(bg(), NewChild(100)); err != nil {
			return err
		}
		dup := NewChild(104)
		dup.IDNumber = f.old.IDNumber
		return tx.CreateChild(bg(), dup)
	})
	require.ErrorIs(t, err, welfare.ErrDuplicate)
	f.requireUntouched(t, s)

	// The store works normally afterwards.
	mustCreate(t, s, NewChild(200))
}

func testTxRollbackOnPanic(t *testing.T, s welfare.Store) {
	f := newTxFixture(t, s)
	require.PanicsWithValue(t, "storetest: boom", func() {
		_ = s.Atomically(bg(), func(tx welfare.Store) error {
			f.writeAll(t, tx)
			panic("storetest: boom")
		})
	}, "Atomically lets fn's panic continue")
	f.requireUntouched(t, s)
	mustCreate(t, s, NewChild(200)) // the store is usable: nothing left locked
	require.NoError(t, s.Atomically(bg(), func(tx welfare.Store) error {
		return tx.CreateChild(bg(), NewChild(201))
	}))
}

func testTxNested(t *testing.T, s welfare.Store) {
	ctx := bg()
	// A nested call commits with the outer transaction.
	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.CreateChild(ctx, NewChild(1)))
		return tx.Atomically(ctx, func(tx2 welfare.Store) error {
			_, err := tx2.GetChild(ctx, ChildID(1))
			require.NoError(t, err, "a nested transaction sees the outer one's writes")
			return tx2.CreateChild(ctx, NewChild(2))
		})
	}))
	for _, i := range []int{1, 2} {
		_, err := s.GetChild(ctx, ChildID(i))
		require.NoError(t, err)
	}

	// An outer failure undoes the nested writes too.
	err := s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.Atomically(ctx, func(tx2 welfare.Store) error {
			return tx2.CreateChild(ctx, NewChild(3))
		}))
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	_, err = s.GetChild(ctx, ChildID(3))
	require.ErrorIs(t, err, welfare.ErrNotFound)

	// A failed nested call is a savepoint: its writes alone are undone.
	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.CreateChild(ctx, NewChild(4)))
		err := tx.Atomically(ctx, func(tx2 welfare.Store) error {
			require.NoError(t, tx2.CreateChild(ctx, NewChild(5)))
			c, err := tx2.GetChild(ctx, ChildID(1))
			require.NoError(t, err)
			c.Name = "测试嵌套改名"
			require.NoError(t, tx2.UpdateChild(ctx, c))
			return errAbort
		})
		require.ErrorIs(t, err, errAbort)
		_, err = tx.GetChild(ctx, ChildID(5))
		require.ErrorIs(t, err, welfare.ErrNotFound, "a failed nested call's writes are undone at once")
		c, err := tx.GetChild(ctx, ChildID(1))
		require.NoError(t, err)
		require.EqualValues(t, 1, c.Version)
		return nil
	}))
	_, err = s.GetChild(ctx, ChildID(4))
	require.NoError(t, err, "the outer transaction's own writes commit")
	_, err = s.GetChild(ctx, ChildID(5))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	c, err := s.GetChild(ctx, ChildID(1))
	require.NoError(t, err)
	require.Equal(t, NewChild(1).Name, c.Name)
}

func testTxUseAfterReturn(t *testing.T, s welfare.Store) {
	ctx := bg()
	mustCreate(t, s, NewChild(1))
	var kept welfare.Store
	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		kept = tx
		return nil
	}))
	require.NotPanics(t, func() {
		_, err := kept.GetChild(ctx, ChildID(1))
		require.Error(t, err, "a finished transaction's store fails")
		require.Error(t, kept.CreateChild(ctx, NewChild(2)))
		n := 0
		for _, err := range kept.Children(ctx, welfare.ChildFilter{Area: Area}) {
			require.Error(t, err)
			n++
		}
		require.Equal(t, 1, n, "a scan on a finished transaction yields one error")
	})
	_, err := s.GetChild(ctx, ChildID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)

	// Also after a rollback.
	_ = s.Atomically(ctx, func(tx welfare.Store) error {
		kept = tx
		return errAbort
	})
	require.NotPanics(t, func() {
		require.Error(t, kept.CreateChild(ctx, NewChild(3)))
	})
	_, err = s.GetChild(ctx, ChildID(3))
	require.ErrorIs(t, err, welfare.ErrNotFound)
}
