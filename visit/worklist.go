package visit

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// WorkStatus says how pressing a visit on a worklist is.
type WorkStatus string

// Work statuses, most pressing first.
const (
	// WorkOverdue: the child is behind: the latest ended period of the quota was missed
	// and the visits it asks for have not been made since.
	WorkOverdue WorkStatus = "overdue"
	// WorkDueSoon: the current period still lacks visits and ends within the
	// programme's DueSoonDays.
	WorkDueSoon WorkStatus = "due_soon"
	// WorkDue: the current period still lacks visits and ends later.
	WorkDue WorkStatus = "due"
)

func (s WorkStatus) rank() int {
	switch s {
	case WorkOverdue:
		return 0
	case WorkDueSoon:
		return 1
	}
	return 2
}

// WorkItem is one visit a child needs under one quota, with the rule that makes it due.
// Items are derived at query time and never stored: one per child and quota at most,
// whatever records are back-dated or amended.
type WorkItem struct {
	ChildID  uuid.UUID  `json:"child_id"`
	Township string     `json:"township"`
	Village  string     `json:"village,omitempty"`
	RuleID   string     `json:"rule_id"`
	Status   WorkStatus `json:"status"`
	// Period is the label of the period the visit is for: the current one, or for an
	// overdue child whose current period is not due, the missed one.
	Period string       `json:"period"`
	DueBy  welfare.Date `json:"due_by"` // the end of that period; for overdue, of the missed one
	Need   int          `json:"need"`   // visits still needed in Period
	Mode   string       `json:"mode"`
	// RequireEvidence lists the evidence kinds the visit must carry to count.
	RequireEvidence []string `json:"require_evidence,omitempty"`
	Missed          []string `json:"missed,omitempty"` // labels of the quota's missed periods
	// LastVisit is the start of the child's latest completed visit (any quota).
	LastVisit time.Time `json:"last_visit,omitzero"`
}

// Worklist is the visits due for a worker, a village or a township on a day.
type Worklist struct {
	Region   string       `json:"region"`
	WorkerID uuid.UUID    `json:"worker_id,omitzero"`
	AsOf     welfare.Date `json:"as_of"`
	Items    []WorkItem   `json:"items"`
	Overdue  int          `json:"overdue"`
	DueSoon  int          `json:"due_soon"`
	Due      int          `json:"due"`
}

// WorkItems derives the worklist items of child c at asOf from its ledger entries and
// visits (pure; see Quotas for the rules). A child gets an item under a quota only while
// in the quota's category on the query day; exited children get none.
func (q *Quotas) WorkItems(c *welfare.Child, entries []*welfare.KeyEntry, visits []*Visit, asOf time.Time) []WorkItem {
	cv := q.Evaluate(c, entries, visits, asOf)
	return q.items(&cv, nil)
}

// items appends cv's work items to dst.
func (q *Quotas) items(cv *ChildVerdict, dst []WorkItem) []WorkItem {
	asOfDay := dayNum(cv.AsOf)
	for i := range cv.Rules {
		rv := &cv.Rules[i]
		if !rv.memberNow {
			continue
		}
		var cur, prev *PeriodVerdict
		for j := range rv.Periods {
			p := &rv.Periods[j]
			switch {
			case dayNum(p.End) < asOfDay:
				prev = p
			case dayNum(p.Start) <= asOfDay:
				cur = p
			}
		}
		behind := prev != nil && prev.Status == PeriodMissed
		it := WorkItem{ChildID: cv.ChildID, Township: cv.Township, Village: cv.Village, RuleID: rv.RuleID,
			Mode: rv.Mode, RequireEvidence: rv.RequireEvidence, Missed: rv.Missing, LastVisit: cv.LastVisit}
		switch {
		case cur != nil && cur.Status == PeriodOpen:
			it.Period, it.DueBy, it.Need = cur.Label, cur.End, rv.Min-len(cur.Counted)
			switch {
			case behind:
				it.Status, it.DueBy = WorkOverdue, prev.End
			case dayNum(cur.End)-asOfDay <= q.dueSoon:
				it.Status = WorkDueSoon
			default:
				it.Status = WorkDue
			}
		case cur == nil && behind:
			it.Status, it.Period, it.DueBy, it.Need = WorkOverdue, prev.Label, prev.End, rv.Min-len(prev.Counted)
		default:
			continue
		}
		dst = append(dst, it)
	}
	return dst
}

// WorklistQuery selects a worklist: a worker (the children of the worker's scope), or
// a region (a village, township or the county); neither means the actor's scope.
type WorklistQuery struct {
	WorkerID uuid.UUID
	Region   string
	AsOf     time.Time
}

// Worklist returns the visits due, due soon and overdue (with the rule making each due)
// for the query's children at q.AsOf, most pressing first (then by due day, township,
// village, child, rule). It is computed from the records at query time and never stored.
// A village's or township's worklist reads only its children's records when the store
// is RegionIndexed; a county-wide worker's is the county's, one streaming pass.
func (s *Service) Worklist(ctx context.Context, actor welfare.Actor, q WorklistQuery) (*Worklist, error) {
	region := s.scopeRegion(actor, q.Region)
	if q.WorkerID != uuid.Nil {
		m, err := s.store.GetStaff(ctx, q.WorkerID)
		if err != nil {
			return nil, err
		}
		if m.AreaCode != s.prog.Area.Code {
			return nil, fmt.Errorf("visit: staff %s: %w", q.WorkerID, welfare.ErrNotFound)
		}
		region = m.Scope
	}
	if err := s.allow(actor, PermRead, region); err != nil {
		return nil, err
	}
	wl := &Worklist{Region: region, WorkerID: q.WorkerID, AsOf: welfare.DateOf(q.AsOf)}
	err := s.eachChild(ctx, region, func(c *ChildRow, entries []*welfare.KeyEntry, visits []VisitRow) error {
		cv := s.quotas.evaluate(c, entries, visits, q.AsOf)
		wl.Items = s.quotas.items(&cv, wl.Items)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(wl.Items, func(a, b WorkItem) int {
		return cmp.Or(
			cmp.Compare(a.Status.rank(), b.Status.rank()),
			a.DueBy.Compare(b.DueBy),
			cmp.Compare(a.Township, b.Township),
			cmp.Compare(a.Village, b.Village),
			bytes.Compare(a.ChildID[:], b.ChildID[:]),
			cmp.Compare(a.RuleID, b.RuleID),
		)
	})
	for _, it := range wl.Items {
		switch it.Status {
		case WorkOverdue:
			wl.Overdue++
		case WorkDueSoon:
			wl.DueSoon++
		default:
			wl.Due++
		}
	}
	return wl, nil
}
