package audit

import (
	"fmt"
	"slices"

	"github.com/6tail/lunar-go/calendar"

	"github.com/childwelfare/liudong/welfare"
)

// Festival is a traditional or public festival on which the programme holds activities
// tied to its customs (CA-3 每逢重大节日开展节日习俗相关活动).
type Festival struct {
	Code      string       `json:"code"`                 // e.g. "spring_festival"
	Name      string       `json:"name"`                 // Chinese, e.g. "春节"
	Date      welfare.Date `json:"date"`                 // the Gregorian (公历) day in the requested year
	Lunar     bool         `json:"lunar"`                // fixed by the lunar calendar (农历)
	SolarTerm bool         `json:"solar_term,omitempty"` // fixed by a solar term (节气), e.g. Qingming
}

type lunarFestival struct {
	code, name string
	month, day int
}

var lunarFestivals = []lunarFestival{
	{"spring_festival", "春节", 1, 1},
	{"lantern_festival", "元宵节", 1, 15},
	{"dragon_boat_festival", "端午节", 5, 5},
	{"qixi_festival", "七夕节", 7, 7},
	{"mid_autumn_festival", "中秋节", 8, 15},
	{"double_ninth_festival", "重阳节", 9, 9},
}

var fixedFestivals = []struct {
	code, name string
	month, day int
}{
	{"new_year", "元旦", 1, 1},
	{"womens_day", "妇女节", 3, 8},
	{"labour_day", "劳动节", 5, 1},
	{"youth_day", "青年节", 5, 4},
	{"childrens_day", "儿童节", 6, 1},
	{"teachers_day", "教师节", 9, 10},
	{"national_day", "国庆节", 10, 1},
}

// Festivals returns the festivals of a Gregorian year in date order: the lunar ones
// (春节, 元宵节, 端午节, 七夕节, 中秋节, 重阳节, and 除夕, the eve of the Spring
// Festival), Qingming (清明, the day of the solar term), and the fixed-date ones (元旦,
// 妇女节, 劳动节, 青年节, 儿童节, 教师节, 国庆节). Lunar dates come from lunar-go; the
// lunar festivals of lunar year Y all fall in Gregorian year Y. Years outside 1901..2099
// are refused.
func Festivals(year int) ([]Festival, error) {
	if year < 1901 || year > 2099 {
		return nil, fmt.Errorf("audit: festivals: year %d outside 1901..2099: %w", year, welfare.ErrInvalid)
	}
	var out []Festival
	for _, f := range lunarFestivals {
		s := calendar.NewLunarFromYmd(year, f.month, f.day).GetSolar()
		d := welfare.NewDate(s.GetYear(), timeMonth(s.GetMonth()), s.GetDay())
		out = append(out, Festival{Code: f.code, Name: f.name, Date: d, Lunar: true})
		if f.code == "spring_festival" {
			out = append(out, Festival{Code: "new_years_eve", Name: "除夕", Date: d.AddDate(0, 0, -1), Lunar: true})
		}
	}
	// The solar term 清明 of Gregorian year Y is in lunar year Y's table (it lies between
	// the Spring Festival's neighbourhood and the fifth lunar month).
	if s, ok := calendar.NewLunarFromYmd(year, 1, 1).GetJieQiTable()["清明"]; ok && s.GetYear() == year {
		out = append(out, Festival{Code: "qingming", Name: "清明节", SolarTerm: true,
			Date: welfare.NewDate(s.GetYear(), timeMonth(s.GetMonth()), s.GetDay())})
	} else {
		return nil, fmt.Errorf("audit: festivals: no Qingming in %d", year)
	}
	for _, f := range fixedFestivals {
		out = append(out, Festival{Code: f.code, Name: f.name, Date: welfare.NewDate(year, timeMonth(f.month), f.day)})
	}
	slices.SortStableFunc(out, func(a, b Festival) int { return a.Date.Compare(b.Date) })
	return out, nil
}
