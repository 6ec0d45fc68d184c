package visit

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Quota categories and periods of welfare.VisitQuota.
const (
	CategoryAll = "all" // every monitored child
	CategoryKey = "key" // a child with any open key-care ledger entry

	PeriodProject = "project"
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"

	ModeAny = "any"

	PartialAnyDay  = "any_day"
	PartialMinDays = "min_days"
)

// HomeShareRuleID names the programme-level home-visit share (VS-2,
// welfare.VisitRules.HomeShare), which the Programme holds without a rule ID.
const HomeShareRuleID = "VS-2"

// Quotas is the compiled form of a programme's visit quotas (welfare.VisitRules): the
// periods of each quota clipped to the programme Period, in Beijing days. Build it once
// with NewQuotas and share it; it is read-only and safe for concurrent use.
//
// How the rules are read (every number comes from the Programme):
//
//   - Membership. Category "all" covers the days a child is in state monitored (在册).
//     Category "key" covers the days the child has any open key-care ledger entry
//     (welfare.KeyEntry.OpenOn) and has not exited; a key category code covers the days
//     with an open entry of that category and not exited. Only lifecycle events and
//     ledger dates on or before the query day are known.
//   - Periods. "project" is the programme Period; "month" and "quarter" are Beijing
//     calendar months and quarters, clipped to the Period (DOMAIN §6).
//   - Due. A project period is due if the child is a member on at least one day of it.
//     A month (and, by the same rule, a quarter) is due under PartialMonth "any_day" if
//     the child is a member on any day of it, under "min_days" if on at least
//     min(PartialMonthMinDays, days of the clipped period) days (at least one). For the
//     period containing the query day, membership is projected to the period's end if
//     the child is a member on the query day.
//   - Counting. A visit counts towards a period if it took place (Outcome completed),
//     its Beijing start day lies in the period, it started no later than the query
//     time, its mode is the quota's (or the quota's mode is "any"), and it carries
//     evidence of every kind in RequireEvidence. Visits count anywhere in a due period,
//     not only on member days: a key child's home visit on the 5th counts for a month in
//     which the child joined the ledger on the 10th and the month is due. Each visit is
//     one record, counted once: only its latest version is read.
//   - Status. A period with at least Min counted visits is met; one that ended before
//     the query day without them is missed; otherwise it is open.
type Quotas struct {
	prog       *welfare.Programme
	rules      []quotaRule
	start, end int // programme Period, day numbers (inclusive)
	anyDay     bool
	minDays    int
	dueSoon    int
}

type quotaRule struct {
	q       welfare.VisitQuota
	periods []span
	keyCat  welfare.KeyCategory // for a specific category
}

// span is an inclusive range of day numbers with a label.
type span struct {
	label      string
	start, end int
}

