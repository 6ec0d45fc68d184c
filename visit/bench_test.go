package visit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// demo is the default demo county with its visits in a memory store, built once.
type demo struct {
	county  *democounty.County
	store   *memory.Store
	svc     *visit.Service
	visits  int
	auditor welfare.Actor
	asOf    time.Time
}

var demoOnce = sync.OnceValues(func() (*demo, error) {
	ctx := context.Background()
	c, err := democounty.Generate(democounty.Options{})
	if err != nil {
		return nil, err
	}
	vs, err := democounty.GenerateVisits(c, democounty.VisitOptions{})
	if err != nil {
		return nil, err
	}
	s := memory.New()
	if _, err := democounty.Load(ctx, s, c); err != nil {
		return nil, err
	}
	if _, err := democounty.LoadVisits(ctx, s, vs); err != nil {
		return nil, err
	}
	asOf := c.AsOf.Start()
	svc, err := visit.NewService(s, c.Programme, visit.Options{Clock: welfare.FixedClock{T: asOf}})
	if err != nil {
		return nil, err
	}
	d := &demo{county: c, store: s, svc: svc, visits: len(vs), asOf: asOf}
	for _, m := range c.Staff {
		if m.Role == welfare.RoleAuditor {
			d.auditor = welfare.ActorOf(m)
			break
		}
	}
	return d, nil
})

func demoCounty(tb testing.TB) *demo {
	tb.Helper()
	d, err := demoOnce()
	require.NoError(tb, err)
	return d
}

// BenchmarkComplianceCounty computes the whole demo county's compliance report (12,029
// children, the visits of January–June 2025) from a memory store by one streaming pass.
func BenchmarkComplianceCounty(b *testing.B) {
	d := demoCounty(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		rep, err := d.svc.Compliance(ctx, d.auditor, "", d.asOf)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Children == 0 {
			b.Fatal("empty report")
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(d.visits), "visits")
}

// reportCPU reports the process CPU time per operation since start (GC included): on a
// shared machine the wall clock also counts time other processes took.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkWorklistOneWorker computes one child director's worklist (the children of
// the director's village) on the demo county. Target: under 1 ms per call.
func BenchmarkWorklistOneWorker(b *testing.B) {
	d := demoCounty(b)
	ctx := context.Background()
	var director *welfare.Staff
	for _, m := range d.county.Staff {
		if m.Role == welfare.RoleDirector {
			director = m
			break
		}
	}
	require.NotNil(b, director)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := d.svc.Worklist(ctx, d.auditor, visit.WorklistQuery{WorkerID: director.ID, AsOf: d.asOf}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
