package democounty

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// ScreeningOptions select the demo county's screenings. The zero value is the default.
type ScreeningOptions struct {
	// Seed selects the screenings; zero means DefaultSeed. Equal seeds and counties
	// give equal screenings, byte for byte.
	Seed uint64
}

// Screenings are the demo county's psychological screening records (PS-1, PS-2): the
// requests made and the sessions administered before the county's AsOf.
type Screenings struct {
	Requests []*screening.Request `json:"requests"`
	// Sessions are ordered by date, then recording time.
	Sessions []*screening.Session `json:"sessions"`
}

// Shares of the demo screenings.
const (
	shareRequested     = 0.006 // children aged 6+ without another reason: a guardian or school asks
	shareScreened      = 0.85  // children with a reason screened by AsOf (the rest are still due)
	shareImpactPage    = 0.5   // SDQ sessions that include the impact supplement
	shareInvalidMHT    = 0.04  // MHT sessions whose lie scale makes them invalid
	minScreeningAge    = 4     // the youngest age any built-in instrument covers (SDQ parent)
	followUpImprovesBy = 0.6   // chance a counsellor's follow-up finds the child one class better
)

// severity classes of a generated session: the chance that each item is endorsed, and
// the chance that a critical item (PHQ item 9, the PHQ-A suicide questions, the ASQ) is.
type severity struct {
	weightKey, weightConcern float64 // relative weights: key or requested children, mental concern
	p                        float64
	flag                     float64
}

var severities = []severity{
	{72, 35, 0.10, 0},     // mostly green
	{17, 27, 0.28, 0.01},  // yellow
	{8.5, 26, 0.47, 0.06}, // orange
	{3, 15, 0.66, 0.30},   // red
}

// GenerateScreenings screens the county's children who should be screened (PS-1): those
// with an open key-care ledger entry, those whose survey observed a mental-state concern,
// and a few more whose guardian or school asked (requests, 0.6% of the other children
// aged 6+). Of the children with a reason, 85% are screened 3–45 days after it (a day
// before AsOf at the latest); the rest are still due on AsOf. Children under 4 (no
// built-in instrument covers them) and exited children are not screened.
//
// The instrument follows the child's age: 4–7 the SDQ parent form; 8–10 SCARED, CES-DC
// or SDQ parent; 11+ mostly the PHQ-A, else the GAD-7 (12+), MHT, SDQ self or CES-DC.
// Answers are drawn from a severity class — about 72% of key and requested children
// low, 17% mild, 8.5% moderate, 3% high; children with a mental-state concern worse —
// and scored by the instrument, so the risk levels are mostly green, some yellow and
// orange, a few red, with a few suicide-risk flags (critical items endorsed mostly in the
// highest class). A flagged or abnormal (orange or red) session is followed by the
// counsellor 2–ReferralDays days later with the same instrument (an ASQ after a flag),
// more often than not finding the child one class better. Sessions are administered by the social
// worker who keeps the child's ledger file, else the township's worker; requests are
// recorded by the village's child director.
//
// The screenings are deterministic: randomness comes only from a PCG seeded with
// opts.Seed and IDs from welfare.NewSeededIDs on a stream apart from the county's.
func GenerateScreenings(c *County, opts ScreeningOptions) (*Screenings, error) {
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	g, err := newScreeningGen(c, seed)
	if err != nil {
		return nil, err
	}
	out := &Screenings{}
	for _, ch := range c.Children {
		if err := g.child(ch, out); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out.Sessions, func(a, b *screening.Session) int {
		if d := a.Date.Compare(b.Date); d != 0 {
			return d
		}
		return a.RecordedAt.Compare(b.RecordedAt)
	})
	return out, nil
}

type screeningGen struct {
	c          *County
	rng        *rand.Rand
	ids        *welfare.SeededIDs
	cat        *screening.Catalogue
	rules      welfare.ScreeningRules
	entries    map[uuid.UUID][]*welfare.KeyEntry
	workers    []*welfare.Staff
	counsellor *welfare.Staff
	staff      map[uuid.UUID]*welfare.Staff
	directors  map[string]*welfare.Staff // by village
	townships  map[string]int            // township code → index, for the township's worker
}