// NewQuotas compiles the programme's visit quotas, checking the settings the visit
// package interprets: each quota's category ("all", "key" or one of the programme's key
// categories), period, mode ("any" or one of Visits.Modes) and minimum, unique IDs, and
// PartialMonth. Errors are *welfare.ValidationError naming "Visits.Quotas[i].Field".
func NewQuotas(p *welfare.Programme) (*Quotas, error) {
	if p == nil {
		return nil, &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "Programme", Rule: "required"}}}
	}
	vr := p.Visits
	var fs []welfare.FieldError
	add := func(field, rule, param string) {
		fs = append(fs, welfare.FieldError{Field: field, Rule: rule, Param: param})
	}
	if p.Period.Start.IsZero() || p.Period.End.IsZero() || p.Period.End.Before(p.Period.Start) {
		add("Period", "range", "")
	}
	switch vr.PartialMonth {
	case PartialAnyDay, PartialMinDays:
	default:
		add("Visits.PartialMonth", "oneof", "any_day min_days")
	}
	if vr.PartialMonthMinDays < 0 || vr.PartialMonthMinDays > 31 {
		add("Visits.PartialMonthMinDays", "range", "0..31")
	}
	if vr.DueSoonDays < 0 {
		add("Visits.DueSoonDays", "gte", "0")
	}
	q := &Quotas{prog: p, anyDay: vr.PartialMonth != PartialMinDays, minDays: max(1, vr.PartialMonthMinDays), dueSoon: vr.DueSoonDays}
	seen := map[string]bool{}
	for i, qu := range vr.Quotas {
		f := func(name string) string { return fmt.Sprintf("Visits.Quotas[%d].%s", i, name) }
		r := quotaRule{q: qu}
		r.q.RequireEvidence = slices.Clone(qu.RequireEvidence)
		if qu.ID == "" {
			add(f("ID"), "required", "")
		} else if seen[qu.ID] {
			add(f("ID"), "unique", "")
		}
		seen[qu.ID] = true
		switch qu.Category {
		case CategoryAll, CategoryKey:
		default:
			if _, ok := p.KeyCategory(welfare.KeyCategory(qu.Category)); !ok {
				add(f("Category"), "oneof", "all key or a programme key category")
			}
			r.keyCat = welfare.KeyCategory(qu.Category)
		}
		switch qu.Period {
		case PeriodProject, PeriodMonth, PeriodQuarter:
		default:
			add(f("Period"), "oneof", "project month quarter")
		}
		if qu.Mode != ModeAny && !slices.Contains(vr.Modes, qu.Mode) {
			add(f("Mode"), "oneof", "any or Visits.Modes")
		}
		if qu.Min < 1 {
			add(f("Min"), "gte", "1")
		}
		for j, k := range qu.RequireEvidence {
			switch EvidenceKind(k) {
			case EvidencePhoto, EvidenceVideo, EvidenceAudio, EvidenceCallRecord, EvidenceSignature:
			default:
				add(f(fmt.Sprintf("RequireEvidence[%d]", j)), "oneof", "photo video audio call_record signature")
			}
		}
		q.rules = append(q.rules, r)
	}
	if len(fs) > 0 {
		return nil, &welfare.ValidationError{Fields: fs}
	}
	q.start, q.end = dayNum(p.Period.Start), dayNum(p.Period.End)
	for i := range q.rules {
		q.rules[i].periods = periodsOf(q.rules[i].q.Period, p.Period)
	}
	return q, nil
}

// Programme returns the programme the quotas were compiled from.
func (q *Quotas) Programme() *welfare.Programme { return q.prog }

// periodsOf lists the periods of kind within the programme period, clipped to it.
func periodsOf(kind string, p welfare.Period) []span {
	ps, pe := dayNum(p.Start), dayNum(p.End)
	if kind == PeriodProject {
		return []span{{label: PeriodProject, start: ps, end: pe}}
	}
	step := 1
	if kind == PeriodQuarter {
		step = 3
	}
	y, m := p.Start.Year, p.Start.Month
	if kind == PeriodQuarter {
		m = time.Month((int(m)-1)/3*3 + 1)
	}
	var out []span
	for {
		first := welfare.NewDate(y, m, 1)
		next := first.AddDate(0, step, 0)
		s, e := dayNum(first), dayNum(next)-1
		if s > pe {
			return out
		}
		label := fmt.Sprintf("%04d-%02d", y, int(m))
		if kind == PeriodQuarter {
			label = fmt.Sprintf("%04d-Q%d", y, (int(m)-1)/3+1)
		}
		out = append(out, span{label: label, start: max(s, ps), end: min(e, pe)})
		y, m = next.Year, next.Month
	}
}

// ---- days ----

// dayNum numbers civil days from 1970-01-01; dateOfNum is its inverse.
func dayNum(d welfare.Date) int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOfNum(n int) welfare.Date {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return welfare.Date{Year: y, Month: m, Day: d}
}

// beijingDay is the day number of instant t's Beijing day.
func beijingDay(t time.Time) int {
	s := t.Unix() + 8*3600 // UTC+8, no daylight saving
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int(d)
}

const never = int(^uint(0) >> 1) // open end of an interval

// interval is a half-open range of day numbers [from, to).
type interval struct{ from, to int }

// intervals is a sorted, disjoint list.
type intervals []interval

// normalise sorts and merges in place.
func (xs intervals) normalise() intervals {
	slices.SortFunc(xs, func(a, b interval) int { return a.from - b.from })
	out := xs[:0]
	for _, x := range xs {
		if x.to <= x.from {
			continue
		}
		if n := len(out); n > 0 && x.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, x.to)
			continue
		}
		out = append(out, x)
	}
	return out
}

