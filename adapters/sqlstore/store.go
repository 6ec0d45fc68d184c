package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"go.uber.org/zap"
)

// ErrTxDone is returned by every method of the Store passed to an Atomically function
// once that function has returned.
var ErrTxDone = errors.New("sqlstore: transaction already finished")

// ErrClosed is returned when the store's *sql.DB has been closed.
var ErrClosed = errors.New("sqlstore: database is closed")

// ErrBusy reports a write that waited for another writer's lock longer than allowed
// (Options.BusyTimeout on SQLite, the server's lock wait timeout elsewhere). Nothing was
// written; retry later.
var ErrBusy = errors.New("sqlstore: database busy")

// Options configure a Store. The zero value gives the defaults.
type Options struct {
	// Clock stamps journal leaves (and migration records). Default welfare.SystemClock{}.
	Clock welfare.Clock
	// Sealer, if set, encrypts the sensitive fields at rest and turns the lookup keys
	// into blind indexes. A database written with a Sealer must be opened with the same
	// keys. Default: none (plain JSON and plain lookup keys).
	Sealer Sealer
	// PageSize is the number of rows a scan reads per query (keyset pagination).
	// Default 500.
	PageSize int
	// BatchSize is the number of rows per multi-row INSERT in bulk writes. Default 500.
	BatchSize int
	// Retries is how often a write the store runs in its own transaction is retried
	// after a transient failure (deadlock, serialisation failure, SQLite busy).
	// Default 8; negative: never. Atomically never retries: fn may have side effects.
	Retries int
	// BusyTimeout bounds how long a SQLite write waits for the database's write lock
	// (OpenDSN also sets it as the connection's busy_timeout); past it the write fails
	// with ErrBusy, unretried.
	// Default 5s.
	BusyTimeout time.Duration
	// Logger receives migration notices. Default zap.NewNop().
	Logger *zap.Logger
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = welfare.SystemClock{}
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.Retries == 0 {
		o.Retries = 8
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}

// maxParams bounds the placeholders of one statement, below the limits of every
// engine (SQLite 32,766, PostgreSQL and MySQL 65,535).
const maxParams = 30000

// rowsPerInsert is the number of rows of cols columns one multi-row INSERT holds.
func (s *Store) rowsPerInsert(cols int) int { return max(1, min(s.opts.BatchSize, maxParams/cols)) }

// inChunk is the number of values of one IN (…) list.
func (s *Store) inChunk() int { return min(s.opts.PageSize, 1000) }

// Store implements welfare.Store on a *sql.DB. It is safe for concurrent use. The
// Store an Atomically function receives is bound to that function's transaction.
type Store struct {
	db   *sql.DB
	d    Dialect
	opts Options
	seq  *accessSeq // shared by the transaction-bound copies
	t    *txn       // nil outside a transaction
}

var _ welfare.Store = (*Store)(nil)

// Open returns a Store over db, migrating its schema to the current version first (in
// a transaction; a no-op when it is current). It fails with ErrSchemaTooNew if the
// database was migrated by a newer version of the library. The caller keeps
// ownership of db: it registered the driver, and it closes db after the store's last
// use.
func Open(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: Open needs a *sql.DB")
	}
	if !d.valid() {
		return nil, errors.New("sqlstore: Open needs a dialect: SQLite, Postgres or MySQL")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d, opts: opts.withDefaults(), seq: &accessSeq{}}
	if err := db.PingContext(ctx); err != nil {
		return nil, s.wrap("connect", err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// DB returns the *sql.DB the store uses.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) now() time.Time { return welfare.StoreTime(s.opts.Clock.Now()) }

// wrap turns a driver error into the store's error: context errors and a closed
// database are recognisable with errors.Is; other messages lose quoted values.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrConnDone) || err.Error() == "sql: database is closed" {
		return fmt.Errorf("%w (%s)", ErrClosed, op)
	}
	return &dbError{op: op, err: err}
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txn is one database transaction: on SQLite a pinned connection that ran BEGIN
// IMMEDIATE, elsewhere a *sql.Tx. It buffers the transaction's journal leaves per
// area (appended just before COMMIT, so the journal head is locked only briefly and
// always last) and undo actions that restore callers' Version fields on rollback.
type txn struct {
	q    querier
	tx   *sql.Tx
	conn *sql.Conn

	mu     sync.Mutex // serialises the transaction's calls
	done   bool       // fn returned: the tx store refuses further use
	ended  bool       // COMMIT or ROLLBACK sent
	leaves map[string][]journal.Leaf
	undo   []func()
	sp     int // savepoints taken, for unique names
}

// mark is a savepoint's view of the buffers.
type mark struct {
	undo   int
	leaves map[string]int
}

func (t *txn) mark() mark {
	m := mark{undo: len(t.undo), leaves: make(map[string]int, len(t.leaves))}
	for a, ls := range t.leaves {
		m.leaves[a] = len(ls)
	}
	return m
}

// restore undoes the buffered effects after m.
func (t *txn) restore(m mark) {
	for i := len(t.undo) - 1; i >= m.undo; i-- {
		t.undo[i]()
	}
	t.undo = t.undo[:m.undo]
	for a, ls := range t.leaves {
		t.leaves[a] = ls[:m.leaves[a]]
	}
}

func (t *txn) addLeaves(area string, ls ...journal.Leaf) {
	if t.leaves == nil {
		t.leaves = map[string][]journal.Leaf{}
	}
	t.leaves[area] = append(t.leaves[area], ls...)
}

// setVersion sets *p to v, restoring the old value if the transaction rolls back.
func (t *txn) setVersion(p *int64, v int64) {
	old := *p
	*p = v
	t.undo = append(t.undo, func() { *p = old })
}

// end commits or rolls back once. A failed COMMIT rolls back.
func (t *txn) end(commit bool) error {
	if t.ended {
		return nil
	}
	t.ended = true
	if t.tx != nil {
		if commit {
			return t.tx.Commit()
		}
		if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			return err
		}
		return nil
	}
	defer t.conn.Close()
	bg := context.Background()
	if commit {
		if _, err := t.conn.ExecContext(bg, "COMMIT"); err != nil {
			t.rollbackConn()
			return err
		}
		return nil
	}
	t.rollbackConn()
	return nil
}

// rollbackConn rolls back the pinned SQLite connection; if that fails the connection
// is discarded rather than returned to the pool in an unknown state.
func (t *txn) rollbackConn() {
	if _, err := t.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// begin starts a write transaction. On SQLite it pins a connection and runs BEGIN
// IMMEDIATE, taking the database's write lock up front, so a transaction never fails
// half-way for want of it; it waits up to BusyTimeout for a busy database.
func (s *Store) begin(ctx context.Context) (*txn, error) {
	if s.d != SQLite {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, s.wrap("begin transaction", err)
		}
		return &txn{q: tx, tx: tx}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, s.wrap("begin transaction", err)
	}
	deadline := time.Now().Add(s.opts.BusyTimeout)
	for attempt := 0; ; attempt++ {
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			return &txn{q: conn, conn: conn}, nil
		}
		if c, _ := s.d.classify(err); c != classBusy || time.Now().After(deadline) || ctx.Err() != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			conn.Close()
			return nil, s.wrap("begin transaction", err)
		}
		if err := sleep(ctx, backoff(attempt, time.Millisecond, 50*time.Millisecond)); err != nil {
			conn.Close()
			return nil, err
		}
	}
}