func newScreeningGen(c *County, seed uint64) (*screeningGen, error) {
	g := &screeningGen{
		c:         c,
		rng:       rand.New(rand.NewPCG(seed, 0x73637265656e)), // "screen"
		ids:       welfare.NewSeededIDs(seed ^ 0x5c5c5c5c5c5c5c5c),
		cat:       screening.Builtins(),
		rules:     c.Programme.Screening,
		entries:   map[uuid.UUID][]*welfare.KeyEntry{},
		staff:     map[uuid.UUID]*welfare.Staff{},
		directors: map[string]*welfare.Staff{},
		townships: map[string]int{},
	}
	if err := screening.CheckRules(g.cat, g.rules); err != nil {
		return nil, fmt.Errorf("democounty: screening rules: %w", err)
	}
	for _, e := range c.KeyEntries {
		g.entries[e.ChildID] = append(g.entries[e.ChildID], e)
	}
	for _, s := range c.Staff {
		g.staff[s.ID] = s
		switch s.Role {
		case welfare.RoleSocialWorker:
			g.workers = append(g.workers, s)
		case welfare.RoleCounsellor:
			if g.counsellor == nil {
				g.counsellor = s
			}
		case welfare.RoleDirector:
			g.directors[s.Scope] = s
		case welfare.RoleSupervisor:
			g.townships[s.Scope] = len(g.townships)
		}
	}
	if len(g.workers) == 0 || g.counsellor == nil {
		return nil, fmt.Errorf("democounty: the county has no social worker or counsellor: %w", welfare.ErrInvalid)
	}
	return g, nil
}

// reason is why a child is screened, and since when.
type reason struct {
	since   welfare.Date
	concern bool
}

func (g *screeningGen) child(ch *welfare.Child, out *Screenings) error {
	asOf := g.c.AsOf
	if ch.State() == welfare.StateExited || ch.MergedInto != nil || ch.AgeOn(asOf) < minScreeningAge {
		return nil
	}
	start := g.c.Programme.Period.Start
	var r *reason
	for _, e := range g.entries[ch.ID] {
		if e.OpenOn(asOf.AddDate(0, 0, -1)) && (r == nil || e.Opened.Before(r.since)) {
			r = &reason{since: e.Opened}
		}
	}
	if o, ok := ch.Status[welfare.AspectMental]; ok && o.Concern {
		if r == nil || o.Date.Before(r.since) {
			r = &reason{since: o.Date}
		}
		r.concern = true
	}
	if r == nil && ch.AgeOn(asOf) >= 6 && g.rng.Float64() < shareRequested {
		first := maxDate(start, ch.Lifecycle[0].On)
		span := dayOf(asOf) - dayOf(first)
		if span <= 1 {
			return nil
		}
		day := dateOf(dayOf(first) + g.rng.IntN(span-1))
		from := screening.RequestGuardian
		if g.rng.IntN(5) < 2 {
			from = screening.RequestSchool
		}
		by := g.directors[ch.Residence.Village]
		if by == nil {
			by = g.worker(ch)
		}
		out.Requests = append(out.Requests, &screening.Request{ID: g.ids.NewID(), AreaCode: ch.AreaCode, ChildID: ch.ID,
			Township: ch.Residence.Township, Village: ch.Residence.Village, From: from, Date: day,
			RecordedAt: g.recorded(day), RecordedBy: by.ID.String()})
		r = &reason{since: day}
	}
	if r == nil || g.rng.Float64() >= shareScreened {
		return nil
	}
	day := maxDate(r.since, start).AddDate(0, 0, 3+g.rng.IntN(43))
	if !day.Before(asOf) || ch.AgeOn(day) < minScreeningAge {
		return nil // still due on AsOf
	}
	weights := make([]float64, len(severities))
	for i, s := range severities {
		weights[i] = s.weightKey
		if r.concern {
			weights[i] = s.weightConcern
		}
	}
	class := g.choose(weights)
	inst := g.instrument(ch.AgeOn(day))
	first, err := g.session(ch, inst, day, class, g.worker(ch))
	if err != nil {
		return err
	}
	out.Sessions = append(out.Sessions, first)

	// The counsellor follows a flagged or abnormal result.
	abnormal := screening.AtLeast(g.rules.Levels, first.Result.Level, g.rules.AbnormalFrom)
	if !first.Result.Flagged() && !abnormal {
		return nil
	}
	next := day.AddDate(0, 0, 2+g.rng.IntN(max(1, g.rules.ReferralDays-1)))
	if !next.Before(asOf) {
		return nil
	}
	if g.rng.Float64() < followUpImprovesBy && class > 0 {
		class--
	}
	follow := inst
	if first.Result.Flagged() && ch.AgeOn(next) >= 8 {
		follow, _ = g.cat.Get("asq", "")
	}
	s, err := g.session(ch, follow, next, class, g.counsellor)
	if err != nil {
		return err
	}
	out.Sessions = append(out.Sessions, s)
	return nil
}

// worker is the social worker who keeps the child's ledger file, else the township's.
func (g *screeningGen) worker(ch *welfare.Child) *welfare.Staff {
	for _, e := range g.entries[ch.ID] {
		if id, err := uuid.Parse(e.OpenedBy); err == nil {
			if s := g.staff[id]; s != nil && s.Role == welfare.RoleSocialWorker {
				return s
			}
		}
	}
	return g.workers[g.townships[ch.Residence.Township]%len(g.workers)]
}

