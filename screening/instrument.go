package screening

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/childwelfare/liudong/welfare"
)

// Informant is who answers an instrument's items (填表人).
type Informant string

// Informants.
const (
	InformantSelf    Informant = "self"    // the child (自评)
	InformantParent  Informant = "parent"  // a parent or other guardian (家长评)
	InformantTeacher Informant = "teacher" // a teacher (教师评)
)

func validInformant(i Informant) bool {
	return i == InformantSelf || i == InformantParent || i == InformantTeacher
}

// LicenceKind says what an instrument's licence allows.
type LicenceKind string

// Licence kinds (DOMAIN §10).
const (
	// LicenceFree: free to use and reproduce (PHQ-9, PHQ-A, GAD-7: Pfizer).
	LicenceFree LicenceKind = "free"
	// LicenceNonProfit: free for non-profit use (SCARED, CES-DC, the NIMH ASQ).
	LicenceNonProfit LicenceKind = "non_profit"
	// LicenceCopyrighted: item texts may not be reproduced (SDQ, MHT, RCADS, CDI-2);
	// scoring by item number from the published key is fine.
	LicenceCopyrighted LicenceKind = "copyrighted"
)

// Licence records an instrument's terms of use. EmbedTexts says whether item texts and
// response labels may be stored with the definition; a copyrighted instrument never
// may, and Validate rejects a definition that carries texts its licence does not allow.
type Licence struct {
	Kind       LicenceKind `json:"kind"`
	Holder     string      `json:"holder,omitempty"`
	Note       string      `json:"note"`
	EmbedTexts bool        `json:"embed_texts"`
}

// Range is an inclusive range of whole numbers (ages in years).
type Range struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// Contains reports whether n lies in r.
func (r Range) Contains(n int) bool { return n >= r.Min && n <= r.Max }

// ResponseScale is the answers an item accepts: whole numbers Min..Max (yes/no items are
// 0..1, 0 = no). Labels, one per value, are stored only where the licence allows texts.
type ResponseScale struct {
	Min    int      `json:"min"`
	Max    int      `json:"max"`
	Labels []string `json:"labels,omitempty"`
}

// Item is one question, identified by its number on the published form. Text is set
// only where the licence allows (Licence.EmbedTexts).
type Item struct {
	Number int    `json:"number"`
	Text   string `json:"text,omitempty"`
	// Scale overrides the instrument's response scale (e.g. yes/no questions on a form
	// whose other items are 0..3).
	Scale *ResponseScale `json:"scale,omitempty"`
	// Optional items may be left unanswered. Only items outside every scale may be
	// optional; items of a scale follow the scale's missing-answer rule.
	Optional bool `json:"optional,omitempty"`
	// Recode maps each answer value (from the scale's Min) to the points it scores,
	// applied after reversal: the SDQ impact items score 0,1 → 0; 2 → 1; 3 → 2.
	Recode []int `json:"recode,omitempty"`
}

// Missing policies.
const (
	// MissingRequired: every item of the scale must be answered.
	MissingRequired = "required"
	// MissingProrate: a scale with at least MinAnswered items answered is prorated to
	// round-half-up(mean × number of items) (the SDQ rule: 3 of 5).
	MissingProrate = "prorate"
)

// MissingRule says what a scale does with unanswered items.
type MissingRule struct {
	Policy      string `json:"policy"`
	MinAnswered int    `json:"min_answered,omitempty"`
}

// Gate scores a scale without its items when a screening question says there is nothing
// to rate: when the gate item's answer is below Below, the scale scores Score and its
// items need no answer (SDQ impact: "no difficulties" scores 0).
type Gate struct {
	Item  int `json:"item"`
	Below int `json:"below"`
	Score int `json:"score"`
}

