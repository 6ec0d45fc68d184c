package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"sigs.k8s.io/yaml"

	"github.com/childwelfare/liudong/welfare"
)

// ErrUnknownYear reports a working-day question about a year for which the calendar has
// neither the official table (from lunar-go) nor a host override. Add the year with
// [Calendar.Override] or [Calendar.Load].
var ErrUnknownYear = errors.New("audit: calendar has no holiday table for the year")

// ErrBadCalendar reports an override that cannot be used (a date outside its year, a day
// both a holiday and a make-up working day, a malformed document).
var ErrBadCalendar = errors.New("audit: bad calendar override")

// Calendar is the working-day calendar (工作日历) of the State Council holiday notices:
// Monday to Friday are working days, except the statutory holidays (法定节假日); weekend
// days announced as make-up working days (调休上班) are working days.
//
// The official tables come from github.com/6tail/lunar-go's HolidayUtil (which carries
// the notices from 2002 on; DOMAIN §6 checks 2025–2027). A host can add or replace a
// year with [Calendar.Override] or [Calendar.Load], e.g. when a new notice is published
// before the package is updated. A year with neither is unknown: questions about it fail
// with [ErrUnknownYear] instead of silently guessing, because payment deadlines depend on
// the answer.
//
// The zero value is not usable; call [NewCalendar]. A Calendar is safe for concurrent use.
// It only reads lunar-go's tables and never calls HolidayUtil.Fix (which rewrites that
// package's global table unsynchronised); hosts should add years with Override instead.
type Calendar struct {
	mu    sync.RWMutex
	years map[int]*yearTable // overrides and cached official tables
}

type yearTable struct {
	source   string                  // "lunar-go" or "override"
	holidays map[welfare.Date]string // day → holiday name ("" when the override names none)
	workdays map[welfare.Date]string // weekend make-up working days → the holiday they serve
}

// NewCalendar returns a calendar backed by lunar-go's official tables.
func NewCalendar() *Calendar { return &Calendar{years: map[int]*yearTable{}} }

// Override replaces the table of year with the given statutory holidays and make-up
// working days (调休上班日). Every date must lie in year; a date may not be both. The
// official table of that year, if any, is no longer used.
func (c *Calendar) Override(year int, holidays, makeUpWorkdays []welfare.Date) error {
	t := &yearTable{source: "override", holidays: map[welfare.Date]string{}, workdays: map[welfare.Date]string{}}
	for _, d := range holidays {
		if d.Year != year || d.IsZero() {
			return fmt.Errorf("%w: holiday %s is not in %d", ErrBadCalendar, d, year)
		}
		t.holidays[d] = ""
	}
	for _, d := range makeUpWorkdays {
		if d.Year != year || d.IsZero() {
			return fmt.Errorf("%w: make-up working day %s is not in %d", ErrBadCalendar, d, year)
		}
		if _, dup := t.holidays[d]; dup {
			return fmt.Errorf("%w: %s is both a holiday and a make-up working day", ErrBadCalendar, d)
		}
		t.workdays[d] = ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.years[year] = t
	return nil
}

// CalendarYear is one year of a calendar document (see [Calendar.Load]).
type CalendarYear struct {
	Year     int            `json:"year"`
	Holidays []welfare.Date `json:"holidays"`
	Workdays []welfare.Date `json:"workdays"` // make-up working days (调休上班)
}

// CalendarDocument is the JSON/YAML form of calendar overrides:
//
//	years:
//	  - year: 2028
//	    holidays: [2028-01-01, 2028-01-26, …]
//	    workdays: [2028-01-23, …]
type CalendarDocument struct {
	Years []CalendarYear `json:"years"`
}

// ParseCalendarDocument decodes a calendar document from JSON or YAML, rejecting unknown
// fields; errors wrap [ErrBadCalendar] and name the field.
func ParseCalendarDocument(data []byte) (*CalendarDocument, error) {
	var doc CalendarDocument
	if err := decodeStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCalendar, err)
	}
	seen := map[int]bool{}
	for i, y := range doc.Years {
		if y.Year < 1900 || y.Year > 2200 {
			return nil, fmt.Errorf("%w: years[%d].year %d out of range 1900..2200", ErrBadCalendar, i, y.Year)
		}
		if seen[y.Year] {
			return nil, fmt.Errorf("%w: years[%d].year %d repeated", ErrBadCalendar, i, y.Year)
		}
		seen[y.Year] = true
	}
	return &doc, nil
}

