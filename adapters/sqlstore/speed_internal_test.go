package sqlstore

// Speed benchmarks of issue 3 that need the package's internals: the bulk load of the
// demo county against a plain-INSERT baseline that encodes the same columns with the
// store's own encoders, the journal's append rate in the transaction sizes a bulk
// load uses, and inclusion proofs on a 1,000,000-leaf journal stored in SQLite.
// BENCHMARKS.md "Storage" gives the commands and the figures.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

var (
	demoOnce   sync.Once
	demoCounty *democounty.County
	demoErr    error
)

// demoChildren returns the children of the default demo county (12,029), generated
// once per test binary. Callers must not modify them; the loaders below write clones.
func demoChildren(tb testing.TB) []*welfare.Child {
	tb.Helper()
	demoOnce.Do(func() { demoCounty, demoErr = democounty.Generate(democounty.Options{}) })
	require.NoError(tb, demoErr)
	return demoCounty.Children
}

// cloneChildren deep-copies cs (CreateChildren sets Version on the values it gets).
func cloneChildren(cs []*welfare.Child) []*welfare.Child {
	out := make([]*welfare.Child, len(cs))
	for i, c := range cs {
		out[i] = c.Clone()
	}
	return out
}

// storeLoad writes cs with one CreateChildren call (one transaction, journal
// included) per batch of batch children.
func storeLoad(ctx context.Context, s *Store, cs []*welfare.Child, batch int) error {
	for from := 0; from < len(cs); from += batch {
		if err := s.CreateChildren(ctx, cs[from:min(from+batch, len(cs))]); err != nil {
			return err
		}
	}
	return nil
}

