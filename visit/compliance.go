package visit

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// Status is a verdict on a child's quota, or on a child.
type Status string

// Statuses. A quota is short when a period it made due ended without the visits it
// asks for (AC-2: each sampled child whose visit count falls short); open when nothing
// is missed yet but a period that has not ended still lacks visits.
const (
	StatusMet   Status = "met"
	StatusOpen  Status = "open"
	StatusShort Status = "short"
)

// PeriodStatus is the verdict on one period of a quota.
type PeriodStatus string

// Period statuses.
const (
	PeriodMet    PeriodStatus = "met"
	PeriodOpen   PeriodStatus = "open"   // not ended, not yet met
	PeriodMissed PeriodStatus = "missed" // ended without the visits
)

// PeriodVerdict is one due period of a quota for a child.
type PeriodVerdict struct {
	Label  string       `json:"label"` // "project", "2025-03", "2025-Q1"
	Start  welfare.Date `json:"start"` // clipped to the programme Period
	End    welfare.Date `json:"end"`
	Status PeriodStatus `json:"status"`
	// MemberDays is the number of days the child is in the quota's category in the
	// period (for the period containing the query day: projected to its end).
	MemberDays int `json:"member_days"`
	// Counted lists the visits counted, in the order given (stores: start order).
	Counted []uuid.UUID `json:"counted,omitempty"`
}

// RuleVerdict is the verdict on one quota for one child: which periods were due,
// which were missed, and which visits counted.
type RuleVerdict struct {
	RuleID          string          `json:"rule_id"`
	Category        string          `json:"category"`
	Period          string          `json:"period"`
	Mode            string          `json:"mode"`
	Min             int             `json:"min"`
	RequireEvidence []string        `json:"require_evidence,omitempty"`
	Status          Status          `json:"status"`
	Periods         []PeriodVerdict `json:"periods"`           // due periods begun by the query day
	Missing         []string        `json:"missing,omitempty"` // labels of the missed periods
	Counted         []uuid.UUID     `json:"counted,omitempty"` // every visit counted, once

	memberNow bool // in the category on the query day (forecasts)
}

// ChildVerdict is a child's visit compliance on a day (VS-1..VS-3): one verdict per
// quota that made at least one period due, plus the facts of the programme-level
// measures.
type ChildVerdict struct {
	ChildID  uuid.UUID     `json:"child_id"`
	Township string        `json:"township"`
	Village  string        `json:"village,omitempty"`
	AsOf     welfare.Date  `json:"as_of"`
	Status   Status        `json:"status"` // short if any quota is short, else open if any is open
	Rules    []RuleVerdict `json:"rules,omitempty"`
	// Monitored: the child was monitored (在册) on at least one day of the programme
	// Period up to the query day: the population of VS-1 and VS-2.
	Monitored bool `json:"monitored"`
	// Visited and HomeVisited: at least one completed visit (a home visit) in the
	// programme Period up to the query time.
	Visited     bool `json:"visited"`
	HomeVisited bool `json:"home_visited"`
	Completed   int  `json:"completed"` // completed visits in the Period up to the query time
	Failed      int  `json:"failed"`    // failed attempts in the same span
	// LastVisit is the start of the latest completed visit counted above.
	LastVisit time.Time `json:"last_visit,omitzero"`
}

// Short reports whether any quota is short.
func (v ChildVerdict) Short() bool { return v.Status == StatusShort }

// Rule returns the verdict on quota id.
func (v ChildVerdict) Rule(id string) (RuleVerdict, bool) {
	for _, r := range v.Rules {
		if r.RuleID == id {
			return r, true
		}
	}
	return RuleVerdict{}, false
}

// Evaluate computes child c's compliance at asOf from its key-care ledger entries and
// its visits (latest versions; entries and visits of other children are ignored).
// It is pure: the same inputs give the same verdict.
func (q *Quotas) Evaluate(c *welfare.Child, entries []*welfare.KeyEntry, visits []*Visit, asOf time.Time) ChildVerdict {
	r := ChildRowOf(c)
	return q.evaluate(&r, entries, rowsOf(visits, nil), asOf)
}

