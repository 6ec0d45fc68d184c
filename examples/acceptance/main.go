// Command acceptance is the purchaser's acceptance script for a migrant-children
// monitoring and care-service programme (流动儿童动态监测和关爱服务验收).
//
// With no flags it opens (or, on first run, builds) the deterministic synthetic demo
// county (12,029 children, no real person, with a year of visits, screenings, cases,
// incidents and activities) in an embedded SQLite file and prints, in Chinese:
//
//   - the census the purchaser reads (townships, states, ages, schooling, health and
//     welfare coverage, key-care categories), ledger gaps (AC-5), exits due, the team
//     (TM-1) and screening (PS-1, PS-2);
//   - the acceptance: the population manifest and its SHA-256 (journaled before the
//     draw), the seed and the stratified sample (township × key/ordinary, ⌈10% × N_h⌉ per
//     stratum) with its detection power, findings by kind (AC-1 journal, AC-2 … AC-6),
//     deductions with line items, the payment schedule with amounts and due dates, the
//     task-completion list (任务完成清单), journal verification of the sampled records,
//     the satisfaction survey (AC-1) and the child directors' subsidies (TM-2).
//
// Usage:
//
//	go run ./examples/acceptance [-db path-or-DSN] [-asof 2025-12-01] [-seed 20251201]
//	    [-roster roster.csv] [-checkpoint kept.json] [-survey answers.csv]
//	    [-reviews reviews.json] [-contract 250000] [-effective 2025-01-01]
//	    [-invoice 2025-01-06] [-docs 2025-12-01|none] [-first-paid=true] [-json]
//
// Dates. The acceptance day (-asof) defaults to 2025-12-01, the day after the preset's
// period (2025-01-01 … 2025-11-30) ends, which is also the day democounty checks its
// casework on. The demo county's children and ledger are a snapshot of 2025-06-30; its
// casework and activities run through the period, and the command loads its visits
// through the period's last day (democounty.VisitOptions.End), so every check is judged
// on the same day, after the period: VS-1 misses are final, PT-1's third quarter is
// missing, and the census shows the children as of the acceptance day (for example who
// has turned 16 since). The contract defaults to the budget (250,000 yuan), effective
// 2025-01-01 with the first invoice on 2025-01-06; the acceptance is on -asof, the PY-3
// documents are taken as received that day (-docs), and the first payment as paid on
// its due date (-first-paid).
//
// Inputs. -roster is an external roster CSV (see audit.ParseRoster for the columns);
// -checkpoint a JSON object or array of journal checkpoints the purchaser kept
// ({"origin","size","hash" base64,"kept_at"}); -survey the sampled families' answers
// (child_id,answer[,method,date]); -reviews the auditor's decisions on quality signals, a
// JSON array of {"signal","decision":"confirm"|"dismiss","note","reviewer","at"} naming the
// signal keys the -json output lists under signals.list. The stores' journals accept
// only the stores' own writes, so the acceptance keeps its own journal: the manifest
// leaf (appended before the sample is drawn), the sample, and the SHA-256 of every input
// file and of the reviews; its size and root are printed for the purchaser to keep.
//
// The default database is an embedded SQLite file in the user's cache directory,
// created and seeded on first run and reused after; -db chooses another file, a
// PostgreSQL or MySQL DSN, or "memory". -county-seed selects another synthetic county.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance:", err)
		os.Exit(1)
	}
}

type config struct {
	db         string
	asOf       welfare.Date
	countySeed uint64
	sampleSeed string
	roster     string
	checkpoint string
	survey     string
	reviews    string
	contract   decimal.Decimal
	effective  welfare.Date
	invoice    welfare.Date
	docs       welfare.Date // zero: the PY-3 documents are not in yet
	firstPaid  bool
	asJSON     bool
}

// DefaultSampleSeed is the sampling seed used without -seed. A real acceptance takes its
// seed from a public or multi-party source after the manifest is frozen (DOMAIN §8).
const DefaultSampleSeed = "20251201"

