package screening_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

func builtin(t testing.TB, id string) *screening.Instrument {
	t.Helper()
	in, err := screening.Builtin(id)
	require.NoError(t, err)
	return in
}

// seq returns answers for items 1..len(vals).
func seq(vals ...int) screening.Answers {
	a := screening.Answers{}
	for i, v := range vals {
		a[i+1] = v
	}
	return a
}

// all returns answers v for items 1..n.
func all(n, v int) screening.Answers {
	a := screening.Answers{}
	for i := 1; i <= n; i++ {
		a[i] = v
	}
	return a
}

func with(a screening.Answers, kv ...int) screening.Answers {
	out := a.Clone()
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func score(t *testing.T, in *screening.Instrument, a screening.Answers, opt screening.ScoreOptions) *screening.Result {
	t.Helper()
	if opt.Informant == "" {
		opt.Informant = in.Informants[0]
	}
	if opt.Age == 0 {
		opt.Age = in.Ages.Min
	}
	r, err := in.Score(a, opt)
	require.NoError(t, err)
	return r
}

func scaleOf(t *testing.T, r *screening.Result, id string) screening.ScaleScore {
	t.Helper()
	s, ok := r.Scale(id)
	require.True(t, ok, "scale %s missing", id)
	return s
}

func flagRules(r *screening.Result) []string {
	var out []string
	for _, f := range r.Flags {
		out = append(out, f.Rule)
	}
	return out
}

// TestVectors runs every test vector of DOMAIN §10.
func TestVectors(t *testing.T) {
	type want struct {
		scores map[string]int
		bands  map[string]string
		flags  []string
		level  string
		valid  bool
	}
	phqaNo := func(vals ...int) screening.Answers { return with(seq(vals...), 12, 0, 13, 0) }
	cases := []struct {
		name, inst, norms string
		answers           screening.Answers
		refused           []int
		want              want
	}{
		{"PHQ-9 eight ones", "phq9", "", seq(1, 1, 1, 1, 1, 1, 1, 1, 0),
			nil, want{map[string]int{"total": 8}, map[string]string{"total": "mild"}, nil, "yellow", true}},
		{"PHQ-9 fifteen with item 9", "phq9", "", seq(3, 3, 2, 2, 1, 1, 1, 1, 1),
			nil, want{map[string]int{"total": 15}, map[string]string{"total": "moderately_severe"}, []string{"phq9-item9"}, "red", true}},
		{"PHQ-9 only item 9", "phq9", "", seq(0, 0, 0, 0, 0, 0, 0, 0, 1),
			nil, want{map[string]int{"total": 1}, map[string]string{"total": "minimal"}, []string{"phq9-item9"}, "red", true}},
		{"PHQ-A no suicide answers", "phqa", "", phqaNo(1, 1, 1, 1, 1, 1, 1, 1, 0),
			nil, want{map[string]int{"total": 8}, map[string]string{"total": "mild"}, nil, "yellow", true}},
		{"PHQ-A serious thoughts", "phqa", "", with(phqaNo(0, 0, 0, 0, 0, 0, 0, 0, 0), 12, 1),
			nil, want{map[string]int{"total": 0}, map[string]string{"total": "minimal"}, []string{"phqa-suicidal-thoughts"}, "red", true}},
		{"PHQ-A attempt ever", "phqa", "", with(phqaNo(0, 0, 0, 0, 0, 0, 0, 0, 0), 13, 1),
			nil, want{map[string]int{"total": 0}, map[string]string{"total": "minimal"}, []string{"phqa-suicide-attempt"}, "red", true}},
		{"PHQ-A item 9", "phqa", "", phqaNo(0, 0, 0, 0, 0, 0, 0, 0, 2),
			nil, want{map[string]int{"total": 2}, map[string]string{"total": "minimal"}, []string{"phqa-item9"}, "red", true}},
		{"GAD-7 eleven", "gad7", "", seq(2, 2, 2, 2, 1, 1, 1),
			nil, want{map[string]int{"total": 11}, map[string]string{"total": "moderate"}, nil, "orange", true}},
		{"SCARED child all ones", "scared-child", "", all(41, 1), nil, want{
			map[string]int{"total": 41, "panic_somatic": 13, "generalized_anxiety": 9, "separation_anxiety": 8, "social_anxiety": 7, "school_avoidance": 4},
			map[string]string{"total": "positive", "panic_somatic": "positive", "generalized_anxiety": "positive",
				"separation_anxiety": "positive", "social_anxiety": "negative", "school_avoidance": "positive"}, nil, "orange", true}},
		{"SCARED parent all ones", "scared-parent", "", all(41, 1), nil, want{
			map[string]int{"total": 41, "social_anxiety": 7},
			map[string]string{"total": "positive", "social_anxiety": "negative"}, nil, "orange", true}},
		{"CES-DC all zero", "cesdc", "", all(20, 0), nil, want{map[string]int{"total": 12}, map[string]string{"total": "negative"}, nil, "green", true}},
		{"CES-DC all one", "cesdc", "", all(20, 1), nil, want{map[string]int{"total": 24}, map[string]string{"total": "positive"}, nil, "orange", true}},
		{"SDQ parent all one, UK", "sdq-parent", "uk", all(25, 1), nil, want{
			map[string]int{"emotional": 5, "conduct": 5, "hyperactivity": 5, "peer": 5, "prosocial": 5, "total": 20},
			map[string]string{"emotional": "abnormal", "conduct": "abnormal", "hyperactivity": "normal", "peer": "abnormal",
				"prosocial": "borderline", "total": "abnormal"}, nil, "orange", true}},
		{"SDQ parent all one, Shanghai", "sdq-parent", "cn-shanghai-2008", all(25, 1), nil, want{
			map[string]int{"emotional": 5, "conduct": 5, "hyperactivity": 5, "peer": 5, "prosocial": 5, "total": 20},
			map[string]string{"emotional": "abnormal", "conduct": "abnormal", "hyperactivity": "normal", "peer": "borderline",
				"prosocial": "borderline", "total": "abnormal"}, nil, "orange", true}},
		{"SDQ parent all zero, UK", "sdq-parent", "uk", all(25, 0), nil, want{
			map[string]int{"emotional": 0, "conduct": 2, "hyperactivity": 4, "peer": 4, "prosocial": 0, "total": 10},
			map[string]string{"emotional": "normal", "conduct": "normal", "hyperactivity": "normal", "peer": "abnormal",
				"prosocial": "abnormal", "total": "normal"}, nil, "yellow", true}},
		{"SDQ parent all zero, Shanghai", "sdq-parent", "cn-shanghai-2008", all(25, 0), nil, want{
			map[string]int{"emotional": 0, "conduct": 2, "hyperactivity": 4, "peer": 4, "prosocial": 0, "total": 10},
			map[string]string{"peer": "normal", "prosocial": "abnormal", "total": "normal"}, nil, "yellow", true}},
		{"MHT lie scale 7: invalid", "mht", "", mht(40, 7), nil, want{map[string]int{"total": 40, "lie": 7}, nil, nil, "", false}},
		{"MHT lie scale 6: valid", "mht", "", mht(40, 6), nil, want{map[string]int{"total": 40, "lie": 6}, map[string]string{"total": "normal"}, nil, "green", true}},
		{"MHT 56 attention", "mht", "", mht(56, 0), nil, want{map[string]int{"total": 56}, map[string]string{"total": "attention"}, nil, "yellow", true}},
		{"MHT 65 key attention", "mht", "", mht(65, 0), nil, want{map[string]int{"total": 65}, map[string]string{"total": "key_attention"}, nil, "orange", true}},
		{"ASQ all no", "asq", "", seq(0, 0, 0, 0), nil, want{nil, nil, nil, "green", true}},
		{"ASQ one yes", "asq", "", seq(0, 0, 1, 0, 0), nil, want{nil, nil, []string{"asq-positive"}, "red", true}},
		{"ASQ refusal", "asq", "", seq(0, 0, 0), []int{4}, want{nil, nil, []string{"asq-positive"}, "red", true}},
		{"ASQ acute", "asq", "", seq(1, 1, 0, 0, 1), nil, want{nil, nil, []string{"asq-positive", "asq-acute"}, "red", true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := builtin(t, c.inst)
			r := score(t, in, c.answers, screening.ScoreOptions{NormSet: c.norms, Refused: c.refused})
			for s, v := range c.want.scores {
				assert.Equal(t, v, scaleOf(t, r, s).Score, "scale %s", s)
			}
			for s, b := range c.want.bands {
				assert.Equal(t, b, scaleOf(t, r, s).Band, "band of %s", s)
			}
			assert.Equal(t, c.want.flags, flagRules(r))
			assert.Equal(t, c.want.level, r.Level)
			assert.Equal(t, c.want.valid, r.Valid)
		})
	}
}

// mht returns MHT answers with total content score total (0..90) and lie score lie.
func mht(total, lie int) screening.Answers {
	a := screening.Answers{}
	content := []int{}
	for i := 1; i <= 80; i++ {
		content = append(content, i)
	}
	for i := 81; i <= 99; i += 2 {
		content = append(content, i)
	}
	for i, n := range content {
		a[n] = b2i(i < total)
	}
	for i, n := 0, 82; n <= 100; i, n = i+1, n+2 {
		a[n] = b2i(i < lie)
	}
	return a
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// spread returns answers for items with values summing to total, filling items in order.
func spread(items []int, maxv, total int) screening.Answers {
	a := screening.Answers{}
	for _, n := range items {
		v := min(maxv, total)
		a[n] = v
		total -= v
	}
	return a
}

func TestBandBoundaries(t *testing.T) {
	type bound struct {
		score int
		band  string
		level string
	}
	items := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	cases := []struct {
		inst   string
		items  []int // filled in order; the rest 0
		maxv   int
		extra  screening.Answers
		bounds []bound
	}{
		{"phq9", items(8), 3, screening.Answers{9: 0}, []bound{{0, "minimal", "green"}, {4, "minimal", "green"}, {5, "mild", "yellow"}, {9, "mild", "yellow"},
			{10, "moderate", "orange"}, {14, "moderate", "orange"}, {15, "moderately_severe", "orange"}, {19, "moderately_severe", "orange"},
			{20, "severe", "red"}, {24, "severe", "red"}}},
		{"phqa", items(8), 3, screening.Answers{9: 0, 12: 0, 13: 0}, []bound{{4, "minimal", "green"}, {5, "mild", "yellow"}, {9, "mild", "yellow"},
			{10, "moderate", "orange"}, {19, "moderately_severe", "orange"}, {20, "severe", "red"}}},
		{"gad7", items(7), 3, nil, []bound{{4, "minimal", "green"}, {5, "mild", "yellow"}, {9, "mild", "yellow"}, {10, "moderate", "orange"},
			{14, "moderate", "orange"}, {15, "severe", "red"}, {21, "severe", "red"}}},
		{"cesdc", []int{1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19, 20}, 3, screening.Answers{4: 3, 8: 3, 12: 3, 16: 3},
			[]bound{{14, "negative", "green"}, {15, "positive", "orange"}, {48, "positive", "orange"}}},
		{"scared-child", items(41), 2, nil, []bound{{24, "negative", ""}, {25, "positive", ""}}},
		{"mht", items(80), 1, screening.Answers{81: 0, 83: 0, 85: 0, 87: 0, 89: 0, 91: 0, 93: 0, 95: 0, 97: 0, 99: 0,
			82: 0, 84: 0, 86: 0, 88: 0, 90: 0, 92: 0, 94: 0, 96: 0, 98: 0, 100: 0},
			[]bound{{55, "normal", "green"}, {56, "attention", "yellow"}, {64, "attention", "yellow"}, {65, "key_attention", "orange"}}},
	}
	for _, c := range cases {
		in := builtin(t, c.inst)
		for _, b := range c.bounds {
			t.Run(fmt.Sprintf("%s/%d", c.inst, b.score), func(t *testing.T) {
				a := spread(c.items, c.maxv, b.score)
				for k, v := range c.extra {
					a[k] = v
				}
				r := score(t, in, a, screening.ScoreOptions{})
				tot := scaleOf(t, r, "total")
				assert.Equal(t, b.score, tot.Score)
				assert.Equal(t, b.band, tot.Band)
				if b.level != "" {
					assert.Equal(t, b.level, r.Level)
				}
			})
		}
	}
}

func TestSCAREDSubscaleCutOffs(t *testing.T) {
	in := builtin(t, "scared-parent")
	subs := map[string]struct {
		items []int
		cut   int
	}{
		"panic_somatic":       {[]int{1, 6, 9, 12, 15, 18, 19, 22, 24, 27, 30, 34, 38}, 7},
		"generalized_anxiety": {[]int{5, 7, 14, 21, 23, 28, 33, 35, 37}, 9},
		"separation_anxiety":  {[]int{4, 8, 13, 16, 20, 25, 29, 31}, 5},
		"social_anxiety":      {[]int{3, 10, 26, 32, 39, 40, 41}, 8},
		"school_avoidance":    {[]int{2, 11, 17, 36}, 3},
	}
	for id, s := range subs {
		for _, sc := range []int{s.cut - 1, s.cut} {
			a := all(41, 0)
			for k, v := range spread(s.items, 2, sc) {
				a[k] = v
			}
			r := score(t, in, a, screening.ScoreOptions{})
			got := scaleOf(t, r, id)
			assert.Equal(t, sc, got.Score, id)
			wantBand, wantLevel := "negative", "green"
			if sc >= s.cut {
				wantBand, wantLevel = "positive", "yellow"
			}
			assert.Equal(t, wantBand, got.Band, "%s at %d", id, sc)
			assert.Equal(t, wantLevel, r.Level, "%s at %d (total %d)", id, sc, scaleOf(t, r, "total").Score)
		}
	}
}

func TestSDQBandBoundaries(t *testing.T) {
	in := builtin(t, "sdq-parent")
	// emotional items are not reversed: fill 3, 8, 13, 16, 24 to reach a score.
	emotional := []int{3, 8, 13, 16, 24}
	base := all(25, 0) // emotional 0, conduct 2, hyperactivity 4, peer 4, prosocial 0
	for _, c := range []struct {
		norms string
		score int
		band  string
	}{
		{"uk", 3, "normal"}, {"uk", 4, "borderline"}, {"uk", 5, "abnormal"},
		{"cn-shanghai-2008", 3, "normal"}, {"cn-shanghai-2008", 4, "borderline"}, {"cn-shanghai-2008", 5, "abnormal"},
	} {
		a := base.Clone()
		for k, v := range spread(emotional, 2, c.score) {
			a[k] = v
		}
		r := score(t, in, a, screening.ScoreOptions{NormSet: c.norms})
		assert.Equal(t, c.band, scaleOf(t, r, "emotional").Band, "%s emotional %d", c.norms, c.score)
	}
	// Totals: base total 10; adding emotional points moves it.
	for _, c := range []struct {
		norms string
		total int
		band  string
		level string
	}{
		{"uk", 13, "normal", "yellow"}, {"uk", 14, "borderline", "yellow"}, {"uk", 16, "borderline", "yellow"}, {"uk", 17, "abnormal", "orange"},
		{"cn-shanghai-2008", 14, "normal", "yellow"}, {"cn-shanghai-2008", 15, "borderline", "yellow"}, {"cn-shanghai-2008", 17, "abnormal", "orange"},
	} {
		a := base.Clone()
		for k, v := range spread(emotional, 2, c.total-10) {
			a[k] = v
		}
		r := score(t, in, a, screening.ScoreOptions{NormSet: c.norms})
		tot := scaleOf(t, r, "total")
		require.Equal(t, c.total, tot.Score)
		assert.Equal(t, c.band, tot.Band, "%s total %d", c.norms, c.total)
		assert.Equal(t, c.level, r.Level, "%s total %d", c.norms, c.total) // prosocial 0 is abnormal: yellow at least
	}
}

func TestSDQProration(t *testing.T) {
	in := builtin(t, "sdq-parent")
	base := all(25, 0)
	drop := func(a screening.Answers, items ...int) screening.Answers {
		out := a.Clone()
		for _, n := range items {
			delete(out, n)
		}
		return out
	}
	cases := []struct {
		name     string
		answers  screening.Answers
		scale    string
		want     int
		prorated bool
	}{
		// emotional items 3, 8, 13, 16, 24
		{"3 of 5, mean 4/3 → 6.67 → 7", with(drop(base, 16, 24), 3, 2, 8, 2, 13, 0), "emotional", 7, true},
		{"3 of 5, mean 1 → 5", with(drop(base, 16, 24), 3, 1, 8, 1, 13, 1), "emotional", 5, true},
		{"4 of 5, sum 3 → 3.75 → 4", with(drop(base, 24), 3, 1, 8, 1, 13, 1, 16, 0), "emotional", 4, true},
		{"4 of 5, sum 6 → 7.5 → 8 (half up)", with(drop(base, 24), 3, 2, 8, 2, 13, 1, 16, 1), "emotional", 8, true},
		{"4 of 5, sum 2 → 2.5 → 3 (half up)", with(drop(base, 24), 3, 1, 8, 1, 13, 0, 16, 0), "emotional", 3, true},
		{"3 of 5, sum 1 → 1.67 → 2", with(drop(base, 16, 24), 3, 1, 8, 0, 13, 0), "emotional", 2, true},
		{"3 of 5, sum 0 → 0", drop(base, 16, 24), "emotional", 0, true},
		// conduct 5, 7(reversed), 12, 18, 22: 7 answered 0 scores 2
		{"reversed item in a prorated scale", drop(base, 18, 22), "conduct", 3, true}, // (0+2+0)/3×5 = 3.33 → 3
		{"complete scale is not prorated", base, "conduct", 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := score(t, in, c.answers, screening.ScoreOptions{NormSet: "uk"})
			s := scaleOf(t, r, c.scale)
			assert.Equal(t, c.want, s.Score)
			assert.Equal(t, c.prorated, s.Prorated)
			assert.True(t, s.Scored)
		})
	}
	t.Run("total uses prorated scales", func(t *testing.T) {
		r := score(t, in, with(drop(base, 16, 24), 3, 2, 8, 2, 13, 0), screening.ScoreOptions{NormSet: "uk"})
		assert.Equal(t, 7+2+4+4, scaleOf(t, r, "total").Score)
	})
	t.Run("2 of 5 is required", func(t *testing.T) {
		_, err := in.Score(drop(base, 13, 16, 24), screening.ScoreOptions{Informant: screening.InformantParent, Age: 8})
		var ve *welfare.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, []welfare.FieldError{
			{Field: "Answers[13]", Rule: "required", Param: "emotional"},
			{Field: "Answers[16]", Rule: "required", Param: "emotional"},
			{Field: "Answers[24]", Rule: "required", Param: "emotional"},
		}, ve.Fields)
	})
}

