package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Visit records (探视巡访; migrations 0003 and 0005):
//
//	visits         (area_code, child_id, start_us, id) + version, visitor_id, township,
//	               village, mode, outcome, document, sealed, visitor_role,
//	               evidence_kinds; indexes (area_code, visitor_id, start_us, id), (id)
//	               and, on SQLite, the covering visits_rows for VisitRows
//	visit_history  (area_code, id, version) + document, sealed: every earlier version
//	visit_evidence (area_code, sha_key, visit_id, kind) + child_id, visitor_id, start_us,
//	               version; index (area_code, visit_id)
//
// visits holds the latest version of each visit, keyed in the area scan order of
// Visits; the visitor index is the order of VisitsByVisitor. Both scans are
// keyset-paginated, PageSize rows per query, and each page is read before its visits
// are yielded, so a loop body may write to the store. An amendment copies the version
// it supersedes, as stored, into visit_history (append-only: nothing is overwritten)
// and replaces the visits row under the optimistic version check. visit_evidence lists
// the attachments of latest versions for EvidenceUses: the hash is kept as a lookup
// key (the lower-case hex itself, or a blind index with a Sealer) next to the kind and
// the visit's child, visitor, start and version, so the lookup reads no document.
//
// A visit's notes, place and coordinates, content (needs, observations, topics,
// services), follow-up, failure reason, amendment note and evidence are in the sealed
// column, encrypted with a Sealer; the document holds IDs, region, visitor, mode,
// outcome, times, who was present and the amendment's reason, editor and time. Mode,
// outcome and the evidence kinds are also columns, so aggregations can run in SQL; with
// the visitor's role and the evidence kinds (the bits of visit.EvidenceSet: 1 photo,
// 2 video, 4 audio, 8 call record, 16 signature) they give VisitRows its projection
// without decoding anything. A row written before migration 0005 has NULL there and
// is decoded.
// IDs are unique across areas by a check in the writing transaction.

var (
	_ visit.Store         = (*Store)(nil)
	_ visit.RegionIndexed = (*Store)(nil)
)

// sealVisits is the sealed-column table of every version of a visit (the associated
// data of its ciphertexts).
const sealVisits = "visits"

// keyEvidence is the lookup-key kind of an evidence hash.
const keyEvidence = "visit.evidence_sha256"

// visitSecrets are the sealed fields of a visit.
type visitSecrets struct {
	FailReason    string           `json:"fail_reason,omitempty"`
	Location      *visit.Location  `json:"location,omitempty"`
	Content       *visit.Content   `json:"content,omitempty"`
	Notes         string           `json:"notes,omitempty"`
	FollowUp      *visit.FollowUp  `json:"follow_up,omitempty"`
	Evidence      []visit.Evidence `json:"evidence,omitempty"`
	AmendmentNote string           `json:"amendment_note,omitempty"`
}

func checkVisit(v *visit.Visit) error {
	if v == nil {
		return invalid("Visit", "required")
	}
	return welfare.CheckKeys("", v.ID, v.AreaCode, v.ChildID)
}

// visitRow is one version of a visit as stored.
type visitRow struct {
	rec      *visit.Visit // stored form, with the version written
	document string
	sealed   []byte
	evidence []evidenceRow
	kinds    int64 // the evidence_kinds column: the visit.EvidenceSet of the kinds
	leaf     journal.Leaf
}

// evidenceRow is one (hash, kind) of a latest version.
type evidenceRow struct {
	key  []byte
	kind string
}

