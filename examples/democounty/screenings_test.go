package democounty_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

func TestGenerateScreeningsIsDeterministic(t *testing.T) {
	c := county(t)
	a, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{})
	require.NoError(t, err)
	b, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{Seed: democounty.DefaultSeed})
	require.NoError(t, err)
	ja, err := json.Marshal(a)
	require.NoError(t, err)
	jb, err := json.Marshal(b)
	require.NoError(t, err)
	assert.Equal(t, string(ja), string(jb), "same county and seed: same screenings byte for byte")
	o, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{Seed: 9})
	require.NoError(t, err)
	jo, err := json.Marshal(o)
	require.NoError(t, err)
	assert.NotEqual(t, string(ja), string(jo))
}

func TestGenerateScreeningsDistribution(t *testing.T) {
	c := county(t)
	s, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{})
	require.NoError(t, err)
	sum := democounty.SummarizeScreenings(c, s)
	t.Logf("%+v", sum)
	require.Positive(t, sum.Needing)
	cov := float64(sum.Screened) / float64(sum.Needing)
	assert.InDelta(t, 0.8, cov, 0.1, "most children who should be screened are, some are still due")
	levels := 0
	for _, n := range sum.ByLevel {
		levels += n
	}
	share := func(l string) float64 { return float64(sum.ByLevel[l]) / float64(levels) }
	assert.Greater(t, share("green"), 0.5, "mostly green")
	assert.Greater(t, sum.ByLevel["yellow"], 0)
	assert.Greater(t, sum.ByLevel["orange"], 0)
	assert.Greater(t, sum.ByLevel["red"], 0)
	assert.Less(t, share("red"), 0.1, "a few red")
	assert.Greater(t, sum.Flagged, 0, "a few flags")
	assert.Less(t, float64(sum.Flagged)/float64(sum.Sessions), 0.08)
	assert.Greater(t, len(s.Requests), 0)

	// Every session is scored, in the child's age range, by a staff member of the county.
	staff := map[string]*welfare.Staff{}
	for _, m := range c.Staff {
		staff[m.ID.String()] = m
	}
	children := map[string]*welfare.Child{}
	for _, ch := range c.Children {
		children[ch.ID.String()] = ch
	}
	cat := screening.Builtins()
	for _, x := range s.Sessions {
		in, ok := cat.Get(x.Instrument, x.InstrumentVersion)
		require.True(t, ok)
		ch := children[x.ChildID.String()]
		require.NotNil(t, ch)
		assert.True(t, in.Ages.Contains(ch.AgeOn(x.Date)))
		assert.True(t, x.Date.Before(c.AsOf))
		m := staff[x.AdministeredBy.String()]
		require.NotNil(t, m)
		assert.Contains(t, []welfare.Role{welfare.RoleSocialWorker, welfare.RoleCounsellor}, m.Role)
		res, err := in.Score(x.Answers, screening.ScoreOptions{Informant: x.Informant, Age: ch.AgeOn(x.Date), Rules: &c.Programme.Screening})
		require.NoError(t, err)
		assert.Equal(t, *res, x.Result)
	}
}

func TestLoadScreeningsThenServe(t *testing.T) {
	ctx := context.Background()
	c, err := democounty.Generate(democounty.Options{Children: 2000, Seed: 11})
	require.NoError(t, err)
	s, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{Seed: 11})
	require.NoError(t, err)
	store := memory.New()
	_, err = democounty.Load(ctx, store, c)
	require.NoError(t, err)
	loaded, err := democounty.LoadScreenings(ctx, store, c, s)
	require.NoError(t, err)
	assert.True(t, loaded)
	loaded, err = democounty.LoadScreenings(ctx, store, c, s)
	require.NoError(t, err)
	assert.False(t, loaded, "loading twice writes nothing")

	var lead, counsellor *welfare.Staff
	for _, m := range c.Staff {
		switch {
		case m.Role == welfare.RoleProjectLead && lead == nil:
			lead = m
		case m.Role == welfare.RoleCounsellor && counsellor == nil:
			counsellor = m
		}
	}
	svc, err := screening.NewService(store, c.Programme, screening.Options{
		Clock: welfare.FixedClock{T: c.AsOf.Start().Add(9 * time.Hour)}, IDs: welfare.NewSeededIDs(1)})
	require.NoError(t, err)
	due, err := svc.Due(ctx, welfare.ActorOf(lead), c.AsOf)
	require.NoError(t, err)
	sum := democounty.SummarizeScreenings(c, s)
	assert.GreaterOrEqual(t, len(due), sum.Needing-sum.Screened, "every child with a reason and no session is due")

	// The archive of a screened child shows its sessions and level.
	x := s.Sessions[len(s.Sessions)-1]
	a, err := svc.Archive(ctx, welfare.ActorOf(counsellor), x.ChildID)
	require.NoError(t, err)
	assert.True(t, a.Full)
	assert.NotEmpty(t, a.Sessions)
	ch, err := store.GetChild(ctx, x.ChildID)
	require.NoError(t, err)
	assert.Equal(t, "screening", ch.Status[welfare.AspectMental].Source.Kind)
}

// ExampleGenerateScreenings screens the default county's children who should be screened
// and prints coverage and risk levels.
func ExampleGenerateScreenings() {
	c, err := democounty.Generate(democounty.Options{})
	if err != nil {
		panic(err)
	}
	s, err := democounty.GenerateScreenings(c, democounty.ScreeningOptions{})
	if err != nil {
		panic(err)
	}
	sum := democounty.SummarizeScreenings(c, s)
	fmt.Printf("screened %d of %d children who should be (%d sessions, %d requests)\n",
		sum.Screened, sum.Needing, sum.Sessions, len(s.Requests))
	for _, l := range c.Programme.Screening.Levels {
		fmt.Printf("%s %d\n", l, sum.ByLevel[l])
	}
	fmt.Println("flagged sessions:", sum.Flagged, "invalid:", sum.Invalid)
	// Output:
	// screened 559 of 698 children who should be (653 sessions, 48 requests)
	// green 420
	// yellow 84
	// orange 48
	// red 3
	// flagged sessions: 11 invalid: 4
}