// plainInsertChildren is the baseline's statement: the children table's 19 columns,
// as the store writes them, rows tuples per statement.
func plainInsertChildren(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO children (" + childColumns + ") VALUES ")
	tuple := "(" + strings.Repeat("?, ", childColumnCount-1) + "?)"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// plainLoad is the baseline of the bulk load: for each batch of batch children, one
// transaction on one connection (BEGIN IMMEDIATE … COMMIT, as the store's) holding
// multi-row INSERTs of rowsPerInsert rows (the store's statement size) into the same
// children table. Each row is encoded as the store encodes it (a normalised copy, the
// public JSON document, the JSON of the sensitive fields, both lookup keys and the
// census columns); the encoders are the store's, through enc, so the rows are
// byte-identical. It does no validation, no check for existing IDs, no record hash
// and no journal.
func plainLoad(ctx context.Context, db *sql.DB, enc *Store, cs []*welfare.Child, batch int) error {
	perInsert := enc.rowsPerInsert(childColumnCount)
	for from := 0; from < len(cs); from += batch {
		chunk := cs[from:min(from+batch, len(cs))]
		if err := plainBatch(ctx, db, enc, chunk, perInsert); err != nil {
			return err
		}
	}
	return nil
}

func plainBatch(ctx context.Context, db *sql.DB, enc *Store, cs []*welfare.Child, perInsert int) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	for from := 0; from < len(cs); from += perInsert {
		part := cs[from:min(from+perInsert, len(cs))]
		args := make([]any, 0, childColumnCount*len(part))
		for _, c := range part {
			rec := normChild(c)
			rec.Version = 1
			public, secrets := splitChild(rec)
			doc, err := json.Marshal(&public)
			if err != nil {
				return err
			}
			sealed, err := json.Marshal(&secrets)
			if err != nil {
				return err
			}
			r := childRow{rec: rec, numberKey: enc.numberKey(rec.IDNumber),
				nameKey: enc.nameBirthKey(rec.Name, rec.BirthDate), document: string(doc), sealed: sealed}
			args = append(args, r.args()...)
		}
		if _, err := conn.ExecContext(ctx, plainInsertChildren(len(part)), args...); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// openBench opens a store on a new SQLite file with OpenDSN's defaults (WAL,
// synchronous FULL: every commit waits for its fsync) plus extra pragmas.
func openBench(tb testing.TB, name string, pragmas ...string) (*Store, *sql.DB) {
	tb.Helper()
	dsn := filepath.Join(tb.TempDir(), name)
	if len(pragmas) > 0 {
		dsn += "?_pragma=" + strings.Join(pragmas, "&_pragma=")
	}
	s, db, err := OpenDSN(context.Background(), dsn, Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	return s, db
}

func countChildren(tb testing.TB, db *sql.DB) int {
	tb.Helper()
	var n int
	require.NoError(tb, db.QueryRow("SELECT COUNT(*) FROM children").Scan(&n))
	return n
}

// BenchmarkBulkLoad loads the 12,029-child demo county into SQLite in transactions of
// batch children, once through the store (CreateChildren per batch: validation, the
// check for existing IDs, record hashes, and the journal: leaves, tree hashes and the
// head, in the same transaction) and once through the plain baseline (plainLoad: the
// same rows, the same statements' size, the same transactions, no journal). Each
// iteration runs both, each on a fresh file of the same schema, in alternating order,
// so the ratio compares the two under the same conditions. Metrics: journaled-ns and
// plain-ns per load, ratio = journaled / plain (target ≤ 1.5), children/s of each.
func BenchmarkBulkLoad(b *testing.B) {
	ctx := context.Background()
	county := demoChildren(b)
	for _, batch := range []int{500, democounty.LoadBatch} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var journaled, plain time.Duration
			runStore := func() {
				b.StopTimer()
				s, db := openBench(b, "store.db")
				cs := cloneChildren(county)
				b.StartTimer()
				start := time.Now()
				require.NoError(b, storeLoad(ctx, s, cs, batch))
				journaled += time.Since(start)
				b.StopTimer()
				require.Equal(b, len(county), countChildren(b, db))
				size, err := s.Journal(county[0].AreaCode).Size(ctx)
				require.NoError(b, err)
				require.EqualValues(b, len(county), size)
				db.Close()
				b.StartTimer()
			}
			runPlain := func() {
				b.StopTimer()
				s, db := openBench(b, "plain.db")
				cs := cloneChildren(county)
				b.StartTimer()
				start := time.Now()
				require.NoError(b, plainLoad(ctx, db, s, cs, batch))
				plain += time.Since(start)
				b.StopTimer()
				require.Equal(b, len(county), countChildren(b, db))
				db.Close()
				b.StartTimer()
			}
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					runStore()
					runPlain()
				} else {
					runPlain()
					runStore()
				}
				i++
			}
			n := float64(b.N)
			b.ReportMetric(float64(journaled.Nanoseconds())/n, "journaled-ns/op")
			b.ReportMetric(float64(plain.Nanoseconds())/n, "plain-ns/op")
			b.ReportMetric(journaled.Seconds()/plain.Seconds(), "ratio")
			b.ReportMetric(float64(len(county))*n/journaled.Seconds(), "journaled-children/s")
			b.ReportMetric(float64(len(county))*n/plain.Seconds(), "plain-children/s")
		})
	}
}

// benchLeaves returns n leaves shaped like a bulk load's: UUID IDs, one actor, one time.
func benchLeaves(n int) []journal.Leaf {
	rng := rand.New(rand.NewPCG(7, 8))
	out := make([]journal.Leaf, n)
	at := time.Date(2025, 6, 30, 8, 0, 0, 0, time.UTC)
	for i := range out {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], rng.Uint64())
		binary.BigEndian.PutUint64(id[8:], rng.Uint64())
		out[i] = journal.Leaf{Kind: welfare.EntityChild, ID: id.String(), Version: 1,
			RecordSHA256: sha256.Sum256(id[:]), Time: at, Actor: "0195f3c2-1d2e-7abc-8def-0123456789ab"}
	}
	return out
}

