package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

func TestDialectFor(t *testing.T) {
	for _, tc := range []struct {
		driver string
		want   sqlstore.Dialect
	}{
		{"sqlite", sqlstore.SQLite}, {"sqlite3", sqlstore.SQLite}, {"pgx", sqlstore.Postgres},
		{"postgres", sqlstore.Postgres}, {"mysql", sqlstore.MySQL},
	} {
		d, err := sqlstore.DialectFor(tc.driver)
		require.NoError(t, err, tc.driver)
		require.Equal(t, tc.want, d)
	}
	_, err := sqlstore.DialectFor("oracle")
	require.ErrorContains(t, err, `no dialect for driver "oracle"`)
	require.Equal(t, "postgres", sqlstore.Postgres.String())
	require.Equal(t, "pgx", sqlstore.Postgres.DriverName())
}

func TestDetectDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn, driverDSN string
		want           sqlstore.Dialect
	}{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", sqlstore.Postgres},
		{"postgresql://u@h/db", "postgresql://u@h/db", sqlstore.Postgres},
		{"root@tcp(127.0.0.1:3306)/test?parseTime=true", "root@tcp(127.0.0.1:3306)/test?parseTime=true&interpolateParams=true", sqlstore.MySQL},
		{"mysql://u:p@tcp(h)/db", "u:p@tcp(h)/db?interpolateParams=true", sqlstore.MySQL},
		{"u@unix(/run/mysqld.sock)/db?interpolateParams=false", "u@unix(/run/mysqld.sock)/db?interpolateParams=false", sqlstore.MySQL},
		{"data/liudong.db", "data/liudong.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)", sqlstore.SQLite},
		{"sqlite://x.db?_pragma=journal_mode(DELETE)", "x.db?_pragma=journal_mode(DELETE)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)", sqlstore.SQLite},
		{"file:x.db?mode=ro", "file:x.db?mode=ro&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)", sqlstore.SQLite},
	} {
		d, driverDSN, err := sqlstore.DetectDSN(tc.dsn)
		require.NoError(t, err, tc.dsn)
		require.Equal(t, tc.want, d, tc.dsn)
		require.Equal(t, tc.driverDSN, driverDSN, tc.dsn)
	}
	for _, bad := range []string{"", "  ", "sqlite://"} {
		_, _, err := sqlstore.DetectDSN(bad)
		require.Error(t, err, "%q", bad)
	}
}

// TestBadInputs: unreachable databases, a closed database and cancelled contexts give
// clear errors, never panics.
func TestBadInputs(t *testing.T) {
	ctx := context.Background()
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"",
		"postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2",
		"nobody@tcp(127.0.0.1:1)/none?timeout=2s",
		filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"),
	} {
		require.NotPanics(t, func() {
			s, db, err := sqlstore.OpenDSN(short, dsn, sqlstore.Options{})
			require.Error(t, err, "%q", dsn)
			require.Nil(t, s)
			require.Nil(t, db)
			t.Logf("OpenDSN(%q): %v", dsn, err)
		})
	}

	_, err := sqlstore.Open(ctx, nil, sqlstore.SQLite, sqlstore.Options{})
	require.Error(t, err)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlstore.Open(ctx, db, sqlstore.Dialect{}, sqlstore.Options{})
	require.ErrorContains(t, err, "dialect")
	cancelled, stop := context.WithCancel(ctx)
	stop()
	_, err = sqlstore.Open(cancelled, db, sqlstore.SQLite, sqlstore.Options{})
	require.ErrorIs(t, err, context.Canceled)
	_, _, err = sqlstore.OpenDSN(cancelled, filepath.Join(t.TempDir(), "y.db"), sqlstore.Options{})
	require.ErrorIs(t, err, context.Canceled)

	// A closed database: every call fails with ErrClosed.
	s, sdb := sqliteEngine.open(t, sqlstore.Options{})
	c := storetest.NewChild(1)
	require.NoError(t, s.CreateChild(ctx, c))
	require.NoError(t, sdb.Close())
	require.NotPanics(t, func() {
		_, err := s.GetChild(ctx, c.ID)
		require.ErrorIs(t, err, sqlstore.ErrClosed)
		require.ErrorIs(t, s.CreateChild(ctx, storetest.NewChild(2)), sqlstore.ErrClosed)
		require.ErrorIs(t, s.UpdateChild(ctx, c), sqlstore.ErrClosed)
		require.ErrorIs(t, s.Atomically(ctx, func(welfare.Store) error { return nil }), sqlstore.ErrClosed)
		n := 0
		for _, err := range s.Children(ctx, welfare.ChildFilter{Area: storetest.Area}) {
			require.ErrorIs(t, err, sqlstore.ErrClosed)
			n++
		}
		require.Equal(t, 1, n)
		_, err = s.Journal(storetest.Area).Size(ctx)
		require.ErrorIs(t, err, sqlstore.ErrClosed)
		t.Logf("closed database: %v", err)
	})
}

// FuzzDetectDSN: any string is classified or rejected without panicking.
func FuzzDetectDSN(f *testing.F) {
	for _, s := range []string{"postgres://u@h/db", "root@tcp(h:3306)/db", "mysql://x", "a.db", "file:a.db?x=1", "sqlite://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		d, out, err := sqlstore.DetectDSN(dsn)
		if err != nil {
			return
		}
		require.NotEmpty(t, out)
		require.Contains(t, []string{"sqlite", "postgres", "mysql"}, d.String())
	})
}