func TestSDQImpactSupplement(t *testing.T) {
	in := builtin(t, "sdq-parent")
	base := all(25, 1)
	t.Run("not used", func(t *testing.T) {
		r := score(t, in, base, screening.ScoreOptions{})
		_, ok := r.Scale("impact")
		assert.False(t, ok)
	})
	t.Run("no difficulties scores 0", func(t *testing.T) {
		r := score(t, in, with(base, 26, 0), screening.ScoreOptions{NormSet: "uk"})
		s := scaleOf(t, r, "impact")
		assert.Equal(t, 0, s.Score)
		assert.True(t, s.Gated)
		assert.Equal(t, "normal", s.Band)
	})
	t.Run("recoded 0,1→0 2→1 3→2", func(t *testing.T) {
		r := score(t, in, with(base, 26, 2, 28, 3, 29, 2, 30, 1, 31, 0, 32, 3), screening.ScoreOptions{NormSet: "uk"})
		s := scaleOf(t, r, "impact")
		assert.Equal(t, 2+1+0+0+2, s.Score)
		assert.Equal(t, "abnormal", s.Band)
	})
	t.Run("difficulties without impact answers", func(t *testing.T) {
		_, err := in.Score(with(base, 26, 2), screening.ScoreOptions{Informant: screening.InformantParent, Age: 8})
		var ve *welfare.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.True(t, ve.Has("Answers[28]"))
	})
	t.Run("teacher impact has three items", func(t *testing.T) {
		tin := builtin(t, "sdq-teacher")
		r := score(t, tin, with(base, 26, 1, 28, 3, 29, 3, 30, 3), screening.ScoreOptions{})
		assert.Equal(t, 6, scaleOf(t, r, "impact").Score)
	})
}

