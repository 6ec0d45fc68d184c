package visit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// eachChild calls fn for every child of region (the county, a township or a village)
// in ID order, with the child's key-care ledger entries and visits (latest versions,
// start order), as the projections compliance reads: the child's ChildRow (ID,
// residence, lifecycle) and the visits' rows (no visit record decoded). The slices are
// reused: they are valid during the call only.
//
// For the whole county it merge-joins three streams ordered by child ID (child rows,
// ledger entries, visit rows), so memory stays bounded by one child's records whatever
// the number of visits. For a township or village it reads each child's entries and
// visits by child ID (an index seek in every store) instead of scanning the county's
// visits.
func (s *Service) eachChild(ctx context.Context, region string, fn func(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow) error) error {
	area := s.prog.Area.Code
	cf := welfare.ChildFilter{Area: area}
	if region != area {
		cf.Region = region
	}
	var (
		entries []*welfare.KeyEntry
		visits  []VisitRow
	)
	if cf.Region != "" {
		children := s.store.Children(ctx, cf)
		if ri, ok := s.store.(RegionIndexed); ok {
			children = ri.ChildrenInRegion(ctx, area, cf.Region)
		}
		for c, err := range children {
			if err != nil {
				return err
			}
			entries, visits = entries[:0], visits[:0]
			for e, err := range s.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area, ChildID: c.ID}) {
				if err != nil {
					return err
				}
				entries = append(entries, e)
			}
			for v, err := range s.store.VisitRows(ctx, Filter{Area: area, ChildID: c.ID}) {
				if err != nil {
					return err
				}
				visits = append(visits, v)
			}
			row := ChildRowOf(c)
			if err := fn(&row, entries, visits); err != nil {
				return err
			}
		}
		return nil
	}
	nextV, stopV := iter.Pull2(s.store.VisitRows(ctx, Filter{Area: area}))
	defer stopV()
	nextE, stopE := iter.Pull2(s.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}))
	defer stopE()
	var (
		pv           VisitRow
		havePV       bool
		pe           *welfare.KeyEntry
		vDone, eDone bool
	)
	for c, err := range s.store.ChildRows(ctx, area) {
		if err != nil {
			return err
		}
		visits, entries = visits[:0], entries[:0]
		for !vDone {
			if !havePV {
				v, err, ok := nextV()
				if !ok {
					vDone = true
					break
				}
				if err != nil {
					return err
				}
				pv, havePV = v, true
			}
			x := bytes.Compare(pv.ChildID[:], c.ID[:])
			if x > 0 {
				break
			}
			if x == 0 {
				visits = append(visits, pv)
			}
			havePV = false // a visit of a child not in the stream is skipped
		}
		for !eDone {
			if pe == nil {
				e, err, ok := nextE()
				if !ok {
					eDone = true
					break
				}
				if err != nil {
					return err
				}
				pe = e
			}
			x := bytes.Compare(pe.ChildID[:], c.ID[:])
			if x > 0 {
				break
			}
			if x == 0 {
				entries = append(entries, pe)
			}
			pe = nil
		}
		if err := fn(&c, entries, visits); err != nil {
			return err
		}
	}
	return nil
}

// errStop ends a scan early when the consumer stops.
var errStop = errors.New("visit: scan stopped")

// scopeRegion resolves the region of a query: "" means the actor's scope.
func (s *Service) scopeRegion(actor welfare.Actor, region string) string {
	if region == "" {
		return actor.Scope
	}
	return region
}

// ChildCompliance returns child id's visit compliance at asOf (VS-1..VS-3): every quota
// that made a period due, with the periods missing and the visits counted.
func (s *Service) ChildCompliance(ctx context.Context, actor welfare.Actor, id uuid.UUID, asOf time.Time) (*ChildVerdict, error) {
	c, err := s.store.GetChild(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.AreaCode != s.prog.Area.Code {
		return nil, fmt.Errorf("visit: child %s: %w", id, welfare.ErrNotFound)
	}
	if err := s.allow(actor, PermRead, childRegion(c)); err != nil {
		return nil, err
	}
	return s.evaluate(ctx, c, asOf)
}

// evaluate reads c's ledger entries and visits and evaluates them.
func (s *Service) evaluate(ctx context.Context, c *welfare.Child, asOf time.Time) (*ChildVerdict, error) {
	var entries []*welfare.KeyEntry
	for e, err := range s.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: c.AreaCode, ChildID: c.ID}) {
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	var visits []*Visit
	for v, err := range s.store.Visits(ctx, Filter{Area: c.AreaCode, ChildID: c.ID}) {
		if err != nil {
			return nil, err
		}
		visits = append(visits, v)
	}
	cv := s.quotas.Evaluate(c, entries, visits, asOf)
	return &cv, nil
}

