package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// childColumns are the columns of children, in the order childRow.args gives them.
const childColumns = `area_code, id, version, id_number_key, name_birth_key, township, village, state,
sex, birth_date, stage, health, disability_type, medical_insurance, residence_permit, economic,
updated_at_us, document, sealed, lifecycle`

const childColumnCount = 20

// childRow is a child as stored: the record's hash for the journal, and the columns.
type childRow struct {
	rec       *welfare.Child // stored form, with the version written
	hash      [32]byte
	numberKey []byte // nil: no identity number (NULL)
	nameKey   []byte
	document  string
	sealed    []byte
}

func (r *childRow) args() []any {
	c := welfare.CensusRowOf(r.rec)
	var number any
	if r.numberKey != nil {
		number = r.numberKey
	}
	return []any{r.rec.AreaCode, idArg(r.rec.ID), r.rec.Version, number, r.nameKey, c.Township, c.Village,
		string(c.State), string(c.Sex), dateInt(c.BirthDate), c.Stage, c.Health, c.DisabilityType,
		string(c.MedicalInsurance), string(c.ResidencePermit), string(c.Economic),
		micros(r.rec.UpdatedAt), r.document, r.sealed, encodeLifecycle(r.rec.Lifecycle)}
}

// prepareChild builds the row that stores c at version.
func (s *Store) prepareChild(c *welfare.Child, version int64) (*childRow, error) {
	rec := normChild(c)
	rec.Version = version
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public, secrets := splitChild(rec)
	doc, err := json.Marshal(&public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode child %s: %w", c.ID, err)
	}
	sealed, err := s.seal("children", rec.ID, &secrets)
	if err != nil {
		return nil, err
	}
	return &childRow{rec: rec, hash: h, numberKey: s.numberKey(rec.IDNumber),
		nameKey: s.nameBirthKey(rec.Name, rec.BirthDate), document: string(doc), sealed: sealed}, nil
}

func (s *Store) childLeaf(r *childRow) journal.Leaf {
	return journal.Leaf{Kind: welfare.EntityChild, ID: r.rec.ID.String(), Version: r.rec.Version,
		RecordSHA256: r.hash, Time: s.now(), Actor: r.rec.UpdatedBy}
}

// decodeChild rebuilds a child from its document and sealed columns.
func (s *Store) decodeChild(id uuid.UUID, version int64, document string, sealed []byte) (*welfare.Child, error) {
	var c welfare.Child
	if err := json.Unmarshal([]byte(document), &c); err != nil {
		return nil, fmt.Errorf("sqlstore: decode child %s: %w", id, err)
	}
	var sec childSecrets
	if err := s.unseal("children", id, sealed, &sec); err != nil {
		return nil, err
	}
	if err := mergeChild(&c, sec); err != nil {
		return nil, err
	}
	c.Version = version
	return &c, nil
}

func checkChild(c *welfare.Child, prefix string) error {
	if c == nil {
		return invalid(strings.TrimSuffix(prefix, ".")+"Child", "required")
	}
	return welfare.CheckKeys(prefix, c.ID, c.AreaCode)
}

// CreateChild stores c as version 1, journals it, and sets c.Version to 1. An existing
// ID fails with welfare.ErrConflict; an identity number another child of the area
// holds, with welfare.ErrDuplicate; a missing ID or area code, with welfare.ErrInvalid.
func (s *Store) CreateChild(ctx context.Context, c *welfare.Child) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkChild(c, ""); err != nil {
		return err
	}
	return s.createChildren(ctx, []*welfare.Child{c})
}

// CreateChildren stores every child of cs as version 1, or none of them, with
// multi-row INSERTs of BatchSize rows, and journals them with one append per area.
func (s *Store) CreateChildren(ctx context.Context, cs []*welfare.Child) error {
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
	return s.createChildren(ctx, cs)
}

// Statements of child creation. The ID check runs first because the primary key is
// (area_code, id): it alone finds an ID used in another area. The identity-number
// check runs first only where a failed statement would abort the caller's
// transaction (PostgreSQL, inside Atomically); elsewhere the unique index reports the
// duplicate and only the failed statement is undone.
const (
	selectChildIDsIn     = `SELECT id FROM children WHERE id IN (`
	selectChildNumbersIn = `SELECT id FROM children WHERE area_code = ? AND id_number_key IN (`
	insertChildrenValues = `INSERT INTO children (` + childColumns + `) VALUES `
)

