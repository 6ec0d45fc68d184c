package memory

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

var (
	_ casework.Store = (*Store)(nil)
	_ casework.Store = (*view)(nil)
)

// caseworkTables holds the casework domain's records: cases and referrals ordered per
// area by (child ID, ID), incidents by (discovery time, ID), activities by (date, ID).
// Stored values are never mutated: a write replaces the pointer.
type caseworkTables struct {
	cases      cwTable[*casework.Case, entryKey]
	referrals  cwTable[*casework.Referral, entryKey]
	incidents  cwTable[*casework.Incident, timeKey]
	activities cwTable[*casework.Activity, dateKey]
}

// cwTable is one table: rows by ID and an ordered index per area.
type cwTable[T any, K any] struct {
	rows  map[uuid.UUID]T
	order map[string]*index[K]
}

// timeKey orders records by an instant, then ID.
type timeKey struct {
	at time.Time
	id uuid.UUID
}

func cmpTimeKey(a, b timeKey) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmpID(a.id, b.id)
}

// dateKey orders records by a day, then ID.
type dateKey struct {
	date welfare.Date
	id   uuid.UUID
}

func cmpDateKey(a, b dateKey) int {
	if c := a.date.Compare(b.date); c != 0 {
		return c
	}
	return cmpID(a.id, b.id)
}

// cwSpec describes how the store handles one casework record type.
type cwSpec[T any, K any] struct {
	entity     string
	table      func(*state) *cwTable[T, K]
	id         func(T) uuid.UUID
	area       func(T) string
	child      func(T) uuid.UUID // nil: the record has no child
	version    func(T) int64
	setVersion func(T, int64)
	by         func(T) string
	norm       func(T) T // a normalised deep copy
	clone      func(T) T
	key        func(T) K
	cmp        func(a, b K) int
}

var (
	caseSpec = &cwSpec[*casework.Case, entryKey]{
		entity:     casework.EntityCase,
		table:      func(s *state) *cwTable[*casework.Case, entryKey] { return &s.casework.cases },
		id:         func(c *casework.Case) uuid.UUID { return c.ID },
		area:       func(c *casework.Case) string { return c.AreaCode },
		child:      func(c *casework.Case) uuid.UUID { return c.ChildID },
		version:    func(c *casework.Case) int64 { return c.Version },
		setVersion: func(c *casework.Case, v int64) { c.Version = v },
		by:         func(c *casework.Case) string { return c.UpdatedBy },
		norm:       casework.NormalizeCase,
		clone:      (*casework.Case).Clone,
		key:        func(c *casework.Case) entryKey { return entryKey{c.ChildID, c.ID} },
		cmp:        cmpEntryKey,
	}
	referralSpec = &cwSpec[*casework.Referral, entryKey]{
		entity:     casework.EntityReferral,
		table:      func(s *state) *cwTable[*casework.Referral, entryKey] { return &s.casework.referrals },
		id:         func(r *casework.Referral) uuid.UUID { return r.ID },
		area:       func(r *casework.Referral) string { return r.AreaCode },
		child:      func(r *casework.Referral) uuid.UUID { return r.ChildID },
		version:    func(r *casework.Referral) int64 { return r.Version },
		setVersion: func(r *casework.Referral, v int64) { r.Version = v },
		by:         func(r *casework.Referral) string { return r.UpdatedBy },
		norm:       casework.NormalizeReferral,
		clone:      (*casework.Referral).Clone,
		key:        func(r *casework.Referral) entryKey { return entryKey{r.ChildID, r.ID} },
		cmp:        cmpEntryKey,
	}
	incidentSpec = &cwSpec[*casework.Incident, timeKey]{
		entity:     casework.EntityIncident,
		table:      func(s *state) *cwTable[*casework.Incident, timeKey] { return &s.casework.incidents },
		id:         func(in *casework.Incident) uuid.UUID { return in.ID },
		area:       func(in *casework.Incident) string { return in.AreaCode },
		child:      func(in *casework.Incident) uuid.UUID { return in.ChildID },
		version:    func(in *casework.Incident) int64 { return in.Version },
		setVersion: func(in *casework.Incident, v int64) { in.Version = v },
		by:         func(in *casework.Incident) string { return in.UpdatedBy },
		norm:       casework.NormalizeIncident,
		clone:      (*casework.Incident).Clone,
		key:        func(in *casework.Incident) timeKey { return timeKey{in.Discovered, in.ID} },
		cmp:        cmpTimeKey,
	}
	activitySpec = &cwSpec[*casework.Activity, dateKey]{
		entity:     casework.EntityActivity,
		table:      func(s *state) *cwTable[*casework.Activity, dateKey] { return &s.casework.activities },
		id:         func(a *casework.Activity) uuid.UUID { return a.ID },
		area:       func(a *casework.Activity) string { return a.AreaCode },
		version:    func(a *casework.Activity) int64 { return a.Version },
		setVersion: func(a *casework.Activity, v int64) { a.Version = v },
		by:         func(a *casework.Activity) string { return a.UpdatedBy },
		norm:       casework.NormalizeActivity,
		clone:      (*casework.Activity).Clone,
		key:        func(a *casework.Activity) dateKey { return dateKey{a.Date, a.ID} },
		cmp:        cmpDateKey,
	}
)

