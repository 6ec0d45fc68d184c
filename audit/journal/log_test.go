package journal_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/childwelfare/liudong/audit/journal"
)

// rfc6962Leaves are the leaves of the RFC 6962 test vectors (DOMAIN §9).
var rfc6962Leaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}

// rfc6962Roots are the roots of the first n leaves, n = 1…8, from the Certificate
// Transparency test vectors; the size-8 root is the one DOMAIN §9 gives.
var rfc6962Roots = []string{
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

func rfcRecords(t testing.TB) [][]byte {
	out := make([][]byte, len(rfc6962Leaves))
	for i, s := range rfc6962Leaves {
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		out[i] = b
	}
	return out
}

func TestRFC6962Vectors(t *testing.T) {
	ctx := context.Background()
	records := rfcRecords(t)
	// Append the same leaves in different batchings; every prefix must have the
	// vector's root.
	for _, batches := range [][]int{{1, 1, 1, 1, 1, 1, 1, 1}, {8}, {3, 5}, {2, 3, 1, 2}, {7, 1}} {
		t.Run(fmt.Sprint(batches), func(t *testing.T) {
			var s journal.MemoryStorage
			next := 0
			for _, k := range batches {
				first, err := journal.AppendRecords(ctx, &s, records[next:next+k]...)
				require.NoError(t, err)
				require.Equal(t, int64(next), first)
				next += k
				tree, err := journal.TreeHead(ctx, &s)
				require.NoError(t, err)
				require.Equal(t, int64(next), tree.N)
				assert.Equal(t, rfc6962Roots[next-1], hex.EncodeToString(tree.Hash[:]), "root of %d leaves", next)
			}
		})
	}
}

func TestEmptyLog(t *testing.T) {
	ctx := context.Background()
	var s journal.MemoryStorage
	tree, err := journal.TreeHead(ctx, &s)
	require.NoError(t, err)
	assert.Equal(t, int64(0), tree.N)
	assert.Equal(t, tlog.Hash(sha256.Sum256(nil)), tree.Hash)

	first, err := journal.Append(ctx, &s)
	require.NoError(t, err)
	assert.Equal(t, int64(0), first)
	assert.Equal(t, int64(0), s.Len())
}

// mth is RFC 6962's Merkle tree hash, computed naively.
func mth(records [][]byte) tlog.Hash {
	switch len(records) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return tlog.RecordHash(records[0])
	}
	k := 1
	for k*2 < len(records) {
		k *= 2
	}
	return tlog.NodeHash(mth(records[:k]), mth(records[k:]))
}

func numberedRecords(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("record %d", i))
	}
	return out
}

// buildInBatches appends records in random batch sizes, checking each tree head
// against the naive hash.
func buildInBatches(t *testing.T, records [][]byte, seed uint64) *journal.MemoryStorage {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed))
	s := new(journal.MemoryStorage)
	for next := 0; next < len(records); {
		k := min(1+rng.IntN(6), len(records)-next)
		_, err := journal.AppendRecords(ctx, s, records[next:next+k]...)
		require.NoError(t, err)
		next += k
		tree, err := journal.TreeHead(ctx, s)
		require.NoError(t, err)
		require.Equal(t, mth(records[:next]), tree.Hash, "tree of %d", next)
	}
	return s
}

func TestProofsUpTo40(t *testing.T) {
	ctx := context.Background()
	const n = 40
	records := numberedRecords(n)
	s := buildInBatches(t, records, 1)
	trees := make([]tlog.Tree, n+1)
	for size := 0; size <= n; size++ {
		trees[size] = tlog.Tree{N: int64(size), Hash: mth(records[:size])}
	}
	for size := int64(1); size <= n; size++ {
		for i := range size {
			p, err := journal.ProveInclusion(ctx, s, i, size)
			require.NoError(t, err)
			require.NoError(t, journal.CheckInclusion(p, trees[size], i, records[i]), "leaf %d in %d", i, size)
			// The proof fails for another record, another index, or another tree.
			require.ErrorIs(t, journal.CheckInclusion(p, trees[size], i, []byte("forged")), journal.ErrBadProof)
			if size > 1 {
				require.ErrorIs(t, journal.CheckInclusion(p, trees[size], (i+1)%size, records[i]), journal.ErrBadProof)
			}
			require.ErrorIs(t, journal.CheckInclusion(p, trees[size-1], i, records[i]), journal.ErrBadProof)
		}
	}
	for newSize := int64(0); newSize <= n; newSize++ {
		for oldSize := int64(0); oldSize <= newSize; oldSize++ {
			p, err := journal.ProveConsistency(ctx, s, oldSize, newSize)
			require.NoError(t, err)
			require.NoError(t, journal.CheckConsistency(p, trees[oldSize], trees[newSize]), "%d in %d", oldSize, newSize)
			if oldSize > 0 {
				forged := trees[oldSize]
				forged.Hash[0] ^= 1
				require.ErrorIs(t, journal.CheckConsistency(p, forged, trees[newSize]), journal.ErrBadProof)
			}
		}
	}
}

