package journal_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit/journal"
)

// benchLeaves returns n realistic leaves: UUID IDs, staff IDs, microsecond times.
func benchLeaves(n int) []journal.Leaf {
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]journal.Leaf, n)
	for i := range out {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], rng.Uint64())
		binary.BigEndian.PutUint64(id[8:], rng.Uint64())
		out[i] = journal.Leaf{
			Kind: "visit", ID: id.String(), Version: 1,
			RecordSHA256: sha256.Sum256(id[:]),
			Time:         at.Add(time.Duration(i) * time.Second),
			Actor:        fmt.Sprintf("staff-%04d", i%500),
		}
	}
	return out
}

// BenchmarkAppend appends leaves to a MemoryStorage one transaction at a time, in
// transactions of one leaf and in batches.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	for _, batch := range []int{1, 100, 10_000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			leaves := benchLeaves(batch)
			var s journal.MemoryStorage
			b.ReportAllocs()
			for b.Loop() {
				if _, err := journal.Append(ctx, &s, leaves...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}

// bigLog builds a log of n small records in batches.
func bigLog(b *testing.B, n int64) *journal.MemoryStorage {
	ctx := context.Background()
	s := new(journal.MemoryStorage)
	const batch = 1 << 16
	records := make([][]byte, batch)
	for i := range records {
		records[i] = make([]byte, 8)
	}
	for next := int64(0); next < n; next += batch {
		k := min(batch, n-next)
		for i := range k {
			binary.BigEndian.PutUint64(records[i], uint64(next+i))
		}
		if _, err := journal.AppendRecords(ctx, s, records[:k]...); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func logSize() int64 {
	if testing.Short() {
		return 10_000
	}
	return 1_000_000
}

// BenchmarkProveInclusion proves a random leaf's inclusion in a 1,000,000-leaf log
// (10,000 with -short).
func BenchmarkProveInclusion(b *testing.B) {
	ctx := context.Background()
	n := logSize()
	start := time.Now()
	s := bigLog(b, n)
	b.Logf("built a %d-leaf log in %v", n, time.Since(start))
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := journal.ProveInclusion(ctx, s, rng.Int64N(n), n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProveConsistency proves a random earlier size consistent with the whole log.
func BenchmarkProveConsistency(b *testing.B) {
	ctx := context.Background()
	n := logSize()
	s := bigLog(b, n)
	rng := rand.New(rand.NewPCG(5, 6))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := journal.ProveConsistency(ctx, s, 1+rng.Int64N(n), n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a full bundle of a county-sized log (100,000 leaves and
// records; 1,000 with -short).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if testing.Short() {
		n = 1_000
	}
	leaves := benchLeaves(n)
	var s journal.MemoryStorage
	if _, err := journal.Append(ctx, &s, leaves...); err != nil {
		b.Fatal(err)
	}
	bundle, err := journal.Export(ctx, &s)
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range leaves {
		bundle.Records = append(bundle.Records, journal.RecordDigest{Kind: l.Kind, ID: l.ID, Version: l.Version, SHA256: l.RecordSHA256})
	}
	kept := journal.Checkpoint{Size: bundle.TreeSize, Hash: bundle.TreeHash}
	b.ReportAllocs()
	for b.Loop() {
		if r := journal.Verify(bundle, kept); !r.OK() {
			b.Fatal(r.Findings)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "leaves/s")
}