func backoff(attempt int, base, limit time.Duration) time.Duration {
	d := base << min(attempt, 10)
	d = min(d, limit)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// runTx runs fn in a new transaction and commits it, appending the buffered journal
// leaves first. On error or panic it rolls back (undoing version changes on callers'
// values) and the panic continues.
func (s *Store) runTx(ctx context.Context, fn func(t *txn) error) (err error) {
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		t.mu.Lock()
		t.done = true
		if !committed {
			_ = t.end(false)
			t.restore(mark{})
		}
		t.mu.Unlock()
	}()
	if err := fn(t); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = true
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlstore: transaction rolled back: %w", err)
	}
	if err := s.flushJournal(ctx, t); err != nil {
		return err
	}
	if err := t.end(true); err != nil {
		return s.wrap("commit", err)
	}
	committed = true
	return nil
}

// flushJournal appends the transaction's leaves, one journal.Append per area, areas
// in order (so two transactions lock journal heads in the same order).
func (s *Store) flushJournal(ctx context.Context, t *txn) error {
	areas := make([]string, 0, len(t.leaves))
	for a, ls := range t.leaves {
		if len(ls) > 0 {
			areas = append(areas, a)
		}
	}
	slices.Sort(areas)
	for _, a := range areas {
		ls := t.leaves[a]
		if _, err := journal.Append(ctx, &txJournal{s: s, q: t.q, area: a, reserve: int64(len(ls))}, ls...); err != nil {
			return fmt.Errorf("sqlstore: journal of area %s: %w", a, err)
		}
	}
	return nil
}

