// Package memory is the in-memory implementation of the library's store ports
// (welfare.Store): the reference implementation every other store is measured against
// (by adapters/storetest) and the test double of the domain packages.
//
// A Store is safe for concurrent use. It hands out and keeps deep copies, never aliases:
// mutating a value after passing it in, or a value handed out, never changes what is
// stored. Like every store it keeps times as welfare.StoreTime normalises them (UTC,
// truncated to microseconds), so the memory double behaves as the database stores do.
// A record's area code never changes: updates that change it fail with welfare.ErrInvalid.
//
// Scans (Children, CensusRows, KeyEntries, StaffMembers, AccessRecords) walk an ordered
// index in chunks, taking the read lock per chunk and releasing it before yielding, so
// memory stays bounded by the chunk and a loop body may write to the store.
//
// Atomically holds the write lock for the whole transaction: other writers and readers
// wait until fn returns. fn must use only the Store it is given; calling the outer Store
// from inside fn deadlocks.
package memory

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// ErrTxDone is returned by every method of the Store passed to an Atomically function
// once that function has returned.
var ErrTxDone = errors.New("memory: transaction already finished")

// chunk is the number of values a scan collects per lock acquisition; scanBudget bounds
// the keys it examines per acquisition when a filter rejects most of them.
const (
	chunk      = 256
	scanBudget = 4096
)

// Store keeps every record in memory. The zero value is not usable; call New.
type Store struct {
	mu sync.RWMutex
	v  view
}

var (
	_ welfare.Store = (*Store)(nil)
	_ welfare.Store = (*view)(nil)
)

// New returns an empty store.
func New() *Store {
	s := &Store{}
	s.v = view{st: newState(), rw: &s.mu}
	return s
}

// CreateChild stores c as version 1 and sets c.Version to 1. An existing ID fails with
// welfare.ErrConflict; an identity number another child of the area holds, with
// welfare.ErrDuplicate; a missing ID or area code, with welfare.ErrInvalid.
func (s *Store) CreateChild(ctx context.Context, c *welfare.Child) error {
	return s.v.CreateChild(ctx, c)
}

// CreateChildren stores every child of cs as version 1, or none of them.
func (s *Store) CreateChildren(ctx context.Context, cs []*welfare.Child) error {
	return s.v.CreateChildren(ctx, cs)
}

// GetChild returns a copy of the child, or welfare.ErrNotFound.
func (s *Store) GetChild(ctx context.Context, id uuid.UUID) (*welfare.Child, error) {
	return s.v.GetChild(ctx, id)
}

// UpdateChild replaces the stored child if its version equals c.Version, then stores and
// sets c.Version+1. A stale version fails with welfare.ErrConflict, an unknown ID with
// welfare.ErrNotFound, a number another child of the area holds with
// welfare.ErrDuplicate, a changed area code with welfare.ErrInvalid.
func (s *Store) UpdateChild(ctx context.Context, c *welfare.Child) error {
	return s.v.UpdateChild(ctx, c)
}

// ChildByIDNumber returns the area's child holding n; welfare.ErrNotFound if none does
// (always for the zero number).
func (s *Store) ChildByIDNumber(ctx context.Context, area string, n welfare.IDNumber) (*welfare.Child, error) {
	return s.v.ChildByIDNumber(ctx, area, n)
}

// ChildrenByNameBirth returns the area's children with exactly this name and birth date,
// in ID order; nil if there are none.
func (s *Store) ChildrenByNameBirth(ctx context.Context, area, name string, birth welfare.Date) ([]*welfare.Child, error) {
	return s.v.ChildrenByNameBirth(ctx, area, name, birth)
}

// Children streams copies of the children f selects in ID order.
func (s *Store) Children(ctx context.Context, f welfare.ChildFilter) iter.Seq2[*welfare.Child, error] {
	return s.v.Children(ctx, f)
}