// defaultAsOf is the acceptance day without -asof: the day after the programme period
// ends (2025-12-01 for the preset), the day democounty's casework is checked on.
func defaultAsOf() welfare.Date { return welfare.Nanchang2025().Period.End.AddDate(0, 0, 1) }

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("acceptance", flag.ContinueOnError)
	asOf := fs.String("asof", defaultAsOf().String(), "acceptance day, YYYY-MM-DD (Beijing); the census and every check are as of this day")
	seed := fs.String("seed", DefaultSampleSeed, "sampling seed (chosen after the manifest is frozen)")
	countySeed := fs.Uint64("county-seed", democounty.DefaultSeed, "seed of the synthetic demo county")
	db := fs.String("db", "", `database: a SQLite file path, a PostgreSQL URL (postgres://…), a MySQL DSN (user@tcp(host:3306)/db), or "memory"; default: an embedded SQLite file in the user cache directory`)
	roster := fs.String("roster", "", "external roster CSV (schools, residence permits, the government's list) for AC-4")
	checkpoint := fs.String("checkpoint", "", "JSON file of the journal checkpoint(s) the purchaser kept")
	survey := fs.String("survey", "", "satisfaction answers of the sampled families, CSV (child_id,answer[,method,date])")
	reviews := fs.String("reviews", "", "the auditor's reviews of quality signals, JSON (AC-3)")
	contract := fs.String("contract", "", "contract amount in yuan; default: the programme budget")
	effective := fs.String("effective", "2025-01-01", "day the contract took effect")
	invoice := fs.String("invoice", "2025-01-06", "day the first invoice was received")
	docs := fs.String("docs", "", `day the PY-3 documents (stage report, task list, invoice, archives) were received; default the acceptance day; "none": not yet`)
	firstPaid := fs.Bool("first-paid", true, "the first payment was made on its due date")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the Chinese report")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	d, err := welfare.ParseDate(*asOf)
	if err != nil {
		return config{}, fmt.Errorf("-asof: %w", err)
	}
	cfg := config{db: *db, asOf: d, countySeed: *countySeed, sampleSeed: *seed, roster: *roster, checkpoint: *checkpoint,
		survey: *survey, reviews: *reviews, firstPaid: *firstPaid, asJSON: *asJSON}
	if cfg.effective, err = welfare.ParseDate(*effective); err != nil {
		return config{}, fmt.Errorf("-effective: %w", err)
	}
	if cfg.invoice, err = welfare.ParseDate(*invoice); err != nil {
		return config{}, fmt.Errorf("-invoice: %w", err)
	}
	switch *docs {
	case "":
		cfg.docs = d
	case "none":
	default:
		if cfg.docs, err = welfare.ParseDate(*docs); err != nil {
			return config{}, fmt.Errorf("-docs: %w", err)
		}
	}
	if *contract != "" {
		if cfg.contract, err = decimal.NewFromString(*contract); err != nil {
			return config{}, fmt.Errorf("-contract: %w", err)
		}
	}
	if cfg.db == "" {
		cfg.db = defaultDB(cfg.countySeed)
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	env, err := openDemo(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	rep, err := buildReport(ctx, env, cfg.asOf)
	if err != nil {
		return err
	}
	if cfg.contract.IsZero() {
		cfg.contract = env.reg.Programme().Budget
	}
	if rep.acceptance, err = evaluate(ctx, env, cfg, rep); err != nil {
		return err
	}
	if cfg.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printReport(out, env, rep)
}

// env is an opened store with the demo county's registry and the auditor acting.
type env struct {
	reg     *welfare.Registry
	store   welfare.Store
	auditor welfare.Actor
	source  string
	close   func() error
}

// clockAt is the acceptance run's clock: the check day at 18:00 Beijing time, so that a
// rerun prints the same report.
func clockAt(d welfare.Date) welfare.Clock {
	return welfare.FixedClock{T: d.Start().Add(18 * time.Hour)}
}
