package sqlstore

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Dialect is the SQL flavour of one database engine: placeholder style, the few
// statements that differ (locking a journal head, upserts), transaction start, and how
// the driver reports duplicate keys and transient failures. Use one of [SQLite],
// [Postgres] and [MySQL], or [DialectFor].
type Dialect struct {
	kind dialectKind
}

type dialectKind uint8

const (
	kindSQLite dialectKind = iota + 1
	kindPostgres
	kindMySQL
)

// The supported dialects.
var (
	// SQLite is SQLite 3.35 or later through modernc.org/sqlite (driver "sqlite").
	SQLite = Dialect{kindSQLite}
	// Postgres is PostgreSQL 12 or later (and compatible engines) through
	// github.com/jackc/pgx/v5/stdlib (driver "pgx").
	Postgres = Dialect{kindPostgres}
	// MySQL is MySQL 8 or MariaDB 10.5 or later (and compatible engines) through
	// github.com/go-sql-driver/mysql (driver "mysql").
	MySQL = Dialect{kindMySQL}
)

// String returns "sqlite", "postgres" or "mysql".
func (d Dialect) String() string {
	switch d.kind {
	case kindSQLite:
		return "sqlite"
	case kindPostgres:
		return "postgres"
	case kindMySQL:
		return "mysql"
	}
	return "unknown"
}

// DriverName returns the database/sql driver name the dialect is tested with.
func (d Dialect) DriverName() string {
	switch d.kind {
	case kindSQLite:
		return "sqlite"
	case kindPostgres:
		return "pgx"
	case kindMySQL:
		return "mysql"
	}
	return ""
}

func (d Dialect) valid() bool { return d.kind >= kindSQLite && d.kind <= kindMySQL }

// DialectFor returns the dialect of a database/sql driver name: "sqlite" (also
// "sqlite3"), "pgx" (also "pgx/v5", "postgres", "postgresql") or "mysql".
func DialectFor(driverName string) (Dialect, error) {
	switch strings.ToLower(driverName) {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "pgx", "pgx/v5", "postgres", "postgresql":
		return Postgres, nil
	case "mysql", "mariadb":
		return MySQL, nil
	}
	return Dialect{}, fmt.Errorf("sqlstore: no dialect for driver %q (want sqlite, pgx or mysql)", driverName)
}

// sqlCache holds statements rewritten for the dialect's placeholders. Statements are
// written with '?' placeholders (none of them has a '?' inside a literal).
var sqlCache sync.Map // key: rebindKey, value: string

type rebindKey struct {
	kind  dialectKind
	query string
}

// q returns query with the dialect's placeholders.
func (d Dialect) q(query string) string {
	if d.kind != kindPostgres {
		return query
	}
	k := rebindKey{d.kind, query}
	if v, ok := sqlCache.Load(k); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	s := b.String()
	sqlCache.Store(k, s)
	return s
}

type valuesKey struct {
	kind   dialectKind
	prefix string
	cols   int
	rows   int
}

// insertValues returns prefix followed by rows tuples of cols placeholders each,
// "(?, ?), (?, ?)", rewritten for the dialect: the multi-row INSERT of bulk writes.
func (d Dialect) insertValues(prefix string, cols, rows int) string {
	k := valuesKey{d.kind, prefix, cols, rows}
	if v, ok := sqlCache.Load(k); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(prefix) + rows*(cols*3+4))
	b.WriteString(prefix)
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	s := d.q(b.String())
	sqlCache.Store(k, s)
	return s
}

// inList returns "?, ?, ?" with n placeholders (to be rewritten by q).
func inList(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// latestRead is the clause that makes a SELECT inside a transaction read the latest
// committed rows: needed on MySQL, whose REPEATABLE READ reads a snapshot otherwise.
// PostgreSQL (READ COMMITTED) and SQLite (serialised writers) read the latest anyway.
func (d Dialect) latestRead() string {
	if d.kind == kindMySQL {
		return " FOR UPDATE"
	}
	return ""
}

// errClass is what a store does with a driver error.
type errClass uint8

const (
	classOther     errClass = iota
	classUnique             // a unique or primary key was violated
	classTransient          // deadlock or serialisation failure: the transaction lost a race; retry
	classBusy               // another writer held a lock past the wait allowed: ErrBusy
)

// classify inspects a driver error. For a unique violation it also returns text that
// names the violated constraint or columns (never the duplicated values).
func (d Dialect) classify(err error) (errClass, string) {
	if err == nil {
		return classOther, ""
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == 2067 || code == 1555: // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
			return classUnique, se.Error()
		case code&0xff == 5 || code&0xff == 6: // SQLITE_BUSY*, SQLITE_LOCKED*
			return classBusy, ""
		}
		return classOther, ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return classUnique, pe.ConstraintName
		case "40001", "40P01":
			return classTransient, ""
		case "55P03": // lock_not_available
			return classBusy, ""
		}
		return classOther, ""
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1062:
			// "Duplicate entry '<value>' for key '<name>'": keep only the key name.
			msg := me.Message
			if i := strings.LastIndex(msg, " for key "); i >= 0 {
				return classUnique, msg[i:]
			}
			return classUnique, ""
		case 1213: // deadlock
			return classTransient, ""
		case 1205: // lock wait timeout
			return classBusy, ""
		}
	}
	return classOther, ""
}

// quoted matches quoted text in driver messages, which may hold values.
var quoted = regexp.MustCompile(`'[^']*'|"[^"]*"`)

// dbError wraps a driver error. Its message names the operation and the engine's
// error code and text with quoted parts (which may hold values, hence personal data)
// removed; Unwrap gives the driver's error.
type dbError struct {
	op  string
	err error
}

func (e *dbError) Error() string {
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	var se *sqlite.Error
	switch {
	case errors.As(e.err, &pe):
		return fmt.Sprintf("sqlstore: %s: postgres error %s: %s", e.op, pe.Code, quoted.ReplaceAllString(pe.Message, "'…'"))
	case errors.As(e.err, &me):
		return fmt.Sprintf("sqlstore: %s: mysql error %d: %s", e.op, me.Number, quoted.ReplaceAllString(me.Message, "'…'"))
	case errors.As(e.err, &se):
		return fmt.Sprintf("sqlstore: %s: sqlite error %d: %s", e.op, se.Code(), quoted.ReplaceAllString(se.Error(), "'…'"))
	}
	return fmt.Sprintf("sqlstore: %s: %v", e.op, e.err)
}

func (e *dbError) Unwrap() error { return e.err }
