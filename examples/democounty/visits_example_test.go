package democounty_test

import (
	"fmt"

	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/visit"
)

// ExampleGenerateVisits generates the default county's visits (January–June 2025) and
// prints the planted problems' ground truth, which compliance checks and quality
// signals are tested against.
func ExampleGenerateVisits() {
	c, err := democounty.Generate(democounty.Options{})
	if err != nil {
		panic(err)
	}
	vs, truth, err := democounty.GenerateVisitsWithTruth(c, democounty.VisitOptions{})
	if err != nil {
		panic(err)
	}
	home, failed := 0, 0
	for _, v := range vs {
		switch {
		case !v.Counts():
			failed++
		case v.Mode == visit.ModeHome:
			home++
		}
	}
	fmt.Println("window:", truth.Start, "to", truth.End)
	fmt.Println("visits:", len(vs), "home:", home, "failed attempts:", failed)
	fmt.Println("children monitored in the window:", truth.Population)
	fmt.Println("never visited:", len(truth.NeverVisited), "not yet visited:", len(truth.NotYetVisited))
	fmt.Println("key children missing months:", len(truth.KeyMissing), "without a photo:", len(truth.KeyNoPhoto))
	fmt.Println("cloners:", len(truth.Cloners), "cloned notes:", len(truth.ClonedVisits))
	fmt.Println("reused photos:", len(truth.ReusedPhotos), "impossible travel pairs:", len(truth.TravelPairs))
	fmt.Println("urgent concerns:", len(truth.UrgentVisits))
	// Output:
	// window: 2025-01-01 to 2025-06-29
	// visits: 20738 home: 11420 failed attempts: 751
	// children monitored in the window: 11488
	// never visited: 215 not yet visited: 162
	// key children missing months: 89 without a photo: 23
	// cloners: 3 cloned notes: 352
	// reused photos: 25 impossible travel pairs: 15
	// urgent concerns: 8
}
