package welfare

import (
	"context"
	"iter"

	"github.com/google/uuid"
)

// ChildFilter selects children in a scan. Area is required; Region narrows to a township
// or village (by code prefix). Results are ordered by ID; After and Limit page through them.
type ChildFilter struct {
	Area   string
	Region string
	States []LifecycleState
	After  uuid.UUID // exclusive; uuid.Nil starts at the beginning
	Limit  int       // 0: no limit
}

// ChildStore keeps child records. Writes check Version: Create stores version 1; Update
// succeeds only if the stored version equals c.Version, then stores c.Version+1 and sets it
// on c. A stale version fails with ErrConflict; an unknown ID with ErrNotFound; a second
// child with the same identity number in an area with ErrDuplicate.
type ChildStore interface {
	CreateChild(ctx context.Context, c *Child) error
	// CreateChildren bulk-inserts new children in one atomic batch (bulk loads, imports).
	CreateChildren(ctx context.Context, cs []*Child) error
	GetChild(ctx context.Context, id uuid.UUID) (*Child, error)
	UpdateChild(ctx context.Context, c *Child) error
	ChildByIDNumber(ctx context.Context, area string, n IDNumber) (*Child, error)
	// ChildrenByNameBirth returns children of the area with exactly this name and birth date.
	ChildrenByNameBirth(ctx context.Context, area, name string, birth Date) ([]*Child, error)
	// Children streams copies in ID order with memory bounded by the page size, not the area.
	Children(ctx context.Context, f ChildFilter) iter.Seq2[*Child, error]
	// CensusRows streams the census projection of the area's children in ID order.
	CensusRows(ctx context.Context, area string) iter.Seq2[CensusRow, error]
}

// KeyEntryFilter selects ledger entries. Area is required.
type KeyEntryFilter struct {
	Area     string
	ChildID  uuid.UUID // uuid.Nil: every child
	OpenOnly bool      // entries without a closing date
}

// KeyLedgerStore keeps key-care ledger entries, with the same version rules as ChildStore.
type KeyLedgerStore interface {
	CreateKeyEntry(ctx context.Context, e *KeyEntry) error
	GetKeyEntry(ctx context.Context, id uuid.UUID) (*KeyEntry, error)
	UpdateKeyEntry(ctx context.Context, e *KeyEntry) error
	// KeyEntries streams entries ordered by child ID, then entry ID.
	KeyEntries(ctx context.Context, f KeyEntryFilter) iter.Seq2[*KeyEntry, error]
}

// StaffStore keeps staff members, with the same version rules.
type StaffStore interface {
	CreateStaff(ctx context.Context, s *Staff) error
	GetStaff(ctx context.Context, id uuid.UUID) (*Staff, error)
	UpdateStaff(ctx context.Context, s *Staff) error
	// StaffMembers streams the area's staff in ID order.
	StaffMembers(ctx context.Context, area string) iter.Seq2[*Staff, error]
}

// AccessLog records reads of children's files.
type AccessLog interface {
	RecordAccess(ctx context.Context, r AccessRecord) error
	// AccessRecords streams the records for one child in time order.
	AccessRecords(ctx context.Context, child uuid.UUID) iter.Seq2[AccessRecord, error]
}

// Store is everything the registry needs. Atomically runs fn with a Store whose writes
// all commit together when fn returns nil, or none do; the Store passed to fn must not
// be used after fn returns.
type Store interface {
	ChildStore
	KeyLedgerStore
	StaffStore
	AccessLog
	Atomically(ctx context.Context, fn func(tx Store) error) error
}

// Entity kinds, as journal leaves and exports name them.
const (
	EntityChild    = "child"
	EntityKeyEntry = "key_entry"
	EntityStaff    = "staff"
	EntityAccess   = "access"
)

// CheckKeys reports the storage keys a record lacks — its ID, its area code and, for a
// record that belongs to a child, the child's ID — as a *ValidationError naming each;
// nil when all are set. prefix names the record within a batch (e.g. "[3]."). Every
// store checks these before a write.
func CheckKeys(prefix string, id uuid.UUID, area string, child ...uuid.UUID) error {
	var fs []FieldError
	if id == uuid.Nil {
		fs = append(fs, FieldError{Field: prefix + "ID", Rule: "required"})
	}
	if area == "" {
		fs = append(fs, FieldError{Field: prefix + "AreaCode", Rule: "required"})
	}
	for _, c := range child {
		if c == uuid.Nil {
			fs = append(fs, FieldError{Field: prefix + "ChildID", Rule: "required"})
		}
	}
	if fs != nil {
		return &ValidationError{Fields: fs}
	}
	return nil
}