// set stores val under id (present false deletes) and maintains the ordered index.
func (sp *cwSpec[T, K]) set(st *state, id uuid.UUID, val T, present bool) {
	t := sp.table(st)
	if t.rows == nil {
		t.rows = map[uuid.UUID]T{}
		t.order = map[string]*index[K]{}
	}
	if old, ok := t.rows[id]; ok {
		t.order[sp.area(old)].remove(sp.key(old))
		delete(t.rows, id)
	}
	if !present {
		return
	}
	t.rows[id] = val
	x := t.order[sp.area(val)]
	if x == nil {
		x = newIndex(sp.cmp)
		t.order[sp.area(val)] = x
	}
	x.add(sp.key(val))
}

func (sp *cwSpec[T, K]) check(x T, isNil bool) error {
	if isNil {
		return invalid(sp.entity, "required")
	}
	if sp.child != nil {
		return welfare.CheckKeys("", sp.id(x), sp.area(x), sp.child(x))
	}
	return welfare.CheckKeys("", sp.id(x), sp.area(x))
}

// put journals rec and stores it, logging the undo. The caller holds the write lock.
func (sp *cwSpec[T, K]) put(ctx context.Context, v *view, rec T) error {
	id := sp.id(rec)
	if err := v.journal(ctx, sp.entity, sp.area(rec), id, sp.version(rec), rec, sp.by(rec)); err != nil {
		return err
	}
	st := v.st
	old, had := sp.table(st).rows[id]
	v.logUndo(undo{kind: undoFunc, fn: func() { sp.set(st, id, old, had) }})
	sp.set(st, id, rec, true)
	return nil
}

func (sp *cwSpec[T, K]) create(ctx context.Context, v *view, x T, isNil bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sp.check(x, isNil); err != nil {
		return err
	}
	rec := sp.norm(x)
	sp.setVersion(rec, 1)
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if _, ok := sp.table(v.st).rows[sp.id(rec)]; ok {
		return fmt.Errorf("memory: create %s %s: id exists: %w", sp.entity, sp.id(rec), welfare.ErrConflict)
	}
	if err := sp.put(ctx, v, rec); err != nil {
		return err
	}
	sp.setVersion(x, 1)
	return nil
}

func (sp *cwSpec[T, K]) update(ctx context.Context, v *view, x T, isNil bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sp.check(x, isNil); err != nil {
		return err
	}
	rec := sp.norm(x)
	sp.setVersion(rec, sp.version(x)+1)
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	cur, ok := sp.table(v.st).rows[sp.id(x)]
	switch {
	case !ok:
		return fmt.Errorf("memory: update %s %s: %w", sp.entity, sp.id(x), welfare.ErrNotFound)
	case sp.version(cur) != sp.version(x):
		return fmt.Errorf("memory: update %s %s: stored version %d, given %d: %w", sp.entity, sp.id(x), sp.version(cur), sp.version(x), welfare.ErrConflict)
	case sp.area(cur) != sp.area(x):
		return areaChanged()
	}
	if err := sp.put(ctx, v, rec); err != nil {
		return err
	}
	sp.setVersion(x, sp.version(rec))
	return nil
}

