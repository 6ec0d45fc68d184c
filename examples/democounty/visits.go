package democounty

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// VisitOptions selects the demo visits. The zero value gives the defaults.
type VisitOptions struct {
	// Seed selects the visits; zero means DefaultSeed. Equal options and county give
	// equal visits, byte for byte.
	Seed uint64
	// End is the last day of visits; zero means the day before County.AsOf or the
	// programme's last day, whichever is earlier. It is clipped to the Period.
	End welfare.Date
}

// Planted problem settings (see the package documentation above).
const (
	shareNeverVisited = 0.02
	shareKeyMissing   = 0.12
	shareKeyNoPhoto   = 0.03
	cloneWorkers      = 3
	shareCloned       = 0.70
	reusedPhotoGroups = 25
	travelPairs       = 15
	travelMinKm       = 20.0
	shareBunched      = 0.95
	urgentVisits      = 8
	shareFailed       = 0.05
	shareReferral     = 0.005
	shareConcern      = 0.03
	lateWeight        = 1.0 / 6 // relative weight of a month's last EndOfPeriodDays days
)

// VisitTruth is the ground truth of the planted problems: what a compliance check or a
// quality signal should find.
type VisitTruth struct {
	Start, End welfare.Date // the window
	// Population is the number of children monitored on some day of the window.
	Population   int         `json:"population"`
	NeverVisited []uuid.UUID `json:"never_visited"`
	// NotYetVisited are the non-key children first monitored in the window's last 20 days
	// (2 × EndOfPeriodDays), not yet visited: not a problem while the window ends before
	// the Period (VS-1 is due by the Period's end); a window ending with the Period has
	// none. Never visited ∪ not yet visited are the window's unvisited children.
	NotYetVisited []uuid.UUID `json:"not_yet_visited"`
	// KeyMissing maps a key child to the labels of the due months left without a visit.
	KeyMissing map[uuid.UUID][]string `json:"key_missing"`
	// KeyNoPhoto maps a key child to the month whose only home visit lacks a photo.
	KeyNoPhoto     map[uuid.UUID]string `json:"key_no_photo"`
	Cloners        []uuid.UUID          `json:"cloners"`
	ClonedVisits   []uuid.UUID          `json:"cloned_visits"`
	PhotoReuser    uuid.UUID            `json:"photo_reuser"`
	ReusedPhotos   []string             `json:"reused_photos"` // SHA-256 of each reused photo
	TravelWorker   uuid.UUID            `json:"travel_worker"`
	TravelPairs    [][2]uuid.UUID       `json:"travel_pairs"` // visit IDs: first, then second
	BunchingWorker uuid.UUID            `json:"bunching_worker"`
	UrgentVisits   []uuid.UUID          `json:"urgent_visits"`
	FailedAttempts int                  `json:"failed_attempts"`
}

// GenerateVisits returns the demo visits (探视巡访) of county c (version 0; load them with
// LoadVisits), ordered by start, then ID. They behave like a real provider's records,
// with problems planted at known rates so that compliance checks and quality signals can
// be tested for what they find; GenerateVisitsWithTruth also returns the ground truth.
//
// # Window
//
// Visits lie in the programme Period from its first day to VisitOptions.End (default:
// the day before County.AsOf, or the Period's last day if that is earlier). Only
// children monitored (在册) on some day of the window are visited, only on days they are
// monitored (a child who exits is visited before the exit), and key children on days
// they are on the ledger.
//
// # Normal behaviour
//
//	Who                        Rule
//	-------------------------  ------------------------------------------------------------
//	newly monitored children   a non-key child first monitored in the window's last 20
//	                           days is not visited yet (VisitTruth.NotYetVisited), unless
//	                           the window ends with the Period
//	ordinary children          1 visit (55%), 2 (30%) or 3 (15%); the first at home with
//	                           probability 0.62, else phone (80%) or video; later visits home
//	                           30%, phone 55%, video 15%; the first within 75 days of the
//	                           child's first monitored day in the window
//	key children (VS-3)        one home visit with a photo (and a signature half the time)
//	                           in every month the programme's quotas make due
//	                           (visit.Quotas, PartialMonth rule included), on a day the
//	                           child is on the ledger (within its first 4 such days when
//	                           it joined mid-month); 30% also get one phone call
//	visitors (VS-4)            ordinary visits: the village's child director 75%, the
//	                           township's child supervisor 8%, station staff 6% (where the
//	                           township has them, else the director), the village's 童伴妈妈
//	                           6% (where it has one, else the director), the township's
//	                           social worker 5%; key visits: director 50%, supervisor 25%,
//	                           social worker 25%
//	days and hours             Monday–Saturday; a visit falls in the last EndOfPeriodDays
//	                           (10) days of a month with a sixth of the weight of other
//	                           days (so that no worker looks bunched by chance); each
//	                           visitor at most 6 visits a day (directors) or 5 (more only
//	                           when every allowed day is full), one after another
//	                           from between 08:30 and 17:30 Beijing time (earlier the fuller
//	                           the day), with travel time of 5 min + distance at 35 km/h
//	                           between home visits
//	durations                  home 25–65 min, phone 8–25, video 10–30 (all above the
//	                           programme's MinMinutes); failed attempts 1–10 min
//	location                   home visits: the child's address point moved 5–40 m, accuracy
//	                           5–25 m; phone and video: none
//	evidence                   home: a photo (random SHA-256 and perceptual hash); phone and
//	                           video: a call record whose length is the visit's ±15 s
//	entry                      device time 0–3 min and received time 2–40 min after the end
//	failed attempts            5% of visits are preceded 1–4 days earlier by a failed
//	                           attempt (phone unreachable 60%, home unreachable or refused
//	                           40%), with a reason
//	referrals                  0.5% of completed visits ask for a referral (counsellor)
//	concerns noted             3% of completed visits observe a health, education or
//	                           benefits concern (never mental)
//
// # Planted problems
//
// Counts in brackets are the default county's (as of 2025-06-30, visits 1 January–29
// June 2025: 20,738 records, 11,488 children monitored in the window).
//
//	Problem                    Rule                                               Detected by
//	-------------------------  -------------------------------------------------  ----------------------
//	never visited              round(2% × non-key children in the window): no     VS-1 (open, then short
//	                           record at all [215]                                after the Period)
//	key months missed          round(12% × key children with ≥ 2 ended due        VS-3 missed months
//	                           months): 1 month (70%) or 2 skipped, never the
//	                           window's last month [89 children]
//	key visit without photo    round(3% × key children), others than the above:   VS-3 missed month
//	                           one ended due month's home visit has a signature
//	                           only [23]
//	cloned notes               3 child directors (not the bunching one): 70% of   cloned_notes
//	                           their completed visits' notes are one home (or     (2 per cloner)
//	                           phone) template with 1–2 characters changed [352]
//	reused photos              one township child supervisor: 25 photos each      evidence_reused
//	                           reused on 1–3 later home visits of other children
//	                           (same SHA-256 and perceptual hash)
//	impossible travel          the first social worker: 15 Sundays (after the      impossible_travel
//	                           window's first 60 days) with two home visits to
//	                           ordinary children ≥ 20 km apart, the second 5 min
//	                           after the first ends (extra visits)
//	end-of-period bunching     one child director of a large village: 95% of the  end_of_period_bunching
//	                           days drawn for their visits fall in the last 10      (per month)
//	                           days of a month
//	urgent concerns            8 completed home visits of distinct children       FollowUp.Urgent →
//	                           (suspected_harm, danger, missing_guardian, harm,    welfare.ConcernUrgent
//	                           other, in turn) with a safety concern observed     (Service.Record)
//
// Every figure is deterministic for a seed; the tests pin the default's and check that
// the compliance checks and visit.Detect find exactly the planted problems of these
// kinds (the peer-comparison signals, duration_outlier and answers_outlier, plant
// nothing and flag a few low-volume workers by chance).
func GenerateVisits(c *County, opts VisitOptions) ([]*visit.Visit, error) {
	vs, _, err := GenerateVisitsWithTruth(c, opts)
	return vs, err
}