func (s *Store) createChildren(ctx context.Context, cs []*welfare.Child) error {
	rows := make([]*childRow, len(cs))
	seenID := make(map[uuid.UUID]struct{}, len(cs))
	seenNumber := make(map[string]struct{}, len(cs))
	for i, c := range cs {
		if _, ok := seenID[c.ID]; ok {
			return fmt.Errorf("sqlstore: create children: id %s twice in the batch: %w", c.ID, welfare.ErrConflict)
		}
		seenID[c.ID] = struct{}{}
		r, err := s.prepareChild(c, 1)
		if err != nil {
			return err
		}
		if r.numberKey != nil {
			k := c.AreaCode + "\x00" + string(r.numberKey)
			if _, ok := seenNumber[k]; ok {
				return fmt.Errorf("sqlstore: create child %s: identity number twice in the batch: %w", c.ID, welfare.ErrDuplicate)
			}
			seenNumber[k] = struct{}{}
		}
		rows[i] = r
	}
	return s.write(ctx, func(t *txn) error {
		if err := s.checkNewChildren(ctx, t.q, rows, s.precheckUnique()); err != nil {
			return err
		}
		batch := s.rowsPerInsert(childColumnCount)
		for from := 0; from < len(rows); from += batch {
			chunk := rows[from:min(from+batch, len(rows))]
			args := make([]any, 0, childColumnCount*len(chunk))
			for _, r := range chunk {
				args = append(args, r.args()...)
			}
			if _, err := t.q.ExecContext(ctx, s.d.insertValues(insertChildrenValues, childColumnCount, len(chunk)), args...); err != nil {
				return s.childWriteError("create children", err)
			}
		}
		now := s.now()
		leaves := map[string][]journal.Leaf{}
		for _, r := range rows {
			l := s.childLeaf(r)
			l.Time = now
			leaves[r.rec.AreaCode] = append(leaves[r.rec.AreaCode], l)
		}
		for a, ls := range leaves {
			t.addLeaves(a, ls...)
		}
		for _, c := range cs {
			t.setVersion(&c.Version, 1)
		}
		return nil
	})
}

// precheckUnique reports whether a write must look for a held identity number before
// writing, rather than let the unique index report it: on PostgreSQL a failed
// statement aborts the transaction, which matters only in the caller's transaction.
func (s *Store) precheckUnique() bool { return s.t != nil && s.d == Postgres }

// checkNewChildren fails if an ID exists (in any area) or, with numbers set, if an
// identity number is held in the child's area.
func (s *Store) checkNewChildren(ctx context.Context, q querier, rows []*childRow, numbers bool) error {
	page := s.inChunk()
	for from := 0; from < len(rows); from += page {
		chunk := rows[from:min(from+page, len(rows))]
		args := make([]any, len(chunk))
		for i, r := range chunk {
			args[i] = idArg(r.rec.ID)
		}
		id, err := firstID(ctx, q, s.d.q(selectChildIDsIn+inList(len(chunk))+")"), args)
		if err != nil {
			return s.wrap("check child IDs", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create child %s: id exists: %w", id, welfare.ErrConflict)
		}
	}
	if !numbers {
		return nil
	}
	byArea := map[string][]*childRow{}
	for _, r := range rows {
		if r.numberKey != nil {
			byArea[r.rec.AreaCode] = append(byArea[r.rec.AreaCode], r)
		}
	}
	for area, rs := range byArea {
		for from := 0; from < len(rs); from += page {
			chunk := rs[from:min(from+page, len(rs))]
			args := make([]any, 0, 1+len(chunk))
			args = append(args, area)
			for _, r := range chunk {
				args = append(args, r.numberKey)
			}
			id, err := firstID(ctx, q, s.d.q(selectChildNumbersIn+inList(len(chunk))+")"), args)
			if err != nil {
				return s.wrap("check identity numbers", err)
			}
			if id != uuid.Nil {
				return fmt.Errorf("sqlstore: create children: identity number held by child %s of area %s: %w", id, area, welfare.ErrDuplicate)
			}
		}
	}
	return nil
}

// firstID returns the first ID a query selects, uuid.Nil if none.
func firstID(ctx context.Context, q querier, query string, args []any) (uuid.UUID, error) {
	var b []byte
	err := q.QueryRowContext(ctx, query, args...).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, err
	}
	return uuidFrom(b)
}

