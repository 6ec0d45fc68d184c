package memory

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

var (
	_ screening.Store = (*Store)(nil)
	_ screening.Store = (*view)(nil)
)

// screeningTables holds the screening domain's records: sessions and requests, each by
// ID, per child in date order, and in an ordered index per area (child ID, date,
// recording time, ID). Stored values are never mutated, like every table of the store.
type screeningTables struct {
	sessions  map[uuid.UUID]*screening.Session
	byChild   map[uuid.UUID][]*screening.Session
	sessOrder map[string]*index[recKey]
	requests  map[uuid.UUID]*screening.Request
	reqOrder  map[string]*index[recKey]
}

// recKey orders a child's records: child ID, date, recording time, record ID.
type recKey struct {
	child uuid.UUID
	date  welfare.Date
	at    time.Time
	id    uuid.UUID
}

func cmpRecKey(a, b recKey) int {
	if c := cmpID(a.child, b.child); c != 0 {
		return c
	}
	return cmpDateAtID(a, b)
}

func cmpDateAtID(a, b recKey) int {
	if c := a.date.Compare(b.date); c != 0 {
		return c
	}
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmpID(a.id, b.id)
}

func sessionKey(s *screening.Session) recKey {
	return recKey{child: s.ChildID, date: s.Date, at: s.RecordedAt, id: s.ID}
}

func requestKey(r *screening.Request) recKey {
	return recKey{child: r.ChildID, date: r.Date, at: r.RecordedAt, id: r.ID}
}

func (t *screeningTables) init() {
	if t.sessions == nil {
		t.sessions = map[uuid.UUID]*screening.Session{}
		t.byChild = map[uuid.UUID][]*screening.Session{}
		t.sessOrder = map[string]*index[recKey]{}
		t.requests = map[uuid.UUID]*screening.Request{}
		t.reqOrder = map[string]*index[recKey]{}
	}
}

func (t *screeningTables) addSession(s *screening.Session) {
	t.init()
	t.sessions[s.ID] = s
	list := t.byChild[s.ChildID]
	i, _ := slices.BinarySearchFunc(list, s, func(a, b *screening.Session) int { return cmpDateAtID(sessionKey(a), sessionKey(b)) })
	t.byChild[s.ChildID] = slices.Insert(list, i, s)
	x := t.sessOrder[s.AreaCode]
	if x == nil {
		x = newIndex(cmpRecKey)
		t.sessOrder[s.AreaCode] = x
	}
	x.add(sessionKey(s))
}

func (t *screeningTables) removeSession(s *screening.Session) {
	delete(t.sessions, s.ID)
	list := slices.DeleteFunc(t.byChild[s.ChildID], func(o *screening.Session) bool { return o.ID == s.ID })
	if len(list) == 0 {
		delete(t.byChild, s.ChildID)
	} else {
		t.byChild[s.ChildID] = list
	}
	t.sessOrder[s.AreaCode].remove(sessionKey(s))
}

func (t *screeningTables) addRequest(r *screening.Request) {
	t.init()
	t.requests[r.ID] = r
	x := t.reqOrder[r.AreaCode]
	if x == nil {
		x = newIndex(cmpRecKey)
		t.reqOrder[r.AreaCode] = x
	}
	x.add(requestKey(r))
}

func (t *screeningTables) removeRequest(r *screening.Request) {
	delete(t.requests, r.ID)
	t.reqOrder[r.AreaCode].remove(requestKey(r))
}

// CreateSession stores s as version 1 and sets s.Version to 1. An existing ID fails with
// welfare.ErrConflict; a missing ID, area code or child ID with welfare.ErrInvalid.
func (s *Store) CreateSession(ctx context.Context, x *screening.Session) error {
	return s.v.CreateSession(ctx, x)
}

// GetSession returns a copy of the session, or welfare.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, id uuid.UUID) (*screening.Session, error) {
	return s.v.GetSession(ctx, id)
}

// ChildSessions streams copies of the child's sessions by date, recording time and ID.
func (s *Store) ChildSessions(ctx context.Context, child uuid.UUID) iter.Seq2[*screening.Session, error] {
	return s.v.ChildSessions(ctx, child)
}

// Sessions streams copies of the area's sessions f selects, ordered by child ID, date,
// recording time and ID.
func (s *Store) Sessions(ctx context.Context, f screening.SessionFilter) iter.Seq2[*screening.Session, error] {
	return s.v.Sessions(ctx, f)
}

// CreateRequest stores r as version 1 and sets r.Version to 1, under the rules of
// CreateSession.
func (s *Store) CreateRequest(ctx context.Context, r *screening.Request) error {
	return s.v.CreateRequest(ctx, r)
}

