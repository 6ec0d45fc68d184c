package democounty_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

// defaultCounty is generated once and shared by the read-only tests.
var defaultCounty = sync.OnceValues(func() (*democounty.County, error) {
	return democounty.Generate(democounty.Options{})
})

func county(t testing.TB) *democounty.County {
	t.Helper()
	c, err := defaultCounty()
	require.NoError(t, err)
	return c
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := democounty.Generate(democounty.Options{})
	require.NoError(t, err)
	b, err := democounty.Generate(democounty.Options{Seed: democounty.DefaultSeed, Children: 12029, AsOf: democounty.DefaultAsOf()})
	require.NoError(t, err)
	fa, err := a.Fingerprint()
	require.NoError(t, err)
	fb, err := b.Fingerprint()
	require.NoError(t, err)
	assert.Equal(t, fa, fb, "same options must give the same county byte for byte")

	other, err := democounty.Generate(democounty.Options{Seed: 7})
	require.NoError(t, err)
	fo, err := other.Fingerprint()
	require.NoError(t, err)
	assert.NotEqual(t, fa, fo, "another seed gives another county")
}

func TestGenerateCountsAndShares(t *testing.T) {
	c := county(t)
	prog := c.Programme
	n := len(c.Children)
	require.Equal(t, prog.BaselineChildren, n)
	require.Equal(t, 12029, n)
	assert.Equal(t, democounty.DefaultAsOf(), c.AsOf)

	share := func(pred func(ch *welfare.Child) bool) float64 {
		k := 0
		for _, ch := range c.Children {
			if pred(ch) {
				k++
			}
		}
		return float64(k) / float64(n)
	}
	within := func(name string, got, want, tol float64) {
		t.Helper()
		assert.InDelta(t, want, got, tol, name)
	}
	within("male", share(func(ch *welfare.Child) bool { return ch.Sex == welfare.SexMale }), 0.52, 0.015)
	within("id number", share(func(ch *welfare.Child) bool { return !ch.IDNumber.IsZero() }), 0.70, 0.015)
	within("dibao", share(func(ch *welfare.Child) bool { return ch.Economic == welfare.EconomicDibao }), 0.03, 0.001)
	within("tekun", share(func(ch *welfare.Child) bool { return ch.Economic == welfare.EconomicTekun }), 0.005, 0.001)
	within("low income", share(func(ch *welfare.Child) bool { return ch.Economic == welfare.EconomicLowIncome }), 0.04, 0.001)
	within("disability", share(func(ch *welfare.Child) bool { return ch.Disability != nil }), 0.015, 0.005)
	within("other province", share(func(ch *welfare.Child) bool { return ch.Hukou.RegionCode[:2] != "36" }), 0.09, 0.015)
	within("with guardian", share(func(ch *welfare.Child) bool { return ch.Migration.WithGuardian == welfare.FlagYes }), 0.995, 0.002)

	key, noGuardian, vagrant, mental, help, aged16, infants, exited, identified := 0, 0, 0, 0, 0, 0, 0, 0, 0
	reasons := map[welfare.ExitReason]int{}
	perTownship := map[string]int{}
	for _, ch := range c.Children {
		perTownship[ch.Residence.Township]++
		ds := welfare.KeyEligibility(ch, prog.KeyCategories)
		if len(ds) > 0 {
			key++
		}
		for _, d := range ds {
			switch d.Category {
			case welfare.KeyNoGuardian:
				noGuardian++
			case welfare.KeyVagrancy:
				vagrant++
			case welfare.KeyPsychological:
				mental++
			case welfare.KeyHelpRequest:
				help++
			}
		}
		age := ch.AgeOn(c.AsOf)
		if age >= prog.Eligibility.MaxAge {
			aged16++
			assert.Equal(t, welfare.StateMonitored, ch.State())
			due := prog.Eligibility.ExitsDue(ch, prog.Area.Code, c.AsOf)
			require.NotEmpty(t, due)
			assert.Equal(t, welfare.ExitAgedOut, due[0].Reason)
		}
		if ch.BirthDate.MonthsOn(c.AsOf) < 6 {
			infants++
			assert.Equal(t, welfare.StateIdentified, ch.State(), "an infant under six months is not yet eligible")
		}
		switch ch.State() {
		case welfare.StateExited:
			exited++
			reasons[ch.Lifecycle[len(ch.Lifecycle)-1].Reason]++
		case welfare.StateIdentified:
			identified++
		}
	}
	keyShare := float64(key) / float64(n)
	assert.GreaterOrEqual(t, keyShare, 0.05, "key-eligible share")
	assert.LessOrEqual(t, keyShare, 0.10, "key-eligible share")
	assert.Positive(t, noGuardian)
	assert.Positive(t, vagrant)
	assert.Positive(t, mental)
	assert.Positive(t, help)
	assert.Positive(t, aged16)
	assert.Positive(t, infants)
	assert.Positive(t, reasons[welfare.ExitReturned])
	assert.Positive(t, reasons[welfare.ExitHukouMoved])
	assert.Less(t, float64(exited)/float64(n), 0.03)
	assert.Less(t, float64(identified)/float64(n), 0.08)
	t.Logf("key-eligible %d (%.1f%%), no guardian %d, vagrant %d, psychological %d, help %d, aged 16 %d, infants %d, exited %d, identified %d",
		key, 100*keyShare, noGuardian, vagrant, mental, help, aged16, infants, exited, identified)

	// Every township has children; the four urban units are the largest; farms are small.
	tws := c.Divisions.Townships(prog.Area.Code)
	require.Len(t, tws, 24)
	for _, tw := range tws {
		assert.Positive(t, perTownship[tw.Code], "township %s %s", tw.Code, tw.Name)
	}
	codes := make([]string, 0, len(tws))
	for _, tw := range tws {
		codes = append(codes, tw.Code)
	}
	slices.SortFunc(codes, func(a, b string) int { return perTownship[b] - perTownship[a] })
	assert.ElementsMatch(t, []string{"360121100", "360121001", "360121403", "360121101"}, codes[:4])
	assert.Less(t, perTownship["360121572"], n/100)
	assert.Less(t, perTownship["360121501"], n/100)
}

