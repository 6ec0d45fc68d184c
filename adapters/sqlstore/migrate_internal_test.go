package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// TestMigrationsOutOfOrder: a database that recorded a later migration before an
// earlier one (branches landing out of order) gets the missing one applied on open.
func TestMigrationsOutOfOrder(t *testing.T) {
	ctx := context.Background()
	migs, err := migrationsFor(SQLite)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(migs), 4)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "gap.db")+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, createMigrationsTable)
	require.NoError(t, err)
	for _, m := range migs {
		if m.version != 1 && m.version != 2 && m.version != 4 {
			continue // as if 3 and later had not landed when 4 was applied
		}
		for _, stmt := range m.statements {
			_, err := db.ExecContext(ctx, stmt)
			require.NoError(t, err, m.name)
		}
		_, err = db.ExecContext(ctx, "INSERT INTO liudong_schema_migrations (version, applied_at) VALUES (?, 0)", m.version)
		require.NoError(t, err)
	}

	s, err := Open(ctx, db, SQLite, Options{})
	require.NoError(t, err, "the missing migrations are applied")
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, migs[len(migs)-1].version, v)
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM liudong_schema_migrations").Scan(&n))
	require.Equal(t, len(migs), n, "every migration recorded once")
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM visits").Scan(&n), "migration 3 applied")
}