// CensusRows streams the census rows of the area's children in ID order.
func (s *Store) CensusRows(ctx context.Context, area string) iter.Seq2[welfare.CensusRow, error] {
	return s.v.CensusRows(ctx, area)
}

// CreateKeyEntry stores e as version 1 and sets e.Version to 1.
func (s *Store) CreateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	return s.v.CreateKeyEntry(ctx, e)
}

// GetKeyEntry returns a copy of the entry, or welfare.ErrNotFound.
func (s *Store) GetKeyEntry(ctx context.Context, id uuid.UUID) (*welfare.KeyEntry, error) {
	return s.v.GetKeyEntry(ctx, id)
}

// UpdateKeyEntry replaces the stored entry under the version rules of UpdateChild.
func (s *Store) UpdateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	return s.v.UpdateKeyEntry(ctx, e)
}

// KeyEntries streams copies of the entries f selects, ordered by child ID, then entry ID.
func (s *Store) KeyEntries(ctx context.Context, f welfare.KeyEntryFilter) iter.Seq2[*welfare.KeyEntry, error] {
	return s.v.KeyEntries(ctx, f)
}

// CreateStaff stores m as version 1 and sets m.Version to 1.
func (s *Store) CreateStaff(ctx context.Context, m *welfare.Staff) error {
	return s.v.CreateStaff(ctx, m)
}

// GetStaff returns a copy of the staff member, or welfare.ErrNotFound.
func (s *Store) GetStaff(ctx context.Context, id uuid.UUID) (*welfare.Staff, error) {
	return s.v.GetStaff(ctx, id)
}

// UpdateStaff replaces the stored member under the version rules of UpdateChild.
func (s *Store) UpdateStaff(ctx context.Context, m *welfare.Staff) error {
	return s.v.UpdateStaff(ctx, m)
}

// StaffMembers streams copies of the area's staff in ID order.
func (s *Store) StaffMembers(ctx context.Context, area string) iter.Seq2[*welfare.Staff, error] {
	return s.v.StaffMembers(ctx, area)
}

// RecordAccess appends r to the access log.
func (s *Store) RecordAccess(ctx context.Context, r welfare.AccessRecord) error {
	return s.v.RecordAccess(ctx, r)
}

// AccessRecords streams the child's access records in time order (records of the same
// instant in the order they were recorded).
func (s *Store) AccessRecords(ctx context.Context, child uuid.UUID) iter.Seq2[welfare.AccessRecord, error] {
	return s.v.AccessRecords(ctx, child)
}

// Atomically runs fn with a transaction-scoped Store. Its writes commit when fn returns
// nil; they are all undone if fn returns an error or panics (the panic continues), or
// if ctx is done by the time fn returns. Reads through tx see tx's own writes. Calling
// Atomically on tx runs a nested function whose writes are undone alone if it fails (a
// savepoint). Using tx after fn returns fails with ErrTxDone.
func (s *Store) Atomically(ctx context.Context, fn func(tx welfare.Store) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fn == nil {
		return invalid("fn", "required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &txState{}
	committed := false
	defer func() { // runs on return, panic and runtime.Goexit alike
		t.mu.Lock()
		t.done = true
		if !committed {
			s.v.st.rollback(t.log)
		}
		t.log = nil
		t.mu.Unlock()
	}()
	err := fn(&view{st: s.v.st, tx: t})
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("memory: transaction rolled back: %w", ctx.Err())
	}
	committed = err == nil
	return err
}

// txState is one transaction: its undo log, and whether it has finished. mu serialises
// the transaction's own calls (fn may share tx between goroutines).
type txState struct {
	mu   sync.Mutex
	done bool
	log  []undo
}

func (t *txState) enter() error {
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return ErrTxDone
	}
	return nil
}

// view implements welfare.Store over a state: for the Store itself (rw set), taking the
// store's locks, or inside a transaction (tx set), where the transaction already holds
// the write lock and the view logs every write for undo.
type view struct {
	st *state
	rw *sync.RWMutex
	tx *txState
}

