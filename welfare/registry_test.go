package welfare_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/welfare"
)

// fixture is a registry over a memory store with a few staff members of every scope.
type fixture struct {
	ctx                              context.Context
	store                            *memory.Store
	reg                              *welfare.Registry
	logs                             *observer.ObservedLogs
	lead, director, other, auditor   welfare.Actor
	supervisor, volunteer            welfare.Actor
	village, otherVillage, township2 string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	div, err := welfare.NanchangCounty().Extend(
		welfare.Region{Code: "360121100001", Name: "示例社区01", Level: welfare.LevelVillage, Parent: "360121100", Kind: "社区"},
		welfare.Region{Code: "360121100002", Name: "示例村02", Level: welfare.LevelVillage, Parent: "360121100", Kind: "村"},
		welfare.Region{Code: "360121101001", Name: "示例村03", Level: welfare.LevelVillage, Parent: "360121101", Kind: "村"},
	)
	require.NoError(t, err)
	core, logs := observer.New(zap.DebugLevel)
	store := memory.New()
	clock := welfare.FixedClock{T: time.Date(2025, 6, 30, 9, 0, 0, 0, welfare.Beijing())}
	reg, err := welfare.NewRegistry(store, welfare.Nanchang2025(), welfare.Options{
		Clock: clock, IDs: welfare.NewSeededIDs(1), Logger: zap.New(core), Divisions: div})
	require.NoError(t, err)
	f := &fixture{ctx: ctx, store: store, reg: reg, logs: logs,
		village: "360121100001", otherVillage: "360121100002", township2: "360121101"}
	mk := func(role welfare.Role, scope string) welfare.Actor {
		s := &welfare.Staff{ID: uuid.New(), AreaCode: "360121", Name: "工作人员", Role: role, Scope: scope, Active: true}
		require.NoError(t, store.CreateStaff(ctx, s))
		return welfare.ActorOf(s)
	}
	f.lead = mk(welfare.RoleProjectLead, "360121")
	f.director = mk(welfare.RoleDirector, f.village)
	f.other = mk(welfare.RoleDirector, f.otherVillage)
	f.auditor = mk(welfare.RoleAuditor, "360121")
	f.supervisor = mk(welfare.RoleSupervisor, "360121101")
	f.volunteer = mk(welfare.RoleVolunteer, f.village)
	return f
}

const (
	childName  = "王小红"
	childPhone = "13900001234"
	childIDNum = "36012420150310002X" // synthetic, valid check character
)

func input(village string) welfare.Child {
	return welfare.Child{
		Name: childName, Sex: welfare.SexFemale, BirthDate: welfare.NewDate(2015, 3, 10),
		IDNumber:    welfare.IDNumber(childIDNum),
		Hukou:       welfare.Place{RegionCode: "360124100000", Address: "示例县示例路1号"},
		Residence:   welfare.Residence{Township: village[:9], Village: village, Address: "示例路88号"},
		ArrivalDate: welfare.NewDate(2022, 8, 1),
		Migration:   welfare.Migration{WithGuardian: welfare.FlagYes},
		Guardians:   []welfare.Guardian{{Name: "王大明", Relationship: "father", Phone: childPhone, Capacity: welfare.CapacityFull}},
		Schooling:   welfare.Schooling{Stage: "primary", School: "示例小学"},
	}
}

func TestRegisterChild(t *testing.T) {
	f := newFixture(t)
	reg, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	c := reg.Child
	assert.Equal(t, int64(1), c.Version)
	assert.Equal(t, "360121", c.AreaCode)
	assert.Equal(t, welfare.StateIdentified, c.State())
	assert.Equal(t, welfare.NewDate(2025, 6, 30), c.Lifecycle[0].On)
	assert.Equal(t, welfare.OutcomeEligible, reg.Decision.Outcome)
	assert.Empty(t, reg.PossibleDuplicates)

	// The same identity number again is refused.
	_, err = f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	assert.ErrorIs(t, err, welfare.ErrDuplicate)

	// Same name and birth date, no number: registered, flagged; a shared guardian phone
	// makes the match stronger.
	in := input(f.village)
	in.IDNumber = ""
	dup, err := f.reg.RegisterChild(f.ctx, f.director, in)
	require.NoError(t, err)
	require.Len(t, dup.PossibleDuplicates, 1)
	assert.Equal(t, c.ID, dup.PossibleDuplicates[0].ChildID)
	assert.Equal(t, "name_birth_phone", dup.PossibleDuplicates[0].Match)
}