// Scale is a subscale, or the total, of an instrument: the sum of its items' points
// (after reversal and recoding) or, for a total, of other subscales.
type Scale struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh,omitempty"`
	// Items are the item numbers summed. A total may instead list subscale IDs in Of.
	Items []int    `json:"items,omitempty"`
	Of    []string `json:"of,omitempty"`
	// Missing overrides the instrument's missing-answer rule for this scale.
	Missing *MissingRule `json:"missing,omitempty"`
	Gate    *Gate        `json:"gate,omitempty"`
	// Optional: a scale none of whose items (nor gate item) is answered is left out
	// (e.g. the SDQ impact supplement when the back page was not used).
	Optional bool `json:"optional,omitempty"`
	// HigherIsBetter marks a strength scale (SDQ prosocial): a rising score improves.
	HigherIsBetter bool `json:"higher_is_better,omitempty"`
	// MinimalChange is the smallest change counted as improved or worsened; the
	// programme's ScreeningRules.MinimalChange overrides it. Zero means 1.
	MinimalChange int `json:"minimal_change,omitempty"`
}

// TotalID is the ID of every instrument's total scale.
const TotalID = "total"

// Band is one range of a scale's score under a norm set (e.g. SDQ normal 0–13).
type Band struct {
	Code   string `json:"code"`
	Name   string `json:"name,omitempty"`
	NameZh string `json:"name_zh,omitempty"`
	Min    int    `json:"min"`
	Max    int    `json:"max"`
}

// ScaleBands are the bands of one scale, covering its whole score range without gaps.
type ScaleBands struct {
	Scale string `json:"scale"`
	Bands []Band `json:"bands"`
}

// NormGroup holds the bands for some informants and an age band. Empty Informants means
// every informant; a zero Ages means every age.
type NormGroup struct {
	Informants []Informant  `json:"informants,omitempty"`
	Ages       Range        `json:"ages"`
	Scales     []ScaleBands `json:"scales"`
}

// NormSet is a versioned set of cut-offs from one source (e.g. SDQ UK, SDQ Chinese
// Shanghai norms, Du et al. 2008). Sources disagree; the set is data, chosen per session.
type NormSet struct {
	ID      string      `json:"id"`
	Version string      `json:"version"`
	Name    string      `json:"name"`
	Source  string      `json:"source"`
	Groups  []NormGroup `json:"groups"`
}

// Flag kinds.
const (
	// FlagItemAbove: an answer above Threshold on any of Items (PHQ-9 item 9 > 0).
	FlagItemAbove = "item_above"
	// FlagAnyYes: a yes (1) on any of Items, which must be yes/no items (ASQ 1–4).
	FlagAnyYes = "any_yes"
)

// FlagRule is a critical answer that raises an urgent concern whatever the scores. A
// flag cannot be suppressed: no option of the library disables one.
type FlagRule struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Items     []int  `json:"items"`
	Threshold int    `json:"threshold,omitempty"`
	// RefusalCounts: a refused answer to one of Items raises the flag too (ASQ: a
	// refusal is a positive screen).
	RefusalCounts bool `json:"refusal_counts,omitempty"`
	// Category of the urgent concern raised; default "suicide_risk".
	Category string `json:"category,omitempty"`
	// Acute: imminent risk; do not leave the child alone (ASQ question 5).
	Acute bool `json:"acute,omitempty"`
	// Level is the lowest risk level a flagged session has; default the programme's
	// highest level.
	Level string `json:"level,omitempty"`
	Note  string `json:"note,omitempty"`
}

// ValidityRule invalidates a session whose scale reaches AtLeast (MHT lie scale ≥ 7:
// invalid, retest).
type ValidityRule struct {
	ID      string `json:"id"`
	Scale   string `json:"scale"`
	AtLeast int    `json:"at_least"`
	Note    string `json:"note,omitempty"`
}

// RiskMapping maps a band of a scale to a risk level: the instrument's built-in default,
// which the programme's ScreeningRules.RiskLevels override band by band.
type RiskMapping struct {
	Scale string `json:"scale"`
	Band  string `json:"band"`
	Level string `json:"level"`
}

