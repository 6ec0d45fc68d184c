package journal

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// exportPage is how many encoded leaves Export reads per Storage.Records call.
const exportPage = 10_000

// Bundle is what a provider hands an auditor (审计包): the journal's leaves, the tree
// head, and digests of the records the provider exported alongside. It marshals to
// JSON (encoded leaves and hashes in base64, digests in hex) for command-line tools.
//
// A full bundle holds every leaf [0, TreeSize) in index order; [Verify] recomputes the
// tree from them and needs no proofs. A partial bundle holds some leaves, each with an
// inclusion proof against the tree head, and a consistency proof from the kept
// checkpoint's size; it must hold a leaf for every record it lists.
type Bundle struct {
	// Origin names the log, as in its checkpoints; empty if unknown.
	Origin   string       `json:"origin,omitempty"`
	TreeSize int64        `json:"tree_size"`
	TreeHash tlog.Hash    `json:"tree_hash"`
	Leaves   []BundleLeaf `json:"leaves"`
	// ConsistencyFrom is the tree size the Consistency proof starts at; it must equal
	// the kept checkpoint's size. Only partial bundles need the proof.
	ConsistencyFrom int64          `json:"consistency_from,omitempty"`
	Consistency     tlog.TreeProof `json:"consistency,omitempty"`
	// Records are the digests of the exported records, recomputed by the auditor from
	// the records themselves (see [NewRecordDigest]).
	Records []RecordDigest `json:"records"`
	// LatestOnly says Records hold only the latest version of each entity, so a leaf
	// journaling an earlier version is reported as superseded rather than missing.
	LatestOnly bool `json:"latest_only,omitempty"`
}

// BundleLeaf is one leaf of a [Bundle].
type BundleLeaf struct {
	Index int64            `json:"index"`
	Data  []byte           `json:"data"`            // the encoded leaf (see [Leaf.MarshalBinary])
	Proof tlog.RecordProof `json:"proof,omitempty"` // inclusion proof; partial bundles only
}

// RecordDigest identifies one version of one record and the SHA-256 of its canonical
// encoding (see [RecordHash]).
type RecordDigest struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Version int64  `json:"version"`
	SHA256  Digest `json:"sha256"`
}

// NewRecordDigest returns the digest of record, hashed with [RecordHash].
func NewRecordDigest(kind, id string, version int64, record any) (RecordDigest, error) {
	h, err := RecordHash(record)
	if err != nil {
		return RecordDigest{}, err
	}
	return RecordDigest{Kind: kind, ID: id, Version: version, SHA256: h}, nil
}

// Export returns a full bundle of the log: its tree head and every leaf, read in pages.
// The caller adds Origin and the Records it exports. Run it in one read transaction so
// the leaves and the tree head agree.
func Export(ctx context.Context, s Storage) (Bundle, error) {
	tree, err := TreeHead(ctx, s)
	if err != nil {
		return Bundle{}, err
	}
	b := Bundle{TreeSize: tree.N, TreeHash: tree.Hash, Leaves: make([]BundleLeaf, 0, tree.N)}
	for from := int64(0); from < tree.N; from += exportPage {
		to := min(from+exportPage, tree.N)
		recs, err := s.Records(ctx, from, to)
		if err != nil {
			return Bundle{}, fmt.Errorf("journal: records [%d, %d): %w", from, to, err)
		}
		if int64(len(recs)) != to-from {
			return Bundle{}, fmt.Errorf("journal: records [%d, %d): got %d", from, to, len(recs))
		}
		for i, r := range recs {
			b.Leaves = append(b.Leaves, BundleLeaf{Index: from + int64(i), Data: r})
		}
	}
	return b, nil
}