func TestRegisterChildValidation(t *testing.T) {
	f := newFixture(t)
	in := input(f.village)
	in.Name = ""
	in.Guardians[0].Phone = "123"
	in.IDNumber = "360124201503100025" // wrong check character
	in.Residence.Geo = &welfare.GeoPoint{Lat: 91}
	_, err := f.reg.RegisterChild(f.ctx, f.director, in)
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, field := range []string{"Name", "Guardians[0].Phone", "IDNumber", "Residence.Geo.Lat"} {
		assert.True(t, ve.Has(field), field)
	}
	assert.NotContains(t, err.Error(), "360124201503100025")

	in = input(f.village)
	in.Residence.Village = "360121101001" // a village of another township
	_, err = f.reg.RegisterChild(f.ctx, f.director, in)
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Residence.Village"))

	n := 0
	for range f.store.Children(f.ctx, welfare.ChildFilter{Area: "360121"}) {
		n++
	}
	assert.Zero(t, n, "nothing stored")
}

func TestScopes(t *testing.T) {
	f := newFixture(t)
	reg, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	id := reg.Child.ID

	_, err = f.reg.RegisterChild(f.ctx, f.other, input(f.village))
	assert.ErrorIs(t, err, welfare.ErrOutOfScope, "another village's director cannot register here")

	got, err := f.reg.GetChild(f.ctx, f.other, id, "走访")
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)
	assert.Nil(t, got, "no data out of scope")
	_, err = f.reg.GetChild(f.ctx, f.supervisor, id, "督导")
	assert.ErrorIs(t, err, welfare.ErrOutOfScope, "another township's supervisor")

	got, err = f.reg.GetChild(f.ctx, f.auditor, id, "验收抽查")
	require.NoError(t, err)
	got.Schooling.Stage = "junior"
	_, err = f.reg.UpdateChild(f.ctx, f.auditor, *got)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope, "auditors write nothing")
	_, err = f.reg.Exit(f.ctx, f.auditor, id, welfare.ExitReturned, welfare.NewDate(2025, 7, 1), "")
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)
	_, err = f.reg.OpenKeyEntry(f.ctx, f.director, welfare.KeyEntryInput{ChildID: id, Category: welfare.KeyDisability, Opened: welfare.NewDate(2025, 6, 1)})
	assert.ErrorIs(t, err, welfare.ErrOutOfScope, "directors read the ledger, do not write it")

	// Moving a child out of the director's village is out of scope too.
	got, err = f.reg.GetChild(f.ctx, f.director, id, "更新")
	require.NoError(t, err)
	got.Residence.Village = f.otherVillage
	_, err = f.reg.UpdateChild(f.ctx, f.director, *got)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)

	// Reads are recorded: who, when, why.
	var purposes []string
	for r, err := range f.store.AccessRecords(f.ctx, id) {
		require.NoError(t, err)
		purposes = append(purposes, r.Purpose)
	}
	assert.Equal(t, []string{"验收抽查", "更新"}, purposes)
}

func TestLifecycleThroughRegistry(t *testing.T) {
	f := newFixture(t)
	reg, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	id := reg.Child.ID
	c, err := f.reg.ConfirmMonitoring(f.ctx, f.director, id, welfare.NewDate(2025, 7, 1))
	require.NoError(t, err)
	assert.Equal(t, welfare.StateMonitored, c.State())
	c, err = f.reg.Exit(f.ctx, f.director, id, welfare.ExitReturned, welfare.NewDate(2025, 8, 1), "")
	require.NoError(t, err)
	assert.Equal(t, welfare.StateExited, c.State())
	c, err = f.reg.ReEnter(f.ctx, f.director, id, welfare.NewDate(2025, 9, 1))
	require.NoError(t, err)
	assert.Equal(t, welfare.StateIdentified, c.State())
	assert.Len(t, c.Lifecycle, 4)
	assert.Equal(t, int64(4), c.Version)

	// A child who arrived too recently cannot be confirmed; the error explains.
	in := input(f.village)
	in.IDNumber, in.Name, in.ArrivalDate = "", "李小华", welfare.NewDate(2025, 5, 1)
	r2, err := f.reg.RegisterChild(f.ctx, f.director, in)
	require.NoError(t, err)
	_, err = f.reg.ConfirmMonitoring(f.ctx, f.director, r2.Child.ID, welfare.NewDate(2025, 7, 1))
	var ne *welfare.NotEligibleError
	require.ErrorAs(t, err, &ne)
	assert.ErrorIs(t, err, welfare.ErrNotEligible)
	assert.Equal(t, "minfa-2024-17", ne.Decision.RuleID)
}

