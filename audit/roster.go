package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// ErrBadRoster reports an external roster that cannot be read; the error is a
// *RosterError listing every bad row.
var ErrBadRoster = errors.New("audit: bad roster")

// Roster columns (外部名单). The first line of a roster CSV is a header naming its
// columns, in any order; every column it names must be one of these, and the required
// ones must be present. Values are UTF-8, trimmed of surrounding spaces.
//
//	column              required  meaning
//	source              yes       where the row comes from: school, residence_permit,
//	                              government, police or other (学校/居住证/政府名单/公安/其他)
//	id_number           no        resident identity number (GB 11643) or residence permit
//	                              number; checked (check digit) when given
//	name                yes       the child's name
//	birth_date          yes*      YYYY-MM-DD; may be empty when id_number gives it
//	sex                 no        male/female (男/女)
//	hukou_region        yes       household-registration region code, 6–12 digits
//	residence_township  yes       9-digit township/street code of the current residence
//	arrival_date        yes       YYYY-MM-DD, when the child came to live in the county
//	with_guardian       no        yes/no (是/否): left home with a parent or guardian
//	returned_home       no        yes/no: has gone back to the registration county
//
// A row must carry what the programme's eligibility rule (welfare.EligibilityRule)
// decides from: birth date (age), arrival date (months in the county), registration
// region (cross-county move; central districts) and, when the rule requires it, whether
// the child moved with a guardian. A row lacking one of these is reported as
// undecidable, not as a missed child.
const (
	ColSource            = "source"
	ColIDNumber          = "id_number"
	ColName              = "name"
	ColBirthDate         = "birth_date"
	ColSex               = "sex"
	ColHukouRegion       = "hukou_region"
	ColResidenceTownship = "residence_township"
	ColArrivalDate       = "arrival_date"
	ColWithGuardian      = "with_guardian"
	ColReturnedHome      = "returned_home"
)

var rosterColumns = []string{ColSource, ColIDNumber, ColName, ColBirthDate, ColSex, ColHukouRegion,
	ColResidenceTownship, ColArrivalDate, ColWithGuardian, ColReturnedHome}

var rosterRequired = []string{ColSource, ColName, ColBirthDate, ColHukouRegion, ColResidenceTownship, ColArrivalDate}

// Roster sources.
var rosterSources = map[string]string{
	"school": "school", "学校": "school",
	"residence_permit": "residence_permit", "居住证": "residence_permit",
	"government": "government", "政府名单": "government",
	"police": "police", "公安": "police",
	"other": "other", "其他": "other",
}

// maxRosterRows bounds a roster (a province is ~10⁶ children).
const maxRosterRows = 5_000_000

// RosterRow is one child of an external roster. Line is the CSV line (1 is the header).
type RosterRow struct {
	Line              int              `json:"line"`
	Source            string           `json:"source"`
	IDNumber          welfare.IDNumber `json:"-"`
	Name              string           `json:"-"`
	BirthDate         welfare.Date     `json:"-"`
	Sex               welfare.Sex      `json:"-"`
	HukouRegion       string           `json:"hukou_region"`
	ResidenceTownship string           `json:"residence_township"`
	ArrivalDate       welfare.Date     `json:"arrival_date"`
	WithGuardian      welfare.Flag     `json:"with_guardian"`
	ReturnedHome      bool             `json:"returned_home"`
}

// RowError is one problem in a roster: the line, the column ("" for the whole row) and
// what is wrong. It never repeats the value (the roster holds personal data).
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Problem string `json:"problem"`
}

// RosterError lists every bad row of a roster (up to MaxRowErrors; Total counts all).
type RosterError struct {
	Rows  []RowError `json:"rows"`
	Total int        `json:"total"`
}

// MaxRowErrors bounds the rows a RosterError lists.
const MaxRowErrors = 200

func (e *RosterError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit: bad roster: %d problem(s)", e.Total)
	for i, r := range e.Rows {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		if r.Column != "" {
			fmt.Fprintf(&b, "; line %d, %s: %s", r.Line, r.Column, r.Problem)
		} else {
			fmt.Fprintf(&b, "; line %d: %s", r.Line, r.Problem)
		}
	}
	return b.String()
}

