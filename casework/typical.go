package casework

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Narrative is a typical case's structured, de-identified narrative (典型案例, CS-2),
// fit for publication: no names, numbers, addresses or schools; the age as a band.
type Narrative struct {
	Title          string        `json:"title"`
	AgeBand        string        `json:"age_band"` // e.g. "12–14岁"
	Sex            string        `json:"sex,omitempty"`
	Needs          []NeedSummary `json:"needs,omitempty"`
	Services       []string      `json:"services,omitempty"` // catalogue names
	DurationMonths int           `json:"duration_months"`
	Background     string        `json:"background"`
	Assessment     string        `json:"assessment"`
	Intervention   string        `json:"intervention"`
	Outcome        string        `json:"outcome"`
	Reflection     string        `json:"reflection"`
}

// NeedSummary is one assessed need in a narrative.
type NeedSummary struct {
	Need  Need  `json:"need"`
	Level Level `json:"level"`
}

func (n Narrative) clone() Narrative {
	n.Needs, n.Services = slices.Clone(n.Needs), slices.Clone(n.Services)
	return n
}

func (n Narrative) normalized() Narrative {
	n.Needs, n.Services = nilIfEmpty(n.Needs), nilIfEmpty(n.Services)
	return n
}

// Text renders the narrative as the Chinese document published.
func (n Narrative) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", n.Title)
	fmt.Fprintf(&b, "服务对象：%s%s，服务周期约%d个月\n", n.AgeBand, n.Sex, n.DurationMonths)
	fmt.Fprintf(&b, "一、案例背景\n%s\n", n.Background)
	fmt.Fprintf(&b, "二、需求评估\n%s\n", n.Assessment)
	fmt.Fprintf(&b, "三、服务介入\n%s\n", n.Intervention)
	fmt.Fprintf(&b, "四、服务成效\n%s\n", n.Outcome)
	fmt.Fprintf(&b, "五、专业反思\n%s\n", n.Reflection)
	return b.String()
}

// AgeBand returns the publication band of an age: 0–2, 3–5, 6–8, 9–11, 12–14, 15–17岁.
func AgeBand(age int) string {
	if age < 0 {
		age = 0
	}
	lo := age / 3 * 3
	if lo >= 18 {
		return "18岁及以上"
	}
	return fmt.Sprintf("%d–%d岁", lo, lo+2)
}

// Deidentifier removes personal data from free text before publication. Terms are
// replaced by their stand-in (longest first); then identity and phone numbers, house
// numbers, runs of three or more digits and stated ages are replaced.
type Deidentifier struct {
	terms   []term
	ageBand string
}

type term struct{ text, repl string }

// Term is an extra piece of personal data to replace, with its stand-in (e.g. a
// staff member's name → "社工", a village name → "某村").
type Term struct {
	Text    string
	StandIn string
}

// NewDeidentifier builds a de-identifier for child c: its name and given name, the
// guardians' names and phone numbers, the identity number, addresses (and their street
// part), school, and the names of extra terms (e.g. staff names, the township and
// village names) all become stand-ins. ageBand replaces stated ages.
func NewDeidentifier(c *welfare.Child, ageBand string, extra ...Term) *Deidentifier {
	d := &Deidentifier{ageBand: ageBand}
	add := func(s, repl string) {
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) < 2 {
			return
		}
		d.terms = append(d.terms, term{s, repl})
	}
	if c != nil {
		add(c.Name, "小A")
		if r := []rune(c.Name); len(r) >= 3 {
			add(string(r[1:]), "小A") // the given name
		}
		for _, g := range c.Guardians {
			add(g.Name, "其监护人")
			add(g.Phone, "某电话")
		}
		add(c.IDNumber.Full(), "某证件号")
		for _, a := range []string{c.Residence.Address, c.Hukou.Address} {
			add(a, "某地")
			if i := strings.IndexFunc(a, func(r rune) bool { return r >= '0' && r <= '9' }); i > 0 {
				add(a[:i], "某地")
			}
		}
		add(c.Schooling.School, "某学校")
	}
	for _, e := range extra {
		add(e.Text, e.StandIn)
	}
	slices.SortStableFunc(d.terms, func(a, b term) int { return len(b.text) - len(a.text) })
	return d
}