func TestProofErrors(t *testing.T) {
	ctx := context.Background()
	s := buildInBatches(t, numberedRecords(5), 2)
	for _, tt := range []struct{ index, size int64 }{{0, 6}, {5, 5}, {-1, 3}, {0, 0}} {
		_, err := journal.ProveInclusion(ctx, s, tt.index, tt.size)
		require.ErrorIs(t, err, journal.ErrOutOfRange, "%+v", tt)
	}
	for _, tt := range []struct{ old, new int64 }{{0, 6}, {3, 2}, {-1, 3}} {
		_, err := journal.ProveConsistency(ctx, s, tt.old, tt.new)
		require.ErrorIs(t, err, journal.ErrOutOfRange, "%+v", tt)
	}
	tree, err := journal.TreeHead(ctx, s)
	require.NoError(t, err)
	require.ErrorIs(t, journal.CheckInclusion(nil, tree, 5, nil), journal.ErrBadProof)
	require.ErrorIs(t, journal.CheckConsistency(nil, tlog.Tree{N: 6}, tree), journal.ErrBadProof)
	require.ErrorIs(t, journal.CheckConsistency(nil, tlog.Tree{N: 0, Hash: tlog.Hash{1}}, tree), journal.ErrBadProof)
	require.NoError(t, journal.CheckConsistency(nil, tlog.Tree{}, tree))

	// Sizes beyond 2⁶² would make tlog loop forever; they are rejected.
	huge := tlog.Tree{N: math.MaxInt64}
	require.ErrorIs(t, journal.CheckInclusion(nil, huge, 1, nil), journal.ErrBadProof)
	require.ErrorIs(t, journal.CheckConsistency(nil, tlog.Tree{N: 1}, huge), journal.ErrBadProof)
	r := journal.Verify(journal.Bundle{TreeSize: math.MaxInt64, Leaves: []journal.BundleLeaf{{Index: 1}}}, journal.Checkpoint{Size: 1 << 62})
	assert.False(t, r.OK())
}

func TestAppendLeaves(t *testing.T) {
	ctx := context.Background()
	var s journal.MemoryStorage
	at := time.Date(2025, 3, 1, 1, 2, 3, 0, time.UTC)
	leaves := []journal.Leaf{
		{Kind: "child", ID: "c1", Version: 1, Time: at, Actor: "s1"},
		{Kind: "child", ID: "c2", Version: 1, Time: at, Actor: "s1"},
	}
	first, err := journal.Append(ctx, &s, leaves...)
	require.NoError(t, err)
	assert.Equal(t, int64(0), first)
	first, err = journal.Append(ctx, &s, leaves[0])
	require.NoError(t, err)
	assert.Equal(t, int64(2), first)

	recs, err := s.Records(ctx, 0, 3)
	require.NoError(t, err)
	for i, r := range recs {
		var l journal.Leaf
		require.NoError(t, l.UnmarshalBinary(r))
		assert.Equal(t, leaves[i%2], l)
	}

	// A bad leaf appends nothing.
	_, err = journal.Append(ctx, &s, leaves[0], journal.Leaf{Kind: "child"})
	require.ErrorIs(t, err, journal.ErrBadLeaf)
	assert.Equal(t, int64(3), s.Len())
}

