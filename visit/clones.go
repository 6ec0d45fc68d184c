package visit

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
	"unicode"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// Note is one visit's free text, with the identifiers the clone report needs.
type Note struct {
	VisitID  uuid.UUID
	ChildID  uuid.UUID
	WorkerID uuid.UUID
	Text     string // personal data possible: never logged, never in a Signal
}

// ClonePair is a pair of notes whose shingle sets have Jaccard ≥ the rule's threshold.
// I and J index the notes passed in (I < J). Pairs are only formed between different
// visits. SameChild marks a pair about one child (a worker copying the child's last note
// forward — still perfunctory, reported but flagged); otherwise the notes are about
// different children.
type ClonePair struct {
	I, J      int
	Jaccard   float64
	SameChild bool
}

// cloneMaxHashes is the MinHash signature budget; cloneTargetRecall is the probability
// that a pair exactly at the threshold becomes an LSH candidate.
const (
	cloneMaxHashes    = 128
	cloneTargetRecall = 0.995
)

// cloneConfig is SignalRules' clone thresholds, prepared.
type cloneConfig struct {
	n        int   // shingle length
	minRunes int   // shorter normalised notes are skipped
	num, den int64 // Jaccard threshold num/den (exact comparison)
	t        float64
}

func cloneConfigOf(r welfare.SignalRules) (cloneConfig, bool) {
	if r.NoteShingle < 1 || !r.NoteJaccard.IsPositive() {
		return cloneConfig{}, false
	}
	num, den := cloneRational(r.NoteJaccard)
	return cloneConfig{n: r.NoteShingle, minRunes: r.NoteMinRunes, num: num, den: den,
		t: r.NoteJaccard.InexactFloat64()}, true
}

// cloneRational returns d (rounded to 9 decimals) as num/den.
func cloneRational(d decimal.Decimal) (num, den int64) {
	d = d.Round(9)
	den = 1
	for e := d.Exponent(); e < 0; e++ {
		den *= 10
	}
	c := d.Coefficient()
	for e := d.Exponent(); e > 0; e-- {
		c.Mul(c, big.NewInt(10))
	}
	if !c.IsInt64() { // absurdly large threshold: nothing reaches it
		return math.MaxInt64 / 4, 1
	}
	num = c.Int64()
	for den > 1 && num%10 == 0 {
		num, den = num/10, den/10
	}
	return num, den
}

// atLeast reports inter/union ≥ num/den.
func (c cloneConfig) atLeast(inter, union int) bool {
	if union == 0 {
		return false
	}
	return int64(inter)*c.den >= c.num*int64(union)
}

// cloneLSHParams chooses bands and rows for threshold t (see the package comment above).
func cloneLSHParams(t float64) (bands, rows int) {
	bands, rows = cloneMaxHashes, 1
	for r := 2; r <= 16; r++ {
		b := cloneMaxHashes / r
		if 1-math.Pow(1-math.Pow(t, float64(r)), float64(b)) < cloneTargetRecall {
			break
		}
		bands, rows = b, r
	}
	return bands, rows
}

// cloneNormalize appends the normalised runes of s to dst.
func cloneNormalize(dst []rune, s string) []rune {
	for _, r := range s {
		switch {
		case r >= 0x4E00 && r <= 0x9FFF, r >= '0' && r <= '9', r >= 'a' && r <= 'z': // fast path
			dst = append(dst, r)
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		}
		switch {
		case unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r),
			unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == unicode.ReplacementChar:
			continue
		}
		dst = append(dst, unicode.ToLower(r))
	}
	return dst
}

// cloneShingles appends the 64-bit hashes of the n-gram shingles of rs (a multiset; a
// text shorter than n is one shingle).
func cloneShingles(dst []uint64, rs []rune, n int) []uint64 {
	if len(rs) == 0 {
		return dst
	}
	if len(rs) < n {
		n = len(rs)
	}
	for i := 0; i+n <= len(rs); i++ {
		h := uint64(0xcbf29ce484222325) // FNV-1a over whole runes, then a finaliser
		for _, r := range rs[i : i+n] {
			h ^= uint64(r)
			h *= 0x100000001b3
		}
		dst = append(dst, cloneMix(h))
	}
	return dst
}

