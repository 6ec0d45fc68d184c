package sqlstore_test

// Reliability of issue 3 beyond errors_test.go (which covers unreachable servers, a
// missing directory, a closed database before use and cancelled contexts): a locked
// SQLite database, a full disk, a connection dropped in use, a database closed in
// the middle of a scan, and DSNs that name the wrong thing. Each gives a clear error
// (the store's wrapping, the driver's error reachable with errors.As), never a
// panic, and leaves nothing partial behind.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
)

// sqliteCode returns the primary result code of the SQLite error in err's chain, -1
// if there is none.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return -1
}

// SQLite primary result codes.
const (
	sqliteBusy  = 5
	sqliteFull  = 13
	sqliteNotDB = 26
)

// journalState is a journal's size and root hash.
func journalState(t *testing.T, s *sqlstore.Store, area string) journal.Checkpoint {
	t.Helper()
	tree, err := journal.TreeHead(context.Background(), s.Journal(area))
	require.NoError(t, err)
	return journal.Checkpoint{Size: tree.N, Hash: tree.Hash}
}

// verifyJournal checks that the area's journal verifies against the stored children
// and holds one leaf per child.
func verifyJournal(t *testing.T, s *sqlstore.Store, area string) {
	t.Helper()
	b, err := journal.Export(context.Background(), s.Journal(area))
	require.NoError(t, err)
	b.Records = exportRecords(t, s, area)
	r := journal.Verify(b, journal.Checkpoint{Size: b.TreeSize, Hash: b.TreeHash})
	require.True(t, r.OK(), "findings: %v", r.Findings)
	require.Empty(t, r.Findings)
	require.EqualValues(t, len(b.Records), b.TreeSize)
}

func countStored(t *testing.T, s *sqlstore.Store, area string) int {
	t.Helper()
	return len(collect(t, s.CensusRows(context.Background(), area)))
}

// TestLockedDatabase: while another connection holds the SQLite database's write
// lock (BEGIN EXCLUSIVE) beyond the busy timeout, writes fail with an error that
// says the database is locked (SQLITE_BUSY reachable with errors.As), in bounded
// time, without a panic and without writing anything; reads go on (WAL); once the
// lock is released, writes succeed and the journal verifies. The failure is
// sqlstore.ErrBusy, never welfare.ErrConflict, and is not retried.
func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	// The connection's busy_timeout (SQLite's own wait inside each BEGIN) and
	// Options.BusyTimeout (the store's retries of BEGIN IMMEDIATE) are both short.
	const busy = 300 * time.Millisecond
	open := func(retries int) *sqlstore.Store {
		s, db, err := sqlstore.OpenDSN(ctx, path+"?_pragma=busy_timeout(50)",
			sqlstore.Options{BusyTimeout: busy, Retries: retries})
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return s
	}
	s := open(-1)          // never retried
	retrying := open(2)    // two retries after the first attempt
	area := storetest.Area // of storetest's children
	first := storetest.NewChild(1)
	require.NoError(t, s.CreateChild(ctx, first))
	before := journalState(t, s, area)

	locker, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	require.NoError(t, err)
	defer locker.Close()
	lock, err := locker.Conn(ctx)
	require.NoError(t, err)
	defer lock.Close()
	_, err = lock.ExecContext(ctx, "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	checkLocked := func(t *testing.T, err error, elapsed, bound time.Duration) {
		t.Helper()
		require.Error(t, err)
		t.Logf("after %v: %v", elapsed.Round(time.Millisecond), err)
		require.Equal(t, sqliteBusy, sqliteCode(err), "SQLITE_BUSY in the chain: %v", err)
		msg := strings.ToLower(err.Error())
		require.True(t, strings.Contains(msg, "locked") || strings.Contains(msg, "busy"), "message: %s", msg)
		require.ErrorIs(t, err, sqlstore.ErrBusy)
		require.NotErrorIs(t, err, welfare.ErrConflict, "a lock timeout is not a lost race")
		require.True(t, strings.HasPrefix(msg, "sqlstore: ") || strings.Contains(msg, "sqlstore: begin transaction"), "wrapped by the store: %s", msg)
		require.GreaterOrEqual(t, elapsed, busy, "gave up before BusyTimeout")
		require.Less(t, elapsed, bound, "waited too long")
	}
	require.NotPanics(t, func() {
		start := time.Now()
		err := s.CreateChild(ctx, storetest.NewChild(2))
		checkLocked(t, err, time.Since(start), busy+2*time.Second)

		c := first.Clone()
		c.Name = "改名"
		start = time.Now()
		err = s.UpdateChild(ctx, c)
		checkLocked(t, err, time.Since(start), busy+2*time.Second)
		require.EqualValues(t, 1, c.Version, "a failed update leaves the caller's version")

		called := false
		start = time.Now()
		err = s.Atomically(ctx, func(tx welfare.Store) error { called = true; return nil })
		checkLocked(t, err, time.Since(start), busy+2*time.Second)
		require.False(t, called, "fn runs only once the transaction has begun")

		// With retries, each retry waits for the lock again: (Retries+1) waits at most.
		start = time.Now()
		err = retrying.CreateChild(ctx, storetest.NewChild(3))
		checkLocked(t, err, time.Since(start), 3*busy+3*time.Second)

		// Reads are not blocked by the writer's lock (WAL).
		got, err := s.GetChild(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first.Name, got.Name)
		require.Equal(t, 1, countStored(t, s, area))
	})
	require.Equal(t, before, journalState(t, s, area), "failed writes leave no leaf")

	_, err = lock.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, s.CreateChild(ctx, storetest.NewChild(2)))
	require.Equal(t, 2, countStored(t, s, area))
	verifyJournal(t, s, area)
}