// childWriteError maps a unique violation to the welfare error.
func (s *Store) childWriteError(op string, err error) error {
	if c, constraint := s.d.classify(err); c == classUnique {
		if strings.Contains(constraint, "id_number") {
			return fmt.Errorf("sqlstore: %s: identity number held by another child of the area: %w", op, welfare.ErrDuplicate)
		}
		return fmt.Errorf("sqlstore: %s: id exists: %w", op, welfare.ErrConflict)
	}
	return s.wrap(op, err)
}

const selectChild = `SELECT version, document, sealed FROM children WHERE id = ?`

// GetChild returns the child, or welfare.ErrNotFound.
func (s *Store) GetChild(ctx context.Context, id uuid.UUID) (*welfare.Child, error) {
	var version int64
	var doc string
	var sealed []byte
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(selectChild), idArg(id)).Scan(&version, &doc, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: child %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get child", err)
	}
	return s.decodeChild(id, version, doc, sealed)
}

const (
	updateChildSQL = `UPDATE children SET version = version + 1, id_number_key = ?,
name_birth_key = ?, township = ?, village = ?, state = ?, sex = ?, birth_date = ?, stage = ?, health = ?,
disability_type = ?, medical_insurance = ?, residence_permit = ?, economic = ?, updated_at_us = ?,
document = ?, sealed = ?, lifecycle = ?
WHERE area_code = ? AND id = ? AND version = ?`
	selectChildVersion = `SELECT area_code, version FROM children WHERE id = ?`
	selectNumberHolder = `SELECT id FROM children WHERE area_code = ? AND id_number_key = ? AND id <> ?`
)

// UpdateChild replaces the stored child if its version equals c.Version, journals
// it, then stores and sets c.Version+1. A stale version fails with welfare.ErrConflict,
// an unknown ID with welfare.ErrNotFound, an identity number another child of the area
// holds with welfare.ErrDuplicate, a changed AreaCode with welfare.ErrInvalid.
func (s *Store) UpdateChild(ctx context.Context, c *welfare.Child) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkChild(c, ""); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareChild(c, c.Version+1)
		if err != nil {
			return err
		}
		if r.numberKey != nil && s.precheckUnique() {
			holder, err := firstID(ctx, t.q, s.d.q(selectNumberHolder), []any{c.AreaCode, r.numberKey, idArg(c.ID)})
			if err != nil {
				return s.wrap("check identity number", err)
			}
			if holder != uuid.Nil {
				if err := s.checkStored(ctx, t.q, "child", c.ID, c.Version, c.AreaCode); err != nil {
					return err
				}
				return fmt.Errorf("sqlstore: update child %s: identity number held by another child of the area: %w", c.ID, welfare.ErrDuplicate)
			}
		}
		set := r.args()[3:] // id_number_key … sealed
		if err := s.updateVersioned(ctx, t.q, "child", updateChildSQL, set, c.AreaCode, c.ID, c.Version,
			func(err error) error { return s.childWriteError("update child", err) }); err != nil {
			return err
		}
		t.addLeaves(c.AreaCode, s.childLeaf(r))
		t.setVersion(&c.Version, r.rec.Version)
		return nil
	})
}

// checkStored explains why an optimistic update changed nothing, or checks a record
// before one: welfare.ErrNotFound if there is no such record, welfare.ErrConflict if
// its version is not version, welfare.ErrInvalid if it belongs to another area (the
// area code, the shard key, never changes); nil if none of these holds.
func (s *Store) checkStored(ctx context.Context, q querier, kind string, id uuid.UUID, version int64, area string) error {
	var query string
	switch kind {
	case "child":
		query = selectChildVersion
	case "key entry":
		query = selectEntryVersion
	case "staff":
		query = selectStaffVersion
	}
	var storedArea string
	var v int64
	err := q.QueryRowContext(ctx, s.d.q(query), idArg(id)).Scan(&storedArea, &v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: update %s %s: %w", kind, id, welfare.ErrNotFound)
	case err != nil:
		return s.wrap("update "+kind, err)
	case v != version:
		return fmt.Errorf("sqlstore: update %s %s: stored version %d, given %d: %w", kind, id, v, version, welfare.ErrConflict)
	case storedArea != area:
		return invalid("AreaCode", "immutable")
	}
	return nil
}

