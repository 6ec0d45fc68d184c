package visit

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func cloneTRules() welfare.SignalRules { return welfare.Nanchang2025().Visits.Signals }

func cloneTID(kind byte, n int) uuid.UUID {
	var u uuid.UUID
	u[0] = kind
	binary.BigEndian.PutUint64(u[8:], uint64(n))
	return u
}

// Synthetic visit notes: template phrases of a visit record with slot fillers, plus
// "details" of random CJK characters so that unrelated notes stay dissimilar.
var (
	cloneTSubjects = []string{"孩子", "该儿童", "小朋友", "该生"}
	cloneTPhrases  = []string{
		"今天上门探访，%s在家，精神状态%s。",
		"%s近期学习情况%s，按时完成作业。",
		"监护人表示家庭收入%s，暂无其他困难。",
		"向监护人宣讲了%s相关知识。",
		"%s身体健康状况%s，无明显异常。",
		"与%s进行了约%d分钟的谈话。",
		"邻居反映%s平时%s。",
		"提醒监护人注意%s安全，特别是%s。",
		"%s在校表现%s，与同学相处融洽。",
		"家中居住条件%s，卫生状况%s。",
		"下次探访计划安排在%d月%d日。",
		"%s提出希望获得%s方面的帮助。",
	}
	cloneTFill = []string{"良好", "一般", "稳定", "较好", "有所改善", "需要关注", "防溺水", "交通", "用电",
		"防诈骗", "心理健康", "课后辅导", "营养", "比较开朗", "不太爱说话", "较为整洁", "偏低", "尚可"}
)

func cloneTNote(rng *rand.Rand) string {
	var b strings.Builder
	target := 60 + rng.IntN(141) // runes
	for n := 0; n < target; {
		var s string
		if rng.IntN(3) == 0 {
			rs := make([]rune, 6+rng.IntN(12))
			for i := range rs {
				rs[i] = rune(0x4E00 + rng.IntN(3000))
			}
			s = string(rs) + "。"
		} else {
			p := cloneTPhrases[rng.IntN(len(cloneTPhrases))]
			var args []any
			for _, verb := range strings.Split(p, "%")[1:] {
				switch verb[0] {
				case 'd':
					args = append(args, 1+rng.IntN(28))
				default:
					if rng.IntN(2) == 0 {
						args = append(args, cloneTSubjects[rng.IntN(len(cloneTSubjects))])
					} else {
						args = append(args, cloneTFill[rng.IntN(len(cloneTFill))])
					}
				}
			}
			s = fmt.Sprintf(p, args...)
		}
		b.WriteString(s)
		n += len([]rune(s))
	}
	return b.String()
}

// cloneTEdit applies 1..5 small edits (replace, insert or delete one character).
func cloneTEdit(rng *rand.Rand, s string) string {
	rs := []rune(s)
	for range 1 + rng.IntN(5) {
		i := rng.IntN(len(rs))
		switch rng.IntN(3) {
		case 0:
			rs[i] = rune(0x4E00 + rng.IntN(3000))
		case 1:
			rs = append(rs[:i], append([]rune{rune(0x4E00 + rng.IntN(3000))}, rs[i:]...)...)
		default:
			if len(rs) > 10 {
				rs = append(rs[:i], rs[i+1:]...)
			}
		}
	}
	return string(rs)
}

// cloneTCorpus returns n synthetic notes, dupShare of them near-duplicates (small edits)
// of an earlier note, half of those about the same child. Deterministic per seed.
func cloneTCorpus(n int, dupShare float64, seed uint64) []Note {
	rng := rand.New(rand.NewPCG(seed, 0x6e6f746573))
	notes := make([]Note, n)
	for i := range notes {
		notes[i] = Note{VisitID: cloneTID(1, i), ChildID: cloneTID(2, i%(n/2+1)), WorkerID: cloneTID(3, i%97)}
		if i > 10 && rng.Float64() < dupShare {
			src := rng.IntN(i)
			notes[i].Text = cloneTEdit(rng, notes[src].Text)
			if rng.IntN(2) == 0 {
				notes[i].ChildID = notes[src].ChildID
			}
			continue
		}
		notes[i].Text = cloneTNote(rng)
	}
	return notes
}

func TestCloneNormalize(t *testing.T) {
	got := string(cloneNormalize(nil, " 孩子，今天\t在家！ＡＢＣ１２３ abc…\u200b（好）\n"))
	assert.Equal(t, "孩子今天在家abc123abc好", got)
}

func TestCloneLSHParams(t *testing.T) {
	for _, tc := range []struct {
		t          float64
		bands, row int
	}{{0.8, 21, 6}, {0.9, 14, 9}, {0.5, 42, 3}} {
		b, r := cloneLSHParams(tc.t)
		assert.Equal(t, [2]int{tc.bands, tc.row}, [2]int{b, r}, "t=%v", tc.t)
		assert.LessOrEqual(t, b*r, cloneMaxHashes)
	}
}