func (sp *cwSpec[T, K]) get(ctx context.Context, v *view, id uuid.UUID) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if err := v.rlock(); err != nil {
		return zero, err
	}
	x, ok := sp.table(v.st).rows[id]
	v.runlock()
	if !ok {
		return zero, fmt.Errorf("memory: %s %s: %w", sp.entity, id, welfare.ErrNotFound)
	}
	return sp.clone(x), nil
}

// scan streams copies of the area's records from cursor on in index order; pick says
// whether a stored record is wanted and whether the scan goes on.
func (sp *cwSpec[T, K]) scan(ctx context.Context, v *view, area string, cursor K, pick func(T) (ok, more bool)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		if area == "" {
			yield(zero, invalid("Area", "required"))
			return
		}
		walk(ctx, v, func(st *state) *index[K] { return sp.table(st).order[area] }, sp.cmp, cursor, 0,
			func(st *state, k K) (T, bool, bool) {
				x := sp.table(st).rows[idOfKey(k)]
				ok, more := pick(x)
				return x, ok, more
			},
			func(x T, err error) bool {
				if err != nil {
					return yield(zero, err)
				}
				return yield(sp.clone(x), nil)
			})
	}
}

func idOfKey(k any) uuid.UUID {
	switch k := k.(type) {
	case entryKey:
		return k.id
	case timeKey:
		return k.id
	case dateKey:
		return k.id
	}
	panic("memory: unknown casework key")
}

// ---- casework.Store on Store ----

// CreateCase stores c as version 1 and sets c.Version to 1.
func (s *Store) CreateCase(ctx context.Context, c *casework.Case) error {
	return s.v.CreateCase(ctx, c)
}

// UpdateCase replaces the stored case under the version rules of UpdateChild.
func (s *Store) UpdateCase(ctx context.Context, c *casework.Case) error {
	return s.v.UpdateCase(ctx, c)
}

// GetCase returns a copy of the case, or welfare.ErrNotFound.
func (s *Store) GetCase(ctx context.Context, id uuid.UUID) (*casework.Case, error) {
	return s.v.GetCase(ctx, id)
}

// Cases streams copies of the cases f selects, ordered by child ID, then ID.
func (s *Store) Cases(ctx context.Context, f casework.CaseFilter) iter.Seq2[*casework.Case, error] {
	return s.v.Cases(ctx, f)
}

// CreateReferral stores r as version 1 and sets r.Version to 1.
func (s *Store) CreateReferral(ctx context.Context, r *casework.Referral) error {
	return s.v.CreateReferral(ctx, r)
}

// UpdateReferral replaces the stored referral under the version rules of UpdateChild.
func (s *Store) UpdateReferral(ctx context.Context, r *casework.Referral) error {
	return s.v.UpdateReferral(ctx, r)
}

// GetReferral returns a copy of the referral, or welfare.ErrNotFound.
func (s *Store) GetReferral(ctx context.Context, id uuid.UUID) (*casework.Referral, error) {
	return s.v.GetReferral(ctx, id)
}

// Referrals streams copies of the referrals f selects, ordered by child ID, then ID.
func (s *Store) Referrals(ctx context.Context, f casework.ReferralFilter) iter.Seq2[*casework.Referral, error] {
	return s.v.Referrals(ctx, f)
}

// CreateIncident stores in as version 1 and sets in.Version to 1.
func (s *Store) CreateIncident(ctx context.Context, in *casework.Incident) error {
	return s.v.CreateIncident(ctx, in)
}

// UpdateIncident replaces the stored incident under the version rules of UpdateChild.
func (s *Store) UpdateIncident(ctx context.Context, in *casework.Incident) error {
	return s.v.UpdateIncident(ctx, in)
}

// GetIncident returns a copy of the incident, or welfare.ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id uuid.UUID) (*casework.Incident, error) {
	return s.v.GetIncident(ctx, id)
}

// Incidents streams copies of the incidents f selects, ordered by discovery time, then ID.
func (s *Store) Incidents(ctx context.Context, f casework.IncidentFilter) iter.Seq2[*casework.Incident, error] {
	return s.v.Incidents(ctx, f)
}

// CreateActivity stores a as version 1 and sets a.Version to 1.
func (s *Store) CreateActivity(ctx context.Context, a *casework.Activity) error {
	return s.v.CreateActivity(ctx, a)
}

