package screening

import (
	"context"
	"iter"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Entity kinds of the screening records, as journal leaves name them.
const (
	EntitySession = "screening"
	EntityRequest = "screening_request"
)

// SessionFilter selects an area's sessions. Area is required; Region narrows to a
// township or village (by code prefix of the session's Township or Village).
type SessionFilter struct {
	Area   string
	Region string
}

// RequestFilter selects an area's requests. Area is required.
type RequestFilter struct {
	Area    string
	ChildID uuid.UUID // uuid.Nil: every child
}

// Store is the port the screening service consumes: everything welfare.Store offers
// (children, the key-care ledger, staff, the access log, transactions) plus session and
// request storage. Sessions and requests are immutable: Create stores version 1 and sets
// it on the value; an existing ID fails with welfare.ErrConflict, a missing ID, area
// code or child ID with welfare.ErrInvalid. Stores keep RecordedAt as welfare.StoreTime
// normalises it and journal every create (kinds EntitySession and EntityRequest,
// version 1) in the same transaction.
//
// The Store passed to an Atomically function implements Store too (the service type-
// asserts it), so a session and the child's status observation commit together.
type Store interface {
	welfare.Store
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns a copy, or welfare.ErrNotFound.
	GetSession(ctx context.Context, id uuid.UUID) (*Session, error)
	// ChildSessions streams a child's sessions ordered by date, then RecordedAt, then ID.
	ChildSessions(ctx context.Context, child uuid.UUID) iter.Seq2[*Session, error]
	// Sessions streams an area's sessions ordered by child ID, then as ChildSessions,
	// with memory bounded by the page size, not the area.
	Sessions(ctx context.Context, f SessionFilter) iter.Seq2[*Session, error]
	CreateRequest(ctx context.Context, r *Request) error
	// Requests streams requests ordered by child ID, then date, then RecordedAt, then ID.
	Requests(ctx context.Context, f RequestFilter) iter.Seq2[*Request, error]
}