// ExportLeaves returns a partial bundle: the leaves at indexes, each with its
// inclusion proof in the current tree, and the consistency proof from keptSize (the
// size of the auditor's kept checkpoint) to the current tree. The caller adds Origin
// and Records.
func ExportLeaves(ctx context.Context, s Storage, keptSize int64, indexes []int64) (Bundle, error) {
	tree, err := TreeHead(ctx, s)
	if err != nil {
		return Bundle{}, err
	}
	b := Bundle{TreeSize: tree.N, TreeHash: tree.Hash, ConsistencyFrom: keptSize, Leaves: make([]BundleLeaf, 0, len(indexes))}
	if keptSize <= tree.N {
		if b.Consistency, err = ProveConsistency(ctx, s, keptSize, tree.N); err != nil {
			return Bundle{}, err
		}
	}
	for _, i := range indexes {
		if i < 0 || i >= tree.N {
			return Bundle{}, fmt.Errorf("%w: leaf %d of %d", ErrOutOfRange, i, tree.N)
		}
		recs, err := s.Records(ctx, i, i+1)
		if err != nil {
			return Bundle{}, fmt.Errorf("journal: record %d: %w", i, err)
		}
		if len(recs) != 1 {
			return Bundle{}, fmt.Errorf("journal: record %d: got %d", i, len(recs))
		}
		p, err := ProveInclusion(ctx, s, i, tree.N)
		if err != nil {
			return Bundle{}, err
		}
		b.Leaves = append(b.Leaves, BundleLeaf{Index: i, Data: recs[0], Proof: p})
	}
	return b, nil
}

// FindingType classifies a [Finding].
type FindingType string

// Finding types. Appended and Superseded are information; the rest are problems.
const (
	// FindingChanged: the exported record's hash differs from the journaled one.
	FindingChanged FindingType = "changed"
	// FindingMissing: a leaf journals a record the export does not hold.
	FindingMissing FindingType = "missing"
	// FindingNotInLog: the export holds a record no leaf journals.
	FindingNotInLog FindingType = "not_in_log"
	// FindingAppended: a leaf was appended after the kept checkpoint.
	FindingAppended FindingType = "appended_after_checkpoint"
	// FindingSuperseded: with Bundle.LatestOnly, a leaf journals an earlier version
	// of a record whose later version the export holds.
	FindingSuperseded FindingType = "superseded"
	// FindingDuplicate: one version of a record was journaled twice, or listed twice
	// with different hashes.
	FindingDuplicate FindingType = "duplicate"
	// FindingInconsistent: the log is not consistent with the kept checkpoint (its
	// history was rewritten or truncated), or consistency could not be shown.
	FindingInconsistent FindingType = "inconsistent"
	// FindingBadBundle: the bundle is malformed: an undecodable leaf, a bad
	// inclusion proof, a tree head its leaves do not hash to, another log's origin.
	FindingBadBundle FindingType = "bad_bundle"
)

// Problem reports whether findings of this type mean the journal or the export
// cannot be trusted as it stands.
func (t FindingType) Problem() bool {
	return t != FindingAppended && t != FindingSuperseded
}

// Finding is one result of [Verify], with an explanation in English (the Type is
// stable for translation). It names entities by kind, ID and version only.
type Finding struct {
	Type FindingType `json:"type"`
	// Index is the leaf's index, or -1 if the finding concerns no single leaf.
	Index        int64     `json:"index"`
	Kind         string    `json:"kind,omitempty"`
	ID           string    `json:"id,omitempty"`
	Version      int64     `json:"version"`
	Time         time.Time `json:"time,omitzero"`   // the leaf's time
	Actor        string    `json:"actor,omitempty"` // the leaf's actor (a staff ID)
	LeafSHA256   Digest    `json:"leaf_sha256,omitzero"`
	RecordSHA256 Digest    `json:"record_sha256,omitzero"`
	Explanation  string    `json:"explanation"`
}

// Report is the result of [Verify].
type Report struct {
	Origin   string     `json:"origin,omitempty"`
	TreeSize int64      `json:"tree_size"`
	TreeHash tlog.Hash  `json:"tree_hash"` // recomputed from the leaves in a full bundle
	Kept     Checkpoint `json:"kept"`
	// Full says the bundle held every leaf.
	Full bool `json:"full"`
	// Consistent says the log is consistent with the kept checkpoint: the
	// checkpoint's tree is a prefix of the bundle's, unchanged.
	Consistent     bool      `json:"consistent"`
	LeavesChecked  int       `json:"leaves_checked"`
	RecordsChecked int       `json:"records_checked"`
	Findings       []Finding `json:"findings"`
}