func TestMergeKeepsBothHistories(t *testing.T) {
	f := newFixture(t)
	a, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	in := input(f.village)
	in.IDNumber = ""
	b, err := f.reg.RegisterChild(f.ctx, f.director, in)
	require.NoError(t, err)
	_, err = f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: b.Child.ID, Category: welfare.KeyVagrancy, Opened: welfare.NewDate(2025, 6, 1)})
	require.NoError(t, err)
	_, _, err = f.reg.Observe(f.ctx, f.director, b.Child.ID, welfare.AspectMental,
		welfare.Observation{Value: "情绪低落", Concern: true, Date: welfare.NewDate(2025, 6, 20), Source: welfare.Source{Kind: "visit"}})
	require.NoError(t, err)

	assert.ErrorIs(t, f.reg.Merge(f.ctx, f.director, a.Child.ID, b.Child.ID, welfare.NewDate(2025, 6, 30)), welfare.ErrOutOfScope)
	require.NoError(t, f.reg.Merge(f.ctx, f.lead, a.Child.ID, b.Child.ID, welfare.NewDate(2025, 6, 30)))

	keep, err := f.store.GetChild(f.ctx, a.Child.ID)
	require.NoError(t, err)
	dup, err := f.store.GetChild(f.ctx, b.Child.ID)
	require.NoError(t, err)
	assert.Equal(t, welfare.StateExited, dup.State())
	assert.Equal(t, welfare.ExitDuplicate, dup.Lifecycle[len(dup.Lifecycle)-1].Reason)
	assert.Equal(t, a.Child.ID, *dup.MergedInto)
	assert.True(t, keep.Status[welfare.AspectMental].Concern, "observations join the kept record")
	var entries []*welfare.KeyEntry
	for e, err := range f.store.KeyEntries(f.ctx, welfare.KeyEntryFilter{Area: "360121", ChildID: a.Child.ID}) {
		require.NoError(t, err)
		entries = append(entries, e)
	}
	require.Len(t, entries, 1, "the ledger entry moved to the kept record")
	assert.Error(t, f.reg.Merge(f.ctx, f.lead, a.Child.ID, b.Child.ID, welfare.NewDate(2025, 6, 30)), "merging twice")
}

func TestKeyLedgerAndGaps(t *testing.T) {
	f := newFixture(t)
	in := input(f.village)
	in.Economic = welfare.EconomicDibao
	in.Disability = &welfare.Disability{Type: "hearing", Grade: 3}
	r, err := f.reg.RegisterChild(f.ctx, f.director, in)
	require.NoError(t, err)
	asOf := welfare.NewDate(2025, 6, 30)

	gaps, err := f.reg.LedgerGaps(f.ctx, f.auditor, asOf)
	require.NoError(t, err)
	require.Len(t, gaps, 1)
	assert.Len(t, gaps[0].Missing, 2)

	e, err := f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: r.Child.ID, Category: welfare.KeyFamilyHardship, Tier: "yellow", Opened: welfare.NewDate(2025, 6, 1)})
	require.NoError(t, err)
	assert.Equal(t, welfare.NewDate(2025, 12, 1), e.ReviewDue)
	_, err = f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: r.Child.ID, Category: welfare.KeyFamilyHardship, Opened: welfare.NewDate(2025, 6, 2)})
	assert.ErrorIs(t, err, welfare.ErrDuplicate, "one open entry per category")
	_, err = f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: r.Child.ID, Category: "unknown", Opened: asOf})
	assert.ErrorIs(t, err, welfare.ErrInvalid)

	gaps, err = f.reg.LedgerGaps(f.ctx, f.auditor, asOf)
	require.NoError(t, err)
	require.Len(t, gaps, 1)
	require.Len(t, gaps[0].Missing, 1)
	assert.Equal(t, welfare.KeyDisability, gaps[0].Missing[0].Category)

	_, err = f.reg.CloseKeyEntry(f.ctx, f.lead, e.ID, welfare.NewDate(2025, 6, 20), "已脱困")
	require.NoError(t, err)
	gaps, err = f.reg.LedgerGaps(f.ctx, f.auditor, asOf)
	require.NoError(t, err)
	assert.Len(t, gaps[0].Missing, 2, "a closed entry no longer covers the child")

	// Gaps of another village's director scope are empty.
	gaps, err = f.reg.LedgerGaps(f.ctx, f.other, asOf)
	require.NoError(t, err)
	assert.Empty(t, gaps)
}