// intersect returns xs ∩ ys (both sorted, disjoint).
func (xs intervals) intersect(ys intervals) intervals {
	var out intervals
	i, j := 0, 0
	for i < len(xs) && j < len(ys) {
		from, to := max(xs[i].from, ys[j].from), min(xs[i].to, ys[j].to)
		if from < to {
			out = append(out, interval{from, to})
		}
		if xs[i].to < ys[j].to {
			i++
		} else {
			j++
		}
	}
	return out
}

// days counts the days of xs in the inclusive range [a, b].
func (xs intervals) days(a, b int) int {
	n := 0
	for _, x := range xs {
		from, to := max(x.from, a), min(x.to, b+1)
		if from < to {
			n += to - from
		}
	}
	return n
}

// contains reports whether day d is in xs.
func (xs intervals) contains(d int) bool {
	for _, x := range xs {
		if d >= x.from && d < x.to {
			return true
		}
	}
	return false
}

// lifeSpans returns the child's monitored days and not-exited days, from the
// lifecycle events effective on or before asOf.
func lifeSpans(lifecycle []LifecycleStep, asOf int) (monitored, active intervals) {
	n := 0
	for i, ev := range lifecycle {
		from := dayNum(ev.On)
		if from > asOf {
			break
		}
		to := never
		if i+1 < len(lifecycle) {
			if next := dayNum(lifecycle[i+1].On); next <= asOf {
				to = next
			}
		}
		n++
		switch ev.To {
		case welfare.StateMonitored:
			monitored = append(monitored, interval{from, to})
			active = append(active, interval{from, to})
		case welfare.StateIdentified:
			active = append(active, interval{from, to})
		}
	}
	return monitored.normalise(), active.normalise()
}

// ledgerSpans returns the days entries of category cat ("" for any) are open on or
// before asOf.
func ledgerSpans(entries []*welfare.KeyEntry, cat welfare.KeyCategory, asOf int) intervals {
	var out intervals
	for _, e := range entries {
		if cat != "" && e.Category != cat {
			continue
		}
		from := dayNum(e.Opened)
		if e.Opened.IsZero() || from > asOf {
			continue
		}
		to := never
		if e.Closed != nil && dayNum(*e.Closed) <= asOf {
			to = dayNum(*e.Closed)
		}
		out = append(out, interval{from, to})
	}
	return out.normalise()
}

// membership returns the days child c is in quota r's category.
func (r *quotaRule) membership(monitored, active intervals, entries []*welfare.KeyEntry, asOf int) intervals {
	switch r.q.Category {
	case CategoryAll:
		return monitored
	case CategoryKey:
		return ledgerSpans(entries, "", asOf).intersect(active)
	}
	return ledgerSpans(entries, r.keyCat, asOf).intersect(active)
}

// counts reports whether v counts towards quota q (outcome, mode, evidence; not time).
func counts(q *welfare.VisitQuota, v *VisitRow) bool {
	if !v.Counts() || (q.Mode != ModeAny && string(v.Mode) != q.Mode) {
		return false
	}
	return v.Evidence.Has(q.RequireEvidence...)
}

// periodIndex returns the index of the period containing day d, or -1.
func periodIndex(ps []span, d int) int {
	i, _ := slices.BinarySearchFunc(ps, d, func(s span, d int) int {
		switch {
		case s.end < d:
			return -1
		case s.start > d:
			return 1
		}
		return 0
	})
	if i < len(ps) && ps[i].start <= d && d <= ps[i].end {
		return i
	}
	return -1
}

// due reports whether a period with member days (projected for the open period) is due.
func (q *Quotas) due(r *quotaRule, p span, member int) bool {
	if member <= 0 {
		return false
	}
	if r.q.Period == PeriodProject || q.anyDay {
		return true
	}
	return member >= min(q.minDays, p.end-p.start+1)
}

// memberDays counts the member days of period p known on asOf, projecting membership
// to the period's end when the child is a member on asOf.
func memberDays(m intervals, p span, asOf int) int {
	if p.end <= asOf {
		return m.days(p.start, p.end)
	}
	n := m.days(p.start, asOf)
	if m.contains(asOf) {
		n += p.end - asOf
	}
	return n
}

// idsOf returns the IDs of vs.
func idsOf(vs []*Visit) []uuid.UUID {
	if len(vs) == 0 {
		return nil
	}
	out := make([]uuid.UUID, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}