func TestGenerateLedgerGaps(t *testing.T) {
	c := county(t)
	prog := c.Programme
	entries := map[uuid.UUID][]*welfare.KeyEntry{}
	for _, e := range c.KeyEntries {
		entries[e.ChildID] = append(entries[e.ChildID], e)
	}
	children := map[uuid.UUID]*welfare.Child{}
	for _, ch := range c.Children {
		children[ch.ID] = ch
	}
	eligible, gaps := 0, 0
	for _, ch := range c.Children {
		ds := welfare.KeyEligibility(ch, prog.KeyCategories)
		if len(ds) == 0 {
			assert.Empty(t, entries[ch.ID], "entries only for key-eligible children")
			continue
		}
		if ch.State() == welfare.StateExited {
			for _, e := range entries[ch.ID] {
				require.NotNil(t, e.Closed, "entries of exited children are closed")
			}
			continue
		}
		eligible++
		missing := false
		for _, d := range ds {
			found := false
			for _, e := range entries[ch.ID] {
				found = found || (e.Category == d.Category && e.OpenOn(c.AsOf))
			}
			missing = missing || !found
		}
		if missing {
			gaps++
		}
	}
	assert.Positive(t, gaps, "AC-5 needs ledger gaps")
	assert.InDelta(t, 0.08, float64(gaps)/float64(eligible), 0.01)
	t.Logf("key-eligible not exited %d, gaps %d, entries %d", eligible, gaps, len(c.KeyEntries))

	for _, e := range c.KeyEntries {
		ch, ok := children[e.ChildID]
		require.True(t, ok, "entry for an unknown child")
		_, ok = prog.KeyCategory(e.Category)
		assert.True(t, ok)
		assert.Equal(t, prog.Area.Code, e.AreaCode)
		assert.False(t, e.Opened.Before(ch.Lifecycle[0].On), "opened before identification")
		assert.True(t, e.Opened.Before(c.AsOf))
		assert.NotEmpty(t, e.OpenedBy)
		for i, r := range e.Reviews {
			assert.False(t, r.Before(e.Opened))
			assert.True(t, r.Before(c.AsOf))
			if i > 0 {
				assert.False(t, r.Before(e.Reviews[i-1]))
			}
		}
	}
}

