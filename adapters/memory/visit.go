package memory

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

var (
	_ visit.Store         = (*Store)(nil)
	_ visit.Store         = (*view)(nil)
	_ visit.RegionIndexed = (*Store)(nil)
	_ visit.RegionIndexed = (*view)(nil)
)

// visitTables holds the visit domain's records: every version of every visit, and
// ordered indexes over the latest versions. Stored versions are never mutated: an
// amendment appends a new one, so readers may clone a version after releasing the lock.
type visitTables struct {
	versions  map[uuid.UUID][]*visit.Visit // oldest first
	byChild   map[string]*index[visitKey]  // per area: (ChildID, Start, ID) of latest versions
	byVisitor map[string]*index[visitKey]  // per area: (VisitorID, Start, ID) of latest versions
	evidence  map[evidenceKey][]uuid.UUID  // visits whose latest version carries the hash

	regions regionIndex // children by residence, for visit.RegionIndexed
}

// visitKey orders visits by a leading ID (child or visitor), start (Unix microseconds,
// the stores' precision) and visit ID.
type visitKey struct {
	lead  uuid.UUID
	start int64
	id    uuid.UUID
}

func cmpVisitKey(a, b visitKey) int {
	if c := cmpID(a.lead, b.lead); c != 0 {
		return c
	}
	switch {
	case a.start < b.start:
		return -1
	case a.start > b.start:
		return 1
	}
	return cmpID(a.id, b.id)
}

type evidenceKey struct{ area, sha string }

func childKey(v *visit.Visit) visitKey {
	return visitKey{lead: v.ChildID, start: v.Start.UnixMicro(), id: v.ID}
}

func visitorKey(v *visit.Visit) visitKey {
	return visitKey{lead: v.VisitorID, start: v.Start.UnixMicro(), id: v.ID}
}

func cursorKey(c visit.Cursor) visitKey {
	if c.Start.IsZero() {
		return visitKey{lead: c.Lead, start: math.MinInt64, id: c.ID}
	}
	return visitKey{lead: c.Lead, start: c.Start.UnixMicro(), id: c.ID}
}

func (t *visitTables) init() {
	if t.versions == nil {
		t.versions = map[uuid.UUID][]*visit.Visit{}
		t.byChild = map[string]*index[visitKey]{}
		t.byVisitor = map[string]*index[visitKey]{}
		t.evidence = map[evidenceKey][]uuid.UUID{}
	}
}

