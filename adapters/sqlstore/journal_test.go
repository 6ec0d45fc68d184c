package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

var errAbort = errors.New("test: abort")

// journalClock is the fixed clock of the journal tests; leaves carry its time in UTC
// at microsecond precision.
var journalClock = welfare.FixedClock{T: time.Date(2025, 4, 1, 18, 0, 0, 123456789, welfare.Beijing())}

// expectedLeaf is what one write must have journaled.
type expectedLeaf struct {
	kind, id, actor string
	version         int64
	hash            [32]byte
}

type journalCheck struct {
	t    *testing.T
	s    *sqlstore.Store
	want map[string][]expectedLeaf // per area
}

// wrote records the leaf a write must have left: the hash of the record as the store
// returns it now.
func (j *journalCheck) wrote(area, kind string, id uuid.UUID, version int64, record any, actor string) {
	j.t.Helper()
	h, err := journal.RecordHash(record)
	require.NoError(j.t, err)
	j.want[area] = append(j.want[area], expectedLeaf{kind: kind, id: id.String(), actor: actor, version: version, hash: h})
}

func (j *journalCheck) child(id uuid.UUID) {
	j.t.Helper()
	c, err := j.s.GetChild(context.Background(), id)
	require.NoError(j.t, err)
	j.wrote(c.AreaCode, welfare.EntityChild, c.ID, c.Version, c, c.UpdatedBy)
}

// verify compares each area's journal with the expected leaves, in order.
func (j *journalCheck) verify() {
	j.t.Helper()
	ctx := context.Background()
	for area, want := range j.want {
		b, err := journal.Export(ctx, j.s.Journal(area))
		require.NoError(j.t, err)
		require.Len(j.t, b.Leaves, len(want), "area %q: one leaf per committed write", area)
		for i, bl := range b.Leaves {
			var l journal.Leaf
			require.NoError(j.t, l.UnmarshalBinary(bl.Data))
			w := want[i]
			require.Equal(j.t, w.kind, l.Kind, "leaf %d", i)
			require.Equal(j.t, w.id, l.ID, "leaf %d", i)
			require.Equal(j.t, w.version, l.Version, "leaf %d", i)
			require.Equal(j.t, w.actor, l.Actor, "leaf %d", i)
			require.Equal(j.t, w.hash, l.RecordSHA256, "leaf %d (%s %s v%d): RecordSHA256 is the hash of the record as read back", i, w.kind, w.id, w.version)
			require.Equal(j.t, welfare.StoreTime(journalClock.T), l.Time)
		}
	}
}

// exportRecords returns the digests of every record of the area, as an auditor
// exports them (latest versions only).
func exportRecords(t *testing.T, s *sqlstore.Store, area string) []journal.RecordDigest {
	t.Helper()
	ctx := context.Background()
	var out []journal.RecordDigest
	add := func(kind string, id uuid.UUID, version int64, rec any) {
		d, err := journal.NewRecordDigest(kind, id.String(), version, rec)
		require.NoError(t, err)
		out = append(out, d)
	}
	for _, c := range collect(t, s.Children(ctx, welfare.ChildFilter{Area: area})) {
		add(welfare.EntityChild, c.ID, c.Version, c)
		for _, r := range collect(t, s.AccessRecords(ctx, c.ID)) {
			add(welfare.EntityAccess, r.ID, 1, r)
		}
	}
	for _, e := range collect(t, s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area})) {
		add(welfare.EntityKeyEntry, e.ID, e.Version, e)
	}
	for _, m := range collect(t, s.StaffMembers(ctx, area)) {
		add(welfare.EntityStaff, m.ID, m.Version, m)
	}
	return out
}

