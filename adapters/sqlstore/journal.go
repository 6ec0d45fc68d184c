package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/childwelfare/liudong/audit/journal"
	"golang.org/x/mod/sumdb/tlog"
)

// Each area has its own journal (a tlog log): journal_records(area_code, idx, record)
// holds the encoded leaves, journal_hashes(area_code, idx, hash) the tlog hashes by
// storage index, and journal_heads(area_code, size) the size. A transaction's leaves
// of an area are appended at its end, just before COMMIT: one statement locks the
// area's head row (the row lock of an UPDATE, as SELECT … FOR UPDATE would take) and
// at once moves it past the new leaves, reserving their indexes; appends to an area
// are thereby serialised, and the lock is held for four statements at most (head,
// frontier hashes, leaves, hashes) before COMMIT releases it.

// reserveHead creates or locks the area's head and adds the new leaves to its size,
// returning the new size (SQLite, PostgreSQL).
const reserveHead = `INSERT INTO journal_heads (area_code, size) VALUES (?, ?)
ON CONFLICT (area_code) DO UPDATE SET size = journal_heads.size + excluded.size
RETURNING size`

// MySQL has no RETURNING: the UPDATE passes the new size through LAST_INSERT_ID(expr),
// which the server returns with the statement's result. An area's first append
// creates the head by an upsert, then reads the size it wrote.
const (
	reserveHeadMySQL = `UPDATE journal_heads SET size = LAST_INSERT_ID(size + ?) WHERE area_code = ?`
	createHeadMySQL  = `INSERT INTO journal_heads (area_code, size) VALUES (?, ?) ON DUPLICATE KEY UPDATE size = size + ?`
	selectHeadLocked = `SELECT size FROM journal_heads WHERE area_code = ? FOR UPDATE`
)

const selectHead = `SELECT size FROM journal_heads WHERE area_code = ?`

const insertJournalRecords = `INSERT INTO journal_records (area_code, idx, record) VALUES `

const insertJournalHashes = `INSERT INTO journal_hashes (area_code, idx, hash) VALUES `

const selectJournalRecords = `SELECT idx, record FROM journal_records
WHERE area_code = ? AND idx >= ? AND idx < ? ORDER BY idx`

const selectJournalHashes = `SELECT idx, hash FROM journal_hashes WHERE area_code = ? AND idx IN (`

// txJournal is the journal.Storage of one area inside a write transaction, for one
// append of reserve leaves.
type txJournal struct {
	s        *Store
	q        querier
	area     string
	reserve  int64 // leaves the transaction appends
	start    int64 // the log's size before them
	locked   bool  // the head is locked and moved by reserve
	appended bool
}

var _ journal.Storage = (*txJournal)(nil)

// Size locks the area's head row (creating it), reserves the indexes of the
// transaction's leaves, and returns the log's size before them.
func (j *txJournal) Size(ctx context.Context) (int64, error) {
	if j.locked {
		if j.appended {
			return j.start + j.reserve, nil
		}
		return j.start, nil
	}
	end, err := j.reserveHead(ctx)
	if err != nil {
		return 0, j.s.wrap("lock journal head", err)
	}
	j.start, j.locked = end-j.reserve, true
	return j.start, nil
}

func (j *txJournal) reserveHead(ctx context.Context) (int64, error) {
	var end int64
	if j.s.d != MySQL {
		err := j.q.QueryRowContext(ctx, j.s.d.q(reserveHead), j.area, j.reserve).Scan(&end)
		return end, err
	}
	res, err := j.q.ExecContext(ctx, reserveHeadMySQL, j.reserve, j.area)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 1 {
		return res.LastInsertId()
	}
	if _, err := j.q.ExecContext(ctx, createHeadMySQL, j.area, j.reserve, j.reserve); err != nil {
		return 0, err
	}
	err = j.q.QueryRowContext(ctx, selectHeadLocked, j.area).Scan(&end)
	return end, err
}

// ReadHashes and Records read inside the appending transaction. On MySQL they are
// locking reads: under REPEATABLE READ a plain read would see the transaction's
// snapshot, which may predate the appends committed before the head was locked.
func (j *txJournal) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, j.s, j.q, j.area, indexes, j.s.d.latestRead())
}

func (j *txJournal) Records(ctx context.Context, from, to int64) ([][]byte, error) {
	return readRecords(ctx, j.s, j.q, j.area, from, to, j.s.d.latestRead())
}

// Append writes the leaves and hashes, at the indexes Size reserved, with multi-row
// INSERTs.
func (j *txJournal) Append(ctx context.Context, n int64, records [][]byte, hashes []tlog.Hash) error {
	if _, err := j.Size(ctx); err != nil {
		return err
	}
	if j.appended || n != j.start {
		return fmt.Errorf("%w: append at %d to a log of %d leaves", journal.ErrConflict, n, j.start)
	}
	if int64(len(records)) != j.reserve {
		return fmt.Errorf("sqlstore: journal append of %d records, %d reserved", len(records), j.reserve)
	}
	end := n + int64(len(records))
	first := tlog.StoredHashIndex(0, n)
	if want := tlog.StoredHashCount(end) - first; int64(len(hashes)) != want {
		return fmt.Errorf("sqlstore: journal append of %d records with %d hashes, want %d", len(records), len(hashes), want)
	}
	batch := j.s.rowsPerInsert(3)
	for from := 0; from < len(records); from += batch {
		to := min(from+batch, len(records))
		args := make([]any, 0, 3*(to-from))
		for i := from; i < to; i++ {
			args = append(args, j.area, n+int64(i), records[i])
		}
		if _, err := j.q.ExecContext(ctx, j.s.d.insertValues(insertJournalRecords, 3, to-from), args...); err != nil {
			return j.s.wrap("append journal records", err)
		}
	}
	for from := 0; from < len(hashes); from += batch {
		to := min(from+batch, len(hashes))
		args := make([]any, 0, 3*(to-from))
		for i := from; i < to; i++ {
			args = append(args, j.area, first+int64(i), hashes[i][:])
		}
		if _, err := j.q.ExecContext(ctx, j.s.d.insertValues(insertJournalHashes, 3, to-from), args...); err != nil {
			return j.s.wrap("append journal hashes", err)
		}
	}
	j.appended = true
	return nil
}