func (t *visitTables) latest(id uuid.UUID) *visit.Visit {
	vs := t.versions[id]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// setVersions replaces the versions of visit id (nil deletes) and moves the indexes
// from the old latest version to the new one. Undo uses it to restore a previous list.
func (t *visitTables) setVersions(id uuid.UUID, vs []*visit.Visit) {
	t.init()
	old := t.latest(id)
	var cur *visit.Visit
	if len(vs) > 0 {
		cur = vs[len(vs)-1]
	}
	if old != nil {
		t.byChild[old.AreaCode].remove(childKey(old))
		t.byVisitor[old.AreaCode].remove(visitorKey(old))
		for _, sha := range hashes(old) {
			k := evidenceKey{old.AreaCode, sha}
			ids := slices.DeleteFunc(t.evidence[k], func(x uuid.UUID) bool { return x == id })
			if len(ids) == 0 {
				delete(t.evidence, k)
			} else {
				t.evidence[k] = ids
			}
		}
	}
	if cur == nil {
		delete(t.versions, id)
		return
	}
	t.versions[id] = vs
	add := func(m map[string]*index[visitKey], k visitKey) {
		x := m[cur.AreaCode]
		if x == nil {
			x = newIndex(cmpVisitKey)
			m[cur.AreaCode] = x
		}
		x.add(k)
	}
	add(t.byChild, childKey(cur))
	add(t.byVisitor, visitorKey(cur))
	for _, sha := range hashes(cur) {
		k := evidenceKey{cur.AreaCode, sha}
		t.evidence[k] = append(t.evidence[k], id)
	}
}

// hashes returns the distinct evidence hashes of v.
func hashes(v *visit.Visit) []string {
	var out []string
	for _, e := range v.Evidence {
		if e.SHA256 != "" && !slices.Contains(out, e.SHA256) {
			out = append(out, e.SHA256)
		}
	}
	return out
}

func checkVisit(v *visit.Visit) error {
	if v == nil {
		return invalid("Visit", "required")
	}
	return welfare.CheckKeys("", v.ID, v.AreaCode, v.ChildID)
}

// putVisit journals rec and makes it the latest version of its visit; on a journal
// failure nothing changes.
func (v *view) putVisit(ctx context.Context, rec *visit.Visit) error {
	if err := v.journal(ctx, visit.EntityVisit, rec.AreaCode, rec.ID, rec.Version, rec, rec.UpdatedBy); err != nil {
		return err
	}
	t := &v.st.visits
	t.init()
	prev := t.versions[rec.ID]
	next := append(slices.Clip(prev), rec) // never shares prev's backing array
	id := rec.ID
	v.logUndo(undo{kind: undoFunc, fn: func() { t.setVersions(id, prev) }})
	t.setVersions(id, next)
	return nil
}

// ---- Store ----

// CreateVisit stores v as version 1 and sets v.Version to 1 (see visit.Store).
func (s *Store) CreateVisit(ctx context.Context, v *visit.Visit) error {
	return s.v.CreateVisit(ctx, v)
}

// AmendVisit stores a new version v.Version+1 if the latest version is v.Version.
func (s *Store) AmendVisit(ctx context.Context, v *visit.Visit) error {
	return s.v.AmendVisit(ctx, v)
}

// GetVisit returns a copy of the latest version, or welfare.ErrNotFound.
func (s *Store) GetVisit(ctx context.Context, id uuid.UUID) (*visit.Visit, error) {
	return s.v.GetVisit(ctx, id)
}

// VisitHistory returns copies of every version, oldest first.
func (s *Store) VisitHistory(ctx context.Context, id uuid.UUID) ([]*visit.Visit, error) {
	return s.v.VisitHistory(ctx, id)
}

// Visits streams copies of the latest versions f selects, ordered by (ChildID, Start, ID).
func (s *Store) Visits(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return s.v.Visits(ctx, f)
}

// VisitsByVisitor streams copies of the latest versions f selects, ordered by
// (VisitorID, Start, ID).
func (s *Store) VisitsByVisitor(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return s.v.VisitsByVisitor(ctx, f)
}

// EvidenceUses lists the visits of area whose latest version carries the hash.
func (s *Store) EvidenceUses(ctx context.Context, area, sha256 string) ([]visit.EvidenceUse, error) {
	return s.v.EvidenceUses(ctx, area, sha256)
}

// ---- view ----

func (v *view) CreateVisit(ctx context.Context, in *visit.Visit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkVisit(in); err != nil {
		return err
	}
	rec := visit.Normalize(in)
	rec.Version = 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if v.st.visits.latest(in.ID) != nil {
		return fmt.Errorf("memory: create visit %s: id exists: %w", in.ID, welfare.ErrConflict)
	}
	if err := v.putVisit(ctx, rec); err != nil {
		return err
	}
	in.Version = 1
	return nil
}

func (v *view) AmendVisit(ctx context.Context, in *visit.Visit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkVisit(in); err != nil {
		return err
	}
	rec := visit.Normalize(in)
	rec.Version = in.Version + 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	cur := v.st.visits.latest(in.ID)
	switch {
	case cur == nil:
		return fmt.Errorf("memory: amend visit %s: %w", in.ID, welfare.ErrNotFound)
	case cur.Version != in.Version:
		return fmt.Errorf("memory: amend visit %s: stored version %d, given %d: %w", in.ID, cur.Version, in.Version, welfare.ErrConflict)
	case cur.AreaCode != in.AreaCode:
		return areaChanged()
	}
	if err := v.putVisit(ctx, rec); err != nil {
		return err
	}
	in.Version = rec.Version
	return nil
}

func (v *view) GetVisit(ctx context.Context, id uuid.UUID) (*visit.Visit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	rec := v.st.visits.latest(id)
	v.runlock()
	if rec == nil {
		return nil, fmt.Errorf("memory: visit %s: %w", id, welfare.ErrNotFound)
	}
	return rec.Clone(), nil
}

func (v *view) VisitHistory(ctx context.Context, id uuid.UUID) ([]*visit.Visit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	vs := v.st.visits.versions[id]
	v.runlock()
	if len(vs) == 0 {
		return nil, fmt.Errorf("memory: visit %s: %w", id, welfare.ErrNotFound)
	}
	out := make([]*visit.Visit, len(vs))
	for i, x := range vs {
		out[i] = x.Clone()
	}
	return out, nil
}

func byChild(t *visitTables) map[string]*index[visitKey]   { return t.byChild }
func byVisitor(t *visitTables) map[string]*index[visitKey] { return t.byVisitor }

func (v *view) Visits(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return scanVisits(v, ctx, f, byChild, f.ChildID, (*visit.Visit).Clone)
}

func (v *view) VisitsByVisitor(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return scanVisits(v, ctx, f, byVisitor, f.VisitorID, (*visit.Visit).Clone)
}

// VisitRows streams the projections of what Visits streams (computed from the stored,
// immutable versions: no copy of the record is made).
func (s *Store) VisitRows(ctx context.Context, f visit.Filter) iter.Seq2[visit.VisitRow, error] {
	return s.v.VisitRows(ctx, f)
}

func (v *view) VisitRows(ctx context.Context, f visit.Filter) iter.Seq2[visit.VisitRow, error] {
	return scanVisits(v, ctx, f, byChild, f.ChildID, visit.VisitRowOf)
}

// ChildRows streams the compliance projection of the area's children in ID order.
func (s *Store) ChildRows(ctx context.Context, area string) iter.Seq2[visit.ChildRow, error] {
	return s.v.ChildRows(ctx, area)
}

func (v *view) ChildRows(ctx context.Context, area string) iter.Seq2[visit.ChildRow, error] {
	return func(yield func(visit.ChildRow, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(visit.ChildRow{}, err)
			return
		}
		if area == "" {
			yield(visit.ChildRow{}, invalid("area", "required"))
			return
		}
		pick := func(st *state, id uuid.UUID) (visit.ChildRow, bool, bool) {
			return visit.ChildRowOf(st.children[id].c), true, true // a fresh lifecycle slice
		}
		walk(ctx, v, func(st *state) *index[uuid.UUID] { return st.childOrder[area] }, cmpID, uuid.Nil, 0, pick, yield)
	}
}

// scanVisits walks one of the ordered indexes, yielding out of each stored version
// selected (a copy or a projection). When the filter fixes the leading ID (lead), the
// walk starts at that ID (and at From) and stops after it (or at To).
func scanVisits[T any](v *view, ctx context.Context, f visit.Filter, order func(*visitTables) map[string]*index[visitKey], lead uuid.UUID, out func(*visit.Visit) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		if f.Area == "" {
			yield(zero, invalid("Area", "required"))
			return
		}
		if f.Limit < 0 {
			yield(zero, invalid("Limit", "gte"))
			return
		}
		cursor := cursorKey(f.After)
		to := int64(math.MaxInt64)
		if lead != uuid.Nil {
			start := visitKey{lead: lead, start: math.MinInt64}
			if !f.From.IsZero() {
				start.start = f.From.UnixMicro()
			}
			if cmpVisitKey(start, cursor) > 0 {
				cursor = start
			}
			if !f.To.IsZero() {
				to = f.To.UnixMicro()
			}
		}
		var idx func(*state) *index[visitKey] = func(st *state) *index[visitKey] {
			if st.visits.versions == nil {
				return nil
			}
			return order(&st.visits)[f.Area]
		}
		// As walk, with a batch that starts small: most scans here are one child's or one
		// worker's few visits, and a full chunk per call would dominate their cost.
		batch := make([]*visit.Visit, 0, 16)
		n := 0
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			want := chunk
			if f.Limit > 0 {
				want = min(want, f.Limit-n)
			}
			if err := v.rlock(); err != nil {
				yield(zero, err)
				return
			}
			batch = batch[:0]
			exhausted := true
			if x := idx(v.st); x != nil {
				keys := x.sortedKeys()
				i := after(keys, cursor, cmpVisitKey)
				for examined := 0; i < len(keys) && len(batch) < want && examined < scanBudget; examined++ {
					k := keys[i]
					i++
					cursor = k
					if lead != uuid.Nil && (k.lead != lead || k.start >= to) {
						i = len(keys)
						break
					}
					if rec := v.st.visits.latest(k.id); f.Match(rec) {
						batch = append(batch, rec)
					}
				}
				exhausted = i >= len(keys)
			}
			v.runlock()
			for j, rec := range batch {
				batch[j] = nil
				if !yield(out(rec), nil) {
					return
				}
				n++
			}
			if exhausted || (f.Limit > 0 && n >= f.Limit) {
				return
			}
		}
	}
}