// evaluate is Evaluate on the projections compliance reads: the child's row (ID,
// residence, lifecycle) and its visit rows.
func (q *Quotas) evaluate(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow, asOf time.Time) ChildVerdict {
	asOfDay := beijingDay(asOf)
	cv := ChildVerdict{ChildID: c.ID, Township: c.Township, Village: c.Village,
		AsOf: dateOfNum(asOfDay), Status: StatusMet}
	monitored, active := lifeSpans(c.Lifecycle, asOfDay)
	cv.Monitored = monitored.days(q.start, min(q.end, asOfDay)) > 0
	own := entries[:0:0]
	for _, e := range entries {
		if e.ChildID == c.ID {
			own = append(own, e)
		}
	}
	last := q.end
	for i := range visits {
		v := &visits[i]
		if v.ChildID != c.ID || v.Start.After(asOf) {
			continue
		}
		if d := beijingDay(v.Start); d < q.start || d > last {
			continue
		}
		if !v.Counts() {
			cv.Failed++
			continue
		}
		cv.Completed++
		cv.Visited = true
		cv.HomeVisited = cv.HomeVisited || v.Mode == ModeHome
		if v.Start.After(cv.LastVisit) {
			cv.LastVisit = v.Start
		}
	}
	for i := range q.rules {
		r := &q.rules[i]
		m := r.membership(monitored, active, own, asOfDay)
		rv, ok := q.evalRule(r, m, c.ID, visits, asOf, asOfDay)
		if !ok {
			continue
		}
		switch {
		case rv.Status == StatusShort:
			cv.Status = StatusShort
		case rv.Status == StatusOpen && cv.Status == StatusMet:
			cv.Status = StatusOpen
		}
		cv.Rules = append(cv.Rules, rv)
	}
	return cv
}

// evalRule returns the verdict on rule r for a child with membership m; ok is false
// when no period of r is due (the rule does not apply to the child yet).
func (q *Quotas) evalRule(r *quotaRule, m intervals, child uuid.UUID, visits []VisitRow, asOf time.Time, asOfDay int) (RuleVerdict, bool) {
	rv := RuleVerdict{RuleID: r.q.ID, Category: r.q.Category, Period: r.q.Period, Mode: r.q.Mode, Min: r.q.Min,
		RequireEvidence: r.q.RequireEvidence, Status: StatusMet, memberNow: m.contains(asOfDay)}
	if len(m) == 0 {
		return rv, false
	}
	begun := len(r.periods)
	for i, p := range r.periods {
		if p.start > asOfDay {
			begun = i
			break
		}
	}
	var slot, cnt [16]int
	due := slot[:0]
	n := 0
	for i := range begun {
		p := r.periods[i]
		md := memberDays(m, p, asOfDay)
		if !q.due(r, p, md) {
			due = append(due, -1)
			continue
		}
		due = append(due, n)
		n++
	}
	if n == 0 {
		return rv, false
	}
	rv.Periods = make([]PeriodVerdict, 0, n)
	for i := range begun {
		if due[i] >= 0 {
			p := r.periods[i]
			rv.Periods = append(rv.Periods, PeriodVerdict{Label: p.label, Start: dateOfNum(p.start), End: dateOfNum(p.end),
				MemberDays: memberDays(m, p, asOfDay)})
		}
	}
	// Two passes over the visits: count, then fill one backing array shared by the
	// periods' Counted slices (a verdict is built per child on county-wide scans).
	counted := cnt[:0]
	if n > len(cnt) {
		counted = make([]int, 0, n)
	}
	counted = counted[:n]
	total := 0
	idx := func(v *VisitRow) int {
		if v.ChildID != child || v.Start.After(asOf) || !counts(&r.q, v) {
			return -1
		}
		if i := periodIndex(r.periods[:begun], beijingDay(v.Start)); i >= 0 {
			return due[i]
		}
		return -1
	}
	for i := range visits {
		if j := idx(&visits[i]); j >= 0 {
			counted[j]++
			total++
		}
	}
	if total > 0 {
		ids := make([]uuid.UUID, 2*total)
		rv.Counted = ids[:0:total]
		off := total
		for j := range rv.Periods {
			rv.Periods[j].Counted = ids[off : off : off+counted[j]]
			off += counted[j]
		}
		for i := range visits {
			if j := idx(&visits[i]); j >= 0 {
				rv.Periods[j].Counted = append(rv.Periods[j].Counted, visits[i].ID)
				rv.Counted = append(rv.Counted, visits[i].ID)
			}
		}
	}
	for i := range rv.Periods {
		pv := &rv.Periods[i]
		switch {
		case len(pv.Counted) >= r.q.Min:
			pv.Status = PeriodMet
		case dayNum(pv.End) < asOfDay:
			pv.Status = PeriodMissed
			rv.Missing = append(rv.Missing, pv.Label)
			rv.Status = StatusShort
		default:
			pv.Status = PeriodOpen
			if rv.Status == StatusMet {
				rv.Status = StatusOpen
			}
		}
	}
	return rv, true
}

