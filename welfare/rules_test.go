package welfare

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func baseChild() *Child {
	return &Child{
		Name: "测试儿童", Sex: SexFemale, BirthDate: NewDate(2015, 3, 10),
		Hukou:       Place{RegionCode: "360124000000"},
		Residence:   Residence{Township: "360121100"},
		ArrivalDate: NewDate(2020, 1, 1),
		Migration:   Migration{WithGuardian: FlagYes},
	}
}

func TestEligibilityDecide(t *testing.T) {
	rule := Nanchang2025().Eligibility
	asOf := NewDate(2025, 6, 30)
	tests := []struct {
		name    string
		edit    func(c *Child)
		area    string
		want    Outcome
		reasons int
	}{
		{"cross-county with guardian", func(*Child) {}, "360121", OutcomeEligible, 0},
		{"turns 16 the day before", func(c *Child) { c.BirthDate = NewDate(2009, 6, 29) }, "360121", OutcomeNotEligible, 1},
		{"turns 16 on asOf", func(c *Child) { c.BirthDate = NewDate(2009, 6, 30) }, "360121", OutcomeNotEligible, 1},
		{"one day short of 16", func(c *Child) { c.BirthDate = NewDate(2009, 7, 1) }, "360121", OutcomeEligible, 0},
		{"exactly 6 months", func(c *Child) { c.ArrivalDate = NewDate(2024, 12, 30) }, "360121", OutcomeEligible, 0},
		{"month-end counts as 6 months", func(c *Child) { c.ArrivalDate = NewDate(2024, 12, 31) }, "360121", OutcomeEligible, 0},
		{"one day under 6 months", func(c *Child) { c.ArrivalDate = NewDate(2025, 1, 1) }, "360121", OutcomeNotEligible, 1},
		{"no arrival date", func(c *Child) { c.ArrivalDate = Date{} }, "360121", OutcomeNotEligible, 1},
		{"without guardian", func(c *Child) { c.Migration.WithGuardian = FlagNo }, "360121", OutcomeNotEligible, 1},
		{"guardian unknown", func(c *Child) { c.Migration.WithGuardian = FlagUnknown }, "360121", OutcomeNotEligible, 1},
		{"between central districts", func(c *Child) { c.Hukou.RegionCode = "360102" }, "360111", OutcomeNotEligible, 1},
		{"central district to county", func(c *Child) { c.Hukou.RegionCode = "360102" }, "360121", OutcomeEligible, 0},
		{"cross-township same county", func(c *Child) { c.Hukou.RegionCode = "360121101000" }, "360121", OutcomeStatisticsOnly, 0},
		{"same township", func(c *Child) { c.Hukou.RegionCode = "360121100000" }, "360121", OutcomeNotEligible, 1},
		{"returned home", func(c *Child) { c.Migration.ReturnedHome = true }, "360121", OutcomeNotEligible, 1},
		{"no registration place", func(c *Child) { c.Hukou.RegionCode = "" }, "360121", OutcomeNotEligible, 1},
		{"several failures", func(c *Child) { c.BirthDate = NewDate(2000, 1, 1); c.Migration.WithGuardian = FlagNo }, "360121", OutcomeNotEligible, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseChild()
			tt.edit(c)
			d := rule.Decide(c, tt.area, asOf)
			assert.Equal(t, tt.want, d.Outcome, d.Reasons)
			assert.Len(t, d.Reasons, tt.reasons)
			assert.Equal(t, "minfa-2024-17", d.RuleID)
			assert.Equal(t, "2024-05", d.RuleVersion)
			assert.NotEmpty(t, d.Facts)
		})
	}
}

func TestExitsDue(t *testing.T) {
	rule := Nanchang2025().Eligibility
	c := baseChild()
	c.BirthDate = NewDate(2009, 5, 1)
	c.Lifecycle = []LifecycleEvent{{To: StateMonitored}}
	due := rule.ExitsDue(c, "360121", NewDate(2025, 6, 30))
	require.Len(t, due, 1)
	assert.Equal(t, ExitAgedOut, due[0].Reason)
	assert.Equal(t, NewDate(2025, 5, 1), due[0].Since)

	c.Hukou.RegionCode = "360121102000"
	c.Migration.ReturnedHome = true
	assert.Len(t, rule.ExitsDue(c, "360121", NewDate(2025, 6, 30)), 3)
	c.Lifecycle = append(c.Lifecycle, LifecycleEvent{To: StateExited})
	assert.Empty(t, rule.ExitsDue(c, "360121", NewDate(2025, 6, 30)), "exited children are never due")
}