func TestMemoryStorage(t *testing.T) {
	ctx := context.Background()
	var s journal.MemoryStorage
	_, err := journal.AppendRecords(ctx, &s, numberedRecords(5)...)
	require.NoError(t, err)
	before, err := journal.TreeHead(ctx, &s)
	require.NoError(t, err)

	t.Run("rollback", func(t *testing.T) {
		_, err := journal.AppendRecords(ctx, &s, []byte("a"), []byte("b"), []byte("c"))
		require.NoError(t, err)
		require.NoError(t, s.Truncate(5))
		after, err := journal.TreeHead(ctx, &s)
		require.NoError(t, err)
		assert.Equal(t, before, after)
		// Appending again after a rollback gives the same tree as never rolling back.
		_, err = journal.AppendRecords(ctx, &s, []byte("x"))
		require.NoError(t, err)
		tree, err := journal.TreeHead(ctx, &s)
		require.NoError(t, err)
		assert.Equal(t, mth(append(numberedRecords(5), []byte("x"))), tree.Hash)
		require.NoError(t, s.Truncate(5))
		require.ErrorIs(t, s.Truncate(6), journal.ErrOutOfRange)
		require.ErrorIs(t, s.Truncate(-1), journal.ErrOutOfRange)
	})
	t.Run("conflict", func(t *testing.T) {
		err := s.Append(ctx, 4, [][]byte{[]byte("late")}, []tlog.Hash{{}})
		require.ErrorIs(t, err, journal.ErrConflict)
		err = s.Append(ctx, 5, [][]byte{[]byte("late")}, nil)
		require.Error(t, err)
		assert.Equal(t, int64(5), s.Len())
	})
	t.Run("copies", func(t *testing.T) {
		rec := []byte("mutable")
		_, err := journal.AppendRecords(ctx, &s, rec)
		require.NoError(t, err)
		rec[0] = 'X'
		got, err := s.Records(ctx, 5, 6)
		require.NoError(t, err)
		assert.Equal(t, "mutable", string(got[0]))
		got[0][0] = 'Y'
		again, err := s.Records(ctx, 5, 6)
		require.NoError(t, err)
		assert.Equal(t, "mutable", string(again[0]))
		require.NoError(t, s.Truncate(5))
	})
	t.Run("ranges", func(t *testing.T) {
		_, err := s.Records(ctx, 4, 6)
		require.ErrorIs(t, err, journal.ErrOutOfRange)
		_, err = s.Records(ctx, 3, 2)
		require.ErrorIs(t, err, journal.ErrOutOfRange)
		got, err := s.Records(ctx, 5, 5)
		require.NoError(t, err)
		assert.Empty(t, got)
		_, err = s.ReadHashes(ctx, []int64{tlog.StoredHashCount(5)})
		require.ErrorIs(t, err, journal.ErrOutOfRange)
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := journal.AppendRecords(cctx, &s, []byte("x"))
		require.ErrorIs(t, err, context.Canceled)
		_, err = journal.TreeHead(cctx, &s)
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Records(cctx, 0, 1)
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.ReadHashes(cctx, nil)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, s.Append(cctx, 5, nil, nil), context.Canceled)
		assert.Equal(t, int64(5), s.Len())
	})
}

func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	var s journal.MemoryStorage
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				rec := []byte(fmt.Sprintf("w%d-%d", w, i))
				for {
					_, err := journal.AppendRecords(ctx, &s, rec)
					if errors.Is(err, journal.ErrConflict) {
						continue // another writer won; retry as a rolled-back transaction would
					}
					require.NoError(t, err)
					break
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(writers*each), s.Len())
	recs, err := s.Records(ctx, 0, s.Len())
	require.NoError(t, err)
	tree, err := journal.TreeHead(ctx, &s)
	require.NoError(t, err)
	assert.Equal(t, mth(recs), tree.Hash)
}

// failingStorage fails Append, as a store whose transaction fails would.
type failingStorage struct{ journal.MemoryStorage }

func (f *failingStorage) Append(context.Context, int64, [][]byte, []tlog.Hash) error {
	return errors.New("disk full")
}

func TestAppendStorageError(t *testing.T) {
	var s failingStorage
	_, err := journal.AppendRecords(context.Background(), &s, []byte("x"))
	require.ErrorContains(t, err, "disk full")
}

// countingStorage counts storage calls.
type countingStorage struct {
	journal.MemoryStorage
	reads, appends int
}

func (c *countingStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	c.reads++
	return c.MemoryStorage.ReadHashes(ctx, indexes)
}

func (c *countingStorage) Append(ctx context.Context, n int64, records [][]byte, hashes []tlog.Hash) error {
	c.appends++
	return c.MemoryStorage.Append(ctx, n, records, hashes)
}

func TestAppendRoundTrips(t *testing.T) {
	ctx := context.Background()
	var s countingStorage
	records := numberedRecords(1000)
	for next, k := 0, 1; next < len(records); next, k = next+k, k+1 {
		k = min(k, len(records)-next)
		s.reads, s.appends = 0, 0
		_, err := journal.AppendRecords(ctx, &s, records[next:next+k]...)
		require.NoError(t, err)
		assert.LessOrEqual(t, s.reads, 1, "batch at %d", next)
		assert.Equal(t, 1, s.appends)
	}
	// One leaf at a time: a leaf with an even index completes no subtree, so its
	// append reads no earlier hash.
	for i := range 64 {
		s.reads = 0
		n := s.Len()
		_, err := journal.AppendRecords(ctx, &s, []byte{byte(i)})
		require.NoError(t, err)
		if n%2 == 0 {
			assert.Zero(t, s.reads, "leaf %d", n)
		} else {
			assert.Equal(t, 1, s.reads, "leaf %d", n)
		}
		records = append(records, []byte{byte(i)})
	}
	tree, err := journal.TreeHead(ctx, &s)
	require.NoError(t, err)
	assert.Equal(t, mth(records), tree.Hash)
}