// UpdateActivity replaces the stored activity under the version rules of UpdateChild.
func (s *Store) UpdateActivity(ctx context.Context, a *casework.Activity) error {
	return s.v.UpdateActivity(ctx, a)
}

// GetActivity returns a copy of the activity, or welfare.ErrNotFound.
func (s *Store) GetActivity(ctx context.Context, id uuid.UUID) (*casework.Activity, error) {
	return s.v.GetActivity(ctx, id)
}

// Activities streams copies of the activities f selects, ordered by date, then ID.
func (s *Store) Activities(ctx context.Context, f casework.ActivityFilter) iter.Seq2[*casework.Activity, error] {
	return s.v.Activities(ctx, f)
}

// ---- casework.Store on view ----

func (v *view) CreateCase(ctx context.Context, c *casework.Case) error {
	return caseSpec.create(ctx, v, c, c == nil)
}

func (v *view) UpdateCase(ctx context.Context, c *casework.Case) error {
	return caseSpec.update(ctx, v, c, c == nil)
}

func (v *view) GetCase(ctx context.Context, id uuid.UUID) (*casework.Case, error) {
	return caseSpec.get(ctx, v, id)
}

func (v *view) Cases(ctx context.Context, f casework.CaseFilter) iter.Seq2[*casework.Case, error] {
	return caseSpec.scan(ctx, v, f.Area, entryKey{child: f.ChildID}, func(c *casework.Case) (bool, bool) {
		if f.ChildID != uuid.Nil && c.ChildID != f.ChildID {
			return false, false
		}
		return true, true
	})
}

func (v *view) CreateReferral(ctx context.Context, r *casework.Referral) error {
	return referralSpec.create(ctx, v, r, r == nil)
}

func (v *view) UpdateReferral(ctx context.Context, r *casework.Referral) error {
	return referralSpec.update(ctx, v, r, r == nil)
}

func (v *view) GetReferral(ctx context.Context, id uuid.UUID) (*casework.Referral, error) {
	return referralSpec.get(ctx, v, id)
}

func (v *view) Referrals(ctx context.Context, f casework.ReferralFilter) iter.Seq2[*casework.Referral, error] {
	return referralSpec.scan(ctx, v, f.Area, entryKey{child: f.ChildID}, func(r *casework.Referral) (bool, bool) {
		if f.ChildID != uuid.Nil && r.ChildID != f.ChildID {
			return false, false
		}
		return true, true
	})
}

func (v *view) CreateIncident(ctx context.Context, in *casework.Incident) error {
	return incidentSpec.create(ctx, v, in, in == nil)
}

func (v *view) UpdateIncident(ctx context.Context, in *casework.Incident) error {
	return incidentSpec.update(ctx, v, in, in == nil)
}

func (v *view) GetIncident(ctx context.Context, id uuid.UUID) (*casework.Incident, error) {
	return incidentSpec.get(ctx, v, id)
}

func (v *view) Incidents(ctx context.Context, f casework.IncidentFilter) iter.Seq2[*casework.Incident, error] {
	from := welfare.StoreTime(f.From)
	if f.From.IsZero() {
		from = time.Time{}
	}
	return incidentSpec.scan(ctx, v, f.Area, timeKey{at: from}, func(in *casework.Incident) (bool, bool) {
		if !f.To.IsZero() && !in.Discovered.Before(f.To) {
			return false, false
		}
		return !in.Discovered.Before(from), true
	})
}

func (v *view) CreateActivity(ctx context.Context, a *casework.Activity) error {
	return activitySpec.create(ctx, v, a, a == nil)
}

func (v *view) UpdateActivity(ctx context.Context, a *casework.Activity) error {
	return activitySpec.update(ctx, v, a, a == nil)
}

func (v *view) GetActivity(ctx context.Context, id uuid.UUID) (*casework.Activity, error) {
	return activitySpec.get(ctx, v, id)
}

func (v *view) Activities(ctx context.Context, f casework.ActivityFilter) iter.Seq2[*casework.Activity, error] {
	return activitySpec.scan(ctx, v, f.Area, dateKey{date: f.From}, func(a *casework.Activity) (bool, bool) {
		if !f.To.IsZero() && a.Date.After(f.To) {
			return false, false
		}
		return !a.Date.Before(f.From), true
	})
}
