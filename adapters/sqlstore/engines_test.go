package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// Engines under test. SQLite always runs (a file in t.TempDir()); PostgreSQL and MySQL
// run when LIUDONG_POSTGRES_DSN and LIUDONG_MYSQL_DSN are set, and skip otherwise,
// unless LIUDONG_REQUIRE_ENGINES (e.g. "sqlite,postgres,mysql") lists them: then a
// skip is a failure. Every store a test opens lives in its own namespace: a fresh
// file, PostgreSQL schema lt_<random> or MySQL database lt_<random>, dropped in
// t.Cleanup.

const (
	envPostgres = "LIUDONG_POSTGRES_DSN"
	envMySQL    = "LIUDONG_MYSQL_DSN"
	envRequire  = "LIUDONG_REQUIRE_ENGINES"
)

var (
	ranMu sync.Mutex
	ran   = map[string]bool{}
)

func markRan(name string) {
	ranMu.Lock()
	ran[name] = true
	ranMu.Unlock()
}

func TestMain(m *testing.M) {
	code := m.Run()
	var names []string
	for _, e := range []string{"sqlite", "postgres", "mysql"} {
		if ran[e] {
			names = append(names, e)
		}
	}
	fmt.Printf("sqlstore: engines ran: %s\n", strings.Join(names, " "))
	os.Exit(code)
}

func required(engine string) bool {
	for _, e := range strings.Split(os.Getenv(envRequire), ",") {
		if strings.EqualFold(strings.TrimSpace(e), engine) {
			return true
		}
	}
	return false
}

// engine opens fresh, isolated stores of one database engine.
type engine struct {
	name string
	// open returns a store (with opts) in a new namespace, and the *sql.DB it uses.
	open func(t *testing.T, opts sqlstore.Options) (*sqlstore.Store, *sql.DB)
}

// skipUnless skips t (or fails it, if the engine is required) when dsn is empty.
func skipUnless(t *testing.T, name, env string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		if required(name) {
			t.Fatalf("%s is required by %s but %s is not set", name, envRequire, env)
		}
		t.Skipf("%s not set: %s tests skipped", env, name)
	}
	return dsn
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "lt_" + hex.EncodeToString(b)
}

var sqliteEngine = engine{name: "sqlite", open: func(t *testing.T, opts sqlstore.Options) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	// synchronous(NORMAL): in WAL mode commits skip the fsync (a power loss may lose
	// the last commits, never corrupt the file); OpenDSN's default keeps FULL.
	path := filepath.Join(t.TempDir(), "liudong.db") + "?_pragma=synchronous(NORMAL)"
	s, db, err := sqlstore.OpenDSN(context.Background(), path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return s, db
}}

func postgresEngine(t *testing.T) engine {
	dsn := skipUnless(t, "postgres", envPostgres)
	return engine{name: "postgres", open: func(t *testing.T, opts sqlstore.Options) (*sqlstore.Store, *sql.DB) {
		t.Helper()
		ctx := context.Background()
		admin, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		schema := randomName()
		_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
		require.NoError(t, err, "create schema")
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		q.Set("synchronous_commit", "off") // tests need no durability; commits skip the WAL flush
		u.RawQuery = q.Encode()
		db, err := sql.Open("pgx", u.String())
		require.NoError(t, err)
		t.Cleanup(func() {
			db.Close()
			_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			if err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
			admin.Close()
		})
		s, err := sqlstore.Open(ctx, db, sqlstore.Postgres, opts)
		require.NoError(t, err)
		return s, db
	}}
}

func mysqlEngine(t *testing.T) engine {
	dsn := skipUnless(t, "mysql", envMySQL)
	return engine{name: "mysql", open: func(t *testing.T, opts sqlstore.Options) (*sqlstore.Store, *sql.DB) {
		t.Helper()
		ctx := context.Background()
		admin, err := sql.Open("mysql", dsn)
		require.NoError(t, err)
		name := randomName()
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
		require.NoError(t, err, "create database")
		cfg, err := mysql.ParseDSN(dsn)
		require.NoError(t, err)
		cfg.DBName = name
		cfg.InterpolateParams = true // one round trip per statement instead of three
		db, err := sql.Open("mysql", cfg.FormatDSN())
		require.NoError(t, err)
		t.Cleanup(func() {
			db.Close()
			if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name); err != nil {
				t.Errorf("drop database %s: %v", name, err)
			}
			admin.Close()
		})
		s, err := sqlstore.Open(ctx, db, sqlstore.MySQL, opts)
		require.NoError(t, err)
		return s, db
	}}
}

// engineMakers lists the engines by name; a maker skips (or fails) its test when the
// engine is not configured.
var engineMakers = []struct {
	name string
	make func(t *testing.T) engine
}{
	{"sqlite", func(*testing.T) engine { return sqliteEngine }},
	{"postgres", postgresEngine},
	{"mysql", mysqlEngine},
}

// forEachEngine runs fn as a subtest per engine, logging which engine ran.
func forEachEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	for _, m := range engineMakers {
		t.Run(m.name, func(t *testing.T) {
			e := m.make(t)
			t.Logf("engine: %s", e.name)
			markRan(e.name)
			fn(t, e)
		})
	}
}