// TestJournal: every committed write leaves exactly one leaf whose RecordSHA256 is
// journal.RecordHash of the record as read back; failed writes and rolled-back
// transactions leave none; an auditor's verification of the export is clean.
func TestJournal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, _ := e.open(t, sqlstore.Options{Clock: journalClock})
		j := &journalCheck{t: t, s: s, want: map[string][]expectedLeaf{}}
		area := storetest.Area

		c := storetest.FullChild(1)
		require.NoError(t, s.CreateChild(ctx, c))
		j.child(c.ID)

		batch := []*welfare.Child{storetest.NewChild(2), storetest.NewChild(3), storetest.FullChild(4)}
		other := storetest.NewChild(5)
		other.AreaCode = storetest.OtherArea
		batch = append(batch, other)
		require.NoError(t, s.CreateChildren(ctx, batch))
		for _, b := range batch {
			j.child(b.ID)
		}

		c.Name = "测试儿童改名"
		c.UpdatedBy = storetest.StaffID(7).String()
		c.UpdatedAt = storetest.At(90).Add(987 * time.Nanosecond) // stored truncated
		require.NoError(t, s.UpdateChild(ctx, c))
		j.child(c.ID)

		entry := storetest.NewKeyEntry(1, c)
		require.NoError(t, s.CreateKeyEntry(ctx, entry))
		got, err := s.GetKeyEntry(ctx, entry.ID)
		require.NoError(t, err)
		j.wrote(area, welfare.EntityKeyEntry, entry.ID, 1, got, got.UpdatedBy)
		storetest.Close(entry, welfare.NewDate(2025, time.May, 1))
		require.NoError(t, s.UpdateKeyEntry(ctx, entry))
		got, err = s.GetKeyEntry(ctx, entry.ID)
		require.NoError(t, err)
		j.wrote(area, welfare.EntityKeyEntry, entry.ID, 2, got, got.UpdatedBy)

		m := storetest.NewStaff(1, area)
		require.NoError(t, s.CreateStaff(ctx, m))
		gm, err := s.GetStaff(ctx, m.ID)
		require.NoError(t, err)
		j.wrote(area, welfare.EntityStaff, m.ID, 1, gm, gm.UpdatedBy)
		m.Active = false
		require.NoError(t, s.UpdateStaff(ctx, m))
		gm, err = s.GetStaff(ctx, m.ID)
		require.NoError(t, err)
		j.wrote(area, welfare.EntityStaff, m.ID, 2, gm, gm.UpdatedBy)

		r := storetest.NewAccessRecord(1, c.ID, storetest.At(5).Add(time.Nanosecond))
		require.NoError(t, s.RecordAccess(ctx, r))
		recs := collect(t, s.AccessRecords(ctx, c.ID))
		require.Len(t, recs, 1)
		j.wrote(area, welfare.EntityAccess, r.ID, 1, recs[0], r.StaffID.String())
		unknown := storetest.NewAccessRecord(2, storetest.ChildID(999), storetest.At(6))
		require.NoError(t, s.RecordAccess(ctx, unknown))
		recs = collect(t, s.AccessRecords(ctx, unknown.ChildID))
		j.wrote("", welfare.EntityAccess, unknown.ID, 1, recs[0], unknown.StaffID.String())
		j.verify()

		// Failed writes leave no leaf.
		dup := storetest.NewChild(6)
		dup.IDNumber = storetest.NewChild(2).IDNumber
		require.ErrorIs(t, s.CreateChild(ctx, dup), welfare.ErrDuplicate)
		stale := c.Clone()
		stale.Version = 1
		require.ErrorIs(t, s.UpdateChild(ctx, stale), welfare.ErrConflict)
		require.ErrorIs(t, s.CreateChildren(ctx, []*welfare.Child{storetest.NewChild(7), storetest.NewChild(1)}), welfare.ErrConflict)
		j.verify()

		// A rolled-back transaction leaves none; a committed one leaves its writes'
		// leaves, without those of a failed nested call.
		err = s.Atomically(ctx, func(tx welfare.Store) error {
			require.NoError(t, tx.CreateChild(ctx, storetest.NewChild(8)))
			require.NoError(t, tx.RecordAccess(ctx, storetest.NewAccessRecord(3, c.ID, storetest.At(7))))
			return errAbort
		})
		require.ErrorIs(t, err, errAbort)
		require.Panics(t, func() {
			_ = s.Atomically(ctx, func(tx welfare.Store) error {
				require.NoError(t, tx.CreateChild(ctx, storetest.NewChild(9)))
				panic("test: boom")
			})
		})
		j.verify()
		require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
			require.NoError(t, tx.CreateChild(ctx, storetest.NewChild(10)))
			require.ErrorIs(t, tx.Atomically(ctx, func(tx2 welfare.Store) error {
				require.NoError(t, tx2.CreateChild(ctx, storetest.NewChild(11)))
				return errAbort
			}), errAbort)
			return nil
		}))
		j.child(storetest.ChildID(10))
		j.verify()

		// The auditor's check of the export against the journal is clean.
		for _, a := range []string{area, storetest.OtherArea} {
			b, err := journal.Export(ctx, s.Journal(a))
			require.NoError(t, err)
			b.Records, b.LatestOnly = exportRecords(t, s, a), true
			rep := journal.Verify(b, journal.Checkpoint{})
			require.True(t, rep.OK(), "area %s: %+v", a, rep.Findings)
			require.Zero(t, rep.Count(journal.FindingChanged))
			require.Zero(t, rep.Count(journal.FindingNotInLog))
			// Tree heads and proofs come from the stored hashes.
			head, err := journal.TreeHead(ctx, s.Journal(a))
			require.NoError(t, err)
			require.Equal(t, b.TreeHash, head.Hash)
			for i := range head.N {
				p, err := journal.ProveInclusion(ctx, s.Journal(a), i, head.N)
				require.NoError(t, err)
				require.NoError(t, journal.CheckInclusion(p, head, i, b.Leaves[i].Data))
			}
		}
		require.ErrorIs(t, s.Journal(area).Append(ctx, 0, nil, nil), sqlstore.ErrReadOnlyJournal)
	})
}