// Instrument is a screening tool (筛查量表) as data: items, response scale, reversals,
// scales, missing-answer rules, norm sets, flags, validity rules and the default mapping
// of bands to risk levels. Load one with LoadInstrument or take a built-in with Builtin.
// An Instrument is immutable once validated: to change one, build a new value (with a
// new Version) and validate it.
type Instrument struct {
	ID         string        `json:"id"`
	Version    string        `json:"version"`
	Name       string        `json:"name"`
	NameZh     string        `json:"name_zh,omitempty"`
	Source     string        `json:"source,omitempty"`
	Licence    Licence       `json:"licence"`
	Ages       Range         `json:"ages"`
	Informants []Informant   `json:"informants"`
	Response   ResponseScale `json:"response"`
	// Instructions are shown before the items, where the licence allows texts.
	Instructions string         `json:"instructions,omitempty"`
	Items        []Item         `json:"items"`
	Reverse      []int          `json:"reverse,omitempty"`
	Missing      MissingRule    `json:"missing"`
	Subscales    []Scale        `json:"subscales,omitempty"`
	Total        *Scale         `json:"total,omitempty"`
	NormSets     []NormSet      `json:"norm_sets,omitempty"`
	DefaultNorms string         `json:"default_norms,omitempty"`
	Flags        []FlagRule     `json:"flags,omitempty"`
	Validity     []ValidityRule `json:"validity,omitempty"`
	RiskLevels   []RiskMapping  `json:"risk_levels,omitempty"`

	plan *plan // set by Validate
}