// ---- aggregates ----

// RuleSummary aggregates one quota over a set of children.
type RuleSummary struct {
	RuleID   string `json:"rule_id"`
	Children int    `json:"children"` // children with at least one due period
	Met      int    `json:"met"`      // children whose every due period is met
	Open     int    `json:"open"`
	Short    int    `json:"short"`
	// Child-periods: due = met + open + missed.
	PeriodsDue    int `json:"periods_due"`
	PeriodsMet    int `json:"periods_met"`
	PeriodsOpen   int `json:"periods_open"`
	PeriodsMissed int `json:"periods_missed"`
	// PeriodShare is PeriodsMet / (PeriodsMet + PeriodsMissed): the share of decided
	// periods that were met (1 when none is decided), to 4 decimal places.
	PeriodShare decimal.Decimal `json:"period_share"`
	// MembersNow counts the children in the quota's category on the query day.
	MembersNow int `json:"members_now"`
}

// Summary aggregates child verdicts.
type Summary struct {
	// Children counts the VS-1/VS-2 population: children monitored on at least one day
	// of the programme Period up to the query day.
	Children    int           `json:"children"`
	Visited     int           `json:"visited"`      // of Children, with a completed visit
	HomeVisited int           `json:"home_visited"` // of Children, with a completed home visit
	Short       int           `json:"short"`        // children short on any quota (AC-2 candidates)
	Open        int           `json:"open"`
	Completed   int           `json:"completed"` // completed visits of the children
	Failed      int           `json:"failed"`    // failed attempts
	Rules       []RuleSummary `json:"rules"`     // in the programme's quota order
}

func newSummary(q *Quotas) Summary {
	s := Summary{Rules: make([]RuleSummary, len(q.rules))}
	for i, r := range q.rules {
		s.Rules[i].RuleID = r.q.ID
	}
	return s
}

// add counts one child verdict.
func (s *Summary) add(cv *ChildVerdict) {
	if cv.Monitored {
		s.Children++
		if cv.Visited {
			s.Visited++
		}
		if cv.HomeVisited {
			s.HomeVisited++
		}
	}
	switch cv.Status {
	case StatusShort:
		s.Short++
	case StatusOpen:
		s.Open++
	}
	s.Completed += cv.Completed
	s.Failed += cv.Failed
	for i := range cv.Rules {
		rv := &cv.Rules[i]
		rs := s.rule(rv.RuleID)
		if rs == nil {
			continue
		}
		rs.Children++
		switch rv.Status {
		case StatusMet:
			rs.Met++
		case StatusOpen:
			rs.Open++
		case StatusShort:
			rs.Short++
		}
		if rv.memberNow {
			rs.MembersNow++
		}
		for _, p := range rv.Periods {
			rs.PeriodsDue++
			switch p.Status {
			case PeriodMet:
				rs.PeriodsMet++
			case PeriodOpen:
				rs.PeriodsOpen++
			case PeriodMissed:
				rs.PeriodsMissed++
			}
		}
	}
}

func (s *Summary) rule(id string) *RuleSummary {
	for i := range s.Rules {
		if s.Rules[i].RuleID == id {
			return &s.Rules[i]
		}
	}
	return nil
}

// Rule returns the summary of quota id.
func (s *Summary) Rule(id string) (RuleSummary, bool) {
	if r := s.rule(id); r != nil {
		return *r, true
	}
	return RuleSummary{}, false
}