// TestDiskFull: with the database file capped a few pages above its size (PRAGMA
// max_page_count on the store's only connection, SQLite's stand-in for a full
// disk), bulk loads fail with SQLITE_FULL ("database or disk is full") at whatever
// point the cap is reached: children, their indexes, the journal's leaves or hashes.
// Each failure is a clear error, no panic, and leaves nothing partial: the batch is
// absent and the journal unchanged. Raising the cap step by step, the first load
// that fits commits whole, and the journal verifies.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	s, db := sqliteEngine.open(t, sqlstore.Options{Retries: -1})
	db.SetMaxOpenConns(1) // the cap is per connection: keep one
	area := storetest.Area
	cs := make([]*welfare.Child, 200)
	for i := range cs {
		cs[i] = storetest.FullChild(i + 1)
	}
	require.NoError(t, s.CreateChildren(ctx, cs[:50]))

	var pages int64
	require.NoError(t, db.QueryRow("PRAGMA page_count").Scan(&pages))
	batch := cs[50:]
	failures := 0
	ops := map[string]int{} // the failing operation, as the error names it
	step := int64(2)        // pages added to the cap per attempt
	if raceEnabled {
		step = 6
	}
	for extra := int64(0); ; extra += step {
		limit := pages + extra
		var set int64
		require.NoError(t, db.QueryRow(fmt.Sprintf("PRAGMA max_page_count = %d", limit)).Scan(&set))
		require.Equal(t, limit, set)
		before := journalState(t, s, area)
		var err error
		require.NotPanics(t, func() { err = s.CreateChildren(ctx, batch) })
		if err == nil {
			t.Logf("the batch fitted under a cap of %d pages (%d more) after %d failures: %v", limit, extra, failures, ops)
			break
		}
		failures++
		require.Equal(t, sqliteFull, sqliteCode(err), "SQLITE_FULL in the chain: %v", err)
		require.Contains(t, err.Error(), "full")
		require.True(t, strings.HasPrefix(err.Error(), "sqlstore: "), "wrapped by the store: %v", err)
		op, _, _ := strings.Cut(err.Error(), ": sqlite error")
		ops[op]++
		require.Equal(t, 50, countStored(t, s, area), "cap %d: a partial batch was stored", limit)
		require.Equal(t, before, journalState(t, s, area), "cap %d: the journal changed", limit)
		for _, c := range batch {
			require.Zero(t, c.Version, "a failed create leaves the caller's version")
		}
		require.Less(t, extra, int64(2000), "the batch never fitted")
	}
	journalOps := 0
	for op, n := range ops {
		if strings.Contains(op, "journal") {
			journalOps += n
		}
	}
	require.Positive(t, ops["sqlstore: create children"], "the cap was never reached writing children")
	require.Positive(t, journalOps, "the cap was never reached writing the journal")
	require.Equal(t, 200, countStored(t, s, area))
	_, err := db.Exec("PRAGMA max_page_count = 1073741823")
	require.NoError(t, err)
	verifyJournal(t, s, area)
}

