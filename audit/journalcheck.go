package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// JournalSubject is one record of a sampled child the auditor checks against the
// store's journal: the entity's kind and ID as leaves name them, the child it belongs
// to, and (optionally) the time the record claims its event happened (a visit's end),
// which lateness is judged against; zero means the leaf's own time.
type JournalSubject struct {
	Kind    string
	ID      string
	ChildID uuid.UUID
	Claimed time.Time
}

// JournalCheckOptions tune CheckJournal.
type JournalCheckOptions struct {
	// Kept are the checkpoints the purchaser kept (already verified with
	// journal.OpenCheckpoint when kept). The log is checked for consistency with the
	// largest; lateness is judged against all. None: the records are checked against
	// the log as it stands, and the report's tree head is the checkpoint to keep.
	Kept []journal.KeptCheckpoint
	// Grace is how much later than its claimed time a record may be appended before it
	// counts as recorded late (entry lag); zero means 72 hours.
	Grace time.Duration
	// Origin names the log; empty: unchecked.
	Origin string
}

// JournalCheck is the journal verification of the sampled children's records
// (日志核验).
type JournalCheck struct {
	Origin         string `json:"origin,omitempty"`
	TreeSize       int64  `json:"tree_size"`
	TreeHash       string `json:"tree_hash"` // base64, as in checkpoints
	KeptSize       int64  `json:"kept_size"` // the kept checkpoint checked against (0: none)
	KeptGiven      bool   `json:"kept_given"`
	Consistent     bool   `json:"consistent"`
	LeavesChecked  int    `json:"leaves_checked"`
	RecordsChecked int    `json:"records_checked"`
	Children       int    `json:"children"`        // sampled children whose records were checked
	ChildrenFailed int    `json:"children_failed"` // of them, with a changed/missing/unlogged record or a late one
	Changed        int    `json:"changed"`
	Missing        int    `json:"missing"`
	NotInLog       int    `json:"not_in_log"`
	Late           int    `json:"recorded_late"`
	// Problems are the verifier's problem findings about the sampled records, and any
	// about the log as a whole (inconsistent with the checkpoint, malformed).
	Problems []journal.Finding `json:"problems"`
	OK       bool              `json:"ok"`
}

// ReadKeptCheckpoints reads checkpoints the purchaser kept: a JSON object or array of
// journal.KeptCheckpoint ({"origin", "size", "hash" (base64), "kept_at"}).
func ReadKeptCheckpoints(r io.Reader) ([]journal.KeptCheckpoint, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, err
	}
	var many []journal.KeptCheckpoint
	if err := json.Unmarshal(data, &many); err != nil {
		var one journal.KeptCheckpoint
		if err2 := json.Unmarshal(data, &one); err2 != nil {
			return nil, fmt.Errorf("%w: %w", journal.ErrBadCheckpoint, err2)
		}
		many = []journal.KeptCheckpoint{one}
	}
	for i, c := range many {
		if c.Size < 0 || c.KeptAt.IsZero() {
			return nil, fmt.Errorf("%w: checkpoint %d needs a size ≥ 0 and kept_at", journal.ErrBadCheckpoint, i+1)
		}
	}
	return many, nil
}

