package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// ErrSchemaTooNew reports a database whose schema was migrated by a newer version of
// this library than the running one; opening it could corrupt it, so Open refuses.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this code")

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered schema step: the statements of migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version    int64
	name       string
	statements []string
}

// migrationsFor returns the dialect's migrations in version order.
func migrationsFor(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations for %s: %w", d, err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, statements: splitStatements(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("sqlstore: two migrations with version %d", out[i].version)
		}
	}
	return out, nil
}

// splitStatements splits a migration file into statements: comment lines ("--") are
// dropped and every statement ends with ';' at the end of a line.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(src) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, s)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// createMigrationsTable is run before the migration transaction; it is the one table
// every version of the schema shares, so it is not itself a migration.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS liudong_schema_migrations (
	version    BIGINT NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// lockMigrationsPostgres serialises concurrent openers on PostgreSQL until commit.
// SQLite's BEGIN IMMEDIATE serialises them already; on MySQL DDL commits implicitly,
// so there every migration statement is idempotent and a concurrent opener's version
// row is accepted.
const lockMigrationsPostgres = `LOCK TABLE liudong_schema_migrations IN SHARE ROW EXCLUSIVE MODE`

const selectSchemaVersion = `SELECT COALESCE(MAX(version), 0) FROM liudong_schema_migrations`

const insertSchemaVersion = `INSERT INTO liudong_schema_migrations (version, applied_at) VALUES (?, ?)`

const selectAppliedVersions = `SELECT version FROM liudong_schema_migrations`

// migrate applies the migrations the database lacks, in one transaction (on engines
// with transactional DDL), and records each in liudong_schema_migrations. It is a
// no-op on an up-to-date database and fails with ErrSchemaTooNew on a newer one.
func (s *Store) migrate(ctx context.Context) error {
	migs, err := migrationsFor(s.d)
	if err != nil {
		return err
	}
	known := int64(0)
	if len(migs) > 0 {
		known = migs[len(migs)-1].version
	}
	if _, err := s.db.ExecContext(ctx, createMigrationsTable); err != nil {
		return &dbError{"create liudong_schema_migrations", err}
	}
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	err = func() error {
		if s.d == Postgres {
			if _, err := t.q.ExecContext(ctx, lockMigrationsPostgres); err != nil {
				return &dbError{"lock liudong_schema_migrations", err}
			}
		}
		var have int64
		if err := t.q.QueryRowContext(ctx, selectSchemaVersion).Scan(&have); err != nil {
			return &dbError{"read schema version", err}
		}
		if have > known {
			return fmt.Errorf("%w: the database is at schema version %d but this build of liudong knows versions up to %d; open it with a newer liudong", ErrSchemaTooNew, have, known)
		}
		// Every known migration the database has not recorded is applied, in order, so a
		// database that recorded a later migration first (branches landing out of order)
		// still gets the earlier one.
		applied := map[int64]bool{}
		rows, err := t.q.QueryContext(ctx, selectAppliedVersions)
		if err != nil {
			return &dbError{"read applied migrations", err}
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return &dbError{"read applied migrations", err}
			}
			applied[v] = true
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return &dbError{"read applied migrations", err}
		}
		if err := rows.Close(); err != nil {
			return &dbError{"read applied migrations", err}
		}
		for _, m := range migs {
			if applied[m.version] {
				continue
			}
			for i, stmt := range m.statements {
				if _, err := t.q.ExecContext(ctx, stmt); err != nil {
					return &dbError{fmt.Sprintf("migration %s statement %d", m.name, i+1), err}
				}
			}
			_, err := t.q.ExecContext(ctx, s.d.q(insertSchemaVersion), m.version, s.now().UnixMicro())
			if err != nil {
				if c, _ := s.d.classify(err); c == classUnique && s.d == MySQL {
					continue // a concurrent opener applied it; the statements are idempotent
				}
				return &dbError{"record migration " + m.name, err}
			}
			s.opts.Logger.Info("sqlstore: applied migration " + m.name)
		}
		return nil
	}()
	if err != nil {
		t.end(false)
		return err
	}
	return t.end(true)
}

// SchemaVersion returns the schema version recorded in the database.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, selectSchemaVersion).Scan(&v); err != nil {
		return 0, &dbError{"read schema version", err}
	}
	return v.Int64, nil
}