// Limits on definitions, so that a loaded file cannot make scoring allocate or overflow.
const (
	MaxItems       = 500 // items per instrument, and the highest item number
	MaxAnswerValue = 100 // highest value of a response scale
	maxTextRunes   = 500
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Validate checks the definition and prepares it for scoring. The error is a
// *welfare.ValidationError naming each bad field (e.g. "Items[3].Text: licence").
func (in *Instrument) Validate() error {
	p, fields := compile(in)
	if len(fields) > 0 {
		return &welfare.ValidationError{Fields: fields}
	}
	in.plan = p
	return nil
}

// checker collects field errors.
type checker struct{ fields []welfare.FieldError }

func (c *checker) add(field, rule, param string) {
	c.fields = append(c.fields, welfare.FieldError{Field: field, Rule: rule, Param: param})
}

func idx(prefix string, i int) string { return prefix + "[" + strconv.Itoa(i) + "]" }

// itemInfo is an item as scoring sees it.
type itemInfo struct {
	present  bool
	min, max int
	reverse  bool
	recode   []int
	optional bool
	inScale  bool
	gate     bool
}

// points returns the points answer v scores.
func (it *itemInfo) points(v int) int {
	if it.reverse {
		v = it.min + it.max - v
	}
	if it.recode != nil {
		return it.recode[v-it.min]
	}
	return v
}

// pointRange returns the lowest and highest points the item can score.
func (it *itemInfo) pointRange() (int, int) {
	if it.recode == nil {
		return it.min, it.max
	}
	return slices.Min(it.recode), slices.Max(it.recode)
}

// scalePlan is a scale as scoring sees it.
type scalePlan struct {
	id       string
	items    []int
	of       []int // indexes of component scales
	missing  MissingRule
	gate     *Gate
	optional bool
	lo, hi   int
}

// plan is a validated instrument compiled for scoring.
type plan struct {
	items  []itemInfo // by item number
	order  []int      // item numbers in definition order
	scales []scalePlan
	byID   map[string]int
	norms  map[string]*NormSet
}

func compile(in *Instrument) (*plan, []welfare.FieldError) {
	c := &checker{}
	switch {
	case in.ID == "":
		c.add("ID", "required", "")
	case !idPattern.MatchString(in.ID):
		c.add("ID", "pattern", idPattern.String())
	}
	if in.Version == "" {
		c.add("Version", "required", "")
	} else if len(in.Version) > 20 {
		c.add("Version", "max", "20")
	}
	if in.Name == "" {
		c.add("Name", "required", "")
	}
	switch in.Licence.Kind {
	case LicenceFree, LicenceNonProfit:
	case LicenceCopyrighted:
		if in.Licence.EmbedTexts {
			c.add("Licence.EmbedTexts", "licence", string(LicenceCopyrighted))
		}
	default:
		c.add("Licence.Kind", "oneof", "free non_profit copyrighted")
	}
	texts := in.Licence.EmbedTexts && in.Licence.Kind != LicenceCopyrighted
	if in.Ages.Min < 0 || in.Ages.Max > 120 || in.Ages.Min > in.Ages.Max {
		c.add("Ages", "range", "0 <= min <= max <= 120")
	}
	if len(in.Informants) == 0 {
		c.add("Informants", "min", "1")
	}
	for i, inf := range in.Informants {
		if !validInformant(inf) {
			c.add(idx("Informants", i), "oneof", "self parent teacher")
		} else if slices.Index(in.Informants, inf) != i {
			c.add(idx("Informants", i), "unique", "")
		}
	}
	checkResponse(c, "Response", in.Response, texts)
	if !texts && in.Instructions != "" {
		c.add("Instructions", "licence", string(in.Licence.Kind))
	}
	checkMissing(c, "Missing", in.Missing, -1)

	p := &plan{byID: map[string]int{}, norms: map[string]*NormSet{}}
	if len(in.Items) == 0 {
		c.add("Items", "min", "1")
	}
	if len(in.Items) > MaxItems {
		c.add("Items", "max", strconv.Itoa(MaxItems))
		return nil, c.fields
	}
	maxNum := 0
	for _, it := range in.Items {
		maxNum = max(maxNum, it.Number)
	}
	if maxNum > MaxItems {
		maxNum = MaxItems
	}
	p.items = make([]itemInfo, maxNum+1)
	for i, it := range in.Items {
		f := idx("Items", i)
		if it.Number < 1 || it.Number > MaxItems {
			c.add(f+".Number", "range", "1.."+strconv.Itoa(MaxItems))
			continue
		}
		if p.items[it.Number].present {
			c.add(f+".Number", "unique", "")
			continue
		}
		rs := in.Response
		if it.Scale != nil {
			checkResponse(c, f+".Scale", *it.Scale, texts)
			rs = *it.Scale
		}
		if it.Text != "" && !texts {
			c.add(f+".Text", "licence", string(in.Licence.Kind))
		}
		if len([]rune(it.Text)) > maxTextRunes {
			c.add(f+".Text", "max", strconv.Itoa(maxTextRunes))
		}
		info := itemInfo{present: true, min: rs.Min, max: rs.Max, optional: it.Optional}
		if it.Recode != nil {
			if rs.Max < rs.Min || len(it.Recode) != rs.Max-rs.Min+1 {
				c.add(f+".Recode", "len", "one value per answer")
			} else if slices.Min(it.Recode) < 0 || slices.Max(it.Recode) > MaxAnswerValue {
				c.add(f+".Recode", "range", "0.."+strconv.Itoa(MaxAnswerValue))
			} else {
				info.recode = slices.Clone(it.Recode)
			}
		}
		p.items[it.Number] = info
		p.order = append(p.order, it.Number)
	}
	item := func(field string, n int) *itemInfo {
		if n < 1 || n >= len(p.items) || !p.items[n].present {
			c.add(field, "item", strconv.Itoa(n))
			return nil
		}
		return &p.items[n]
	}
	for i, n := range in.Reverse {
		f := idx("Reverse", i)
		if it := item(f, n); it != nil {
			if it.reverse {
				c.add(f, "unique", "")
			}
			it.reverse = true
		}
	}

	// Subscales, then the total.
	scaleRefs := func(prefix string, s Scale, isTotal bool) scalePlan {
		sp := scalePlan{id: s.ID, optional: s.Optional, missing: in.Missing}
		if s.Missing != nil {
			sp.missing = *s.Missing
			checkMissing(c, prefix+".Missing", *s.Missing, len(s.Items))
		} else if in.Missing.Policy == MissingProrate && in.Missing.MinAnswered > len(s.Items) && len(s.Items) > 0 {
			sp.missing = MissingRule{Policy: MissingRequired}
		}
		if s.Name == "" {
			c.add(prefix+".Name", "required", "")
		}
		if s.MinimalChange < 0 {
			c.add(prefix+".MinimalChange", "gte", "0")
		}
		switch {
		case len(s.Items) > 0 && len(s.Of) > 0:
			c.add(prefix+".Of", "excluded_with", "Items")
		case len(s.Items) == 0 && len(s.Of) == 0:
			c.add(prefix+".Items", "required", "")
		case len(s.Of) > 0 && !isTotal:
			c.add(prefix+".Of", "total_only", "")
		}
		for j, n := range s.Items {
			f := idx(prefix+".Items", j)
			if it := item(f, n); it != nil {
				if slices.Index(s.Items, n) != j {
					c.add(f, "unique", "")
					continue
				}
				it.inScale = true
				lo, hi := it.pointRange()
				sp.lo += lo
				sp.hi += hi
			}
		}
		sp.items = slices.Clone(s.Items)
		for j, id := range s.Of {
			f := idx(prefix+".Of", j)
			k, ok := p.byID[id]
			if !ok || id == TotalID {
				c.add(f, "scale", id)
				continue
			}
			if slices.Contains(sp.of, k) {
				c.add(f, "unique", "")
				continue
			}
			if p.scales[k].optional {
				c.add(f, "required_scale", id)
			}
			sp.of = append(sp.of, k)
			sp.lo += p.scales[k].lo
			sp.hi += p.scales[k].hi
		}
		if s.Gate != nil {
			f := prefix + ".Gate"
			if it := item(f+".Item", s.Gate.Item); it != nil {
				it.gate = true
				if slices.Contains(s.Items, s.Gate.Item) {
					c.add(f+".Item", "excluded", "scale items")
				}
			}
			if len(s.Of) > 0 {
				c.add(f, "excluded_with", "Of")
			}
			g := *s.Gate
			sp.gate = &g
		}
		return sp
	}
	for i, s := range in.Subscales {
		f := idx("Subscales", i)
		switch {
		case s.ID == "":
			c.add(f+".ID", "required", "")
		case s.ID == TotalID || !idPattern.MatchString(s.ID):
			c.add(f+".ID", "pattern", "not \"total\"; "+idPattern.String())
		default:
			if _, dup := p.byID[s.ID]; dup {
				c.add(f+".ID", "unique", "")
			}
		}
		sp := scaleRefs(f, s, false)
		if sp.gate != nil && (sp.gate.Score < sp.lo || sp.gate.Score > sp.hi) {
			c.add(f+".Gate.Score", "range", fmt.Sprintf("%d..%d", sp.lo, sp.hi))
		}
		p.byID[s.ID] = len(p.scales)
		p.scales = append(p.scales, sp)
	}
	if in.Total != nil {
		t := *in.Total
		if t.ID != "" && t.ID != TotalID {
			c.add("Total.ID", "eq", TotalID)
		}
		t.ID = TotalID
		if t.Optional {
			c.add("Total.Optional", "excluded", "")
		}
		sp := scaleRefs("Total", t, true)
		if sp.gate != nil && (sp.gate.Score < sp.lo || sp.gate.Score > sp.hi) {
			c.add("Total.Gate.Score", "range", fmt.Sprintf("%d..%d", sp.lo, sp.hi))
		}
		p.byID[TotalID] = len(p.scales)
		p.scales = append(p.scales, sp)
	}
	if len(p.scales) == 0 && len(in.Flags) == 0 {
		c.add("Subscales", "required_without", "Flags")
	}
	for i, n := range p.order {
		it := &p.items[n]
		if it.optional && it.inScale {
			c.add(idx("Items", i)+".Optional", "excluded", "scale items follow the scale's missing rule")
		}
	}

	// Norm sets.
	for i, ns := range in.NormSets {
		f := idx("NormSets", i)
		switch {
		case ns.ID == "":
			c.add(f+".ID", "required", "")
		case !idPattern.MatchString(ns.ID):
			c.add(f+".ID", "pattern", idPattern.String())
		case p.norms[ns.ID] != nil:
			c.add(f+".ID", "unique", "")
		}
		if ns.Version == "" {
			c.add(f+".Version", "required", "")
		}
		if ns.Source == "" {
			c.add(f+".Source", "required", "")
		}
		if len(ns.Groups) == 0 {
			c.add(f+".Groups", "min", "1")
		}
		for j, g := range ns.Groups {
			gf := idx(f+".Groups", j)
			for k, inf := range g.Informants {
				if !slices.Contains(in.Informants, inf) {
					c.add(idx(gf+".Informants", k), "oneof", "the instrument's informants")
				}
			}
			if g.Ages != (Range{}) && (g.Ages.Min < 0 || g.Ages.Min > g.Ages.Max || g.Ages.Max > 120) {
				c.add(gf+".Ages", "range", "0 <= min <= max <= 120")
			}
			for k, sb := range g.Scales {
				sf := idx(gf+".Scales", k)
				si, ok := p.byID[sb.Scale]
				if !ok {
					c.add(sf+".Scale", "scale", sb.Scale)
					continue
				}
				if slices.IndexFunc(g.Scales, func(o ScaleBands) bool { return o.Scale == sb.Scale }) != k {
					c.add(sf+".Scale", "unique", "")
				}
				checkBands(c, sf+".Bands", sb.Bands, p.scales[si].lo, p.scales[si].hi)
			}
		}
		nsCopy := ns
		if ns.ID != "" && p.norms[ns.ID] == nil {
			p.norms[ns.ID] = &nsCopy
		}
	}
	if in.DefaultNorms != "" && p.norms[in.DefaultNorms] == nil {
		c.add("DefaultNorms", "norm_set", in.DefaultNorms)
	}

	// Flags.
	seen := map[string]bool{}
	for i, fr := range in.Flags {
		f := idx("Flags", i)
		if fr.ID == "" {
			c.add(f+".ID", "required", "")
		} else if seen[fr.ID] {
			c.add(f+".ID", "unique", "")
		}
		seen[fr.ID] = true
		if len(fr.Items) == 0 {
			c.add(f+".Items", "min", "1")
		}
		for j, n := range fr.Items {
			it := item(idx(f+".Items", j), n)
			if it == nil {
				continue
			}
			switch fr.Kind {
			case FlagAnyYes:
				if it.min != 0 || it.max != 1 {
					c.add(idx(f+".Items", j), "yes_no", "scale 0..1")
				}
			case FlagItemAbove:
				if fr.Threshold < it.min || fr.Threshold >= it.max {
					c.add(f+".Threshold", "range", fmt.Sprintf("%d..%d", it.min, it.max-1))
				}
			}
		}
		if fr.Kind != FlagAnyYes && fr.Kind != FlagItemAbove {
			c.add(f+".Kind", "oneof", FlagItemAbove+" "+FlagAnyYes)
		}
	}

	// Validity rules and risk mappings.
	for i, v := range in.Validity {
		f := idx("Validity", i)
		if v.ID == "" {
			c.add(f+".ID", "required", "")
		}
		if _, ok := p.byID[v.Scale]; !ok {
			c.add(f+".Scale", "scale", v.Scale)
		}
	}
	for i, m := range in.RiskLevels {
		f := idx("RiskLevels", i)
		if m.Level == "" {
			c.add(f+".Level", "required", "")
		}
		if _, ok := p.byID[m.Scale]; !ok {
			c.add(f+".Scale", "scale", m.Scale)
			continue
		}
		if !p.hasBand(m.Scale, m.Band) {
			c.add(f+".Band", "band", m.Band)
		}
	}
	checkMandatoryFlags(c, in)
	if len(c.fields) > 0 {
		return nil, c.fields
	}
	return p, nil
}

// hasBand reports whether some norm set defines band on scale.
func (p *plan) hasBand(scale, band string) bool {
	for _, ns := range p.norms {
		for _, g := range ns.Groups {
			for _, sb := range g.Scales {
				if sb.Scale == scale && slices.ContainsFunc(sb.Bands, func(b Band) bool { return b.Code == band }) {
					return true
				}
			}
		}
	}
	return false
}

func checkResponse(c *checker, f string, rs ResponseScale, texts bool) {
	if rs.Min < 0 || rs.Max > MaxAnswerValue || rs.Min >= rs.Max {
		c.add(f, "range", "0 <= min < max <= "+strconv.Itoa(MaxAnswerValue))
		return
	}
	if len(rs.Labels) > 0 {
		if !texts {
			c.add(f+".Labels", "licence", "")
		} else if len(rs.Labels) != rs.Max-rs.Min+1 {
			c.add(f+".Labels", "len", strconv.Itoa(rs.Max-rs.Min+1))
		}
	}
}

// checkMissing checks a missing-answer rule; items < 0 means any scale size.
func checkMissing(c *checker, f string, m MissingRule, items int) {
	switch m.Policy {
	case MissingRequired:
		if m.MinAnswered != 0 {
			c.add(f+".MinAnswered", "excluded_with", "required")
		}
	case MissingProrate:
		if m.MinAnswered < 1 || (items >= 0 && m.MinAnswered > items) {
			c.add(f+".MinAnswered", "range", "1..items of the scale")
		}
	default:
		c.add(f+".Policy", "oneof", MissingRequired+" "+MissingProrate)
	}
}

// checkBands requires bands with distinct codes that cover lo..hi without gaps or
// overlaps (in any order).
func checkBands(c *checker, f string, bands []Band, lo, hi int) {
	if len(bands) == 0 {
		c.add(f, "min", "1")
		return
	}
	sorted := slices.Clone(bands)
	slices.SortFunc(sorted, func(a, b Band) int { return a.Min - b.Min })
	next := lo
	for i, b := range bands {
		if b.Code == "" {
			c.add(idx(f, i)+".Code", "required", "")
		} else if slices.IndexFunc(bands, func(o Band) bool { return o.Code == b.Code }) != i {
			c.add(idx(f, i)+".Code", "unique", "")
		}
		if b.Min > b.Max {
			c.add(idx(f, i), "range", "min <= max")
		}
	}
	for _, b := range sorted {
		if b.Min != next {
			c.add(f, "cover", fmt.Sprintf("%d..%d without gaps or overlaps", lo, hi))
			return
		}
		next = b.Max + 1
	}
	if next != hi+1 {
		c.add(f, "cover", fmt.Sprintf("%d..%d without gaps or overlaps", lo, hi))
	}
}

// mandatoryFlags are the flags DOMAIN §10 requires of these instruments whatever
// version a county loads: a definition under one of these IDs without them (at the
// highest level, and for the ASQ counting refusals) is rejected, so the suicide-risk
// flags cannot be dropped or weakened by editing a file.
var mandatoryFlags = map[string][]struct {
	item    int
	refusal bool // the rule must count a refusal as positive
}{
	"phq9": {{9, false}},
	"phqa": {{9, false}, {12, false}, {13, false}},
	"asq":  {{1, true}, {2, true}, {3, true}, {4, true}, {5, false}},
}

func checkMandatoryFlags(c *checker, in *Instrument) {
	for _, m := range mandatoryFlags[in.ID] {
		ok := slices.ContainsFunc(in.Flags, func(f FlagRule) bool {
			if !slices.Contains(f.Items, m.item) || (m.refusal && !f.RefusalCounts) || f.Level != "" {
				return false // a mandatory flag keeps the highest level
			}
			return f.Kind == FlagAnyYes || (f.Kind == FlagItemAbove && f.Threshold == 0)
		})
		if !ok {
			c.add("Flags", "mandatory", fmt.Sprintf("%s item %d", in.ID, m.item))
		}
	}
}