func (v *view) EvidenceUses(ctx context.Context, area, sha256 string) ([]visit.EvidenceUse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if area == "" {
		return nil, invalid("area", "required")
	}
	sha := strings.ToLower(sha256)
	if err := v.rlock(); err != nil {
		return nil, err
	}
	var out []visit.EvidenceUse
	t := &v.st.visits
	for _, id := range t.evidence[evidenceKey{area, sha}] {
		rec := t.latest(id)
		var kinds []visit.EvidenceKind
		for _, e := range rec.Evidence {
			if e.SHA256 == sha && !slices.Contains(kinds, e.Kind) {
				kinds = append(kinds, e.Kind)
			}
		}
		for _, k := range kinds {
			out = append(out, visit.EvidenceUse{VisitID: rec.ID, Version: rec.Version, ChildID: rec.ChildID,
				VisitorID: rec.VisitorID, Start: rec.Start, Kind: k})
		}
	}
	v.runlock()
	slices.SortFunc(out, func(a, b visit.EvidenceUse) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := cmpID(a.VisitID, b.VisitID); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return out, nil
}

// ---- children by region (visit.RegionIndexed) ----

// regionIndex lists each area's children by township and village code. It is derived
// from committed state only and kept current from the journal: every write of a child
// appends a leaf (kind child, the child's ID) to the log of the child's area in the
// same critical section, and the committed prefix of a log never changes (rollbacks cut
// only uncommitted leaves, under the write lock). So the index of an area is exact for
// the journal size it has applied, and catching up means re-reading the residence of the
// children named by the leaves since. Readers of the Store (not of a transaction, whose
// uncommitted writes it never sees) refresh it under the read lock; mu serialises them.
type regionIndex struct {
	mu    sync.Mutex
	areas map[string]*areaRegions
}

type areaRegions struct {
	applied int64                  // journal leaves applied
	keys    map[uuid.UUID][]string // child → the region codes it is listed under
	ids     map[string][]uuid.UUID // region code → children, in ID order
}

// regionKeys are the 9- and 12-digit prefixes of the child's township and village
// codes: a region code of 9 or 12 digits matches a child exactly as Children's Region
// filter does (a prefix of the village or the township) when it is one of them.
func regionKeys(c *welfare.Child) []string {
	var out []string
	for _, code := range []string{c.Residence.Township, c.Residence.Village} {
		for _, n := range []int{9, 12} {
			if len(code) >= n && !slices.Contains(out, code[:n]) {
				out = append(out, code[:n])
			}
		}
	}
	return out
}

func (a *areaRegions) set(id uuid.UUID, c *welfare.Child) {
	for _, k := range a.keys[id] {
		ids := a.ids[k]
		if i, ok := slices.BinarySearchFunc(ids, id, cmpID); ok {
			a.ids[k] = slices.Delete(ids, i, i+1)
		}
	}
	delete(a.keys, id)
	if c == nil {
		return
	}
	keys := regionKeys(c)
	a.keys[id] = keys
	for _, k := range keys {
		ids := a.ids[k]
		i, ok := slices.BinarySearchFunc(ids, id, cmpID)
		if !ok {
			a.ids[k] = slices.Insert(ids, i, id)
		}
	}
}

// idsIn returns a copy of the IDs listed under region in area, bringing the index up to
// date first. The caller holds the store's read lock (and is not a transaction).
func (t *visitTables) idsIn(ctx context.Context, st *state, area, region string) ([]uuid.UUID, error) {
	x := &t.regions
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.areas == nil {
		x.areas = map[string]*areaRegions{}
	}
	var size int64
	j := st.journals[area]
	if j != nil {
		size = j.Len()
	}
	a := x.areas[area]
	n := 0
	if o := st.childOrder[area]; o != nil {
		n = len(o.keys)
	}
	if a == nil || size < a.applied || size-a.applied > int64(n)+1024 {
		a = &areaRegions{keys: map[uuid.UUID][]string{}, ids: map[string][]uuid.UUID{}}
		if o := st.childOrder[area]; o != nil {
			for _, id := range o.sortedKeys() {
				a.set(id, st.children[id].c)
			}
		}
		a.applied = size
		x.areas[area] = a
	} else if size > a.applied {
		recs, err := j.Records(ctx, a.applied, size)
		if err != nil {
			return nil, fmt.Errorf("memory: region index of %s: %w", area, err)
		}
		for _, r := range recs {
			var leaf journal.Leaf
			if err := leaf.UnmarshalBinary(r); err != nil {
				return nil, fmt.Errorf("memory: region index of %s: %w", area, err)
			}
			if leaf.Kind != welfare.EntityChild {
				continue
			}
			id, err := uuid.Parse(leaf.ID)
			if err != nil {
				continue
			}
			var c *welfare.Child
			if rec := st.children[id]; rec != nil && rec.c.AreaCode == area {
				c = rec.c
			}
			a.set(id, c)
		}
		a.applied = size
	}
	return slices.Clone(a.ids[region]), nil
}

// ChildrenInRegion streams copies of the area's children whose township or village lies
// in region, in ID order: what Children returns for ChildFilter{Area: area, Region:
// region}, read from an index of residences for 9- and 12-digit codes (any other region
// falls back to the area scan).
func (s *Store) ChildrenInRegion(ctx context.Context, area, region string) iter.Seq2[*welfare.Child, error] {
	return s.v.ChildrenInRegion(ctx, area, region)
}

func (v *view) ChildrenInRegion(ctx context.Context, area, region string) iter.Seq2[*welfare.Child, error] {
	if v.tx != nil || (len(region) != 9 && len(region) != 12) {
		return v.Children(ctx, welfare.ChildFilter{Area: area, Region: region})
	}
	return func(yield func(*welfare.Child, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		v.rw.RLock()
		ids, err := v.st.visits.idsIn(ctx, v.st, area, region)
		v.rw.RUnlock()
		if err != nil {
			yield(nil, err)
			return
		}
		batch := make([]*welfare.Child, 0, chunk)
		for len(ids) > 0 {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			part := ids[:min(chunk, len(ids))]
			ids = ids[len(part):]
			batch = batch[:0]
			v.rw.RLock()
			for _, id := range part {
				if rec := v.st.children[id]; rec != nil && rec.c.AreaCode == area &&
					(strings.HasPrefix(rec.row.Village, region) || strings.HasPrefix(rec.row.Township, region)) {
					batch = append(batch, rec.c)
				}
			}
			v.rw.RUnlock()
			for _, c := range batch {
				if !yield(c.Clone(), nil) {
					return
				}
			}
		}
	}
}