// Is matches ErrBadRoster.
func (e *RosterError) Is(target error) bool { return target == ErrBadRoster }

func (e *RosterError) add(line int, col, format string, args ...any) {
	e.Total++
	if len(e.Rows) < MaxRowErrors {
		e.Rows = append(e.Rows, RowError{Line: line, Column: col, Problem: fmt.Sprintf(format, args...)})
	}
}

// ParseRoster reads a roster CSV (see the column table above) strictly: a header with
// known, unique columns including the required ones; every row with as many fields as
// the header; every value well-formed. It reads the whole input and returns either the
// rows or a *RosterError (wrapping ErrBadRoster) listing every bad row, never part of
// the rows. A UTF-8 byte-order mark is skipped; blank lines are skipped.
func ParseRoster(r io.Reader) ([]RosterRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("audit: roster: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rep := &RosterError{}
	if !utf8.Valid(data) {
		rep.add(0, "", "not UTF-8 text")
		return nil, rep
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		rep.add(1, "", "no header line")
		return nil, rep
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(rosterColumns, h):
			rep.add(1, "", "unknown column %q", h)
		case cols[h] != 0:
			rep.add(1, h, "column named twice")
		default:
			cols[h] = i + 1 // 1-based so that 0 means absent
		}
	}
	for _, c := range rosterRequired {
		if cols[c] == 0 {
			rep.add(1, c, "required column missing")
		}
	}
	if rep.Total > 0 {
		return nil, rep
	}
	var rows []RosterRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if err == nil && len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.add(pe.StartLine, "", "malformed CSV: %v", pe.Err)
			} else {
				rep.add(line, "", "malformed CSV")
			}
			if rep.Total > MaxRowErrors*10 {
				break
			}
			continue
		}
		if len(rec) != len(header) {
			rep.add(line, "", "%d fields, the header has %d", len(rec), len(header))
			continue
		}
		if len(rows) >= maxRosterRows {
			rep.add(line, "", "more than %d rows", maxRosterRows)
			break
		}
		if row, ok := parseRosterRow(rec, cols, line, rep); ok {
			rows = append(rows, row)
		}
	}
	if rep.Total > 0 {
		return nil, rep
	}
	return rows, nil
}

func parseRosterRow(rec []string, cols map[string]int, line int, rep *RosterError) (RosterRow, bool) {
	before := rep.Total
	get := func(c string) string {
		if i := cols[c]; i > 0 {
			return strings.TrimSpace(rec[i-1])
		}
		return ""
	}
	row := RosterRow{Line: line}
	for _, c := range rosterColumns {
		if v := get(c); strings.ContainsFunc(v, unicode.IsControl) {
			rep.add(line, c, "control character")
		}
	}
	if s, ok := rosterSources[get(ColSource)]; ok {
		row.Source = s
	} else {
		rep.add(line, ColSource, "unknown source (want school, residence_permit, government, police or other)")
	}
	if v := get(ColIDNumber); v != "" {
		n, err := welfare.ParseIDNumber(v)
		if err != nil {
			rep.add(line, ColIDNumber, "invalid identity number")
		} else {
			row.IDNumber = n
		}
	}
	row.Name = get(ColName)
	if row.Name == "" || utf8.RuneCountInString(row.Name) > 50 {
		rep.add(line, ColName, "empty or longer than 50 characters")
	}
	date := func(col string, required bool) welfare.Date {
		v := get(col)
		if v == "" {
			if required {
				rep.add(line, col, "empty")
			}
			return welfare.Date{}
		}
		d, err := welfare.ParseDate(v)
		if err != nil {
			rep.add(line, col, "not a YYYY-MM-DD date")
		}
		return d
	}
	row.BirthDate = date(ColBirthDate, row.IDNumber.IsZero())
	if row.BirthDate.IsZero() && !row.IDNumber.IsZero() {
		if t, ok := row.IDNumber.BirthDate(); ok {
			row.BirthDate = welfare.DateOf(t)
		}
	} else if !row.IDNumber.IsZero() {
		if t, ok := row.IDNumber.BirthDate(); ok && welfare.DateOf(t) != row.BirthDate {
			rep.add(line, ColBirthDate, "differs from the identity number's birth date")
		}
	}
	row.ArrivalDate = date(ColArrivalDate, true)
	switch v := get(ColSex); v {
	case "":
	case "male", "男":
		row.Sex = welfare.SexMale
	case "female", "女":
		row.Sex = welfare.SexFemale
	default:
		rep.add(line, ColSex, "want male or female")
	}
	region := func(col string, lengths ...int) string {
		v := get(col)
		if v == "" {
			rep.add(line, col, "empty")
			return ""
		}
		if !slices.Contains(lengths, len(v)) || strings.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
			rep.add(line, col, "not a region code of %v digits", lengths)
		}
		return v
	}
	row.HukouRegion = region(ColHukouRegion, 6, 9, 12)
	row.ResidenceTownship = region(ColResidenceTownship, 9)
	flag := func(col string) welfare.Flag {
		switch get(col) {
		case "":
			return welfare.FlagUnknown
		case "yes", "是", "true", "1":
			return welfare.FlagYes
		case "no", "否", "false", "0":
			return welfare.FlagNo
		}
		rep.add(line, col, "want yes or no")
		return welfare.FlagUnknown
	}
	row.WithGuardian = flag(ColWithGuardian)
	row.ReturnedHome = flag(ColReturnedHome) == welfare.FlagYes
	return row, rep.Total == before
}

