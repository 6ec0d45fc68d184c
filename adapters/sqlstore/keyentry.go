package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Key-care ledger entries hold no personal data beyond IDs: the whole entry is the
// document. The primary key (area_code, child_id, id) is the scan order.
const (
	insertEntry = `INSERT INTO key_entries (area_code, child_id, id, version, is_open, updated_at_us, document)
VALUES (?, ?, ?, ?, ?, ?, ?)`
	selectEntryID      = `SELECT id FROM key_entries WHERE id = ?`
	selectEntry        = `SELECT version, document FROM key_entries WHERE id = ?`
	selectEntryVersion = `SELECT area_code, version FROM key_entries WHERE id = ?`
	updateEntry        = `UPDATE key_entries SET child_id = ?, version = version + 1, is_open = ?,
updated_at_us = ?, document = ?
WHERE area_code = ? AND id = ? AND version = ?`
)

func checkEntry(e *welfare.KeyEntry) error {
	if e == nil {
		return invalid("KeyEntry", "required")
	}
	return welfare.CheckKeys("", e.ID, e.AreaCode, e.ChildID)
}

// prepareEntry returns e in stored form at version, its document and the leaf.
func (s *Store) prepareEntry(e *welfare.KeyEntry, version int64) (*welfare.KeyEntry, string, journal.Leaf, error) {
	rec := normEntry(e)
	rec.Version = version
	doc, err := json.Marshal(rec)
	if err != nil {
		return nil, "", journal.Leaf{}, fmt.Errorf("sqlstore: encode key entry %s: %w", e.ID, err)
	}
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, "", journal.Leaf{}, err
	}
	l := journal.Leaf{Kind: welfare.EntityKeyEntry, ID: rec.ID.String(), Version: version, RecordSHA256: h,
		Time: s.now(), Actor: rec.UpdatedBy}
	return rec, string(doc), l, nil
}

// CreateKeyEntry stores e as version 1, journals it, and sets e.Version to 1. An
// existing ID fails with welfare.ErrConflict; a missing ID, area or child ID with
// welfare.ErrInvalid.
func (s *Store) CreateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		rec, doc, leaf, err := s.prepareEntry(e, 1)
		if err != nil {
			return err
		}
		id, err := firstID(ctx, t.q, s.d.q(selectEntryID), []any{idArg(e.ID)})
		if err != nil {
			return s.wrap("create key entry", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create key entry %s: id exists: %w", e.ID, welfare.ErrConflict)
		}
		_, err = t.q.ExecContext(ctx, s.d.q(insertEntry), rec.AreaCode, idArg(rec.ChildID), idArg(rec.ID), int64(1),
			boolInt(rec.Closed == nil), micros(rec.UpdatedAt), doc)
		if err != nil {
			return s.uniqueAsConflict("create key entry", err)
		}
		t.addLeaves(rec.AreaCode, leaf)
		t.setVersion(&e.Version, 1)
		return nil
	})
}

// uniqueAsConflict maps a primary-key violation (an ID created concurrently) to
// welfare.ErrConflict.
func (s *Store) uniqueAsConflict(op string, err error) error {
	if c, _ := s.d.classify(err); c == classUnique {
		return fmt.Errorf("sqlstore: %s: id exists: %w", op, welfare.ErrConflict)
	}
	return s.wrap(op, err)
}

// GetKeyEntry returns the entry, or welfare.ErrNotFound.
func (s *Store) GetKeyEntry(ctx context.Context, id uuid.UUID) (*welfare.KeyEntry, error) {
	var version int64
	var doc string
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(selectEntry), idArg(id)).Scan(&version, &doc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: key entry %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get key entry", err)
	}
	return decodeEntry(id, version, doc)
}

func decodeEntry(id uuid.UUID, version int64, doc string) (*welfare.KeyEntry, error) {
	var e welfare.KeyEntry
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return nil, fmt.Errorf("sqlstore: decode key entry %s: %w", id, err)
	}
	e.Version = version
	return &e, nil
}

// UpdateKeyEntry replaces the stored entry under the version rules of UpdateChild.
func (s *Store) UpdateKeyEntry(ctx context.Context, e *welfare.KeyEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		rec, doc, leaf, err := s.prepareEntry(e, e.Version+1)
		if err != nil {
			return err
		}
		set := []any{idArg(rec.ChildID), boolInt(rec.Closed == nil), micros(rec.UpdatedAt), doc}
		if err := s.updateVersioned(ctx, t.q, "key entry", updateEntry, set, rec.AreaCode, rec.ID, e.Version,
			func(err error) error { return s.wrap("update key entry", err) }); err != nil {
			return err
		}
		t.addLeaves(rec.AreaCode, leaf)
		t.setVersion(&e.Version, rec.Version)
		return nil
	})
}

// The ledger scan: keyset pagination on (child_id, id) within the area.
const (
	selectEntriesPage = `SELECT child_id, id, version, document FROM key_entries
WHERE area_code = ? AND (child_id > ? OR (child_id = ? AND id > ?))`
	entryChildCondition = ` AND child_id = ?`
	entryOpenCondition  = ` AND is_open = 1`
	orderByEntryLimit   = ` ORDER BY child_id, id LIMIT ?`
)

type rawEntry struct {
	child, id uuid.UUID
	version   int64
	document  string
}

// KeyEntries streams the entries f selects, ordered by child ID, then entry ID,
// PageSize rows per query.
func (s *Store) KeyEntries(ctx context.Context, f welfare.KeyEntryFilter) iter.Seq2[*welfare.KeyEntry, error] {
	return func(yield func(*welfare.KeyEntry, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if f.Area == "" {
			yield(nil, invalid("Area", "required"))
			return
		}
		query := selectEntriesPage
		if f.ChildID != uuid.Nil {
			query += entryChildCondition
		}
		if f.OpenOnly {
			query += entryOpenCondition
		}
		query += orderByEntryLimit
		var afterChild, afterID uuid.UUID
		for {
			args := []any{f.Area, idArg(afterChild), idArg(afterChild), idArg(afterID)}
			if f.ChildID != uuid.Nil {
				args = append(args, idArg(f.ChildID))
			}
			args = append(args, s.opts.PageSize)
			var page []rawEntry
			err := s.read(ctx, func(q querier) (err error) {
				page, err = s.entriesPage(ctx, q, query, args)
				return err
			})
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range page {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
				e, err := decodeEntry(r.id, r.version, r.document)
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(e, nil) {
					return
				}
			}
			if len(page) < s.opts.PageSize {
				return
			}
			last := page[len(page)-1]
			afterChild, afterID = last.child, last.id
		}
	}
}

func (s *Store) entriesPage(ctx context.Context, q querier, query string, args []any) ([]rawEntry, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.wrap("key entries", err)
	}
	defer rows.Close()
	var out []rawEntry
	for rows.Next() {
		var r rawEntry
		var child, id []byte
		if err := rows.Scan(&child, &id, &r.version, &r.document); err != nil {
			return nil, s.wrap("key entries", err)
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
		return nil, s.wrap("key entries", err)
	}
	return out, nil
}
