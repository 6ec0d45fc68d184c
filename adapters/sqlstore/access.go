package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"math"
	"sync/atomic"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Access records are stored as plain columns (they hold IDs, a role and a purpose).
// Each row carries the area of the child read (or "" for a child the store does not
// hold) and a sequence number that orders records of the same microsecond in the order
// they were recorded.
const (
	selectChildArea    = `SELECT area_code FROM children WHERE id = ?`
	insertAccessRecord = `INSERT INTO access_records (area_code, child_id, at_us, seq, id, staff_id, staff_role,
purpose, access_action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectAccessPage = `SELECT at_us, seq, id, staff_id, staff_role, purpose, access_action FROM access_records
WHERE child_id = ? AND (at_us > ? OR (at_us = ? AND seq > ?)) ORDER BY at_us, seq LIMIT ?`
)

// accessSeq hands out access sequence numbers: nanoseconds since the epoch, made
// strictly increasing, so records are ordered as recorded within a store and by clock
// across processes.
type accessSeq struct{ last atomic.Int64 }

func (q *accessSeq) next() int64 {
	for {
		last := q.last.Load()
		next := max(time.Now().UnixNano(), last+1)
		if q.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// RecordAccess appends r to the access log and journals it (version 1, actor the
// staff ID) in the log of the child's area.
func (s *Store) RecordAccess(ctx context.Context, r welfare.AccessRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.ChildID == uuid.Nil {
		return invalid("ChildID", "required")
	}
	rec := normAccess(r)
	h, err := journal.RecordHash(rec)
	if err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		var area string
		err := t.q.QueryRowContext(ctx, s.d.q(selectChildArea), idArg(rec.ChildID)).Scan(&area)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s.wrap("record access", err)
		}
		_, err = t.q.ExecContext(ctx, s.d.q(insertAccessRecord), area, idArg(rec.ChildID), micros(rec.At), s.seq.next(),
			idArg(rec.ID), idArg(rec.StaffID), string(rec.Role), rec.Purpose, rec.Action)
		if err != nil {
			return s.wrap("record access", err)
		}
		t.addLeaves(area, journal.Leaf{Kind: welfare.EntityAccess, ID: rec.ID.String(), Version: 1,
			RecordSHA256: h, Time: s.now(), Actor: rec.StaffID.String()})
		return nil
	})
}

// AccessRecords streams the child's access records in time order (records of the
// same instant in the order they were recorded), PageSize rows per query.
func (s *Store) AccessRecords(ctx context.Context, child uuid.UUID) iter.Seq2[welfare.AccessRecord, error] {
	return func(yield func(welfare.AccessRecord, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(welfare.AccessRecord{}, err)
			return
		}
		afterAt, afterSeq := int64(math.MinInt64), int64(math.MinInt64)
		for {
			var page []accessRow
			err := s.read(ctx, func(q querier) (err error) {
				page, err = s.accessPage(ctx, q, child, afterAt, afterSeq)
				return err
			})
			if err != nil {
				yield(welfare.AccessRecord{}, err)
				return
			}
			for _, r := range page {
				if err := ctx.Err(); err != nil {
					yield(welfare.AccessRecord{}, err)
					return
				}
				if !yield(r.rec, nil) {
					return
				}
			}
			if len(page) < s.opts.PageSize {
				return
			}
			last := page[len(page)-1]
			afterAt, afterSeq = last.at, last.seq
		}
	}
}

type accessRow struct {
	at, seq int64
	rec     welfare.AccessRecord
}

func (s *Store) accessPage(ctx context.Context, q querier, child uuid.UUID, afterAt, afterSeq int64) ([]accessRow, error) {
	rows, err := q.QueryContext(ctx, s.d.q(selectAccessPage), idArg(child), afterAt, afterAt, afterSeq, s.opts.PageSize)
	if err != nil {
		return nil, s.wrap("access records", err)
	}
	defer rows.Close()
	var out []accessRow
	for rows.Next() {
		var r accessRow
		var id, staff []byte
		var role string
		if err := rows.Scan(&r.at, &r.seq, &id, &staff, &role, &r.rec.Purpose, &r.rec.Action); err != nil {
			return nil, s.wrap("access records", err)
		}
		if r.rec.ID, err = uuidFrom(id); err != nil {
			return nil, err
		}
		if r.rec.StaffID, err = uuidFrom(staff); err != nil {
			return nil, err
		}
		r.rec.At, r.rec.ChildID, r.rec.Role = fromMicros(r.at), child, welfare.Role(role)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("access records", err)
	}
	return out, nil
}