func TestScoreValidation(t *testing.T) {
	phq := builtin(t, "phq9")
	cases := []struct {
		name    string
		answers screening.Answers
		opt     screening.ScoreOptions
		fields  []welfare.FieldError
	}{
		{"out of range", with(all(9, 0), 3, 4), screening.ScoreOptions{Informant: "self", Age: 14},
			[]welfare.FieldError{{Field: "Answers[3]", Rule: "range", Param: "0..3"}}},
		{"negative", with(all(9, 0), 1, -1), screening.ScoreOptions{Informant: "self", Age: 14},
			[]welfare.FieldError{{Field: "Answers[1]", Rule: "range", Param: "0..3"}}},
		{"unknown item", with(all(9, 0), 42, 1), screening.ScoreOptions{Informant: "self", Age: 14},
			[]welfare.FieldError{{Field: "Answers[42]", Rule: "item"}}},
		{"missing", seq(0, 0, 0, 0, 0, 0, 0), screening.ScoreOptions{Informant: "self", Age: 14},
			[]welfare.FieldError{{Field: "Answers[8]", Rule: "required", Param: "total"}, {Field: "Answers[9]", Rule: "required", Param: "total"}}},
		{"age", all(9, 0), screening.ScoreOptions{Informant: "self", Age: 9},
			[]welfare.FieldError{{Field: "Age", Rule: "range", Param: "12..120"}}},
		{"informant", all(9, 0), screening.ScoreOptions{Informant: "teacher", Age: 14},
			[]welfare.FieldError{{Field: "Informant", Rule: "oneof", Param: "self"}}},
		{"norm set", all(9, 0), screening.ScoreOptions{Informant: "self", Age: 14, NormSet: "nope"},
			[]welfare.FieldError{{Field: "NormSet", Rule: "oneof", Param: "kroenke-2001"}}},
		{"refused and answered", all(9, 0), screening.ScoreOptions{Informant: "self", Age: 14, Refused: []int{9}},
			[]welfare.FieldError{{Field: "Refused[0]", Rule: "excluded_with", Param: "Answers"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := phq.Score(c.answers, c.opt)
			require.ErrorIs(t, err, welfare.ErrInvalid)
			var ve *welfare.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.fields, ve.Fields)
		})
	}
	t.Run("optional item may be missing", func(t *testing.T) {
		r := score(t, phq, all(9, 0), screening.ScoreOptions{})
		assert.True(t, r.Complete)
	})
	t.Run("refused item leaves the total unscored but flags", func(t *testing.T) {
		a := all(9, 0)
		delete(a, 9)
		r := score(t, phq, a, screening.ScoreOptions{Refused: []int{9}})
		assert.False(t, r.Complete)
		assert.False(t, scaleOf(t, r, "total").Scored)
		assert.Equal(t, []string{"phq9-item9"}, flagRules(r))
		assert.Equal(t, "red", r.Level)
	})
	t.Run("refused item without a flag: no level", func(t *testing.T) {
		a := all(9, 0)
		delete(a, 2)
		r := score(t, phq, a, screening.ScoreOptions{Refused: []int{2}})
		assert.Empty(t, r.Flags)
		assert.Equal(t, "", r.Level)
	})
	t.Run("PHQ-A suicide questions are required", func(t *testing.T) {
		_, err := builtin(t, "phqa").Score(all(9, 0), screening.ScoreOptions{Informant: "self", Age: 14})
		var ve *welfare.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, []welfare.FieldError{{Field: "Answers[12]", Rule: "required"}, {Field: "Answers[13]", Rule: "required"}}, ve.Fields)
	})
}

