package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Casework (个案、转介、紧急事件、小组活动; migration 0004):
//
//	cases      (area_code, child_id, id) + version, updated_at_us, document, sealed; index (id)
//	referrals  (area_code, child_id, id) + version, updated_at_us, document, sealed; index (id)
//	incidents  (area_code, discovered_us, id) + child_id, version, updated_at_us, document,
//	           sealed; index (id)
//	activities (area_code, activity_date, id) + version, updated_at_us, document, sealed;
//	           index (id)
//
// The primary key is the area scan order of casework.Store (cases and referrals by
// child, then ID; incidents by discovery time; activities by date), keyset-paginated
// PageSize rows per query; an update that moves a record (another child, discovery time
// or date) moves its row. Versions, errors and journaling follow the key-care ledger:
// optimistic updates on (area_code, id, version), IDs unique across areas by a check in
// the writing transaction, one leaf (kind casework.Entity*) per write.
//
// Sealed (encrypted with a Sealer): a case's workflow (assessments, plans, actions done,
// reviews, notes, closures, reopenings, the typical-case narrative); a referral's
// receiving person or body, reason, consent and events; an incident's kind, facts,
// summary, measures and resolution; the children taking part in an activity. The
// document holds IDs, region codes, times, statuses and counts.

var _ casework.Store = (*Store)(nil)

// caseSecrets are the sealed fields of a case: everything recorded about the child.
type caseSecrets struct {
	Assessments []casework.Assessment `json:"assessments,omitempty"`
	Plans       []casework.Plan       `json:"plans,omitempty"`
	Done        []casework.ActionDone `json:"done,omitempty"`
	Reviews     []casework.Review     `json:"reviews,omitempty"`
	Notes       []casework.Note       `json:"notes,omitempty"`
	Closures    []casework.Closure    `json:"closures,omitempty"`
	Reopenings  []casework.Reopening  `json:"reopenings,omitempty"`
	Typical     *casework.Typical     `json:"typical,omitempty"`
}

// referralSecrets are the sealed fields of a referral.
type referralSecrets struct {
	TargetName string                   `json:"target_name,omitempty"`
	Reason     string                   `json:"reason,omitempty"`
	Consent    *casework.Consent        `json:"consent,omitempty"`
	Events     []casework.ReferralEvent `json:"events,omitempty"`
}

// incidentSecrets are the sealed fields of an incident: what happened to the child.
type incidentSecrets struct {
	Kind       casework.IncidentKind `json:"kind,omitempty"`
	Facts      []welfare.Fact        `json:"facts,omitempty"`
	Summary    string                `json:"summary,omitempty"`
	Measures   []casework.Measure    `json:"measures,omitempty"`
	Resolution string                `json:"resolution,omitempty"`
}

// activitySecrets are the sealed fields of an activity: who took part.
type activitySecrets struct {
	Children []uuid.UUID `json:"children,omitempty"`
}

// cwTable describes how the store keeps one casework record type T (a pointer type).
// Every table has the columns area_code, id, version, updated_at_us, document and
// sealed, then its own key columns, whose values cols gives in statement order.
type cwTable[T any] struct {
	name   string // in messages, and the field named when the record is nil
	entity string // journal kind
	table  string // the SQL table, and the associated data of its sealed values

	insert        string // area_code, id, version, updated_at_us, document, sealed, cols…
	selectID      string // id WHERE id = ?
	selectOne     string // version, document, sealed WHERE id = ?
	selectVersion string // area_code, version WHERE id = ?
	updateSQL     string // SET version = version + 1, updated_at_us, document, sealed, cols… WHERE area_code, id, version

	// selectPage selects key, id, version, document, sealed of an area from a keyset
	// cursor (arguments: area, key, key, key, id); orderLimit ends the page query.
	selectPage string
	orderLimit string

	norm   func(T) T // a normalised deep copy
	id     func(T) uuid.UUID
	area   func(T) string
	child  func(T) uuid.UUID // nil: the record has no child
	ver    func(T) *int64
	by     func(T) string
	at     func(T) time.Time
	cols   func(T) []any
	split  func(T) (public T, secrets any) // public: a shallow copy without the secrets
	decode func(s *Store, id uuid.UUID, doc string, sealed []byte) (T, error)
}