// ChildVerdicts streams the compliance of every child of region ("" for the actor's
// scope) at asOf, in child ID order. Children to whom no quota applies yet come with
// status met and no rules.
func (s *Service) ChildVerdicts(ctx context.Context, actor welfare.Actor, region string, asOf time.Time) iter.Seq2[*ChildVerdict, error] {
	return func(yield func(*ChildVerdict, error) bool) {
		region := s.scopeRegion(actor, region)
		if err := s.allow(actor, PermRead, region); err != nil {
			yield(nil, err)
			return
		}
		err := s.eachChild(ctx, region, func(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow) error {
			cv := s.quotas.evaluate(c, entries, visits, asOf)
			if !yield(&cv, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(nil, err)
		}
	}
}

// RegionSummary is the summary of a township or village.
type RegionSummary struct {
	Region string `json:"region"`
	Summary
}

// WorkerSummary is one staff member's visit work: the visits they made to children of
// the report's region in the programme Period up to the query time, and (for a worker
// scoped to a township or village) the compliance of the children of that scope.
type WorkerSummary struct {
	StaffID   uuid.UUID      `json:"staff_id"`
	Role      welfare.Role   `json:"role"`
	Scope     string         `json:"scope"`
	Visits    int            `json:"visits"` // records, failed attempts included
	Completed int            `json:"completed"`
	Failed    int            `json:"failed"`
	ByMode    map[string]int `json:"by_mode,omitempty"` // completed visits per mode
	// HomeWithPhoto counts completed home visits carrying a photo (VS-7).
	HomeWithPhoto int `json:"home_with_photo"`
	Children      int `json:"children"` // distinct children with a completed visit by the worker
	Counted       int `json:"counted"`  // completed visits counted towards a quota
	// ScopeSummary covers the children of the worker's township or village scope;
	// nil for county-wide staff.
	ScopeSummary *Summary `json:"scope_summary,omitempty"`
}

// Report is visit compliance for the programme or one region at a day: the programme
// measures (VS-1 share visited, VS-2 share home-visited against HomeShare, each quota
// such as VS-3's key-child months), the same per township and per worker, and a
// forecast of the end-of-period shortfall at the current pace.
type Report struct {
	Area   string         `json:"area"`
	Region string         `json:"region"`
	AsOf   welfare.Date   `json:"as_of"`
	Period welfare.Period `json:"period"`
	Summary
	// VisitedShare is Visited / Children (VS-1); HomeShare is HomeVisited / Children
	// (VS-2), met when at least HomeShareMin (the programme's HomeShare).
	VisitedShare  decimal.Decimal `json:"visited_share"`
	HomeShare     decimal.Decimal `json:"home_share"`
	HomeShareMin  decimal.Decimal `json:"home_share_min"`
	HomeShareMet  bool            `json:"home_share_met"`
	HomeShareRule string          `json:"home_share_rule"`
	Forecast      Forecast        `json:"forecast"`
	Townships     []RegionSummary `json:"townships"` // by township code
	Workers       []WorkerSummary `json:"workers"`   // staff in ID order
}

// workAcc accumulates per-visitor figures.
type workAcc struct {
	WorkerSummary
	seen uuid.UUID // last child counted, to count distinct children in child order
}

// Compliance computes the visit compliance report of region ("" for the actor's scope:
// the county for project staff and auditors) at asOf, at query time from the records,
// by one streaming pass over the region's children (see eachChild): memory grows with
// the children's townships, villages and visitors, not with the visits.
func (s *Service) Compliance(ctx context.Context, actor welfare.Actor, region string, asOf time.Time) (*Report, error) {
	region = s.scopeRegion(actor, region)
	if err := s.allow(actor, PermRead, region); err != nil {
		return nil, err
	}
	q := s.quotas
	total := newSummary(q)
	townships := map[string]*Summary{}
	villages := map[string]*Summary{}
	workers := map[uuid.UUID]*workAcc{}
	sum := func(m map[string]*Summary, k string) *Summary {
		x := m[k]
		if x == nil {
			n := newSummary(q)
			x = &n
			m[k] = x
		}
		return x
	}
	var counted []uuid.UUID
	err := s.eachChild(ctx, region, func(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow) error {
		cv := q.evaluate(c, entries, visits, asOf)
		total.add(&cv)
		sum(townships, c.Township).add(&cv)
		if c.Village != "" {
			sum(villages, c.Village).add(&cv)
		}
		counted = counted[:0]
		for _, r := range cv.Rules {
			counted = append(counted, r.Counted...)
		}
		for i := range visits {
			v := &visits[i]
			if v.Start.After(asOf) {
				continue
			}
			if d := beijingDay(v.Start); d < q.start || d > q.end {
				continue
			}
			w := workers[v.VisitorID]
			if w == nil {
				w = &workAcc{WorkerSummary: WorkerSummary{StaffID: v.VisitorID, Role: v.VisitorRole, ByMode: map[string]int{}}}
				workers[v.VisitorID] = w
			}
			w.Visits++
			if !v.Counts() {
				w.Failed++
				continue
			}
			w.Completed++
			w.ByMode[string(v.Mode)]++
			if v.Mode == ModeHome && v.Evidence.Has(string(EvidencePhoto)) {
				w.HomeWithPhoto++
			}
			if w.seen != c.ID {
				w.seen = c.ID
				w.Children++
			}
			if slices.Contains(counted, v.ID) {
				w.Counted++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	total.finish()
	rep := &Report{Area: s.prog.Area.Code, Region: region, AsOf: welfare.DateOf(asOf), Period: s.prog.Period,
		Summary: total, HomeShareMin: s.prog.Visits.HomeShare, HomeShareRule: HomeShareRuleID}
	rep.VisitedShare = share(total.Visited, total.Children, 0)
	rep.HomeShare = share(total.HomeVisited, total.Children, 0)
	rep.HomeShareMet = total.Children > 0 && rep.HomeShare.GreaterThanOrEqual(s.prog.Visits.HomeShare)
	rep.Forecast = q.forecast(&total, asOf)
	for _, code := range sortedMapKeys(townships) {
		t := townships[code]
		t.finish()
		rep.Townships = append(rep.Townships, RegionSummary{Region: code, Summary: *t})
	}
	for m, err := range s.store.StaffMembers(ctx, s.prog.Area.Code) {
		if err != nil {
			return nil, err
		}
		w := workers[m.ID]
		inScope := m.Role != welfare.RoleAuditor && len(m.Scope) > len(s.prog.Area.Code) && hasPrefix(m.Scope, region)
		if w == nil && !inScope {
			continue
		}
		if w == nil {
			w = &workAcc{WorkerSummary: WorkerSummary{StaffID: m.ID}}
		}
		w.Role, w.Scope = m.Role, m.Scope
		var scope *Summary
		switch {
		case villages[m.Scope] != nil:
			scope = villages[m.Scope]
		case townships[m.Scope] != nil:
			scope = townships[m.Scope]
		}
		if scope != nil {
			scope.finish()
			cp := *scope
			w.ScopeSummary = &cp
		}
		if len(w.ByMode) == 0 {
			w.ByMode = nil
		}
		rep.Workers = append(rep.Workers, w.WorkerSummary)
		delete(workers, m.ID)
	}
	for _, id := range sortedIDs(workers) { // visitors no longer on the staff list
		w := workers[id]
		if len(w.ByMode) == 0 {
			w.ByMode = nil
		}
		rep.Workers = append(rep.Workers, w.WorkerSummary)
	}
	return rep, nil
}

// WorkerCompliance returns one staff member's WorkerSummary at asOf over every child
// they visited (and, for a township or village scope, the compliance of that scope),
// reading only that worker's visits and children.
func (s *Service) WorkerCompliance(ctx context.Context, actor welfare.Actor, staffID uuid.UUID, asOf time.Time) (*WorkerSummary, error) {
	m, err := s.store.GetStaff(ctx, staffID)
	if err != nil {
		return nil, err
	}
	if m.AreaCode != s.prog.Area.Code {
		return nil, fmt.Errorf("visit: staff %s: %w", staffID, welfare.ErrNotFound)
	}
	if err := s.allow(actor, PermRead, m.Scope); err != nil {
		return nil, err
	}
	q := s.quotas
	w := &WorkerSummary{StaffID: m.ID, Role: m.Role, Scope: m.Scope, ByMode: map[string]int{}}
	f := Filter{Area: s.prog.Area.Code, VisitorID: m.ID, From: dateOfNum(q.start).Start(), To: dateOfNum(q.end + 1).Start()}
	mine := map[uuid.UUID][]uuid.UUID{} // child → the worker's completed visits
	for v, err := range s.store.VisitsByVisitor(ctx, f) {
		if err != nil {
			return nil, err
		}
		if v.Start.After(asOf) {
			break
		}
		w.Visits++
		if !v.Counts() {
			w.Failed++
			continue
		}
		w.Completed++
		w.ByMode[string(v.Mode)]++
		if v.Mode == ModeHome && v.HasEvidence(string(EvidencePhoto)) {
			w.HomeWithPhoto++
		}
		mine[v.ChildID] = append(mine[v.ChildID], v.ID)
	}
	w.Children = len(mine)
	for _, id := range sortedIDs(mine) {
		c, err := s.store.GetChild(ctx, id)
		if err != nil {
			return nil, err
		}
		cv, err := s.evaluate(ctx, c, asOf)
		if err != nil {
			return nil, err
		}
		var counted []uuid.UUID
		for _, r := range cv.Rules {
			counted = append(counted, r.Counted...)
		}
		for _, vid := range mine[id] {
			if slices.Contains(counted, vid) {
				w.Counted++
			}
		}
	}
	if len(m.Scope) > len(s.prog.Area.Code) {
		sum := newSummary(q)
		err := s.eachChild(ctx, m.Scope, func(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow) error {
			cv := q.evaluate(c, entries, visits, asOf)
			sum.add(&cv)
			return nil
		})
		if err != nil {
			return nil, err
		}
		sum.finish()
		w.ScopeSummary = &sum
	}
	if len(w.ByMode) == 0 {
		w.ByMode = nil
	}
	return w, nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedIDs[V any](m map[uuid.UUID]V) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}