// Load reads a [CalendarDocument] (JSON or YAML) and overrides each year it lists.
// Nothing is changed when any year is invalid.
func (c *Calendar) Load(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("audit: read calendar: %w", err)
	}
	doc, err := ParseCalendarDocument(data)
	if err != nil {
		return err
	}
	return c.Apply(doc)
}

// Apply overrides each year of doc. Nothing is changed when any year is invalid.
func (c *Calendar) Apply(doc *CalendarDocument) error {
	scratch := NewCalendar()
	for _, y := range doc.Years {
		if err := scratch.Override(y.Year, y.Holidays, y.Workdays); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for y, t := range scratch.years {
		c.years[y] = t
	}
	return nil
}

// table returns the year's table, loading lunar-go's on first use; nil if unknown.
func (c *Calendar) table(year int) *yearTable {
	c.mu.RLock()
	t, ok := c.years[year]
	c.mu.RUnlock()
	if ok {
		return t
	}
	t = officialYear(year)
	if t == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.years[year]; ok { // an override or a concurrent load won
		return cur
	}
	c.years[year] = t
	return t
}

// officialYear builds a year's table from lunar-go's HolidayUtil, nil if it has none.
// HolidayUtil indexes entries by day; an entry whose day lies in the year belongs to it
// (a make-up working day in late December for the next New Year belongs to December's year).
func officialYear(year int) *yearTable {
	if year < 1 || year > 9999 {
		return nil
	}
	l := HolidayUtil.GetHolidaysByYear(year)
	if l.Len() == 0 {
		return nil
	}
	t := &yearTable{source: "lunar-go", holidays: map[welfare.Date]string{}, workdays: map[welfare.Date]string{}}
	for e := l.Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		d, err := welfare.ParseDate(h.GetDay())
		if err != nil || d.Year != year {
			continue
		}
		if h.IsWork() {
			t.workdays[d] = h.GetName()
		} else {
			t.holidays[d] = h.GetName()
		}
	}
	return t
}

// Known reports whether the calendar has a table (official or override) for year.
func (c *Calendar) Known(year int) bool { return c.table(year) != nil }

// Source says where year's table comes from: "lunar-go", "override", or "" if unknown.
func (c *Calendar) Source(year int) string {
	if t := c.table(year); t != nil {
		return t.source
	}
	return ""
}

// DayKind classifies a day.
type DayKind string

// Day kinds.
const (
	DayWorking DayKind = "working" // an ordinary Monday–Friday working day
	DayMakeUp  DayKind = "make_up" // a weekend day worked in exchange for a holiday (调休上班)
	DayWeekend DayKind = "weekend" // an ordinary Saturday or Sunday
	DayHoliday DayKind = "holiday" // a statutory holiday or a day off in its bridge (法定节假日)
	DayUnknown DayKind = "unknown" // a year the calendar has no table for
	dayInvalid DayKind = "invalid" // the zero date
)

// Kind classifies d, and for holidays and make-up days gives the holiday's name as the
// table records it (e.g. "国庆节"; empty for overrides).
func (c *Calendar) Kind(d welfare.Date) (DayKind, string) {
	if d.IsZero() {
		return dayInvalid, ""
	}
	t := c.table(d.Year)
	if t == nil {
		return DayUnknown, ""
	}
	if name, ok := t.holidays[d]; ok {
		return DayHoliday, name
	}
	if name, ok := t.workdays[d]; ok {
		return DayMakeUp, name
	}
	if wd := d.Start().Weekday(); wd == time.Saturday || wd == time.Sunday {
		return DayWeekend, ""
	}
	return DayWorking, ""
}