// instrument chooses an instrument for a child of age.
func (g *screeningGen) instrument(age int) *screening.Instrument {
	pick := func(ids []string, weights []float64) *screening.Instrument {
		in, _ := g.cat.Get(ids[g.choose(weights)], "")
		return in
	}
	switch {
	case age <= 7:
		return pick([]string{"sdq-parent"}, []float64{1})
	case age <= 10:
		return pick([]string{"scared-child", "cesdc", "sdq-parent"}, []float64{4, 3, 3})
	case age == 11:
		return pick([]string{"phqa", "mht", "sdq-self", "cesdc"}, []float64{6, 2, 1, 1})
	}
	return pick([]string{"phqa", "gad7", "mht", "sdq-self", "cesdc"}, []float64{5, 1.5, 1.5, 1, 1})
}

// session draws answers of severity class for instrument in and scores them.
func (g *screeningGen) session(ch *welfare.Child, in *screening.Instrument, day welfare.Date, class int, by *welfare.Staff) (*screening.Session, error) {
	sv := severities[class]
	reversed := map[int]bool{}
	for _, n := range in.Reverse {
		reversed[n] = true
	}
	strength := map[int]bool{}
	for _, s := range in.Subscales {
		if s.HigherIsBetter {
			for _, n := range s.Items {
				strength[n] = true
			}
		}
	}
	critical := map[int]bool{}
	for _, f := range in.Flags {
		for _, n := range f.Items {
			critical[n] = true
		}
	}
	a := screening.Answers{}
	impact := g.rng.Float64() < shareImpactPage
	for _, it := range in.Items {
		s := in.Response
		if it.Scale != nil {
			s = *it.Scale
		}
		n := it.Number
		switch {
		case in.ID == "asq":
			continue // below
		case critical[n]:
			a[n] = 0
			if g.rng.Float64() < sv.flag {
				a[n] = s.Min + 1 + g.rng.IntN(min(2, s.Max-s.Min))
			}
			continue
		case it.Optional && g.rng.IntN(2) == 0:
			continue
		case n >= 26 && strings.HasPrefix(in.ID, "sdq"):
			if !impact {
				continue
			}
			if n == 26 {
				a[n] = min(s.Max, g.binomial(s.Max, sv.p*1.2))
				continue
			}
			if a[26] == 0 && !it.Optional {
				continue // gated: no difficulties
			}
		case in.ID == "mht" && n >= 82 && n%2 == 0:
			a[n] = 0
			if g.rng.Float64() < 0.25 {
				a[n] = 1
			}
			continue
		}
		p := sv.p
		if strength[n] {
			p = 1 - p
		}
		v := s.Min + g.binomial(s.Max-s.Min, p)
		if reversed[n] {
			v = s.Min + s.Max - v
		}
		a[n] = v
	}
	switch in.ID {
	case "asq":
		positive := g.rng.Float64() < max(sv.flag, 0.02)
		for n := 1; n <= 4; n++ {
			a[n] = 0
			if positive && g.rng.IntN(2) == 0 {
				a[n] = 1
			}
		}
		if positive {
			a[1+g.rng.IntN(4)] = 1
			a[5] = 0
			if g.rng.Float64() < 0.1 {
				a[5] = 1
			}
		}
	case "mht":
		if g.rng.Float64() < shareInvalidMHT {
			for n := 82; n <= 94; n += 2 {
				a[n] = 1
			}
		}
	}
	age := ch.AgeOn(day)
	res, err := in.Score(a, screening.ScoreOptions{Informant: in.Informants[0], Age: age, Rules: &g.rules})
	if err != nil {
		return nil, fmt.Errorf("democounty: scoring a generated %s session: %w", in.ID, err)
	}
	return &screening.Session{
		ID: g.ids.NewID(), AreaCode: ch.AreaCode, ChildID: ch.ID,
		Township: ch.Residence.Township, Village: ch.Residence.Village,
		Instrument: in.ID, InstrumentVersion: in.Version, Informant: in.Informants[0],
		AdministeredBy: by.ID, AdministeredRole: by.Role, Date: day, Answers: a, Result: *res,
		RecordedAt: g.recorded(day), RecordedBy: by.ID.String(),
	}, nil
}

// binomial draws the number of successes in n trials of probability p.
func (g *screeningGen) binomial(n int, p float64) int {
	k := 0
	for range n {
		if g.rng.Float64() < p {
			k++
		}
	}
	return k
}

