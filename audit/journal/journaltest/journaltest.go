// Package journaltest checks that an implementation of journal.Storage behaves as
// the journal needs. Stores call [Run] from their tests (and from the store
// conformance suite) with a function that opens an empty log.
package journaltest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/childwelfare/liudong/audit/journal"
)

// Run checks the Storage that open returns; open must return an empty log each time
// it is called, usable for the rest of the (sub)test.
func Run(t *testing.T, open func(t *testing.T) journal.Storage) {
	ctx := context.Background()

	t.Run("empty", func(t *testing.T) {
		s := open(t)
		n, err := s.Size(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		tree, err := journal.TreeHead(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, int64(0), tree.N)
		recs, err := s.Records(ctx, 0, 0)
		require.NoError(t, err)
		assert.Empty(t, recs)
	})

	t.Run("appends match the reference", func(t *testing.T) {
		s := open(t)
		var ref journal.MemoryStorage
		leaves := sampleLeaves(70)
		next := 0
		for _, k := range []int{1, 1, 2, 5, 8, 13, 40} {
			first, err := journal.Append(ctx, s, leaves[next:next+k]...)
			require.NoError(t, err)
			require.Equal(t, int64(next), first)
			_, err = journal.Append(ctx, &ref, leaves[next:next+k]...)
			require.NoError(t, err)
			next += k

			got, err := journal.TreeHead(ctx, s)
			require.NoError(t, err)
			want, err := journal.TreeHead(ctx, &ref)
			require.NoError(t, err)
			require.Equal(t, want, got, "tree head after %d leaves", next)
		}
		count := tlog.StoredHashCount(int64(next))
		indexes := make([]int64, count)
		for i := range indexes {
			indexes[i] = int64(count) - 1 - int64(i) // descending: order must be kept
		}
		got, err := s.ReadHashes(ctx, indexes)
		require.NoError(t, err)
		want, err := ref.ReadHashes(ctx, indexes)
		require.NoError(t, err)
		assert.Equal(t, want, got)

		recs, err := s.Records(ctx, 3, 17)
		require.NoError(t, err)
		require.Len(t, recs, 14)
		for i, r := range recs {
			var l journal.Leaf
			require.NoError(t, l.UnmarshalBinary(r))
			assert.Equal(t, leaves[3+i], l)
		}
		// Returned records are copies.
		recs[0][0] ^= 0xff
		again, err := s.Records(ctx, 3, 4)
		require.NoError(t, err)
		assert.NotEqual(t, recs[0], again[0])

		p, err := journal.ProveInclusion(ctx, s, 11, int64(next))
		require.NoError(t, err)
		tree, err := journal.TreeHead(ctx, s)
		require.NoError(t, err)
		rec, err := s.Records(ctx, 11, 12)
		require.NoError(t, err)
		require.NoError(t, journal.CheckInclusion(p, tree, 11, rec[0]))
	})

	t.Run("append at a stale size fails", func(t *testing.T) {
		s := open(t)
		_, err := journal.Append(ctx, s, sampleLeaves(3)...)
		require.NoError(t, err)
		err = s.Append(ctx, 2, [][]byte{[]byte("x")}, []tlog.Hash{{}, {}})
		require.Error(t, err, "leaf 2 exists; a second writer must not overwrite it")
		n, err := s.Size(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
	})

	t.Run("cancelled context", func(t *testing.T) {
		s := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := journal.Append(cctx, s, sampleLeaves(1)...)
		require.Error(t, err)
	})
}

// sampleLeaves returns n distinct valid leaves.
func sampleLeaves(n int) []journal.Leaf {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]journal.Leaf, n)
	for i := range out {
		out[i] = journal.Leaf{
			Kind: "visit", ID: fmt.Sprintf("id-%03d", i), Version: int64(1 + i%3),
			RecordSHA256: [32]byte{byte(i)}, Time: at.Add(time.Duration(i) * time.Microsecond), Actor: "staff-1",
		}
	}
	return out
}