func TestLifecycleTransitions(t *testing.T) {
	c := baseChild()
	require.NoError(t, c.transition(StateIdentified, LifecycleEvent{On: NewDate(2025, 1, 2)}))
	assert.ErrorIs(t, c.transition(StateIdentified, LifecycleEvent{On: NewDate(2025, 1, 3)}), ErrTransition)
	require.NoError(t, c.transition(StateMonitored, LifecycleEvent{On: NewDate(2025, 1, 5)}))
	var ve *ValidationError
	require.ErrorAs(t, c.transition(StateExited, LifecycleEvent{On: NewDate(2025, 2, 1)}), &ve, "exit needs a reason")
	require.ErrorAs(t, c.transition(StateExited, LifecycleEvent{On: NewDate(2025, 1, 1), Reason: ExitReturned}), &ve, "no back-dating before the last event")
	require.NoError(t, c.transition(StateExited, LifecycleEvent{On: NewDate(2025, 2, 1), Reason: ExitReturned}))
	assert.ErrorIs(t, c.transition(StateMonitored, LifecycleEvent{On: NewDate(2025, 3, 1)}), ErrTransition)
	require.NoError(t, c.transition(StateIdentified, LifecycleEvent{On: NewDate(2025, 3, 1)}), "re-entry")
	assert.Equal(t, StateIdentified, c.State())
	assert.Len(t, c.Lifecycle, 4, "full history kept")
	assert.Equal(t, StateExited, c.Lifecycle[3].From)
}

func TestKeyEligibility(t *testing.T) {
	rules := Nanchang2025().KeyCategories
	cats := func(c *Child) []KeyCategory {
		var out []KeyCategory
		for _, d := range KeyEligibility(c, rules) {
			out = append(out, d.Category)
			assert.Equal(t, "key/"+string(d.Category), d.RuleID)
			assert.NotEmpty(t, d.Facts)
		}
		return out
	}
	c := baseChild()
	c.Guardians = []Guardian{{Name: "监护人", Relationship: "mother", Capacity: CapacityFull}}
	assert.Empty(t, cats(c))

	c.Economic = EconomicLowIncome
	assert.Empty(t, cats(c), "low income is not 家庭生活困难 by default")
	c.Economic = EconomicDibao
	assert.Equal(t, []KeyCategory{KeyFamilyHardship}, cats(c))
	c.Economic = EconomicTekun
	c.Disability = &Disability{Type: "physical", Grade: 2}
	assert.Equal(t, []KeyCategory{KeyFamilyHardship, KeyDisability}, cats(c))

	c = baseChild()
	c.Guardians = []Guardian{{Name: "甲", Relationship: "father", Capacity: CapacityNone}, {Name: "乙", Relationship: "mother", Capacity: CapacityNone}}
	assert.Equal(t, []KeyCategory{KeyNoGuardian}, cats(c))
	c.Guardians[1].Capacity = CapacityLimited
	assert.Empty(t, cats(c), "a guardian with limited capacity is still a guardian")
	c.Guardians = nil
	assert.Equal(t, []KeyCategory{KeyNoGuardian}, cats(c))

	c = baseChild()
	c.Guardians = []Guardian{{Name: "甲", Relationship: "father"}}
	c.Vagrant = true
	c.Status.Apply(AspectMental, Observation{Value: "情绪低落", Concern: true, Date: NewDate(2025, 5, 1), Source: Source{Kind: "visit"}})
	asked := NewDate(2025, 4, 1)
	c.HelpRequested = &asked
	assert.Equal(t, []KeyCategory{KeyVagrancy, KeyPsychological, KeyHelpRequest}, cats(c))
}

