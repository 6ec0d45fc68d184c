package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/audit/journal"
)

// Sampling algorithms.
const (
	// AlgorithmConsistent is Rivest's consistent sampler (2018) applied per stratum: each
	// ID (lower-case UUID string) gets the ticket [ConsistentTicket](seed, id), and each
	// stratum's sample is its k_h IDs with the smallest tickets. The default.
	AlgorithmConsistent = "consistent_sampler"
	// AlgorithmRivest is Rivest's sampler.py (2011) applied per stratum: stratum h, whose
	// IDs are listed in ascending order as 1..N_h, draws k_h of them without replacement
	// with [RivestSample] and the seed  seed + "|" + stratum name.
	AlgorithmRivest = "rivest_sampler"
)

// SamplerVersion is the version of this library's stratified draw; it changes whenever a
// draw with the same inputs could give a different sample.
const SamplerVersion = "1"

// ErrSampleMismatch reports a sample that does not follow from its manifest and seed.
var ErrSampleMismatch = errors.New("audit: sample does not match its manifest and seed")

// SampleOptions configure Draw.
type SampleOptions struct {
	// Share is the sampled share of every stratum (AC-1): the programme's
	// Acceptance.SampleShare, in (0, 1]. Required.
	Share decimal.Decimal
	// Algorithm is AlgorithmConsistent (default when empty) or AlgorithmRivest.
	Algorithm string
	// FailureRates for the detection power; nil means 2%, 5% and 10%.
	FailureRates []decimal.Decimal
}

// StratumSample is the draw in one stratum.
type StratumSample struct {
	Name       string      `json:"name"`
	Population int         `json:"population"`
	Size       int         `json:"sample"`
	IDs        []uuid.UUID `json:"ids"` // in draw order
}

// Sample is a verifiable draw (可复核抽样): everything needed to re-draw it is recorded,
// so anyone with the manifest and the seed gets the same IDs ([VerifySample]).
type Sample struct {
	Algorithm        string           `json:"algorithm"`
	AlgorithmVersion string           `json:"algorithm_version"`
	Seed             string           `json:"seed"`
	ManifestSHA256   journal.Digest   `json:"manifest_sha256"`
	Area             string           `json:"area"`
	CutOff           time.Time        `json:"cut_off"`
	Share            decimal.Decimal  `json:"share"`
	Population       int              `json:"population"`
	Size             int              `json:"size"`
	Strata           []StratumSample  `json:"strata"` // in stratum-name order
	IDs              []uuid.UUID      `json:"ids"`    // every sampled ID, stratum by stratum in draw order
	Power            []DetectionPower `json:"detection_power"`
}

// Contains reports whether id was sampled (a linear scan; use IDSet for many lookups).
func (s *Sample) Contains(id uuid.UUID) bool { return slices.Contains(s.IDs, id) }

// IDSet returns the sampled IDs as a set.
func (s *Sample) IDSet() map[uuid.UUID]bool {
	set := make(map[uuid.UUID]bool, len(s.IDs))
	for _, id := range s.IDs {
		set[id] = true
	}
	return set
}

// StratumSize returns ⌈share × n⌉ (at most n): the sample size of a stratum of n, so the
// stratum's sampled share is at least share, and so is the total's.
func StratumSize(share decimal.Decimal, n int) int {
	if n <= 0 {
		return 0
	}
	k := share.Mul(decimal.NewFromInt(int64(n))).Ceil().IntPart()
	return int(min(max(k, 0), int64(n)))
}