// child returns the roster row as the eligibility rule reads a child.
func (r RosterRow) child() *welfare.Child {
	return &welfare.Child{Name: r.Name, Sex: r.Sex, BirthDate: r.BirthDate, IDNumber: r.IDNumber,
		Hukou: welfare.Place{RegionCode: r.HukouRegion}, Residence: welfare.Residence{Township: r.ResidenceTownship},
		ArrivalDate: r.ArrivalDate, Migration: welfare.Migration{WithGuardian: r.WithGuardian, ReturnedHome: r.ReturnedHome}}
}

// key identifies a roster child across rows: the identity number, else name and birth.
func (r RosterRow) key() string {
	if !r.IDNumber.IsZero() {
		return "id:" + r.IDNumber.Full()
	}
	return "nb:" + r.Name + "\x00" + r.BirthDate.String()
}

// Roster match outcomes.
const (
	MatchIDNumber  = "id_number"  // found by identity number
	MatchNameBirth = "name_birth" // found by name and birth date
)

// RosterReport is the result of matching an external roster against the registry (AC-4).
type RosterReport struct {
	Rows       int            `json:"rows"`      // roster rows read
	Children   int            `json:"children"`  // distinct children (rows of one child merged)
	BySource   map[string]int `json:"by_source"` // rows per source
	NotEligib  int            `json:"not_eligible"`
	Undecided  int            `json:"undecidable"` // rows lacking facts the rule needs
	Eligible   int            `json:"eligible"`    // eligible children
	Matched    int            `json:"matched"`     // eligible and in monitoring
	ByMethod   map[string]int `json:"by_method"`   // matches by method
	Missing    int            `json:"missing"`     // eligible, not in monitoring: AC-4 findings
	Exited     int            `json:"exited"`      // of Missing: on the registry but exited or merged
	Ambiguous  int            `json:"ambiguous"`   // of Matched: name and birth matched several records
	RuleID     string         `json:"rule_id"`
	AsOf       welfare.Date   `json:"as_of"`
	SourceHash string         `json:"source_sha256,omitempty"` // SHA-256 of the roster file, when given
}

