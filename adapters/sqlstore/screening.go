package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Screening sessions and requests (筛查记录、筛查申请; migration 0002):
//
//	screening_sessions (area_code, child_id, session_date, recorded_at_us, id) + version,
//	                   township, village, document, sealed; indexes (id) and
//	                   (child_id, session_date, recorded_at_us, id)
//	screening_requests (area_code, child_id, request_date, recorded_at_us, id) + version,
//	                   document, sealed; index (id)
//
// Both are immutable: created at version 1 and never updated. The primary key is the
// area scan order (child ID, date, recording time, ID), keyset-paginated PageSize rows
// per query. A session's instrument, informant, answers, refused items and result (the
// most sensitive data the library holds) are in the sealed column, encrypted with a
// Sealer, as is a request's free-text note; the document holds IDs, region, date,
// administering staff and recording metadata. IDs are unique across areas by a check
// in the writing transaction, as for key entries.

var _ screening.Store = (*Store)(nil)

// Sealed-column tables (the associated data of their ciphertexts).
const (
	sealSessions = "screening_sessions"
	sealRequests = "screening_requests"
)

// sessionSecrets are the sealed fields of a session: what was asked, who answered, the
// answers and the result.
type sessionSecrets struct {
	Instrument        string              `json:"instrument"`
	InstrumentVersion string              `json:"instrument_version"`
	Informant         screening.Informant `json:"informant"`
	Answers           screening.Answers   `json:"answers,omitempty"`
	Refused           []int               `json:"refused,omitempty"`
	Result            screening.Result    `json:"result"`
}

// requestSecrets are the sealed fields of a request: the free-text note.
type requestSecrets struct {
	Note string `json:"note,omitempty"`
}

// checkScreeningRecord reports a missing ID, area code or child ID.
func checkScreeningRecord(id uuid.UUID, area string, child uuid.UUID) error {
	return welfare.CheckKeys("", id, area, child)
}

// recCursor is a position in the screening scan order.
type recCursor struct {
	child uuid.UUID
	date  int64 // YYYYMMDD
	at    int64 // recording time, µs
	id    uuid.UUID
}

// firstCursor precedes every record: child IDs and record IDs are never uuid.Nil.
var firstCursor = recCursor{date: math.MinInt64, at: math.MinInt64}

// areaArgs are the arguments of an area keyset condition (child, date, time, ID).
func (c recCursor) areaArgs() []any {
	return []any{idArg(c.child), idArg(c.child), idArg(c.child), c.date, c.date, c.at, c.at, idArg(c.id)}
}

// childArgs are the arguments of a child keyset condition (date, time, ID).
func (c recCursor) childArgs() []any {
	return []any{c.date, c.date, c.date, c.at, c.at, idArg(c.id)}
}

// rawRecord is a scanned screening row, decoded after the rows are closed.
type rawRecord struct {
	recCursor
	version  int64
	document string
	sealed   []byte
}

