package casework

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/6tail/lunar-go/calendar"

	"github.com/childwelfare/liudong/welfare"
)

// HolidayCalendar says how a holiday's date is found.
type HolidayCalendar string

// Holiday calendars.
const (
	CalendarSolar HolidayCalendar = "solar" // a fixed Gregorian month and day (儿童节 6-1)
	CalendarLunar HolidayCalendar = "lunar" // a Chinese lunar month and day (春节 1-1)
	CalendarTerm  HolidayCalendar = "term"  // a solar term (节气) by its Chinese name (清明)
)

// Holiday is a major holiday (重大节日) that needs a festival activity tied to its
// customs (CA-3). Dates come from the calendar: lunar dates and solar terms from
// github.com/6tail/lunar-go.
type Holiday struct {
	Code     string          `json:"code" validate:"required"`
	Name     string          `json:"name" validate:"required"` // Chinese
	Calendar HolidayCalendar `json:"calendar" validate:"required,oneof=solar lunar term"`
	Month    int             `json:"month,omitempty" validate:"gte=0,lte=12"`
	Day      int             `json:"day,omitempty" validate:"gte=0,lte=31"`
	Term     string          `json:"term,omitempty"` // for CalendarTerm, e.g. "清明"
}

// DefaultHolidays is the default list of major holidays: 春节 (lunar 1-1), 元宵节 (lunar
// 1-15), 清明节 (solar term), 六一儿童节 (6-1), 端午节 (lunar 5-5), 中秋节 (lunar 8-15),
// 国庆节 (10-1). A programme may add 重阳节 (lunar 9-9), 元旦 and others.
func DefaultHolidays() []Holiday {
	return []Holiday{
		{Code: "spring_festival", Name: "春节", Calendar: CalendarLunar, Month: 1, Day: 1},
		{Code: "lantern_festival", Name: "元宵节", Calendar: CalendarLunar, Month: 1, Day: 15},
		{Code: "qingming", Name: "清明节", Calendar: CalendarTerm, Term: "清明"},
		{Code: "childrens_day", Name: "六一儿童节", Calendar: CalendarSolar, Month: 6, Day: 1},
		{Code: "dragon_boat", Name: "端午节", Calendar: CalendarLunar, Month: 5, Day: 5},
		{Code: "mid_autumn", Name: "中秋节", Calendar: CalendarLunar, Month: 8, Day: 15},
		{Code: "national_day", Name: "国庆节", Calendar: CalendarSolar, Month: 10, Day: 1},
	}
}

func (h Holiday) check() error {
	switch h.Calendar {
	case CalendarSolar, CalendarLunar:
		if h.Month < 1 || h.Month > 12 || h.Day < 1 || h.Day > 30 && h.Calendar == CalendarLunar || h.Day > 31 {
			return errors.New("month and day required")
		}
	case CalendarTerm:
		if h.Term == "" {
			return errors.New("term required")
		}
		if _, err := h.On(2025); err != nil {
			return err
		}
	default:
		return errors.New("unknown calendar")
	}
	return nil
}

// lunarMu serialises calls into lunar-go, whose tables are built lazily in package
// state; memo caches computed dates.
var (
	lunarMu sync.Mutex
	memo    = map[holidayYear]welfare.Date{}
)

type holidayYear struct {
	h    Holiday
	year int
}

// On returns the holiday's date in Gregorian year (for lunar holidays: the lunar
// year beginning in that Gregorian year).
func (h Holiday) On(year int) (welfare.Date, error) {
	switch h.Calendar {
	case CalendarSolar:
		return welfare.NewDate(year, time.Month(h.Month), h.Day), nil
	case CalendarLunar, CalendarTerm:
	default:
		return welfare.Date{}, errors.New("casework: unknown holiday calendar")
	}
	lunarMu.Lock()
	defer lunarMu.Unlock()
	k := holidayYear{h, year}
	if d, ok := memo[k]; ok {
		return d, nil
	}
	var s *calendar.Solar
	if h.Calendar == CalendarLunar {
		s = calendar.NewLunarFromYmd(year, h.Month, h.Day).GetSolar()
	} else {
		// The lunar year around mid-year holds every term of the Gregorian year.
		tab := calendar.NewSolarFromYmd(year, 6, 30).GetLunar().GetJieQiTable()
		s = tab[h.Term]
		if s == nil || s.GetYear() != year {
			for _, probe := range []int{2, 11} { // terms near the ends of the year
				tab = calendar.NewSolarFromYmd(year, probe, 15).GetLunar().GetJieQiTable()
				if x := tab[h.Term]; x != nil && x.GetYear() == year {
					s = x
					break
				}
			}
		}
		if s == nil || s.GetYear() != year {
			return welfare.Date{}, errors.New("casework: unknown solar term")
		}
	}
	d := welfare.NewDate(s.GetYear(), time.Month(s.GetMonth()), s.GetDay())
	memo[k] = d
	return d, nil
}

// HolidayDate is one occurrence of a holiday.
type HolidayDate struct {
	Holiday Holiday      `json:"holiday"`
	Date    welfare.Date `json:"date"`
}

// HolidaysIn lists the occurrences of hs in period p, by date.
func HolidaysIn(hs []Holiday, p welfare.Period) ([]HolidayDate, error) {
	var out []HolidayDate
	for y := p.Start.Year - 1; y <= p.End.Year+1; y++ {
		for _, h := range hs {
			d, err := h.On(y)
			if err != nil {
				return nil, err
			}
			if p.Contains(d) {
				out = append(out, HolidayDate{h, d})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b HolidayDate) int { return a.Date.Compare(b.Date) })
	return out, nil
}