// execCount runs a statement and returns the number of rows it changed.
func (s *Store) execCount(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, s.d.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// updateVersioned runs an optimistic update: query sets the columns from set and
// version = version + 1 WHERE area_code = ? AND id = ? AND version = ?. When no row
// changes, checkStored tells why.
func (s *Store) updateVersioned(ctx context.Context, q querier, kind, query string, set []any, area string,
	id uuid.UUID, version int64, mapErr func(error) error) error {
	n, err := s.execCount(ctx, q, query, append(slices.Clip(set), area, idArg(id), version)...)
	if err != nil {
		return mapErr(err)
	}
	if n == 1 {
		return nil
	}
	if err := s.checkStored(ctx, q, kind, id, version, area); err != nil {
		return err
	}
	return fmt.Errorf("sqlstore: update %s %s: changed concurrently: %w", kind, id, welfare.ErrConflict)
}

const selectChildByNumber = `SELECT id, version, document, sealed FROM children WHERE area_code = ? AND id_number_key = ?`

// ChildByIDNumber returns the area's child holding n; welfare.ErrNotFound if none does
// (always for the zero number).
func (s *Store) ChildByIDNumber(ctx context.Context, area string, n welfare.IDNumber) (*welfare.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n.IsZero() {
		return nil, fmt.Errorf("sqlstore: child by identity number: none given: %w", welfare.ErrNotFound)
	}
	var found []*welfare.Child
	err := s.read(ctx, func(q querier) (err error) {
		found, err = s.queryChildren(ctx, q, selectChildByNumber, area, s.numberKey(n))
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range found {
		if c.IDNumber == n {
			return c, nil
		}
	}
	return nil, fmt.Errorf("sqlstore: child by identity number in area %s: %w", area, welfare.ErrNotFound)
}

const selectChildrenByNameBirth = `SELECT id, version, document, sealed FROM children
WHERE area_code = ? AND name_birth_key = ? ORDER BY id`

// ChildrenByNameBirth returns the area's children with exactly this name and birth
// date, in ID order; nil if there are none.
func (s *Store) ChildrenByNameBirth(ctx context.Context, area, name string, birth welfare.Date) ([]*welfare.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var found []*welfare.Child
	err := s.read(ctx, func(q querier) (err error) {
		found, err = s.queryChildren(ctx, q, selectChildrenByNameBirth, area, s.nameBirthKey(name, birth))
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []*welfare.Child
	for _, c := range found {
		if c.Name == name && c.BirthDate == birth {
			out = append(out, c)
		}
	}
	return out, nil
}

// rawChild is a scanned children row, decoded after the rows are closed.
type rawChild struct {
	id       uuid.UUID
	version  int64
	document string
	sealed   []byte
}

// queryRawChildren runs a query selecting id, version, document, sealed.
func (s *Store) queryRawChildren(ctx context.Context, q querier, query string, args ...any) ([]rawChild, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.wrap("query children", err)
	}
	defer rows.Close()
	var out []rawChild
	for rows.Next() {
		var r rawChild
		var id []byte
		if err := rows.Scan(&id, &r.version, &r.document, &r.sealed); err != nil {
			return nil, s.wrap("query children", err)
		}
		if r.id, err = uuidFrom(id); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("query children", err)
	}
	return out, nil
}

func (s *Store) queryChildren(ctx context.Context, q querier, query string, args ...any) ([]*welfare.Child, error) {
	raw, err := s.queryRawChildren(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	out := make([]*welfare.Child, len(raw))
	for i, r := range raw {
		if out[i], err = s.decodeChild(r.id, r.version, r.document, r.sealed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The children scan: keyset pagination on (area_code, id), optional filters.
const (
	selectChildrenPage = `SELECT id, version, document, sealed FROM children WHERE area_code = ? AND id > ?`
	regionCondition    = ` AND (township LIKE ? ESCAPE '!' OR village LIKE ? ESCAPE '!')`
	stateCondition     = ` AND state IN (`
	orderByIDLimit     = ` ORDER BY id LIMIT ?`
)

// likePrefix escapes p for LIKE … ESCAPE '!' and appends the wildcard.
func likePrefix(p string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(p) + "%"
}

// Children streams copies of the children f selects in ID order, reading PageSize
// rows per query (keyset pagination), so memory is bounded by the page. A region
// selects children whose township or village code starts with it.
func (s *Store) Children(ctx context.Context, f welfare.ChildFilter) iter.Seq2[*welfare.Child, error] {
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
		query := selectChildrenPage
		var filterArgs []any
		if f.Region != "" {
			query += regionCondition
			p := likePrefix(f.Region)
			filterArgs = append(filterArgs, p, p)
		}
		if len(f.States) > 0 {
			query += stateCondition + inList(len(f.States)) + ")"
			for _, st := range f.States {
				filterArgs = append(filterArgs, string(st))
			}
		}
		query += orderByIDLimit
		pageArgs := func(after uuid.UUID, limit int) []any {
			args := make([]any, 0, 3+len(filterArgs))
			args = append(args, f.Area, idArg(after))
			args = append(args, filterArgs...)
			return append(args, limit)
		}
		scanDocuments(ctx, s, query, pageArgs, f.After, f.Limit, s.decodeRawChild, yield)
	}
}

func (s *Store) decodeRawChild(r rawChild) (*welfare.Child, error) {
	return s.decodeChild(r.id, r.version, r.document, r.sealed)
}

// scanDocuments streams the decoded records of a keyset-paginated query (rows of id,
// version, document, sealed in ID order), one page per read: pageArgs gives the
// query's arguments for the page after an ID, with the page's row limit last; total
// caps the records streamed (0: none). Memory is bounded by the page.
func scanDocuments[T any](ctx context.Context, s *Store, query string, pageArgs func(after uuid.UUID, limit int) []any,
	after uuid.UUID, total int, decode func(rawChild) (T, error), yield func(T, error) bool) {
	var zero T
	n := 0
	for {
		limit := s.opts.PageSize
		if total > 0 {
			limit = min(limit, total-n)
		}
		var page []rawChild
		err := s.read(ctx, func(q querier) (err error) {
			page, err = s.queryRawChildren(ctx, q, query, pageArgs(after, limit)...)
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
			v, err := decode(r)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		n += len(page)
		if len(page) < limit || (total > 0 && n >= total) {
			return
		}
		after = page[len(page)-1].id
	}
}

const selectCensusPage = `SELECT id, township, village, sex, birth_date, stage, health, disability_type,
medical_insurance, residence_permit, economic, state
FROM children WHERE area_code = ? AND id > ? ORDER BY id LIMIT ?`

// CensusRows streams the census projection of the area's children in ID order from
// the indexed columns alone: no document is read and nothing is unsealed.
func (s *Store) CensusRows(ctx context.Context, area string) iter.Seq2[welfare.CensusRow, error] {
	return func(yield func(welfare.CensusRow, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(welfare.CensusRow{}, err)
			return
		}
		if area == "" {
			yield(welfare.CensusRow{}, invalid("area", "required"))
			return
		}
		after := uuid.Nil
		for {
			var page []welfare.CensusRow
			err := s.read(ctx, func(q querier) (err error) {
				page, err = s.censusPage(ctx, q, area, after)
				return err
			})
			if err != nil {
				yield(welfare.CensusRow{}, err)
				return
			}
			for _, r := range page {
				if err := ctx.Err(); err != nil {
					yield(welfare.CensusRow{}, err)
					return
				}
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < s.opts.PageSize {
				return
			}
			after = page[len(page)-1].ID
		}
	}
}

func (s *Store) censusPage(ctx context.Context, q querier, area string, after uuid.UUID) ([]welfare.CensusRow, error) {
	rows, err := q.QueryContext(ctx, s.d.q(selectCensusPage), area, idArg(after), s.opts.PageSize)
	if err != nil {
		return nil, s.wrap("census rows", err)
	}
	defer rows.Close()
	out := make([]welfare.CensusRow, 0, s.opts.PageSize)
	for rows.Next() {
		var r welfare.CensusRow
		var id []byte
		var birth int64
		var sex, insurance, permit, economic, state string
		if err := rows.Scan(&id, &r.Township, &r.Village, &sex, &birth, &r.Stage, &r.Health, &r.DisabilityType,
			&insurance, &permit, &economic, &state); err != nil {
			return nil, s.wrap("census rows", err)
		}
		if r.ID, err = uuidFrom(id); err != nil {
			return nil, err
		}
		r.Sex, r.BirthDate = welfare.Sex(sex), intDate(birth)
		r.MedicalInsurance, r.ResidencePermit = welfare.Flag(insurance), welfare.Flag(permit)
		r.Economic, r.State = welfare.Economic(economic), welfare.LifecycleState(state)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("census rows", err)
	}
	return out, nil
}