func (v *view) rlock() error {
	if v.tx != nil {
		return v.tx.enter()
	}
	v.rw.RLock()
	return nil
}

func (v *view) runlock() {
	if v.tx != nil {
		v.tx.mu.Unlock()
		return
	}
	v.rw.RUnlock()
}

func (v *view) lock() error {
	if v.tx != nil {
		return v.tx.enter()
	}
	v.rw.Lock()
	return nil
}

func (v *view) unlock() {
	if v.tx != nil {
		v.tx.mu.Unlock()
		return
	}
	v.rw.Unlock()
}

func (v *view) logUndo(u undo) {
	if v.tx != nil {
		v.tx.log = append(v.tx.log, u)
	}
}

// Atomically on a transaction's view runs fn inside the same transaction, rolling back
// to the point where it started if fn fails.
func (v *view) Atomically(ctx context.Context, fn func(tx welfare.Store) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fn == nil {
		return invalid("fn", "required")
	}
	if v.tx == nil { // not reached: Store has its own Atomically
		return errors.New("memory: Atomically on a view outside a transaction")
	}
	if err := v.tx.enter(); err != nil {
		return err
	}
	mark := len(v.tx.log)
	v.tx.mu.Unlock()
	ok := false
	defer func() {
		if ok {
			return
		}
		v.tx.mu.Lock()
		if !v.tx.done && len(v.tx.log) >= mark {
			v.st.rollback(v.tx.log[mark:])
			v.tx.log = v.tx.log[:mark]
		}
		v.tx.mu.Unlock()
	}()
	err = fn(v)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("memory: nested transaction rolled back: %w", ctx.Err())
	}
	ok = err == nil
	return err
}

// ---- validation ----

// areaChanged reports an update that would move a record to another area. The area code
// is the shard key of every store (DESIGN "Scale") and never changes; a child who moves
// county leaves one programme and is registered by the other.
func areaChanged() error { return invalid("AreaCode", "immutable") }

// storedChild returns the copy of c a store keeps: deep, with times as welfare.StoreTime
// normalises them.
func storedChild(c *welfare.Child) *welfare.Child {
	d := c.Clone()
	d.CreatedAt = welfare.StoreTime(d.CreatedAt)
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	for i := range d.Lifecycle {
		d.Lifecycle[i].Recorded = welfare.StoreTime(d.Lifecycle[i].Recorded)
	}
	return d
}

func storedEntry(e *welfare.KeyEntry) *welfare.KeyEntry {
	d := e.Clone()
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	return d
}

func storedStaff(m *welfare.Staff) *welfare.Staff {
	d := m.Clone()
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	return d
}

func invalid(field, rule string) error {
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: rule}}}
}

func checkChild(c *welfare.Child, prefix string) error {
	if c == nil {
		return invalid(strings.TrimSuffix(prefix, ".")+"Child", "required")
	}
	return welfare.CheckKeys(prefix, c.ID, c.AreaCode)
}

func checkEntry(e *welfare.KeyEntry) error {
	if e == nil {
		return invalid("KeyEntry", "required")
	}
	return welfare.CheckKeys("", e.ID, e.AreaCode, e.ChildID)
}

func checkStaff(m *welfare.Staff) error {
	if m == nil {
		return invalid("Staff", "required")
	}
	return welfare.CheckKeys("", m.ID, m.AreaCode)
}

// ---- children ----

func (v *view) CreateChild(ctx context.Context, c *welfare.Child) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkChild(c, ""); err != nil {
		return err
	}
	rec := storedChild(c)
	rec.Version = 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if err := v.canCreateChild(rec, nil); err != nil {
		return err
	}
	if err := v.putChild(ctx, rec); err != nil {
		return err
	}
	c.Version = 1
	return nil
}

// batchSeen holds the IDs and number keys of a batch's earlier members.
type batchSeen struct {
	ids     map[uuid.UUID]struct{}
	numbers map[numberKey]struct{}
}