var (
	reMobile = regexp.MustCompile(`1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}`)
	reID     = regexp.MustCompile(`[0-9]{17}[0-9Xx]|[0-9]{15}`)
	reHouse  = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百零〇两]+\s*(号楼|号院|号|栋|幢|单元|室|弄|巷|组)`)
	reAge    = regexp.MustCompile(`([0-9０-９]{1,2}|[一二三四五六七八九十两]{1,3})\s*(周岁|岁)(半)?`)
	reDigits = regexp.MustCompile(`[0-9０-９]{3,}`)
)

// Clean returns text without the personal data the de-identifier knows of.
func (d *Deidentifier) Clean(text string) string {
	for _, t := range d.terms {
		text = strings.ReplaceAll(text, t.text, t.repl)
	}
	text = reID.ReplaceAllString(text, "某证件号")
	text = reMobile.ReplaceAllString(text, "某电话")
	text = reHouse.ReplaceAllString(text, "某$1")
	band := d.ageBand
	if band == "" {
		band = "未成年"
	}
	text = reAge.ReplaceAllString(text, band)
	text = reDigits.ReplaceAllString(text, "某")
	return text
}

// Leaks lists the known terms still present in text (none after Clean).
func (d *Deidentifier) Leaks(text string) []string {
	var out []string
	for _, t := range d.terms {
		if strings.Contains(text, t.text) {
			out = append(out, t.text)
		}
	}
	return out
}

// TypicalInput holds the worker's texts for a typical case's narrative; the library
// de-identifies them. Title is optional.
type TypicalInput struct {
	Title        string `validate:"max=100"`
	Background   string `validate:"required,max=2000"`
	Assessment   string `validate:"max=2000"`
	Intervention string `validate:"max=2000"`
	Outcome      string `validate:"max=2000"`
	Reflection   string `validate:"required,max=2000"`
}

// BuildNarrative writes the de-identified narrative of closed case cs for child c.
// catalogue names the services; extra terms (staff names, place names) are removed too.
func BuildNarrative(cs *Case, c *welfare.Child, cat *welfare.Catalogue, in TypicalInput, extra ...Term) (Narrative, error) {
	if !cs.Closed() {
		return Narrative{}, fmt.Errorf("%w: only a closed case can be typical", welfare.ErrTransition)
	}
	openedOn := welfare.DateOf(cs.Opened)
	band := AgeBand(c.AgeOn(openedOn))
	d := NewDeidentifier(c, band, extra...)
	n := Narrative{AgeBand: band, DurationMonths: max(openedOn.MonthsOn(cs.ClosedOn()), 1)}
	switch c.Sex {
	case welfare.SexMale:
		n.Sex = "男童"
	case welfare.SexFemale:
		n.Sex = "女童"
	}
	var assessed []string
	if a := cs.Assessment(); a != nil {
		for _, r := range a.Ratings {
			n.Needs = append(n.Needs, NeedSummary{r.Need, r.Level})
			s := r.Need.Chinese() + "需求" + r.Level.Chinese()
			if r.Summary != "" {
				s += "（" + d.Clean(r.Summary) + "）"
			}
			assessed = append(assessed, s)
		}
	}
	var plan []string
	if p := cs.Plan(); p != nil {
		for _, g := range p.Goals {
			plan = append(plan, "目标："+d.Clean(g.Text))
		}
		for _, a := range p.Actions {
			plan = append(plan, "行动："+d.Clean(a.Text))
			if a.Service != "" {
				name := a.Service
				if cat != nil {
					if sv, ok := cat.Service(a.Service); ok {
						name = sv.Name
					}
				}
				if !slices.Contains(n.Services, name) {
					n.Services = append(n.Services, name)
				}
			}
		}
	}
	cl := cs.Closure()
	title := in.Title
	if title == "" {
		title = "流动儿童个案服务典型案例"
	}
	origin := map[OriginKind]string{OriginLedger: "重点关爱对象台账", OriginScreening: "心理健康筛查",
		OriginVisit: "探视巡访", OriginIncident: "紧急事件", OriginRequest: "主动求助"}[cs.Origin.Kind]
	// Generated parts hold codes only; every free text is cleaned on its own.
	n.Title = d.Clean(title)
	n.Background = fmt.Sprintf("本案服务对象为一名%s流动%s，经%s发现并开案。", band, n.Sex, origin) + d.Clean(in.Background)
	n.Assessment = strings.Join(assessed, "；") + "。" + d.Clean(in.Assessment)
	interv := strings.Join(plan, "；")
	if len(n.Services) > 0 {
		interv += "。提供服务：" + strings.Join(n.Services, "、")
	}
	n.Intervention = interv + "。" + d.Clean(in.Intervention)
	n.Outcome = "结案情况：" + cl.Outcome.Chinese() + "。" + d.Clean(cl.Summary) + d.Clean(in.Outcome)
	n.Reflection = d.Clean(in.Reflection)
	if leaks := d.Leaks(n.Text()); len(leaks) > 0 {
		return Narrative{}, fmt.Errorf("casework: narrative still holds %d personal terms", len(leaks))
	}
	return n, nil
}

// TypicalCheck is the CS-2 verdict.
type TypicalCheck struct {
	RuleID string      `json:"rule_id"`
	Met    bool        `json:"met"`
	Min    int         `json:"min"`
	Count  int         `json:"count"`
	Cases  []uuid.UUID `json:"cases,omitempty"`
}

// Explain says the verdict in Chinese.
func (t TypicalCheck) Explain() string {
	if t.Met {
		return fmt.Sprintf("典型案例%d个，达到不少于%d个的要求", t.Count, t.Min)
	}
	return fmt.Sprintf("典型案例%d个，少于要求的%d个，尚缺%d个", t.Count, t.Min, t.Min-t.Count)
}
