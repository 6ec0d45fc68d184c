package memory

import (
	"slices"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// childRec is a stored child with its census projection computed once per write, so a
// census scan reads rows without copying records. Stored values are never mutated: a
// write replaces the pointer, so a reader may clone a value after releasing the lock.
type childRec struct {
	c   *welfare.Child
	row welfare.CensusRow
}

func newChildRec(c *welfare.Child) *childRec {
	return &childRec{c: c, row: welfare.CensusRowOf(c)}
}

// numberKey finds a child by area and identity number.
type numberKey struct{ area, number string }

// nameBirthKey finds children by area, name and birth date.
type nameBirthKey struct {
	area, name string
	birth      welfare.Date
}

// accessRec is an access record with its insertion sequence, which breaks ties between
// records of the same instant and serves as a stable scan cursor.
type accessRec struct {
	r   welfare.AccessRecord
	seq uint64
}

func cmpAccess(a, b accessRec) int {
	if c := a.r.At.Compare(b.r.At); c != 0 {
		return c
	}
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// state is the data behind the locks: tables, secondary indexes and ordered indexes.
type state struct {
	children    map[uuid.UUID]*childRec
	childOrder  map[string]*index[uuid.UUID] // per area
	byNumber    map[numberKey]uuid.UUID
	byNameBirth map[nameBirthKey][]uuid.UUID

	entries    map[uuid.UUID]*welfare.KeyEntry
	entryOrder map[string]*index[entryKey] // per area

	staff      map[uuid.UUID]*welfare.Staff
	staffOrder map[string]*index[uuid.UUID] // per area

	access map[uuid.UUID][]accessRec // per child, ordered by cmpAccess
	seq    uint64

	clock    welfare.Clock
	journals map[string]*journal.MemoryStorage // per area

	// Tables of later domains, each defined in its own file.
	visits    visitTables
	screening screeningTables
	casework  caseworkTables
}

func newState() *state {
	return &state{
		children:    map[uuid.UUID]*childRec{},
		childOrder:  map[string]*index[uuid.UUID]{},
		byNumber:    map[numberKey]uuid.UUID{},
		byNameBirth: map[nameBirthKey][]uuid.UUID{},
		entries:     map[uuid.UUID]*welfare.KeyEntry{},
		entryOrder:  map[string]*index[entryKey]{},
		staff:       map[uuid.UUID]*welfare.Staff{},
		staffOrder:  map[string]*index[uuid.UUID]{},
		access:      map[uuid.UUID][]accessRec{},
		clock:       welfare.SystemClock{},
		journals:    map[string]*journal.MemoryStorage{},
	}
}

func numberKeyOf(c *welfare.Child) (numberKey, bool) {
	if c.IDNumber.IsZero() {
		return numberKey{}, false
	}
	return numberKey{c.AreaCode, c.IDNumber.Full()}, true
}

func nameBirthKeyOf(c *welfare.Child) nameBirthKey {
	return nameBirthKey{c.AreaCode, c.Name, c.BirthDate}
}

// numberHolder returns the ID of the child of c's area holding c's identity number,
// if one other than c does.
func (s *state) numberHolder(c *welfare.Child) (uuid.UUID, bool) {
	k, ok := numberKeyOf(c)
	if !ok {
		return uuid.Nil, false
	}
	id, ok := s.byNumber[k]
	return id, ok && id != c.ID
}

// setChild stores rec under id (nil deletes) and maintains every index. Callers have
// checked uniqueness; undo uses it to restore a previous value.
func (s *state) setChild(id uuid.UUID, rec *childRec) {
	cur := s.children[id]
	if cur != nil {
		if k, ok := numberKeyOf(cur.c); ok && s.byNumber[k] == id {
			delete(s.byNumber, k)
		}
		nb := nameBirthKeyOf(cur.c)
		ids := slices.DeleteFunc(s.byNameBirth[nb], func(x uuid.UUID) bool { return x == id })
		if len(ids) == 0 {
			delete(s.byNameBirth, nb)
		} else {
			s.byNameBirth[nb] = ids
		}
		if rec == nil || rec.c.AreaCode != cur.c.AreaCode {
			s.childOrder[cur.c.AreaCode].remove(id)
		}
	}
	if rec == nil {
		delete(s.children, id)
		return
	}
	if k, ok := numberKeyOf(rec.c); ok {
		s.byNumber[k] = id
	}
	nb := nameBirthKeyOf(rec.c)
	s.byNameBirth[nb] = append(s.byNameBirth[nb], id)
	if cur == nil || rec.c.AreaCode != cur.c.AreaCode {
		x := s.childOrder[rec.c.AreaCode]
		if x == nil {
			x = newIndex(cmpID)
			s.childOrder[rec.c.AreaCode] = x
		}
		x.add(id)
	}
	s.children[id] = rec
}

// setEntry stores e under id (nil deletes) and maintains the ordered index.
func (s *state) setEntry(id uuid.UUID, e *welfare.KeyEntry) {
	cur := s.entries[id]
	if cur != nil && (e == nil || e.AreaCode != cur.AreaCode || e.ChildID != cur.ChildID) {
		s.entryOrder[cur.AreaCode].remove(entryKey{cur.ChildID, id})
	}
	if e == nil {
		delete(s.entries, id)
		return
	}
	if cur == nil || e.AreaCode != cur.AreaCode || e.ChildID != cur.ChildID {
		x := s.entryOrder[e.AreaCode]
		if x == nil {
			x = newIndex(cmpEntryKey)
			s.entryOrder[e.AreaCode] = x
		}
		x.add(entryKey{e.ChildID, id})
	}
	s.entries[id] = e
}

// setStaff stores m under id (nil deletes) and maintains the ordered index.
func (s *state) setStaff(id uuid.UUID, m *welfare.Staff) {
	cur := s.staff[id]
	if cur != nil && (m == nil || m.AreaCode != cur.AreaCode) {
		s.staffOrder[cur.AreaCode].remove(id)
	}
	if m == nil {
		delete(s.staff, id)
		return
	}
	if cur == nil || m.AreaCode != cur.AreaCode {
		x := s.staffOrder[m.AreaCode]
		if x == nil {
			x = newIndex(cmpID)
			s.staffOrder[m.AreaCode] = x
		}
		x.add(id)
	}
	s.staff[id] = m
}

// addAccess inserts r in time order and returns its sequence number.
func (s *state) addAccess(r welfare.AccessRecord) uint64 {
	s.seq++
	a := accessRec{r: r, seq: s.seq}
	list := s.access[r.ChildID]
	i, _ := slices.BinarySearchFunc(list, a, cmpAccess)
	s.access[r.ChildID] = slices.Insert(list, i, a)
	return a.seq
}

// removeAccess deletes the record with sequence seq of child.
func (s *state) removeAccess(child uuid.UUID, seq uint64) {
	list := s.access[child]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].seq == seq {
			list = slices.Delete(list, i, i+1)
			break
		}
	}
	if len(list) == 0 {
		delete(s.access, child)
	} else {
		s.access[child] = list
	}
}

// undo is one entry of a transaction's undo log: the value a key held before a write
// (nil: absent), or an access record to remove.
type undo struct {
	kind  undoKind
	id    uuid.UUID // record ID, or the child ID of an access record
	child *childRec
	entry *welfare.KeyEntry
	staff *welfare.Staff
	seq   uint64
	area  string // undoJournal: the log to cut back …
	size  int64  // … to this many leaves
	fn    func() // undoFunc: restores whatever a domain table's write changed
}

type undoKind uint8

const (
	undoChild undoKind = iota + 1
	undoEntry
	undoStaff
	undoAccess
	undoJournal
	undoFunc
)

// rollback applies log in reverse.
func (s *state) rollback(log []undo) {
	for i := len(log) - 1; i >= 0; i-- {
		u := log[i]
		switch u.kind {
		case undoChild:
			s.setChild(u.id, u.child)
		case undoEntry:
			s.setEntry(u.id, u.entry)
		case undoStaff:
			s.setStaff(u.id, u.staff)
		case undoAccess:
			s.removeAccess(u.id, u.seq)
		case undoFunc:
			u.fn()
		case undoJournal:
			_ = s.journals[u.area].Truncate(u.size) // cannot fail: size was the log's length

		}
	}
}
