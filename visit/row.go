package visit

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// ChildRow is the projection of a child that compliance reads (Store.ChildRows): its
// ID, current residence and lifecycle reduced to (state entered, effective day) steps.
// Stores produce it from plain columns, without decoding the record.
type ChildRow struct {
	ID        uuid.UUID
	Township  string
	Village   string
	Lifecycle []LifecycleStep // in record order; nil when the record has none
}

// LifecycleStep is a lifecycle event reduced to the state entered and its effective day.
type LifecycleStep struct {
	To welfare.LifecycleState
	On welfare.Date
}

// ChildRowOf projects c.
func ChildRowOf(c *welfare.Child) ChildRow {
	r := ChildRow{ID: c.ID, Township: c.Residence.Township, Village: c.Residence.Village}
	if len(c.Lifecycle) > 0 {
		r.Lifecycle = make([]LifecycleStep, len(c.Lifecycle))
		for i, ev := range c.Lifecycle {
			r.Lifecycle[i] = LifecycleStep{To: ev.To, On: ev.On}
		}
	}
	return r
}

// VisitRow is the projection of a visit's latest version that compliance reads
// (Store.VisitRows): who visited which child, when, how, with what outcome and which
// kinds of evidence, and the version read. Stores produce it from plain columns,
// without decoding the record or unsealing its notes, content and attachments. It
// holds only what compliance reads (not the end, nor the township and village of the
// visit: compliance uses the child's residence), since every column read costs on a
// county-wide scan.
type VisitRow struct {
	ID          uuid.UUID
	ChildID     uuid.UUID
	VisitorID   uuid.UUID
	VisitorRole welfare.Role
	Start       time.Time
	Mode        Mode
	Outcome     Outcome
	Evidence    EvidenceSet // the kinds of the attachments
	Version     int64
}

// VisitRowOf projects v.
func VisitRowOf(v *Visit) VisitRow {
	r := VisitRow{ID: v.ID, ChildID: v.ChildID, VisitorID: v.VisitorID, VisitorRole: v.VisitorRole,
		Start: v.Start, Mode: v.Mode, Outcome: v.Outcome, Version: v.Version}
	for _, e := range v.Evidence {
		r.Evidence |= evidenceBit(e.Kind)
	}
	return r
}

// Counts reports whether the visit took place (see Visit.Counts).
func (r *VisitRow) Counts() bool { return r.Outcome == OutcomeCompleted }

// ChildCursor is r's position in the (ChildID, Start, ID) order of Store.VisitRows.
func (r *VisitRow) ChildCursor() Cursor { return Cursor{Lead: r.ChildID, Start: r.Start, ID: r.ID} }

// EvidenceSet is a set of the evidence kinds EvidencePhoto (bit 1), EvidenceVideo (2),
// EvidenceAudio (4), EvidenceCallRecord (8) and EvidenceSignature (16); other kinds
// are not kept. Stores keep it as an integer column, so SQL can test a kind with a
// bitwise and.
type EvidenceSet uint8

var evidenceKinds = [...]EvidenceKind{EvidencePhoto, EvidenceVideo, EvidenceAudio, EvidenceCallRecord, EvidenceSignature}

func evidenceBit(k EvidenceKind) EvidenceSet {
	for i, x := range evidenceKinds {
		if x == k {
			return 1 << i
		}
	}
	return 0
}

// Has reports whether the set holds every kind listed (as Visit.HasEvidence: a kind
// outside the set's five is never held).
func (s EvidenceSet) Has(kinds ...string) bool {
	for _, k := range kinds {
		b := evidenceBit(EvidenceKind(k))
		if b == 0 || s&b == 0 {
			return false
		}
	}
	return true
}

// String lists the kinds, comma-separated, in the order photo, video, audio,
// call_record, signature ("" for the empty set).
func (s EvidenceSet) String() string {
	var b strings.Builder
	for i, k := range evidenceKinds {
		if s&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(string(k))
		}
	}
	return b.String()
}

// rowsOf projects visits into buf (reused).
func rowsOf(visits []*Visit, buf []VisitRow) []VisitRow {
	buf = buf[:0]
	for _, v := range visits {
		buf = append(buf, VisitRowOf(v))
	}
	return buf
}