func TestEvaluateFlagsIgnoresOutOfRange(t *testing.T) {
	phq := builtin(t, "phq9")
	assert.Empty(t, phq.EvaluateFlags(screening.Answers{9: 7}, nil))
	assert.Len(t, phq.EvaluateFlags(screening.Answers{9: 2, 3: 99}, nil), 1)
	assert.Len(t, phq.EvaluateFlags(screening.Answers{}, []int{9}), 1)
}

func TestProgrammeOverridesLevels(t *testing.T) {
	in := builtin(t, "gad7")
	rules := welfare.Nanchang2025().Screening
	rules.RiskLevels = []welfare.RiskLevelRule{{Instrument: "gad7", Scale: "total", Band: "moderate", Level: "red"}}
	r := score(t, in, seq(2, 2, 2, 2, 1, 1, 1), screening.ScoreOptions{Rules: &rules})
	assert.Equal(t, "red", r.Level)
	assert.Equal(t, "total/moderate", r.LevelBecause)
	rules.Levels = []string{"low", "high"}
	_, err := in.Score(seq(2, 2, 2, 2, 1, 1, 1), screening.ScoreOptions{Informant: "self", Age: 14, Rules: &rules})
	assert.ErrorIs(t, err, welfare.ErrInvalid)
}

// randomAnswers answers every item of in at random (optional items too).
func randomAnswers(rng *rand.Rand, in *screening.Instrument) screening.Answers {
	a := screening.Answers{}
	for _, it := range in.Items {
		s := in.Response
		if it.Scale != nil {
			s = *it.Scale
		}
		a[it.Number] = s.Min + rng.IntN(s.Max-s.Min+1)
	}
	return a
}

