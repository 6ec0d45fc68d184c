package welfare_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func regionCodes(rs []welfare.Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestNanchangCounty(t *testing.T) {
	d := welfare.NanchangCounty()
	require.Same(t, d, welfare.NanchangCounty(), "parsed once, shared")
	assert.NotEmpty(t, d.Version())
	assert.Equal(t, 27, d.Len())

	ts := d.Townships("360121")
	require.Len(t, ts, 24)
	codes := regionCodes(ts)
	assert.True(t, slices.IsSorted(codes))
	assert.Equal(t, "360121001", codes[0])
	assert.Equal(t, "360121572", codes[23])
	for _, r := range ts {
		assert.Equal(t, welfare.LevelTownship, r.Level, r.Code)
		assert.Equal(t, "360121", r.Parent, r.Code)
		assert.NotEmpty(t, r.Name, r.Code)
		assert.NotEmpty(t, r.Kind, r.Code)
		assert.Len(t, r.Code, 9)
	}
	kinds := map[string]int{}
	for _, r := range ts {
		kinds[r.Kind]++
	}
	assert.Equal(t, 1, kinds["街道"])
	assert.Equal(t, 11, kinds["镇"])
	assert.Equal(t, 7, kinds["乡"])

	all := d.All()
	assert.True(t, slices.IsSortedFunc(all, func(a, b welfare.Region) int { return strings.Compare(a.Code, b.Code) }))
	assert.Equal(t, []string{"360000", "360100", "360121"}, regionCodes(all[:3]))
}

func TestDivisionsLookups(t *testing.T) {
	d := welfare.NanchangCounty()

	r, ok := d.Region("360121100")
	require.True(t, ok)
	assert.Equal(t, welfare.Region{Code: "360121100", Name: "莲塘镇", Level: welfare.LevelTownship, Parent: "360121", Kind: "镇"}, r)
	r, ok = d.Region("360121572")
	require.True(t, ok)
	assert.Equal(t, "江西省良种繁殖场", r.Name)
	_, ok = d.Region("360122")
	assert.False(t, ok)
	_, ok = d.Region("")
	assert.False(t, ok)

	assert.Equal(t, []string{"360121100"}, regionCodes(d.ByName("莲塘镇")))
	assert.Equal(t, []string{"360121"}, regionCodes(d.ByName("南昌县")))
	assert.Empty(t, d.ByName("莲塘"))
	assert.Empty(t, d.ByName(""))

	assert.Equal(t, []string{"360100"}, regionCodes(d.Children("360000")))
	assert.Equal(t, []string{"360121"}, regionCodes(d.Children("360100")))
	assert.Len(t, d.Children("360121"), 24)
	assert.Empty(t, d.Children("360121100"))
	assert.Empty(t, d.Townships("360100"), "a city with counties has no townships of its own")

	// Results are copies: changing them does not change d.
	got := d.Children("360121")
	got[0].Name = "changed"
	all := d.All()
	all[0].Name = "changed"
	r, _ = d.Region("360121001")
	assert.Equal(t, "八月湖街道", r.Name)
	r, _ = d.Region("360000")
	assert.Equal(t, "江西省", r.Name)
}

func TestDivisionsWithin(t *testing.T) {
	d := welfare.NanchangCounty()
	tests := []struct {
		ancestor, code string
		want           bool
	}{
		{"360121", "360121100", true},
		{"360100", "360121100", true},
		{"360000", "360121572", true},
		{"360121100", "360121100", true},
		{"360121", "360121", true},
		{"360121100", "360121", false},
		{"360121100", "360121101", false},
		{"360122", "360121100", false},
		{"360121", "360121999", false}, // not in the list: prefixes alone do not count
		{"360121", "", false},
		{"", "", false},
		{"360121", "36012110x", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, d.Within(tt.ancestor, tt.code), "%s ⊇ %s", tt.ancestor, tt.code)
	}
}

func TestDivisionsWithinFollowsParents(t *testing.T) {
	// A township whose code does not share its county's prefix (as after a boundary change).
	d, err := welfare.NewDivisions([]welfare.Region{
		{Code: "360121", Name: "甲县"},
		{Code: "360122", Name: "乙县"},
		{Code: "360122101", Name: "移入镇", Parent: "360121", Kind: "镇"},
	})
	require.NoError(t, err)
	assert.True(t, d.Within("360121", "360122101"))
	assert.False(t, d.Within("360122", "360122101"))
	assert.Equal(t, []string{"360122101"}, regionCodes(d.Townships("360121")))
}

func TestDivisionsExtend(t *testing.T) {
	base := welfare.NanchangCounty()
	ext, err := base.Extend(
		welfare.Region{Code: "360121100001", Name: "样例社区", Parent: "360121100", Kind: "社区"},
		welfare.Region{Code: "360121100201", Name: "样例村", Level: welfare.LevelVillage, Parent: "360121100", Kind: "村"},
	)
	require.NoError(t, err)
	assert.Equal(t, 29, ext.Len())
	assert.Equal(t, base.Version(), ext.Version())
	assert.Equal(t, 27, base.Len(), "original unchanged")
	_, ok := base.Region("360121100001")
	assert.False(t, ok)

	r, ok := ext.Region("360121100001")
	require.True(t, ok)
	assert.Equal(t, welfare.LevelVillage, r.Level, "level taken from the code")
	assert.True(t, ext.Within("360121", "360121100201"))
	assert.True(t, ext.Within("360000", "360121100001"))
	assert.Equal(t, []string{"360121100001", "360121100201"}, regionCodes(ext.Children("360121100")))
	assert.Len(t, ext.Townships("360121"), 24)

	_, err = base.Extend(welfare.Region{Code: "360121100", Name: "重复"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "extension[0]")
	assert.Contains(t, err.Error(), "duplicate code")

	_, err = base.Extend(welfare.Region{Code: "360121101001", Name: "样例村", Parent: "360121100999"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not in the list")
}

func TestNewDivisionsErrors(t *testing.T) {
	province := welfare.Region{Code: "360000", Name: "江西省"}
	city := welfare.Region{Code: "360100", Name: "南昌市", Parent: "360000"}
	county := welfare.Region{Code: "360121", Name: "南昌县", Parent: "360100"}
	tests := []struct {
		name    string
		regions []welfare.Region
		code    string
		why     string
	}{
		{"duplicate code", []welfare.Region{province, city, province}, "360000", "duplicate code (also at regions[0])"},
		{"missing parent", []welfare.Region{province, city, county, {Code: "360121100", Name: "莲塘镇", Parent: "360122"}}, "360121100", "parent 360122 not in the list"},
		{"bad code", []welfare.Region{province, {Code: "36010", Name: "南昌市"}}, "36010", "malformed code"},
		{"letters in code", []welfare.Region{{Code: "36O100", Name: "南昌市"}}, "36O100", "malformed code"},
		{"padded duplicate", []welfare.Region{county, {Code: "360121000000", Name: "南昌县"}}, "360121", "duplicate code (also at regions[0])"},
		{"wrong level", []welfare.Region{{Code: "360121", Name: "南昌县", Level: welfare.LevelTownship}}, "360121", "level township does not match the code, which is a county code"},
		{"parent two levels up", []welfare.Region{province, {Code: "360121", Name: "南昌县", Parent: "360000"}}, "360121", "parent 360000 is a province, not one level above a county"},
		{"parent below", []welfare.Region{{Code: "360121100", Name: "莲塘镇"}, {Code: "360121", Name: "南昌县", Parent: "360121100"}}, "360121", "not one level above"},
		{"empty name", []welfare.Region{province, {Code: "360100", Name: "  ", Parent: "360000"}}, "360100", "empty name"},
		{"own parent", []welfare.Region{{Code: "360000", Name: "江西省", Parent: "360000"}}, "360000", "own parent"},
		{"bad parent code", []welfare.Region{{Code: "360100", Name: "南昌市", Parent: "36"}}, "360100", "malformed parent code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := welfare.NewDivisions(tt.regions)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.True(t, errors.Is(err, welfare.ErrInvalid))
			var de *welfare.DivisionsError
			require.True(t, errors.As(err, &de))
			assert.Equal(t, tt.code, de.Code)
			assert.Contains(t, err.Error(), tt.why)
			assert.Contains(t, err.Error(), "regions[")
		})
	}
}

func TestNewDivisionsAcceptsRootsAndCitiesWithoutCounties(t *testing.T) {
	d, err := welfare.NewDivisions([]welfare.Region{
		{Code: "441900", Name: "东莞市", Level: welfare.LevelCity},
		{Code: "441900003", Name: "东城街道", Parent: "441900", Kind: "街道"},
		{Code: " 360121 ", Name: " 南昌县 "}, // a county as a root; space trimmed
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"441900003"}, regionCodes(d.Townships("441900")))
	r, ok := d.Region("360121")
	require.True(t, ok)
	assert.Equal(t, "南昌县", r.Name)
	assert.Equal(t, welfare.LevelCounty, r.Level)

	empty, err := welfare.NewDivisions(nil)
	require.NoError(t, err)
	assert.Zero(t, empty.Len())
	assert.False(t, empty.Within("360121", "360121100"))
}

func TestDivisionsPaddedCodes(t *testing.T) {
	// Household-registration places often carry 12-digit codes padded with 000.
	d := welfare.NanchangCounty()
	r, ok := d.Region("360121100000")
	require.True(t, ok)
	assert.Equal(t, "360121100", r.Code)
	assert.True(t, d.Within("360121", "360121100000"))
	assert.True(t, d.Within("360121000000", "360121100"))
	assert.False(t, d.Within("360121100000", "360121101000"))
	assert.Len(t, d.Townships("360121000000"), 24)
	assert.Len(t, d.Children("360121000000"), 24)

	// A list written entirely in 12-digit codes loads in canonical form.
	in := "code,name,parent\n360121000000,南昌县,\n360121100000,莲塘镇,360121000000\n360121100201,样例村,360121100000\n"
	loaded, err := welfare.LoadDivisions(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"360121", "360121100", "360121100201"}, regionCodes(loaded.All()))
	r, _ = loaded.Region("360121100201")
	assert.Equal(t, "360121100", r.Parent)
	assert.Equal(t, welfare.LevelVillage, r.Level)
}

func TestLoadDivisionsJSON(t *testing.T) {
	in := `  {"version": "test-1", "regions": [
		{"code": "360121", "name": "南昌县", "level": "county"},
		{"code": "360121100", "name": "莲塘镇", "level": "Township", "parent": "360121", "kind": "镇"},
		{"code": "360121100001", "name": "样例社区", "parent": "360121100", "kind": "社区"}
	]}`
	d, err := welfare.LoadDivisions(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, "test-1", d.Version())
	assert.Equal(t, 3, d.Len())
	r, ok := d.Region("360121100001")
	require.True(t, ok)
	assert.Equal(t, welfare.LevelVillage, r.Level)
	assert.True(t, d.Within("360121", "360121100001"))
}

func TestLoadDivisionsCSV(t *testing.T) {
	in := "\uFEFFname, code ,parent,level,kind\n" +
		"南昌县,360121,,county,县\n" +
		"\n" +
		"\"莲塘镇\",360121100,360121,township,镇\n" +
		"样例村,360121100201,360121100,,村\n"
	d, err := welfare.LoadDivisions(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, "", d.Version())
	assert.Equal(t, []string{"360121", "360121100", "360121100201"}, regionCodes(d.All()))
	r, _ := d.Region("360121100201")
	assert.Equal(t, welfare.Region{Code: "360121100201", Name: "样例村", Level: welfare.LevelVillage, Parent: "360121100", Kind: "村"}, r)

	// Only code and name are required.
	d, err = welfare.LoadDivisions(strings.NewReader("code,name\n360121,南昌县\n"))
	require.NoError(t, err)
	assert.Equal(t, 1, d.Len())
}

func TestLoadDivisionsErrors(t *testing.T) {
	tests := []struct {
		name, in, at, why string
	}{
		{"empty", "", "", "empty input"},
		{"only spaces", "  \n ", "", "empty input"},
		{"json unknown field", `{"regions":[{"code":"360121","name":"南昌县"},{"code":"360121100","name":"莲塘镇","parnet":"360121"}]}`, "regions[1]", "unknown field"},
		{"json unknown top field", `{"version":"x","region":[]}`, "", "unknown field"},
		{"json syntax", "{\"regions\": [\n{\"code\": \"360121\",,}]}", "line 2", "malformed JSON"},
		{"json wrong type", "{\"regions\": [\n{\"code\": 360121, \"name\": \"南昌县\"}]}", "regions[0]", "malformed region"},
		{"json bad level", `{"regions":[{"code":"360121","name":"南昌县","level":"district"}]}`, "regions[0]", "unknown level"},
		{"json no regions", `{"version":"x"}`, "", "no \"regions\""},
		{"json trailing data", "{\"regions\":[{\"code\":\"360121\",\"name\":\"南昌县\"}]}\n{}", "line 2", "after the JSON object"},
		{"json duplicate", `{"regions":[{"code":"360121","name":"南昌县"},{"code":"360121","name":"南昌县"}]}`, "regions[1]", "duplicate code (also at regions[0])"},
		{"csv unknown column", "code,name,parnet\n360121,南昌县,\n", "line 1", "unknown column \"parnet\""},
		{"csv missing column", "code,level\n360121,county\n", "line 1", "missing column \"name\""},
		{"csv twice", "code,name,code\n360121,南昌县,360121\n", "line 1", "twice"},
		{"csv field count", "code,name,parent\n360121,南昌县,\n360121100,莲塘镇\n", "line 3", "2 fields, header has 3"},
		{"csv bad level", "code,name,level\n360121,南昌县,county\n360121100,莲塘镇,town\n", "line 3", "unknown level"},
		{"csv missing parent", "code,name,parent\n360121,南昌县,\n\n360121100,莲塘镇,360122\n", "line 4", "parent 360122 not in the list"},
		{"csv duplicate", "code,name\n360121,南昌县\n360121,南昌县\n", "line 3", "duplicate code (also at line 2)"},
		{"csv header only", "code,name\n", "", "no regions"},
		{"csv bad quote", "code,name\n360121,\"南昌县\n", "", "malformed CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := welfare.LoadDivisions(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.True(t, errors.Is(err, welfare.ErrInvalid))
			var de *welfare.DivisionsError
			require.True(t, errors.As(err, &de), "%v", err)
			assert.Equal(t, tt.at, de.At)
			assert.Contains(t, err.Error(), tt.why)
		})
	}
}

func TestLevelText(t *testing.T) {
	for l := welfare.LevelUnknown; l <= welfare.LevelVillage; l++ {
		b, err := json.Marshal(l)
		require.NoError(t, err)
		var back welfare.Level
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, l, back)
	}
	b, err := json.Marshal(welfare.Region{Code: "360121", Name: "南昌县", Level: welfare.LevelCounty})
	require.NoError(t, err)
	assert.JSONEq(t, `{"code":"360121","name":"南昌县","level":"county"}`, string(b))

	var l welfare.Level
	require.NoError(t, l.UnmarshalText([]byte(" Township ")))
	assert.Equal(t, welfare.LevelTownship, l)
	require.NoError(t, l.UnmarshalText(nil))
	assert.Equal(t, welfare.LevelUnknown, l)
	assert.ErrorIs(t, l.UnmarshalText([]byte("district")), welfare.ErrInvalid)
	assert.Error(t, json.Unmarshal([]byte(`3`), &l), "levels are names, not numbers")
	_, err = welfare.Level(9).MarshalText()
	assert.ErrorIs(t, err, welfare.ErrInvalid)
	assert.Equal(t, "乡级", welfare.LevelTownship.Chinese())
	assert.Equal(t, "Level(9)", welfare.Level(9).String())
}

