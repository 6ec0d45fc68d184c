package welfare_test

import (
	"context"
	"fmt"
	"time"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/welfare"
)

// ExampleRegistry embeds the registry the way a host application does: a store, the
// programme's rules, an injected clock, and a first project lead seeded by the host.
func ExampleRegistry() {
	ctx := context.Background()
	store := memory.New()
	clock := welfare.FixedClock{T: time.Date(2025, 6, 30, 9, 0, 0, 0, welfare.Beijing())}
	reg, err := welfare.NewRegistry(store, welfare.Nanchang2025(), welfare.Options{
		Clock: clock, IDs: welfare.NewSeededIDs(7)})
	if err != nil {
		panic(err)
	}

	lead := &welfare.Staff{ID: welfare.NewSeededIDs(8).NewID(), AreaCode: "360121", Name: "项目负责人",
		Role: welfare.RoleProjectLead, Scope: "360121", Active: true}
	if err := store.CreateStaff(ctx, lead); err != nil {
		panic(err)
	}
	actor := welfare.ActorOf(lead)

	r, err := reg.RegisterChild(ctx, actor, welfare.Child{
		Name: "测试儿童", Sex: welfare.SexMale, BirthDate: welfare.NewDate(2016, 9, 1),
		Hukou:       welfare.Place{RegionCode: "360124"},
		Residence:   welfare.Residence{Township: "360121100"},
		ArrivalDate: welfare.NewDate(2023, 2, 1),
		Migration:   welfare.Migration{WithGuardian: welfare.FlagYes},
		Economic:    welfare.EconomicDibao,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Child, r.Decision.Outcome, r.Decision.RuleID)

	gaps, err := reg.LedgerGaps(ctx, actor, welfare.NewDate(2025, 6, 30))
	if err != nil {
		panic(err)
	}
	fmt.Println("ledger gaps:", len(gaps), gaps[0].Missing[0].Category)

	cs, err := reg.Census(ctx, actor, welfare.NewDate(2025, 6, 30))
	if err != nil {
		panic(err)
	}
	fmt.Println("children:", cs.Total, "aged 6-11:", cs.ByAgeBand["6-11"])
	// Output:
	// Child{82c103a3-76ee-466c-82fe-f924d708086e v1 测*** identified} eligible minfa-2024-17
	// ledger gaps: 1 family_hardship
	// children: 1 aged 6-11: 1
}