// canCreateChild checks c against the stored children and, for batches, the earlier
// members of the batch.
func (v *view) canCreateChild(c *welfare.Child, seen *batchSeen) error {
	if _, ok := v.st.children[c.ID]; ok {
		return fmt.Errorf("memory: create child %s: id exists: %w", c.ID, welfare.ErrConflict)
	}
	if _, ok := v.st.numberHolder(c); ok {
		return fmt.Errorf("memory: create child %s: identity number held by another child of the area: %w", c.ID, welfare.ErrDuplicate)
	}
	if seen == nil {
		return nil
	}
	if _, ok := seen.ids[c.ID]; ok {
		return fmt.Errorf("memory: create children: id %s twice in the batch: %w", c.ID, welfare.ErrConflict)
	}
	seen.ids[c.ID] = struct{}{}
	if k, ok := numberKeyOf(c); ok {
		if _, ok := seen.numbers[k]; ok {
			return fmt.Errorf("memory: create child %s: identity number twice in the batch: %w", c.ID, welfare.ErrDuplicate)
		}
		seen.numbers[k] = struct{}{}
	}
	return nil
}

// putChild journals c and stores it; on a journal failure nothing changes.
func (v *view) putChild(ctx context.Context, c *welfare.Child) error {
	if err := v.journal(ctx, welfare.EntityChild, c.AreaCode, c.ID, c.Version, c, c.UpdatedBy); err != nil {
		return err
	}
	v.logUndo(undo{kind: undoChild, id: c.ID, child: v.st.children[c.ID]})
	v.st.setChild(c.ID, newChildRec(c))
	return nil
}

func (v *view) CreateChildren(ctx context.Context, cs []*welfare.Child) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, c := range cs {
		if err := checkChild(c, fmt.Sprintf("[%d].", i)); err != nil {
			return err
		}
	}
	if len(cs) == 0 {
		return nil
	}
	recs := make([]*welfare.Child, len(cs))
	for i, c := range cs {
		recs[i] = storedChild(c)
		recs[i].Version = 1
	}
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	seen := &batchSeen{ids: make(map[uuid.UUID]struct{}, len(recs)), numbers: make(map[numberKey]struct{}, len(recs))}
	for _, c := range recs {
		if err := v.canCreateChild(c, seen); err != nil {
			return err
		}
	}
	mark := v.journalMark(recs[0].AreaCode)
	for i, c := range recs {
		if err := v.putChild(ctx, c); err != nil {
			// Undo the batch's earlier members outside a transaction too: all or none.
			for _, done := range recs[:i] {
				v.st.setChild(done.ID, nil)
			}
			v.journalRewind(recs[0].AreaCode, mark)
			return err
		}
	}
	for _, c := range cs {
		c.Version = 1
	}
	return nil
}

func (v *view) GetChild(ctx context.Context, id uuid.UUID) (*welfare.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	rec := v.st.children[id]
	v.runlock()
	if rec == nil {
		return nil, fmt.Errorf("memory: child %s: %w", id, welfare.ErrNotFound)
	}
	return rec.c.Clone(), nil
}

func (v *view) UpdateChild(ctx context.Context, c *welfare.Child) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkChild(c, ""); err != nil {
		return err
	}
	rec := storedChild(c)
	rec.Version = c.Version + 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	cur := v.st.children[c.ID]
	switch {
	case cur == nil:
		return fmt.Errorf("memory: update child %s: %w", c.ID, welfare.ErrNotFound)
	case cur.c.Version != c.Version:
		return fmt.Errorf("memory: update child %s: stored version %d, given %d: %w", c.ID, cur.c.Version, c.Version, welfare.ErrConflict)
	case cur.c.AreaCode != c.AreaCode:
		return areaChanged()
	}
	if _, ok := v.st.numberHolder(rec); ok {
		return fmt.Errorf("memory: update child %s: identity number held by another child of the area: %w", c.ID, welfare.ErrDuplicate)
	}
	if err := v.putChild(ctx, rec); err != nil {
		return err
	}
	c.Version = rec.Version
	return nil
}

