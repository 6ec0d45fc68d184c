package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func day(s string) welfare.Date {
	d, err := welfare.ParseDate(s)
	if err != nil {
		panic(s)
	}
	return d
}

func span(from, to string) []string {
	var out []string
	for d := day(from); !d.After(day(to)); d = d.AddDate(0, 0, 1) {
		out = append(out, d.String())
	}
	return out
}

// DOMAIN §6: every listed holiday and make-up working day of 2025 and 2026.
func TestCalendarOfficialTables(t *testing.T) {
	var holidays []string
	for _, r := range [][2]string{
		{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
		{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"},
		{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
		{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"},
		{"2026-10-01", "2026-10-07"},
	} {
		holidays = append(holidays, span(r[0], r[1])...)
	}
	workdays := []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
		"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
	c := NewCalendar()
	for _, s := range holidays {
		ok, err := c.IsWorkingDay(day(s))
		require.NoError(t, err)
		assert.False(t, ok, "holiday %s", s)
		k, _ := c.Kind(day(s))
		assert.Equal(t, DayHoliday, k, s)
	}
	for _, s := range workdays {
		ok, err := c.IsWorkingDay(day(s))
		require.NoError(t, err)
		assert.True(t, ok, "make-up working day %s", s)
		k, _ := c.Kind(day(s))
		assert.Equal(t, DayMakeUp, k, s)
	}
	// The tables hold exactly these days (no extra holiday or make-up day).
	var gotH, gotW []string
	for _, y := range []int{2025, 2026} {
		h, w, err := c.Holidays(y)
		require.NoError(t, err)
		for _, d := range h {
			gotH = append(gotH, d.String())
		}
		for _, d := range w {
			gotW = append(gotW, d.String())
		}
	}
	assert.Equal(t, holidays, gotH)
	assert.Equal(t, workdays, gotW)
	assert.Equal(t, "lunar-go", c.Source(2025))

	// Ordinary days.
	for s, want := range map[string]bool{"2025-09-26": true, "2025-09-27": false, "2025-10-12": false, "2025-10-09": true} {
		ok, err := c.IsWorkingDay(day(s))
		require.NoError(t, err)
		assert.Equal(t, want, ok, s)
	}
	k, name := c.Kind(day("2025-10-03"))
	assert.Equal(t, DayHoliday, k)
	assert.Contains(t, name, "国庆")
}

func TestAddWorkingDays(t *testing.T) {
	c := NewCalendar()
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-09-26", 0, "2025-09-26"},
		{"2025-09-26", 1, "2025-09-28"},  // Sunday worked for National Day
		{"2025-09-26", 10, "2025-10-16"}, // across National Day with 09-28 and 10-11 worked
		{"2025-09-30", 1, "2025-10-09"},
		{"2025-10-10", 1, "2025-10-11"},  // Saturday worked
		{"2025-03-03", 10, "2025-03-17"}, // plain weeks
		{"2025-01-24", 1, "2025-01-26"},  // Spring Festival make-up Sunday
		{"2025-01-26", 1, "2025-01-27"},
		{"2025-01-27", 1, "2025-02-05"},
		{"2025-12-31", 1, "2026-01-04"}, // 2026-01-04 is a Sunday worked
		{"2026-01-04", 1, "2026-01-05"},
		{"2025-12-30", 2, "2026-01-04"},
		{"2025-10-04", 0, "2025-10-04"}, // n = 0: the day itself, even a holiday
	} {
		got, err := c.AddWorkingDays(day(tc.from), tc.n)
		require.NoError(t, err, tc.from)
		assert.Equal(t, tc.want, got.String(), "%s + %d", tc.from, tc.n)
		if tc.n > 0 {
			n, err := c.WorkingDaysBetween(day(tc.from), got)
			require.NoError(t, err)
			assert.Equal(t, tc.n, n)
		}
	}
	_, err := c.AddWorkingDays(day("2025-01-01"), -1)
	require.ErrorIs(t, err, welfare.ErrInvalid)
	_, err = c.AddWorkingDays(welfare.Date{}, 1)
	require.ErrorIs(t, err, welfare.ErrInvalid)
}

func TestCalendarUnknownYearAndOverride(t *testing.T) {
	c := NewCalendar()
	require.False(t, c.Known(2101))
	_, err := c.IsWorkingDay(day("2101-01-03"))
	require.ErrorIs(t, err, ErrUnknownYear)
	_, err = c.AddWorkingDays(day("2100-12-30"), 5)
	require.ErrorIs(t, err, ErrUnknownYear)

	require.NoError(t, c.Override(2101, []welfare.Date{day("2101-01-03")}, []welfare.Date{day("2101-01-08")}))
	assert.Equal(t, "override", c.Source(2101))
	ok, err := c.IsWorkingDay(day("2101-01-03")) // a Monday made a holiday
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = c.IsWorkingDay(day("2101-01-08")) // a Saturday worked
	require.NoError(t, err)
	assert.True(t, ok)

	// Overriding a known year replaces its table.
	require.NoError(t, c.Override(2025, nil, nil))
	ok, err = c.IsWorkingDay(day("2025-10-01"))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, time.Wednesday, day("2025-10-01").Start().Weekday())

	require.ErrorIs(t, c.Override(2030, []welfare.Date{day("2031-01-01")}, nil), ErrBadCalendar)
	require.ErrorIs(t, c.Override(2030, []welfare.Date{day("2030-01-01")}, []welfare.Date{day("2030-01-01")}), ErrBadCalendar)
}

func TestCalendarLoad(t *testing.T) {
	c := NewCalendar()
	doc := `
years:
  - year: 2101
    holidays: [2101-01-03, "2101-01-04"]
    workdays: [2101-01-08]
`
	require.NoError(t, c.Load(strings.NewReader(doc)))
	ok, err := c.IsWorkingDay(day("2101-01-04"))
	require.NoError(t, err)
	assert.False(t, ok)

	for _, bad := range []string{
		`{"years":[{"year":2101,"holiday":[]}]}`,              // unknown field
		`{"years":[{"year":2101,"holidays":["2101-02-30"]}]}`, // not a date
		`{"years":[{"year":2101,"holidays":["2102-01-01"]}]}`, // wrong year
		`{"years":[{"year":2101},{"year":2101}]}`,             // repeated
		`{"years":[{"year":"x"}]}`,
		"years: [",
	} {
		c := NewCalendar()
		err := c.Load(strings.NewReader(bad))
		require.ErrorIs(t, err, ErrBadCalendar, bad)
		assert.False(t, c.Known(2101), "nothing applied on error: %s", bad)
	}
	err = NewCalendar().Load(strings.NewReader(`{"years":[{"year":2101,"holiday":[]}]}`))
	assert.Contains(t, err.Error(), "holiday")
}

func FuzzParseCalendarDocument(f *testing.F) {
	f.Add([]byte(`{"years":[{"year":2101,"holidays":["2101-01-03"],"workdays":["2101-01-08"]}]}`))
	f.Add([]byte("years:\n  - year: 2030\n    holidays: [2030-01-01]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseCalendarDocument(data)
		if err != nil {
			return
		}
		c := NewCalendar()
		if err := c.Apply(doc); err != nil {
			return
		}
		for _, y := range doc.Years {
			if !c.Known(y.Year) {
				t.Fatalf("year %d applied but unknown", y.Year)
			}
		}
	})
}

func TestFestivals(t *testing.T) {
	want := map[int]map[string]string{
		2025: {"spring_festival": "2025-01-29", "new_years_eve": "2025-01-28", "lantern_festival": "2025-02-12",
			"qingming": "2025-04-04", "dragon_boat_festival": "2025-05-31", "mid_autumn_festival": "2025-10-06",
			"double_ninth_festival": "2025-10-29", "new_year": "2025-01-01", "childrens_day": "2025-06-01",
			"national_day": "2025-10-01", "qixi_festival": "2025-08-29"},
		2026: {"spring_festival": "2026-02-17", "new_years_eve": "2026-02-16", "lantern_festival": "2026-03-03",
			"qingming": "2026-04-05", "dragon_boat_festival": "2026-06-19", "mid_autumn_festival": "2026-09-25",
			"double_ninth_festival": "2026-10-18"},
	}
	for year, codes := range want {
		fs, err := Festivals(year)
		require.NoError(t, err)
		got := map[string]string{}
		for i, f := range fs {
			got[f.Code] = f.Date.String()
			if i > 0 {
				assert.False(t, f.Date.Before(fs[i-1].Date), "sorted")
			}
		}
		for code, d := range codes {
			assert.Equal(t, d, got[code], "%d %s", year, code)
		}
	}
	_, err := Festivals(1800)
	require.ErrorIs(t, err, welfare.ErrInvalid)
}
