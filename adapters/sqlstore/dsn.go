package sqlstore

// This file is the host-convenience path: it imports the three drivers, which
// registers "sqlite" (modernc.org/sqlite), "pgx" (github.com/jackc/pgx/v5/stdlib) and
// "mysql" (github.com/go-sql-driver/mysql) with database/sql as a side effect of
// importing this package. Hosts that register their own drivers use Open with their
// own *sql.DB.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	_ "github.com/go-sql-driver/mysql" // driver "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)

// sqlitePragmas are added to SQLite file DSNs by OpenDSN: wait up to 5 s for a lock,
// write-ahead logging (readers never block the writer), foreign keys on.
var sqlitePragmas = []string{"_pragma=busy_timeout(5000)", "_pragma=journal_mode(WAL)", "_pragma=foreign_keys(1)"}

// DetectDSN returns the dialect and the driver's DSN for dsn, as OpenDSN reads it:
//
//   - "postgres://…" or "postgresql://…": PostgreSQL through pgx, unchanged;
//   - "mysql://DSN", or a go-sql-driver DSN containing "@tcp(" or "@unix(" such as
//     "user:pass@tcp(host:3306)/db?parseTime=true": MySQL, without the "mysql://", with
//     interpolateParams=true added unless the DSN sets it;
//   - anything else is a SQLite file path or "file:" URI ("sqlite://" and "sqlite:"
//     prefixes are removed), with busy_timeout(5000), journal_mode(WAL) and
//     foreign_keys(1) pragmas appended unless the DSN sets them.
func DetectDSN(dsn string) (Dialect, string, error) {
	dsn = strings.TrimSpace(dsn)
	lower := strings.ToLower(dsn)
	switch {
	case dsn == "":
		return Dialect{}, "", errors.New("sqlstore: empty DSN")
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return Postgres, dsn, nil
	case strings.HasPrefix(lower, "mysql://"):
		return MySQL, mysqlDSN(dsn[len("mysql://"):]), nil
	case strings.Contains(dsn, "@tcp(") || strings.Contains(dsn, "@unix("):
		return MySQL, mysqlDSN(dsn), nil
	}
	for _, p := range []string{"sqlite://", "sqlite:"} {
		if strings.HasPrefix(lower, p) {
			dsn = dsn[len(p):]
			break
		}
	}
	if dsn == "" {
		return Dialect{}, "", errors.New("sqlstore: SQLite DSN without a file name")
	}
	var add []string
	for _, p := range sqlitePragmas {
		name := p[len("_pragma="):strings.IndexByte(p, '(')]
		if !strings.Contains(strings.ToLower(dsn), name) {
			add = append(add, p)
		}
	}
	if len(add) > 0 {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + strings.Join(add, "&")
	}
	return SQLite, dsn, nil
}

// mysqlDSN adds interpolateParams=true unless dsn sets it: the driver then sends one
// statement per call instead of preparing, executing and closing it (three round trips).
func mysqlDSN(dsn string) string {
	if strings.Contains(dsn, "interpolateParams") {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&interpolateParams=true"
	}
	return dsn + "?interpolateParams=true"
}

// OpenDSN opens the database dsn names (see DetectDSN for how the engine is chosen),
// checks the connection and opens a Store on it. The caller closes the returned
// *sql.DB after the store's last use. An in-memory SQLite database (":memory:" or
// mode=memory) is limited to one connection, since each connection would otherwise
// see its own empty database; with it, use only the Store an Atomically function
// receives inside that function.
func OpenDSN(ctx context.Context, dsn string, opts Options) (*Store, *sql.DB, error) {
	d, driverDSN, err := DetectDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	if d == SQLite { // the connection's own wait follows Options.BusyTimeout
		ms := opts.withDefaults().BusyTimeout.Milliseconds()
		driverDSN = strings.Replace(driverDSN, "_pragma=busy_timeout(5000)", fmt.Sprintf("_pragma=busy_timeout(%d)", ms), 1)
	}
	db, err := sql.Open(d.DriverName(), driverDSN)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: open %s database: %w", d, err)
	}
	if d == SQLite && (strings.Contains(driverDSN, ":memory:") || strings.Contains(driverDSN, "mode=memory")) {
		db.SetMaxOpenConns(1)
	}
	s, err := Open(ctx, db, d, opts)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db, nil
}