func TestGenerateTeamAndStaff(t *testing.T) {
	c := county(t)
	prog := c.Programme
	tc := welfare.CheckTeam(c.Staff, prog.Team)
	assert.True(t, tc.Met, "TM-1: %+v", tc)
	assert.Equal(t, 1, tc.Counts[welfare.RoleProjectLead])
	assert.Equal(t, 5, tc.Counts[welfare.RoleSocialWorker])
	assert.Equal(t, 1, tc.Counts[welfare.RoleCounsellor])

	v := welfare.NewValidator()
	byRole := map[welfare.Role][]*welfare.Staff{}
	ids := map[uuid.UUID]*welfare.Staff{}
	for _, s := range c.Staff {
		require.NoError(t, v.Struct(s))
		byRole[s.Role] = append(byRole[s.Role], s)
		ids[s.ID] = s
		r, ok := c.Divisions.Region(s.Scope)
		require.True(t, ok, "scope %s", s.Scope)
		want := map[welfare.Role]welfare.Level{
			welfare.RoleProjectLead: welfare.LevelCounty, welfare.RoleSocialWorker: welfare.LevelCounty,
			welfare.RoleCounsellor: welfare.LevelCounty, welfare.RoleAuditor: welfare.LevelCounty,
			welfare.RoleSupervisor: welfare.LevelTownship, welfare.RoleStationStaff: welfare.LevelTownship,
			welfare.RoleDirector: welfare.LevelVillage, welfare.RoleVolunteer: welfare.LevelVillage,
		}[s.Role]
		assert.Equal(t, want, r.Level, "scope of %s", s.Role)
	}
	assert.Len(t, ids, len(c.Staff), "staff IDs are unique")
	assert.Len(t, byRole[welfare.RoleAuditor], 2)
	assert.Len(t, byRole[welfare.RoleSupervisor], 24)
	assert.NotEmpty(t, byRole[welfare.RoleStationStaff])
	assert.NotEmpty(t, byRole[welfare.RoleVolunteer])

	supervised := map[string]int{}
	for _, s := range byRole[welfare.RoleSupervisor] {
		supervised[s.Scope]++
	}
	directed := map[string]int{}
	for _, s := range byRole[welfare.RoleDirector] {
		directed[s.Scope]++
	}
	for _, tw := range c.Divisions.Townships(prog.Area.Code) {
		assert.Equal(t, 1, supervised[tw.Code], "one supervisor per township")
		villages := c.Divisions.Children(tw.Code)
		assert.GreaterOrEqual(t, len(villages), 4)
		assert.LessOrEqual(t, len(villages), 12)
		for _, vil := range villages {
			assert.Equal(t, welfare.LevelVillage, vil.Level)
			assert.Len(t, vil.Code, 12)
			assert.Equal(t, tw.Code, vil.Code[:9])
			assert.Contains(t, []string{"村", "社区"}, vil.Kind)
			assert.Contains(t, vil.Name, vil.Kind)
			assert.Equal(t, 1, directed[vil.Code], "one director per village")
		}
	}
	for _, ch := range c.Children {
		s, ok := ids[uuid.MustParse(ch.UpdatedBy)]
		require.True(t, ok)
		assert.Equal(t, welfare.RoleDirector, s.Role)
		assert.Equal(t, ch.Residence.Village, s.Scope, "surveyed by the village's child director")
	}
}

func TestGenerateChildrenAreValid(t *testing.T) {
	c := county(t)
	v := welfare.NewValidator()
	for _, ch := range c.Children {
		require.NoError(t, v.Struct(ch), "child %s", ch.ID)
	}
}

