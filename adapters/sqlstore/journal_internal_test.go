package sqlstore

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/stretchr/testify/require"
)

// BenchmarkJournalAppend appends 20,000 leaves to a SQLite journal in one
// transaction (what a bulk load does): leaves/s is the journal's share of a bulk load.
func BenchmarkJournalAppend(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	s, db, err := OpenDSN(ctx, filepath.Join(b.TempDir(), "j.db"), Options{})
	require.NoError(b, err)
	defer db.Close()
	leaves := make([]journal.Leaf, n)
	for i := range leaves {
		leaves[i] = journal.Leaf{Kind: "child", ID: "id-" + strconv.Itoa(i), Version: 1,
			RecordSHA256: sha256.Sum256([]byte(strconv.Itoa(i))), Time: time.Unix(1e9, 0), Actor: "s"}
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		err := s.runTx(ctx, func(t *txn) error {
			t.addLeaves("360121", leaves...)
			return nil
		})
		total += time.Since(start)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "leaves/s")
	size, err := s.Journal("360121").Size(ctx)
	require.NoError(b, err)
	require.EqualValues(b, n*b.N, size)
}

// TestJournalAppendConflict: an append at a stale size fails with journal.ErrConflict.
func TestJournalAppendConflict(t *testing.T) {
	ctx := context.Background()
	s, db, err := OpenDSN(ctx, filepath.Join(t.TempDir(), "j.db"), Options{})
	require.NoError(t, err)
	defer db.Close()
	err = s.runTx(ctx, func(tx *txn) error {
		j := &txJournal{s: s, q: tx.q, area: "a", reserve: 1}
		_, err := journal.AppendRecords(ctx, j, []byte("x"))
		require.NoError(t, err)
		n, err := j.Size(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		return j.Append(ctx, 0, [][]byte{[]byte("y")}, nil)
	})
	require.ErrorIs(t, err, journal.ErrConflict)
}
