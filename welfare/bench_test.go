package welfare_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

// demoRegistry loads the default demo county into a memory store.
func demoRegistry(b *testing.B) (*welfare.Registry, *democounty.County, welfare.Actor) {
	b.Helper()
	county, err := democounty.Generate(democounty.Options{})
	if err != nil {
		b.Fatal(err)
	}
	store := memory.New()
	if _, err := democounty.Load(context.Background(), store, county); err != nil {
		b.Fatal(err)
	}
	reg, err := welfare.NewRegistry(store, county.Programme, welfare.Options{
		Clock: welfare.FixedClock{T: time.Date(2025, 6, 30, 18, 0, 0, 0, welfare.Beijing())}, Divisions: county.Divisions})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range county.Staff {
		if s.Role == welfare.RoleAuditor {
			return reg, county, welfare.ActorOf(s)
		}
	}
	b.Fatal("no auditor")
	return nil, nil, welfare.Actor{}
}

// BenchmarkCensus computes the census of the 12,029-child demo county through the
// registry and the memory store (streaming, scoped, ledger included).
func BenchmarkCensus(b *testing.B) {
	reg, county, auditor := demoRegistry(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cs, err := reg.Census(ctx, auditor, county.AsOf)
		if err != nil || cs.Total == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCensusBareLoop is the baseline: the same counts over a slice of the same
// records, with the open ledger categories already in a map.
func BenchmarkCensusBareLoop(b *testing.B) {
	_, county, _ := demoRegistry(b)
	b.ReportAllocs()
	for b.Loop() {
		open := map[uuid.UUID][]welfare.KeyCategory{}
		for _, e := range county.KeyEntries {
			if e.OpenOn(county.AsOf) {
				open[e.ChildID] = append(open[e.ChildID], e.Category)
			}
		}
		cs := welfare.NewCensus("360121", "360121", county.AsOf)
		for _, c := range county.Children {
			cs.Add(welfare.CensusRowOf(c), open[c.ID])
		}
		if cs.Total == 0 {
			b.Fatal("empty")
		}
	}
}

// BenchmarkLedgerGaps derives key eligibility for every child (the AC-5 check).
func BenchmarkLedgerGaps(b *testing.B) {
	reg, county, auditor := demoRegistry(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.LedgerGaps(ctx, auditor, county.AsOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateAndLoad generates the demo county and loads it into a memory store.
func BenchmarkGenerateAndLoad(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		county, err := democounty.Generate(democounty.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := democounty.Load(ctx, memory.New(), county); err != nil {
			b.Fatal(err)
		}
	}
}
