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

// Staff members: the name and phone are sealed like a child's; the rest is the
// document.
const (
	insertStaff = `INSERT INTO staff (area_code, id, version, staff_role, active, updated_at_us, document, sealed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	selectStaffID      = `SELECT id FROM staff WHERE id = ?`
	selectStaff        = `SELECT version, document, sealed FROM staff WHERE id = ?`
	selectStaffVersion = `SELECT area_code, version FROM staff WHERE id = ?`
	updateStaffSQL     = `UPDATE staff SET version = version + 1, staff_role = ?, active = ?,
updated_at_us = ?, document = ?, sealed = ?
WHERE area_code = ? AND id = ? AND version = ?`
	selectStaffPage = `SELECT id, version, document, sealed FROM staff
WHERE area_code = ? AND id > ? ORDER BY id LIMIT ?`
)

func checkStaff(m *welfare.Staff) error {
	if m == nil {
		return invalid("Staff", "required")
	}
	return welfare.CheckKeys("", m.ID, m.AreaCode)
}

// staffRow is a staff member as stored.
type staffRow struct {
	rec      *welfare.Staff
	document string
	sealed   []byte
	leaf     journal.Leaf
}

func (s *Store) prepareStaff(m *welfare.Staff, version int64) (*staffRow, error) {
	rec := normStaff(m)
	rec.Version = version
	h, err := journal.RecordHash(rec)
	if err != nil {
		return nil, err
	}
	public := *rec
	public.Name, public.Phone = "", ""
	doc, err := json.Marshal(&public)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode staff %s: %w", m.ID, err)
	}
	sealed, err := s.seal("staff", rec.ID, staffSecrets{Name: rec.Name, Phone: rec.Phone})
	if err != nil {
		return nil, err
	}
	return &staffRow{rec: rec, document: string(doc), sealed: sealed, leaf: journal.Leaf{
		Kind: welfare.EntityStaff, ID: rec.ID.String(), Version: version, RecordSHA256: h,
		Time: s.now(), Actor: rec.UpdatedBy}}, nil
}

func (s *Store) decodeStaff(id uuid.UUID, version int64, doc string, sealed []byte) (*welfare.Staff, error) {
	var m welfare.Staff
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return nil, fmt.Errorf("sqlstore: decode staff %s: %w", id, err)
	}
	var sec staffSecrets
	if err := s.unseal("staff", id, sealed, &sec); err != nil {
		return nil, err
	}
	m.Name, m.Phone, m.Version = sec.Name, sec.Phone, version
	return &m, nil
}

// CreateStaff stores m as version 1, journals it, and sets m.Version to 1. An
// existing ID fails with welfare.ErrConflict; a missing ID or area with
// welfare.ErrInvalid.
func (s *Store) CreateStaff(ctx context.Context, m *welfare.Staff) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStaff(m); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareStaff(m, 1)
		if err != nil {
			return err
		}
		id, err := firstID(ctx, t.q, s.d.q(selectStaffID), []any{idArg(m.ID)})
		if err != nil {
			return s.wrap("create staff", err)
		}
		if id != uuid.Nil {
			return fmt.Errorf("sqlstore: create staff %s: id exists: %w", m.ID, welfare.ErrConflict)
		}
		_, err = t.q.ExecContext(ctx, s.d.q(insertStaff), r.rec.AreaCode, idArg(r.rec.ID), int64(1), string(r.rec.Role),
			boolInt(r.rec.Active), micros(r.rec.UpdatedAt), r.document, r.sealed)
		if err != nil {
			return s.uniqueAsConflict("create staff", err)
		}
		t.addLeaves(r.rec.AreaCode, r.leaf)
		t.setVersion(&m.Version, 1)
		return nil
	})
}

// GetStaff returns the staff member, or welfare.ErrNotFound.
func (s *Store) GetStaff(ctx context.Context, id uuid.UUID) (*welfare.Staff, error) {
	var version int64
	var doc string
	var sealed []byte
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.d.q(selectStaff), idArg(id)).Scan(&version, &doc, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: staff %s: %w", id, welfare.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get staff", err)
	}
	return s.decodeStaff(id, version, doc, sealed)
}

// UpdateStaff replaces the stored member under the version rules of UpdateChild.
func (s *Store) UpdateStaff(ctx context.Context, m *welfare.Staff) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStaff(m); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		r, err := s.prepareStaff(m, m.Version+1)
		if err != nil {
			return err
		}
		set := []any{string(r.rec.Role), boolInt(r.rec.Active), micros(r.rec.UpdatedAt), r.document, r.sealed}
		if err := s.updateVersioned(ctx, t.q, "staff", updateStaffSQL, set, r.rec.AreaCode, r.rec.ID, m.Version,
			func(err error) error { return s.wrap("update staff", err) }); err != nil {
			return err
		}
		t.addLeaves(r.rec.AreaCode, r.leaf)
		t.setVersion(&m.Version, r.rec.Version)
		return nil
	})
}

// StaffMembers streams the area's staff in ID order, PageSize rows per query.
func (s *Store) StaffMembers(ctx context.Context, area string) iter.Seq2[*welfare.Staff, error] {
	return func(yield func(*welfare.Staff, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if area == "" {
			yield(nil, invalid("area", "required"))
			return
		}
		pageArgs := func(after uuid.UUID, limit int) []any { return []any{area, idArg(after), limit} }
		decode := func(r rawChild) (*welfare.Staff, error) { // same row shape as children
			return s.decodeStaff(r.id, r.version, r.document, r.sealed)
		}
		scanDocuments(ctx, s, selectStaffPage, pageArgs, uuid.Nil, 0, decode, yield)
	}
}