// mirror maps every answer v to min+max−v.
func mirror(in *screening.Instrument, a screening.Answers) screening.Answers {
	out := screening.Answers{}
	for _, it := range in.Items {
		s := in.Response
		if it.Scale != nil {
			s = *it.Scale
		}
		if v, ok := a[it.Number]; ok {
			out[it.Number] = s.Min + s.Max - v
		}
	}
	return out
}

// scaleBounds returns the lowest and highest score of each scale from the definition.
func scaleBounds(in *screening.Instrument) map[string][2]int {
	item := map[int][2]int{}
	for _, it := range in.Items {
		s := in.Response
		if it.Scale != nil {
			s = *it.Scale
		}
		lo, hi := s.Min, s.Max
		if it.Recode != nil {
			lo, hi = slices.Min(it.Recode), slices.Max(it.Recode)
		}
		item[it.Number] = [2]int{lo, hi}
	}
	out := map[string][2]int{}
	sum := func(s screening.Scale) [2]int {
		var b [2]int
		for _, n := range s.Items {
			b[0] += item[n][0]
			b[1] += item[n][1]
		}
		for _, id := range s.Of {
			b[0] += out[id][0]
			b[1] += out[id][1]
		}
		return b
	}
	for _, s := range in.Subscales {
		out[s.ID] = sum(s)
	}
	if in.Total != nil {
		out[screening.TotalID] = sum(*in.Total)
	}
	return out
}