func TestStatusApplyKeepsNewest(t *testing.T) {
	var s StatusSnapshot
	assert.True(t, s.Apply(AspectHealth, Observation{Value: "良好", Date: NewDate(2025, 5, 1)}))
	assert.False(t, s.Apply(AspectHealth, Observation{Value: "生病", Date: NewDate(2025, 4, 1)}), "back-dated")
	assert.Equal(t, "良好", s[AspectHealth].Value)
	assert.True(t, s.Apply(AspectHealth, Observation{Value: "发烧", Date: NewDate(2025, 5, 1)}), "same day replaces")
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, 0, d.YearsOn(NewDate(2025, 2, 28)))
	assert.Equal(t, 1, d.YearsOn(NewDate(2025, 3, 1)))
	assert.Equal(t, 5, NewDate(2025, 1, 31).MonthsOn(NewDate(2025, 6, 30)), "30 June is June's last day")
	assert.Equal(t, 4, NewDate(2025, 1, 31).MonthsOn(NewDate(2025, 6, 29)))
	assert.Equal(t, 1, NewDate(2025, 1, 31).MonthsOn(NewDate(2025, 2, 28)))
	assert.Equal(t, 6, NewDate(2025, 1, 30).MonthsOn(NewDate(2025, 7, 30)))
	_, err = ParseDate("2025-02-30")
	assert.ErrorIs(t, err, ErrInvalid)
	b, err := json.Marshal(struct{ D, Z Date }{D: d})
	require.NoError(t, err)
	assert.JSONEq(t, `{"D":"2024-02-29","Z":""}`, string(b))
	// 2025-06-30 16:00 UTC is already 1 July in Beijing.
	assert.Equal(t, NewDate(2025, 7, 1), DateOf(NewDate(2025, 6, 30).Start().UTC().Add(24*3600e9)))
}

func TestProgrammePresetValid(t *testing.T) {
	p := Nanchang2025()
	require.NoError(t, p.Validate())
	assert.Equal(t, 12029, p.BaselineChildren)
	assert.Equal(t, "250000", p.Budget.String())
}

func TestLoadProgrammeJSONAndYAML(t *testing.T) {
	b, err := json.Marshal(Nanchang2025())
	require.NoError(t, err)
	p, err := LoadProgramme(bytes.NewReader(b))
	require.NoError(t, err)
	again, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(again), "JSON round trip")
	assert.True(t, p.Acceptance.SampleShare.Equal(Nanchang2025().Acceptance.SampleShare))

	y, err := yaml.JSONToYAML(b)
	require.NoError(t, err)
	p, err = LoadProgramme(bytes.NewReader(y))
	require.NoError(t, err)
	again, err = json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(again), "YAML round trip")
}

func TestLoadProgrammeErrorsNameTheField(t *testing.T) {
	good, err := json.Marshal(Nanchang2025())
	require.NoError(t, err)
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(good, &m))
		f(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name, field string
		doc         []byte
	}{
		{"unknown field", "colour", edit(func(m map[string]any) { m["colour"] = "red" })},
		{"wrong type", "baseline_children", edit(func(m map[string]any) { m["baseline_children"] = "many" })},
		{"sample share zero", "Acceptance.SampleShare", edit(func(m map[string]any) { m["acceptance"].(map[string]any)["sample_share"] = "0" })},
		{"payment not summing to 1", "Payment.Parts", edit(func(m map[string]any) {
			m["payment"].(map[string]any)["parts"].([]any)[1].(map[string]any)["share"] = "0.6"
		})},
		{"period reversed", "Period.End", edit(func(m map[string]any) { m["period"].(map[string]any)["end"] = "2024-01-01" })},
		{"missing id", "ID", edit(func(m map[string]any) { delete(m, "id") })},
		{"bad area code", "Area.Code", edit(func(m map[string]any) { m["area"].(map[string]any)["code"] = "36012" })},
		{"bad quota period", "Visits.Quotas[1].Period", edit(func(m map[string]any) {
			m["visits"].(map[string]any)["quotas"].([]any)[1].(map[string]any)["period"] = "week"
		})},
		{"yaml syntax", "(document)", []byte("id: [unclosed\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadProgramme(bytes.NewReader(tt.doc))
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.True(t, ve.Has(tt.field), "want field %s in %v", tt.field, ve.Fields)
		})
	}
}

func FuzzLoadProgramme(f *testing.F) {
	b, _ := json.Marshal(Nanchang2025())
	f.Add(b)
	y, _ := yaml.JSONToYAML(b)
	f.Add(y)
	f.Add([]byte("id: x\nperiod: {start: 2025-01-01}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := LoadProgramme(bytes.NewReader(doc))
		if err == nil {
			require.NoError(t, p.Validate())
		} else {
			require.False(t, strings.Contains(err.Error(), "panic"))
		}
	})
}