// IsWorkingDay reports whether d is a working day (工作日). It fails with
// [ErrUnknownYear] for a year the calendar does not know.
func (c *Calendar) IsWorkingDay(d welfare.Date) (bool, error) {
	switch k, _ := c.Kind(d); k {
	case DayWorking, DayMakeUp:
		return true, nil
	case DayUnknown:
		return false, fmt.Errorf("%w: %d", ErrUnknownYear, d.Year)
	case dayInvalid:
		return false, fmt.Errorf("audit: zero date: %w", welfare.ErrInvalid)
	}
	return false, nil
}

// AddWorkingDays returns the n-th working day after d: the days after d are counted one
// by one, skipping weekends and holidays and counting make-up working days, and the day
// on which the count reaches n is returned. d itself is never counted, whether or not it
// is a working day; n = 0 returns d.
//
// This is how the library reads "within N working days after X" (X后N个工作日内): the
// deadline is AddWorkingDays(X, N), and a payment on or before that day is in time. For
// example, with an invoice received on Friday 2025-09-26, the 10 working days are
// 09-28 (a Sunday worked for National Day), 09-29, 09-30, 10-09, 10-10, 10-11 (a Saturday
// worked), 10-13, 10-14, 10-15 and 10-16: the deadline is 2025-10-16.
//
// It fails with [ErrUnknownYear] when the count runs into a year the calendar does not know.
func (c *Calendar) AddWorkingDays(d welfare.Date, n int) (welfare.Date, error) {
	if d.IsZero() {
		return welfare.Date{}, fmt.Errorf("audit: zero date: %w", welfare.ErrInvalid)
	}
	if n < 0 {
		return welfare.Date{}, fmt.Errorf("audit: negative working days %d: %w", n, welfare.ErrInvalid)
	}
	day := d
	for count := 0; count < n; {
		day = day.AddDate(0, 0, 1)
		ok, err := c.IsWorkingDay(day)
		if err != nil {
			return welfare.Date{}, err
		}
		if ok {
			count++
		}
	}
	return day, nil
}

// WorkingDaysBetween counts the working days in (from, to]: the days after from up to and
// including to. It is the inverse of AddWorkingDays for working days: if
// AddWorkingDays(from, n) = to then WorkingDaysBetween(from, to) = n. Zero when to is not
// after from.
func (c *Calendar) WorkingDaysBetween(from, to welfare.Date) (int, error) {
	n := 0
	for day := from.AddDate(0, 0, 1); !day.After(to); day = day.AddDate(0, 0, 1) {
		ok, err := c.IsWorkingDay(day)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// Holidays returns year's statutory holidays and make-up working days in date order,
// or ErrUnknownYear.
func (c *Calendar) Holidays(year int) (holidays, makeUpWorkdays []welfare.Date, err error) {
	t := c.table(year)
	if t == nil {
		return nil, nil, fmt.Errorf("%w: %d", ErrUnknownYear, year)
	}
	for d := range t.holidays {
		holidays = append(holidays, d)
	}
	for d := range t.workdays {
		makeUpWorkdays = append(makeUpWorkdays, d)
	}
	slices.SortFunc(holidays, welfare.Date.Compare)
	slices.SortFunc(makeUpWorkdays, welfare.Date.Compare)
	return holidays, makeUpWorkdays, nil
}

// decodeStrict decodes JSON or YAML (detected from the content) into v, rejecting
// unknown fields. Errors name the field where encoding/json can.
func decodeStrict(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return fmt.Errorf("yaml: %s", firstLine(err.Error()))
		}
		data = j
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return fmt.Errorf("field %q: want %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
		case errors.As(err, &syntaxErr):
			return fmt.Errorf("syntax error at offset %d", syntaxErr.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return fmt.Errorf("%s", firstLine(err.Error()))
	}
	if dec.More() {
		return errors.New("trailing data after the document")
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
