package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

// countySize is the synthetic county of the acceptance example.
const countySize = 12029

func county(n int) []*welfare.Child {
	cs := make([]*welfare.Child, n)
	for i := range cs {
		cs[i] = storetest.NewChild(i + 1)
	}
	return cs
}

// TestBulkLoad loads a county in one CreateChildren call (one transaction, multi-row
// INSERTs, one journal append) and checks the journal and a scan of it.
func TestBulkLoad(t *testing.T) {
	n := 3000
	if testing.Short() || raceEnabled {
		n = 600
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, _ := e.open(t, sqlstore.Options{})
		cs := county(n)
		start := time.Now()
		require.NoError(t, s.CreateChildren(ctx, cs))
		el := time.Since(start)
		t.Logf("engine %s: %d children and their leaves in %v (%.0f children+leaves/s)", e.name, n, el, float64(n)/el.Seconds())
		size, err := s.Journal(storetest.Area).Size(ctx)
		require.NoError(t, err)
		require.EqualValues(t, n, size)
		b, err := journal.Export(ctx, s.Journal(storetest.Area))
		require.NoError(t, err)
		b.Records = exportRecords(t, s, storetest.Area)
		require.True(t, journal.Verify(b, journal.Checkpoint{}).OK())
		rows := collect(t, s.CensusRows(ctx, storetest.Area))
		require.Len(t, rows, n)
	})
}

func benchStore(b *testing.B, opts sqlstore.Options) *sqlstore.Store {
	b.Helper()
	s, db, err := sqlstore.OpenDSN(context.Background(), b.TempDir()+"/bench.db", opts)
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	return s
}

// BenchmarkCreateChildren loads the county into SQLite (default, fully synchronous
// pragmas of OpenDSN) in one call; leaves/s counts journal leaves (one per child).
func BenchmarkCreateChildren(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		s := benchStore(b, sqlstore.Options{})
		cs := county(countySize)
		b.StartTimer()
		start := time.Now()
		if err := s.CreateChildren(ctx, cs); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(countySize*b.N)/total.Seconds(), "leaves/s")
}

func loadedStore(b *testing.B) *sqlstore.Store {
	b.Helper()
	s := benchStore(b, sqlstore.Options{})
	require.NoError(b, s.CreateChildren(context.Background(), county(countySize)))
	return s
}

func BenchmarkCensusRows(b *testing.B) {
	ctx := context.Background()
	s := loadedStore(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range s.CensusRows(ctx, storetest.Area) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != countySize {
			b.Fatalf("got %d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/countySize, "ns/row")
}

func BenchmarkChildren(b *testing.B) {
	ctx := context.Background()
	s := loadedStore(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range s.Children(ctx, welfare.ChildFilter{Area: storetest.Area}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != countySize {
			b.Fatalf("got %d children", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/countySize, "ns/child")
}

// BenchmarkUpdateChild is one optimistic update with its journal leaf, each in its
// own transaction (fully synchronous SQLite: dominated by the commit's fsync).
func BenchmarkUpdateChild(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, sqlstore.Options{})
	c := storetest.FullChild(1)
	require.NoError(b, s.CreateChild(ctx, c))
	for b.Loop() {
		if err := s.UpdateChild(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
