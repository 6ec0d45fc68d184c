package casework

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/childwelfare/liudong/welfare"
)

// Quarter is a Beijing calendar quarter, clipped to a programme period.
type Quarter struct {
	Year  int          `json:"year"`
	Q     int          `json:"q"` // 1..4
	Start welfare.Date `json:"start"`
	End   welfare.Date `json:"end"`
}

// String formats the quarter in Chinese: "2025年第3季度".
func (q Quarter) String() string { return fmt.Sprintf("%d年第%d季度", q.Year, q.Q) }

// Quarters lists the Beijing quarters overlapping p, each clipped to p.
func Quarters(p welfare.Period) []Quarter {
	var out []Quarter
	y, q := p.Start.Year, (int(p.Start.Month)-1)/3+1
	for {
		start := welfare.NewDate(y, time.Month(3*(q-1)+1), 1)
		if start.After(p.End) {
			return out
		}
		end := start.AddDate(0, 3, -1)
		qq := Quarter{Year: y, Q: q, Start: start, End: end}
		if qq.Start.Before(p.Start) {
			qq.Start = p.Start
		}
		if qq.End.After(p.End) {
			qq.End = p.End
		}
		out = append(out, qq)
		if q++; q > 4 {
			q, y = 1, y+1
		}
	}
}

// Gap is one thing a check misses (or still waits for), explained in Chinese.
type Gap struct {
	// What names it: a quarter ("2025Q3"), a holiday code and year ("mid_autumn/2025"),
	// an activity ID, or the count ("count").
	What    string       `json:"what"`
	From    welfare.Date `json:"from,omitzero"`
	To      welfare.Date `json:"to,omitzero"`
	Explain string       `json:"explain"`
}

// ActivityCheck is the verdict of one activity rule.
type ActivityCheck struct {
	RuleID   string `json:"rule_id"`
	Name     string `json:"name"` // Chinese
	Met      bool   `json:"met"`
	Required int    `json:"required"`
	Actual   int    `json:"actual"`
	// Missing lists what the rule lacks and can no longer be made up by waiting;
	// Pending what is not yet due on asOf. Met: both are empty.
	Missing []Gap `json:"missing,omitempty"`
	Pending []Gap `json:"pending,omitempty"`
}

// Explain says the verdict in Chinese, naming each missing quarter, holiday or activity.
func (c ActivityCheck) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "【%s】%s（%s）", c.RuleID, c.Name, map[bool]string{true: "达标", false: "未达标"}[c.Met])
	for _, g := range c.Missing {
		b.WriteString("；缺：" + g.Explain)
	}
	for _, g := range c.Pending {
		b.WriteString("；待完成：" + g.Explain)
	}
	return b.String()
}

// ActivityReport holds every activity check as of a day.
type ActivityReport struct {
	AsOf   welfare.Date    `json:"as_of"`
	Period welfare.Period  `json:"period"`
	Met    bool            `json:"met"`
	Checks []ActivityCheck `json:"checks"`
}

// Check returns the check with rule ID id.
func (r ActivityReport) Check(id string) (ActivityCheck, bool) {
	for _, c := range r.Checks {
		if c.RuleID == id {
			return c, true
		}
	}
	return ActivityCheck{}, false
}

// Rule IDs of the activity checks.
const (
	RuleActivities   = "CA-1"
	RuleParticipants = "CA-2"
	RulePolicyTalks  = "PT-1"
	RuleFestivals    = "CA-3/festival"
	RulePublicity    = "CA-3/publicity"
)

func isCare(a *Activity) bool { return a.Kind == ActivityCare || a.Kind == ActivityFestival }