func TestAccessMatrix(t *testing.T) {
	m := DefaultAccess()
	director := Actor{Role: RoleDirector, Area: "360121", Scope: "360121100001"}
	auditor := Actor{Role: RoleAuditor, Area: "360121", Scope: "360121"}
	supervisor := Actor{Role: RoleSupervisor, Area: "360121", Scope: "360121100"}
	tests := []struct {
		actor  Actor
		perm   Permission
		region string
		ok     bool
	}{
		{director, PermReadChild, "360121100001", true},
		{director, PermWriteChild, "360121100001", true},
		{director, PermReadChild, "360121100002", false},
		{director, PermReadChild, "360121100", false},
		{director, PermWriteLedger, "360121100001", false},
		{supervisor, PermWriteChild, "360121100009", true},
		{supervisor, PermWriteChild, "360121101001", false},
		{auditor, PermReadChild, "360121403001", true},
		{auditor, PermWriteChild, "360121403001", false},
		{auditor, PermWriteLedger, "360121", false},
		{auditor, PermManageStaff, "360121", false},
	}
	for _, tt := range tests {
		err := m.Allows(tt.actor, tt.perm, tt.region)
		if tt.ok {
			assert.NoError(t, err, "%s %s %s", tt.actor.Role, tt.perm, tt.region)
		} else {
			assert.ErrorIs(t, err, ErrOutOfScope, "%s %s %s", tt.actor.Role, tt.perm, tt.region)
		}
	}
	for _, r := range Roles() {
		assert.NotContains(t, m[RoleAuditor], PermWriteChild, r)
	}
}

func TestCheckTeam(t *testing.T) {
	rule := Nanchang2025().Team
	var staff []*Staff
	add := func(r Role, n int, active bool) {
		for range n {
			staff = append(staff, &Staff{Role: r, Active: active})
		}
	}
	add(RoleProjectLead, 1, true)
	add(RoleSocialWorker, 3, true)
	add(RoleSocialWorker, 1, false)
	add(RoleCounsellor, 1, true)
	add(RoleDirector, 20, true)
	tc := CheckTeam(staff, rule)
	assert.False(t, tc.Met)
	assert.Equal(t, 5, tc.Total, "directors are partners, not team members")
	assert.Equal(t, map[Role]int{RoleSocialWorker: 1}, tc.Short)
	add(RoleSocialWorker, 1, true)
	tc = CheckTeam(staff, rule)
	assert.True(t, tc.Met)
	assert.Empty(t, tc.Short)
}

func TestCatalogue(t *testing.T) {
	c := DefaultCatalogue()
	require.NoError(t, c.Validate())
	assert.Len(t, c.Areas, 6)
	s, ok := c.Service("psych_comfort")
	require.True(t, ok)
	assert.Equal(t, "心理慰藉服务", s.Name)

	loaded, err := LoadCatalogue(strings.NewReader("version: v2\nareas: [弱有所扶]\nservices:\n- {code: a, name: 甲, area: 弱有所扶}\n- {code: a, name: 乙, area: 其他}\n"))
	require.Nil(t, loaded)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Services[1].Code"))
	assert.True(t, ve.Has("Services[1].Area"))
}

func TestMasking(t *testing.T) {
	assert.Equal(t, "张**", MaskName("张小明"))
	assert.Equal(t, "李*", MaskName("李四"))
	assert.Equal(t, "王*", MaskName("王"))
	assert.Equal(t, "138****5678", MaskPhone("13812345678"))
	c := baseChild()
	c.Name = "张小明"
	assert.NotContains(t, c.String(), "小明")
}

func TestValidatorCustomTags(t *testing.T) {
	v := NewValidator()
	c := baseChild()
	c.Guardians = []Guardian{{Name: "甲", Relationship: "father", Phone: "12345"}}
	c.IDNumber = "15000019970319128X"
	c.Residence.Township = "36012"
	err := v.Struct(c)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Guardians[0].Phone"))
	assert.True(t, ve.Has("IDNumber"))
	assert.True(t, ve.Has("Residence.Township"))
	assert.NotContains(t, err.Error(), "12345")
	assert.NotContains(t, err.Error(), "1997")
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-01-31", "2024-02-29", "2025-02-29", "0000-00-00", "2025-1-01", "９０２５-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		std, stdErr := time.Parse(time.DateOnly, s)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("ParseDate(%q) err=%v, time.Parse err=%v", s, err, stdErr)
		}
		if err == nil {
			require.Equal(t, s, d.String())
			require.Equal(t, std.Day(), d.Day)
		}
	})
}