// recordPage runs a query selecting child_id, date, recorded_at_us, id, version,
// document, sealed.
func (s *Store) recordPage(ctx context.Context, q querier, op, query string, args []any) ([]rawRecord, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []rawRecord
	for rows.Next() {
		var r rawRecord
		var child, id []byte
		if err := rows.Scan(&child, &r.date, &r.at, &id, &r.version, &r.document, &r.sealed); err != nil {
			return nil, s.wrap(op, err)
		}
		if r.child, err = uuidFrom(child); err != nil {
			return nil, err
		}
		if r.id, err = uuidFrom(id); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	return out, nil
}

// scanRecords streams a keyset-paginated scan: query ends in "LIMIT ?", args gives
// its other arguments for the cursor, decode turns a row into the record. Each page
// is read (and the transaction's lock released) before its records are yielded, so a
// loop body may write to the store.
func scanRecords[T any](ctx context.Context, s *Store, op, query string, args func(recCursor) []any,
	decode func(rawRecord) (T, error), yield func(T, error) bool) {
	var zero T
	cur := firstCursor
	for {
		var page []rawRecord
		err := s.read(ctx, func(q querier) (err error) {
			page, err = s.recordPage(ctx, q, op, query, append(args(cur), s.opts.PageSize))
			return err
		})
		if err != nil {
			yield(zero, err)
			return
		}
		for _, r := range page {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			x, err := decode(r)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(x, nil) {
				return
			}
		}
		if len(page) < s.opts.PageSize {
			return
		}
		cur = page[len(page)-1].recCursor
	}
}

// Sessions: the insert, the lookups by ID, and the scans. The area scan bounds
// child_id from below as well, so every engine starts the index range at the cursor.
const (
	insertSession = `INSERT INTO screening_sessions (area_code, child_id, session_date, recorded_at_us, id,
version, township, village, document, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectSessionID = `SELECT id FROM screening_sessions WHERE id = ?`
	selectSession   = `SELECT version, document, sealed FROM screening_sessions WHERE id = ?`

	selectSessionsPage = `SELECT child_id, session_date, recorded_at_us, id, version, document, sealed
FROM screening_sessions WHERE area_code = ? AND child_id >= ? AND (child_id > ? OR (child_id = ? AND
(session_date > ? OR (session_date = ? AND (recorded_at_us > ? OR (recorded_at_us = ? AND id > ?))))))`
	orderSessionsLimit = ` ORDER BY child_id, session_date, recorded_at_us, id LIMIT ?`

	selectChildSessionsPage = `SELECT child_id, session_date, recorded_at_us, id, version, document, sealed
FROM screening_sessions WHERE child_id = ? AND session_date >= ? AND (session_date > ? OR
(session_date = ? AND (recorded_at_us > ? OR (recorded_at_us = ? AND id > ?))))
ORDER BY session_date, recorded_at_us, id LIMIT ?`
)

// sessionRow is a session as stored.
type sessionRow struct {
	rec      *screening.Session // stored form, version 1
	document string
	sealed   []byte
	leaf     journal.Leaf
}

// prepareSession builds the row that stores x as version 1.
func (s *Store) prepareSession(x *screening.Session) (*sessionRow, error) {
	rec := x.Clone()
	rec.Version = 1
	rec.RecordedAt = welfare.StoreTime(rec.RecordedAt)
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public := *rec
	public.Instrument, public.InstrumentVersion, public.Informant = "", "", ""
	public.Answers, public.Refused, public.Result = nil, nil, screening.Result{}
	doc, err := json.Marshal(&public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode session %s: %w", rec.ID, err)
	}
	sealed, err := s.seal(sealSessions, rec.ID, &sessionSecrets{Instrument: rec.Instrument,
		InstrumentVersion: rec.InstrumentVersion, Informant: rec.Informant, Answers: rec.Answers,
		Refused: rec.Refused, Result: rec.Result})
	if err != nil {
		return nil, err
	}
	return &sessionRow{rec: rec, document: string(doc), sealed: sealed, leaf: journal.Leaf{
		Kind: screening.EntitySession, ID: rec.ID.String(), Version: 1, RecordSHA256: h,
		Time: s.now(), Actor: rec.RecordedBy}}, nil
}

// decodeSession rebuilds a session from its document and sealed columns.
func (s *Store) decodeSession(id uuid.UUID, version int64, document string, sealed []byte) (*screening.Session, error) {
	var x screening.Session
	if err := json.Unmarshal([]byte(document), &x); err != nil {
		return nil, fmt.Errorf("sqlstore: decode session %s: %w", id, err)
	}
	var sec sessionSecrets
	if err := s.unseal(sealSessions, id, sealed, &sec); err != nil {
		return nil, err
	}
	x.Instrument, x.InstrumentVersion, x.Informant = sec.Instrument, sec.InstrumentVersion, sec.Informant
	x.Answers, x.Refused, x.Result = sec.Answers, sec.Refused, sec.Result
	x.Version = version
	return &x, nil
}

// CreateSession stores x as version 1, journals it (kind screening.EntitySession) and
// sets x.Version to 1. An existing ID (in any area) fails with welfare.ErrConflict; a
// missing ID, area code or child ID with welfare.ErrInvalid.
func (s *Store) CreateSession(ctx context.Context, x *screening.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil {
		return invalid("Session", "required")
	}
	if err := checkScreeningRecord(x.ID, x.AreaCode, x.ChildID); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareSession(x)
		if err != nil {
			return err
		}
		id, err := firstID(ctx, t.q, s.d.q(selectSessionID), []any{idArg(x.ID)})
		if err != nil {
			return s.wrap("create session", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create session %s: id exists: %w", x.ID, welfare.ErrConflict)
		}
		_, err = t.q.ExecContext(ctx, s.d.q(insertSession), r.rec.AreaCode, idArg(r.rec.ChildID),
			dateInt(r.rec.Date), micros(r.rec.RecordedAt), idArg(r.rec.ID), int64(1), r.rec.Township,
			r.rec.Village, r.document, r.sealed)
		if err != nil {
			return s.uniqueAsConflict("create session", err)
		}
		t.addLeaves(r.rec.AreaCode, r.leaf)
		t.setVersion(&x.Version, 1)
		return nil
	})
}

// GetSession returns the session, or welfare.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, id uuid.UUID) (*screening.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var version int64
	var doc string
	var sealed []byte
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(selectSession), idArg(id)).Scan(&version, &doc, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: session %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get session", err)
	}
	return s.decodeSession(id, version, doc, sealed)
}

func (s *Store) decodeSessionRow(r rawRecord) (*screening.Session, error) {
	return s.decodeSession(r.id, r.version, r.document, r.sealed)
}

// ChildSessions streams the child's sessions ordered by date, recording time and ID,
// PageSize rows per query.
func (s *Store) ChildSessions(ctx context.Context, child uuid.UUID) iter.Seq2[*screening.Session, error] {
	return func(yield func(*screening.Session, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		args := func(c recCursor) []any { return append([]any{idArg(child)}, c.childArgs()...) }
		scanRecords(ctx, s, "child sessions", selectChildSessionsPage, args, s.decodeSessionRow, yield)
	}
}

// Sessions streams the area's sessions f selects, ordered by child ID, date,
// recording time and ID, PageSize rows per query. A region selects sessions whose
// township or village code starts with it.
func (s *Store) Sessions(ctx context.Context, f screening.SessionFilter) iter.Seq2[*screening.Session, error] {
	return func(yield func(*screening.Session, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		query := selectSessionsPage
		var filterArgs []any
		if f.Region != "" {
			query += regionCondition
			p := likePrefix(f.Region)
			filterArgs = []any{p, p}
		}
		query += orderSessionsLimit
		args := func(c recCursor) []any {
			out := make([]any, 0, 10+len(filterArgs))
			out = append(out, f.Area)
			out = append(out, c.areaArgs()...)
			return append(out, filterArgs...)
		}
		scanRecords(ctx, s, "sessions", query, args, s.decodeSessionRow, yield)
	}
}

// Requests: the insert, the ID check and the area scan (optionally one child's).
const (
	insertRequest = `INSERT INTO screening_requests (area_code, child_id, request_date, recorded_at_us, id,
version, document, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	selectRequestID = `SELECT id FROM screening_requests WHERE id = ?`

	selectRequestsPage = `SELECT child_id, request_date, recorded_at_us, id, version, document, sealed
FROM screening_requests WHERE area_code = ? AND child_id >= ? AND (child_id > ? OR (child_id = ? AND
(request_date > ? OR (request_date = ? AND (recorded_at_us > ? OR (recorded_at_us = ? AND id > ?))))))`
	requestChildCondition = ` AND child_id = ?`
	orderRequestsLimit    = ` ORDER BY child_id, request_date, recorded_at_us, id LIMIT ?`
)

// requestRow is a request as stored.
type requestRow struct {
	rec      *screening.Request
	document string
	sealed   []byte
	leaf     journal.Leaf
}

func (s *Store) prepareRequest(r *screening.Request) (*requestRow, error) {
	rec := r.Clone()
	rec.Version = 1
	rec.RecordedAt = welfare.StoreTime(rec.RecordedAt)
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public := *rec
	public.Note = ""
	doc, err := json.Marshal(&public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode request %s: %w", rec.ID, err)
	}
	sealed, err := s.seal(sealRequests, rec.ID, &requestSecrets{Note: rec.Note})
	if err != nil {
		return nil, err
	}
	return &requestRow{rec: rec, document: string(doc), sealed: sealed, leaf: journal.Leaf{
		Kind: screening.EntityRequest, ID: rec.ID.String(), Version: 1, RecordSHA256: h,
		Time: s.now(), Actor: rec.RecordedBy}}, nil
}

func (s *Store) decodeRequest(r rawRecord) (*screening.Request, error) {
	var x screening.Request
	if err := json.Unmarshal([]byte(r.document), &x); err != nil {
		return nil, fmt.Errorf("sqlstore: decode request %s: %w", r.id, err)
	}
	var sec requestSecrets
	if err := s.unseal(sealRequests, r.id, r.sealed, &sec); err != nil {
		return nil, err
	}
	x.Note, x.Version = sec.Note, r.version
	return &x, nil
}

// CreateRequest stores r as version 1, journals it (kind screening.EntityRequest) and
// sets r.Version to 1, under the rules of CreateSession.
func (s *Store) CreateRequest(ctx context.Context, r *screening.Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r == nil {
		return invalid("Request", "required")
	}
	if err := checkScreeningRecord(r.ID, r.AreaCode, r.ChildID); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		row, err := s.prepareRequest(r)
		if err != nil {
			return err
		}
		id, err := firstID(ctx, t.q, s.d.q(selectRequestID), []any{idArg(r.ID)})
		if err != nil {
			return s.wrap("create request", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create request %s: id exists: %w", r.ID, welfare.ErrConflict)
		}
		_, err = t.q.ExecContext(ctx, s.d.q(insertRequest), row.rec.AreaCode, idArg(row.rec.ChildID),
			dateInt(row.rec.Date), micros(row.rec.RecordedAt), idArg(row.rec.ID), int64(1), row.document, row.sealed)
		if err != nil {
			return s.uniqueAsConflict("create request", err)
		}
		t.addLeaves(row.rec.AreaCode, row.leaf)
		t.setVersion(&r.Version, 1)
		return nil
	})
}

// Requests streams the requests f selects, ordered by child ID, date, recording time
// and ID, PageSize rows per query.
func (s *Store) Requests(ctx context.Context, f screening.RequestFilter) iter.Seq2[*screening.Request, error] {
	return func(yield func(*screening.Request, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		query := selectRequestsPage
		if f.ChildID != uuid.Nil {
			query += requestChildCondition
		}
		query += orderRequestsLimit
		args := func(c recCursor) []any {
			out := make([]any, 0, 11)
			out = append(out, f.Area)
			out = append(out, c.areaArgs()...)
			if f.ChildID != uuid.Nil {
				out = append(out, idArg(f.ChildID))
			}
			return out
		}
		scanRecords(ctx, s, "requests", query, args, s.decodeRequest, yield)
	}
}
