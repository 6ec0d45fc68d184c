package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// Journaled is implemented by every store: a read view of an area's journal.
type Journaled interface {
	Journal(area string) journal.Storage
}

func journalOf(t *testing.T, s welfare.Store) journal.Storage {
	t.Helper()
	j, ok := s.(Journaled)
	require.True(t, ok, "storetest: %T does not implement storetest.Journaled: every write must be journaled", s)
	return j.Journal(Area)
}

func size(t *testing.T, j journal.Storage) int64 {
	t.Helper()
	n, err := j.Size(bg())
	require.NoError(t, err)
	return n
}

// lastLeaves decodes the leaves appended since from.
func lastLeaves(t *testing.T, j journal.Storage, from int64) []journal.Leaf {
	t.Helper()
	to := size(t, j)
	recs, err := j.Records(bg(), from, to)
	require.NoError(t, err)
	out := make([]journal.Leaf, len(recs))
	for i, r := range recs {
		require.NoError(t, out[i].UnmarshalBinary(r))
	}
	return out
}

// expectLeaf asserts that leaf journals record (as the store returned it).
func expectLeaf(t *testing.T, leaf journal.Leaf, kind string, id uuid.UUID, version int64, record any) {
	t.Helper()
	sum, err := journal.RecordHash(record)
	require.NoError(t, err)
	assert.Equal(t, kind, leaf.Kind)
	assert.Equal(t, id.String(), leaf.ID)
	assert.Equal(t, version, leaf.Version)
	assert.Equal(t, sum, leaf.RecordSHA256, "leaf hash must equal journal.RecordHash of the record as read back")
	assert.False(t, leaf.Time.IsZero())
}

func testJournalEveryWrite(t *testing.T, s welfare.Store) {
	ctx := bg()
	j := journalOf(t, s)
	require.Zero(t, size(t, j))

	c := FullChild(1)
	require.NoError(t, s.CreateChild(ctx, c))
	got, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	l := lastLeaves(t, j, 0)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], welfare.EntityChild, c.ID, 1, got)
	assert.Equal(t, c.UpdatedBy, l[0].Actor)

	got.Schooling.Stage = "junior"
	require.NoError(t, s.UpdateChild(ctx, got))
	again, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	l = lastLeaves(t, j, 1)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], welfare.EntityChild, c.ID, 2, again)

	batch := []*welfare.Child{NewChild(2), NewChild(3), NewChild(4)}
	require.NoError(t, s.CreateChildren(ctx, batch))
	l = lastLeaves(t, j, 2)
	require.Len(t, l, 3, "one leaf per child of a batch")
	for i, b := range batch {
		read, err := s.GetChild(ctx, b.ID)
		require.NoError(t, err)
		expectLeaf(t, l[i], welfare.EntityChild, b.ID, 1, read)
	}

	e := NewKeyEntry(1, c)
	require.NoError(t, s.CreateKeyEntry(ctx, e))
	e.Tier = "red"
	require.NoError(t, s.UpdateKeyEntry(ctx, e))
	readE, err := s.GetKeyEntry(ctx, e.ID)
	require.NoError(t, err)
	l = lastLeaves(t, j, 5)
	require.Len(t, l, 2)
	assert.Equal(t, int64(1), l[0].Version)
	expectLeaf(t, l[1], welfare.EntityKeyEntry, e.ID, 2, readE)

	m := NewStaff(1, Area)
	require.NoError(t, s.CreateStaff(ctx, m))
	readM, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	l = lastLeaves(t, j, 7)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], welfare.EntityStaff, m.ID, 1, readM)

	r := NewAccessRecord(1, c.ID, At(5))
	require.NoError(t, s.RecordAccess(ctx, r))
	recs, err := Collect(s.AccessRecords(ctx, c.ID))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	l = lastLeaves(t, j, 8)
	require.Len(t, l, 1)
	expectLeaf(t, l[0], welfare.EntityAccess, r.ID, 1, recs[0])
	assert.Equal(t, r.StaffID.String(), l[0].Actor)
}

func testJournalNothingOnFailure(t *testing.T, s welfare.Store) {
	ctx := bg()
	j := journalOf(t, s)
	c := NewChild(1)
	require.NoError(t, s.CreateChild(ctx, c))
	n := size(t, j)

	stale := c.Clone()
	stale.Version = 99
	require.ErrorIs(t, s.UpdateChild(ctx, stale), welfare.ErrConflict)
	dup := NewChild(2)
	dup.IDNumber = c.IDNumber
	if !c.IDNumber.IsZero() {
		require.ErrorIs(t, s.CreateChild(ctx, dup), welfare.ErrDuplicate)
	}
	require.Error(t, s.CreateChildren(ctx, []*welfare.Child{NewChild(3), NewChild(1)}), "batch with an existing ID")
	assert.Equal(t, n, size(t, j), "failed writes leave no leaf")

	boom := errors.New("boom")
	err := s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.CreateChild(ctx, NewChild(4)))
		require.NoError(t, tx.CreateStaff(ctx, NewStaff(1, Area)))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, n, size(t, j), "a rolled-back transaction leaves no leaf")

	func() {
		defer func() { _ = recover() }()
		_ = s.Atomically(ctx, func(tx welfare.Store) error {
			require.NoError(t, tx.CreateChild(ctx, NewChild(5)))
			panic("boom")
		})
	}()
	assert.Equal(t, n, size(t, j), "a panicking transaction leaves no leaf")

	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		require.NoError(t, tx.CreateChild(ctx, NewChild(6)))
		inner := tx.Atomically(ctx, func(tx welfare.Store) error {
			require.NoError(t, tx.CreateChild(ctx, NewChild(7)))
			return boom
		})
		require.ErrorIs(t, inner, boom)
		return nil
	}))
	l := lastLeaves(t, j, n)
	require.Len(t, l, 1, "only the outer write of a transaction whose savepoint failed")
	assert.Equal(t, ChildID(6).String(), l[0].ID)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.CreateChild(cctx, NewChild(8))
	assert.Equal(t, n+1, size(t, j), "a cancelled write leaves no leaf")
}

func testJournalVerifies(t *testing.T, s welfare.Store) {
	ctx := bg()
	j := journalOf(t, s)
	var children []*welfare.Child
	for i := range 20 {
		children = append(children, NewChild(i))
	}
	require.NoError(t, s.CreateChildren(ctx, children))
	kept, err := journal.TreeHead(ctx, j)
	require.NoError(t, err)
	first, err := s.GetChild(ctx, children[0].ID)
	require.NoError(t, err)
	first.Schooling.Stage = "senior"
	require.NoError(t, s.UpdateChild(ctx, first))

	b, err := journal.Export(ctx, j)
	require.NoError(t, err)
	all, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	for _, c := range all {
		d, err := journal.NewRecordDigest(welfare.EntityChild, c.ID.String(), c.Version, c)
		require.NoError(t, err)
		b.Records = append(b.Records, d)
	}
	b.LatestOnly = true
	rep := journal.Verify(b, journal.Checkpoint{Origin: b.Origin, Size: kept.N, Hash: kept.Hash})
	assert.True(t, rep.OK(), "%+v", rep.Findings)
	assert.True(t, rep.Consistent)
	assert.Equal(t, 1, rep.Count(journal.FindingAppended))
}
