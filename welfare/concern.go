package welfare

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ConcernKind says what a raised concern asks for.
type ConcernKind string

// Concern kinds. Visits and screenings raise them; casework consumes them (opening
// incidents, cases, referrals and ledger entries).
const (
	// ConcernUrgent: the child may be harmed, in danger or at risk of suicide; mandatory
	// reporting may apply (SR-2, SR-3, AC-6). Never suppressed.
	ConcernUrgent ConcernKind = "urgent"
	// ConcernKeyEligible: recorded facts make the child eligible for a key-ledger
	// category (MS-2) that has no open entry.
	ConcernKeyEligible ConcernKind = "key_eligible"
	// ConcernReferral: a worker or a screening result asks for a referral (CS-1).
	ConcernReferral ConcernKind = "referral"
)

// Concern is one signal that a child needs attention, raised through a ConcernSink. It
// holds identifiers and codes, never personal data.
type Concern struct {
	ID       uuid.UUID   `json:"id"`
	AreaCode string      `json:"area_code"`
	ChildID  uuid.UUID   `json:"child_id"`
	Kind     ConcernKind `json:"kind"`
	// Category refines the kind: an incident kind for urgent concerns ("harm",
	// "suspected_harm", "danger", "missing_guardian", "suicide_risk", "other"), a
	// key-ledger category for key_eligible, a referral target for referral.
	Category string `json:"category"`
	// Severity: "immediate", "high" or "normal".
	Severity   string    `json:"severity"`
	Source     Source    `json:"source"`
	Discovered time.Time `json:"discovered"`
	RaisedBy   string    `json:"raised_by"` // staff ID
	RuleID     string    `json:"rule_id,omitempty"`
	Facts      []Fact    `json:"facts,omitempty"`
}

// ConcernSink receives concerns. Raise must not drop a concern silently: an error tells
// the caller the concern was not taken.
type ConcernSink interface {
	Raise(ctx context.Context, c Concern) error
}

// ConcernRecorder is an in-memory ConcernSink that keeps every concern, safe for
// concurrent use. Until casework consumes concerns, hosts and tests read them here.
type ConcernRecorder struct {
	mu       sync.Mutex
	concerns []Concern
}

// Raise records c.
func (r *ConcernRecorder) Raise(ctx context.Context, c Concern) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Facts = slices.Clone(c.Facts)
	r.concerns = append(r.concerns, c)
	return nil
}

// Concerns returns a copy of the recorded concerns in the order raised.
func (r *ConcernRecorder) Concerns() []Concern {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Concern, len(r.concerns))
	for i, c := range r.concerns {
		c.Facts = slices.Clone(c.Facts)
		out[i] = c
	}
	return out
}
