package storetest

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// ScanSize is the number of children the scan tests store: more than one page of any
// reasonable chunk size (the memory store reads 256 per lock).
const ScanSize = 600

func cmpUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

func sortedByID(cs ...*welfare.Child) []*welfare.Child {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b *welfare.Child) int { return cmpUUID(a.ID, b.ID) })
	return out
}

func ids(cs []*welfare.Child) []uuid.UUID {
	out := make([]uuid.UUID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func entryIDs(es []*welfare.KeyEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID.String()
	}
	return out
}

// loadScanSet stores ScanSize children of Area (indexes 1…ScanSize, in a shuffled order,
// some one by one and the rest in batches; every 7th monitored, every 11th exited) and 20
// of OtherArea. It returns Area's children as stored, in ID order.
func loadScanSet(t *testing.T, s welfare.Store) []*welfare.Child {
	t.Helper()
	all := make([]*welfare.Child, ScanSize)
	for i := range all {
		n := i + 1
		c := NewChild(n)
		switch {
		case n%11 == 0:
			WithState(c, welfare.StateExited)
		case n%7 == 0:
			WithState(c, welfare.StateMonitored)
		}
		all[i] = c
	}
	shuffled := slices.Clone(all)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	mustCreate(t, s, shuffled[:50]...)
	for b := shuffled[50:]; len(b) > 0; {
		n := min(len(b), 137)
		require.NoError(t, s.CreateChildren(bg(), b[:n]))
		b = b[n:]
	}
	other := make([]*welfare.Child, 20)
	for i := range other {
		other[i] = NewChild(ScanSize + 1 + i)
		other[i].AreaCode = OtherArea
		other[i].Residence = welfare.Residence{Township: "360124100", Village: "360124100201"}
	}
	require.NoError(t, s.CreateChildren(bg(), other))
	return sortedByID(all...)
}

func testScanOrderAndPaging(t *testing.T, s welfare.Store) {
	want := loadScanSet(t, s)
	ctx := bg()
	got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, got, ScanSize)
	require.True(t, slices.IsSortedFunc(ids(got), cmpUUID), "children come in byte order of their IDs")
	require.Equal(t, ids(want), ids(got))
	for i := range want {
		require.Equal(t, NormalizeChild(want[i]), NormalizeChild(got[i]))
	}

	for _, limit := range []int{1, 100, 256, 257, 599} {
		var paged []*welfare.Child
		after := uuid.Nil
		for pages := 0; ; pages++ {
			require.Less(t, pages, ScanSize+2, "paging must end")
			page, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, After: after, Limit: limit}))
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), limit)
			if len(page) == 0 {
				break
			}
			require.Positive(t, cmpUUID(page[0].ID, after), "a page starts after After")
			paged = append(paged, page...)
			after = page[len(page)-1].ID
		}
		require.Equal(t, ids(want), ids(paged), "pages of %d concatenate to the whole", limit)
	}

	all, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, Limit: 10 * ScanSize}))
	require.NoError(t, err)
	require.Len(t, all, ScanSize)
	last, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, After: want[len(want)-1].ID}))
	require.NoError(t, err)
	require.Empty(t, last)

	// After need not be a stored ID: the scan starts at the first ID greater than it.
	for _, after := range []uuid.UUID{uuid.MustParse("7fffffff-ffff-ffff-ffff-ffffffffffff"), uuid.Max} {
		tail, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, After: after}))
		require.NoError(t, err)
		var exp []uuid.UUID
		for _, c := range want {
			if cmpUUID(c.ID, after) > 0 {
				exp = append(exp, c.ID)
			}
		}
		require.Equal(t, exp, nilIfEmpty(ids(tail)))
	}

	// Another area's scan holds only its children.
	other, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: OtherArea}))
	require.NoError(t, err)
	require.Len(t, other, 20)
	for _, c := range other {
		require.Equal(t, OtherArea, c.AreaCode)
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func testScanFilters(t *testing.T, s welfare.Store) {
	want := loadScanSet(t, s)
	ctx := bg()
	check := func(f welfare.ChildFilter, keep func(c *welfare.Child) bool) {
		t.Helper()
		var exp []uuid.UUID
		for _, c := range want {
			if keep(c) {
				exp = append(exp, c.ID)
			}
		}
		got, err := Collect(s.Children(ctx, f))
		require.NoError(t, err)
		require.Equal(t, exp, nilIfEmpty(ids(got)), "filter %+v", f)
	}
	inRegion := func(r string) func(*welfare.Child) bool {
		return func(c *welfare.Child) bool {
			return strings.HasPrefix(c.Residence.Village, r) || strings.HasPrefix(c.Residence.Township, r)
		}
	}
	inStates := func(ss ...welfare.LifecycleState) func(*welfare.Child) bool {
		return func(c *welfare.Child) bool { return slices.Contains(ss, c.State()) }
	}

	check(welfare.ChildFilter{Area: Area, Region: Area}, func(*welfare.Child) bool { return true })
	for _, tw := range Townships {
		check(welfare.ChildFilter{Area: Area, Region: tw}, inRegion(tw))
	}
	village := Village(2)
	check(welfare.ChildFilter{Area: Area, Region: village}, inRegion(village))
	check(welfare.ChildFilter{Area: Area, Region: "360121999"}, func(*welfare.Child) bool { return false })
	check(welfare.ChildFilter{Area: Area, Region: "360124100"}, func(*welfare.Child) bool { return false })

	check(welfare.ChildFilter{Area: Area, States: []welfare.LifecycleState{welfare.StateIdentified}}, inStates(welfare.StateIdentified))
	check(welfare.ChildFilter{Area: Area, States: []welfare.LifecycleState{welfare.StateMonitored}}, inStates(welfare.StateMonitored))
	check(welfare.ChildFilter{Area: Area, States: []welfare.LifecycleState{welfare.StateExited}}, inStates(welfare.StateExited))
	check(welfare.ChildFilter{Area: Area, States: []welfare.LifecycleState{welfare.StateMonitored, welfare.StateExited}},
		inStates(welfare.StateMonitored, welfare.StateExited))

	both := func(c *welfare.Child) bool {
		return inRegion(Townships[1])(c) && inStates(welfare.StateIdentified, welfare.StateMonitored)(c)
	}
	check(welfare.ChildFilter{Area: Area, Region: Townships[1],
		States: []welfare.LifecycleState{welfare.StateIdentified, welfare.StateMonitored}}, both)

	// Filters and paging combine: pages of 7 of the filtered set.
	var exp, paged []uuid.UUID
	for _, c := range want {
		if both(c) {
			exp = append(exp, c.ID)
		}
	}
	after := uuid.Nil
	for pages := 0; ; pages++ {
		require.Less(t, pages, ScanSize+2, "paging must end")
		page, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, Region: Townships[1],
			States: []welfare.LifecycleState{welfare.StateIdentified, welfare.StateMonitored}, After: after, Limit: 7}))
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		require.LessOrEqual(t, len(page), 7)
		require.Positive(t, cmpUUID(page[0].ID, after), "a page starts after After")
		paged = append(paged, ids(page)...)
		after = page[len(page)-1].ID
	}
	require.Equal(t, exp, paged)

	// State filters follow updates.
	c, err := s.GetChild(ctx, want[0].ID)
	require.NoError(t, err)
	before := c.State()
	target := welfare.StateExited
	if before == welfare.StateExited {
		target = welfare.StateIdentified
	}
	require.NoError(t, s.UpdateChild(ctx, WithState(c, target)))
	got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area, States: []welfare.LifecycleState{target}, Limit: 1}))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{c.ID}, ids(got))
}

