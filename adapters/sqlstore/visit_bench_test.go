package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// complianceSQL is the baseline of BenchmarkVisitCompliance: the aggregation a county
// developer would write by hand over the store's SQLite tables instead of calling
// visit.Service.Compliance. It computes the county totals of
//
//   - VS-1/VS-2: the children monitored (在册) on at least one day of the programme
//     Period up to the query day (from the lifecycle events in the child's document),
//     those with a completed visit in the Period up to the query time, and those with a
//     completed home visit;
//   - VS-3: for every key child (an open ledger entry, not exited) and every Beijing
//     month of the Period begun by the query day, the member days (projected to the
//     month's end for the current month when the child is a member on the query day),
//     whether the month is due (member days ≥ min(min_days, days of the month)), and
//     whether a completed home visit with a photo took place in it: periods met, open
//     and missed, children met, open and short.
//
// Parameters: ?1 area, ?2 and ?3 the Period's first and last day (days since
// 1970-01-01), ?4 the query day, ?5 the query time (µs), ?6 min_days, ?7 and ?8 the
// Period's bounds in µs (Beijing midnights, end exclusive). Dates are day numbers,
// Beijing days of visit starts are ranges of start_us. It reads only what the verdicts
// need (the lifecycle, the ledger dates, the mode, outcome and start columns and the
// photo rows of visit_evidence) and decodes no visit.
const complianceSQL = `WITH RECURSIVE
ev AS (
	SELECT c.id AS cid, CAST(j.key AS INTEGER) AS k, json_extract(j.value, '$.to') AS st,
		CAST(julianday(json_extract(j.value, '$.on')) - 2440587.5 AS INTEGER) AS f
	FROM children c, json_each(c.document, '$.lifecycle') j
	WHERE c.area_code = ?1
),
spans AS MATERIALIZED (
	SELECT cid, st, f, COALESCE(LEAD(f) OVER (PARTITION BY cid ORDER BY k), 1 << 40) AS t
	FROM ev WHERE f <= ?4
),
pop AS (
	SELECT DISTINCT cid FROM spans WHERE st = 'monitored' AND f <= min(?3, ?4) AND t > ?2
),
done AS (
	SELECT child_id, MAX(mode = 'home') AS home FROM visits
	WHERE area_code = ?1 AND outcome = 'completed' AND start_us >= ?7 AND start_us < ?8 AND start_us <= ?5
	GROUP BY child_id
),
vs12 AS (
	SELECT COUNT(*) AS children, COUNT(d.child_id) AS visited, COALESCE(SUM(d.home), 0) AS home
	FROM pop p LEFT JOIN done d ON d.child_id = p.cid
),
led AS MATERIALIZED (
	SELECT child_id AS cid,
		CAST(julianday(json_extract(document, '$.opened')) - 2440587.5 AS INTEGER) AS o,
		COALESCE(CAST(julianday(json_extract(document, '$.closed')) - 2440587.5 AS INTEGER), 1 << 40) AS cl
	FROM key_entries WHERE area_code = ?1
),
known AS (
	SELECT cid, o, CASE WHEN cl <= ?4 THEN cl ELSE 1 << 40 END AS cl FROM led WHERE o <= ?4
),
days(d) AS (
	SELECT ?2 UNION ALL SELECT d + 1 FROM days WHERE d < min(?3, ?4)
),
member AS MATERIALIZED (
	SELECT DISTINCT l.cid, days.d
	FROM known l
	JOIN days ON days.d >= l.o AND days.d < l.cl
	JOIN spans s ON s.cid = l.cid AND s.st IN ('monitored', 'identified') AND s.f <= days.d AND days.d < s.t
),
months(ms, me) AS (
	SELECT ?2, min(?3, CAST(julianday(date(?2 * 86400, 'unixepoch', 'start of month', '+1 month')) - 2440587.5 AS INTEGER) - 1)
	UNION ALL
	SELECT me + 1, min(?3, CAST(julianday(date((me + 1) * 86400, 'unixepoch', 'start of month', '+1 month')) - 2440587.5 AS INTEGER) - 1)
	FROM months WHERE me < ?3 AND me + 1 <= ?4
),
mdays AS (
	SELECT m.cid, mo.ms, mo.me,
		COUNT(*) + CASE WHEN mo.me > ?4 AND MAX(m.d = ?4) = 1 THEN mo.me - ?4 ELSE 0 END AS md
	FROM member m JOIN months mo ON m.d BETWEEN mo.ms AND mo.me
	GROUP BY m.cid, mo.ms, mo.me
),
due AS MATERIALIZED (
	SELECT cid, ms, me FROM mdays WHERE md >= min(?6, me - ms + 1)
),
hv AS (
	SELECT DISTINCT d.cid, d.ms
	FROM due d
	JOIN visits v ON v.area_code = ?1 AND v.child_id = d.cid
		AND v.start_us >= (d.ms * 86400 - 28800) * 1000000 AND v.start_us < ((d.me + 1) * 86400 - 28800) * 1000000
		AND v.start_us <= ?5 AND v.outcome = 'completed' AND v.mode = 'home'
	WHERE EXISTS (SELECT 1 FROM visit_evidence e WHERE e.area_code = ?1 AND e.visit_id = v.id AND e.kind = 'photo')
),
per_period AS MATERIALIZED (
	SELECT d.cid, CASE WHEN hv.cid IS NOT NULL THEN 'met' WHEN d.me < ?4 THEN 'missed' ELSE 'open' END AS st
	FROM due d LEFT JOIN hv ON hv.cid = d.cid AND hv.ms = d.ms
),
per_child AS (
	SELECT cid, CASE WHEN SUM(st = 'missed') > 0 THEN 'short' WHEN SUM(st = 'open') > 0 THEN 'open' ELSE 'met' END AS st
	FROM per_period GROUP BY cid
)
SELECT a.children, a.visited, a.home,
	b.n, COALESCE(b.met, 0), COALESCE(b.open, 0), COALESCE(b.short, 0),
	c.n, COALESCE(c.met, 0), COALESCE(c.open, 0), COALESCE(c.missed, 0)
FROM vs12 a,
	(SELECT COUNT(*) AS n, SUM(st = 'met') AS met, SUM(st = 'open') AS open, SUM(st = 'short') AS short FROM per_child) b,
	(SELECT COUNT(*) AS n, SUM(st = 'met') AS met, SUM(st = 'open') AS open, SUM(st = 'missed') AS missed FROM per_period) c`