// CheckActivities checks acts against the programme's ActivityRules and rules' holiday
// list as of day asOf (activities after asOf or outside the period are ignored):
//
//   - CA-1 at least MinActivities care or festival activities, at a venue other than
//     "other", with at least MinParticipants each;
//   - CA-2 every care or festival activity has at least MinParticipants;
//   - PT-1 at least PolicyTalksPerQuarter policy talks in every Beijing quarter of the
//     period (clipped to it); a quarter not yet over is pending;
//   - CA-3/festival (if FestivalActivities) every holiday occurring in the period has an
//     activity tied to it (Holidays lists its code) within FestivalDaysBefore ..
//     FestivalDaysAfter of its date;
//   - CA-3/publicity every activity was published (WeChat) within PublicityWithinDays
//     Beijing days after it.
func CheckActivities(acts []*Activity, prog *welfare.Programme, rules Rules, asOf welfare.Date) (ActivityReport, error) {
	ar := prog.Activities
	p := prog.Period
	var in []*Activity
	for _, a := range acts {
		if p.Contains(a.Date) && !a.Date.After(asOf) {
			in = append(in, a)
		}
	}
	slices.SortStableFunc(in, func(a, b *Activity) int { return a.Date.Compare(b.Date) })
	over := func(d welfare.Date) bool { return d.Before(asOf) }
	label := func(a *Activity) string { return fmt.Sprintf("%s「%s」", a.Date, a.Theme) }
	rep := ActivityReport{AsOf: asOf, Period: p}

	// CA-1
	c1 := ActivityCheck{RuleID: RuleActivities, Name: "关爱服务活动场次", Required: ar.MinActivities}
	for _, a := range in {
		if isCare(a) && a.VenueKind != VenueOther && a.Participants.Count() >= ar.MinParticipants {
			c1.Actual++
		}
	}
	if c1.Actual < c1.Required {
		g := Gap{What: "count", From: p.Start, To: p.End, Explain: fmt.Sprintf("截至%s参与人数不少于%d人的关爱服务活动%d场，应不少于%d场，尚缺%d场",
			asOf, ar.MinParticipants, c1.Actual, c1.Required, c1.Required-c1.Actual)}
		if over(p.End) {
			c1.Missing = append(c1.Missing, g)
		} else {
			c1.Pending = append(c1.Pending, g)
		}
	}
	rep.Checks = append(rep.Checks, c1)

	// CA-2
	c2 := ActivityCheck{RuleID: RuleParticipants, Name: "每场活动参与人数", Required: ar.MinParticipants}
	for _, a := range in {
		if !isCare(a) {
			continue
		}
		c2.Actual++
		if n := a.Participants.Count(); n < ar.MinParticipants {
			c2.Missing = append(c2.Missing, Gap{What: a.ID.String(), From: a.Date, To: a.Date,
				Explain: fmt.Sprintf("%s参与%d人，少于%d人", label(a), n, ar.MinParticipants)})
		}
	}
	rep.Checks = append(rep.Checks, c2)

	// PT-1
	c3 := ActivityCheck{RuleID: RulePolicyTalks, Name: "每季度政策宣讲", Required: ar.PolicyTalksPerQuarter}
	for _, q := range Quarters(p) {
		n := 0
		for _, a := range in {
			if a.Kind == ActivityTalk && !a.Date.Before(q.Start) && !a.Date.After(q.End) {
				n++
			}
		}
		if n >= ar.PolicyTalksPerQuarter {
			c3.Actual++
			continue
		}
		g := Gap{What: fmt.Sprintf("%dQ%d", q.Year, q.Q), From: q.Start, To: q.End,
			Explain: fmt.Sprintf("%s（%s至%s）政策宣讲%d场，应不少于%d场", q, q.Start, q.End, n, ar.PolicyTalksPerQuarter)}
		if over(q.End) {
			c3.Missing = append(c3.Missing, g)
		} else {
			c3.Pending = append(c3.Pending, g)
		}
	}
	rep.Checks = append(rep.Checks, c3)

	// CA-3 festivals
	c4 := ActivityCheck{RuleID: RuleFestivals, Name: "重大节日主题活动"}
	if ar.FestivalActivities {
		hs, err := HolidaysIn(rules.Holidays, p)
		if err != nil {
			return ActivityReport{}, err
		}
		c4.Required = len(hs)
		for _, h := range hs {
			from, to := h.Date.AddDate(0, 0, -rules.FestivalDaysBefore), h.Date.AddDate(0, 0, rules.FestivalDaysAfter)
			if slices.ContainsFunc(in, func(a *Activity) bool {
				return slices.Contains(a.Holidays, h.Holiday.Code) && !a.Date.Before(from) && !a.Date.After(to)
			}) {
				c4.Actual++
				continue
			}
			g := Gap{What: fmt.Sprintf("%s/%d", h.Holiday.Code, h.Date.Year), From: from, To: to,
				Explain: fmt.Sprintf("%s（%s）在%s至%s之间无节日主题活动", h.Holiday.Name, h.Date, from, to)}
			if over(to) {
				c4.Missing = append(c4.Missing, g)
			} else {
				c4.Pending = append(c4.Pending, g)
			}
		}
	}
	rep.Checks = append(rep.Checks, c4)

	// CA-3 publicity
	c5 := ActivityCheck{RuleID: RulePublicity, Name: "活动微信公众号宣传", Required: ar.PublicityWithinDays}
	for _, a := range in {
		due := a.Date.AddDate(0, 0, ar.PublicityWithinDays)
		switch {
		case a.Publicity != nil && !welfare.DateOf(a.Publicity.At).After(due) && !welfare.DateOf(a.Publicity.At).Before(a.Date):
			c5.Actual++
		case a.Publicity != nil:
			c5.Missing = append(c5.Missing, Gap{What: a.ID.String(), From: a.Date, To: due,
				Explain: fmt.Sprintf("%s于%s才发布宣传，应在%s前", label(a), welfare.DateOf(a.Publicity.At), due)})
		case over(due):
			c5.Missing = append(c5.Missing, Gap{What: a.ID.String(), From: a.Date, To: due,
				Explain: fmt.Sprintf("%s未在微信公众号发布宣传（应在%s前）", label(a), due)})
		default:
			c5.Pending = append(c5.Pending, Gap{What: a.ID.String(), From: a.Date, To: due,
				Explain: fmt.Sprintf("%s应在%s前发布宣传", label(a), due)})
		}
	}
	rep.Checks = append(rep.Checks, c5)

	rep.Met = true
	for i := range rep.Checks {
		c := &rep.Checks[i]
		c.Met = len(c.Missing) == 0 && len(c.Pending) == 0
		rep.Met = rep.Met && c.Met
	}
	return rep, nil
}
