package sqlstore_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/stretchr/testify/require"
)

// testSealer returns an AES-GCM sealer with keys derived from seed.
func testSealer(t *testing.T, seed byte) sqlstore.Sealer {
	t.Helper()
	s, err := sqlstore.NewAESGCMSealer(bytes.Repeat([]byte{seed}, 32), bytes.Repeat([]byte{seed + 100}, 32))
	require.NoError(t, err)
	return s
}

// rebind rewrites '?' placeholders for PostgreSQL.
func rebind(e engine, query string) string {
	if e.name != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tables lists every table of the schema.
var tables = []string{"children", "key_entries", "staff", "access_records", "journal_heads",
	"journal_records", "journal_hashes", "liudong_schema_migrations",
	"screening_sessions", "screening_requests", "visits", "visit_history", "visit_evidence",
	"cases", "referrals", "incidents", "activities"}

// dumpTables returns every row of every table, each column rendered as text (byte
// columns as their raw bytes, so UTF-8 text inside them shows).
func dumpTables(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		require.NoError(t, err, table)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var b strings.Builder
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					fmt.Fprintf(&b, "%s=%s|", cols[i], v)
				default:
					fmt.Fprintf(&b, "%s=%v|", cols[i], v)
				}
			}
			out[table] = append(out[table], b.String())
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}

// collect drains a scan.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	out, err := storetest.Collect(seq)
	require.NoError(t, err)
	return out
}