// OK reports whether the log is consistent with the kept checkpoint and no finding
// is a problem.
func (r Report) OK() bool {
	if !r.Consistent {
		return false
	}
	for _, f := range r.Findings {
		if f.Type.Problem() {
			return false
		}
	}
	return true
}

// Count returns the number of findings of type t.
func (r Report) Count(t FindingType) int {
	n := 0
	for _, f := range r.Findings {
		if f.Type == t {
			n++
		}
	}
	return n
}

type entityKey struct {
	kind, id string
	version  int64
}

type decodedLeaf struct {
	index int64
	leaf  Leaf
}

// Verify checks a bundle against a checkpoint the auditor kept (a zero Checkpoint if
// none) and reports, with explanations: records changed after they were journaled,
// journaled records missing from the export, exported records not in the log, leaves
// appended after the kept checkpoint, and whether the log is consistent with the
// kept checkpoint, which detects a rewritten or truncated history. It is pure: it
// reads nothing but its arguments. The kept checkpoint must have been verified with
// [OpenCheckpoint] when it was kept.
func Verify(b Bundle, kept Checkpoint) Report {
	r := Report{Origin: b.Origin, TreeSize: b.TreeSize, TreeHash: b.TreeHash, Kept: kept, Findings: []Finding{}}
	bundleProblem := func(typ FindingType, index int64, format string, args ...any) {
		r.Findings = append(r.Findings, Finding{Type: typ, Index: index, Explanation: fmt.Sprintf(format, args...)})
	}
	if b.TreeSize < 0 || b.TreeSize > maxTreeSize {
		bundleProblem(FindingBadBundle, -1, "the bundle claims an impossible tree size %d", b.TreeSize)
		return r
	}
	originOK := true
	if b.Origin != "" && kept.Origin != "" && b.Origin != kept.Origin {
		originOK = false
		bundleProblem(FindingBadBundle, -1, "the bundle is from log %q but the kept checkpoint is from log %q", b.Origin, kept.Origin)
	}

	r.Full = isFull(b)
	var leaves []decodedLeaf
	if r.Full {
		leaves = r.checkFull(b, kept, bundleProblem)
	} else {
		leaves = r.checkPartial(b, kept, bundleProblem)
	}
	if !originOK {
		r.Consistent = false
	}
	if !r.Consistent && !slicesContainsType(r.Findings, FindingInconsistent) {
		bundleProblem(FindingInconsistent, -1, "the bundle is not from the kept checkpoint's log")
	}
	r.LeavesChecked = len(leaves)
	r.RecordsChecked = len(b.Records)
	r.matchRecords(b, kept, leaves)
	return r
}

func slicesContainsType(fs []Finding, t FindingType) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Type == t })
}

func isFull(b Bundle) bool {
	if int64(len(b.Leaves)) != b.TreeSize {
		return false
	}
	for i, l := range b.Leaves {
		if l.Index != int64(i) {
			return false
		}
	}
	return true
}

// decode decodes a leaf, reporting a bad one.
func decode(l BundleLeaf, problem func(FindingType, int64, string, ...any)) (decodedLeaf, bool) {
	var leaf Leaf
	if err := leaf.UnmarshalBinary(l.Data); err != nil {
		problem(FindingBadBundle, l.Index, "leaf %d cannot be decoded: %v", l.Index, err)
		return decodedLeaf{}, false
	}
	return decodedLeaf{index: l.Index, leaf: leaf}, true
}

