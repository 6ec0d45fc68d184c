package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// ErrBadManifest reports a manifest that cannot be built or bytes that are not a
// canonical manifest encoding.
var ErrBadManifest = errors.New("audit: bad manifest")

// ManifestFormat is the first line of a manifest's canonical encoding.
const ManifestFormat = "liudong-manifest 1"

// LeafKindManifest is the journal leaf kind of a frozen manifest.
const LeafKindManifest = "manifest"

// maxStratumLen bounds a stratum name, in bytes.
const maxStratumLen = 200

// ManifestEntry is one service recipient (服务对象) of the population and its stratum.
type ManifestEntry struct {
	ID      uuid.UUID `json:"id"`
	Stratum string    `json:"stratum"`
}

// Manifest is the sampling frame (样本框): the service recipients of an area at a cut-off
// time, each with its stratum, sorted by ID, and the SHA-256 of its canonical encoding.
// It is frozen — journaled with [Manifest.Leaf] or [Manifest.Journal] — before the seed
// of the sample is chosen, so nobody can pick the population after seeing the seed.
// Strata are part of the manifest for the same reason.
//
// Build it with [BuildManifest] or [NewManifest]; treat it as read-only afterwards.
type Manifest struct {
	Area    string          `json:"area"`
	CutOff  time.Time       `json:"cut_off"` // UTC, microsecond precision
	Entries []ManifestEntry `json:"entries"` // sorted by ID (byte order), no duplicates
	SHA256  journal.Digest  `json:"sha256"`  // of Encode()
}

// StratumFunc assigns a child to a stratum. The name must be 1–200 bytes of UTF-8 with
// no white space or control characters.
type StratumFunc func(c *welfare.Child) string

// ByTownship stratifies by the township (乡镇/街道) of residence; "unknown" when unset.
func ByTownship(c *welfare.Child) string {
	if c.Residence.Township == "" {
		return "unknown"
	}
	return c.Residence.Township
}

// ByTownshipAndKey returns the default stratification, township × key/ordinary
// (乡镇 × 重点/普通): "<township>/key" for the children in keys (see [KeyChildren]),
// "<township>/ordinary" for the others.
func ByTownshipAndKey(keys map[uuid.UUID]bool) StratumFunc {
	return func(c *welfare.Child) string {
		if keys[c.ID] {
			return ByTownship(c) + "/key"
		}
		return ByTownship(c) + "/ordinary"
	}
}

// KeyChildren returns the children of area with a key-care ledger entry open on day
// (重点关爱对象), streaming the ledger.
func KeyChildren(ctx context.Context, ledger welfare.KeyLedgerStore, area string, on welfare.Date) (map[uuid.UUID]bool, error) {
	keys := map[uuid.UUID]bool{}
	for e, err := range ledger.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}) {
		if err != nil {
			return nil, fmt.Errorf("audit: key entries: %w", err)
		}
		if e.OpenOn(on) {
			keys[e.ChildID] = true
		}
	}
	return keys, nil
}

// ManifestOptions tune BuildManifest. The zero value stratifies by township.
type ManifestOptions struct {
	// Stratum assigns each child's stratum; nil means ByTownship. Use
	// ByTownshipAndKey for the default township × key/ordinary design.
	Stratum StratumFunc
}

// BuildManifest streams the area's children from store and returns the manifest of the
// service recipients at cutOff: the children whose lifecycle state at the cut-off was
// identified (新增) or monitored (在册). The state at the cut-off is the last lifecycle
// event effective on or before the cut-off's Beijing day and recorded no later than the
// cut-off instant (events recorded afterwards, even back-dated ones, did not exist when
// the frame was fixed); a child with no such event, or merged into another record, is not
// in the population. Memory grows with the number of children (an ID and a shared stratum
// name each), never with their records.
func BuildManifest(ctx context.Context, store welfare.ChildStore, area string, cutOff time.Time, opts ManifestOptions) (*Manifest, error) {
	if area == "" || cutOff.IsZero() {
		return nil, fmt.Errorf("%w: area and cut-off are required", ErrBadManifest)
	}
	stratum := opts.Stratum
	if stratum == nil {
		stratum = ByTownship
	}
	cut := welfare.StoreTime(cutOff)
	cutDay := welfare.DateOf(cut)
	names := map[string]string{} // interned stratum names
	var entries []ManifestEntry
	for c, err := range store.Children(ctx, welfare.ChildFilter{Area: area}) {
		if err != nil {
			return nil, fmt.Errorf("audit: manifest: %w", err)
		}
		if c.MergedInto != nil {
			continue
		}
		switch stateAt(c, cutDay, cut) {
		case welfare.StateIdentified, welfare.StateMonitored:
		default:
			continue
		}
		s := stratum(c)
		if in, ok := names[s]; ok {
			s = in
		} else {
			names[s] = s
		}
		entries = append(entries, ManifestEntry{ID: c.ID, Stratum: s})
	}
	return NewManifest(area, cut, entries)
}

