package visit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// Example records a key child's home visit and reads the child's compliance: VS-1 (a
// visit in the project) is met, VS-3 (a home visit with a photo every month on the
// ledger) is met for May but was missed in April, and June is still open.
func Example() {
	ctx := context.Background()
	store := memory.New()
	bj := welfare.Beijing()

	// A monitored child on the key-care ledger since 1 April 2025 (synthetic data).
	child := &welfare.Child{
		ID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), AreaCode: "360121",
		Name: "示例儿童", Sex: welfare.SexFemale, BirthDate: welfare.NewDate(2015, time.March, 2),
		Residence: welfare.Residence{Township: "360121100", Village: "360121100001"},
		Lifecycle: []welfare.LifecycleEvent{
			{To: welfare.StateIdentified, On: welfare.NewDate(2025, time.January, 6)},
			{From: welfare.StateIdentified, To: welfare.StateMonitored, On: welfare.NewDate(2025, time.January, 20)},
		},
	}
	must(store.CreateChild(ctx, child))
	must(store.CreateKeyEntry(ctx, &welfare.KeyEntry{ID: uuid.MustParse("00000000-0000-4000-8000-000000000002"),
		AreaCode: "360121", ChildID: child.ID, Category: welfare.KeyFamilyHardship, Opened: welfare.NewDate(2025, time.April, 1)}))
	director := welfare.Actor{StaffID: uuid.MustParse("00000000-0000-4000-8000-000000000003"),
		Role: welfare.RoleDirector, Area: "360121", Scope: "360121100001"}

	svc, err := visit.NewService(store, welfare.Nanchang2025(), visit.Options{
		Clock: welfare.FixedClock{T: time.Date(2025, time.June, 10, 18, 0, 0, 0, bj)},
		IDs:   welfare.NewSeededIDs(1),
	})
	must(err)
	start := time.Date(2025, time.May, 20, 15, 0, 0, 0, bj)
	v, err := svc.Record(ctx, director, visit.Input{
		ChildID: child.ID, Mode: visit.ModeHome, Outcome: visit.OutcomeCompleted,
		Start: start, End: start.Add(40 * time.Minute),
		Location: visit.Location{Geo: &welfare.GeoPoint{Lat: 28.55, Lng: 115.94}, AccuracyM: 8},
		Present:  visit.Present{Child: true, Guardian: true},
		Content: visit.Content{
			Observe:  []visit.Observation{{Aspect: welfare.AspectEducation, Value: "正常上学"}},
			Talk:     []visit.Topic{visit.TopicSafety},
			Services: []string{"study_tutoring"},
		},
		Notes: "入户探访，孩子和母亲在家，了解学习和生活情况。",
		Evidence: []visit.Evidence{{Kind: visit.EvidencePhoto, Size: 1 << 20, CapturedAt: start.Add(10 * time.Minute),
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
	})
	must(err)
	fmt.Println("recorded version", v.Version, v.Mode, "on", v.Day())

	cv, err := svc.ChildCompliance(ctx, director, child.ID, time.Date(2025, time.June, 10, 18, 0, 0, 0, bj))
	must(err)
	fmt.Println("child:", cv.Status)
	for _, r := range cv.Rules {
		fmt.Printf("%s %s missing=%v counted=%d\n", r.RuleID, r.Status, r.Missing, len(r.Counted))
		for _, p := range r.Periods {
			fmt.Printf("  %s %s\n", p.Label, p.Status)
		}
	}
	c, err := store.GetChild(ctx, child.ID)
	must(err)
	fmt.Println("education:", c.Status[welfare.AspectEducation].Value, "from", c.Status[welfare.AspectEducation].Source.Kind)
	// Output:
	// recorded version 1 home on 2025-05-20
	// child: short
	// VS-1 met missing=[] counted=1
	//   project met
	// VS-3 short missing=[2025-04] counted=1
	//   2025-04 missed
	//   2025-05 met
	//   2025-06 open
	// education: 正常上学 from visit
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
