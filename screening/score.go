package screening

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/childwelfare/liudong/welfare"
)

// Answers maps item numbers to answer values. A missing key is an unanswered item.
type Answers map[int]int

// Clone returns a copy.
func (a Answers) Clone() Answers {
	if a == nil {
		return nil
	}
	out := make(Answers, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// DefaultLevels are the risk levels used when no programme rules are given: green,
// yellow, orange, red (Sichuan's practice, DOMAIN §10), lowest first.
func DefaultLevels() []string { return []string{"green", "yellow", "orange", "red"} }

// ScoreOptions describe the session being scored.
type ScoreOptions struct {
	Informant Informant
	// Age is the child's age in whole years on the session date. It must lie in the
	// instrument's age range; a negative age skips the check and matches only norm
	// groups for every age.
	Age int
	// NormSet chooses the norm set by ID; "" takes the instrument's default (its
	// DefaultNorms, else its first set).
	NormSet string
	// Refused lists items the respondent was asked and declined to answer: they count
	// as asked (never "required"), score nothing, and raise flags whose rule counts a
	// refusal.
	Refused []int
	// Rules supply the risk levels and the programme's band-to-level overrides; nil
	// means DefaultLevels and the instrument's built-in mapping.
	Rules *welfare.ScreeningRules
}

// ScaleScore is one scale's score.
type ScaleScore struct {
	Scale string `json:"scale"`
	Score int    `json:"score"`
	// Scored is false when too many items were refused to score the scale.
	Scored   bool   `json:"scored"`
	Answered int    `json:"answered"`
	Items    int    `json:"items"`
	Prorated bool   `json:"prorated,omitempty"`
	Gated    bool   `json:"gated,omitempty"`
	Band     string `json:"band,omitempty"`
}

// Flag is a raised flag: a critical answer that needs an urgent response.
type Flag struct {
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Acute    bool   `json:"acute,omitempty"`
	Items    []int  `json:"items"`
	Refused  bool   `json:"refused,omitempty"` // raised by a refusal
	Level    string `json:"level"`
}

// Result is a scored session: scale scores and bands, validity, flags and the overall
// risk level.
type Result struct {
	Instrument  string    `json:"instrument"`
	Version     string    `json:"version"`
	Informant   Informant `json:"informant"`
	NormSet     string    `json:"norm_set,omitempty"`
	NormVersion string    `json:"norm_version,omitempty"`
	// Scales holds the subscales in definition order, then the total; optional scales
	// left unanswered are absent.
	Scales []ScaleScore `json:"scales"`
	// Complete: every scale present was scored.
	Complete bool `json:"complete"`
	// Valid is false when a validity rule failed (MHT lie scale ≥ 7: retest).
	Valid   bool     `json:"valid"`
	Invalid []string `json:"invalid,omitempty"`
	Flags   []Flag   `json:"flags,omitempty"`
	// Level is the overall risk level; "" when it cannot be determined (an invalid or
	// incomplete session without flags).
	Level string `json:"level"`
	// LevelBecause names what set the level: "flag/<rule>", "<scale>/<band>", or
	// "default" (nothing mapped above the lowest level).
	LevelBecause string `json:"level_because,omitempty"`
}

// Scale returns the score of scale id.
func (r *Result) Scale(id string) (ScaleScore, bool) {
	for _, s := range r.Scales {
		if s.Scale == id {
			return s, true
		}
	}
	return ScaleScore{}, false
}

// Flagged reports whether any flag was raised.
func (r *Result) Flagged() bool { return len(r.Flags) > 0 }

// Clone returns a deep copy.
func (r Result) Clone() Result {
	r.Scales = slices.Clone(r.Scales)
	r.Invalid = slices.Clone(r.Invalid)
	if r.Flags != nil {
		fl := make([]Flag, len(r.Flags))
		for i, f := range r.Flags {
			f.Items = slices.Clone(f.Items)
			fl[i] = f
		}
		r.Flags = fl
	}
	return r
}

// prepared returns the scoring plan, compiling an instrument that was never validated.
func (in *Instrument) prepared() (*plan, error) {
	if in.plan != nil {
		return in.plan, nil
	}
	p, fields := compile(in)
	if len(fields) > 0 {
		return nil, &welfare.ValidationError{Fields: fields}
	}
	return p, nil
}

// Score scores answers. Invalid input — an unknown item, an answer out of range, a
// required item unanswered, an age outside the instrument's range, an informant the
// instrument does not allow, an unknown norm set — fails with a *welfare.ValidationError
// naming each field ("Answers[7]: range=0..3", "Age: range=8..18"); flags are then
// still available from EvaluateFlags.
func (in *Instrument) Score(a Answers, opt ScoreOptions) (*Result, error) {
	p, err := in.prepared()
	if err != nil {
		return nil, err
	}
	c := &checker{}
	if !slices.Contains(in.Informants, opt.Informant) {
		c.add("Informant", "oneof", informantList(in.Informants))
	}
	if opt.Age >= 0 && !in.Ages.Contains(opt.Age) {
		c.add("Age", "range", fmt.Sprintf("%d..%d", in.Ages.Min, in.Ages.Max))
	}
	normID := opt.NormSet
	if normID == "" {
		normID = in.defaultNorms()
	}
	var norms *NormSet
	if normID != "" {
		if norms = p.norms[normID]; norms == nil {
			c.add("NormSet", "oneof", in.normList())
		}
	}
	// vals holds the answers densely by item number (-1: unanswered), so scoring reads
	// an array, not the map.
	vals := make([]int32, len(p.items))
	for i := range vals {
		vals[i] = -1
	}
	answered := func(n int) (int, bool) {
		v := vals[n]
		return int(v), v >= 0
	}
	// Look up each item (faster than iterating the map); only when some answers were
	// left over is the map walked for unknown items. Field names are built only for
	// errors.
	found := 0
	for _, n := range p.order {
		v, ok := a[n]
		if !ok {
			continue
		}
		found++
		if it := &p.items[n]; v < it.min || v > it.max {
			c.add("Answers["+strconv.Itoa(n)+"]", "range", fmt.Sprintf("%d..%d", it.min, it.max))
			continue
		}
		vals[n] = int32(v)
	}
	if found < len(a) {
		for n := range a {
			if n < 1 || n >= len(p.items) || !p.items[n].present {
				c.add("Answers["+strconv.Itoa(n)+"]", "item", "")
			}
		}
	}
	for i, n := range opt.Refused {
		f := idx("Refused", i)
		switch {
		case n < 1 || n >= len(p.items) || !p.items[n].present:
			c.add(f, "item", strconv.Itoa(n))
		case slices.Index(opt.Refused, n) != i:
			c.add(f, "unique", "")
		default:
			if _, ok := answered(n); ok {
				c.add(f, "excluded_with", "Answers")
			}
		}
	}
	if len(c.fields) > 0 {
		slices.SortStableFunc(c.fields, func(x, y welfare.FieldError) int { return cmpField(x.Field, y.Field) })
		return nil, &welfare.ValidationError{Fields: c.fields}
	}
	refused := func(n int) bool { return len(opt.Refused) > 0 && slices.Contains(opt.Refused, n) }

	r := &Result{Instrument: in.ID, Version: in.Version, Informant: opt.Informant, Complete: true, Valid: true,
		Scales: make([]ScaleScore, 0, len(p.scales))}
	at := make([]int, len(p.scales)) // index in r.Scales; -1: absent
	for i := range p.scales {
		sp := &p.scales[i]
		ss := ScaleScore{Scale: sp.id, Items: len(sp.items)}
		if len(sp.of) > 0 {
			ss.Scored = true
			for _, k := range sp.of {
				if at[k] < 0 || !r.Scales[at[k]].Scored {
					ss.Scored = false
					break
				}
				ss.Score += r.Scales[at[k]].Score
				ss.Answered += r.Scales[at[k]].Answered
			}
			at[i] = len(r.Scales)
			r.Scales = append(r.Scales, ss)
			continue
		}
		if sp.gate != nil {
			if v, ok := answered(sp.gate.Item); ok && v < sp.gate.Below {
				ss.Score, ss.Scored, ss.Gated = sp.gate.Score, true, true
				at[i] = len(r.Scales)
				r.Scales = append(r.Scales, ss)
				continue
			}
		}
		sum, asked := 0, 0
		for _, n := range sp.items {
			if v, ok := answered(n); ok {
				sum += p.items[n].points(v)
				ss.Answered++
				asked++
			} else if refused(n) {
				asked++
			}
		}
		gateAsked := false
		if sp.gate != nil {
			_, ok := answered(sp.gate.Item)
			gateAsked = ok || refused(sp.gate.Item)
		}
		n := len(sp.items)
		switch {
		case ss.Answered == n:
			ss.Score, ss.Scored = sum, true
		case sp.optional && asked == 0 && !gateAsked:
			at[i] = -1 // the scale was not used
			continue
		case sp.missing.Policy == MissingProrate && ss.Answered >= sp.missing.MinAnswered:
			ss.Score, ss.Scored, ss.Prorated = roundHalfUpRatio(sum*n, ss.Answered), true, true
		default:
			for _, m := range sp.items {
				if _, ok := answered(m); !ok && !refused(m) {
					c.add("Answers["+strconv.Itoa(m)+"]", "required", sp.id)
				}
			}
			ss.Scored = false
		}
		at[i] = len(r.Scales)
		r.Scales = append(r.Scales, ss)
	}
	// Items outside every scale: required unless optional or refused. Gate items are
	// required only when their scale was used (checked above through the scale).
	for _, n := range p.order {
		it := &p.items[n]
		if it.inScale || it.optional || it.gate {
			continue
		}
		if _, ok := answered(n); !ok && !refused(n) {
			c.add("Answers["+strconv.Itoa(n)+"]", "required", "")
		}
	}
	if len(c.fields) > 0 {
		slices.SortStableFunc(c.fields, func(x, y welfare.FieldError) int { return cmpField(x.Field, y.Field) })
		c.fields = slices.CompactFunc(c.fields, func(x, y welfare.FieldError) bool { return x.Field == y.Field && x.Rule == y.Rule })
		return nil, &welfare.ValidationError{Fields: c.fields}
	}
	for i := range r.Scales {
		if !r.Scales[i].Scored {
			r.Complete = false
		}
	}

	// Bands under the norm group for this informant and age.
	if norms != nil {
		if g := norms.group(opt.Informant, opt.Age); g != nil {
			r.NormSet, r.NormVersion = norms.ID, norms.Version
			for i := range r.Scales {
				ss := &r.Scales[i]
				if !ss.Scored {
					continue
				}
				for _, sb := range g.Scales {
					if sb.Scale == ss.Scale {
						ss.Band = bandOf(sb.Bands, ss.Score)
					}
				}
			}
		}
	}
	for _, v := range in.Validity {
		if ss, ok := r.Scale(v.Scale); ok && (!ss.Scored || ss.Score >= v.AtLeast) {
			r.Valid = false
			r.Invalid = append(r.Invalid, v.ID)
		}
	}
	r.Flags = in.evaluateFlags(p, answered, refused)
	if err := in.assignLevel(r, opt.Rules); err != nil {
		return nil, err
	}
	return r, nil
}

// EvaluateFlags returns the flags that the answers given raise, ignoring answers out of
// range and items the instrument does not have. It needs no complete session: a service
// raises these flags even for a session it rejects, so that no critical answer is lost.
func (in *Instrument) EvaluateFlags(a Answers, refused []int) []Flag {
	p, err := in.prepared()
	if err != nil {
		return nil
	}
	get := func(n int) (int, bool) {
		v, ok := a[n]
		return v, ok
	}
	return in.evaluateFlags(p, get, func(n int) bool { return slices.Contains(refused, n) })
}

func (in *Instrument) evaluateFlags(p *plan, get func(int) (int, bool), refused func(int) bool) []Flag {
	var out []Flag
	for _, fr := range in.Flags {
		var hit []int
		byRefusal := false
		for _, n := range fr.Items {
			it := &p.items[n]
			if v, ok := get(n); ok {
				if v < it.min || v > it.max {
					continue
				}
				if (fr.Kind == FlagAnyYes && v >= 1) || (fr.Kind == FlagItemAbove && v > fr.Threshold) {
					hit = append(hit, n)
				}
			} else if fr.RefusalCounts && refused(n) {
				hit = append(hit, n)
				byRefusal = true
			}
		}
		if len(hit) == 0 {
			continue
		}
		cat := fr.Category
		if cat == "" {
			cat = CategorySuicideRisk
		}
		out = append(out, Flag{Rule: fr.ID, Category: cat, Acute: fr.Acute, Items: hit, Refused: byRefusal, Level: fr.Level})
	}
	return out
}

// CategorySuicideRisk is the urgent-concern category of the built-in flags.
const CategorySuicideRisk = "suicide_risk"

func (in *Instrument) defaultNorms() string {
	if in.DefaultNorms != "" {
		return in.DefaultNorms
	}
	if len(in.NormSets) > 0 {
		return in.NormSets[0].ID
	}
	return ""
}

func (in *Instrument) normList() string {
	s := ""
	for i, ns := range in.NormSets {
		if i > 0 {
			s += " "
		}
		s += ns.ID
	}
	return s
}

func informantList(is []Informant) string {
	s := ""
	for i, x := range is {
		if i > 0 {
			s += " "
		}
		s += string(x)
	}
	return s
}

// group returns the first group for informant and age.
func (ns *NormSet) group(inf Informant, age int) *NormGroup {
	for i := range ns.Groups {
		g := &ns.Groups[i]
		if len(g.Informants) > 0 && !slices.Contains(g.Informants, inf) {
			continue
		}
		if g.Ages != (Range{}) && (age < 0 || !g.Ages.Contains(age)) {
			continue
		}
		return g
	}
	return nil
}

func bandOf(bands []Band, score int) string {
	for _, b := range bands {
		if score >= b.Min && score <= b.Max {
			return b.Code
		}
	}
	return ""
}

// roundHalfUpRatio returns num/den rounded half up, for num >= 0 and den > 0: the SDQ
// proration round-half-up(mean × items) computed exactly in integers.
func roundHalfUpRatio(num, den int) int { return (2*num + den) / (2 * den) }

// cmpField orders "Answers[9]" before "Answers[10]".
func cmpField(a, b string) int {
	na, oka := answerIndex(a)
	nb, okb := answerIndex(b)
	if oka && okb {
		return na - nb
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func answerIndex(f string) (int, bool) {
	const pre = "Answers["
	if len(f) <= len(pre)+1 || f[:len(pre)] != pre || f[len(f)-1] != ']' {
		return 0, false
	}
	n, err := strconv.Atoi(f[len(pre) : len(f)-1])
	return n, err == nil
}
