package democounty_test

import (
	"fmt"

	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

// Example generates the default county and prints its size, its key-care ledger and
// the start of its fingerprint. The fingerprint pins the county byte for byte: a change
// to the generator (or to the JSON form of a welfare type) shows up here.
func Example() {
	c, err := democounty.Generate(democounty.Options{})
	if err != nil {
		panic(err)
	}
	key, gaps := 0, 0
	ledger := map[string]bool{}
	for _, e := range c.KeyEntries {
		ledger[e.ChildID.String()] = true
	}
	for _, ch := range c.Children {
		if len(welfare.KeyEligibility(ch, c.Programme.KeyCategories)) == 0 {
			continue
		}
		key++
		if ch.State() != welfare.StateExited && !ledger[ch.ID.String()] {
			gaps++
		}
	}
	fp, err := c.Fingerprint()
	if err != nil {
		panic(err)
	}
	fmt.Println("as of:", c.AsOf)
	fmt.Println("townships:", len(c.Divisions.Townships(c.Programme.Area.Code)))
	fmt.Println("staff:", len(c.Staff))
	fmt.Println("children:", len(c.Children))
	fmt.Println("key-eligible:", key)
	fmt.Println("ledger entries:", len(c.KeyEntries))
	fmt.Println("ledger gaps:", gaps)
	fmt.Println("team (TM-1) met:", welfare.CheckTeam(c.Staff, c.Programme.Team).Met)
	fmt.Println("fingerprint:", fp[:16])
	// Output:
	// as of: 2025-06-30
	// townships: 24
	// staff: 188
	// children: 12029
	// key-eligible: 823
	// ledger entries: 774
	// ledger gaps: 65
	// team (TM-1) met: true
	// fingerprint: e750f39fe82a70f0
}