// set returns the sorted distinct shingle hashes of text (nil when too short), using
// rbuf and sbuf as scratch space.
func (c cloneConfig) set(text string, rbuf []rune, sbuf []uint64) ([]uint64, []rune, []uint64) {
	rbuf = cloneNormalize(rbuf[:0], text)
	if len(rbuf) < c.minRunes || len(rbuf) == 0 {
		return nil, rbuf, sbuf
	}
	sbuf = cloneShingles(sbuf[:0], rbuf, c.n)
	slices.Sort(sbuf)
	return slices.Clone(slices.Compact(sbuf)), rbuf, sbuf
}

// cloneMix is the SplitMix64 finaliser.
func cloneMix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// cloneJaccardCounts returns |a ∩ b| and |a ∪ b| of two sorted distinct sets.
func cloneJaccardCounts(a, b []uint64) (inter, union int) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return inter, len(a) + len(b) - inter
}

// FindClones returns the pairs of notes (复制粘贴的探访记录, cloned notes; DOMAIN §7) of
// different visits whose shingle-set Jaccard similarity is at least rules.NoteJaccard,
// ordered by (I, J). It returns nil when the rules switch clone detection off
// (NoteShingle < 1 or NoteJaccard ≤ 0).
//
// Texts are normalised first: whitespace, punctuation, symbols and control/format
// characters are removed, full-width ASCII (ＡＢＣ１２３) is folded to half-width and Latin
// letters to lower case; Chinese characters and digits are kept. Notes whose normalised
// length is below rules.NoteMinRunes are not compared. Shingles are the character
// n-grams (n = rules.NoteShingle), hashed to 64 bits; FindClones and AllPairsClones
// compare the same hashed sets, so they agree exactly on every pair both report.
//
// MinHash/LSH: each shingle's 64-bit hash is mixed by k = bands·rows multiply-add-shift
// functions (a·x + b) >> 32 whose odd multipliers and offsets come from SplitMix64 with a
// fixed seed (deterministic, no global state). Bands and rows follow from the threshold
// t: the most rows r, with b = ⌊128/r⌋ bands, for which a pair exactly at t becomes a
// candidate with probability 1 − (1 − tʳ)ᵇ ≥ 0.995. For t = 0.8 that is 21 bands × 6
// rows (126 hashes): the S-curve's midpoint (1/b)^(1/r) ≈ 0.60 sits well below 0.8,
// while a pair at Jaccard 0.1 becomes a candidate with probability ~2·10⁻⁵. Each
// candidate pair is verified once (in the first band it shares) by the exact Jaccard, so
// FindClones never reports a pair AllPairsClones would not; it may rarely miss one.
// Memory: bands·8 bytes per note, plus the shingle sets of candidate notes.
func FindClones(notes []Note, rules welfare.SignalRules) []ClonePair {
	cfg, ok := cloneConfigOf(rules)
	if !ok || len(notes) < 2 {
		return nil
	}
	nb, nr := cloneLSHParams(cfg.t)
	k := nb * nr
	// Hash functions h_i(x) = (a_i·x + b_i) >> 32, a_i odd.
	mulA := make([]uint64, k)
	addB := make([]uint64, k)
	seed := uint64(0x6c697564_6f6e6721) // "liudong!"
	for i := range k {
		seed += 0x9e3779b97f4a7c15
		mulA[i] = cloneMix(seed) | 1
		seed += 0x9e3779b97f4a7c15
		addB[i] = cloneMix(seed)
	}

	// Pass 1: signatures → band hashes of the eligible notes.
	var (
		elig   []int32                            // eligible note → index in notes
		bandOf = make([]uint64, 0, len(notes)*nb) // elig·nb + band → band hash (idx bits cleared)
		rbuf   []rune
		sbuf   []uint64
		sig    = make([]uint32, k)
	)
	idxBits := uint(bits.Len(uint(len(notes))))
	mask := uint64(1)<<idxBits - 1
	for i := range notes {
		rbuf = cloneNormalize(rbuf[:0], notes[i].Text)
		if len(rbuf) < cfg.minRunes || len(rbuf) == 0 {
			continue
		}
		sbuf = cloneShingles(sbuf[:0], rbuf, cfg.n)
		for h := range sig {
			sig[h] = math.MaxUint32
		}
		a, b, s := mulA[:k], addB[:k], sig[:k]
		for _, x := range sbuf {
			for h := range s {
				if v := uint32((a[h]*x + b[h]) >> 32); v < s[h] {
					s[h] = v
				}
			}
		}
		for band := range nb {
			h := cloneMix(uint64(band+1) * 0x9e3779b97f4a7c15)
			for _, v := range s[band*nr : (band+1)*nr] {
				h = (h ^ uint64(v)) * 0x100000001b3
			}
			bandOf = append(bandOf, cloneMix(h)&^mask)
		}
		elig = append(elig, int32(i))
	}
	if len(elig) < 2 {
		return nil
	}

	// Pass 2: per band, sort (hash | idx) and pair the members of equal-hash runs. A pair
	// is taken in the first band it shares, so each candidate is verified once.
	sets := make([][]uint64, len(elig)) // lazily built shingle sets of candidates
	setOf := func(e int) []uint64 {
		if sets[e] == nil {
			sets[e], rbuf, sbuf = cfg.set(notes[elig[e]].Text, rbuf, sbuf)
		}
		return sets[e]
	}
	var out []ClonePair
	keys := make([]uint64, len(elig))
	for band := range nb {
		for e := range elig {
			keys[e] = bandOf[e*nb+band] | uint64(e)
		}
		slices.Sort(keys)
		for lo := 0; lo < len(keys); {
			hi := lo + 1
			for hi < len(keys) && keys[hi]&^mask == keys[lo]&^mask {
				hi++
			}
			for p := lo; p < hi; p++ {
				x := int(keys[p] & mask)
				for q := p + 1; q < hi; q++ {
					y := int(keys[q] & mask)
					if cloneSharedEarlier(bandOf, nb, band, x, y) {
						continue
					}
					nx, ny := &notes[elig[x]], &notes[elig[y]]
					if nx.VisitID == ny.VisitID {
						continue
					}
					inter, union := cloneJaccardCounts(setOf(x), setOf(y))
					if cfg.atLeast(inter, union) {
						out = append(out, ClonePair{I: int(elig[x]), J: int(elig[y]),
							Jaccard: float64(inter) / float64(union), SameChild: nx.ChildID == ny.ChildID})
					}
				}
			}
			lo = hi
		}
	}
	cloneSortPairs(out)
	return out
}