// TestClosedMidScan: closing the *sql.DB in the middle of a Children or CensusRows
// scan ends it with one error wrapping sqlstore.ErrClosed when the next page is
// read; rows already yielded stay valid.
func TestClosedMidScan(t *testing.T) {
	ctx := context.Background()
	for _, scan := range []string{"Children", "CensusRows"} {
		t.Run(scan, func(t *testing.T) {
			s, db := sqliteEngine.open(t, sqlstore.Options{PageSize: 10})
			require.NoError(t, s.CreateChildren(ctx, county(45)))
			var rows int
			var errs []error
			require.NotPanics(t, func() {
				next := func(err error) bool {
					if err != nil {
						errs = append(errs, err)
						return true
					}
					rows++
					if rows == 15 {
						require.NoError(t, db.Close())
					}
					return true
				}
				if scan == "Children" {
					for _, err := range s.Children(ctx, welfare.ChildFilter{Area: storetest.Area}) {
						next(err)
					}
				} else {
					for _, err := range s.CensusRows(ctx, storetest.Area) {
						next(err)
					}
				}
			})
			require.Equal(t, 20, rows, "two pages of ten yielded")
			require.Len(t, errs, 1)
			require.ErrorIs(t, errs[0], sqlstore.ErrClosed)
			t.Logf("%s: %v", scan, errs[0])
		})
	}
}

// dropper kills a database session from another connection.
type dropper struct {
	engine string
	env    string
	driver string
	// selfID returns the session ID of the connection running it; kill ends a
	// session; alive counts sessions with an ID.
	selfID, kill, alive string
}

var droppers = []dropper{
	{"postgres", envPostgres, "pgx", "SELECT pg_backend_pid()", "SELECT pg_terminate_backend(%d)",
		"SELECT count(*) FROM pg_stat_activity WHERE pid = %d"},
	{"mysql", envMySQL, "mysql", "SELECT CONNECTION_ID()", "KILL CONNECTION %d",
		"SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %d"},
}

// TestDroppedConnection (PostgreSQL, MySQL): the server ends the store's session
// (pg_terminate_backend, KILL CONNECTION, from another session) in the middle of an
// Atomically transaction: the next statement fails with a clear error wrapped by
// the store, the transaction's writes are all absent, the journal is unchanged, and
// the store goes on working on a new connection. A session ended between calls fails
// at most the next call, clearly, and the store recovers.
func TestDroppedConnection(t *testing.T) {
	for _, d := range droppers {
		t.Run(d.engine, func(t *testing.T) {
			dsn := skipUnless(t, d.engine, d.env)
			var e engine
			for _, m := range engineMakers {
				if m.name == d.engine {
					e = m.make(t)
				}
			}
			markRan(d.engine)
			testDropped(t, e, d, dsn)
		})
	}
}

func testDropped(t *testing.T, e engine, d dropper, dsn string) {
	ctx := context.Background()
	s, db := e.open(t, sqlstore.Options{Retries: -1})
	db.SetMaxOpenConns(1) // one connection, whose session we know
	admin, err := sql.Open(d.driver, dsn)
	require.NoError(t, err)
	defer admin.Close()
	area := storetest.Area
	require.NoError(t, s.CreateChild(ctx, storetest.NewChild(1)))

	session := func() int64 {
		var id int64
		require.NoError(t, db.QueryRowContext(ctx, d.selfID).Scan(&id))
		return id
	}
	kill := func(id int64) {
		_, err := admin.ExecContext(ctx, fmt.Sprintf(d.kill, id))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var n int
			require.NoError(t, admin.QueryRowContext(ctx, fmt.Sprintf(d.alive, id)).Scan(&n))
			return n == 0
		}, 10*time.Second, 10*time.Millisecond, "session %d still alive", id)
	}
	checkDropped := func(err error) {
		t.Helper()
		require.Error(t, err)
		t.Logf("dropped connection: %v", err)
		require.True(t, strings.HasPrefix(err.Error(), "sqlstore: "), "wrapped by the store: %v", err)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			require.Equal(t, "57P01", pe.Code, "admin shutdown")
		}
	}

	t.Run("inside a transaction", func(t *testing.T) {
		before := journalState(t, s, area)
		id := session()
		var err error
		require.NotPanics(t, func() {
			err = s.Atomically(ctx, func(tx welfare.Store) error {
				if err := tx.CreateChild(ctx, storetest.NewChild(2)); err != nil {
					return err
				}
				kill(id)
				return tx.CreateChild(ctx, storetest.NewChild(3))
			})
		})
		checkDropped(err)
		require.Equal(t, 1, countStored(t, s, area), "the transaction's writes are absent")
		require.Equal(t, before, journalState(t, s, area), "the journal is unchanged")
		require.NoError(t, s.CreateChild(ctx, storetest.NewChild(2)), "the store works on a new connection")
		require.NotEqual(t, id, session())
	})

	t.Run("between calls", func(t *testing.T) {
		kill(session())
		var errs int
		require.NotPanics(t, func() {
			for i := range 3 {
				if _, err := s.GetChild(ctx, storetest.NewChild(1).ID); err != nil {
					require.Zero(t, i, "only the first call after the drop may fail")
					checkDropped(err)
					errs++
				}
			}
		})
		t.Logf("%d call(s) failed after the drop", errs)
		require.NoError(t, s.CreateChild(ctx, storetest.NewChild(4)))
		require.Equal(t, 3, countStored(t, s, area))
		verifyJournal(t, s, area)
	})
}