func TestValidRegionCodeAndLevelOf(t *testing.T) {
	tests := []struct {
		code  string
		valid bool
		level welfare.Level
	}{
		{"360000", true, welfare.LevelProvince},
		{"360100", true, welfare.LevelCity},
		{"360121", true, welfare.LevelCounty},
		{"360121100", true, welfare.LevelTownship},
		{"360121001", true, welfare.LevelTownship},
		{"360121100201", true, welfare.LevelVillage},
		{"360121000", true, welfare.LevelCounty},
		{"360121100000", true, welfare.LevelTownship},
		{"360121000000", true, welfare.LevelCounty},
		{"360100000000", true, welfare.LevelCity},
		{"360000000000", true, welfare.LevelProvince},
		{"", false, welfare.LevelUnknown},
		{"36012", false, welfare.LevelUnknown},
		{"3601211", false, welfare.LevelUnknown},
		{"36012110020", false, welfare.LevelUnknown},
		{"3601211002011", false, welfare.LevelUnknown},
		{"36012a", false, welfare.LevelUnknown},
		{"３６０１２１", false, welfare.LevelUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.valid, welfare.ValidRegionCode(tt.code), tt.code)
		assert.Equal(t, tt.level, welfare.LevelOf(tt.code), tt.code)
	}
}