func (v *view) ChildByIDNumber(ctx context.Context, area string, n welfare.IDNumber) (*welfare.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n.IsZero() {
		return nil, fmt.Errorf("memory: child by identity number: none given: %w", welfare.ErrNotFound)
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	var rec *childRec
	if id, ok := v.st.byNumber[numberKey{area, n.Full()}]; ok {
		rec = v.st.children[id]
	}
	v.runlock()
	if rec == nil {
		return nil, fmt.Errorf("memory: child by identity number in area %s: %w", area, welfare.ErrNotFound)
	}
	return rec.c.Clone(), nil
}

func (v *view) ChildrenByNameBirth(ctx context.Context, area, name string, birth welfare.Date) ([]*welfare.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	ids := v.st.byNameBirth[nameBirthKey{area, name, birth}]
	recs := make([]*welfare.Child, 0, len(ids))
	for _, id := range ids {
		recs = append(recs, v.st.children[id].c)
	}
	v.runlock()
	if len(recs) == 0 {
		return nil, nil
	}
	slices.SortFunc(recs, func(a, b *welfare.Child) int { return cmpID(a.ID, b.ID) })
	for i, c := range recs {
		recs[i] = c.Clone()
	}
	return recs, nil
}

func (v *view) Children(ctx context.Context, f welfare.ChildFilter) iter.Seq2[*welfare.Child, error] {
	f.States = slices.Clone(f.States)
	return func(yield func(*welfare.Child, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		if f.Limit < 0 {
			yield(nil, invalid("Limit", "gte"))
			return
		}
		pick := func(st *state, id uuid.UUID) (*welfare.Child, bool, bool) {
			r := st.children[id]
			if f.Region != "" && !strings.HasPrefix(r.row.Village, f.Region) && !strings.HasPrefix(r.row.Township, f.Region) {
				return nil, false, true
			}
			if len(f.States) > 0 && !slices.Contains(f.States, r.row.State) {
				return nil, false, true
			}
			return r.c, true, true
		}
		walk(ctx, v, func(st *state) *index[uuid.UUID] { return st.childOrder[f.Area] }, cmpID, f.After, f.Limit, pick,
			func(c *welfare.Child, err error) bool {
				if err != nil {
					return yield(nil, err)
				}
				return yield(c.Clone(), nil)
			})
	}
}

func (v *view) CensusRows(ctx context.Context, area string) iter.Seq2[welfare.CensusRow, error] {
	return func(yield func(welfare.CensusRow, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(welfare.CensusRow{}, err)
			return
		}
		if area == "" {
			yield(welfare.CensusRow{}, invalid("area", "required"))
			return
		}
		pick := func(st *state, id uuid.UUID) (welfare.CensusRow, bool, bool) {
			return st.children[id].row, true, true
		}
		walk(ctx, v, func(st *state) *index[uuid.UUID] { return st.childOrder[area] }, cmpID, uuid.Nil, 0, pick, yield)
	}
}

// walk yields, in index order, the values pick accepts for the keys after cursor. Under
// the read lock it collects up to a chunk of values (pick runs under the lock and returns
// stored, immutable values; more=false ends the scan), then releases the lock and yields
// them; ctx is checked before every chunk. With limit > 0 it stops after limit values.
func walk[K, V any](ctx context.Context, v *view, order func(*state) *index[K], cmp func(a, b K) int,
	cursor K, limit int, pick func(st *state, k K) (val V, ok, more bool), yield func(V, error) bool) {
	var zero V
	batch := make([]V, 0, chunk)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		want := chunk
		if limit > 0 {
			want = min(want, limit-n)
		}
		if err := v.rlock(); err != nil {
			yield(zero, err)
			return
		}
		batch = batch[:0]
		exhausted := true
		if x := order(v.st); x != nil {
			keys := x.sortedKeys()
			i := after(keys, cursor, cmp)
			for examined := 0; i < len(keys) && len(batch) < want && examined < scanBudget; examined++ {
				k := keys[i]
				i++
				cursor = k
				val, ok, more := pick(v.st, k)
				if !more {
					i = len(keys)
					break
				}
				if ok {
					batch = append(batch, val)
				}
			}
			exhausted = i >= len(keys)
		}
		v.runlock()
		for j, val := range batch {
			batch[j] = zero // drop the reference for the collector
			if !yield(val, nil) {
				return
			}
			n++
		}
		if exhausted || (limit > 0 && n >= limit) {
			return
		}
	}
}

// ---- key-care ledger ----

func (v *view) CreateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	rec := storedEntry(e)
	rec.Version = 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if _, ok := v.st.entries[e.ID]; ok {
		return fmt.Errorf("memory: create key entry %s: id exists: %w", e.ID, welfare.ErrConflict)
	}
	if err := v.putEntry(ctx, rec); err != nil {
		return err
	}
	e.Version = 1
	return nil
}

