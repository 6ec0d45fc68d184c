package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// QualitySignal is a quality signal of perfunctory or fake visits (质量信号) as the visit
// package detects it (visit.Detect): explained evidence for the auditor to confirm or
// dismiss, never a verdict. The audit package takes it as a value.
type QualitySignal struct {
	Kind        string         `json:"kind"`
	KindName    string         `json:"kind_name,omitempty"` // Chinese
	RuleID      string         `json:"rule_id"`
	VisitIDs    []uuid.UUID    `json:"visit_ids"`
	ChildIDs    []uuid.UUID    `json:"child_ids,omitempty"`
	WorkerID    uuid.UUID      `json:"worker_id"`
	Facts       []welfare.Fact `json:"facts,omitempty"`
	Explanation string         `json:"explanation"`
}

// Key is the signal's stable name, which reviews refer to: "sig-" and the first 24 hex
// digits of SHA-256 of the kind, the worker, the sorted visit IDs and the facts. The
// same visits flagged for the same reason keep their key across runs.
func (s QualitySignal) Key() string {
	ids := make([]string, len(s.VisitIDs))
	for i, id := range s.VisitIDs {
		ids[i] = id.String()
	}
	slices.Sort(ids)
	var facts strings.Builder
	for _, f := range s.Facts {
		facts.WriteString("|" + f.Name + "=" + f.Value)
	}
	sum := sha256.Sum256([]byte(s.Kind + "|" + s.WorkerID.String() + "|" + strings.Join(ids, ",") + facts.String()))
	return "sig-" + hex.EncodeToString(sum[:12])
}

// Review decisions.
const (
	DecisionConfirm = "confirm" // 确认：走过场属实
	DecisionDismiss = "dismiss" // 排除：有合理解释
)

// SignalReview is the auditor's decision on one signal, with a note saying why.
type SignalReview struct {
	Signal   string    `json:"signal"`   // QualitySignal.Key
	Decision string    `json:"decision"` // confirm or dismiss
	Note     string    `json:"note"`     // required, ≤ 500 characters
	Reviewer string    `json:"reviewer"` // the auditor's staff ID
	At       time.Time `json:"at"`
}

// Reviews is a file of signal reviews and its SHA-256, recorded (and journaled) with
// the acceptance so that nobody can change a decision afterwards unnoticed.
type Reviews struct {
	Reviews []SignalReview `json:"reviews"`
	SHA256  journal.Digest `json:"sha256"`
}

// ErrBadReviews reports a reviews file that cannot be used.
var ErrBadReviews = errors.New("audit: bad signal reviews")

// LeafKindReviews is the journal leaf kind of a reviews file.
const LeafKindReviews = "signal_reviews"

// ParseReviews reads a reviews file: a JSON array of SignalReview (unknown fields,
// trailing data, a missing or unknown decision, an empty note, a signal reviewed twice
// all fail with ErrBadReviews, naming the entry).
func ParseReviews(r io.Reader) (*Reviews, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReviews, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rs []SignalReview
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReviews, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the array", ErrBadReviews)
	}
	seen := map[string]int{}
	for i, rv := range rs {
		switch {
		case !strings.HasPrefix(rv.Signal, "sig-"):
			return nil, fmt.Errorf("%w: entry %d: bad signal key", ErrBadReviews, i+1)
		case rv.Decision != DecisionConfirm && rv.Decision != DecisionDismiss:
			return nil, fmt.Errorf("%w: entry %d: decision must be confirm or dismiss", ErrBadReviews, i+1)
		case strings.TrimSpace(rv.Note) == "" || utf8.RuneCountInString(rv.Note) > 500:
			return nil, fmt.Errorf("%w: entry %d: a note of 1–500 characters is required", ErrBadReviews, i+1)
		case rv.Reviewer == "":
			return nil, fmt.Errorf("%w: entry %d: reviewer required", ErrBadReviews, i+1)
		case rv.At.IsZero():
			return nil, fmt.Errorf("%w: entry %d: time required", ErrBadReviews, i+1)
		}
		if j, dup := seen[rv.Signal]; dup {
			return nil, fmt.Errorf("%w: entry %d reviews the signal of entry %d again", ErrBadReviews, i+1, j)
		}
		seen[rv.Signal] = i + 1
	}
	return &Reviews{Reviews: rs, SHA256: sha256.Sum256(data)}, nil
}

// Leaf returns the journal leaf recording the reviews file: kind "signal_reviews", a
// name-based ID of its hash, version 1, the file's SHA-256.
func (r *Reviews) Leaf(at time.Time, actor string) journal.Leaf {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("liudong-reviews:"+r.SHA256.String()))
	return journal.Leaf{Kind: LeafKindReviews, ID: id.String(), Version: 1, RecordSHA256: r.SHA256,
		Time: welfare.StoreTime(at), Actor: actor}
}

// SignalReviewSummary counts the signals and their reviews.
type SignalReviewSummary struct {
	Signals   int            `json:"signals"`
	Confirmed int            `json:"confirmed"`
	Dismissed int            `json:"dismissed"`
	Pending   int            `json:"pending"` // not reviewed yet
	ByKind    map[string]int `json:"by_kind"` // signals per kind
	// Unknown counts reviews naming no current signal (the signals changed since).
	Unknown       int    `json:"unknown"`
	ReviewsSHA256 string `json:"reviews_sha256,omitempty"`
}

// SignalFindings returns an AC-3 finding for every signal the auditor confirmed (one
// instance of perfunctory service each, not about one child: one deduction line per
// confirmed signal), and the review summary. Signals without a review are pending and
// make no finding; dismissed ones neither. reviews may be nil.
func SignalFindings(signals []QualitySignal, reviews *Reviews) ([]Finding, SignalReviewSummary) {
	sum := SignalReviewSummary{Signals: len(signals), ByKind: map[string]int{}}
	byKey := map[string]SignalReview{}
	if reviews != nil {
		for _, r := range reviews.Reviews {
			byKey[r.Signal] = r
		}
		sum.ReviewsSHA256 = reviews.SHA256.String()
	}
	used := map[string]bool{}
	var out []Finding
	for _, s := range signals {
		sum.ByKind[s.Kind]++
		k := s.Key()
		r, ok := byKey[k]
		if !ok {
			sum.Pending++
			continue
		}
		used[k] = true
		if r.Decision == DecisionDismiss {
			sum.Dismissed++
			continue
		}
		sum.Confirmed++
		ev := append([]welfare.Fact{{Name: "signal", Value: k}, {Name: "kind", Value: s.Kind},
			{Name: "worker", Value: s.WorkerID.String()}, {Name: "visits", Value: fmt.Sprint(len(s.VisitIDs))},
			{Name: "reviewer", Value: r.Reviewer}, {Name: "reviewed_at", Value: r.At.UTC().Format(time.RFC3339)}}, s.Facts...)
		name := s.KindName
		if name == "" {
			name = s.Kind
		}
		out = append(out, Finding{Requirement: ReqPerfunctory, ChildID: uuid.Nil, Evidence: ev, RuleID: s.RuleID,
			Explanation: fmt.Sprintf("AC-3：质量信号 %s（%s，工作人员 %s，涉及探访 %d 次）经验收人员核实属实", k, name, s.WorkerID, len(s.VisitIDs))})
	}
	for k := range byKey {
		if !used[k] {
			sum.Unknown++
		}
	}
	return out, sum
}