func testScanEarlyBreakAndEmpty(t *testing.T, s welfare.Store) {
	loadScanSet(t, s)
	ctx := bg()
	n := 0
	for _, err := range s.Children(ctx, welfare.ChildFilter{Area: Area}) {
		require.NoError(t, err)
		n++
		if n == 5 {
			break
		}
	}
	require.Equal(t, 5, n)
	for range s.CensusRows(ctx, Area) {
		break
	}
	for range s.StaffMembers(ctx, Area) {
		break
	}
	// Nothing is left locked or open: writes work.
	mustCreate(t, s, NewChild(ScanSize+100))
	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		for range tx.Children(ctx, welfare.ChildFilter{Area: Area}) {
			break
		}
		return tx.CreateChild(ctx, NewChild(ScanSize+101))
	}))

	for _, area := range []string{"110101"} {
		got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: area}))
		require.NoError(t, err)
		require.Empty(t, got, "an area without children scans empty")
		rows, err := Collect(s.CensusRows(ctx, area))
		require.NoError(t, err)
		require.Empty(t, rows)
		entries, err := Collect(s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}))
		require.NoError(t, err)
		require.Empty(t, entries)
		staff, err := Collect(s.StaffMembers(ctx, area))
		require.NoError(t, err)
		require.Empty(t, staff)
	}
	recs, err := Collect(s.AccessRecords(ctx, ChildID(1)))
	require.NoError(t, err)
	require.Empty(t, recs)
}