// checkFull recomputes the tree from every leaf and compares it with the bundle's
// tree head and the kept checkpoint.
func (r *Report) checkFull(b Bundle, kept Checkpoint, problem func(FindingType, int64, string, ...any)) []decodedLeaf {
	records := make([][]byte, len(b.Leaves))
	leaves := make([]decodedLeaf, 0, len(b.Leaves))
	for i, l := range b.Leaves {
		records[i] = l.Data
		if d, ok := decode(l, problem); ok {
			leaves = append(leaves, d)
		}
	}
	hashes, err := storedHashes(context.Background(), nil, 0, records)
	if err != nil { // cannot happen: every hash read is of a hash just computed
		problem(FindingBadBundle, -1, "cannot hash the leaves: %v", err)
		return nil
	}
	read := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = hashes[x]
		}
		return out, nil
	})
	root, _ := tlog.TreeHash(b.TreeSize, read)
	if root != b.TreeHash {
		problem(FindingBadBundle, -1, "the bundle's %d leaves hash to %s, not to the tree hash %s it claims", b.TreeSize, root, b.TreeHash)
	}
	r.TreeHash = root
	switch {
	case kept.Size < 0:
		problem(FindingInconsistent, -1, "the kept checkpoint has a negative size %d", kept.Size)
	case kept.Size > b.TreeSize:
		problem(FindingInconsistent, -1, "the log has %d leaves, fewer than the %d of the kept checkpoint: leaves were removed", b.TreeSize, kept.Size)
	case kept.Size == 0 && kept.Hash != (tlog.Hash{}) && kept.Hash != emptyTreeHash():
		problem(FindingInconsistent, -1, "the kept checkpoint has no leaves but a non-empty hash")
	case kept.Size == 0:
		r.Consistent = true
	default:
		old, _ := tlog.TreeHash(kept.Size, read)
		if old != kept.Hash {
			problem(FindingInconsistent, -1, "the log's first %d leaves hash to %s, not to the kept checkpoint's %s: the history before the checkpoint was rewritten", kept.Size, old, kept.Hash)
		} else {
			r.Consistent = true
		}
	}
	return leaves
}

// checkPartial checks each leaf's inclusion proof and the consistency proof.
func (r *Report) checkPartial(b Bundle, kept Checkpoint, problem func(FindingType, int64, string, ...any)) []decodedLeaf {
	tree := tlog.Tree{N: b.TreeSize, Hash: b.TreeHash}
	sorted := slices.Clone(b.Leaves)
	slices.SortStableFunc(sorted, func(x, y BundleLeaf) int { return cmp.Compare(x.Index, y.Index) })
	leaves := make([]decodedLeaf, 0, len(sorted))
	for i, l := range sorted {
		if i > 0 && l.Index == sorted[i-1].Index {
			problem(FindingBadBundle, l.Index, "leaf %d appears more than once", l.Index)
			continue
		}
		if err := CheckInclusion(l.Proof, tree, l.Index, l.Data); err != nil {
			problem(FindingBadBundle, l.Index, "leaf %d is not shown to be in the tree of %d leaves: %v", l.Index, b.TreeSize, err)
			continue
		}
		if d, ok := decode(l, problem); ok {
			leaves = append(leaves, d)
		}
	}
	switch {
	case kept.Size > b.TreeSize:
		problem(FindingInconsistent, -1, "the log has %d leaves, fewer than the %d of the kept checkpoint: leaves were removed", b.TreeSize, kept.Size)
	case kept.Size > 0 && kept.Size < b.TreeSize && b.ConsistencyFrom != kept.Size:
		problem(FindingInconsistent, -1, "the bundle's consistency proof starts at %d leaves, not at the kept checkpoint's %d: consistency is not shown", b.ConsistencyFrom, kept.Size)
	default:
		if err := CheckConsistency(b.Consistency, kept.Tree(), tree); err != nil {
			problem(FindingInconsistent, -1, "the log of %d leaves is not consistent with the kept checkpoint of %d: %v", b.TreeSize, kept.Size, err)
		} else {
			r.Consistent = true
		}
	}
	return leaves
}