// Requests streams copies of the requests f selects, ordered by child ID, date,
// recording time and ID.
func (s *Store) Requests(ctx context.Context, f screening.RequestFilter) iter.Seq2[*screening.Request, error] {
	return s.v.Requests(ctx, f)
}

func checkRecord(id uuid.UUID, area string, child uuid.UUID) error {
	return welfare.CheckKeys("", id, area, child)
}

func (v *view) CreateSession(ctx context.Context, x *screening.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil {
		return invalid("Session", "required")
	}
	if err := checkRecord(x.ID, x.AreaCode, x.ChildID); err != nil {
		return err
	}
	rec := x.Clone()
	rec.Version = 1
	rec.RecordedAt = welfare.StoreTime(rec.RecordedAt)
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if _, ok := v.st.screening.sessions[rec.ID]; ok {
		return fmt.Errorf("memory: create session %s: id exists: %w", rec.ID, welfare.ErrConflict)
	}
	if err := v.journal(ctx, screening.EntitySession, rec.AreaCode, rec.ID, rec.Version, rec, rec.RecordedBy); err != nil {
		return err
	}
	st := v.st
	v.logUndo(undo{kind: undoFunc, fn: func() { st.screening.removeSession(rec) }})
	st.screening.addSession(rec)
	x.Version = 1
	return nil
}

func (v *view) GetSession(ctx context.Context, id uuid.UUID) (*screening.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.rlock(); err != nil {
		return nil, err
	}
	x := v.st.screening.sessions[id]
	v.runlock()
	if x == nil {
		return nil, fmt.Errorf("memory: session %s: %w", id, welfare.ErrNotFound)
	}
	return x.Clone(), nil
}

func (v *view) ChildSessions(ctx context.Context, child uuid.UUID) iter.Seq2[*screening.Session, error] {
	return func(yield func(*screening.Session, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if err := v.rlock(); err != nil {
			yield(nil, err)
			return
		}
		// One child's sessions: a small list of immutable values, copied after the lock.
		list := slices.Clone(v.st.screening.byChild[child])
		v.runlock()
		for _, x := range list {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(x.Clone(), nil) {
				return
			}
		}
	}
}

func (v *view) Sessions(ctx context.Context, f screening.SessionFilter) iter.Seq2[*screening.Session, error] {
	return func(yield func(*screening.Session, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		pick := func(st *state, k recKey) (*screening.Session, bool, bool) {
			x := st.screening.sessions[k.id]
			if f.Region != "" && !strings.HasPrefix(x.Village, f.Region) && !strings.HasPrefix(x.Township, f.Region) {
				return nil, false, true
			}
			return x, true, true
		}
		walk(ctx, v, func(st *state) *index[recKey] { return st.screening.sessOrder[f.Area] }, cmpRecKey, recKey{}, 0, pick,
			func(x *screening.Session, err error) bool {
				if err != nil {
					return yield(nil, err)
				}
				return yield(x.Clone(), nil)
			})
	}
}

func (v *view) CreateRequest(ctx context.Context, r *screening.Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r == nil {
		return invalid("Request", "required")
	}
	if err := checkRecord(r.ID, r.AreaCode, r.ChildID); err != nil {
		return err
	}
	rec := r.Clone()
	rec.Version = 1
	rec.RecordedAt = welfare.StoreTime(rec.RecordedAt)
	if err := v.lock(); err != nil {
		return err
	}
	defer v.unlock()
	if _, ok := v.st.screening.requests[rec.ID]; ok {
		return fmt.Errorf("memory: create request %s: id exists: %w", rec.ID, welfare.ErrConflict)
	}
	if err := v.journal(ctx, screening.EntityRequest, rec.AreaCode, rec.ID, rec.Version, rec, rec.RecordedBy); err != nil {
		return err
	}
	st := v.st
	v.logUndo(undo{kind: undoFunc, fn: func() { st.screening.removeRequest(rec) }})
	st.screening.addRequest(rec)
	r.Version = 1
	return nil
}

func (v *view) Requests(ctx context.Context, f screening.RequestFilter) iter.Seq2[*screening.Request, error] {
	return func(yield func(*screening.Request, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		pick := func(st *state, k recKey) (*screening.Request, bool, bool) {
			if f.ChildID != uuid.Nil && k.child != f.ChildID {
				return nil, false, false
			}
			return st.screening.requests[k.id], true, true
		}
		walk(ctx, v, func(st *state) *index[recKey] { return st.screening.reqOrder[f.Area] }, cmpRecKey,
			recKey{child: f.ChildID}, 0, pick,
			func(r *screening.Request, err error) bool {
				if err != nil {
					return yield(nil, err)
				}
				return yield(r.Clone(), nil)
			})
	}
}