// testScanWriteInsideLoop updates every child from inside the scan's loop body, on the
// store and inside a transaction: a scan must not hold what a write needs.
func testScanWriteInsideLoop(t *testing.T, s welfare.Store) {
	want := loadScanSet(t, s)
	ctx := bg()
	seen := 0
	for c, err := range s.Children(ctx, welfare.ChildFilter{Area: Area}) {
		require.NoError(t, err)
		c.Ethnicity = "测试族"
		require.NoError(t, s.UpdateChild(ctx, c))
		seen++
	}
	require.Equal(t, ScanSize, seen, "updates during a scan neither repeat nor skip children")

	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		seen = 0
		for c, err := range tx.Children(ctx, welfare.ChildFilter{Area: Area}) {
			if err != nil {
				return err
			}
			c.Ethnicity = "测试族二"
			if err := tx.UpdateChild(ctx, c); err != nil {
				return err
			}
			seen++
		}
		return nil
	}))
	require.Equal(t, ScanSize, seen)
	got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Equal(t, ids(want), ids(got))
	for _, c := range got {
		require.Equal(t, "测试族二", c.Ethnicity)
		require.EqualValues(t, 3, c.Version)
	}
}

func testCensusRows(t *testing.T, s welfare.Store) {
	want := loadScanSet(t, s)
	ctx := bg()
	full := FullChild(ScanSize + 50)
	mustCreate(t, s, full)
	want = sortedByID(append(want, full)...)

	// Rows follow updates: a disability recorded, a state change, a move.
	c, err := s.GetChild(ctx, want[3].ID)
	require.NoError(t, err)
	c.Disability = &welfare.Disability{Type: "visual", Grade: 1}
	c.Residence.Township, c.Residence.Village = Townships[0], Townships[0]+"209"
	c.Schooling.Stage = "junior"
	WithState(c, welfare.StateExited)
	require.NoError(t, s.UpdateChild(ctx, c))

	rows, err := Collect(s.CensusRows(ctx, Area))
	require.NoError(t, err)
	require.Len(t, rows, len(want))
	for i, r := range rows {
		stored, err := s.GetChild(ctx, want[i].ID)
		require.NoError(t, err)
		require.Equal(t, welfare.CensusRowOf(stored), r, "row %d is the census projection of the child, in ID order", i)
	}
	require.Equal(t, "visual", rows[3].DisabilityType)
	require.Equal(t, welfare.StateExited, rows[3].State)

	other, err := Collect(s.CensusRows(ctx, OtherArea))
	require.NoError(t, err)
	require.Len(t, other, 20)
}