// matchRecords compares leaves with the exported records.
func (r *Report) matchRecords(b Bundle, kept Checkpoint, leaves []decodedLeaf) {
	records := make(map[entityKey]RecordDigest, len(b.Records))
	latest := make(map[[2]string]int64)
	var dupRecords []RecordDigest
	for _, d := range b.Records {
		k := entityKey{d.Kind, d.ID, d.Version}
		if prev, ok := records[k]; ok {
			if prev.SHA256 != d.SHA256 {
				dupRecords = append(dupRecords, d)
			}
			continue
		}
		records[k] = d
		if v, ok := latest[[2]string{d.Kind, d.ID}]; !ok || d.Version > v {
			latest[[2]string{d.Kind, d.ID}] = d.Version
		}
	}
	slices.SortFunc(dupRecords, compareDigests)
	for _, d := range dupRecords {
		r.Findings = append(r.Findings, Finding{
			Type: FindingDuplicate, Index: -1, Kind: d.Kind, ID: d.ID, Version: d.Version,
			RecordSHA256: d.SHA256, Explanation: fmt.Sprintf("the export lists version %d of %s %s more than once, with different hashes", d.Version, d.Kind, d.ID),
		})
	}

	byKey := make(map[entityKey][]decodedLeaf, len(leaves))
	for _, d := range leaves {
		k := entityKey{d.leaf.Kind, d.leaf.ID, d.leaf.Version}
		byKey[k] = append(byKey[k], d)
	}
	for _, d := range leaves {
		l := d.leaf
		k := entityKey{l.Kind, l.ID, l.Version}
		f := Finding{Index: d.index, Kind: l.Kind, ID: l.ID, Version: l.Version, Time: l.Time, Actor: l.Actor, LeafSHA256: l.RecordSHA256}
		same := byKey[k]
		if len(same) > 1 && same[0].index != d.index {
			f.Type = FindingDuplicate
			f.Explanation = fmt.Sprintf("leaf %d journals version %d of %s %s again, already journaled at leaf %d", d.index, l.Version, l.Kind, l.ID, same[0].index)
			r.Findings = append(r.Findings, f)
		}
		rec, ok := records[k]
		isLast := same[len(same)-1].index == d.index
		switch {
		case !isLast: // judged once, at the last leaf journaling this version
		case ok && !slices.ContainsFunc(same, func(x decodedLeaf) bool { return x.leaf.RecordSHA256 == rec.SHA256 }):
			f.Type = FindingChanged
			f.RecordSHA256 = rec.SHA256
			f.Explanation = fmt.Sprintf("the exported version %d of %s %s hashes to %s, not to the %s journaled at leaf %d: the record was changed after it was journaled", l.Version, l.Kind, l.ID, rec.SHA256, Digest(l.RecordSHA256), d.index)
			r.Findings = append(r.Findings, f)
		case ok:
		case b.LatestOnly && latest[[2]string{l.Kind, l.ID}] > l.Version:
			f.Type = FindingSuperseded
			f.Explanation = fmt.Sprintf("leaf %d journals version %d of %s %s; the export holds only the later version %d, so this version cannot be checked", d.index, l.Version, l.Kind, l.ID, latest[[2]string{l.Kind, l.ID}])
			r.Findings = append(r.Findings, f)
		default:
			f.Type = FindingMissing
			f.Explanation = fmt.Sprintf("leaf %d journals version %d of %s %s, but the export holds no such record: it was deleted or withheld", d.index, l.Version, l.Kind, l.ID)
			r.Findings = append(r.Findings, f)
		}
		if d.index >= kept.Size {
			f.Type = FindingAppended
			f.RecordSHA256 = Digest{}
			f.Explanation = fmt.Sprintf("leaf %d was appended after the kept checkpoint of %d leaves, which therefore does not protect it", d.index, kept.Size)
			r.Findings = append(r.Findings, f)
		}
	}

	var unlogged []RecordDigest
	for k, d := range records {
		if _, ok := byKey[k]; !ok {
			unlogged = append(unlogged, d)
		}
	}
	slices.SortFunc(unlogged, compareDigests)
	for _, d := range unlogged {
		expl := fmt.Sprintf("the export holds version %d of %s %s, but no leaf journals it: it was written without being journaled", d.Version, d.Kind, d.ID)
		if !r.Full {
			expl += " (or the partial bundle omits its leaf)"
		}
		r.Findings = append(r.Findings, Finding{
			Type: FindingNotInLog, Index: -1, Kind: d.Kind, ID: d.ID, Version: d.Version,
			RecordSHA256: d.SHA256, Explanation: expl,
		})
	}
}

func compareDigests(x, y RecordDigest) int {
	return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.ID, y.ID), cmp.Compare(x.Version, y.Version), slices.Compare(x.SHA256[:], y.SHA256[:]))
}
