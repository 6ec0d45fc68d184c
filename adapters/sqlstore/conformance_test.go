package sqlstore_test

import (
	"database/sql"
	"testing"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/welfare"
)

// The engines' runs are independent (each store in its own namespace) and spend
// much of their time waiting for the database, so they run in parallel.
// Every store offers the read view of its journal the suite's journal checks use.
var _ storetest.Journaled = (*sqlstore.Store)(nil)

func runConformance(t *testing.T, e engine) {
	t.Parallel()
	t.Logf("engine: %s", e.name)
	markRan(e.name)
	storetest.Run(t, func(t *testing.T) welfare.Store {
		s, _ := e.open(t, sqlstore.Options{})
		return s
	})
}

func TestConformanceSQLite(t *testing.T) { runConformance(t, sqliteEngine) }

func TestConformancePostgres(t *testing.T) { runConformance(t, postgresEngine(t)) }

func TestConformanceMySQL(t *testing.T) { runConformance(t, mysqlEngine(t)) }

// TestConformanceSealed runs the suite once more on SQLite with a Sealer: sealing
// must not change what the store returns.
func TestConformanceSealed(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("the sealed rerun of the suite is skipped with -race and -short (TestSealing still runs)")
	}
	runConformance(t, engine{name: "sqlite", open: func(t *testing.T, opts sqlstore.Options) (*sqlstore.Store, *sql.DB) {
		opts.Sealer = testSealer(t, 1)
		return sqliteEngine.open(t, opts)
	}})
}