// Statements and specs of the four tables.
const (
	insertCase = `INSERT INTO cases (area_code, id, version, updated_at_us, document, sealed, child_id)
VALUES (?, ?, ?, ?, ?, ?, ?)`
	updateCaseSQL = `UPDATE cases SET version = version + 1, updated_at_us = ?, document = ?, sealed = ?,
child_id = ? WHERE area_code = ? AND id = ? AND version = ?`
	selectCasesPage = `SELECT child_id, id, version, document, sealed FROM cases
WHERE area_code = ? AND child_id >= ? AND (child_id > ? OR (child_id = ? AND id > ?))`
	orderCasesLimit = ` ORDER BY child_id, id LIMIT ?`

	insertReferral = `INSERT INTO referrals (area_code, id, version, updated_at_us, document, sealed, child_id)
VALUES (?, ?, ?, ?, ?, ?, ?)`
	updateReferralSQL = `UPDATE referrals SET version = version + 1, updated_at_us = ?, document = ?, sealed = ?,
child_id = ? WHERE area_code = ? AND id = ? AND version = ?`
	selectReferralsPage = `SELECT child_id, id, version, document, sealed FROM referrals
WHERE area_code = ? AND child_id >= ? AND (child_id > ? OR (child_id = ? AND id > ?))`
	orderReferralsLimit = ` ORDER BY child_id, id LIMIT ?`

	// childIs restricts a case or referral scan to one child.
	childIs = ` AND child_id = ?`

	insertIncident = `INSERT INTO incidents (area_code, id, version, updated_at_us, document, sealed,
discovered_us, child_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	updateIncidentSQL = `UPDATE incidents SET version = version + 1, updated_at_us = ?, document = ?, sealed = ?,
discovered_us = ?, child_id = ? WHERE area_code = ? AND id = ? AND version = ?`
	selectIncidentsPage = `SELECT discovered_us, id, version, document, sealed FROM incidents
WHERE area_code = ? AND discovered_us >= ? AND (discovered_us > ? OR (discovered_us = ? AND id > ?))`
	discoveredBefore    = ` AND discovered_us < ?`
	orderIncidentsLimit = ` ORDER BY discovered_us, id LIMIT ?`

	insertActivity = `INSERT INTO activities (area_code, id, version, updated_at_us, document, sealed,
activity_date) VALUES (?, ?, ?, ?, ?, ?, ?)`
	updateActivitySQL = `UPDATE activities SET version = version + 1, updated_at_us = ?, document = ?,
sealed = ?, activity_date = ? WHERE area_code = ? AND id = ? AND version = ?`
	selectActivitiesPage = `SELECT activity_date, id, version, document, sealed FROM activities
WHERE area_code = ? AND activity_date >= ? AND (activity_date > ? OR (activity_date = ? AND id > ?))`
	activityUntil        = ` AND activity_date <= ?`
	orderActivitiesLimit = ` ORDER BY activity_date, id LIMIT ?`
)

var (
	caseTable = &cwTable[*casework.Case]{
		name: "case", entity: casework.EntityCase, table: "cases",
		insert: insertCase, updateSQL: updateCaseSQL,
		selectID:      `SELECT id FROM cases WHERE id = ?`,
		selectOne:     `SELECT version, document, sealed FROM cases WHERE id = ?`,
		selectVersion: `SELECT area_code, version FROM cases WHERE id = ?`,
		selectPage:    selectCasesPage, orderLimit: orderCasesLimit,
		norm:  casework.NormalizeCase,
		id:    func(c *casework.Case) uuid.UUID { return c.ID },
		area:  func(c *casework.Case) string { return c.AreaCode },
		child: func(c *casework.Case) uuid.UUID { return c.ChildID },
		ver:   func(c *casework.Case) *int64 { return &c.Version },
		by:    func(c *casework.Case) string { return c.UpdatedBy },
		at:    func(c *casework.Case) time.Time { return c.UpdatedAt },
		cols:  func(c *casework.Case) []any { return []any{idArg(c.ChildID)} },
		split: func(c *casework.Case) (*casework.Case, any) {
			p := *c
			sec := &caseSecrets{Assessments: c.Assessments, Plans: c.Plans, Done: c.Done, Reviews: c.Reviews,
				Notes: c.Notes, Closures: c.Closures, Reopenings: c.Reopenings, Typical: c.Typical}
			p.Assessments, p.Plans, p.Done, p.Reviews = nil, nil, nil, nil
			p.Notes, p.Closures, p.Reopenings, p.Typical = nil, nil, nil, nil
			return &p, sec
		},
		decode: func(s *Store, id uuid.UUID, doc string, sealed []byte) (*casework.Case, error) {
			var c casework.Case
			var sec caseSecrets
			if err := s.cwDecode("cases", "case", id, doc, sealed, &c, &sec); err != nil {
				return nil, err
			}
			c.Assessments, c.Plans, c.Done, c.Reviews = sec.Assessments, sec.Plans, sec.Done, sec.Reviews
			c.Notes, c.Closures, c.Reopenings, c.Typical = sec.Notes, sec.Closures, sec.Reopenings, sec.Typical
			return &c, nil
		},
	}
	referralTable = &cwTable[*casework.Referral]{
		name: "referral", entity: casework.EntityReferral, table: "referrals",
		insert: insertReferral, updateSQL: updateReferralSQL,
		selectID:      `SELECT id FROM referrals WHERE id = ?`,
		selectOne:     `SELECT version, document, sealed FROM referrals WHERE id = ?`,
		selectVersion: `SELECT area_code, version FROM referrals WHERE id = ?`,
		selectPage:    selectReferralsPage, orderLimit: orderReferralsLimit,
		norm:  casework.NormalizeReferral,
		id:    func(r *casework.Referral) uuid.UUID { return r.ID },
		area:  func(r *casework.Referral) string { return r.AreaCode },
		child: func(r *casework.Referral) uuid.UUID { return r.ChildID },
		ver:   func(r *casework.Referral) *int64 { return &r.Version },
		by:    func(r *casework.Referral) string { return r.UpdatedBy },
		at:    func(r *casework.Referral) time.Time { return r.UpdatedAt },
		cols:  func(r *casework.Referral) []any { return []any{idArg(r.ChildID)} },
		split: func(r *casework.Referral) (*casework.Referral, any) {
			p := *r
			sec := &referralSecrets{TargetName: r.TargetName, Reason: r.Reason, Consent: r.Consent, Events: r.Events}
			p.TargetName, p.Reason, p.Consent, p.Events = "", "", nil, nil
			return &p, sec
		},
		decode: func(s *Store, id uuid.UUID, doc string, sealed []byte) (*casework.Referral, error) {
			var r casework.Referral
			var sec referralSecrets
			if err := s.cwDecode("referrals", "referral", id, doc, sealed, &r, &sec); err != nil {
				return nil, err
			}
			r.TargetName, r.Reason, r.Consent, r.Events = sec.TargetName, sec.Reason, sec.Consent, sec.Events
			return &r, nil
		},
	}
	incidentTable = &cwTable[*casework.Incident]{
		name: "incident", entity: casework.EntityIncident, table: "incidents",
		insert: insertIncident, updateSQL: updateIncidentSQL,
		selectID:      `SELECT id FROM incidents WHERE id = ?`,
		selectOne:     `SELECT version, document, sealed FROM incidents WHERE id = ?`,
		selectVersion: `SELECT area_code, version FROM incidents WHERE id = ?`,
		selectPage:    selectIncidentsPage, orderLimit: orderIncidentsLimit,
		norm:  casework.NormalizeIncident,
		id:    func(in *casework.Incident) uuid.UUID { return in.ID },
		area:  func(in *casework.Incident) string { return in.AreaCode },
		child: func(in *casework.Incident) uuid.UUID { return in.ChildID },
		ver:   func(in *casework.Incident) *int64 { return &in.Version },
		by:    func(in *casework.Incident) string { return in.UpdatedBy },
		at:    func(in *casework.Incident) time.Time { return in.UpdatedAt },
		cols: func(in *casework.Incident) []any {
			return []any{micros(in.Discovered), idArg(in.ChildID)}
		},
		split: func(in *casework.Incident) (*casework.Incident, any) {
			p := *in
			sec := &incidentSecrets{Kind: in.Kind, Facts: in.Facts, Summary: in.Summary, Measures: in.Measures,
				Resolution: in.Resolution}
			p.Kind, p.Facts, p.Summary, p.Measures, p.Resolution = "", nil, "", nil, ""
			return &p, sec
		},
		decode: func(s *Store, id uuid.UUID, doc string, sealed []byte) (*casework.Incident, error) {
			var in casework.Incident
			var sec incidentSecrets
			if err := s.cwDecode("incidents", "incident", id, doc, sealed, &in, &sec); err != nil {
				return nil, err
			}
			in.Kind, in.Facts, in.Summary, in.Measures, in.Resolution = sec.Kind, sec.Facts, sec.Summary, sec.Measures, sec.Resolution
			return &in, nil
		},
	}
	activityTable = &cwTable[*casework.Activity]{
		name: "activity", entity: casework.EntityActivity, table: "activities",
		insert: insertActivity, updateSQL: updateActivitySQL,
		selectID:      `SELECT id FROM activities WHERE id = ?`,
		selectOne:     `SELECT version, document, sealed FROM activities WHERE id = ?`,
		selectVersion: `SELECT area_code, version FROM activities WHERE id = ?`,
		selectPage:    selectActivitiesPage, orderLimit: orderActivitiesLimit,
		norm: casework.NormalizeActivity,
		id:   func(a *casework.Activity) uuid.UUID { return a.ID },
		area: func(a *casework.Activity) string { return a.AreaCode },
		ver:  func(a *casework.Activity) *int64 { return &a.Version },
		by:   func(a *casework.Activity) string { return a.UpdatedBy },
		at:   func(a *casework.Activity) time.Time { return a.UpdatedAt },
		cols: func(a *casework.Activity) []any { return []any{dateInt(a.Date)} },
		split: func(a *casework.Activity) (*casework.Activity, any) {
			p := *a
			sec := &activitySecrets{Children: a.Participants.Children}
			p.Participants.Children = nil
			return &p, sec
		},
		decode: func(s *Store, id uuid.UUID, doc string, sealed []byte) (*casework.Activity, error) {
			var a casework.Activity
			var sec activitySecrets
			if err := s.cwDecode("activities", "activity", id, doc, sealed, &a, &sec); err != nil {
				return nil, err
			}
			a.Participants.Children = sec.Children
			return &a, nil
		},
	}
)

// cwDecode reads a casework document into rec and its sealed column into sec.
func (s *Store) cwDecode(table, name string, id uuid.UUID, doc string, sealed []byte, rec, sec any) error {
	if err := json.Unmarshal([]byte(doc), rec); err != nil {
		return fmt.Errorf("sqlstore: decode %s %s: %w", name, id, err)
	}
	return s.unseal(table, id, sealed, sec)
}

// check reports a nil record or a missing ID, area code or child ID.
func (tb *cwTable[T]) check(x T, isNil bool) error {
	if isNil {
		return invalid(tb.name, "required")
	}
	if tb.child != nil {
		return welfare.CheckKeys("", tb.id(x), tb.area(x), tb.child(x))
	}
	return welfare.CheckKeys("", tb.id(x), tb.area(x))
}

// cwRow is a casework record as stored.
type cwRow[T any] struct {
	rec      T // stored form, with the version written
	document string
	sealed   []byte
	leaf     journal.Leaf
}

// prepare builds the row that stores x at version.
func (tb *cwTable[T]) prepare(s *Store, x T, version int64) (*cwRow[T], error) {
	rec := tb.norm(x)
	*tb.ver(rec) = version
	id := tb.id(rec)
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public, secrets := tb.split(rec)
	doc, err := json.Marshal(public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode %s %s: %w", tb.name, id, err)
	}
	sealed, err := s.seal(tb.table, id, secrets)
	if err != nil {
		return nil, err
	}
	return &cwRow[T]{rec: rec, document: string(doc), sealed: sealed, leaf: journal.Leaf{
		Kind: tb.entity, ID: id.String(), Version: version, RecordSHA256: h, Time: s.now(), Actor: tb.by(rec)}}, nil
}

// create stores x as version 1, journals it and sets its Version to 1.
func (tb *cwTable[T]) create(ctx context.Context, s *Store, x T, isNil bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tb.check(x, isNil); err != nil {
		return err
	}
	op := "create " + tb.name
	return s.write(ctx, func(t *txn) error {
		r, err := tb.prepare(s, x, 1)
		if err != nil {
			return err
		}
		id := tb.id(r.rec)
		held, err := firstID(ctx, t.q, s.d.q(tb.selectID), []any{idArg(id)})
		if err != nil {
			return s.wrap(op, err)
		}
		if held != uuid.Nil {
			return fmt.Errorf("sqlstore: %s %s: id exists: %w", op, id, welfare.ErrConflict)
		}
		args := append([]any{tb.area(r.rec), idArg(id), int64(1), micros(tb.at(r.rec)), r.document, r.sealed},
			tb.cols(r.rec)...)
		if _, err := t.q.ExecContext(ctx, s.d.q(tb.insert), args...); err != nil {
			return s.uniqueAsConflict(op, err)
		}
		t.addLeaves(tb.area(r.rec), r.leaf)
		t.setVersion(tb.ver(x), 1)
		return nil
	})
}

// update replaces the stored record if its version equals x's, journals it, then
// stores and sets Version+1.
func (tb *cwTable[T]) update(ctx context.Context, s *Store, x T, isNil bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tb.check(x, isNil); err != nil {
		return err
	}
	op := "update " + tb.name
	return s.write(ctx, func(t *txn) error {
		given := *tb.ver(x)
		r, err := tb.prepare(s, x, given+1)
		if err != nil {
			return err
		}
		area, id := tb.area(r.rec), tb.id(r.rec)
		args := append([]any{micros(tb.at(r.rec)), r.document, r.sealed}, tb.cols(r.rec)...)
		args = append(args, area, idArg(id), given)
		n, err := s.execCount(ctx, t.q, tb.updateSQL, args...)
		if err != nil {
			return s.wrap(op, err)
		}
		if n != 1 {
			return tb.explain(ctx, s, t.q, id, given, area)
		}
		t.addLeaves(area, r.leaf)
		t.setVersion(tb.ver(x), given+1)
		return nil
	})
}

// explain tells why an optimistic update changed nothing: welfare.ErrNotFound if
// there is no such record, welfare.ErrConflict if its version is not version (or it
// changed concurrently), welfare.ErrInvalid if it belongs to another area.
func (tb *cwTable[T]) explain(ctx context.Context, s *Store, q querier, id uuid.UUID, version int64, area string) error {
	var storedArea string
	var v int64
	err := q.QueryRowContext(ctx, s.d.q(tb.selectVersion), idArg(id)).Scan(&storedArea, &v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: update %s %s: %w", tb.name, id, welfare.ErrNotFound)
	case err != nil:
		return s.wrap("update "+tb.name, err)
	case v != version:
		return fmt.Errorf("sqlstore: update %s %s: stored version %d, given %d: %w", tb.name, id, v, version, welfare.ErrConflict)
	case storedArea != area:
		return invalid("AreaCode", "immutable")
	}
	return fmt.Errorf("sqlstore: update %s %s: changed concurrently: %w", tb.name, id, welfare.ErrConflict)
}

// get returns the record, or welfare.ErrNotFound.
func (tb *cwTable[T]) get(ctx context.Context, s *Store, id uuid.UUID) (T, error) {
	var zero T
	var version int64
	var doc string
	var sealed []byte
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(tb.selectOne), idArg(id)).Scan(&version, &doc, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return zero, fmt.Errorf("sqlstore: %s %s: %w", tb.name, id, welfare.ErrNotFound)
	}
	if err != nil {
		return zero, s.wrap("get "+tb.name, err)
	}
	x, err := tb.decode(s, id, doc, sealed)
	if err != nil {
		return zero, err
	}
	*tb.ver(x) = version
	return x, nil
}

// cwRaw is a scanned row of a casework page, decoded after the rows are closed.
type cwRaw[K any] struct {
	key      K
	id       uuid.UUID
	version  int64
	document string
	sealed   []byte
}

// cwScan streams an area's records from the keyset cursor (start, uuid.Nil) on:
// query is tb.selectPage, the conditions filters adds (arguments filterArgs) and
// tb.orderLimit. Each page is read before its records are yielded, so a loop body may
// write to the store; memory is bounded by the page.
func cwScan[T, K any](ctx context.Context, s *Store, tb *cwTable[T], area string, start K, filters string,
	filterArgs []any) iter.Seq2[T, error] {
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
		query := tb.selectPage + filters + tb.orderLimit
		op := tb.table
		key, after := start, uuid.Nil
		for {
			args := make([]any, 0, 6+len(filterArgs))
			args = append(args, area, key, key, key, idArg(after))
			args = append(args, filterArgs...)
			args = append(args, s.opts.PageSize)
			var page []cwRaw[K]
			err := s.read(ctx, func(q querier) (err error) {
				page, err = cwPage[K](ctx, s, q, op, query, args)
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
				x, err := tb.decode(s, r.id, r.document, r.sealed)
				if err != nil {
					yield(zero, err)
					return
				}
				*tb.ver(x) = r.version
				if !yield(x, nil) {
					return
				}
			}
			if len(page) < s.opts.PageSize {
				return
			}
			last := page[len(page)-1]
			key, after = last.key, last.id
		}
	}
}

func cwPage[K any](ctx context.Context, s *Store, q querier, op, query string, args []any) ([]cwRaw[K], error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []cwRaw[K]
	for rows.Next() {
		var r cwRaw[K]
		var id []byte
		if err := rows.Scan(&r.key, &id, &r.version, &r.document, &r.sealed); err != nil {
			return nil, s.wrap(op, err)
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

// CreateCase stores c as version 1, journals it (kind casework.EntityCase) and sets
// c.Version to 1. An existing ID (in any area) fails with welfare.ErrConflict; a
// missing ID, area code or child ID with welfare.ErrInvalid.
func (s *Store) CreateCase(ctx context.Context, c *casework.Case) error {
	return caseTable.create(ctx, s, c, c == nil)
}

// UpdateCase replaces the stored case under the version rules of UpdateChild.
func (s *Store) UpdateCase(ctx context.Context, c *casework.Case) error {
	return caseTable.update(ctx, s, c, c == nil)
}

// GetCase returns the case, or welfare.ErrNotFound.
func (s *Store) GetCase(ctx context.Context, id uuid.UUID) (*casework.Case, error) {
	return caseTable.get(ctx, s, id)
}

// Cases streams the cases f selects, ordered by child ID, then ID, PageSize rows per
// query.
func (s *Store) Cases(ctx context.Context, f casework.CaseFilter) iter.Seq2[*casework.Case, error] {
	filters, args := childFilter(f.ChildID)
	return cwScan(ctx, s, caseTable, f.Area, idArg(f.ChildID), filters, args)
}

// childFilter restricts a case or referral scan to child, unless it is uuid.Nil.
func childFilter(child uuid.UUID) (string, []any) {
	if child == uuid.Nil {
		return "", nil
	}
	return childIs, []any{idArg(child)}
}

// CreateReferral stores r as version 1 and sets r.Version to 1, under the rules of
// CreateCase.
func (s *Store) CreateReferral(ctx context.Context, r *casework.Referral) error {
	return referralTable.create(ctx, s, r, r == nil)
}

// UpdateReferral replaces the stored referral under the version rules of UpdateChild.
func (s *Store) UpdateReferral(ctx context.Context, r *casework.Referral) error {
	return referralTable.update(ctx, s, r, r == nil)
}

// GetReferral returns the referral, or welfare.ErrNotFound.
func (s *Store) GetReferral(ctx context.Context, id uuid.UUID) (*casework.Referral, error) {
	return referralTable.get(ctx, s, id)
}

// Referrals streams the referrals f selects, ordered by child ID, then ID, PageSize
// rows per query.
func (s *Store) Referrals(ctx context.Context, f casework.ReferralFilter) iter.Seq2[*casework.Referral, error] {
	filters, args := childFilter(f.ChildID)
	return cwScan(ctx, s, referralTable, f.Area, idArg(f.ChildID), filters, args)
}

// CreateIncident stores in as version 1 and sets in.Version to 1, under the rules of
// CreateCase.
func (s *Store) CreateIncident(ctx context.Context, in *casework.Incident) error {
	return incidentTable.create(ctx, s, in, in == nil)
}

// UpdateIncident replaces the stored incident under the version rules of UpdateChild.
func (s *Store) UpdateIncident(ctx context.Context, in *casework.Incident) error {
	return incidentTable.update(ctx, s, in, in == nil)
}

// GetIncident returns the incident, or welfare.ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id uuid.UUID) (*casework.Incident, error) {
	return incidentTable.get(ctx, s, id)
}

// Incidents streams the incidents f selects, ordered by discovery time, then ID,
// PageSize rows per query. From (inclusive) is compared after welfare.StoreTime, To
// (exclusive) as given, as the memory store does.
func (s *Store) Incidents(ctx context.Context, f casework.IncidentFilter) iter.Seq2[*casework.Incident, error] {
	from := int64(math.MinInt64)
	if !f.From.IsZero() {
		from = micros(welfare.StoreTime(f.From))
	}
	var filters string
	var args []any
	if !f.To.IsZero() {
		// Stored times are whole microseconds: t < To ⇔ t < To rounded up to one.
		to := f.To.UnixMicro()
		if f.To.After(time.UnixMicro(to)) {
			to++
		}
		filters, args = discoveredBefore, []any{to}
	}
	return cwScan(ctx, s, incidentTable, f.Area, from, filters, args)
}

// CreateActivity stores a as version 1 and sets a.Version to 1. An existing ID (in
// any area) fails with welfare.ErrConflict; a missing ID or area code with
// welfare.ErrInvalid.
func (s *Store) CreateActivity(ctx context.Context, a *casework.Activity) error {
	return activityTable.create(ctx, s, a, a == nil)
}

// UpdateActivity replaces the stored activity under the version rules of UpdateChild.
func (s *Store) UpdateActivity(ctx context.Context, a *casework.Activity) error {
	return activityTable.update(ctx, s, a, a == nil)
}

// GetActivity returns the activity, or welfare.ErrNotFound.
func (s *Store) GetActivity(ctx context.Context, id uuid.UUID) (*casework.Activity, error) {
	return activityTable.get(ctx, s, id)
}

// Activities streams the activities f selects, ordered by date, then ID, PageSize rows
// per query.
func (s *Store) Activities(ctx context.Context, f casework.ActivityFilter) iter.Seq2[*casework.Activity, error] {
	from := int64(math.MinInt64)
	if !f.From.IsZero() {
		from = dateInt(f.From)
	}
	var filters string
	var args []any
	if !f.To.IsZero() {
		filters, args = activityUntil, []any{dateInt(f.To)}
	}
	return cwScan(ctx, s, activityTable, f.Area, from, filters, args)
}