// stateAt returns c's state by the events effective by day and recorded by cut; "" if none.
func stateAt(c *welfare.Child, day welfare.Date, cut time.Time) welfare.LifecycleState {
	var st welfare.LifecycleState
	for _, ev := range c.Lifecycle {
		if ev.On.After(day) || (!ev.Recorded.IsZero() && ev.Recorded.After(cut)) {
			continue
		}
		st = ev.To
	}
	if len(c.Lifecycle) == 0 && !c.CreatedAt.IsZero() && !c.CreatedAt.After(cut) {
		return welfare.StateIdentified // a record with no history is newly identified
	}
	return st
}

// NewManifest returns the manifest of entries (in any order) for area at cutOff. It sorts
// the entries by ID and fails on a duplicate ID, a nil ID or a bad stratum name.
func NewManifest(area string, cutOff time.Time, entries []ManifestEntry) (*Manifest, error) {
	if !validToken(area, 64) {
		return nil, fmt.Errorf("%w: bad area code", ErrBadManifest)
	}
	if cutOff.IsZero() {
		return nil, fmt.Errorf("%w: zero cut-off", ErrBadManifest)
	}
	m := &Manifest{Area: area, CutOff: welfare.StoreTime(cutOff), Entries: slices.Clone(entries)}
	slices.SortFunc(m.Entries, func(a, b ManifestEntry) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	for i, e := range m.Entries {
		if e.ID == uuid.Nil {
			return nil, fmt.Errorf("%w: nil ID", ErrBadManifest)
		}
		if i > 0 && e.ID == m.Entries[i-1].ID {
			return nil, fmt.Errorf("%w: duplicate ID %s", ErrBadManifest, e.ID)
		}
		if !validToken(e.Stratum, maxStratumLen) {
			return nil, fmt.Errorf("%w: bad stratum name for %s", ErrBadManifest, e.ID)
		}
	}
	m.SHA256 = sha256.Sum256(m.Encode())
	return m, nil
}

// validToken: non-empty UTF-8 of at most max bytes, no white space, no control characters.
func validToken(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// Len returns the population size.
func (m *Manifest) Len() int { return len(m.Entries) }

// Encode returns the canonical encoding whose SHA-256 is the manifest's hash. It is UTF-8
// text, lines ending in a single LF (also the last), no other white space than one space
// between a line's fields:
//
//	liudong-manifest 1
//	area <area code>
//	cutoff <cut-off, UTC, YYYY-MM-DDThh:mm:ss.ffffffZ>
//	count <number of entries, decimal>
//	<id> <stratum>            one line per entry, in ascending ID order
//
// where <id> is the UUID in lower-case 8-4-4-4-12 form (the order of the lines is the byte
// order of the UUIDs, which is also the order of these strings). Anyone can recompute the
// hash with standard tools, e.g. `sha256sum manifest.txt`.
func (m *Manifest) Encode() []byte {
	var b bytes.Buffer
	b.Grow(64 + len(m.Entries)*(37+24))
	b.WriteString(ManifestFormat + "\n")
	b.WriteString("area " + m.Area + "\n")
	b.WriteString("cutoff " + formatCutOff(m.CutOff) + "\n")
	b.WriteString("count " + strconv.Itoa(len(m.Entries)) + "\n")
	for _, e := range m.Entries {
		b.WriteString(e.ID.String())
		b.WriteByte(' ')
		b.WriteString(e.Stratum)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func formatCutOff(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// WriteTo writes the canonical encoding to w.
func (m *Manifest) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.Encode())
	return int64(n), err
}

// ReadManifest parses a canonical manifest encoding (see [Manifest.Encode]) and
// recomputes its hash. Anything that is not exactly a canonical encoding — other line
// endings, unsorted or duplicate IDs, upper-case hex, a wrong count — fails with
// [ErrBadManifest].
func ReadManifest(r io.Reader) (*Manifest, error) {
	br := bufio.NewReader(r)
	var lines int
	next := func() (string, error) {
		s, err := br.ReadString('\n')
		if err == io.EOF && s == "" {
			return "", io.EOF
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		if !strings.HasSuffix(s, "\n") {
			return "", fmt.Errorf("%w: line %d does not end in LF", ErrBadManifest, lines+1)
		}
		lines++
		return s[:len(s)-1], nil
	}
	field := func(prefix string) (string, error) {
		s, err := next()
		if err != nil {
			return "", fmt.Errorf("%w: header: %w", ErrBadManifest, err)
		}
		v, ok := strings.CutPrefix(s, prefix)
		if !ok {
			return "", fmt.Errorf("%w: line %d: want %q", ErrBadManifest, lines, prefix)
		}
		return v, nil
	}
	if v, err := field(ManifestFormat); err != nil || v != "" {
		return nil, fmt.Errorf("%w: not a %q document", ErrBadManifest, ManifestFormat)
	}
	area, err := field("area ")
	if err != nil {
		return nil, err
	}
	cs, err := field("cutoff ")
	if err != nil {
		return nil, err
	}
	cut, err := time.Parse("2006-01-02T15:04:05.000000Z", cs)
	if err != nil || formatCutOff(cut) != cs {
		return nil, fmt.Errorf("%w: bad cut-off", ErrBadManifest)
	}
	ns, err := field("count ")
	if err != nil {
		return nil, err
	}
	count, err := strconv.Atoi(ns)
	if err != nil || count < 0 || strconv.Itoa(count) != ns {
		return nil, fmt.Errorf("%w: bad count", ErrBadManifest)
	}
	entries := make([]ManifestEntry, 0, min(count, 1<<16))
	for {
		s, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
		}
		ids, stratum, ok := strings.Cut(s, " ")
		id, perr := uuid.Parse(ids)
		if !ok || perr != nil || id.String() != ids {
			return nil, fmt.Errorf("%w: line %d: bad entry", ErrBadManifest, lines)
		}
		if n := len(entries); n > 0 && bytes.Compare(entries[n-1].ID[:], id[:]) >= 0 {
			return nil, fmt.Errorf("%w: line %d: IDs not strictly ascending", ErrBadManifest, lines)
		}
		entries = append(entries, ManifestEntry{ID: id, Stratum: stratum})
	}
	if len(entries) != count {
		return nil, fmt.Errorf("%w: count %d, %d entries", ErrBadManifest, count, len(entries))
	}
	return NewManifest(area, cut, entries)
}

// ManifestID is the journal ID of a manifest: a name-based (version 5) UUID of its hash,
// so the same population always has the same ID.
func (m *Manifest) ManifestID() uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("liudong-manifest:"+m.SHA256.String()))
}

// Leaf returns the journal leaf that freezes the manifest: kind "manifest", the
// [Manifest.ManifestID], version 1, the manifest's SHA-256 as the record hash, the time of
// freezing and the staff ID of who froze it. Append it (with journal.Append, or
// [Manifest.Journal]) before the seed is chosen; the purchaser's next checkpoint then
// proves the frame existed before the draw.
func (m *Manifest) Leaf(at time.Time, actor string) journal.Leaf {
	return journal.Leaf{Kind: LeafKindManifest, ID: m.ManifestID().String(), Version: 1,
		RecordSHA256: m.SHA256, Time: welfare.StoreTime(at), Actor: actor}
}

// Journal appends m's leaf to s and returns the leaf's index.
func (m *Manifest) Journal(ctx context.Context, s journal.Storage, at time.Time, actor string) (int64, error) {
	return journal.Append(ctx, s, m.Leaf(at, actor))
}

// StratumCount is a stratum's population.
type StratumCount struct {
	Name       string `json:"name"`
	Population int    `json:"population"`
}

// Strata returns the strata and their populations in name order.
func (m *Manifest) Strata() []StratumCount {
	counts := map[string]int{}
	for _, e := range m.Entries {
		counts[e.Stratum]++
	}
	out := make([]StratumCount, 0, len(counts))
	for name, n := range counts {
		out = append(out, StratumCount{name, n})
	}
	slices.SortFunc(out, func(a, b StratumCount) int { return strings.Compare(a.Name, b.Name) })
	return out
}