func (v *view) putEntry(ctx context.Context, e *welfare.KeyEntry) error {
	if err := v.journal(ctx, welfare.EntityKeyEntry, e.AreaCode, e.ID, e.Version, e, e.UpdatedBy); err != nil {
		return err
	}
	v.logUndo(undo{kind: undoEntry, id: e.ID, entry: v.st.entries[e.ID]})
	v.st.setEntry(e.ID, e)
	return nil
}

func (v *view) GetKeyEntry(ctx context.Context, id uuid.UUID) (*welfare.KeyEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	e := v.st.entries[id]
	v.runlock()
	if e == nil {
		return nil, fmt.Errorf("memory: key entry %s: %w", id, welfare.ErrNotFound)
	}
	return e.Clone(), nil
}

func (v *view) UpdateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	rec := storedEntry(e)
	rec.Version = e.Version + 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	cur := v.st.entries[e.ID]
	switch {
	case cur == nil:
		return fmt.Errorf("memory: update key entry %s: %w", e.ID, welfare.ErrNotFound)
	case cur.Version != e.Version:
		return fmt.Errorf("memory: update key entry %s: stored version %d, given %d: %w", e.ID, cur.Version, e.Version, welfare.ErrConflict)
	case cur.AreaCode != e.AreaCode:
		return areaChanged()
	}
	if err := v.putEntry(ctx, rec); err != nil {
		return err
	}
	e.Version = rec.Version
	return nil
}

func (v *view) KeyEntries(ctx context.Context, f welfare.KeyEntryFilter) iter.Seq2[*welfare.KeyEntry, error] {
	return func(yield func(*welfare.KeyEntry, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		pick := func(st *state, k entryKey) (*welfare.KeyEntry, bool, bool) {
			if f.ChildID != uuid.Nil && k.child != f.ChildID {
				return nil, false, false
			}
			e := st.entries[k.id]
			return e, !f.OpenOnly || e.Closed == nil, true
		}
		walk(ctx, v, func(st *state) *index[entryKey] { return st.entryOrder[f.Area] }, cmpEntryKey,
			entryKey{child: f.ChildID}, 0, pick,
			func(e *welfare.KeyEntry, err error) bool {
				if err != nil {
					return yield(nil, err)
				}
				return yield(e.Clone(), nil)
			})
	}
}

// ---- staff ----

func (v *view) CreateStaff(ctx context.Context, m *welfare.Staff) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStaff(m); err != nil {
		return err
	}
	rec := storedStaff(m)
	rec.Version = 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if _, ok := v.st.staff[m.ID]; ok {
		return fmt.Errorf("memory: create staff %s: id exists: %w", m.ID, welfare.ErrConflict)
	}
	if err := v.putStaff(ctx, rec); err != nil {
		return err
	}
	m.Version = 1
	return nil
}