// CheckJournal exports the store's journal (js: the store's Journal(area) view), gives
// the verifier (journal.Verify) the digests of the sampled children's current records
// (records: latest versions, see journal.NewRecordDigest), and returns the check and an
// AC-1 finding per sampled child and problem: a record changed after it was journaled,
// a journaled record missing, a record written without a leaf, or a record appended
// after a kept checkpoint that the purchaser requested after the record's claimed time
// (journal.RecordedLate) by more than the grace. A log inconsistent with the kept
// checkpoint is one finding about no child. Leaves of entities not in subjects are not
// judged (only the sample's records are exported).
func CheckJournal(ctx context.Context, js journal.Storage, records []journal.RecordDigest, subjects []JournalSubject, opts JournalCheckOptions) (*JournalCheck, []Finding, error) {
	if js == nil {
		return nil, nil, errors.New("audit: no journal to check")
	}
	b, err := journal.Export(ctx, js)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: export journal: %w", err)
	}
	b.Origin = opts.Origin
	b.Records = records
	b.LatestOnly = true
	var kept journal.Checkpoint
	for _, k := range opts.Kept {
		if k.Size >= kept.Size {
			kept = k.Checkpoint
		}
	}
	if len(opts.Kept) == 0 {
		// No purchaser checkpoint: check against the log as it stands now.
		kept = journal.Checkpoint{Origin: opts.Origin, Size: b.TreeSize, Hash: b.TreeHash}
	}
	rep := journal.Verify(b, kept)
	grace := opts.Grace
	if grace == 0 {
		grace = 72 * time.Hour
	}

	type ek struct{ kind, id string }
	subj := make(map[ek]JournalSubject, len(subjects))
	children := map[uuid.UUID]bool{}
	for _, s := range subjects {
		subj[ek{s.Kind, s.ID}] = s
		children[s.ChildID] = true
	}
	jc := &JournalCheck{Origin: opts.Origin, TreeSize: rep.TreeSize, TreeHash: rep.TreeHash.String(),
		KeptSize: kept.Size, KeptGiven: len(opts.Kept) > 0, Consistent: rep.Consistent,
		LeavesChecked: rep.LeavesChecked, RecordsChecked: rep.RecordsChecked, Children: len(children), Problems: []journal.Finding{}}
	failed := map[uuid.UUID]bool{}
	var out []Finding
	type fk struct {
		child uuid.UUID
		what  string
	}
	seen := map[fk]bool{}
	add := func(child uuid.UUID, what, expl string, ev ...welfare.Fact) {
		if seen[fk{child, what}] {
			return
		}
		seen[fk{child, what}] = true
		failed[child] = true
		out = append(out, Finding{Requirement: ReqSampleCheck, ChildID: child, Evidence: ev, RuleID: "journal/" + what, Explanation: expl})
	}
	for _, f := range rep.Findings {
		if !f.Type.Problem() {
			continue
		}
		s, ok := subj[ek{f.Kind, f.ID}]
		if f.Kind == "" { // about the log as a whole
			jc.Problems = append(jc.Problems, f)
			out = append(out, Finding{Requirement: ReqSampleCheck, RuleID: "journal/" + string(f.Type),
				Evidence:    []welfare.Fact{{Name: "tree_size", Value: fmt.Sprint(rep.TreeSize)}, {Name: "kept_size", Value: fmt.Sprint(kept.Size)}},
				Explanation: "AC-1：服务记录日志未通过核验：" + f.Explanation})
			continue
		}
		if !ok {
			continue
		}
		jc.Problems = append(jc.Problems, f)
		ev := []welfare.Fact{{Name: "kind", Value: f.Kind}, {Name: "id", Value: f.ID}, {Name: "version", Value: fmt.Sprint(f.Version)},
			{Name: "leaf", Value: fmt.Sprint(f.Index)}}
		switch f.Type {
		case journal.FindingChanged:
			jc.Changed++
			add(s.ChildID, "changed", fmt.Sprintf("AC-1：抽查儿童 %s 的记录（%s 第 %d 版）在记入日志后被改动（日志第 %d 条）", s.ChildID, kindChinese(f.Kind), f.Version, f.Index), ev...)
		case journal.FindingMissing:
			jc.Missing++
			add(s.ChildID, "missing", fmt.Sprintf("AC-1：抽查儿童 %s 的记录（%s 第 %d 版）记入日志但已不存在", s.ChildID, kindChinese(f.Kind), f.Version), ev...)
		case journal.FindingNotInLog:
			jc.NotInLog++
			add(s.ChildID, "not_in_log", fmt.Sprintf("AC-1：抽查儿童 %s 的记录（%s 第 %d 版）未记入日志", s.ChildID, kindChinese(f.Kind), f.Version), ev...)
		default:
			add(s.ChildID, string(f.Type), fmt.Sprintf("AC-1：抽查儿童 %s 的记录日志异常：%s", s.ChildID, f.Explanation), ev...)
		}
	}

	if len(opts.Kept) > 0 {
		minSize := opts.Kept[0].Size
		for _, k := range opts.Kept {
			minSize = min(minSize, k.Size)
		}
		for _, l := range b.Leaves {
			if l.Index < minSize {
				continue
			}
			var leaf journal.Leaf
			if err := leaf.UnmarshalBinary(l.Data); err != nil {
				continue // reported by Verify
			}
			s, ok := subj[ek{leaf.Kind, leaf.ID}]
			if !ok {
				continue
			}
			claimed := leaf.Time
			if !s.Claimed.IsZero() && s.Claimed.Before(claimed) {
				claimed = s.Claimed
			}
			c, late := journal.RecordedLate(l.Index, claimed, opts.Kept...)
			if !late || c.KeptAt.Sub(claimed) <= grace {
				continue
			}
			jc.Late++
			add(s.ChildID, "recorded_late", fmt.Sprintf("AC-1：抽查儿童 %s 的记录（%s 第 %d 版）声称发生于 %s，但不在采购人 %s 保存的检查点（%d 条）中，系事后补录",
				s.ChildID, kindChinese(leaf.Kind), leaf.Version, claimed.In(welfare.Beijing()).Format("2006-01-02 15:04"),
				c.KeptAt.In(welfare.Beijing()).Format("2006-01-02 15:04"), c.Size),
				welfare.Fact{Name: "kind", Value: leaf.Kind}, welfare.Fact{Name: "id", Value: leaf.ID},
				welfare.Fact{Name: "leaf", Value: fmt.Sprint(l.Index)}, welfare.Fact{Name: "claimed", Value: claimed.UTC().Format(time.RFC3339)},
				welfare.Fact{Name: "checkpoint_size", Value: fmt.Sprint(c.Size)}, welfare.Fact{Name: "kept_at", Value: c.KeptAt.UTC().Format(time.RFC3339)})
		}
	}
	jc.ChildrenFailed = len(failed)
	jc.OK = rep.Consistent && len(jc.Problems) == 0 && jc.Late == 0
	SortFindings(out)
	return jc, out, nil
}

func kindChinese(kind string) string {
	switch kind {
	case welfare.EntityChild:
		return "儿童信息"
	case welfare.EntityKeyEntry:
		return "重点台账"
	case "visit":
		return "探访记录"
	}
	return kind
}

// SubjectsOf returns the journal subjects and record digests of the sampled children
// (kind welfare.EntityChild), from the records as the store returns them.
func SubjectsOf(children []*welfare.Child) ([]JournalSubject, []journal.RecordDigest, error) {
	subs := make([]JournalSubject, 0, len(children))
	recs := make([]journal.RecordDigest, 0, len(children))
	for _, c := range children {
		d, err := journal.NewRecordDigest(welfare.EntityChild, c.ID.String(), c.Version, c)
		if err != nil {
			return nil, nil, err
		}
		subs = append(subs, JournalSubject{Kind: welfare.EntityChild, ID: c.ID.String(), ChildID: c.ID})
		recs = append(recs, d)
	}
	slices.SortFunc(subs, func(a, b JournalSubject) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return subs, recs, nil
}
