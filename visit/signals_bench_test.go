package visit

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// Benchmarks of the quality signals (issue 4 "Speed"): cloned-note detection by
// MinHash/LSH against the all-pairs baseline, and Detect over a county-size stream.
//
//	go test -run '^$' -bench 'Clones|Detect' -benchtime 1x ./visit/
//
// All-pairs is quadratic: it is measured on 5,000 and 20,000 notes and extrapolated to
// 100,000 (× (100,000/n)²); its benchmark also reports FindClones' recall against it.

var cloneBenchNotes = sync.OnceValue(func() []Note { return cloneTCorpus(100_000, 0.02, 42) })

func BenchmarkClonesLSH(b *testing.B) {
	for _, n := range []int{5_000, 20_000, 100_000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			notes := cloneBenchNotes()[:n]
			rules := cloneTRules()
			var pairs []ClonePair
			for b.Loop() {
				pairs = FindClones(notes, rules)
			}
			b.ReportMetric(float64(len(pairs)), "pairs")
		})
	}
}

func BenchmarkClonesAllPairs(b *testing.B) {
	for _, n := range []int{5_000, 20_000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			notes := cloneBenchNotes()[:n]
			rules := cloneTRules()
			var pairs []ClonePair
			for b.Loop() {
				pairs = AllPairsClones(notes, rules)
			}
			b.StopTimer()
			b.ReportMetric(float64(len(pairs)), "pairs")
			if len(pairs) > 0 {
				all := map[[2]int]bool{}
				for _, p := range pairs {
					all[[2]int{p.I, p.J}] = true
				}
				found := 0
				for _, p := range FindClones(notes, rules) {
					if all[[2]int{p.I, p.J}] {
						found++
					}
				}
				b.ReportMetric(float64(found)/float64(len(pairs)), "lsh_recall")
			}
		})
	}
}

func BenchmarkDetect(b *testing.B) {
	vs, children := sigTSynthetic(100_000, 3)
	noNotes := make([]*Visit, len(vs))
	for i, v := range vs {
		c := *v
		c.Notes = ""
		noNotes[i] = &c
	}
	for _, tc := range []struct {
		name string
		vs   []*Visit
	}{{"visits=100000", vs}, {"visits=100000/no-notes", noNotes}} {
		b.Run(tc.name, func(b *testing.B) {
			rules := sigTRules()
			var sigs []Signal
			for b.Loop() {
				sigs = Detect(slices.Values(tc.vs), children, sigTPeriod(), rules)
			}
			b.ReportMetric(float64(len(sigs)), "signals")
		})
	}
}