func (v *view) putStaff(ctx context.Context, m *welfare.Staff) error {
	if err := v.journal(ctx, welfare.EntityStaff, m.AreaCode, m.ID, m.Version, m, m.UpdatedBy); err != nil {
		return err
	}
	v.logUndo(undo{kind: undoStaff, id: m.ID, staff: v.st.staff[m.ID]})
	v.st.setStaff(m.ID, m)
	return nil
}

func (v *view) GetStaff(ctx context.Context, id uuid.UUID) (*welfare.Staff, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	m := v.st.staff[id]
	v.runlock()
	if m == nil {
		return nil, fmt.Errorf("memory: staff %s: %w", id, welfare.ErrNotFound)
	}
	return m.Clone(), nil
}

func (v *view) UpdateStaff(ctx context.Context, m *welfare.Staff) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStaff(m); err != nil {
		return err
	}
	rec := storedStaff(m)
	rec.Version = m.Version + 1
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	cur := v.st.staff[m.ID]
	switch {
	case cur == nil:
		return fmt.Errorf("memory: update staff %s: %w", m.ID, welfare.ErrNotFound)
	case cur.Version != m.Version:
		return fmt.Errorf("memory: update staff %s: stored version %d, given %d: %w", m.ID, cur.Version, m.Version, welfare.ErrConflict)
	case cur.AreaCode != m.AreaCode:
		return areaChanged()
	}
	if err := v.putStaff(ctx, rec); err != nil {
		return err
	}
	m.Version = rec.Version
	return nil
}

func (v *view) StaffMembers(ctx context.Context, area string) iter.Seq2[*welfare.Staff, error] {
	return func(yield func(*welfare.Staff, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if area == "" {
			yield(nil, invalid("area", "required"))
			return
		}
		pick := func(st *state, id uuid.UUID) (*welfare.Staff, bool, bool) { return st.staff[id], true, true }
		walk(ctx, v, func(st *state) *index[uuid.UUID] { return st.staffOrder[area] }, cmpID, uuid.Nil, 0, pick,
			func(m *welfare.Staff, err error) bool {
				if err != nil {
					return yield(nil, err)
				}
				return yield(m.Clone(), nil)
			})
	}
}

// ---- access log ----

func (v *view) RecordAccess(ctx context.Context, r welfare.AccessRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.ChildID == uuid.Nil {
		return invalid("ChildID", "required")
	}
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	r.At = welfare.StoreTime(r.At)
	area := ""
	if c := v.st.children[r.ChildID]; c != nil {
		area = c.c.AreaCode
	}
	if err := v.journal(ctx, welfare.EntityAccess, area, r.ID, 1, r, r.StaffID.String()); err != nil {
		return err
	}
	seq := v.st.addAccess(r)
	v.logUndo(undo{kind: undoAccess, id: r.ChildID, seq: seq})
	return nil
}

func (v *view) AccessRecords(ctx context.Context, child uuid.UUID) iter.Seq2[welfare.AccessRecord, error] {
	return func(yield func(welfare.AccessRecord, error) bool) {
		var (
			cursor  accessRec
			started bool
			batch   = make([]welfare.AccessRecord, 0, chunk)
		)
		for {
			if err := ctx.Err(); err != nil {
				yield(welfare.AccessRecord{}, err)
				return
			}
			if err := v.rlock(); err != nil {
				yield(welfare.AccessRecord{}, err)
				return
			}
			list := v.st.access[child]
			i := 0
			if started {
				i = after(list, cursor, cmpAccess)
			}
			end := min(i+chunk, len(list))
			batch = batch[:0]
			for _, a := range list[i:end] {
				batch = append(batch, a.r)
			}
			if end > i {
				cursor, started = list[end-1], true
			}
			exhausted := end >= len(list)
			v.runlock()
			for _, r := range batch {
				if !yield(r, nil) {
					return
				}
			}
			if exhausted {
				return
			}
		}
	}
}
