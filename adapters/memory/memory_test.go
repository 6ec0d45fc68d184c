package memory_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) welfare.Store { return memory.New() })
}

// countySize is the synthetic county of the acceptance example.
const countySize = 12029

func children(n int) []*welfare.Child {
	cs := make([]*welfare.Child, n)
	for i := range cs {
		cs[i] = storetest.NewChild(i + 1)
	}
	return cs
}

func BenchmarkCensusRows(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(b, s.CreateChildren(ctx, children(countySize)))
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
	s := memory.New()
	require.NoError(b, s.CreateChildren(ctx, children(countySize)))
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
}

func BenchmarkBulkCreate(b *testing.B) {
	for _, n := range []int{countySize, 200_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			cs := children(n)
			b.ReportAllocs()
			for b.Loop() {
				s := memory.New()
				if err := s.CreateChildren(ctx, cs); err != nil {
					b.Fatal(err)
				}
				// The first scan sorts the index built by the load.
				for _, err := range s.CensusRows(ctx, storetest.Area) {
					if err != nil {
						b.Fatal(err)
					}
					break
				}
			}
		})
	}
}

func BenchmarkCreateChild(b *testing.B) {
	ctx := context.Background()
	cs := children(countySize)
	b.ReportAllocs()
	for b.Loop() {
		s := memory.New()
		for _, c := range cs {
			if err := s.CreateChild(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