// write runs fn in the store's transaction, or, outside one, in a new transaction of
// its own, retried after transient failures. fn must be safe to re-run: it reads the
// caller's values, whose Version the rollback restored.
func (s *Store) write(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.t != nil {
		s.t.mu.Lock()
		defer s.t.mu.Unlock()
		if s.t.done {
			return ErrTxDone
		}
		return fn(s.t)
	}
	var err error
	for attempt := 0; ; attempt++ {
		err = s.runTx(ctx, fn)
		if err == nil || !s.transient(err) || attempt >= s.opts.Retries || ctx.Err() != nil {
			break
		}
		if sleep(ctx, backoff(attempt, 2*time.Millisecond, 100*time.Millisecond)) != nil {
			break
		}
	}
	return s.conflictIfTransient(err)
}

// read runs fn with the querier of the store's transaction, or the database.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.t != nil {
		s.t.mu.Lock()
		defer s.t.mu.Unlock()
		if s.t.done {
			return ErrTxDone
		}
		return fn(s.t.q)
	}
	return fn(s.db)
}

func (s *Store) transient(err error) bool {
	c, _ := s.d.classify(err)
	return c == classTransient || errors.Is(err, journal.ErrConflict)
}

// conflictIfTransient reports a transaction that lost a race with a concurrent
// writer as welfare.ErrConflict (reload and retry), and one that waited too long for a
// lock as ErrBusy.
func (s *Store) conflictIfTransient(err error) error {
	if c, _ := s.d.classify(err); c == classBusy && !errors.Is(err, ErrBusy) {
		return fmt.Errorf("%w: another writer held the lock longer than the wait allowed: %w", ErrBusy, err)
	}
	if err != nil && s.transient(err) && !errors.Is(err, welfare.ErrConflict) {
		return fmt.Errorf("%w: the transaction lost a race with a concurrent writer; reload and retry: %w", welfare.ErrConflict, err)
	}
	return err
}

// Atomically runs fn with a Store bound to one transaction: fn's writes, and their
// journal leaves, commit together when fn returns nil, and none do if fn returns an
// error or panics (the panic continues after the rollback) or ctx is done by then.
// Reads through tx see tx's writes. On SQLite the transaction holds the database's
// write lock from the start, so other writers wait for it. Atomically on tx is a
// savepoint: if its fn fails, its writes alone are undone. Using tx after fn returns
// fails with ErrTxDone. A transaction aborted by the database because of a concurrent
// writer (deadlock, serialisation failure) fails with an error wrapping
// welfare.ErrConflict; it is not retried, as fn may have side effects.
func (s *Store) Atomically(ctx context.Context, fn func(tx welfare.Store) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fn == nil {
		return invalid("fn", "required")
	}
	if s.t != nil {
		return s.savepoint(ctx, fn)
	}
	err := s.runTx(ctx, func(t *txn) error {
		return fn(&Store{db: s.db, d: s.d, opts: s.opts, seq: s.seq, t: t})
	})
	return s.conflictIfTransient(err)
}

// savepoint runs fn inside the current transaction, rolling back to a savepoint if
// fn fails or panics.
func (s *Store) savepoint(ctx context.Context, fn func(tx welfare.Store) error) (err error) {
	t := s.t
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return ErrTxDone
	}
	t.sp++
	name := fmt.Sprintf("liudong_sp%d", t.sp)
	if _, err := t.q.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		t.mu.Unlock()
		return s.wrap("savepoint", err)
	}
	m := t.mark()
	t.mu.Unlock()
	ok := false
	defer func() {
		if ok {
			return
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done {
			return
		}
		bg := context.Background()
		if _, rerr := t.q.ExecContext(bg, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			err = errors.Join(err, s.wrap("rollback to savepoint", rerr))
		} else if _, rerr := t.q.ExecContext(bg, "RELEASE SAVEPOINT "+name); rerr != nil {
			err = errors.Join(err, s.wrap("release savepoint", rerr))
		}
		t.restore(m)
	}()
	err = fn(s)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("sqlstore: nested transaction rolled back: %w", ctx.Err())
	}
	if err == nil {
		t.mu.Lock()
		switch {
		case t.done:
			err = ErrTxDone
		default:
			if _, rerr := t.q.ExecContext(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
				err = s.wrap("release savepoint", rerr)
			}
		}
		t.mu.Unlock()
	}
	ok = err == nil
	return err
}

// invalid returns a validation error naming one field.
func invalid(field, rule string) error {
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: rule}}}
}