// GenerateVisitsWithTruth returns the demo visits and the ground truth of the planted
// problems.
func GenerateVisitsWithTruth(c *County, opts VisitOptions) ([]*visit.Visit, *VisitTruth, error) {
	if c == nil || c.Programme == nil {
		return nil, nil, fmt.Errorf("democounty: GenerateVisits needs a county: %w", welfare.ErrInvalid)
	}
	q, err := visit.NewQuotas(c.Programme)
	if err != nil {
		return nil, nil, err
	}
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	p := c.Programme.Period
	end := opts.End
	if end.IsZero() {
		end = c.AsOf.AddDate(0, 0, -1)
	}
	if end.After(p.End) {
		end = p.End
	}
	if end.Before(p.Start) {
		return nil, nil, fmt.Errorf("democounty: visits end %s before the programme starts %s: %w", end, p.Start, welfare.ErrInvalid)
	}
	g := &vgen{
		c: c, prog: c.Programme, q: q,
		rng:   rand.New(rand.NewPCG(seed, 0x7669736974730a)), // "visits"
		ids:   welfare.NewSeededIDs(seed ^ 0x76697369740a),
		start: dayOf(p.Start), end: dayOf(end),
		load:  map[loadKey]int{},
		truth: &VisitTruth{Start: p.Start, End: end, KeyMissing: map[uuid.UUID][]string{}, KeyNoPhoto: map[uuid.UUID]string{}},
	}
	g.asOf = dateOf(g.end + 1).Start().Add(-time.Second)
	g.lateDays = max(c.Programme.Visits.Signals.EndOfPeriodDays, 1)
	g.staff()
	g.plan()
	visits := g.schedule()
	for _, p := range g.travel {
		g.truth.TravelPairs = append(g.truth.TravelPairs, [2]uuid.UUID{p[0].v.ID, p[1].v.ID})
	}
	g.plantPhotos(visits)
	slices.SortFunc(visits, func(a, b *visit.Visit) int {
		if x := a.Start.Compare(b.Start); x != 0 {
			return x
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return visits, g.truth, nil
}

// LoadVisits writes visits into store as one atomic unit, through the store (no status
// write-back, no concerns: records as they are). A store that already holds visits of
// the first visit's area is left as it is; loaded reports whether this call wrote. The
// values are not modified.
func LoadVisits(ctx context.Context, store visit.Store, visits []*visit.Visit) (loaded bool, err error) {
	if len(visits) == 0 {
		return false, nil
	}
	for _, err := range store.Visits(ctx, visit.Filter{Area: visits[0].AreaCode, Limit: 1}) {
		if err != nil {
			return false, err
		}
		return false, nil
	}
	err = store.Atomically(ctx, func(wtx welfare.Store) error {
		tx, ok := wtx.(visit.Store)
		if !ok {
			return fmt.Errorf("democounty: the store's transaction (%T) does not implement visit.Store", wtx)
		}
		for _, v := range visits {
			if err := tx.CreateVisit(ctx, v.Clone()); err != nil {
				return fmt.Errorf("democounty: visits: %w", err)
			}
		}
		return nil
	})
	return err == nil, err
}

// ---- generator ----

type loadKey struct {
	visitor uuid.UUID
	day     int
}

type vgen struct {
	c        *County
	prog     *welfare.Programme
	q        *visit.Quotas
	rng      *rand.Rand
	ids      *welfare.SeededIDs
	start    int // window, day numbers (inclusive)
	end      int
	asOf     time.Time // the end of the window's last day
	lateDays int

	director   map[string]*welfare.Staff // village → child director
	supervisor map[string]*welfare.Staff // township → child supervisor
	station    map[string]*welfare.Staff // township → station staff
	volunteer  map[string]*welfare.Staff // village → 童伴妈妈
	worker     map[string]*welfare.Staff // township → social worker
	workers    []*welfare.Staff
	entries    map[uuid.UUID][]*welfare.KeyEntry

	cloners  map[uuid.UUID]*cloneTemplates
	buncher  uuid.UUID
	reuser   uuid.UUID
	traveler *welfare.Staff

	intents []*intent
	travel  [][2]*intent
	load    map[loadKey]int
	truth   *VisitTruth
}

type cloneTemplates struct{ home, phone string }

// intent is one visit to be scheduled.
type intent struct {
	child   *welfare.Child
	visitor *welfare.Staff
	day     int
	mode    visit.Mode
	outcome visit.Outcome
	reason  string
	photo   bool // home visits: attach a photo
	sign    bool // attach a signature
	urgent  string
	refer   bool
	start   time.Time // fixed start (planted travel pairs); zero: scheduled
	minutes int
	v       *visit.Visit
}

func (g *vgen) staff() {
	g.director, g.supervisor, g.station, g.volunteer, g.worker = map[string]*welfare.Staff{}, map[string]*welfare.Staff{},
		map[string]*welfare.Staff{}, map[string]*welfare.Staff{}, map[string]*welfare.Staff{}
	for _, s := range g.c.Staff {
		switch s.Role {
		case welfare.RoleDirector:
			g.director[s.Scope] = s
		case welfare.RoleSupervisor:
			g.supervisor[s.Scope] = s
		case welfare.RoleStationStaff:
			g.station[s.Scope] = s
		case welfare.RoleVolunteer:
			g.volunteer[s.Scope] = s
		case welfare.RoleSocialWorker:
			g.workers = append(g.workers, s)
		}
	}
	if g.c.Divisions != nil && len(g.workers) > 0 {
		for i, t := range g.c.Divisions.Townships(g.prog.Area.Code) {
			g.worker[t.Code] = g.workers[i%len(g.workers)] // as Generate assigns them
		}
	}
	g.entries = map[uuid.UUID][]*welfare.KeyEntry{}
	for _, e := range g.c.KeyEntries {
		g.entries[e.ChildID] = append(g.entries[e.ChildID], e)
	}
}

// monitoredDays returns the child's monitored days in the window as [from, to] pairs.
func (g *vgen) monitoredDays(c *welfare.Child) [][2]int {
	var out [][2]int
	for i, ev := range c.Lifecycle {
		if ev.To != welfare.StateMonitored {
			continue
		}
		from, to := dayOf(ev.On), g.end
		if i+1 < len(c.Lifecycle) {
			to = min(to, dayOf(c.Lifecycle[i+1].On)-1)
		}
		from = max(from, g.start)
		if from <= to {
			out = append(out, [2]int{from, to})
		}
	}
	return out
}

func (g *vgen) stateOn(c *welfare.Child, day int) welfare.LifecycleState {
	state := welfare.LifecycleState("")
	for _, ev := range c.Lifecycle {
		if dayOf(ev.On) > day {
			break
		}
		state = ev.To
	}
	return state
}

func (g *vgen) exitedOn(c *welfare.Child, day int) bool {
	s := g.stateOn(c, day)
	return s == welfare.StateExited || s == ""
}

// member reports whether the child is in quota category cat on day (see visit.Quotas).
func (g *vgen) member(c *welfare.Child, cat string, day int) bool {
	if cat == visit.CategoryAll {
		return g.stateOn(c, day) == welfare.StateMonitored
	}
	if g.exitedOn(c, day) {
		return false
	}
	for _, e := range g.entries[c.ID] {
		if (cat == visit.CategoryKey || string(e.Category) == cat) && e.OpenOn(dateOf(day)) {
			return true
		}
	}
	return false
}

// plan decides every visit: who, which day, which mode, and the planted problems.
func (g *vgen) plan() {
	type keyPlan struct {
		c       *welfare.Child
		periods []duePeriod
	}
	var pop []*welfare.Child
	var keys []keyPlan
	spans := map[uuid.UUID][][2]int{}
	for _, c := range g.c.Children {
		sp := g.monitoredDays(c)
		cv := g.q.Evaluate(c, g.entries[c.ID], nil, g.asOf)
		var due []duePeriod
		for _, r := range cv.Rules {
			if r.Period == visit.PeriodProject {
				continue
			}
			for _, p := range r.Periods {
				due = append(due, duePeriod{rule: r, p: p})
			}
		}
		if len(sp) == 0 && len(due) == 0 {
			continue
		}
		if len(sp) > 0 {
			pop = append(pop, c)
			spans[c.ID] = sp
		}
		if len(due) > 0 {
			keys = append(keys, keyPlan{c, due})
		}
	}
	g.truth.Population = len(pop)
	g.chooseSpecialWorkers(pop)

	// Planted key problems.
	isKey := map[uuid.UUID]bool{}
	var twoEnded []int
	for i, k := range keys {
		isKey[k.c.ID] = true
		if ended := countEnded(k.periods, g.end); ended >= 2 {
			twoEnded = append(twoEnded, i)
		}
	}
	missing := g.sample(twoEnded, int(math.Round(float64(len(twoEnded))*shareKeyMissing)))
	var rest []int
	for i := range keys {
		if !slices.Contains(missing, i) && countEnded(keys[i].periods, g.end) >= 1 {
			rest = append(rest, i)
		}
	}
	noPhoto := g.sample(rest, int(math.Round(float64(len(keys))*shareKeyNoPhoto)))

	for i, k := range keys {
		skip := map[int]bool{}
		bad := -1
		var ended []int
		for j, dp := range k.periods {
			if dayOf(dp.p.End) < g.end {
				ended = append(ended, j)
			}
		}
		if slices.Contains(missing, i) {
			n := 1
			if g.rng.Float64() >= 0.7 && len(ended) >= 2 {
				n = 2
			}
			for _, j := range g.sample(ended, n) {
				skip[j] = true
				g.truth.KeyMissing[k.c.ID] = append(g.truth.KeyMissing[k.c.ID], k.periods[j].p.Label)
			}
			slices.Sort(g.truth.KeyMissing[k.c.ID])
		}
		if slices.Contains(noPhoto, i) {
			bad = ended[g.rng.IntN(len(ended))]
			g.truth.KeyNoPhoto[k.c.ID] = k.periods[bad].p.Label
		}
		var planned []*intent
		for j, dp := range k.periods {
			if skip[j] || covered(planned, dp) {
				continue
			}
			days := g.memberDays(k.c, dp)
			if len(days) == 0 {
				continue
			}
			if days[0] > dayOf(dp.p.Start)+3 {
				days = days[:min(4, len(days))] // joined mid-period: visited at once
			}
			mode := visit.Mode(dp.rule.Mode)
			if dp.rule.Mode == visit.ModeAny {
				mode = visit.ModeHome
			}
			vis := g.keyVisitor(k.c)
			it := &intent{child: k.c, visitor: vis, mode: mode, outcome: visit.OutcomeCompleted,
				photo: j != bad, sign: j == bad || g.rng.IntN(2) == 0}
			it.day = g.pickDay(vis, days)
			planned = append(planned, it)
			g.add(it)
		}
		if sp := spans[k.c.ID]; len(sp) > 0 && g.rng.Float64() < 0.3 {
			vis := g.ordinaryVisitor(k.c)
			g.add(&intent{child: k.c, visitor: vis, day: g.pickDay(vis, spanDays(sp)), mode: visit.ModePhone, outcome: visit.OutcomeCompleted})
		}
	}

	// Children never visited: non-key children of the population.
	var plain []int
	for i, c := range pop {
		if !isKey[c.ID] {
			plain = append(plain, i)
		}
	}
	never := g.sample(plain, int(math.Round(float64(len(plain))*shareNeverVisited)))
	defer sortIDs(g.truth.NotYetVisited)
	neverSet := map[int]bool{}
	for _, i := range never {
		neverSet[i] = true
		g.truth.NeverVisited = append(g.truth.NeverVisited, pop[i].ID)
	}
	sortIDs(g.truth.NeverVisited)

	for i, c := range pop {
		if isKey[c.ID] || neverSet[i] {
			continue
		}
		if spans[c.ID][0][0] > g.end-2*g.lateDays && g.end < dayOf(g.prog.Period.End) {
			g.truth.NotYetVisited = append(g.truth.NotYetVisited, c.ID) // monitored lately: visited later
			continue
		}
		days := spanDays(spans[c.ID])
		n := 1
		switch r := g.rng.Float64(); {
		case r >= 0.85:
			n = 3
		case r >= 0.55:
			n = 2
		}
		first := days[:min(len(days), 75)]
		for k := range n {
			vis := g.ordinaryVisitor(c)
			mode := visit.ModeHome
			r := g.rng.Float64()
			if k == 0 {
				switch {
				case r < 0.62:
				case r < 0.62+0.38*0.8:
					mode = visit.ModePhone
				default:
					mode = visit.ModeVideo
				}
			} else {
				switch {
				case r < 0.30:
				case r < 0.85:
					mode = visit.ModePhone
				default:
					mode = visit.ModeVideo
				}
			}
			pool := days
			if k == 0 {
				pool = first
			}
			g.add(&intent{child: c, visitor: vis, day: g.pickDay(vis, pool), mode: mode, outcome: visit.OutcomeCompleted, photo: mode == visit.ModeHome})
		}
	}

	// Failed attempts before 5% of the visits.
	base := slices.Clone(g.intents)
	for _, it := range base {
		if g.rng.Float64() >= shareFailed {
			continue
		}
		day := it.day - 1 - g.rng.IntN(4)
		if day < g.start || !g.monitoredOn(spans[it.child.ID], day) && !g.member(it.child, visit.CategoryKey, day) || weekday(day) == time.Sunday {
			continue
		}
		f := &intent{child: it.child, visitor: it.visitor, day: day, mode: visit.ModePhone, outcome: visit.OutcomeUnreachable, reason: "电话无人接听"}
		if g.rng.Float64() >= 0.6 {
			f.mode = visit.ModeHome
			f.reason = "家中无人"
			if g.rng.IntN(2) == 0 {
				f.outcome, f.reason = visit.OutcomeRefused, "监护人以工作忙为由拒绝探访"
			}
		}
		g.add(f)
		g.truth.FailedAttempts++
	}

	// Urgent concerns and referrals on completed visits.
	var home []int
	seen := map[uuid.UUID]bool{}
	for i, it := range g.intents {
		if it.outcome == visit.OutcomeCompleted && it.mode == visit.ModeHome && !seen[it.child.ID] {
			home = append(home, i)
			seen[it.child.ID] = true
		}
	}
	cats := []string{"suspected_harm", "danger", "missing_guardian", "harm", "other"}
	for n, i := range g.sample(home, urgentVisits) {
		g.intents[i].urgent = cats[n%len(cats)]
	}
	for _, it := range g.intents {
		if it.outcome == visit.OutcomeCompleted && it.urgent == "" && g.rng.Float64() < shareReferral {
			it.refer = true
		}
	}
	for _, c := range pop { // travel pairs visit ordinary children: key months stay as planned
		if isKey[c.ID] {
			neverSet[slices.Index(pop, c)] = true
		}
	}
	g.plantTravel(pop, spans, neverSet)
}

type duePeriod struct {
	rule visit.RuleVerdict
	p    visit.PeriodVerdict
}

func countEnded(ps []duePeriod, end int) int {
	n := 0
	for _, dp := range ps {
		if dayOf(dp.p.End) < end {
			n++
		}
	}
	return n
}

// covered reports whether a planned intent already satisfies dp's rule in its period.
func covered(planned []*intent, dp duePeriod) bool {
	for _, it := range planned {
		d := dateOf(it.day)
		if d.Before(dp.p.Start) || d.After(dp.p.End) {
			continue
		}
		if dp.rule.Mode != visit.ModeAny && string(it.mode) != dp.rule.Mode {
			continue
		}
		if slices.Contains(dp.rule.RequireEvidence, string(visit.EvidencePhoto)) && !it.photo {
			continue
		}
		return true
	}
	return false
}

// memberDays lists the days of dp's period in the window the child is in the rule's
// category, Sundays left out unless nothing else remains.
func (g *vgen) memberDays(c *welfare.Child, dp duePeriod) []int {
	var days, sundays []int
	for d := max(dayOf(dp.p.Start), g.start); d <= min(dayOf(dp.p.End), g.end); d++ {
		if !g.member(c, dp.rule.Category, d) {
			continue
		}
		if weekday(d) == time.Sunday {
			sundays = append(sundays, d)
			continue
		}
		days = append(days, d)
	}
	if len(days) == 0 {
		return sundays
	}
	return days
}

func spanDays(sp [][2]int) []int {
	var out []int
	for _, s := range sp {
		for d := s[0]; d <= s[1]; d++ {
			if weekday(d) != time.Sunday {
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 && len(sp) > 0 {
		out = append(out, sp[0][0])
	}
	return out
}

func (g *vgen) monitoredOn(sp [][2]int, day int) bool {
	for _, s := range sp {
		if day >= s[0] && day <= s[1] {
			return true
		}
	}
	return false
}

func weekday(day int) time.Weekday { return time.Unix(int64(day)*86400, 0).UTC().Weekday() }

// lateInMonth reports whether day is one of the last lateDays days of its month.
func (g *vgen) lateInMonth(day int) bool {
	d := dateOf(day)
	last := dateOf(dayOf(welfare.NewDate(d.Year, d.Month+1, 1)) - 1)
	return last.Day-d.Day < g.lateDays
}

// pickDay draws a day from days for visitor: late-month days weigh lateWeight (the
// bunching worker: 95% late), and a visitor's full days are avoided: when the draws
// keep hitting full days, the least loaded day of the pool is taken.
func (g *vgen) pickDay(vis *welfare.Staff, days []int) int {
	if len(days) == 0 {
		return g.start
	}
	bunch := vis.ID == g.buncher
	for range 12 {
		day := days[g.rng.IntN(len(days))]
		late := g.lateInMonth(day)
		switch {
		case bunch && late, !bunch && !late:
		case bunch && !late && g.rng.Float64() >= 1-shareBunched:
			continue
		case !bunch && late && g.rng.Float64() >= lateWeight:
			continue
		}
		if g.load[loadKey{vis.ID, day}] < capacity(vis) {
			return day
		}
	}
	// Every draw was rejected: a random day among the least loaded, on time (or, for the
	// bunching worker, late) if possible.
	var best []int
	bestLoad, bestLate := int(^uint(0)>>1), false
	for _, day := range days {
		n, late := g.load[loadKey{vis.ID, day}], g.lateInMonth(day) == bunch
		switch {
		case n < bestLoad || (n == bestLoad && late && !bestLate):
			best, bestLoad, bestLate = append(best[:0], day), n, late
		case n == bestLoad && late == bestLate:
			best = append(best, day)
		}
	}
	return best[g.rng.IntN(len(best))]
}

func capacity(s *welfare.Staff) int {
	if s.Role == welfare.RoleDirector {
		return 6
	}
	return 5
}

func (g *vgen) add(it *intent) {
	g.load[loadKey{it.visitor.ID, it.day}]++
	g.intents = append(g.intents, it)
}

func (g *vgen) keyVisitor(c *welfare.Child) *welfare.Staff {
	r := g.rng.Float64()
	switch {
	case r < 0.25 && g.worker[c.Residence.Township] != nil:
		return g.worker[c.Residence.Township]
	case r < 0.50 && g.supervisor[c.Residence.Township] != nil:
		return g.supervisor[c.Residence.Township]
	}
	return g.directorOf(c)
}

func (g *vgen) ordinaryVisitor(c *welfare.Child) *welfare.Staff {
	r := g.rng.Float64()
	t := c.Residence.Township
	switch {
	case r < 0.08 && g.supervisor[t] != nil:
		return g.supervisor[t]
	case r >= 0.08 && r < 0.14 && g.station[t] != nil:
		return g.station[t]
	case r >= 0.14 && r < 0.20 && g.volunteer[c.Residence.Village] != nil:
		return g.volunteer[c.Residence.Village]
	case r >= 0.20 && r < 0.25 && g.worker[t] != nil:
		return g.worker[t]
	}
	return g.directorOf(c)
}

func (g *vgen) directorOf(c *welfare.Child) *welfare.Staff {
	if d := g.director[c.Residence.Village]; d != nil {
		return d
	}
	if s := g.supervisor[c.Residence.Township]; s != nil {
		return s
	}
	return g.workers[0]
}

// chooseSpecialWorkers picks the cloners, the bunching director, the photo reuser and
// the travelling social worker.
func (g *vgen) chooseSpecialWorkers(pop []*welfare.Child) {
	perVillage := map[string]int{}
	perTownship := map[string]int{}
	for _, c := range pop {
		perVillage[c.Residence.Village]++
		perTownship[c.Residence.Township]++
	}
	var directors []*welfare.Staff
	for _, s := range g.c.Staff {
		if s.Role == welfare.RoleDirector && perVillage[s.Scope] >= 40 {
			directors = append(directors, s)
		}
	}
	g.cloners = map[uuid.UUID]*cloneTemplates{}
	if len(directors) > cloneWorkers {
		// The bunching director has a large village, so that every month is judged.
		slices.SortStableFunc(directors, func(a, b *welfare.Staff) int { return perVillage[b.Scope] - perVillage[a.Scope] })
		g.buncher = directors[g.rng.IntN(min(5, len(directors)))].ID
		g.truth.BunchingWorker = g.buncher
		var others []int
		for i, s := range directors {
			if s.ID != g.buncher {
				others = append(others, i)
			}
		}
		for _, i := range g.sample(others, cloneWorkers) {
			s := directors[i]
			g.cloners[s.ID] = &cloneTemplates{}
			g.truth.Cloners = append(g.truth.Cloners, s.ID)
		}
		sortIDs(g.truth.Cloners)
	}
	bigTownship, best := "", 0
	for _, t := range sortedKeys(perTownship) {
		if perTownship[t] > best && g.supervisor[t] != nil {
			bigTownship, best = t, perTownship[t]
		}
	}
	if s := g.supervisor[bigTownship]; s != nil {
		g.reuser = s.ID
		g.truth.PhotoReuser = s.ID
	}
	if len(g.workers) > 0 {
		g.traveler = g.workers[0]
		g.truth.TravelWorker = g.traveler.ID
	}
}

// plantTravel adds the impossible-travel pairs: on Sundays (no other visits), two home
// visits at least travelMinKm apart, the second five minutes after the first ends, to
// children of pop not in skip.
func (g *vgen) plantTravel(pop []*welfare.Child, spans map[uuid.UUID][][2]int, skip map[int]bool) {
	if g.traveler == nil {
		return
	}
	var sundays []int
	for d := g.start + 60; d <= g.end; d++ { // after the baseline survey: most children monitored
		if weekday(d) == time.Sunday {
			sundays = append(sundays, d)
		}
	}
	var cands []int
	for i, c := range pop {
		if !skip[i] && c.Residence.Geo != nil {
			cands = append(cands, i)
		}
	}
	for _, day := range g.sample(sundays, travelPairs) {
		for range 5000 {
			a, b := pop[cands[g.rng.IntN(len(cands))]], pop[cands[g.rng.IntN(len(cands))]]
			if !g.monitoredOn(spans[a.ID], day) || !g.monitoredOn(spans[b.ID], day) ||
				distanceKm(*a.Residence.Geo, *b.Residence.Geo) < travelMinKm {
				continue
			}
			s1 := dateOf(day).Start().Add(time.Duration(9*60+g.rng.IntN(90)) * time.Minute)
			first := &intent{child: a, visitor: g.traveler, day: day, mode: visit.ModeHome, outcome: visit.OutcomeCompleted,
				photo: true, start: s1, minutes: 30 + g.rng.IntN(15)}
			second := &intent{child: b, visitor: g.traveler, day: day, mode: visit.ModeHome, outcome: visit.OutcomeCompleted,
				photo: true, start: s1.Add(time.Duration(first.minutes+5) * time.Minute), minutes: 30 + g.rng.IntN(15)}
			g.add(first)
			g.add(second)
			g.travel = append(g.travel, [2]*intent{first, second})
			break
		}
	}
}

// schedule gives every intent its times, in groups of one visitor's day, and builds the
// records.
func (g *vgen) schedule() []*visit.Visit {
	groups := map[loadKey][]*intent{}
	for _, it := range g.intents {
		k := loadKey{it.visitor.ID, it.day}
		groups[k] = append(groups[k], it)
	}
	keys := make([]loadKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b loadKey) int {
		if a.day != b.day {
			return a.day - b.day
		}
		return strings.Compare(a.visitor.String(), b.visitor.String())
	})
	out := make([]*visit.Visit, 0, len(g.intents))
	for _, k := range keys {
		its := groups[k]
		// A route: west to east by the child's address.
		slices.SortStableFunc(its, func(a, b *intent) int {
			return cmpFloat(lngOf(a.child), lngOf(b.child))
		})
		slack := max(40, 9*60-90*len(its)) // a light day may start later
		t := dateOf(k.day).Start().Add(time.Duration(8*60+30+g.rng.IntN(slack)) * time.Minute)
		var pos *welfare.GeoPoint
		for _, it := range its {
			if !it.start.IsZero() {
				out = append(out, g.build(it, it.start, it.start.Add(time.Duration(it.minutes)*time.Minute)))
				continue
			}
			gap := 5 + g.rng.IntN(15)
			if it.mode == visit.ModeHome && pos != nil && it.child.Residence.Geo != nil {
				gap += int(math.Ceil(distanceKm(*pos, *it.child.Residence.Geo) / 35 * 60))
			}
			start := t.Add(time.Duration(gap) * time.Minute)
			var dur int
			switch {
			case it.outcome != visit.OutcomeCompleted && it.mode == visit.ModePhone:
				dur = 1 + g.rng.IntN(2)
			case it.outcome != visit.OutcomeCompleted:
				dur = 5 + g.rng.IntN(6)
			case it.mode == visit.ModeHome:
				dur = 25 + g.rng.IntN(41)
			case it.mode == visit.ModePhone:
				dur = 8 + g.rng.IntN(18)
			default:
				dur = 10 + g.rng.IntN(21)
			}
			end := start.Add(time.Duration(dur) * time.Minute)
			out = append(out, g.build(it, start, end))
			t = end
			if it.mode == visit.ModeHome && it.child.Residence.Geo != nil {
				pos = it.child.Residence.Geo
			}
		}
	}
	return out
}

func lngOf(c *welfare.Child) float64 {
	if c.Residence.Geo == nil {
		return 0
	}
	return c.Residence.Geo.Lng
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// build makes the record of an intent with its times.
func (g *vgen) build(it *intent, start, end time.Time) *visit.Visit {
	c := it.child
	st := func(t time.Time) time.Time { return welfare.StoreTime(t) }
	v := &visit.Visit{
		ID: g.ids.NewID(), AreaCode: c.AreaCode, ChildID: c.ID,
		Township: c.Residence.Township, Village: c.Residence.Village,
		VisitorID: it.visitor.ID, VisitorRole: it.visitor.Role,
		Mode: it.mode, Outcome: it.outcome, FailReason: it.reason,
		Start: st(start), End: st(end),
		UpdatedBy: it.visitor.ID.String(),
	}
	done := it.outcome == visit.OutcomeCompleted
	if it.mode == visit.ModeHome && c.Residence.Geo != nil {
		lat, lng := jitter(g.rng, *c.Residence.Geo, 5+35*g.rng.Float64())
		v.Location = visit.Location{Geo: &welfare.GeoPoint{Lat: lat, Lng: lng}, AccuracyM: float64(5 + g.rng.IntN(21))}
	}
	minutes := end.Sub(start).Minutes()
	switch {
	case it.mode == visit.ModeHome && done:
		v.Present = visit.Present{Child: g.rng.Float64() < 0.95, Guardian: g.rng.Float64() < 0.9, Neighbours: g.rng.Float64() < 0.1}
		if it.photo {
			v.Evidence = append(v.Evidence, g.attachment(visit.EvidencePhoto, start.Add(time.Duration(5+g.rng.IntN(15))*time.Minute), true, 0))
		}
		if it.sign {
			v.Evidence = append(v.Evidence, g.attachment(visit.EvidenceSignature, end.Add(-2*time.Minute), false, 0))
		}
	case done:
		v.Present = visit.Present{Child: g.rng.Float64() < 0.7, Guardian: true}
		secs := int(minutes*60) - 15 + g.rng.IntN(31)
		v.Evidence = append(v.Evidence, g.attachment(visit.EvidenceCallRecord, start, false, max(secs, 1)))
	case it.mode == visit.ModePhone:
		v.Evidence = append(v.Evidence, g.attachment(visit.EvidenceCallRecord, start, false, 0))
	}
	if done {
		v.Content = g.content(c, it)
		v.Notes = g.note(c, it, v)
		if it.urgent != "" {
			v.FollowUp.Urgent = it.urgent
		}
		if it.refer {
			v.FollowUp.Referral = "counsellor"
		}
	}
	v.DeviceTime = st(end.Add(time.Duration(g.rng.IntN(181)) * time.Second))
	v.ReceivedAt = st(end.Add(time.Duration(2+g.rng.IntN(39)) * time.Minute))
	it.v = v
	if it.urgent != "" {
		g.truth.UrgentVisits = append(g.truth.UrgentVisits, v.ID)
	}
	return v
}

// attachment fingerprints a synthetic file from the generator's stream.
func (g *vgen) attachment(kind visit.EvidenceKind, at time.Time, phash bool, callSeconds int) visit.Evidence {
	var seed [16]byte
	binary.BigEndian.PutUint64(seed[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(seed[8:], g.rng.Uint64())
	sum := sha256.Sum256(seed[:])
	e := visit.Evidence{Kind: kind, SHA256: hex.EncodeToString(sum[:]), CapturedAt: welfare.StoreTime(at), CallSeconds: callSeconds}
	switch kind {
	case visit.EvidencePhoto:
		e.Size = int64(400_000 + g.rng.IntN(3_000_000))
	case visit.EvidenceSignature:
		e.Size = int64(20_000 + g.rng.IntN(60_000))
	default:
		e.Size = int64(200 + g.rng.IntN(800))
	}
	if phash {
		h := g.rng.Uint64()
		e.PHash = &h
	}
	return e
}

var (
	observeGood = map[welfare.Aspect][]string{
		welfare.AspectHealth:       {"身体健康", "饮食睡眠正常", "近期感冒已痊愈", "按时接种疫苗", "体格发育正常"},
		welfare.AspectMental:       {"情绪稳定", "性格开朗", "略显内向", "与同伴相处融洽"},
		welfare.AspectEducation:    {"正常上学", "按时完成作业", "成绩中等", "成绩有进步"},
		welfare.AspectGuardianship: {"监护到位", "父母照料", "祖辈照料", "放学后有人看护"},
		welfare.AspectSafety:       {"居住环境安全", "已排查用电隐患", "家中无安全隐患"},
		welfare.AspectBenefits:     {"已参加医疗保险", "已办理居住证", "未享受救助政策"},
	}
	// Ordinary concerns a visit may note (never mental: that would make the child
	// key-eligible when recorded through the service).
	concernAspects = []welfare.Aspect{welfare.AspectHealth, welfare.AspectEducation, welfare.AspectBenefits}
	concernValues  = map[welfare.Aspect]string{welfare.AspectHealth: "近期反复发烧，建议就医",
		welfare.AspectEducation: "缺课较多，需与学校沟通", welfare.AspectBenefits: "符合条件但未参加医疗保险"}
	topics   = []visit.Topic{visit.TopicMorals, visit.TopicSafety, visit.TopicLaw, visit.TopicGuardians, visit.TopicPolicy}
	services = []string{"life_help", "study_tutoring", "recreation", "psych_comfort"}
)

func (g *vgen) content(c *welfare.Child, it *intent) visit.Content {
	var ct visit.Content
	aspects := welfare.Aspects()
	n := 1 + g.rng.IntN(3)
	for _, i := range g.rng.Perm(len(aspects))[:n] {
		a := aspects[i]
		vals := observeGood[a]
		ct.Observe = append(ct.Observe, visit.Observation{Aspect: a, Value: vals[g.rng.IntN(len(vals))]})
	}
	if it.urgent != "" {
		ct.Observe = append(ct.Observe, visit.Observation{Aspect: welfare.AspectSafety, Value: "发现安全隐患，需立即跟进", Concern: true})
	} else if g.rng.Float64() < shareConcern {
		a := concernAspects[g.rng.IntN(len(concernAspects))]
		ct.Observe = append(ct.Observe, visit.Observation{Aspect: a, Value: concernValues[a], Concern: true})
	}
	for _, i := range g.rng.Perm(len(topics))[:1+g.rng.IntN(2)] {
		ct.Talk = append(ct.Talk, topics[i])
	}
	if g.rng.Float64() < 0.6 {
		ct.Services = append(ct.Services, services[g.rng.IntN(len(services))])
	}
	if g.rng.Float64() < 0.3 {
		ct.Ask.Needs = append(ct.Ask.Needs, pickS(g.rng, askNeeds))
	}
	return ct
}

var askNeeds = []string{"学习辅导", "课外托管", "医疗费用", "心理疏导", "入学手续", "居住证办理", "临时救助"}

// Note phrase slots. A note joins one phrase of each slot with child-specific details;
// normal notes of two visits rarely share more than a few slots.
var (
	noteOpenHome  = []string{"入户走访", "上门探访", "到家中探望", "入户看望", "走访家庭", "到孩子家中了解情况", "上门回访", "入户核实情况"}
	noteOpenPhone = []string{"电话回访", "电话联系家长", "电话了解近况", "与监护人通话", "电话跟进", "电话探访", "电话沟通"}
	noteOpenVideo = []string{"视频探访", "视频通话了解近况", "与孩子视频交流", "视频回访", "视频连线家长"}
	notePresent   = []string{"孩子和母亲在家", "孩子和父亲在家", "祖辈和孩子在家", "孩子与父母均在家", "孩子放学后在家写作业",
		"母亲刚下班回家", "外婆在家照看孩子", "孩子和姐姐在家", "父亲休息在家", "孩子在客厅看书", "家中只有孩子和爷爷", "孩子和弟弟在家玩耍"}
	noteChild = []string{"精神状态良好", "性格开朗，交流顺畅", "略显内向，经引导后愿意交流", "身体健康，饮食睡眠正常",
		"近期感冒已痊愈", "个子长高不少", "对画画很感兴趣", "喜欢踢足球", "说话有礼貌", "最近迷上了看书", "情绪稳定", "与邻居小朋友相处融洽",
		"有些挑食", "作息比较规律", "说想参加暑期兴趣班"}
	noteSchool = []string{"学习成绩中等", "成绩较上学期有进步", "数学偏弱，家长希望有人辅导", "能按时完成作业", "在校表现良好",
		"语文成绩突出", "上学路程较远，由家长接送", "刚转入本地学校，正在适应", "英语基础薄弱", "作业需要家长督促", "参加了学校合唱队", "老师反映上课专注"}
	noteFamily = []string{"家庭收入主要靠父亲打工", "母亲在附近工厂上班", "家庭经济状况一般", "住房为租住，居住环境整洁",
		"房屋较小但干净整洁", "父母经营小吃店", "父亲跑外卖，早出晚归", "一家四口租住两居室", "母亲在超市做收银", "父亲在工地做工",
		"家里新添了弟弟", "房租压力较大", "家中有老人需要照顾", "父母在物流园上班"}
	noteGuard = []string{"监护人能够履行监护职责", "父母工作忙，放学后由祖辈照看", "家长对孩子关心较多", "家长重视孩子教育",
		"监护人照料较为细心", "父亲常年加班，主要由母亲照顾", "家长表示会多陪伴孩子", "家庭氛围和睦", "家长希望多了解教育方法", "邻里关系融洽"}
	noteTalkTopic = []string{"防溺水安全知识", "交通安全知识", "未成年人保护法相关内容", "监护人法定职责", "儿童福利政策",
		"防欺凌知识", "用电用火安全", "网络安全知识", "防拐骗知识", "居住证办理政策", "医保参保政策", "家庭教育促进法"}
	noteService = []string{"为孩子进行了作业辅导", "赠送了学习用品", "进行了简单的心理疏导", "告知了临时救助申请渠道",
		"登记了家庭需求", "推荐了社区图书室", "介绍了周末兴趣活动", "协助预约了体检", "讲解了入学政策", "留下了儿童主任联系方式"}
	noteClose = []string{"下次探访时继续关注学习情况", "约定下月再次入户", "有困难可随时联系", "后续将跟进落实",
		"将需求反馈至社区", "家长表示感谢", "下次带绘本过来", "继续关注孩子情绪变化", "提醒家长注意假期安全", "将协调志愿者辅导"}
)

var stageNames = map[string]string{
	"preschool_home": "在家", "kindergarten": "幼儿园", "primary": "小学", "junior": "初中",
	"senior": "高中", "vocational": "职校", "not_enrolled": "未入学", "dropped_out": "已辍学",
}

// note writes the visit's free-text record; a cloner usually copies a template.
func (g *vgen) note(c *welfare.Child, it *intent, v *visit.Visit) string {
	if t := g.cloners[it.visitor.ID]; t != nil {
		tmpl := &t.home
		if it.mode != visit.ModeHome {
			tmpl = &t.phone
		}
		if *tmpl == "" {
			*tmpl = g.freshNote(c, it, v)
		} else if g.rng.Float64() < shareCloned {
			g.truth.ClonedVisits = append(g.truth.ClonedVisits, v.ID)
			return g.edit(*tmpl, 1+g.rng.IntN(2))
		}
	}
	return g.freshNote(c, it, v)
}

func (g *vgen) freshNote(c *welfare.Child, it *intent, v *visit.Visit) string {
	day := welfare.DateOf(v.Start)
	age := c.AgeOn(day)
	stage := stageNames[c.Schooling.Stage]
	var b strings.Builder
	fmt.Fprintf(&b, "%d月%d日", int(day.Month), day.Day)
	if v.Start.In(welfare.Beijing()).Hour() < 12 {
		b.WriteString("上午")
	} else {
		b.WriteString("下午")
	}
	switch it.mode {
	case visit.ModeHome:
		b.WriteString(pickS(g.rng, noteOpenHome))
		b.WriteString("，" + pickS(g.rng, notePresent))
	case visit.ModePhone:
		b.WriteString(pickS(g.rng, noteOpenPhone))
	default:
		b.WriteString(pickS(g.rng, noteOpenVideo))
	}
	fmt.Fprintf(&b, "。孩子今年%d岁，%s，%s", age, stage, pickS(g.rng, noteChild))
	b.WriteString("；" + pickS(g.rng, noteSchool))
	b.WriteString("。" + pickS(g.rng, noteFamily) + "，" + pickS(g.rng, noteGuard))
	b.WriteString("。向家长宣讲了" + pickS(g.rng, noteTalkTopic))
	if g.rng.IntN(2) == 0 {
		b.WriteString("和" + pickS(g.rng, noteTalkTopic))
	}
	b.WriteString("，" + pickS(g.rng, noteService) + "。" + pickS(g.rng, noteClose) + "。")
	if it.urgent != "" {
		b.WriteString("走访中发现需紧急关注的情况，已按程序上报。")
	}
	return b.String()
}

var editRunes = []rune("的了在是和有也就都而及与或其此这那")

// edit changes n characters of s (never the first).
func (g *vgen) edit(s string, n int) string {
	rs := []rune(s)
	for range n {
		i := 1 + g.rng.IntN(len(rs)-1)
		rs[i] = editRunes[g.rng.IntN(len(editRunes))]
	}
	return string(rs)
}

func pickS(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// plantPhotos copies photos of the reuser's home visits onto later home visits of other
// children by the same worker.
func (g *vgen) plantPhotos(visits []*visit.Visit) {
	var mine []*visit.Visit
	for _, v := range visits {
		if v.VisitorID == g.reuser && v.Mode == visit.ModeHome && v.Counts() && len(v.Evidence) > 0 && v.Evidence[0].Kind == visit.EvidencePhoto {
			mine = append(mine, v)
		}
	}
	slices.SortFunc(mine, func(a, b *visit.Visit) int { return a.Start.Compare(b.Start) })
	used := map[int]bool{}
	for try := 0; len(g.truth.ReusedPhotos) < reusedPhotoGroups && len(mine) > 4 && try < 20*reusedPhotoGroups; try++ {
		src := g.rng.IntN(len(mine) * 2 / 3)
		if used[src] {
			continue
		}
		copies := 1 + g.rng.IntN(3)
		var targets []int
		children := map[uuid.UUID]bool{mine[src].ChildID: true}
		for range 50 {
			if len(targets) == copies {
				break
			}
			j := src + 1 + g.rng.IntN(len(mine)-src-1)
			if used[j] || children[mine[j].ChildID] {
				continue
			}
			targets = append(targets, j)
			children[mine[j].ChildID] = true
		}
		if len(targets) == 0 {
			continue
		}
		used[src] = true
		s := mine[src].Evidence[0]
		for _, j := range targets {
			used[j] = true
			e := &mine[j].Evidence[0]
			e.SHA256, e.Size = s.SHA256, s.Size
			ph := *s.PHash
			e.PHash = &ph
		}
		g.truth.ReusedPhotos = append(g.truth.ReusedPhotos, s.SHA256)
	}
	slices.Sort(g.truth.ReusedPhotos)
}

// sample returns k distinct members of xs chosen at random, in xs order.
func (g *vgen) sample(xs []int, k int) []int {
	k = min(k, len(xs))
	pool := slices.Clone(xs)
	for i := range k {
		j := i + g.rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	out := pool[:k]
	slices.Sort(out)
	return out
}

func sortIDs(ids []uuid.UUID) {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// jitter moves p by up to metres in a random direction, to six decimals.
func jitter(r *rand.Rand, p welfare.GeoPoint, metres float64) (float64, float64) {
	theta := 2 * math.Pi * r.Float64()
	dLat := metres * math.Cos(theta) / metresPerDegree
	dLng := metres * math.Sin(theta) / (metresPerDegree * math.Cos(p.Lat*math.Pi/180))
	return round6(p.Lat + dLat), round6(p.Lng + dLng)
}

// distanceKm is the great-circle distance between a and b.
func distanceKm(a, b welfare.GeoPoint) float64 {
	const r = 6371.0088
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat, dLng := la2-la1, (b.Lng-a.Lng)*math.Pi/180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
