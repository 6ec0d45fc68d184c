package welfare

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Level is the tier of an administrative division (行政区划层级).
type Level uint8

// Levels, from the province down. The statistical codes give 6 digits to provinces,
// cities and counties, 9 to townships and 12 to villages.
const (
	LevelUnknown  Level = iota
	LevelProvince       // 省级
	LevelCity           // 地级
	LevelCounty         // 县级
	LevelTownship       // 乡级: 街道, 镇, 乡 and similar units
	LevelVillage        // 村级: 村 and 社区
)

var levelNames = [...]string{"unknown", "province", "city", "county", "township", "village"}

var levelChinese = [...]string{"未知", "省级", "地级", "县级", "乡级", "村级"}

// String returns the English name used in JSON and CSV, e.g. "township".
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// Chinese returns the term used in generated documents, e.g. "乡级".
func (l Level) Chinese() string {
	if int(l) < len(levelChinese) {
		return levelChinese[l]
	}
	return "未知"
}

// MarshalText implements encoding.TextMarshaler with the English name.
func (l Level) MarshalText() ([]byte, error) {
	if int(l) >= len(levelNames) {
		return nil, fmt.Errorf("%w: level %d out of range", ErrInvalid, uint8(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts the English names in any
// case; empty text is LevelUnknown.
func (l *Level) UnmarshalText(b []byte) error {
	t := strings.TrimSpace(string(b))
	if t == "" {
		*l = LevelUnknown
		return nil
	}
	for i, name := range levelNames {
		if strings.EqualFold(t, name) {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown level %q (want province, city, county, township or village)", ErrInvalid, regionClip(t))
}

// Region is one administrative division with its statistical division code
// (统计用区划代码).
type Region struct {
	Code   string `json:"code"` // 6 digits province/city/county, 9 township/street, 12 village/community
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent,omitempty"` // code of the division one level up; "" for a root
	Kind   string `json:"kind,omitempty"`   // free text: 街道, 镇, 乡, 村, 社区, 开发区 …
}

// ValidRegionCode reports whether code has the shape of a statistical division code:
// 6, 9 or 12 ASCII digits. Padded forms such as 360121100000 (a township written with 12
// digits) are valid.
func ValidRegionCode(code string) bool {
	switch len(code) {
	case 6, 9, 12:
	default:
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// regionCanonical drops the "000" padding of a 12- or 9-digit code (360121100000 →
// 360121100, 360121000000 → 360121): no township or village has suffix 000, so the
// padded form always names the division above. Other strings are returned unchanged.
func regionCanonical(code string) string {
	if !ValidRegionCode(code) {
		return code
	}
	for len(code) > 6 && code[len(code)-3:] == "000" {
		code = code[:len(code)-3]
	}
	return code
}

// LevelOf returns the level a code's shape implies: 6 digits ending "0000" province,
// ending "00" city, other 6-digit codes county; 9 digits township; 12 digits village.
// Padding is read as such: 360121100000 is a township and 360121000000 a county.
// LevelUnknown for a code ValidRegionCode rejects.
func LevelOf(code string) Level {
	if !ValidRegionCode(code) {
		return LevelUnknown
	}
	code = regionCanonical(code)
	switch len(code) {
	case 9:
		return LevelTownship
	case 12:
		return LevelVillage
	}
	switch {
	case code[2:] == "0000":
		return LevelProvince
	case code[4:] == "00":
		return LevelCity
	}
	return LevelCounty
}

// DivisionsError reports invalid division data: where (an index or a line), which code
// and why. It matches ErrInvalid under errors.Is. Division data holds no personal data,
// so codes are named.
type DivisionsError struct {
	At     string // "regions[3]", "line 5", "extension[0]"; "" when not known
	Code   string // the offending code, "" when not known
	Reason string
}

func (e *DivisionsError) Error() string {
	var b strings.Builder
	b.WriteString("welfare: invalid divisions")
	if e.At != "" {
		b.WriteString(": ")
		b.WriteString(e.At)
	}
	if e.Code != "" {
		b.WriteString(": code ")
		b.WriteString(e.Code)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *DivisionsError) Is(target error) bool { return target == ErrInvalid }

// Divisions is a validated list of administrative divisions, indexed for lookup. It is
// data, not code: NanchangCounty is a default, and any other list (a newer year, another
// county, villages) comes from LoadDivisions, NewDivisions or Extend. A Divisions is
// immutable after construction and safe for concurrent reads; methods return copies.
type Divisions struct {
	version  string
	regions  []Region         // sorted by code
	index    map[string]int   // code → position in regions
	children map[string][]int // parent code → positions, ascending (so by code)
	byName   map[string][]int // name → positions, ascending
}

// NewDivisions validates regions and indexes them. Rules: codes pass ValidRegionCode and
// are stored without padding (360121100000 is kept as 360121100), then must be unique; names are non-empty; a Level left unknown is taken from LevelOf(code), and
// a given Level must equal it; a non-empty Parent is present and exactly one level up,
// except that a township may sit directly under a city that has no counties (不设区的
// 地级市, e.g. Dongguan). An empty Parent makes a root, so a list may start at any level.
// Surrounding space is trimmed from every field. Errors are *DivisionsError naming the
// code.
func NewDivisions(regions []Region) (*Divisions, error) {
	return buildDivisions("", regions, func(i int) string { return fmt.Sprintf("regions[%d]", i) })
}

// maxDivisionsBytes bounds LoadDivisions' input: the whole country's villages are far
// smaller.
const maxDivisionsBytes = 256 << 20

// LoadDivisions reads divisions from JSON or CSV, told apart by the first non-space byte
// ('{' is JSON). JSON: {"version":"…","regions":[{"code":…,"name":…,"level":"county",
// "parent":…,"kind":…},…]}, unknown fields rejected. CSV: a header naming the columns
// code and name and optionally level, parent and kind (any order, no others), then one
// region per row; a UTF-8 byte-order mark is skipped. Validation is NewDivisions'; errors
// are *DivisionsError naming the JSON index or the CSV line.
func LoadDivisions(r io.Reader) (*Divisions, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDivisionsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("welfare: reading divisions: %w", err)
	}
	if len(data) > maxDivisionsBytes {
		return nil, &DivisionsError{Reason: "input larger than 256 MiB"}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	switch t := bytes.TrimLeft(data, " \t\r\n"); {
	case len(t) == 0:
		return nil, &DivisionsError{Reason: "empty input"}
	case t[0] == '{':
		return loadDivisionsJSON(data)
	}
	return loadDivisionsCSV(data)
}

func loadDivisionsJSON(data []byte) (*Divisions, error) {
	var doc struct {
		Version string            `json:"version"`
		Regions []json.RawMessage `json:"regions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &DivisionsError{At: regionJSONLine(data, err), Reason: "malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &DivisionsError{At: fmt.Sprintf("line %d", regionLineAt(data, dec.InputOffset())), Reason: "unexpected data after the JSON object"}
	}
	if len(doc.Regions) == 0 {
		return nil, &DivisionsError{Reason: `no "regions" listed`}
	}
	regions := make([]Region, len(doc.Regions))
	for i, raw := range doc.Regions {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&regions[i]); err != nil {
			return nil, &DivisionsError{At: fmt.Sprintf("regions[%d]", i), Reason: "malformed region: " + err.Error()}
		}
	}
	return buildDivisions(doc.Version, regions, func(i int) string { return fmt.Sprintf("regions[%d]", i) })
}

// regionJSONLine turns a decoding error's byte offset into "line N" where it has one.
func regionJSONLine(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("line %d", regionLineAt(data, syn.Offset))
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d", regionLineAt(data, typ.Offset))
	}
	return ""
}

func regionLineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func loadDivisionsCSV(data []byte) (*Divisions, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // counted below, to name the line
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, &DivisionsError{At: "line 1", Reason: "malformed CSV: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch h {
		case "code", "name", "level", "parent", "kind":
		default:
			return nil, &DivisionsError{At: "line 1", Reason: fmt.Sprintf("unknown column %q (want code,name,level,parent,kind)", regionClip(h))}
		}
		if _, dup := col[h]; dup {
			return nil, &DivisionsError{At: "line 1", Reason: fmt.Sprintf("column %q twice", h)}
		}
		col[h] = i
	}
	for _, need := range []string{"code", "name"} {
		if _, ok := col[need]; !ok {
			return nil, &DivisionsError{At: "line 1", Reason: fmt.Sprintf("missing column %q", need)}
		}
	}
	width := len(header)
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	var regions []Region
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &DivisionsError{Reason: "malformed CSV: " + err.Error()}
		}
		line, _ := cr.FieldPos(0)
		at := fmt.Sprintf("line %d", line)
		if len(rec) != width {
			return nil, &DivisionsError{At: at, Reason: fmt.Sprintf("%d fields, header has %d", len(rec), width)}
		}
		reg := Region{Code: field(rec, "code"), Name: field(rec, "name"), Parent: field(rec, "parent"), Kind: field(rec, "kind")}
		if err := reg.Level.UnmarshalText([]byte(field(rec, "level"))); err != nil {
			return nil, &DivisionsError{At: at, Code: regionClip(strings.TrimSpace(reg.Code)), Reason: err.Error()}
		}
		regions = append(regions, reg)
		lines = append(lines, line)
	}
	if len(regions) == 0 {
		return nil, &DivisionsError{Reason: "no regions after the header"}
	}
	return buildDivisions("", regions, func(i int) string { return fmt.Sprintf("line %d", lines[i]) })
}

// regionClip bounds how much of a malformed value an error repeats.
func regionClip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// buildDivisions validates and indexes regions; at names position i for errors.
func buildDivisions(version string, in []Region, at func(i int) string) (*Divisions, error) {
	regions := make([]Region, len(in))
	pos := make(map[string]int, len(in)) // code → input position
	for i, r := range in {
		r.Code = strings.TrimSpace(r.Code)
		r.Name = strings.TrimSpace(r.Name)
		r.Parent = strings.TrimSpace(r.Parent)
		r.Kind = strings.TrimSpace(r.Kind)
		fail := func(format string, args ...any) error {
			return &DivisionsError{At: at(i), Code: regionClip(r.Code), Reason: fmt.Sprintf(format, args...)}
		}
		if !ValidRegionCode(r.Code) {
			return nil, fail("malformed code (want 6, 9 or 12 digits)")
		}
		r.Code = regionCanonical(r.Code)
		if r.Name == "" {
			return nil, fail("empty name")
		}
		shape := LevelOf(r.Code)
		if r.Level == LevelUnknown {
			r.Level = shape
		}
		if r.Level != shape {
			return nil, fail("level %s does not match the code, which is a %s code", r.Level, shape)
		}
		if r.Parent != "" && !ValidRegionCode(r.Parent) {
			return nil, fail("malformed parent code")
		}
		r.Parent = regionCanonical(r.Parent)
		if r.Parent == r.Code {
			return nil, fail("region is its own parent")
		}
		if j, dup := pos[r.Code]; dup {
			return nil, fail("duplicate code (also at %s)", at(j))
		}
		pos[r.Code] = i
		regions[i] = r
	}
	for i, r := range regions {
		if r.Parent == "" {
			continue
		}
		j, ok := pos[r.Parent]
		if !ok {
			return nil, &DivisionsError{At: at(i), Code: r.Code, Reason: fmt.Sprintf("parent %s not in the list", r.Parent)}
		}
		pl := regions[j].Level
		if pl != r.Level-1 && (r.Level != LevelTownship || pl != LevelCity) {
			return nil, &DivisionsError{At: at(i), Code: r.Code, Reason: fmt.Sprintf("parent %s is a %s, not one level above a %s", r.Parent, pl, r.Level)}
		}
	}
	slices.SortFunc(regions, func(a, b Region) int { return strings.Compare(a.Code, b.Code) })
	d := &Divisions{
		version:  version,
		regions:  regions,
		index:    make(map[string]int, len(regions)),
		children: map[string][]int{},
		byName:   map[string][]int{},
	}
	for i, r := range regions {
		d.index[r.Code] = i
		if r.Parent != "" {
			d.children[r.Parent] = append(d.children[r.Parent], i)
		}
		d.byName[r.Name] = append(d.byName[r.Name], i)
	}
	return d, nil
}

//go:embed regions_nanchang.json
var nanchangDivisionsJSON []byte

var nanchangDivisions = sync.OnceValue(func() *Divisions {
	d, err := LoadDivisions(bytes.NewReader(nanchangDivisionsJSON))
	if err != nil {
		panic("welfare: embedded Nanchang County divisions: " + err.Error())
	}
	return d
})

// NanchangCounty returns the embedded default divisions: 360000 江西省 → 360100 南昌市 →
// 360121 南昌县 (Nanchang County) → its 24 township-level units (街道, 镇, 乡 and similar
// units) with their 2023 statistical codes (DOMAIN §3). Since 2023 莲塘, 东新 and 银三角
// have become streets (街道) whose new codes are not known here: they keep their listed
// codes. To use a newer official list, or to add villages, build one with LoadDivisions
// or Extend. The value is parsed once and shared; it is immutable.
func NanchangCounty() *Divisions { return nanchangDivisions() }

// Version returns the version string the data was loaded with ("" if none).
func (d *Divisions) Version() string { return d.version }

// Len returns the number of regions.
func (d *Divisions) Len() int { return len(d.regions) }

// Region returns the region with code; a padded code finds the same region
// (360121100000 finds 360121100).
func (d *Divisions) Region(code string) (Region, bool) {
	i, ok := d.index[regionCanonical(code)]
	if !ok {
		return Region{}, false
	}
	return d.regions[i], true
}

// ByName returns every region named exactly name, at any level, sorted by code. Names
// repeat across counties (many villages share a name), so callers choose by code.
func (d *Divisions) ByName(name string) []Region { return d.pick(d.byName[name]) }

// Children returns the regions whose parent is code, sorted by code.
func (d *Divisions) Children(code string) []Region {
	return d.pick(d.children[regionCanonical(code)])
}

// Townships returns the township-level children of county (or of a city with no
// counties), sorted by code.
func (d *Divisions) Townships(county string) []Region {
	var out []Region
	for _, i := range d.children[regionCanonical(county)] {
		if d.regions[i].Level == LevelTownship {
			out = append(out, d.regions[i])
		}
	}
	return out
}

// Within reports whether code is ancestor or lies under it, following Parent links
// rather than code prefixes. Padded codes are read as their division (so a 12-digit
// household-registration code works). False if either code is malformed, or code is not
// known and differs from ancestor.
func (d *Divisions) Within(ancestor, code string) bool {
	if !ValidRegionCode(code) || !ValidRegionCode(ancestor) {
		return false
	}
	ancestor, code = regionCanonical(ancestor), regionCanonical(code)
	// Each step goes at least one level up, so the walk ends within the five levels.
	for range len(levelNames) {
		if code == ancestor {
			return true
		}
		i, ok := d.index[code]
		if !ok {
			return false
		}
		code = d.regions[i].Parent
		if code == "" {
			return false
		}
	}
	return false
}

// Extend returns new Divisions holding d's regions and the added ones (villages, say),
// validated as by NewDivisions; errors name the added region as extension[i]. d is
// unchanged. The version is kept.
func (d *Divisions) Extend(regions ...Region) (*Divisions, error) {
	n := len(d.regions)
	all := make([]Region, 0, n+len(regions))
	all = append(append(all, d.regions...), regions...)
	return buildDivisions(d.version, all, func(i int) string {
		if i < n {
			return fmt.Sprintf("existing[%d]", i)
		}
		return fmt.Sprintf("extension[%d]", i-n)
	})
}

// All returns every region, sorted by code.
func (d *Divisions) All() []Region { return slices.Clone(d.regions) }

func (d *Divisions) pick(idx []int) []Region {
	if len(idx) == 0 {
		return nil
	}
	out := make([]Region, len(idx))
	for k, i := range idx {
		out[k] = d.regions[i]
	}
	return out
}