// BenchmarkJournalAppendBatches appends leaves to a SQLite journal in transactions
// of batch leaves, each committed (fsync, OpenDSN's defaults), 20,000 leaves per
// iteration: the journal's share of a bulk load in batches. Target ≥ 20,000 leaves/s.
// (BenchmarkJournalAppend is the single 20,000-leaf transaction.)
func BenchmarkJournalAppendBatches(b *testing.B) {
	const perOp = 20000
	ctx := context.Background()
	leaves := benchLeaves(perOp)
	for _, batch := range []int{500, democounty.LoadBatch, perOp} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, _ := openBench(b, "j.db")
			for b.Loop() {
				for from := 0; from < perOp; from += batch {
					err := s.runTx(ctx, func(t *txn) error {
						t.addLeaves("360121", leaves[from:min(from+batch, perOp)]...)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(perOp*b.N)/b.Elapsed().Seconds(), "leaves/s")
			size, err := s.Journal("360121").Size(ctx)
			require.NoError(b, err)
			require.EqualValues(b, perOp*b.N, size)
		})
	}
}

// buildJournal appends n small records (8-byte big-endian counters) to area's
// journal in transactions of 100,000, through the store's own append path
// (journal.AppendRecords on the transaction's journal storage), so the hashes table
// is exactly what leaves would produce; the records' size does not matter to proofs,
// which read only hashes. The file runs with synchronous OFF while it is built.
func buildJournal(tb testing.TB, s *Store, area string, n int64) {
	tb.Helper()
	ctx := context.Background()
	const batch = 100_000
	records := make([][]byte, batch)
	for i := range records {
		records[i] = make([]byte, 8)
	}
	for next := int64(0); next < n; next += batch {
		k := min(batch, n-next)
		for i := range k {
			binary.BigEndian.PutUint64(records[i], uint64(next+i))
		}
		err := s.runTx(ctx, func(t *txn) error {
			_, err := journal.AppendRecords(ctx, &txJournal{s: s, q: t.q, area: area, reserve: k}, records[:k]...)
			return err
		})
		require.NoError(tb, err)
	}
}

// BenchmarkProveInclusionSQLite proves a random leaf's inclusion in a journal of
// 1,000,000 leaves stored in a SQLite file (10,000 with -short), through the
// store's read view: one query for the size, one for the proof's hashes. Target:
// under 1 ms. The build time is logged; ten proofs are checked against the tree head
// before the timed loop.
func BenchmarkProveInclusionSQLite(b *testing.B) {
	ctx := context.Background()
	n := int64(1_000_000)
	if testing.Short() {
		n = 10_000
	}
	const area = "360121"
	s, db := openBench(b, "proofs.db", "synchronous(OFF)")
	start := time.Now()
	buildJournal(b, s, area, n)
	var pages, pageSize int64
	require.NoError(b, db.QueryRow("PRAGMA page_count").Scan(&pages))
	require.NoError(b, db.QueryRow("PRAGMA page_size").Scan(&pageSize))
	b.Logf("built a %d-leaf SQLite journal (%d MB file) in %v", n, pages*pageSize>>20, time.Since(start).Round(time.Millisecond))
	j := s.Journal(area)
	tree, err := journal.TreeHead(ctx, j)
	require.NoError(b, err)
	require.Equal(b, n, tree.N)
	// A few proofs, checked, before timing.
	rng := rand.New(rand.NewPCG(9, 10))
	for range 10 {
		i := rng.Int64N(n)
		p, err := journal.ProveInclusion(ctx, j, i, n)
		require.NoError(b, err)
		rec := make([]byte, 8)
		binary.BigEndian.PutUint64(rec, uint64(i))
		require.NoError(b, journal.CheckInclusion(p, tree, i, rec))
	}
	b.Run("leaves="+strconv.FormatInt(n, 10), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := journal.ProveInclusion(ctx, j, rng.Int64N(n), n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
