package welfare

import (
	"fmt"
	"time"
)

// Date is a civil date (no time of day, no zone) such as a birth date or the day a child
// arrived. Programme days are Beijing days: DateOf converts an instant accordingly.
// The zero value means "not recorded".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d, normalised like time.Date.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, beijing))
}

// DateOf returns the Beijing calendar day of instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(beijing).Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02". Store scans decode many dates, so the common form is
// parsed by hand; the calendar check is time.Date's normalisation.
func ParseDate(s string) (Date, error) {
	bad := fmt.Errorf("welfare: date must be YYYY-MM-DD: %w", ErrInvalid)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, bad
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
			n = n*10 + int(b[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return Date{}, bad
	}
	if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return Date{}, bad // e.g. 30 February
	}
	return Date{y, time.Month(m), d}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Start returns the first instant of d in Beijing time.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, beijing) }

// AddDate returns d moved by years, months and days (normalised like time.AddDate).
func (d Date) AddDate(years, months, days int) Date {
	return DateOf(d.Start().AddDate(years, months, days))
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// Before reports d < e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports d > e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// String formats d as YYYY-MM-DD ("" for the zero date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; empty text is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// YearsOn returns the number of whole years from d to on (an age, when d is a birth date).
// A birthday on 29 February is reached on 1 March in common years.
func (d Date) YearsOn(on Date) int {
	years := on.Year - d.Year
	if on.Month < d.Month || (on.Month == d.Month && on.Day < d.Day) {
		years--
	}
	return years
}

// MonthsOn returns the number of whole months from d to on. A month from the 31st ends
// on the last day of a shorter month (31 January + 1 month = 28/29 February).
func (d Date) MonthsOn(on Date) int {
	months := (on.Year-d.Year)*12 + int(on.Month) - int(d.Month)
	if on.Day < d.Day && on.AddDate(0, 0, 1).Month == on.Month {
		months--
	}
	return months
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Period is an inclusive range of Beijing days.
type Period struct {
	Start Date `json:"start" validate:"required"`
	End   Date `json:"end" validate:"required"`
}

// Contains reports whether day lies in p (inclusive).
func (p Period) Contains(day Date) bool { return !day.Before(p.Start) && !day.After(p.End) }