// prepareVisit builds the row that stores v at version.
func (s *Store) prepareVisit(v *visit.Visit, version int64) (*visitRow, error) {
	rec := visit.Normalize(v)
	rec.Version = version
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public := *rec
	sec := visitSecrets{FailReason: rec.FailReason, Notes: rec.Notes, Evidence: rec.Evidence}
	if rec.Location != (visit.Location{}) {
		sec.Location = &rec.Location
	}
	if !emptyContent(&rec.Content) {
		sec.Content = &rec.Content
	}
	if rec.FollowUp != (visit.FollowUp{}) {
		sec.FollowUp = &rec.FollowUp
	}
	public.FailReason, public.Notes, public.Evidence = "", "", nil
	public.Location, public.Content, public.FollowUp = visit.Location{}, visit.Content{}, visit.FollowUp{}
	if rec.Amendment != nil {
		a := *rec.Amendment
		sec.AmendmentNote, a.Note = a.Note, ""
		public.Amendment = &a
	}
	doc, err := json.Marshal(&public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode visit %s: %w", rec.ID, err)
	}
	sealed, err := s.seal(sealVisits, rec.ID, &sec)
	if err != nil {
		return nil, err
	}
	r := &visitRow{rec: rec, document: string(doc), sealed: sealed, leaf: journal.Leaf{
		Kind: visit.EntityVisit, ID: rec.ID.String(), Version: version, RecordSHA256: h,
		Time: s.now(), Actor: rec.UpdatedBy}}
	r.kinds = int64(visit.VisitRowOf(rec).Evidence)
	for _, e := range rec.Evidence {
		if e.SHA256 == "" {
			continue
		}
		er := evidenceRow{key: s.lookupKey(keyEvidence, []byte(e.SHA256)), kind: string(e.Kind)}
		if !slices.ContainsFunc(r.evidence, func(x evidenceRow) bool { return x.kind == er.kind && bytes.Equal(x.key, er.key) }) {
			r.evidence = append(r.evidence, er)
		}
	}
	return r, nil
}

func emptyContent(c *visit.Content) bool {
	return len(c.Ask.Needs) == 0 && len(c.Ask.HelpApplied) == 0 && len(c.Ask.ResourcesLinked) == 0 &&
		len(c.Observe) == 0 && len(c.Talk) == 0 && len(c.Services) == 0
}

// decodeVisit rebuilds a visit from its document and sealed columns.
func (s *Store) decodeVisit(id uuid.UUID, version int64, document string, sealed []byte) (*visit.Visit, error) {
	var v visit.Visit
	if err := json.Unmarshal([]byte(document), &v); err != nil {
		return nil, fmt.Errorf("sqlstore: decode visit %s: %w", id, err)
	}
	var sec visitSecrets
	if err := s.unseal(sealVisits, id, sealed, &sec); err != nil {
		return nil, err
	}
	v.FailReason, v.Notes, v.Evidence = sec.FailReason, sec.Notes, sec.Evidence
	if sec.Location != nil {
		v.Location = *sec.Location
	}
	if sec.Content != nil {
		v.Content = *sec.Content
	}
	if sec.FollowUp != nil {
		v.FollowUp = *sec.FollowUp
	}
	if v.Amendment != nil {
		v.Amendment.Note = sec.AmendmentNote
	}
	v.Version = version
	return &v, nil
}