// TestJournalTamper alters stored rows behind the store's back; the auditor's
// verification of the export against the journal reports the record as changed.
func TestJournalTamper(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, db := e.open(t, sqlstore.Options{Clock: journalClock})
		area := storetest.Area
		a, b := storetest.FullChild(1), storetest.FullChild(2)
		require.NoError(t, s.CreateChildren(ctx, []*welfare.Child{a, b, storetest.NewChild(3)}))
		head, err := journal.TreeHead(ctx, s.Journal(area))
		require.NoError(t, err)
		kept := journal.Checkpoint{Size: head.N, Hash: head.Hash}

		// Untouched: clean.
		bundle, err := journal.Export(ctx, s.Journal(area))
		require.NoError(t, err)
		bundle.Records = exportRecords(t, s, area)
		require.True(t, journal.Verify(bundle, kept).OK())

		// a's health is rewritten in the document; b's guardian name in the sealed
		// column (plain JSON without a Sealer).
		res, err := db.ExecContext(ctx, rebind(e, `UPDATE children SET document = REPLACE(document, ?, ?) WHERE area_code = ? AND id = ?`),
			`"health":"chronic"`, `"health":"good"`, area, a.ID[:])
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		_, err = db.ExecContext(ctx, rebind(e, `UPDATE children SET sealed = ? WHERE area_code = ? AND id = ?`),
			[]byte(`{"name":"测试儿童2","id_number":"`+b.IDNumber.Full()+`","guardians":[{"name":"测试篡改"},{"name":"测试祖母2"}]}`), area, b.ID[:])
		require.NoError(t, err)
		got, err := s.GetChild(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "good", got.Health, "the store reads the altered row")

		bundle, err = journal.Export(ctx, s.Journal(area))
		require.NoError(t, err)
		bundle.Records = exportRecords(t, s, area)
		rep := journal.Verify(bundle, kept)
		require.False(t, rep.OK())
		var changed []string
		for _, f := range rep.Findings {
			if f.Type == journal.FindingChanged {
				changed = append(changed, f.ID)
			}
		}
		require.ElementsMatch(t, []string{a.ID.String(), b.ID.String()}, changed)
		require.True(t, rep.Consistent, "the journal itself is untouched")
		t.Logf("engine %s: verifier findings: %d changed", e.name, len(changed))
	})
}