// complianceFigures are the totals both paths compute.
type complianceFigures struct {
	Children, Visited, HomeVisited                     int
	KeyChildren, KeyMet, KeyOpen, KeyShort             int
	PeriodsDue, PeriodsMet, PeriodsOpen, PeriodsMissed int
}

func figuresOf(rep *visit.Report, rule string) complianceFigures {
	r, _ := rep.Rule(rule)
	return complianceFigures{Children: rep.Children, Visited: rep.Visited, HomeVisited: rep.HomeVisited,
		KeyChildren: r.Children, KeyMet: r.Met, KeyOpen: r.Open, KeyShort: r.Short,
		PeriodsDue: r.PeriodsDue, PeriodsMet: r.PeriodsMet, PeriodsOpen: r.PeriodsOpen, PeriodsMissed: r.PeriodsMissed}
}

// sqlCompliance runs the baseline query.
func sqlCompliance(ctx context.Context, db *sql.DB, prog *welfare.Programme, asOf time.Time) (complianceFigures, error) {
	day := func(d welfare.Date) int64 {
		return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	ps, pe := day(prog.Period.Start), day(prog.Period.End)
	asOfDay := (asOf.Unix() + 8*3600) / 86400
	midnight := func(d int64) int64 { return (d*86400 - 8*3600) * 1_000_000 }
	var f complianceFigures
	err := db.QueryRowContext(ctx, complianceSQL, prog.Area.Code, ps, pe, asOfDay, asOf.UnixMicro(),
		prog.Visits.PartialMonthMinDays, midnight(ps), midnight(pe+1)).Scan(
		&f.Children, &f.Visited, &f.HomeVisited, &f.KeyChildren, &f.KeyMet, &f.KeyOpen, &f.KeyShort,
		&f.PeriodsDue, &f.PeriodsMet, &f.PeriodsOpen, &f.PeriodsMissed)
	return f, err
}

// visitDemo is the demo county with its visits in a SQLite file, built once per test
// binary (loading takes seconds).
type visitDemo struct {
	county  *democounty.County
	store   *sqlstore.Store
	db      *sql.DB
	svc     *visit.Service
	auditor welfare.Actor
	asOf    time.Time
	visits  int
	load    time.Duration
}

var visitDemoOnce = sync.OnceValues(func() (*visitDemo, error) {
	ctx := context.Background()
	c, err := democounty.Generate(democounty.Options{})
	if err != nil {
		return nil, err
	}
	vs, err := democounty.GenerateVisits(c, democounty.VisitOptions{})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "liudong-visits-")
	if err != nil {
		return nil, err
	}
	s, db, err := sqlstore.OpenDSN(ctx, filepath.Join(dir, "county.db")+"?_pragma=synchronous(NORMAL)", sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := democounty.Load(ctx, s, c); err != nil {
		return nil, err
	}
	if _, err := democounty.LoadVisits(ctx, s, vs); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	asOf := c.AsOf.Start()
	svc, err := visit.NewService(s, c.Programme, visit.Options{Clock: welfare.FixedClock{T: asOf}})
	if err != nil {
		return nil, err
	}
	d := &visitDemo{county: c, store: s, db: db, svc: svc, asOf: asOf, visits: len(vs), load: time.Since(start)}
	for _, m := range c.Staff {
		if m.Role == welfare.RoleAuditor {
			d.auditor = welfare.ActorOf(m)
			break
		}
	}
	return d, nil
})

func loadVisitDemo(tb testing.TB) *visitDemo {
	tb.Helper()
	if testing.Short() || raceEnabled {
		tb.Skip("loading the demo county into SQLite takes seconds: skipped with -short and -race")
	}
	d, err := visitDemoOnce()
	require.NoError(tb, err)
	return d
}

// TestVisitComplianceSQLBaseline: the hand-written SQL of the benchmark computes the
// same VS-1, VS-2 and VS-3 totals as the library's compliance report read through the
// store, on the demo county.
func TestVisitComplianceSQLBaseline(t *testing.T) {
	d := loadVisitDemo(t)
	ctx := context.Background()
	t.Logf("demo county: %d visits loaded into SQLite in %v", d.visits, d.load)
	// The survey day, and a day in mid-May (an open month, membership projected).
	beijing := time.FixedZone("UTC+8", 8*3600)
	for _, asOf := range []time.Time{d.asOf, time.Date(2025, time.May, 20, 15, 0, 0, 0, beijing)} {
		rep, err := d.svc.Compliance(ctx, d.auditor, "", asOf)
		require.NoError(t, err)
		want := figuresOf(rep, "VS-3")
		got, err := sqlCompliance(ctx, d.db, d.county.Programme, asOf)
		require.NoError(t, err)
		require.Equal(t, want, got, "as of %v", asOf)
		require.NotZero(t, want.PeriodsMissed)
		t.Logf("as of %v: %+v", asOf, got)
	}
}

// BenchmarkVisitCompliance measures, on one SQLite file holding the demo county
// (12,029 children, 20,738 visits of January–June 2025): the library's compliance
// report through the store (library) and the hand-written aggregation (sql).
func BenchmarkVisitCompliance(b *testing.B) {
	d := loadVisitDemo(b)
	ctx := context.Background()
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rep, err := d.svc.Compliance(ctx, d.auditor, "", d.asOf)
			if err != nil {
				b.Fatal(err)
			}
			if rep.Children == 0 {
				b.Fatal("empty report")
			}
		}
	})
	b.Run("sql", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := sqlCompliance(ctx, d.db, d.county.Programme, d.asOf)
			if err != nil {
				b.Fatal(err)
			}
			if f.Children == 0 {
				b.Fatal("empty result")
			}
		}
	})
}