func TestCensusAndExits(t *testing.T) {
	f := newFixture(t)
	_, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	old := input(f.village)
	old.IDNumber, old.Name, old.BirthDate, old.Sex = "", "赵小刚", welfare.NewDate(2009, 3, 1), welfare.SexMale
	old.Schooling.Stage = "junior"
	r, err := f.reg.RegisterChild(f.ctx, f.director, old)
	require.NoError(t, err)
	_, err = f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: r.Child.ID, Category: welfare.KeyVagrancy, Opened: welfare.NewDate(2025, 1, 1)})
	require.NoError(t, err)

	asOf := welfare.NewDate(2025, 6, 30)
	cs, err := f.reg.Census(f.ctx, f.auditor, asOf)
	require.NoError(t, err)
	assert.Equal(t, 2, cs.Total)
	assert.Equal(t, map[string]int{"360121100": 2}, cs.ByTownship)
	assert.Equal(t, 1, cs.ByAgeBand["6-11"])
	assert.Equal(t, 1, cs.ByAgeBand["16+"])
	assert.Equal(t, 1, cs.ByKeyCategory[welfare.KeyVagrancy])
	assert.Equal(t, 1, cs.KeyChildren)
	assert.Equal(t, 2, cs.ByState[welfare.StateIdentified])

	_, err = f.reg.Census(f.ctx, f.director, asOf)
	assert.ErrorIs(t, err, welfare.ErrOutOfScope, "directors have no census permission")

	due, err := f.reg.ExitsDue(f.ctx, f.auditor, asOf)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, welfare.ExitAgedOut, due[0].Reason)
	assert.Equal(t, welfare.NewDate(2025, 3, 1), due[0].Since)
}

func TestStaffAndTeam(t *testing.T) {
	f := newFixture(t)
	tc, err := f.reg.CheckTeam(f.ctx, f.auditor)
	require.NoError(t, err)
	assert.False(t, tc.Met)
	for range 4 {
		_, err := f.reg.AddStaff(f.ctx, f.lead, welfare.StaffInput{Name: "社工", Role: welfare.RoleSocialWorker, Scope: "360121"})
		require.NoError(t, err)
	}
	_, err = f.reg.AddStaff(f.ctx, f.lead, welfare.StaffInput{Name: "咨询师", Role: welfare.RoleCounsellor, Scope: "360121"})
	require.NoError(t, err)
	tc, err = f.reg.CheckTeam(f.ctx, f.auditor)
	require.NoError(t, err)
	assert.True(t, tc.Met, "%+v", tc)

	_, err = f.reg.AddStaff(f.ctx, f.auditor, welfare.StaffInput{Name: "甲", Role: welfare.RoleSocialWorker, Scope: "360121"})
	assert.ErrorIs(t, err, welfare.ErrOutOfScope)
	_, err = f.reg.AddStaff(f.ctx, f.lead, welfare.StaffInput{Name: "甲", Role: welfare.RoleDirector, Scope: "360121999999"})
	assert.ErrorIs(t, err, welfare.ErrInvalid, "scope must be a known region")
}

func TestNoPersonalDataInLogsOrErrors(t *testing.T) {
	f := newFixture(t)
	r, err := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.NoError(t, err)
	_, dupErr := f.reg.RegisterChild(f.ctx, f.director, input(f.village))
	require.Error(t, dupErr)
	_, err = f.reg.OpenKeyEntry(f.ctx, f.lead, welfare.KeyEntryInput{ChildID: r.Child.ID, Category: welfare.KeyDisability, Opened: welfare.NewDate(2025, 6, 1)})
	require.NoError(t, err)
	require.NotZero(t, f.logs.Len())

	secrets := []string{childName, childPhone, childIDNum, "王大明", "示例路88号", "示例县示例路1号", childIDNum[6:14]}
	var all strings.Builder
	for _, e := range f.logs.All() {
		all.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			all.WriteString(k)
			all.WriteString(strings.TrimSpace(strings.ReplaceAll(fmtAny(v), "\n", " ")))
		}
	}
	all.WriteString(dupErr.Error())
	all.WriteString(r.Child.String())
	for _, s := range secrets {
		assert.NotContains(t, all.String(), s)
	}
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		var b strings.Builder
		for k, v := range x {
			b.WriteString(k + "=" + fmtAny(v) + " ")
		}
		return b.String()
	default:
		return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmt.Sprint(x), "\t", " "), "\n", " "))
	}
}