// Statements of visit writes and lookups.
const (
	insertVisit = `INSERT INTO visits (area_code, child_id, start_us, id, version, visitor_id, township,
village, mode, outcome, document, sealed, visitor_role, evidence_kinds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectVisitID      = `SELECT id FROM visits WHERE id = ?`
	selectVisit        = `SELECT version, document, sealed FROM visits WHERE id = ?`
	selectVisitCurrent = `SELECT area_code, version, document, sealed FROM visits WHERE id = ?`
	insertVisitHistory = `INSERT INTO visit_history (area_code, id, version, document, sealed) VALUES (?, ?, ?, ?, ?)`
	updateVisit        = `UPDATE visits SET child_id = ?, start_us = ?, version = ?, visitor_id = ?,
township = ?, village = ?, mode = ?, outcome = ?, document = ?, sealed = ?, visitor_role = ?,
evidence_kinds = ?
WHERE area_code = ? AND id = ? AND version = ?`
	selectVisitHistory = `SELECT version, document, sealed FROM visit_history WHERE area_code = ? AND id = ?
ORDER BY version`

	insertEvidenceValues = `INSERT INTO visit_evidence (area_code, sha_key, visit_id, kind, child_id,
visitor_id, start_us, version) VALUES `
	deleteEvidence = `DELETE FROM visit_evidence WHERE area_code = ? AND visit_id = ?`
	selectEvidence = `SELECT visit_id, kind, child_id, visitor_id, start_us, version FROM visit_evidence
WHERE area_code = ? AND sha_key = ?`
)

const evidenceColumnCount = 8

// insertEvidence lists the attachments of r, the latest version of its visit.
func (s *Store) insertEvidence(ctx context.Context, q querier, r *visitRow) error {
	per := s.rowsPerInsert(evidenceColumnCount)
	for from := 0; from < len(r.evidence); from += per {
		chunk := r.evidence[from:min(from+per, len(r.evidence))]
		args := make([]any, 0, evidenceColumnCount*len(chunk))
		for _, e := range chunk {
			args = append(args, r.rec.AreaCode, e.key, idArg(r.rec.ID), e.kind, idArg(r.rec.ChildID),
				idArg(r.rec.VisitorID), micros(r.rec.Start), r.rec.Version)
		}
		if _, err := q.ExecContext(ctx, s.d.insertValues(insertEvidenceValues, evidenceColumnCount, len(chunk)), args...); err != nil {
			return s.wrap("visit evidence", err)
		}
	}
	return nil
}

// CreateVisit stores v as version 1, journals it (kind visit.EntityVisit) and sets
// v.Version to 1. An existing ID (in any area) fails with welfare.ErrConflict; a
// missing ID, area code or child ID with welfare.ErrInvalid.
func (s *Store) CreateVisit(ctx context.Context, v *visit.Visit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkVisit(v); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareVisit(v, 1)
		if err != nil {
			return err
		}
		id, err := firstID(ctx, t.q, s.d.q(selectVisitID), []any{idArg(v.ID)})
		if err != nil {
			return s.wrap("create visit", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create visit %s: id exists: %w", v.ID, welfare.ErrConflict)
		}
		rec := r.rec
		_, err = t.q.ExecContext(ctx, s.d.q(insertVisit), rec.AreaCode, idArg(rec.ChildID), micros(rec.Start),
			idArg(rec.ID), int64(1), idArg(rec.VisitorID), rec.Township, rec.Village, string(rec.Mode),
			string(rec.Outcome), r.document, r.sealed, string(rec.VisitorRole), r.kinds)
		if err != nil {
			return s.uniqueAsConflict("create visit", err)
		}
		if err := s.insertEvidence(ctx, t.q, r); err != nil {
			return err
		}
		t.addLeaves(rec.AreaCode, r.leaf)
		t.setVersion(&v.Version, 1)
		return nil
	})
}

// AmendVisit stores v as version v.Version+1 if the latest stored version is
// v.Version, keeping every earlier version (see visit.Store), journals it and sets
// v.Version. A stale version fails with welfare.ErrConflict, an unknown ID with
// welfare.ErrNotFound, a changed area code with welfare.ErrInvalid.
func (s *Store) AmendVisit(ctx context.Context, v *visit.Visit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkVisit(v); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareVisit(v, v.Version+1)
		if err != nil {
			return err
		}
		// The current row, locked on MySQL (whose REPEATABLE READ would read a snapshot).
		var area, doc string
		var version int64
		var sealed []byte
		err = t.q.QueryRowContext(ctx, s.d.q(selectVisitCurrent+s.d.latestRead()), idArg(v.ID)).Scan(&area, &version, &doc, &sealed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlstore: amend visit %s: %w", v.ID, welfare.ErrNotFound)
		case err != nil:
			return s.wrap("amend visit", err)
		case version != v.Version:
			return fmt.Errorf("sqlstore: amend visit %s: stored version %d, given %d: %w", v.ID, version, v.Version, welfare.ErrConflict)
		case area != v.AreaCode:
			return invalid("AreaCode", "immutable")
		}
		// The superseded version goes to the history first: its primary key (area, ID,
		// version) also stops a concurrent amendment of the same version.
		if _, err := t.q.ExecContext(ctx, s.d.q(insertVisitHistory), area, idArg(v.ID), version, doc, sealed); err != nil {
			return s.uniqueAsConflict("amend visit", err)
		}
		rec := r.rec
		n, err := s.execCount(ctx, t.q, updateVisit, idArg(rec.ChildID), micros(rec.Start), rec.Version,
			idArg(rec.VisitorID), rec.Township, rec.Village, string(rec.Mode), string(rec.Outcome), r.document,
			r.sealed, string(rec.VisitorRole), r.kinds, area, idArg(rec.ID), version)
		if err != nil {
			return s.uniqueAsConflict("amend visit", err)
		}
		if n != 1 {
			return fmt.Errorf("sqlstore: amend visit %s: changed concurrently: %w", v.ID, welfare.ErrConflict)
		}
		if _, err := t.q.ExecContext(ctx, s.d.q(deleteEvidence), area, idArg(rec.ID)); err != nil {
			return s.wrap("amend visit", err)
		}
		if err := s.insertEvidence(ctx, t.q, r); err != nil {
			return err
		}
		t.addLeaves(area, r.leaf)
		t.setVersion(&v.Version, rec.Version)
		return nil
	})
}

// GetVisit returns the latest version of the visit, or welfare.ErrNotFound.
func (s *Store) GetVisit(ctx context.Context, id uuid.UUID) (*visit.Visit, error) {
	var version int64
	var doc string
	var sealed []byte
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(selectVisit), idArg(id)).Scan(&version, &doc, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: visit %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get visit", err)
	}
	return s.decodeVisit(id, version, doc, sealed)
}

// rawVersion is a scanned version of a visit, decoded after the rows are closed.
type rawVersion struct {
	version  int64
	document string
	sealed   []byte
}

// VisitHistory returns every version of the visit, oldest first, or
// welfare.ErrNotFound.
func (s *Store) VisitHistory(ctx context.Context, id uuid.UUID) ([]*visit.Visit, error) {
	var raws []rawVersion
	err := s.read(ctx, func(q querier) error {
		var area string
		var cur rawVersion
		if err := q.QueryRowContext(ctx, s.d.q(selectVisitCurrent), idArg(id)).Scan(&area, &cur.version, &cur.document, &cur.sealed); err != nil {
			return err
		}
		if cur.version > 1 {
			rows, err := q.QueryContext(ctx, s.d.q(selectVisitHistory), area, idArg(id))
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r rawVersion
				if err := rows.Scan(&r.version, &r.document, &r.sealed); err != nil {
					return err
				}
				raws = append(raws, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		raws = append(raws, cur)
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: visit %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("visit history", err)
	}
	out := make([]*visit.Visit, len(raws))
	for i, r := range raws {
		if out[i], err = s.decodeVisit(id, r.version, r.document, r.sealed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The visit scans. lead is child_id (Visits, VisitRows) or visitor_id
// (VisitsByVisitor); the keyset condition bounds lead from below as well, so every
// engine starts the index range at the cursor. With the lead fixed by the filter the
// scan is one lead's range. %[2]s is the columns selected after lead, start_us and id.
const (
	selectVisitsPage = `SELECT %[1]s, start_us, id, %[2]s FROM visits WHERE area_code = ?`
	visitsAfterAny   = ` AND %[1]s >= ? AND (%[1]s > ? OR (%[1]s = ? AND (start_us > ? OR (start_us = ? AND id > ?))))`
	visitsAfterLead  = ` AND %[1]s = ? AND (start_us > ? OR (start_us = ? AND id > ?))`
	visitsChild      = ` AND child_id = ?`
	visitsVisitor    = ` AND visitor_id = ?`
	visitsFrom       = ` AND start_us >= ?`
	visitsTo         = ` AND start_us < ?`
	orderVisitsLimit = ` ORDER BY %[1]s, start_us, id LIMIT ?`

	// recordColumns are what Visits decodes; rowColumns what VisitRows reads: plain
	// columns only (on SQLite all in the covering index visits_rows, so the scan never
	// touches the table). A row written before migration 0005 (evidence_kinds NULL) is
	// read again by ID and decoded instead.
	recordColumns = `version, document, sealed`
	rowColumns    = `version, visitor_id, visitor_role, mode, outcome, evidence_kinds`
)

// visitKey is a position in a visit scan: lead, start (µs) and ID.
type visitKey struct {
	lead  uuid.UUID
	start int64
	id    uuid.UUID
}

// rawVisit is a scanned visits row of recordColumns.
type rawVisit struct {
	visitKey
	rawVersion
}

// Visits streams the latest versions f selects ordered by (ChildID, Start, ID),
// PageSize rows per query.
func (s *Store) Visits(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return scanVisits(s, ctx, f, "child_id", f.ChildID, s.opts.PageSize, recordColumns, rawKey, s.recordScanner, s.decodePage)
}

// VisitsByVisitor streams the latest versions f selects ordered by (VisitorID, Start,
// ID), PageSize rows per query, through the visitor index.
func (s *Store) VisitsByVisitor(ctx context.Context, f visit.Filter) iter.Seq2[*visit.Visit, error] {
	return scanVisits(s, ctx, f, "visitor_id", f.VisitorID, s.opts.PageSize, recordColumns, rawKey, s.recordScanner, s.decodePage)
}

// VisitRows streams the projections of what Visits streams, in its order, from the
// plain columns of visits (no document read, nothing unsealed), rowPageSize rows per
// query; a row written before migration 0005 is read by ID, decoded and projected.
func (s *Store) VisitRows(ctx context.Context, f visit.Filter) iter.Seq2[visit.VisitRow, error] {
	// The page's rows are yielded as read, but for the older rows (Version 0 here).
	finish := func(page []visit.VisitRow) ([]visit.VisitRow, error) {
		for i := range page {
			if page[i].Version != 0 {
				continue
			}
			v, err := s.GetVisit(ctx, page[i].ID)
			if err != nil {
				return nil, err
			}
			page[i] = visit.VisitRowOf(v)
		}
		return page, nil
	}
	key := func(r *visit.VisitRow) visitKey { return visitKey{lead: r.ChildID, start: micros(r.Start), id: r.ID} }
	return scanVisits(s, ctx, f, "child_id", f.ChildID, s.rowPageSize(), rowColumns, key, s.visitRowScanner, finish)
}

func rawKey(r *rawVisit) visitKey { return r.visitKey }

func (s *Store) recordScanner() func(*sql.Rows) (rawVisit, error) { return s.scanRawVisit }

func (s *Store) scanRawVisit(rows *sql.Rows) (r rawVisit, err error) {
	var lead, id []byte
	if err := rows.Scan(&lead, &r.start, &id, &r.version, &r.document, &r.sealed); err != nil {
		return r, s.wrap("visits", err)
	}
	if r.lead, err = uuidFrom(lead); err != nil {
		return r, err
	}
	r.id, err = uuidFrom(id)
	return r, err
}

// decodePage decodes a page of records.
func (s *Store) decodePage(page []rawVisit) ([]*visit.Visit, error) {
	vs := make([]*visit.Visit, len(page))
	for i, r := range page {
		var err error
		if vs[i], err = s.decodeVisit(r.id, r.version, r.document, r.sealed); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// visitRowScanner returns a reader of rowColumns rows whose scan destinations are
// allocated once (a page's rows reuse them). A row written before migration 0005
// (evidence_kinds NULL) comes with its ID, child and start only, and Version 0.
func (s *Store) visitRowScanner() func(*sql.Rows) (visit.VisitRow, error) {
	var d struct {
		lead, id, visitor sql.RawBytes // copied into UUIDs before the next row
		start, version    int64
		role              sql.NullString // NULL in a row written before 0005
		kinds             sql.NullInt64  // likewise
		mode, outcome     string
	}
	dest := []any{&d.lead, &d.start, &d.id, &d.version, &d.visitor, &d.role, &d.mode, &d.outcome, &d.kinds}
	return func(rows *sql.Rows) (r visit.VisitRow, err error) {
		if err := rows.Scan(dest...); err != nil {
			return r, s.wrap("visits", err)
		}
		if r.ChildID, err = uuidFrom(d.lead); err != nil {
			return r, err
		}
		if r.ID, err = uuidFrom(d.id); err != nil {
			return r, err
		}
		r.Start = fromMicros(d.start)
		if !d.kinds.Valid {
			return r, nil
		}
		if r.VisitorID, err = uuidFrom(d.visitor); err != nil {
			return r, err
		}
		r.Version = d.version
		r.VisitorRole, r.Mode, r.Outcome = welfare.Role(d.role.String), visit.Mode(d.mode), visit.Outcome(d.outcome)
		r.Evidence = visit.EvidenceSet(d.kinds.Int64)
		return r, nil
	}
}

// scanVisits runs a keyset-paginated scan in the order of leadCol, pageSize rows per
// query, selecting cols: newScan makes a page's row reader, key gives a row's position,
// finish makes the values yielded of a page read (after its rows are closed, outside
// the read).
func scanVisits[R, T any](s *Store, ctx context.Context, f visit.Filter, leadCol string, lead uuid.UUID, pageSize int, cols string,
	key func(*R) visitKey, newScan func() func(*sql.Rows) (R, error), finish func([]R) ([]T, error)) iter.Seq2[T, error] {
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
		cur := visitKey{lead: f.After.Lead, start: math.MinInt64, id: f.After.ID}
		if !f.After.Start.IsZero() {
			cur.start = micros(f.After.Start)
		}
		if lead != uuid.Nil {
			switch c := bytes.Compare(cur.lead[:], lead[:]); {
			case c > 0:
				return // the cursor is past the only lead selected
			case c < 0:
				cur = visitKey{lead: lead, start: math.MinInt64}
			}
		}
		query := fmt.Sprintf(selectVisitsPage, leadCol, cols)
		if lead != uuid.Nil {
			query += fmt.Sprintf(visitsAfterLead, leadCol)
		} else {
			query += fmt.Sprintf(visitsAfterAny, leadCol)
		}
		var filterArgs []any
		if leadCol == "child_id" && f.VisitorID != uuid.Nil {
			query += visitsVisitor
			filterArgs = append(filterArgs, idArg(f.VisitorID))
		}
		if leadCol == "visitor_id" && f.ChildID != uuid.Nil {
			query += visitsChild
			filterArgs = append(filterArgs, idArg(f.ChildID))
		}
		if f.Region != "" {
			query += regionCondition
			p := likePrefix(f.Region)
			filterArgs = append(filterArgs, p, p)
		}
		if !f.From.IsZero() {
			query += visitsFrom
			filterArgs = append(filterArgs, micros(f.From))
		}
		if !f.To.IsZero() {
			query += visitsTo
			filterArgs = append(filterArgs, micros(f.To))
		}
		query += fmt.Sprintf(orderVisitsLimit, leadCol)
		// next reads and converts the page after cur; more is false after the last page.
		n := 0
		next := func() (vs []T, more bool, err error) {
			limit := pageSize
			if f.Limit > 0 {
				limit = min(limit, f.Limit-n)
			}
			args := make([]any, 0, 8+len(filterArgs))
			args = append(args, f.Area)
			if lead != uuid.Nil {
				args = append(args, idArg(lead), cur.start, cur.start, idArg(cur.id))
			} else {
				l := idArg(cur.lead)
				args = append(args, l, l, l, cur.start, cur.start, idArg(cur.id))
			}
			args = append(args, filterArgs...)
			args = append(args, limit)
			var page []R
			err = s.read(ctx, func(q querier) (err error) {
				page, err = visitPage(s, ctx, q, query, args, limit, lead == uuid.Nil, newScan())
				return err
			})
			if err != nil {
				return nil, false, err
			}
			n += len(page)
			if len(page) > 0 {
				cur = key(&page[len(page)-1])
			}
			if vs, err = finish(page); err != nil {
				return nil, false, err
			}
			return vs, len(page) == limit && (f.Limit == 0 || n < f.Limit), nil
		}
		pages := visitPages(s, ctx, next, lead == uuid.Nil && s.t == nil)
		for vs, err := range pages {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range vs {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}

// visitPages yields the pages next reads, in order, until the last one or an error.
// With ahead (area-wide scans outside a transaction, where one consumer reads
// thousands of visits) a goroutine reads and decodes the following page while the
// consumer works on the current one, so the database, the decoding and the consumer
// overlap on a multi-core machine; memory stays bounded by two pages, and the goroutine
// ends before the scan returns. Inside a transaction pages are read on demand, so the
// transaction's statements stay serial.
func visitPages[T any](s *Store, ctx context.Context, next func() ([]T, bool, error), ahead bool) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		if !ahead {
			for {
				vs, more, err := next()
				if !yield(vs, err) || err != nil || !more {
					return
				}
			}
		}
		type page struct {
			vs  []T
			err error
		}
		ch := make(chan page, 1)
		stop := make(chan struct{})
		go func() {
			defer close(ch)
			for {
				vs, more, err := next()
				select {
				case ch <- page{vs, err}:
				case <-stop:
					return
				}
				if err != nil || !more {
					return
				}
			}
		}()
		defer func() {
			close(stop)
			for range ch { // wait for the reader to end
			}
		}()
		for p := range ch {
			if !yield(p.vs, p.err) || p.err != nil {
				return
			}
		}
	}
}

// visitPage runs a scan query, reading each row with scan (which wraps its database
// errors); full expects a full page.
func visitPage[R any](s *Store, ctx context.Context, q querier, query string, args []any, limit int, full bool,
	scan func(*sql.Rows) (R, error)) ([]R, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.wrap("visits", err)
	}
	defer rows.Close()
	capacity := min(limit, 64) // most scans of one child or visitor are a few rows
	if full {
		capacity = limit // an area-wide scan's pages are full but the last
	}
	out := make([]R, 0, capacity)
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("visits", err)
	}
	return out, nil
}

// EvidenceUses lists the latest-version visits of area carrying an attachment with
// this SHA-256 (matched case-insensitively), one entry per visit and kind, ordered by
// (Start, VisitID, Kind), from visit_evidence alone; nil when there are none.
func (s *Store) EvidenceUses(ctx context.Context, area, sha256 string) ([]visit.EvidenceUse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if area == "" {
		return nil, invalid("area", "required")
	}
	sha := strings.ToLower(sha256)
	if sha == "" {
		return nil, nil
	}
	var out []visit.EvidenceUse
	err := s.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, s.d.q(selectEvidence), area, s.lookupKey(keyEvidence, []byte(sha)))
		if err != nil {
			return s.wrap("evidence uses", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u visit.EvidenceUse
			var vid, child, visitor []byte
			var kind string
			var start int64
			if err := rows.Scan(&vid, &kind, &child, &visitor, &start, &u.Version); err != nil {
				return s.wrap("evidence uses", err)
			}
			if u.VisitID, err = uuidFrom(vid); err != nil {
				return err
			}
			if u.ChildID, err = uuidFrom(child); err != nil {
				return err
			}
			if u.VisitorID, err = uuidFrom(visitor); err != nil {
				return err
			}
			u.Kind, u.Start = visit.EvidenceKind(kind), fromMicros(start)
			out = append(out, u)
		}
		return s.wrap("evidence uses", rows.Err())
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b visit.EvidenceUse) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := bytes.Compare(a.VisitID[:], b.VisitID[:]); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return out, nil
}

// Children of a region (visit.RegionIndexed): the Children scan with the region
// condition as byte-order ranges, one branch per residence index, (area_code,
// township, id) and (area_code, village, id), the LIKE condition of Children kept for
// exactness; the village branch leaves out the children the township branch found.
// Keyset-paginated on the child ID; on SQLite "+id" keeps the planner on the region
// indexes rather than the primary key. %[1]s is the collation clause, %[2]s the "+".
const selectRegionPage = `SELECT id, version, document, sealed FROM children WHERE area_code = ?
AND township%[1]s >= ? AND township%[1]s < ? AND township LIKE ? ESCAPE '!' AND %[2]sid > ?
UNION ALL
SELECT id, version, document, sealed FROM children WHERE area_code = ?
AND village%[1]s >= ? AND village%[1]s < ? AND village LIKE ? ESCAPE '!' AND NOT (township LIKE ? ESCAPE '!')
AND %[2]sid > ?
ORDER BY id LIMIT ?`

// prefixEnd returns the least string greater than every string with prefix p in byte
// order; ok is false when there is none (p empty or all 0xff).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// ChildrenInRegion streams the area's children whose township or village code starts
// with region, in ID order: what Children returns for welfare.ChildFilter{Area: area,
// Region: region}, read through the residence indexes instead of a scan of the area.
func (s *Store) ChildrenInRegion(ctx context.Context, area, region string) iter.Seq2[*welfare.Child, error] {
	end, ok := prefixEnd(region)
	if !ok || !digits(region) {
		return s.Children(ctx, welfare.ChildFilter{Area: area, Region: region})
	}
	collate, plus := "", ""
	switch s.d {
	case Postgres:
		collate = ` COLLATE "C"`
	case SQLite:
		plus = "+"
	}
	query := fmt.Sprintf(selectRegionPage, collate, plus)
	like := likePrefix(region)
	return func(yield func(*welfare.Child, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		pageArgs := func(after uuid.UUID, limit int) []any {
			a := idArg(after)
			return []any{area, region, end, like, a, area, region, end, like, like, a, limit}
		}
		scanDocuments(ctx, s, query, pageArgs, uuid.Nil, 0, s.decodeRawChild, yield)
	}
}

// digits reports whether p is a non-empty string of ASCII digits, as region codes
// are: for those every engine's comparison (whatever the collation) and LIKE (case
// folding included) agree with the byte order the index ranges rely on.
func digits(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return p != ""
}