func (g *screeningGen) choose(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// recorded is a time in working hours of day, as stores keep times.
func (g *screeningGen) recorded(day welfare.Date) time.Time {
	m := 9*60 + g.rng.IntN(8*60)
	return day.Start().Add(time.Duration(m) * time.Minute).UTC().Truncate(time.Microsecond)
}

func maxDate(a, b welfare.Date) welfare.Date {
	if a.After(b) {
		return a
	}
	return b
}

// LoadScreenings writes the screenings into store as one atomic unit: the requests, the
// sessions, and each screened child's mental-state observation (screening.ObservationOf,
// as Service.Record writes it). The county must be loaded (Load) first. A store that
// already holds sessions of the county's area is left as it is; loaded reports whether
// this call wrote. Loading raises no concerns: the demo's history is past; record live
// sessions with screening.Service.Record.
func LoadScreenings(ctx context.Context, store screening.Store, c *County, s *Screenings) (loaded bool, err error) {
	area := c.Programme.Area.Code
	for _, err := range store.Sessions(ctx, screening.SessionFilter{Area: area}) {
		if err != nil {
			return false, err
		}
		return false, nil
	}
	rules := c.Programme.Screening
	err = store.Atomically(ctx, func(tx welfare.Store) error {
		stx, ok := tx.(screening.Store)
		if !ok {
			return fmt.Errorf("democounty: the store's transaction (%T) does not implement screening.Store", tx)
		}
		for _, r := range s.Requests {
			if err := stx.CreateRequest(ctx, r.Clone()); err != nil {
				return fmt.Errorf("democounty: screening requests: %w", err)
			}
		}
		var touched []uuid.UUID
		byChild := map[uuid.UUID][]*screening.Session{}
		for _, x := range s.Sessions {
			if err := stx.CreateSession(ctx, x.Clone()); err != nil {
				return fmt.Errorf("democounty: screening sessions: %w", err)
			}
			if _, ok := byChild[x.ChildID]; !ok {
				touched = append(touched, x.ChildID)
			}
			byChild[x.ChildID] = append(byChild[x.ChildID], x)
		}
		slices.SortFunc(touched, func(a, b uuid.UUID) int { return cmp.Compare(a.String(), b.String()) })
		for _, id := range touched {
			ch, err := stx.GetChild(ctx, id)
			if err != nil {
				return fmt.Errorf("democounty: screened child: %w", err)
			}
			changed := false
			for _, x := range byChild[id] {
				if ch.Status.Apply(welfare.AspectMental, screening.ObservationOf(x, rules)) {
					changed = true
					ch.UpdatedAt, ch.UpdatedBy = x.RecordedAt, x.RecordedBy
				}
			}
			if changed {
				if err := stx.UpdateChild(ctx, ch); err != nil {
					return fmt.Errorf("democounty: screened child: %w", err)
				}
			}
		}
		return nil
	})
	return err == nil, err
}

// ScreeningSummary counts the demo screenings for reports: coverage of the children who
// should be screened, and the children's latest risk levels.
type ScreeningSummary struct {
	Needing  int `json:"needing"`  // children with a reason (key, concern, request) and no exit
	Screened int `json:"screened"` // of them, screened at least once
	Sessions int `json:"sessions"`
	Flagged  int `json:"flagged"` // sessions with a flag
	Invalid  int `json:"invalid"` // sessions without a level (MHT lie scale)
	// ByLevel counts screened children by the level of their latest session with one.
	ByLevel      map[string]int `json:"by_level"`
	ByInstrument map[string]int `json:"by_instrument"` // sessions
}

// SummarizeScreenings summarises s for county c.
func SummarizeScreenings(c *County, s *Screenings) ScreeningSummary {
	sum := ScreeningSummary{ByLevel: map[string]int{}, ByInstrument: map[string]int{}}
	open := map[uuid.UUID]bool{}
	for _, e := range c.KeyEntries {
		if e.OpenOn(c.AsOf.AddDate(0, 0, -1)) {
			open[e.ChildID] = true
		}
	}
	requested := map[uuid.UUID]bool{}
	for _, r := range s.Requests {
		requested[r.ChildID] = true
	}
	latest := map[uuid.UUID]string{}
	for _, x := range s.Sessions {
		sum.Sessions++
		sum.ByInstrument[x.Instrument]++
		if x.Result.Flagged() {
			sum.Flagged++
		}
		if x.Result.Level == "" {
			sum.Invalid++
			if _, ok := latest[x.ChildID]; !ok {
				latest[x.ChildID] = ""
			}
			continue
		}
		latest[x.ChildID] = x.Result.Level
	}
	for _, ch := range c.Children {
		if ch.State() == welfare.StateExited || ch.MergedInto != nil || ch.AgeOn(c.AsOf) < minScreeningAge {
			continue
		}
		o, concern := ch.Status[welfare.AspectMental]
		if !open[ch.ID] && !(concern && o.Concern) && !requested[ch.ID] {
			continue
		}
		sum.Needing++
		if level, ok := latest[ch.ID]; ok {
			sum.Screened++
			if level != "" {
				sum.ByLevel[level]++
			}
		}
	}
	return sum
}
