package screening

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"

	"github.com/childwelfare/liudong/welfare"
)

//go:embed instruments/*.json
var builtinFS embed.FS

// BuiltinIDs lists the built-in instruments:
//
//	phq9           PHQ-9 (Pfizer, free: item texts embedded)
//	phqa           PHQ-A, with the two yes/no suicide questions (free: texts embedded)
//	gad7           GAD-7 (free: texts embedded)
//	scared-child   SCARED, child self-report (non-profit: scored by number, labels only)
//	scared-parent  SCARED, parent report (non-profit: scored by number, labels only)
//	cesdc          CES-DC (non-profit: scored by number, labels only)
//	sdq-parent     SDQ parent 4–17 + impact supplement (copyrighted: numbers only)
//	sdq-teacher    SDQ teacher 4–17 + impact supplement (copyrighted: numbers only)
//	sdq-self       SDQ self 11–17 + impact supplement (copyrighted: numbers only)
//	mht            MHT 中小学生心理健康诊断测验 (copyrighted: numbers only)
//	asq            NIMH ASQ (non-profit: texts embedded)
func BuiltinIDs() []string {
	return []string{"phq9", "phqa", "gad7", "scared-child", "scared-parent", "cesdc",
		"sdq-parent", "sdq-teacher", "sdq-self", "mht", "asq"}
}

// Builtin returns a freshly loaded copy of built-in instrument id, or an error wrapping
// welfare.ErrNotFound for an unknown id.
func Builtin(id string) (*Instrument, error) {
	if !slices.Contains(BuiltinIDs(), id) {
		return nil, fmt.Errorf("screening: built-in instrument %q: %w", id, welfare.ErrNotFound)
	}
	data, err := builtinFS.ReadFile("instruments/" + id + ".json")
	if err != nil {
		return nil, fmt.Errorf("screening: built-in instrument %q: %w", id, err)
	}
	in, err := LoadInstrument(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("screening: built-in instrument %q: %w", id, err)
	}
	return in, nil
}

// Builtins returns a catalogue of every built-in instrument, freshly loaded. It panics
// only if the embedded definitions are broken, which the package's tests rule out.
func Builtins() *Catalogue {
	var ins []*Instrument
	for _, id := range BuiltinIDs() {
		in, err := Builtin(id)
		if err != nil {
			panic(err)
		}
		ins = append(ins, in)
	}
	c, err := NewCatalogue(ins...)
	if err != nil {
		panic(err)
	}
	return c
}

// Catalogue is an immutable set of validated instruments, several versions per ID. A
// service scores sessions with the catalogue it was given; add a county's own
// instruments with With.
type Catalogue struct {
	byID map[string][]*Instrument // versions in the order added
	ids  []string                 // sorted
}

// NewCatalogue validates each instrument and returns a catalogue of them. Two
// instruments with the same ID and version fail.
func NewCatalogue(ins ...*Instrument) (*Catalogue, error) {
	return (&Catalogue{byID: map[string][]*Instrument{}}).With(ins...)
}

// With returns a new catalogue holding c's instruments and ins (validated). The latest
// version of an ID is the one added last.
func (c *Catalogue) With(ins ...*Instrument) (*Catalogue, error) {
	out := &Catalogue{byID: make(map[string][]*Instrument, len(c.byID)+len(ins)), ids: slices.Clone(c.ids)}
	for id, vs := range c.byID {
		out.byID[id] = slices.Clone(vs)
	}
	for _, in := range ins {
		if in == nil {
			return nil, fmt.Errorf("screening: nil instrument: %w", welfare.ErrInvalid)
		}
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("screening: instrument %s: %w", in.ID, err)
		}
		vs := out.byID[in.ID]
		if slices.ContainsFunc(vs, func(o *Instrument) bool { return o.Version == in.Version }) {
			return nil, fmt.Errorf("screening: instrument %s version %s twice: %w", in.ID, in.Version, welfare.ErrDuplicate)
		}
		if len(vs) == 0 {
			out.ids = append(out.ids, in.ID)
		}
		out.byID[in.ID] = append(vs, in)
	}
	slices.Sort(out.ids)
	return out, nil
}

// Get returns instrument id at version; "" means the latest version.
func (c *Catalogue) Get(id, version string) (*Instrument, bool) {
	vs := c.byID[id]
	if len(vs) == 0 {
		return nil, false
	}
	if version == "" {
		return vs[len(vs)-1], true
	}
	for _, in := range vs {
		if in.Version == version {
			return in, true
		}
	}
	return nil, false
}

// Versions returns the versions of id in the order added.
func (c *Catalogue) Versions(id string) []*Instrument { return slices.Clone(c.byID[id]) }

// IDs returns the instrument IDs in order.
func (c *Catalogue) IDs() []string { return slices.Clone(c.ids) }

// All returns every instrument, by ID, versions in the order added.
func (c *Catalogue) All() []*Instrument {
	var out []*Instrument
	for _, id := range c.ids {
		out = append(out, c.byID[id]...)
	}
	return out
}

// String lists the IDs and versions.
func (c *Catalogue) String() string {
	var b strings.Builder
	b.WriteString("Catalogue{")
	for i, in := range c.All() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(in.ID + "/" + in.Version)
	}
	b.WriteByte('}')
	return b.String()
}