// TestPropertyScoresWithinRange: random complete answers to every built-in score every
// scale within its range, with a band wherever the default norm set has bands.
func TestPropertyScoresWithinRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, id := range screening.BuiltinIDs() {
		in := builtin(t, id)
		bounds := scaleBounds(in)
		for range 500 {
			a := randomAnswers(rng, in)
			r := score(t, in, a, screening.ScoreOptions{})
			for _, s := range r.Scales {
				b := bounds[s.Scale]
				require.True(t, s.Scored)
				require.GreaterOrEqual(t, s.Score, b[0], "%s %s", id, s.Scale)
				require.LessOrEqual(t, s.Score, b[1], "%s %s", id, s.Scale)
			}
			if r.Valid {
				require.NotEmpty(t, r.Level, id)
			}
		}
	}
}

// TestPropertyReversalSymmetry: mirroring every answer (v → min+max−v) mirrors every
// scale without recoded items: score(a) + score(mirror(a)) = lo + hi. It holds whether
// an item is reversed or not, so it checks the reversal arithmetic; and reversing a
// scale's reversed items by hand gives the unreversed sum.
func TestPropertyReversalSymmetry(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, id := range []string{"cesdc", "sdq-parent", "sdq-teacher", "sdq-self", "phq9", "gad7", "scared-child", "mht"} {
		in := builtin(t, id)
		bounds := scaleBounds(in)
		for range 300 {
			a := randomAnswers(rng, in)
			if strings.HasPrefix(id, "sdq") { // leave the impact supplement out (its items are recoded)
				for n := 26; n <= 33; n++ {
					delete(a, n)
				}
			}
			r1 := score(t, in, a, screening.ScoreOptions{})
			r2 := score(t, in, mirror(in, a), screening.ScoreOptions{})
			for _, s := range r1.Scales {
				s2 := scaleOf(t, r2, s.Scale)
				b := bounds[s.Scale]
				require.Equal(t, b[0]+b[1], s.Score+s2.Score, "%s %s", id, s.Scale)
			}
		}
	}
	// CES-DC: the total equals the plain sum with items 4, 8, 12, 16 mirrored.
	in := builtin(t, "cesdc")
	for range 200 {
		a := randomAnswers(rng, in)
		want := 0
		for n, v := range a {
			if n == 4 || n == 8 || n == 12 || n == 16 {
				v = 3 - v
			}
			want += v
		}
		r := score(t, in, a, screening.ScoreOptions{})
		require.Equal(t, want, scaleOf(t, r, "total").Score)
	}
}

