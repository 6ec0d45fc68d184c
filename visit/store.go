package visit

import (
	"bytes"
	"context"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// EntityVisit is the entity kind of visit records in journal leaves and exports. Every
// stored version of a visit is one leaf (kind "visit", the visit's ID, the version).
const EntityVisit = "visit"

// Cursor is a position in a visit scan: the sort key of the last visit seen. For Visits
// Lead is the child ID; for VisitsByVisitor it is the visitor ID. The zero Cursor starts
// at the beginning. Build one from a visit with ChildCursor or VisitorCursor.
type Cursor struct {
	Lead  uuid.UUID
	Start time.Time
	ID    uuid.UUID
}

// ChildCursor is v's position in the (ChildID, Start, ID) order of Store.Visits.
func (v *Visit) ChildCursor() Cursor { return Cursor{Lead: v.ChildID, Start: v.Start, ID: v.ID} }

// VisitorCursor is v's position in the (VisitorID, Start, ID) order of Store.VisitsByVisitor.
func (v *Visit) VisitorCursor() Cursor { return Cursor{Lead: v.VisitorID, Start: v.Start, ID: v.ID} }

// Compare orders cursors: by Lead (bytes.Compare of the 16 bytes), then Start, then ID.
func (c Cursor) Compare(d Cursor) int {
	if x := bytes.Compare(c.Lead[:], d.Lead[:]); x != 0 {
		return x
	}
	if x := c.Start.Compare(d.Start); x != 0 {
		return x
	}
	return bytes.Compare(c.ID[:], d.ID[:])
}

// Filter selects visits in a scan. Area is required. Scans return the latest version of
// each visit only; VisitHistory returns the earlier ones.
type Filter struct {
	Area      string
	ChildID   uuid.UUID // uuid.Nil: every child
	VisitorID uuid.UUID // uuid.Nil: every visitor
	// Region narrows to a township or village by code prefix, matched against the
	// Township and Village recorded on the visit (where the child lived when visited).
	Region string
	// From (inclusive) and To (exclusive) bound Start; zero means unbounded.
	From, To time.Time
	// After is exclusive: the scan resumes after this position in its order. The zero
	// Cursor starts at the beginning.
	After Cursor
	Limit int // 0: no limit
}

// EvidenceUse is one latest-version visit carrying an attachment with a given SHA-256.
type EvidenceUse struct {
	VisitID   uuid.UUID    `json:"visit_id"`
	Version   int64        `json:"version"`
	ChildID   uuid.UUID    `json:"child_id"`
	VisitorID uuid.UUID    `json:"visitor_id"`
	Start     time.Time    `json:"start"`
	Kind      EvidenceKind `json:"kind"`
}

// Store keeps visit records next to the registry's records, so that one transaction
// spans a visit and the status write-back to its child: inside Atomically, the
// welfare.Store passed to fn implements Store too (assert it).
//
// Versions: CreateVisit stores version 1 and sets it on v; an existing ID fails with
// welfare.ErrConflict, a missing ID, area code or child ID with welfare.ErrInvalid.
// AmendVisit succeeds only if the latest stored version equals v.Version; it stores a
// new version v.Version+1 next to every earlier one (nothing is overwritten) and sets it
// on v. A stale version fails with welfare.ErrConflict, an unknown ID with
// welfare.ErrNotFound, a changed area code with welfare.ErrInvalid. Every stored version
// is journaled (kind EntityVisit, ID, version) in the same transaction as the write.
//
// Stores keep times as welfare.StoreTime normalises them and hand out copies.
//
// Order: "ID order" is the byte order of the 16-byte UUID (bytes.Compare), the order of
// welfare.ChildStore.Children, so a scan of children and a scan of visits merge-join.
type Store interface {
	welfare.Store

	CreateVisit(ctx context.Context, v *Visit) error
	AmendVisit(ctx context.Context, v *Visit) error
	// GetVisit returns the latest version, or welfare.ErrNotFound.
	GetVisit(ctx context.Context, id uuid.UUID) (*Visit, error)
	// VisitHistory returns every version, oldest first, or welfare.ErrNotFound.
	VisitHistory(ctx context.Context, id uuid.UUID) ([]*Visit, error)
	// Visits streams the latest versions f selects ordered by (ChildID, Start, ID), with
	// memory bounded by the page size, not the area. f.After is a ChildCursor.
	Visits(ctx context.Context, f Filter) iter.Seq2[*Visit, error]
	// VisitsByVisitor streams the same selection ordered by (VisitorID, Start, ID), for
	// per-worker work (worklists, travel and overlap checks). f.After is a VisitorCursor.
	VisitsByVisitor(ctx context.Context, f Filter) iter.Seq2[*Visit, error]
	// VisitRows streams VisitRowOf of what Visits streams for f, in the same order and
	// with the same cursor, read from plain columns (no record decoded, nothing
	// unsealed): what compliance reads.
	VisitRows(ctx context.Context, f Filter) iter.Seq2[VisitRow, error]
	// ChildRows streams ChildRowOf of the area's children in ID order (the order of
	// welfare.ChildStore.CensusRows), read from plain columns: what compliance reads.
	ChildRows(ctx context.Context, area string) iter.Seq2[ChildRow, error]
	// EvidenceUses lists the latest-version visits of the area carrying an attachment
	// with this SHA-256 (matched case-insensitively), one entry per visit and evidence
	// kind, ordered by (Start, VisitID, Kind). Nil when there are none.
	EvidenceUses(ctx context.Context, area, sha256 string) ([]EvidenceUse, error)
}

// RegionIndexed is an optional capability of a Store: the children of a township or
// village read from an index of residences instead of a scan of the area. It returns
// what Children returns for welfare.ChildFilter{Area: area, Region: region} (copies, ID
// order, current residence). Worklists and region reports use it when the store has it;
// with it a village's worklist costs the village's children, not the county's.
type RegionIndexed interface {
	ChildrenInRegion(ctx context.Context, area, region string) iter.Seq2[*welfare.Child, error]
}

// Normalize returns a copy of v as stores keep it: times as welfare.StoreTime
// normalises them, hashes in lower case, empty slices as nil. Stores use it before
// writing; tests compare normalised records.
func Normalize(v *Visit) *Visit {
	if v == nil {
		return nil
	}
	d := v.Clone()
	st := func(t *time.Time) {
		if !t.IsZero() {
			*t = welfare.StoreTime(*t)
		}
	}
	st(&d.PlannedStart)
	st(&d.PlannedEnd)
	st(&d.Start)
	st(&d.End)
	st(&d.DeviceTime)
	st(&d.ReceivedAt)
	for i := range d.Evidence {
		st(&d.Evidence[i].CapturedAt)
		d.Evidence[i].SHA256 = lowerHex(d.Evidence[i].SHA256)
	}
	if d.Amendment != nil {
		st(&d.Amendment.At)
	}
	if len(d.Evidence) == 0 {
		d.Evidence = nil
	}
	if len(d.Content.Ask.Needs) == 0 {
		d.Content.Ask.Needs = nil
	}
	if len(d.Content.Ask.HelpApplied) == 0 {
		d.Content.Ask.HelpApplied = nil
	}
	if len(d.Content.Ask.ResourcesLinked) == 0 {
		d.Content.Ask.ResourcesLinked = nil
	}
	if len(d.Content.Observe) == 0 {
		d.Content.Observe = nil
	}
	if len(d.Content.Talk) == 0 {
		d.Content.Talk = nil
	}
	if len(d.Content.Services) == 0 {
		d.Content.Services = nil
	}
	return d
}

func lowerHex(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Match reports whether v passes f's per-record conditions (area, child, visitor,
// region, time bounds; not the cursor or limit). Stores may use it to filter.
func (f Filter) Match(v *Visit) bool {
	switch {
	case v.AreaCode != f.Area:
		return false
	case f.ChildID != uuid.Nil && v.ChildID != f.ChildID:
		return false
	case f.VisitorID != uuid.Nil && v.VisitorID != f.VisitorID:
		return false
	case f.Region != "" && !hasPrefix(v.Village, f.Region) && !hasPrefix(v.Township, f.Region):
		return false
	case !f.From.IsZero() && v.Start.Before(f.From):
		return false
	case !f.To.IsZero() && !v.Start.Before(f.To):
		return false
	}
	return true
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
