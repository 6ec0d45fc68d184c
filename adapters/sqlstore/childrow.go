package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// The compliance projection of children (visit.Store.ChildRows; migration 0005): the
// lifecycle column holds each lifecycle event's effective day and state entered as
// "YYYYMMDD state" items joined by ";", written with every child, so ChildRows reads
// ID, township, village and lifecycle (on SQLite, from the covering index
// children_rows) and decodes no document. A row written before migration 0005 has a
// NULL lifecycle; its lifecycle is read from its document.

// encodeLifecycle is the lifecycle column of a child with these events.
func encodeLifecycle(events []welfare.LifecycleEvent) string {
	var b strings.Builder
	for i, ev := range events {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.FormatInt(dateInt(ev.On), 10))
		b.WriteByte(' ')
		b.WriteString(string(ev.To))
	}
	return b.String()
}

// decodeLifecycle reads the lifecycle column.
func decodeLifecycle(id uuid.UUID, s string) ([]visit.LifecycleStep, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]visit.LifecycleStep, 0, strings.Count(s, ";")+1)
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, ";")
		day, state, ok := strings.Cut(item, " ")
		n, err := strconv.ParseInt(day, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlstore: child %s: bad lifecycle column %q", id, item)
		}
		out = append(out, visit.LifecycleStep{To: welfare.LifecycleState(state), On: intDate(n)})
	}
	return out, nil
}

// documentLifecycle reads the lifecycle of a child's document.
func documentLifecycle(id uuid.UUID, document string) ([]visit.LifecycleStep, error) {
	var doc struct {
		Lifecycle []welfare.LifecycleEvent `json:"lifecycle"`
	}
	if err := json.Unmarshal([]byte(document), &doc); err != nil {
		return nil, fmt.Errorf("sqlstore: decode child %s: %w", id, err)
	}
	return visit.ChildRowOf(&welfare.Child{Lifecycle: doc.Lifecycle}).Lifecycle, nil
}

const selectChildRowsPage = `SELECT id, township, village, lifecycle
FROM children WHERE area_code = ? AND id > ? ORDER BY id LIMIT ?`

// rowPageSize is the number of rows a projection scan (ChildRows, VisitRows) reads per
// query: 8 × PageSize, since a projected row is a few dozen bytes against a record's
// kilobytes, and each query costs a statement preparation.
func (s *Store) rowPageSize() int { return 8 * s.opts.PageSize }

// ChildRows streams the compliance projection of the area's children in ID order,
// rowPageSize rows per query, from plain columns; outside a transaction a goroutine
// reads the next page ahead, as for Visits (see visitPages).
func (s *Store) ChildRows(ctx context.Context, area string) iter.Seq2[visit.ChildRow, error] {
	return func(yield func(visit.ChildRow, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(visit.ChildRow{}, err)
			return
		}
		if area == "" {
			yield(visit.ChildRow{}, invalid("area", "required"))
			return
		}
		after := uuid.Nil
		next := func() ([]visit.ChildRow, bool, error) {
			var page []visit.ChildRow
			err := s.read(ctx, func(q querier) (err error) {
				page, err = s.childRowsPage(ctx, q, area, after)
				return err
			})
			if err != nil || len(page) == 0 {
				return nil, false, err
			}
			after = page[len(page)-1].ID
			return page, len(page) == s.rowPageSize(), nil
		}
		// Outside a transaction the next page is read while this one is consumed.
		for page, err := range visitPages(s, ctx, next, s.t == nil) {
			if err != nil {
				yield(visit.ChildRow{}, err)
				return
			}
			for _, r := range page {
				if err := ctx.Err(); err != nil {
					yield(visit.ChildRow{}, err)
					return
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

func (s *Store) childRowsPage(ctx context.Context, q querier, area string, after uuid.UUID) ([]visit.ChildRow, error) {
	rows, err := q.QueryContext(ctx, s.d.q(selectChildRowsPage), area, idArg(after), s.rowPageSize())
	if err != nil {
		return nil, s.wrap("child rows", err)
	}
	defer rows.Close()
	out := make([]visit.ChildRow, 0, s.rowPageSize())
	var legacy []int // rows written before migration 0005
	var id sql.RawBytes
	for rows.Next() {
		var r visit.ChildRow
		var lifecycle sql.NullString
		if err := rows.Scan(&id, &r.Township, &r.Village, &lifecycle); err != nil {
			return nil, s.wrap("child rows", err)
		}
		if r.ID, err = uuidFrom(id); err != nil {
			return nil, err
		}
		if lifecycle.Valid {
			if r.Lifecycle, err = decodeLifecycle(r.ID, lifecycle.String); err != nil {
				return nil, err
			}
		} else {
			legacy = append(legacy, len(out))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("child rows", err)
	}
	rows.Close()
	for _, i := range legacy {
		var version int64
		var doc string
		var sealed []byte
		if err := q.QueryRowContext(ctx, s.d.q(selectChild), idArg(out[i].ID)).Scan(&version, &doc, &sealed); err != nil {
			return nil, s.wrap("child rows", err)
		}
		if out[i].Lifecycle, err = documentLifecycle(out[i].ID, doc); err != nil {
			return nil, err
		}
	}
	return out, nil
}
