package screening_test

import (
	"math/rand/v2"
	"testing"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

type benchSession struct {
	in  *screening.Instrument
	a   screening.Answers
	opt screening.ScoreOptions
}

// benchSessions builds n sessions spread over every built-in instrument, with random
// complete answers, scored under the Nanchang programme's rules.
func benchSessions(b *testing.B, n int) []benchSession {
	rules := welfare.Nanchang2025().Screening
	cat := screening.Builtins()
	ins := cat.All()
	rng := rand.New(rand.NewPCG(2025, 100_000))
	out := make([]benchSession, n)
	for i := range out {
		in := ins[i%len(ins)]
		out[i] = benchSession{in: in, a: randomAnswers(rng, in),
			opt: screening.ScoreOptions{Informant: in.Informants[0], Age: in.Ages.Min, Rules: &rules}}
	}
	return out
}

// BenchmarkScore100k scores 100,000 sessions (every built-in instrument in turn) per
// operation; ns/session is the figure for BENCHMARKS.md.
func BenchmarkScore100k(b *testing.B) {
	const n = 100_000
	sessions := benchSessions(b, n)
	b.ReportAllocs()
	for b.Loop() {
		for i := range sessions {
			s := &sessions[i]
			if _, err := s.in.Score(s.a, s.opt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/session")
}

// BenchmarkScoreBySize scores one session of each instrument, from 5 items (ASQ) to 100
// (MHT).
func BenchmarkScoreBySize(b *testing.B) {
	rules := welfare.Nanchang2025().Screening
	rng := rand.New(rand.NewPCG(1, 1))
	for _, id := range []string{"asq", "phq9", "sdq-parent", "scared-child", "mht"} {
		in, err := screening.Builtin(id)
		if err != nil {
			b.Fatal(err)
		}
		a := randomAnswers(rng, in)
		opt := screening.ScoreOptions{Informant: in.Informants[0], Age: in.Ages.Min, Rules: &rules}
		b.Run(id, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := in.Score(a, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