// Draw draws the stratified sample of m with seed. The seed must be chosen after m was
// frozen (journaled); it is any non-empty UTF-8 string up to 1024 bytes, used exactly as
// given (no trimming). Every stratum h of population N_h contributes
// k_h = [StratumSize](share, N_h) children, so every stratum and the total reach the share.
func Draw(m *Manifest, seed string, opts SampleOptions) (*Sample, error) {
	if seed == "" || len(seed) > 1024 || !utf8.ValidString(seed) {
		return nil, fmt.Errorf("audit: seed must be 1-1024 bytes of UTF-8")
	}
	if !opts.Share.IsPositive() || opts.Share.GreaterThan(decimal.NewFromInt(1)) {
		return nil, fmt.Errorf("audit: sample share %s outside (0, 1]", opts.Share)
	}
	alg := opts.Algorithm
	if alg == "" {
		alg = AlgorithmConsistent
	}
	if alg != AlgorithmConsistent && alg != AlgorithmRivest {
		return nil, fmt.Errorf("audit: unknown sampling algorithm %q", alg)
	}
	if m.SHA256 != journal.Digest(sha256.Sum256(m.Encode())) {
		return nil, fmt.Errorf("%w: its hash does not match its entries", ErrBadManifest)
	}
	// Group IDs by stratum; entries are in ID order, so each group is too.
	groups := map[string][]uuid.UUID{}
	for _, e := range m.Entries {
		groups[e.Stratum] = append(groups[e.Stratum], e.ID)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	slices.Sort(names)

	s := &Sample{Algorithm: alg, AlgorithmVersion: SamplerVersion, Seed: seed, ManifestSHA256: m.SHA256,
		Area: m.Area, CutOff: m.CutOff, Share: opts.Share, Population: m.Len()}
	sh := seedHash(seed)
	for _, name := range names {
		ids := groups[name]
		k := StratumSize(opts.Share, len(ids))
		var picked []uuid.UUID
		switch alg {
		case AlgorithmConsistent:
			picked = smallestTickets(sh, ids, k)
		case AlgorithmRivest:
			idx, err := RivestSample(seed+"|"+name, 1, int64(len(ids)), k, false)
			if err != nil {
				return nil, err
			}
			picked = make([]uuid.UUID, len(idx))
			for i, x := range idx {
				picked[i] = ids[x-1]
			}
		}
		s.Strata = append(s.Strata, StratumSample{Name: name, Population: len(ids), Size: len(picked), IDs: picked})
		s.IDs = append(s.IDs, picked...)
	}
	s.Size = len(s.IDs)
	rates := opts.FailureRates
	if rates == nil {
		rates = DefaultFailureRates()
	}
	for _, r := range rates {
		p, err := Power(s.Population, s.Size, r)
		if err != nil {
			return nil, err
		}
		s.Power = append(s.Power, p)
	}
	return s, nil
}

// smallestTickets returns the k IDs with the smallest consistent-sampler tickets, in
// ticket order.
func smallestTickets(seedHex string, ids []uuid.UUID, k int) []uuid.UUID {
	type tk struct {
		ticket string
		id     uuid.UUID
	}
	ts := make([]tk, len(ids))
	for i, id := range ids {
		ts[i] = tk{consistentTicket(seedHex, id.String()), id}
	}
	slices.SortFunc(ts, func(a, b tk) int { return strings.Compare(a.ticket, b.ticket) })
	out := make([]uuid.UUID, k)
	for i := range out {
		out[i] = ts[i].id
	}
	return out
}

// Redraw draws again the sample s claims, from m and s's own seed, algorithm and share.
func Redraw(m *Manifest, s *Sample) (*Sample, error) {
	var rates []decimal.Decimal
	for _, p := range s.Power {
		rates = append(rates, p.FailureRate)
	}
	if rates == nil {
		rates = []decimal.Decimal{}
	}
	return Draw(m, s.Seed, SampleOptions{Share: s.Share, Algorithm: s.Algorithm, FailureRates: rates})
}

// VerifySample checks that s is exactly the sample its seed draws from m: the manifest
// hash, algorithm version, strata, sizes and IDs in order. It fails with
// [ErrSampleMismatch] naming the first difference.
func VerifySample(m *Manifest, s *Sample) error {
	if s.ManifestSHA256 != m.SHA256 {
		return fmt.Errorf("%w: manifest hash %s, sample says %s", ErrSampleMismatch, m.SHA256, s.ManifestSHA256)
	}
	if s.AlgorithmVersion != SamplerVersion {
		return fmt.Errorf("%w: sampler version %q, this library draws version %q", ErrSampleMismatch, s.AlgorithmVersion, SamplerVersion)
	}
	want, err := Redraw(m, s)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSampleMismatch, err)
	}
	if len(want.Strata) != len(s.Strata) {
		return fmt.Errorf("%w: %d strata, want %d", ErrSampleMismatch, len(s.Strata), len(want.Strata))
	}
	for i, w := range want.Strata {
		g := s.Strata[i]
		if g.Name != w.Name || g.Population != w.Population || g.Size != w.Size || !slices.Equal(g.IDs, w.IDs) {
			return fmt.Errorf("%w: stratum %q differs", ErrSampleMismatch, w.Name)
		}
	}
	if s.Population != want.Population || s.Size != want.Size || !slices.Equal(s.IDs, want.IDs) {
		return fmt.Errorf("%w: totals or ID list differ", ErrSampleMismatch)
	}
	return nil
}

// DefaultFailureRates are the failure rates whose detection power is reported: 2%, 5%, 10%.
func DefaultFailureRates() []decimal.Decimal {
	return []decimal.Decimal{decimal.New(2, -2), decimal.New(5, -2), decimal.New(10, -2)}
}

// DetectionPower (检出概率) is the chance that the sample contains at least one failing
// child when a given share of the population fails.
type DetectionPower struct {
	FailureRate decimal.Decimal `json:"failure_rate"`
	Failures    int             `json:"failures"`    // failing children assumed in the population
	Probability decimal.Decimal `json:"probability"` // rounded to 4 decimal places
}

// Power computes the detection power of a sample of n children drawn without replacement
// from a population of N in which D = ⌊rate × N⌋ children fail (at least 1 when rate > 0):
// the hypergeometric P(X ≥ 1) = 1 − C(N−D, n) / C(N, n) = 1 − ∏_{i<n} (N−D−i)/(N−i).
// The whole sample is treated as one simple random sample of n from N; a stratified
// sample with allocation proportional to the strata, as drawn here, detects at least about
// as well, so the figure is a fair guide, not an exact law of the stratified design.
// Example (DOMAIN §8): a 10% sample of 100 children finds a 5% failure rate 42% of the
// time.
func Power(population, n int, rate decimal.Decimal) (DetectionPower, error) {
	if population < 0 || n < 0 || n > population || rate.IsNegative() || rate.GreaterThan(decimal.NewFromInt(1)) {
		return DetectionPower{}, fmt.Errorf("audit: detection power: bad arguments")
	}
	d := int(rate.Mul(decimal.NewFromInt(int64(population))).Floor().IntPart())
	if d == 0 && rate.IsPositive() && population > 0 {
		d = 1
	}
	p := DetectionProbability(population, n, d)
	return DetectionPower{FailureRate: rate, Failures: d,
		Probability: decimal.NewFromFloat(p).Round(4)}, nil
}

// DetectionProbability is the hypergeometric chance that n children drawn without
// replacement from N, of whom d fail, include at least one failure.
func DetectionProbability(population, n, d int) float64 {
	if d <= 0 || n <= 0 {
		return 0
	}
	if n > population-d {
		return 1
	}
	logMiss := 0.0
	for i := 0; i < n; i++ {
		logMiss += math.Log(float64(population-d-i)) - math.Log(float64(population-i))
	}
	return 1 - math.Exp(logMiss)
}