// TestPropertyProrationMatchesFormula checks SDQ proration against the float formula
// round-half-up(mean × 5) for every way of answering 3 or 4 items of a scale.
func TestPropertyProrationMatchesFormula(t *testing.T) {
	in := builtin(t, "sdq-parent")
	emotional := []int{3, 8, 13, 16, 24}
	for mask := 0; mask < 1<<5; mask++ {
		n := 0
		for i := range 5 {
			n += mask >> i & 1
		}
		if n < 3 || n == 5 {
			continue
		}
		for vals := 0; vals < 243; vals++ { // 3^5 value combinations
			a := all(25, 0)
			sum, v := 0, vals
			for i, item := range emotional {
				x := v % 3
				v /= 3
				if mask>>i&1 == 1 {
					a[item] = x
					sum += x
				} else {
					delete(a, item)
				}
			}
			r := score(t, in, a, screening.ScoreOptions{})
			mean := float64(sum) / float64(n)
			want := int(mean*5 + 0.5 + 1e-9)
			require.Equal(t, want, scaleOf(t, r, "emotional").Score, "mask %b vals %d", mask, vals)
		}
	}
}

func TestBuiltinsRespectLicences(t *testing.T) {
	for _, id := range screening.BuiltinIDs() {
		in := builtin(t, id)
		texts := 0
		for _, it := range in.Items {
			if it.Text != "" {
				texts++
			}
		}
		switch id {
		case "phq9", "phqa", "gad7", "asq":
			assert.Equal(t, len(in.Items), texts, "%s embeds every item text", id)
			assert.True(t, in.Licence.EmbedTexts)
		default:
			assert.Zero(t, texts, "%s embeds no item text", id)
			assert.Empty(t, in.Instructions)
		}
		if in.Licence.Kind == screening.LicenceCopyrighted {
			assert.False(t, in.Licence.EmbedTexts)
			assert.Empty(t, in.Response.Labels, "%s: no labels either", id)
		}
	}
}

func TestCatalogue(t *testing.T) {
	cat := screening.Builtins()
	assert.Equal(t, len(screening.BuiltinIDs()), len(cat.IDs()))
	in, ok := cat.Get("phq9", "")
	require.True(t, ok)
	v2 := *in
	v2.Version = "2"
	cat2, err := cat.With(&v2)
	require.NoError(t, err)
	got, _ := cat2.Get("phq9", "")
	assert.Equal(t, "2", got.Version)
	got, _ = cat2.Get("phq9", "1")
	assert.Equal(t, "1", got.Version)
	_, err = cat2.With(&v2)
	assert.True(t, errors.Is(err, welfare.ErrDuplicate))
	_, err = screening.Builtin("nope")
	assert.ErrorIs(t, err, welfare.ErrNotFound)
}