// TestBadDSNs adds to TestBadInputs: a file that is not a SQLite database, malformed
// PostgreSQL and MySQL DSNs, and (with the servers) a database that does not exist
// and a wrong password. Each fails OpenDSN with a clear error naming the problem,
// without a panic, and no error repeats the DSN's password.
func TestBadDSNs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const secret = "s3cr3t-pw"
	notDB := filepath.Join(t.TempDir(), "notes.db")
	require.NoError(t, os.WriteFile(notDB, []byte(strings.Repeat("these are not the pages of a database\n", 200)), 0o600))

	type badDSN struct {
		name, dsn string
		want      []string // lower-case words, one of which the error must contain
	}
	cases := []badDSN{
		{"not a SQLite file", notDB, []string{"not a database"}},
		{"postgres: bad URL escape", "postgres://u:" + secret + "@127.0.0.1:5432/db%zz?sslmode=disable", []string{"cannot parse", "invalid"}},
		{"postgres: bad port", "postgres://u:" + secret + "@127.0.0.1:notaport/db?sslmode=disable", []string{"cannot parse", "invalid"}},
		{"mysql: unclosed address", "u:" + secret + "@tcp(127.0.0.1:3306/db", []string{"invalid dsn"}},
		{"mysql: bad parameter", "u:" + secret + "@tcp(127.0.0.1:3306)/db?parseTime=maybe", []string{"invalid", "parsetime", "bool"}},
	}
	if pg := os.Getenv(envPostgres); pg != "" {
		u, err := url.Parse(pg)
		require.NoError(t, err)
		missing := *u
		missing.Path = "/liudong_no_such_db"
		wrongPw := *u
		wrongPw.User = url.UserPassword("liudong_no_such_user", secret)
		cases = append(cases,
			badDSN{"postgres: no such database", missing.String(), []string{"does not exist", "3d000"}},
			badDSN{"postgres: unknown user and password", wrongPw.String(), []string{"authentication", "role", "28p01", "28000"}})
	}
	if my := os.Getenv(envMySQL); my != "" {
		cfg, err := mysql.ParseDSN(my)
		require.NoError(t, err)
		missing := cfg.Clone()
		missing.DBName = "liudong_no_such_db"
		wrongPw := cfg.Clone()
		wrongPw.User, wrongPw.Passwd = "liudong_no_such_user", secret
		cases = append(cases,
			badDSN{"mysql: no such database", missing.FormatDSN(), []string{"unknown database", "1049"}},
			badDSN{"mysql: unknown user and password", wrongPw.FormatDSN(), []string{"access denied", "1045"}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() {
				s, db, e := sqlstore.OpenDSN(ctx, tc.dsn, sqlstore.Options{})
				require.Nil(t, s)
				require.Nil(t, db)
				err = e
			})
			require.Error(t, err)
			t.Logf("%v", err)
			msg := strings.ToLower(err.Error())
			require.True(t, strings.HasPrefix(msg, "sqlstore: "), "wrapped by the store: %s", msg)
			found := false
			for _, w := range tc.want {
				found = found || strings.Contains(msg, w)
			}
			require.True(t, found, "the error should say one of %q: %s", tc.want, msg)
			require.NotContains(t, err.Error(), secret, "the error repeats the password")
		})
	}
}