// ErrReadOnlyJournal is returned by Append on the journal view of [Store.Journal]:
// leaves are appended only by the store's own writes.
var ErrReadOnlyJournal = errors.New("sqlstore: the journal view is read-only; writes append their leaves themselves")

// readJournal is the read-only journal.Storage of one area over committed data.
type readJournal struct {
	s    *Store
	area string
}

// Journal returns a read view of the committed journal of area (a county code), for
// journal.TreeHead, ProveInclusion, ProveConsistency, Export and Verify. Access
// records of children the store does not hold are journaled under the area "". The
// view reads the database on every call; leaves are only ever appended, so a tree
// head read first stays valid for the records and proofs read after it. On the Store
// of an Atomically function it reads through the transaction (but the transaction's
// own leaves are appended only when it commits).
func (s *Store) Journal(area string) journal.Storage { return &readJournal{s: s, area: area} }

func (j *readJournal) Size(ctx context.Context) (int64, error) {
	var n int64
	err := j.s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, j.s.d.q(selectHead), j.area).Scan(&n)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, j.s.wrap("journal size", err)
	}
	return n, nil
}

func (j *readJournal) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var out []tlog.Hash
	err := j.s.read(ctx, func(q querier) (err error) {
		out, err = readHashes(ctx, j.s, q, j.area, indexes, "")
		return err
	})
	return out, err
}

func (j *readJournal) Records(ctx context.Context, from, to int64) ([][]byte, error) {
	var out [][]byte
	err := j.s.read(ctx, func(q querier) (err error) {
		out, err = readRecords(ctx, j.s, q, j.area, from, to, "")
		return err
	})
	return out, err
}

func (j *readJournal) Append(context.Context, int64, [][]byte, []tlog.Hash) error {
	return ErrReadOnlyJournal
}

// readHashes reads hashes by storage index; suffix ends the SELECT (a locking clause).
func readHashes(ctx context.Context, s *Store, q querier, area string, indexes []int64, suffix string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	pos := make(map[int64][]int, len(indexes))
	uniq := make([]int64, 0, len(indexes))
	for i, x := range indexes {
		if _, ok := pos[x]; !ok {
			uniq = append(uniq, x)
		}
		pos[x] = append(pos[x], i)
	}
	found := 0
	for from := 0; from < len(uniq); from += s.inChunk() {
		chunk := uniq[from:min(from+s.inChunk(), len(uniq))]
		args := make([]any, 0, 1+len(chunk))
		args = append(args, area)
		for _, x := range chunk {
			args = append(args, x)
		}
		n, err := scanHashes(ctx, s, q, area, s.d.q(selectJournalHashes+inList(len(chunk))+")"+suffix), args, pos, out)
		if err != nil {
			return nil, err
		}
		found += n
	}
	if found != len(uniq) {
		return nil, fmt.Errorf("%w: %d of %d hashes of area %s not stored", journal.ErrOutOfRange, len(uniq)-found, len(uniq), area)
	}
	return out, nil
}

func scanHashes(ctx context.Context, s *Store, q querier, area, query string, args []any, pos map[int64][]int, out []tlog.Hash) (int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, s.wrap("read journal hashes", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var x int64
		var h []byte
		if err := rows.Scan(&x, &h); err != nil {
			return 0, s.wrap("read journal hashes", err)
		}
		if len(h) != len(tlog.Hash{}) {
			return 0, fmt.Errorf("sqlstore: journal hash %d of area %s has %d bytes", x, area, len(h))
		}
		for _, i := range pos[x] {
			copy(out[i][:], h)
		}
		found++
	}
	if err := rows.Err(); err != nil {
		return 0, s.wrap("read journal hashes", err)
	}
	return found, nil
}

// readRecords reads encoded leaves [from, to); suffix ends the SELECT (a locking clause).
func readRecords(ctx context.Context, s *Store, q querier, area string, from, to int64, suffix string) ([][]byte, error) {
	if from < 0 || from > to {
		return nil, fmt.Errorf("%w: records [%d, %d)", journal.ErrOutOfRange, from, to)
	}
	out := make([][]byte, 0, min(to-from, 1<<16))
	rows, err := q.QueryContext(ctx, s.d.q(selectJournalRecords+suffix), area, from, to)
	if err != nil {
		return nil, s.wrap("read journal records", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x int64
		var r []byte
		if err := rows.Scan(&x, &r); err != nil {
			return nil, s.wrap("read journal records", err)
		}
		if x != from+int64(len(out)) {
			return nil, fmt.Errorf("sqlstore: journal of area %s lacks leaf %d", area, from+int64(len(out)))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("read journal records", err)
	}
	if int64(len(out)) != to-from {
		return nil, fmt.Errorf("%w: records [%d, %d) of area %s: %d stored", journal.ErrOutOfRange, from, to, area, len(out))
	}
	return out, nil
}