// MatchRoster matches roster rows against the area's registry on day asOf (AC-4). Rows of
// one child (same identity number, else same name and birth date) are merged, the first
// row's facts deciding. Each child is decided with rule (the programme's eligibility
// rule) on the roster's own facts — the roster is the independent source, the
// provider's records are not trusted to decide who should be monitored. An eligible
// child is looked up by identity number, then by name and birth date; a child not found,
// or found but exited or merged away on the registry, is an AC-4 finding (with no child
// ID, since the child has no record; the evidence names the roster lines and source,
// never the name). Point lookups only: the cost grows with the roster, not the area.
func MatchRoster(ctx context.Context, store welfare.ChildStore, area string, rule welfare.EligibilityRule, asOf welfare.Date, rows []RosterRow) (RosterReport, []Finding, error) {
	rep := RosterReport{Rows: len(rows), BySource: map[string]int{}, ByMethod: map[string]int{}, RuleID: rule.ID, AsOf: asOf}
	type group struct {
		first RosterRow
		lines []int
		srcs  []string
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range rows {
		rep.BySource[r.Source]++
		k := r.key()
		g := groups[k]
		if g == nil {
			g = &group{first: r}
			groups[k] = g
			order = append(order, k)
		}
		g.lines = append(g.lines, r.Line)
		if !slices.Contains(g.srcs, r.Source) {
			g.srcs = append(g.srcs, r.Source)
		}
	}
	rep.Children = len(order)
	var findings []Finding
	for _, k := range order {
		if err := ctx.Err(); err != nil {
			return RosterReport{}, nil, err
		}
		g := groups[k]
		d := rule.Decide(g.first.child(), area, asOf)
		if d.Outcome != welfare.OutcomeEligible {
			if slices.ContainsFunc(d.Reasons, func(s string) bool { return strings.Contains(s, "not recorded") }) {
				rep.Undecided++
			} else {
				rep.NotEligib++
			}
			continue
		}
		rep.Eligible++
		found, method, ambiguous, err := lookup(ctx, store, area, g.first)
		if err != nil {
			return RosterReport{}, nil, err
		}
		var inMonitoring bool
		for _, c := range found {
			if c.MergedInto == nil && (c.State() == welfare.StateIdentified || c.State() == welfare.StateMonitored) {
				inMonitoring = true
			}
		}
		if inMonitoring {
			rep.Matched++
			rep.ByMethod[method]++
			if ambiguous {
				rep.Ambiguous++
			}
			continue
		}
		rep.Missing++
		why := "登记系统中无此儿童"
		if len(found) > 0 {
			rep.Exited++
			why = "登记系统中该儿童已退出监测或被合并"
		}
		lines := make([]string, len(g.lines))
		for i, l := range g.lines {
			lines[i] = strconv.Itoa(l)
		}
		ev := append([]welfare.Fact{{Name: "roster_lines", Value: strings.Join(lines, ",")},
			{Name: "roster_sources", Value: strings.Join(g.srcs, ",")},
			{Name: "has_id_number", Value: strconv.FormatBool(!g.first.IDNumber.IsZero())},
			{Name: "eligibility_rule", Value: d.RuleID + "@" + d.RuleVersion}}, d.Facts...)
		findings = append(findings, Finding{Requirement: ReqMissed, ChildID: uuid.Nil, Evidence: ev, RuleID: "AC-4/" + d.RuleID,
			Explanation: fmt.Sprintf("AC-4：外部名单第 %s 行（来源 %s）的儿童符合纳入条件（规则 %s），但%s",
				strings.Join(lines, "、"), strings.Join(g.srcs, "、"), d.RuleID, why)})
	}
	return rep, findings, nil
}

// lookup finds a roster child on the registry: by identity number, then name and birth.
func lookup(ctx context.Context, store welfare.ChildStore, area string, r RosterRow) ([]*welfare.Child, string, bool, error) {
	if !r.IDNumber.IsZero() {
		c, err := store.ChildByIDNumber(ctx, area, r.IDNumber)
		switch {
		case err == nil:
			return []*welfare.Child{c}, MatchIDNumber, false, nil
		case !errors.Is(err, welfare.ErrNotFound):
			return nil, "", false, fmt.Errorf("audit: roster lookup: %w", err)
		}
	}
	cs, err := store.ChildrenByNameBirth(ctx, area, r.Name, r.BirthDate)
	if err != nil && !errors.Is(err, welfare.ErrNotFound) {
		return nil, "", false, fmt.Errorf("audit: roster lookup: %w", err)
	}
	// A name-and-birth match whose record carries a different identity number is
	// another child.
	kept := cs[:0]
	for _, c := range cs {
		if r.IDNumber.IsZero() || c.IDNumber.IsZero() || c.IDNumber == r.IDNumber {
			kept = append(kept, c)
		}
	}
	return kept, MatchNameBirth, len(kept) > 1, nil
}