func TestCloneRational(t *testing.T) {
	n, d := cloneRational(decimal.RequireFromString("0.8"))
	assert.Equal(t, [2]int64{8, 10}, [2]int64{n, d})
	c := cloneConfig{num: n, den: d}
	assert.True(t, c.atLeast(8, 10))
	assert.True(t, c.atLeast(4, 5))
	assert.False(t, c.atLeast(79, 99))
}

func TestFindClonesSmallEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := cloneTNote(rng)
	for len([]rune(base)) < 100 {
		base += cloneTNote(rng)
	}
	// A clone with small edits: two characters replaced, punctuation and spacing changed.
	rs := []rune(base)
	rs[20], rs[60] = '甲', '乙'
	edited := strings.ReplaceAll(string(rs), "。", "， ")
	notes := []Note{
		{VisitID: cloneTID(1, 0), ChildID: cloneTID(2, 0), WorkerID: cloneTID(3, 0), Text: base},
		{VisitID: cloneTID(1, 1), ChildID: cloneTID(2, 1), WorkerID: cloneTID(3, 0), Text: edited},
		{VisitID: cloneTID(1, 2), ChildID: cloneTID(2, 2), WorkerID: cloneTID(3, 0), Text: cloneTNote(rng)}, // unrelated
		{VisitID: cloneTID(1, 3), ChildID: cloneTID(2, 0), WorkerID: cloneTID(3, 0), Text: base},            // same child copied forward
		{VisitID: cloneTID(1, 0), ChildID: cloneTID(2, 0), WorkerID: cloneTID(3, 0), Text: base},            // same visit: never paired
		{VisitID: cloneTID(1, 5), ChildID: cloneTID(2, 5), WorkerID: cloneTID(3, 0), Text: "孩子在家，情况良好。"},    // too short
		{VisitID: cloneTID(1, 6), ChildID: cloneTID(2, 6), WorkerID: cloneTID(3, 0), Text: "孩子在家，情况良好。"},    // too short
	}
	rules := cloneTRules()
	want := AllPairsClones(notes, rules)
	got := FindClones(notes, rules)
	assert.Equal(t, want, got)
	type ij struct{ i, j int }
	found := map[ij]ClonePair{}
	for _, p := range got {
		found[ij{p.I, p.J}] = p
		assert.Less(t, p.I, p.J)
		assert.GreaterOrEqual(t, p.Jaccard, 0.8)
	}
	require.Contains(t, found, ij{0, 1})
	assert.False(t, found[ij{0, 1}].SameChild)
	require.Contains(t, found, ij{0, 3})
	assert.True(t, found[ij{0, 3}].SameChild)
	assert.Equal(t, 1.0, found[ij{0, 3}].Jaccard)
	assert.NotContains(t, found, ij{0, 4}, "same visit")
	assert.NotContains(t, found, ij{5, 6}, "shorter than NoteMinRunes")
	for p := range found {
		assert.NotEqual(t, 2, p.i)
		assert.NotEqual(t, 2, p.j)
	}

	// Thresholds come from the rules.
	strict := rules
	strict.NoteJaccard = decimal.RequireFromString("0.999")
	for _, p := range FindClones(notes, strict) {
		assert.Equal(t, 1.0, p.Jaccard)
	}
	assert.NotContains(t, FindClones(notes, strict), found[ij{0, 1}])
	short := rules
	short.NoteMinRunes = 5
	assert.Contains(t, FindClones(notes, short), ClonePair{I: 5, J: 6, Jaccard: 1})
	off := rules
	off.NoteShingle = 0
	assert.Empty(t, FindClones(notes, off))
}

// TestFindClonesRecall: FindClones against the exact all-pairs baseline on a synthetic
// corpus with planted near-duplicates: no false pair, recall ≥ 0.95.
func TestFindClonesRecall(t *testing.T) {
	n := 2500 // the quadratic baseline is the cost; BenchmarkClonesLSH measures larger corpora
	if testing.Short() {
		n = 1000
	}
	notes := cloneTCorpus(n, 0.08, 7)
	rules := cloneTRules()
	want := AllPairsClones(notes, rules)
	got := FindClones(notes, rules)
	require.NotEmpty(t, want)
	in := map[[2]int]ClonePair{}
	for _, p := range want {
		in[[2]int{p.I, p.J}] = p
	}
	for _, p := range got {
		w, ok := in[[2]int{p.I, p.J}]
		require.True(t, ok, "LSH pair %d,%d not in the baseline", p.I, p.J)
		assert.Equal(t, w, p)
	}
	recall := float64(len(got)) / float64(len(want))
	t.Logf("notes %d, clone pairs %d, found %d, recall %.4f", n, len(want), len(got), recall)
	assert.GreaterOrEqual(t, recall, 0.95)
}

func TestFindClonesDeterministic(t *testing.T) {
	notes := cloneTCorpus(800, 0.05, 11)
	rules := cloneTRules()
	assert.Equal(t, FindClones(notes, rules), FindClones(notes, rules))
}