func TestGenerateChildrenAreConsistent(t *testing.T) {
	c := county(t)
	prog := c.Programme
	rule := prog.Eligibility
	stamp := c.AsOf.Start().UTC().Truncate(time.Microsecond)
	seenIDs := map[uuid.UUID]bool{}
	seenNumbers := map[string]bool{}
	for _, ch := range c.Children {
		require.False(t, seenIDs[ch.ID], "duplicate child ID")
		seenIDs[ch.ID] = true
		assert.Equal(t, prog.Area.Code, ch.AreaCode)
		assert.Zero(t, ch.Version)
		assert.Equal(t, stamp, ch.CreatedAt)
		assert.Equal(t, stamp, ch.UpdatedAt)
		assert.Equal(t, time.UTC, ch.CreatedAt.Location())

		age := ch.AgeOn(c.AsOf)
		assert.GreaterOrEqual(t, age, 0)
		assert.LessOrEqual(t, age, rule.MaxAge)
		assert.False(t, ch.ArrivalDate.Before(ch.BirthDate), "arrived before birth")
		assert.True(t, ch.ArrivalDate.Before(c.AsOf))
		assert.LessOrEqual(t, ch.ArrivalDate.YearsOn(c.AsOf), 10)

		if !ch.IDNumber.IsZero() {
			require.False(t, seenNumbers[ch.IDNumber.Full()], "duplicate identity number")
			seenNumbers[ch.IDNumber.Full()] = true
			sex, ok := ch.IDNumber.Sex()
			require.True(t, ok)
			assert.Equal(t, ch.Sex, sex)
			bd, ok := ch.IDNumber.BirthDate()
			require.True(t, ok)
			assert.Equal(t, ch.BirthDate, welfare.DateOf(bd))
			region, ok := ch.IDNumber.RegionCode()
			require.True(t, ok)
			if ch.Hukou.RegionCode[:6] != prog.Area.Code {
				assert.Equal(t, ch.Hukou.RegionCode, region, "address code of the registration county")
			}
		}

		tw, ok := c.Divisions.Region(ch.Residence.Township)
		require.True(t, ok)
		assert.Equal(t, welfare.LevelTownship, tw.Level)
		vil, ok := c.Divisions.Region(ch.Residence.Village)
		require.True(t, ok)
		assert.Equal(t, tw.Code, vil.Parent)
		require.NotNil(t, ch.Residence.Geo)
		assert.InDelta(t, 28.55, ch.Residence.Geo.Lat, 0.3)
		assert.InDelta(t, 115.94, ch.Residence.Geo.Lng, 0.3)
		assert.NotEmpty(t, ch.Guardians)
		assert.LessOrEqual(t, len(ch.Guardians), 2)

		// Lifecycle: identified first, allowed transitions, days in order, before AsOf.
		require.NotEmpty(t, ch.Lifecycle)
		assert.Equal(t, welfare.LifecycleState(""), ch.Lifecycle[0].From)
		assert.Equal(t, welfare.StateIdentified, ch.Lifecycle[0].To)
		for i, ev := range ch.Lifecycle {
			assert.True(t, ev.On.Before(c.AsOf))
			assert.True(t, ev.Recorded.Before(stamp))
			assert.False(t, ev.On.Before(ch.ArrivalDate), "event before arrival")
			assert.NotEmpty(t, ev.Actor)
			if i > 0 {
				prev := ch.Lifecycle[i-1]
				assert.Equal(t, prev.To, ev.From)
				assert.False(t, ev.On.Before(prev.On))
			}
			if ev.To == welfare.StateExited {
				assert.Contains(t, []welfare.ExitReason{welfare.ExitReturned, welfare.ExitHukouMoved}, ev.Reason)
			}
		}

		// The state agrees with the eligibility rule.
		switch ch.State() {
		case welfare.StateMonitored:
			d := rule.Decide(ch, prog.Area.Code, ch.Lifecycle[1].On)
			if ch.HelpRequested != nil {
				assert.Equal(t, welfare.OutcomeStatisticsOnly, d.Outcome, "%v", d.Reasons)
			} else {
				assert.Equal(t, welfare.OutcomeEligible, d.Outcome, "%v", d.Reasons)
			}
			if age < rule.MaxAge {
				assert.NotEqual(t, welfare.OutcomeNotEligible, rule.Decide(ch, prog.Area.Code, c.AsOf).Outcome)
			}
		case welfare.StateIdentified:
			assert.NotEqual(t, welfare.OutcomeEligible, rule.Decide(ch, prog.Area.Code, c.AsOf).Outcome)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	_, err := democounty.Generate(democounty.Options{Children: -1})
	require.ErrorIs(t, err, welfare.ErrInvalid)
	_, err = democounty.Generate(democounty.Options{AsOf: welfare.Date{Year: 2025, Month: 2, Day: 30}})
	require.ErrorIs(t, err, welfare.ErrInvalid)

	v := welfare.NewValidator()
	for _, opts := range []democounty.Options{
		{Children: 1},
		{Children: 300, Seed: 99},
		{Children: 2000, AsOf: welfare.NewDate(2025, 2, 10)},
		{Children: 2000, AsOf: welfare.NewDate(2026, 11, 30)},
	} {
		c, err := democounty.Generate(opts)
		require.NoError(t, err)
		require.Len(t, c.Children, opts.Children)
		for _, ch := range c.Children {
			require.NoError(t, v.Struct(ch))
			for _, ev := range ch.Lifecycle {
				require.True(t, ev.On.Before(c.AsOf))
			}
		}
		assert.True(t, welfare.CheckTeam(c.Staff, c.Programme.Team).Met)
	}
}

func TestGenerateMentalConcernFromSurvey(t *testing.T) {
	c := county(t)
	k := 0
	for _, ch := range c.Children {
		if o, ok := ch.Status[welfare.AspectMental]; ok && o.Concern {
			k++
			assert.Equal(t, "survey", o.Source.Kind)
		}
	}
	assert.InDelta(t, 0.01, float64(k)/float64(len(c.Children)), 0.001)
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		c, err := democounty.Generate(democounty.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Children) != 12029 {
			b.Fatal("wrong count")
		}
	}
}
