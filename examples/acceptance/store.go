package main

import (
	"context"
	"fmt"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

// openDemo generates the demo county, loads it into a memory store and returns the
// registry with the first auditor acting.
func openDemo(ctx context.Context, cfg config) (*env, error) {
	county, err := democounty.Generate(democounty.Options{Seed: cfg.seed})
	if err != nil {
		return nil, err
	}
	store := memory.New()
	if _, err := democounty.Load(ctx, store, county); err != nil {
		return nil, err
	}
	reg, err := welfare.NewRegistry(store, county.Programme, welfare.Options{
		Clock: clockAt(cfg.asOf), IDs: welfare.NewSeededIDs(cfg.seed), Divisions: county.Divisions})
	if err != nil {
		return nil, err
	}
	for _, s := range county.Staff {
		if s.Role == welfare.RoleAuditor {
			return &env{reg: reg, auditor: welfare.ActorOf(s), source: fmt.Sprintf("合成示例县（种子 %d，内存存储）", cfg.seed)}, nil
		}
	}
	return nil, fmt.Errorf("the demo county has no auditor")
}