func TestDivisionsConcurrentReads(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			d := welfare.NanchangCounty()
			for _, r := range d.Townships("360121") {
				if !d.Within("360000", r.Code) {
					t.Errorf("%s not within the province", r.Code)
				}
				_, _ = d.Region(r.Code)
				_ = d.ByName(r.Name)
			}
		})
	}
	wg.Wait()
}

func FuzzLoadDivisions(f *testing.F) {
	f.Add(`{"version":"v","regions":[{"code":"360121","name":"南昌县","level":"county"},{"code":"360121100","name":"莲塘镇","parent":"360121"}]}`)
	f.Add("code,name,level,parent,kind\n360121,南昌县,county,,县\n360121100,莲塘镇,township,360121,镇\n")
	f.Add("\uFEFFcode,name\n360000,江西省\n")
	f.Add(`{"regions":[{"code":"360121","name":"x","level":"village"}]}`)
	f.Add("code,name,parent\n360121100,莲塘镇,360121\n")
	f.Add("")
	f.Add("{")
	f.Add("\"")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := welfare.LoadDivisions(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, welfare.ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			return
		}
		all := d.All()
		if !slices.IsSortedFunc(all, func(a, b welfare.Region) int { return strings.Compare(a.Code, b.Code) }) {
			t.Fatal("All is not sorted")
		}
		again, err := welfare.NewDivisions(all)
		if err != nil {
			t.Fatalf("loaded regions do not validate again: %v", err)
		}
		if again.Len() != d.Len() {
			t.Fatal("length changed")
		}
		for _, r := range all {
			if !d.Within(r.Code, r.Code) || welfare.LevelOf(r.Code) != r.Level {
				t.Fatalf("inconsistent region %s", r.Code)
			}
			if r.Parent != "" && !d.Within(r.Parent, r.Code) {
				t.Fatalf("%s not within its parent", r.Code)
			}
		}
	})
}

func BenchmarkDivisionsWithin(b *testing.B) {
	d, err := welfare.NanchangCounty().Extend(welfare.Region{Code: "360121100201", Name: "样例村", Parent: "360121100"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !d.Within("360000", "360121100201") {
			b.Fatal("not within")
		}
	}
}

func ExampleNanchangCounty() {
	d := welfare.NanchangCounty()
	townships := d.Townships("360121")
	fmt.Println(len(townships), townships[0].Name, townships[0].Kind)

	r, _ := d.Region("360121100")
	fmt.Println(r.Name, r.Level, r.Level.Chinese())
	fmt.Println(d.Within("360100", "360121100"), d.Within("360121", "360122001"))
	// Output:
	// 24 八月湖街道 街道
	// 莲塘镇 township 乡级
	// true false
}
