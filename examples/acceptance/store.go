package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// defaultDB is the embedded SQLite database the command creates on first run and reuses
// after: in the user's cache directory, one file per demo seed.
func defaultDB(seed uint64) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "liudong", fmt.Sprintf("demo-%d.db", seed))
}

// openDemo opens the store cfg.db names ("memory" for an in-memory store), seeds it with
// the demo county if it holds no child of the county yet (one transaction: all or
// nothing), and returns the registry with the first auditor acting.
func openDemo(ctx context.Context, cfg config) (*env, error) {
	county, err := democounty.Generate(democounty.Options{Seed: cfg.countySeed})
	if err != nil {
		return nil, err
	}
	// Journal leaves of the seed load carry the survey day, so the file is reproducible.
	storeClock := clockAt(county.AsOf)
	var (
		store  welfare.Store
		source string
		closer func() error
	)
	switch cfg.db {
	case "memory":
		store, source = memory.NewWithOptions(memory.Options{Clock: storeClock}), "内存存储"
		closer = func() error { return nil }
	default:
		if !strings.Contains(cfg.db, "://") && !strings.Contains(cfg.db, "@tcp(") {
			if err := os.MkdirAll(filepath.Dir(cfg.db), 0o755); err != nil {
				return nil, fmt.Errorf("database directory: %w", err)
			}
		}
		s, db, err := sqlstore.OpenDSN(ctx, cfg.db, sqlstore.Options{Clock: storeClock})
		if err != nil {
			return nil, err
		}
		store, closer = s, db.Close
		source = fmt.Sprintf("%s 数据库 %s", s.Dialect(), redactDSN(cfg.db))
	}
	loaded, err := democounty.Load(ctx, store, county)
	if err == nil {
		err = loadScreenings(ctx, store, county, cfg.countySeed)
	}
	if err == nil {
		err = loadCasework(ctx, store, county)
	}
	if err == nil {
		err = loadVisits(ctx, store, county, cfg.countySeed)
	}
	if err != nil {
		_ = closer()
		return nil, err
	}
	if loaded {
		source += fmt.Sprintf("（首次运行：已写入合成示例县，种子 %d）", cfg.countySeed)
	} else {
		source += "（复用已有数据）"
	}
	if fs, ok := store.(fullStore); ok {
		store = newSnapshot(fs)
	}
	reg, err := welfare.NewRegistry(store, county.Programme, welfare.Options{
		Clock: clockAt(cfg.asOf), IDs: welfare.NewSeededIDs(cfg.countySeed), Divisions: county.Divisions})
	if err != nil {
		_ = closer()
		return nil, err
	}
	for s, err := range store.StaffMembers(ctx, county.Programme.Area.Code) {
		if err != nil {
			_ = closer()
			return nil, err
		}
		if s.Role == welfare.RoleAuditor && s.Active {
			return &env{reg: reg, store: store, auditor: welfare.ActorOf(s), source: source, close: closer}, nil
		}
	}
	_ = closer()
	return nil, errors.New("no active purchaser auditor (采购人验收人员) is registered in the database")
}

// loadCasework seeds the demo county's casework (cases, incidents, activities through
// the programme period) once, if the store keeps casework and holds no case of the area.
func loadCasework(ctx context.Context, store welfare.Store, county *democounty.County) error {
	cs, ok := store.(casework.Store)
	if !ok {
		return nil // reported as pending by the acceptance
	}
	for _, err := range cs.Cases(ctx, casework.CaseFilter{Area: county.Programme.Area.Code}) {
		return err // one case (or an error) is enough: already loaded
	}
	_, err := democounty.LoadCasework(ctx, cs, county)
	return err
}

// loadVisits seeds the demo county's visits once, if the store keeps visits. The demo
// county is a snapshot on 2025-06-30, but the acceptance is judged after the programme
// period ends, so the visits run through the whole period (VisitOptions.End = the
// period's last day): the children's records stay as on the snapshot day, the visits
// and the casework cover the year.
func loadVisits(ctx context.Context, store welfare.Store, county *democounty.County, seed uint64) error {
	vs, ok := store.(visit.Store)
	if !ok {
		return nil // reported as pending by the acceptance
	}
	for _, err := range vs.Visits(ctx, visit.Filter{Area: county.Programme.Area.Code, Limit: 1}) {
		return err
	}
	visits, err := democounty.GenerateVisits(county, democounty.VisitOptions{Seed: seed, End: county.Programme.Period.End})
	if err != nil {
		return err
	}
	_, err = democounty.LoadVisits(ctx, vs, visits)
	return err
}

// redactDSN drops a password from a DSN before it is printed.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	userinfo := dsn[:at]
	if i := strings.Index(userinfo, "://"); i >= 0 {
		userinfo = userinfo[i+3:]
	}
	if c := strings.IndexByte(userinfo, ':'); c >= 0 {
		return strings.Replace(dsn, userinfo, userinfo[:c]+":***", 1)
	}
	return dsn
}