func (s *Summary) finish() {
	for i := range s.Rules {
		r := &s.Rules[i]
		r.PeriodShare = share(r.PeriodsMet, r.PeriodsMet+r.PeriodsMissed, 1)
	}
}

// share is num/den to 4 decimal places (ifZero when den is 0).
func share(num, den int, ifZero int64) decimal.Decimal {
	if den == 0 {
		return decimal.NewFromInt(ifZero)
	}
	return decimal.NewFromInt(int64(num)).DivRound(decimal.NewFromInt(int64(den)), 4)
}

// Forecast projects the end-of-period position at the current pace: what each quota
// will be short by on the programme's last day if visits go on as they have so far.
// A projection for a person to read, not a verdict.
type Forecast struct {
	PeriodEnd   welfare.Date `json:"period_end"`
	ElapsedDays int          `json:"elapsed_days"` // programme days up to the query day
	TotalDays   int          `json:"total_days"`
	// VisitedShare and HomeShare are the projected VS-1 and VS-2 shares: children
	// visited (home-visited) so far plus the same daily pace for the remaining days,
	// over the current population.
	VisitedShare decimal.Decimal `json:"visited_share"`
	HomeShare    decimal.Decimal `json:"home_share"`
	Rules        []RuleForecast  `json:"rules"`
}

// RuleForecast projects one quota. For a project quota the unit is a child; for a
// monthly or quarterly quota, a child-period.
//
//   - project: Expected is the children due so far; ProjectedMet adds to those met the
//     same number per remaining day as per elapsed day, up to Expected.
//   - month, quarter: Expected adds to the child-periods due so far one per remaining
//     period for every child in the category on the query day; the not yet decided
//     ones are met at the share of decided periods met so far (PeriodShare).
type RuleForecast struct {
	RuleID             string `json:"rule_id"`
	Unit               string `json:"unit"` // "child" or "child_period"
	Expected           int    `json:"expected"`
	MetSoFar           int    `json:"met_so_far"`
	MissedSoFar        int    `json:"missed_so_far"`
	ProjectedMet       int    `json:"projected_met"`
	ProjectedShortfall int    `json:"projected_shortfall"`
}

// forecast projects summary s at asOf.
func (q *Quotas) forecast(s *Summary, asOf time.Time) Forecast {
	asOfDay := beijingDay(asOf)
	total := q.end - q.start + 1
	elapsed := min(max(asOfDay-q.start+1, 0), total)
	remaining := total - elapsed
	f := Forecast{PeriodEnd: dateOfNum(q.end), ElapsedDays: elapsed, TotalDays: total}
	pace := func(n int) int {
		if elapsed == 0 {
			return n
		}
		return n + int(int64(n)*int64(remaining)/int64(elapsed))
	}
	f.VisitedShare = share(min(pace(s.Visited), s.Children), s.Children, 0)
	f.HomeShare = share(min(pace(s.HomeVisited), s.Children), s.Children, 0)
	for i, r := range q.rules {
		rs := s.Rules[i]
		rf := RuleForecast{RuleID: rs.RuleID}
		if r.q.Period == PeriodProject {
			rf.Unit = "child"
			rf.Expected, rf.MetSoFar, rf.MissedSoFar = rs.Children, rs.Met, rs.Short
			rf.ProjectedMet = min(pace(rs.Met), rs.Children)
		} else {
			rf.Unit = "child_period"
			future := 0
			for _, p := range r.periods {
				if p.start > asOfDay {
					future++
				}
			}
			rf.Expected = rs.PeriodsDue + future*rs.MembersNow
			rf.MetSoFar, rf.MissedSoFar = rs.PeriodsMet, rs.PeriodsMissed
			undecided := rf.Expected - rs.PeriodsMet - rs.PeriodsMissed
			rf.ProjectedMet = rs.PeriodsMet + int(rs.PeriodShare.Mul(decimal.NewFromInt(int64(undecided))).Round(0).IntPart())
		}
		rf.ProjectedShortfall = rf.Expected - rf.ProjectedMet
		f.Rules = append(f.Rules, rf)
	}
	return f
}