func cloneSharedEarlier(bandOf []uint64, nb, band, x, y int) bool {
	bx, by := bandOf[x*nb:x*nb+band], bandOf[y*nb:y*nb+band]
	for i := range bx {
		if bx[i] == by[i] {
			return true
		}
	}
	return false
}

func cloneSortPairs(ps []ClonePair) {
	slices.SortFunc(ps, func(a, b ClonePair) int {
		if a.I != b.I {
			return a.I - b.I
		}
		return a.J - b.J
	})
}

// AllPairsClones is the exact baseline of FindClones: every pair of eligible notes is
// compared (after the exact size filter |A|/|B| ≥ t, which can only skip pairs below the
// threshold). Quadratic: use it for tests and for measuring FindClones' recall.
func AllPairsClones(notes []Note, rules welfare.SignalRules) []ClonePair {
	cfg, ok := cloneConfigOf(rules)
	if !ok || len(notes) < 2 {
		return nil
	}
	type item struct {
		idx int
		set []uint64
	}
	var (
		items []item
		rbuf  []rune
		s     []uint64
		sbuf  []uint64
	)
	for i := range notes {
		if s, rbuf, sbuf = cfg.set(notes[i].Text, rbuf, sbuf); s != nil {
			items = append(items, item{i, s})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return len(a.set) - len(b.set) })
	var out []ClonePair
	for p := range items {
		a := items[p]
		for q := p + 1; q < len(items); q++ {
			b := items[q]
			if !cfg.atLeast(len(a.set), len(b.set)) { // sizes only grow from here
				break
			}
			na, nb := &notes[a.idx], &notes[b.idx]
			if na.VisitID == nb.VisitID {
				continue
			}
			inter, union := cloneJaccardCounts(a.set, b.set)
			if cfg.atLeast(inter, union) {
				i, j := a.idx, b.idx
				if i > j {
					i, j = j, i
				}
				out = append(out, ClonePair{I: i, J: j, Jaccard: float64(inter) / float64(union),
					SameChild: na.ChildID == nb.ChildID})
			}
		}
	}
	cloneSortPairs(out)
	return out
}
