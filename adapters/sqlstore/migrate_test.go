package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/stretchr/testify/require"
)

// TestMigrations: opening an up-to-date database again is a no-op that keeps the
// data; a database migrated by a newer version is refused with ErrSchemaTooNew.
func TestMigrations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, db := e.open(t, sqlstore.Options{})
		files, err := filepath.Glob(filepath.Join("migrations", s.Dialect().String(), "*.sql"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		require.EqualValues(t, len(files), v, "migrations are numbered 1..n without gaps")
		c := storetest.FullChild(1)
		require.NoError(t, s.CreateChild(ctx, c))

		for range 2 {
			again, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{})
			require.NoError(t, err, "reopening is a no-op")
			_, err = again.GetChild(ctx, c.ID)
			require.NoError(t, err)
		}
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM liudong_schema_migrations").Scan(&n))
		require.Equal(t, len(files), n, "each migration is recorded once")

		_, err = db.ExecContext(ctx, rebind(e, "INSERT INTO liudong_schema_migrations (version, applied_at) VALUES (?, ?)"), 99, 0)
		require.NoError(t, err)
		_, err = sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{})
		require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
		require.Contains(t, err.Error(), "version 99")
		t.Logf("engine %s: %v", e.name, err)
	})
}
