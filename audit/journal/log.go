package journal

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrBadProof reports an inclusion or consistency proof that does not verify.
var ErrBadProof = errors.New("journal: proof does not verify")

// Append encodes leaves (see [Leaf.MarshalBinary]) and appends them to the log in
// one [Storage.Append] call, returning the index of the first. With no leaves it
// returns the log's size and writes nothing. Call it in the transaction that makes
// the writes it records.
func Append(ctx context.Context, s Storage, leaves ...Leaf) (first int64, err error) {
	size := 0
	for _, l := range leaves {
		size += l.encodedLen()
	}
	buf := make([]byte, 0, size)
	records := make([][]byte, len(leaves))
	for i, l := range leaves {
		start := len(buf)
		if buf, err = l.AppendBinary(buf); err != nil {
			return 0, fmt.Errorf("leaf %d: %w", i, err)
		}
		records[i] = buf[start:len(buf):len(buf)]
	}
	return AppendRecords(ctx, s, records...)
}

// AppendRecords appends raw tlog records to the log and returns the index of the
// first. [Append] builds on it; call it directly only for records that are not
// leaves (tests with the RFC 6962 vectors do). It makes at most three storage calls
// whatever the number of records: Size, one ReadHashes for the earlier hashes the
// new leaves need (none, half the time, for a single record), and one Append.
func AppendRecords(ctx context.Context, s Storage, records ...[]byte) (first int64, err error) {
	n, err := s.Size(ctx)
	if err != nil {
		return 0, fmt.Errorf("journal: size: %w", err)
	}
	if len(records) == 0 {
		return n, nil
	}
	hashes, err := storedHashes(ctx, s, n, records)
	if err != nil {
		return 0, err
	}
	if err := s.Append(ctx, n, records, hashes); err != nil {
		return 0, fmt.Errorf("journal: append: %w", err)
	}
	return n, nil
}

// storedHashes computes tlog.StoredHashes for records appended at n, n+1, …,
// reading the hashes of earlier leaves once, up front.
func storedHashes(ctx context.Context, s Storage, n int64, records [][]byte) ([]tlog.Hash, error) {
	base := tlog.StoredHashIndex(0, n)
	need := oldIndexes(n, int64(len(records)))
	old, err := readHashes(ctx, s, need)
	if err != nil {
		return nil, err
	}
	known := make(map[int64]tlog.Hash, len(need))
	for i, x := range need {
		known[x] = old[i]
	}
	hashes := make([]tlog.Hash, 0, tlog.StoredHashCount(n+int64(len(records)))-base)
	var out []tlog.Hash
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out = out[:0]
		for _, x := range indexes {
			if x >= base {
				if x-base >= int64(len(hashes)) {
					return nil, fmt.Errorf("%w: hash index %d not yet computed", ErrOutOfRange, x)
				}
				out = append(out, hashes[x-base])
				continue
			}
			h, ok := known[x]
			if !ok { // cannot happen: oldIndexes lists every earlier hash needed
				return nil, fmt.Errorf("journal: hash index %d was not read", x)
			}
			out = append(out, h)
		}
		return out, nil
	})
	for i, rec := range records {
		hs, err := tlog.StoredHashes(n+int64(i), rec, r)
		if err != nil {
			return nil, fmt.Errorf("journal: hashes of leaf %d: %w", n+int64(i), err)
		}
		hashes = append(hashes, hs...)
	}
	return hashes, nil
}

// oldIndexes returns, in increasing order, the storage indexes of the hashes already
// stored for a log of n leaves that tlog.StoredHashes will read when k leaves are
// appended: the left siblings of the subtrees the new leaves complete, where those
// siblings lie wholly in the existing log (they are roots of its maximal complete
// subtrees). Each is read once, so a single append of an even-numbered leaf reads
// nothing.
func oldIndexes(n, k int64) []int64 {
	base := tlog.StoredHashIndex(0, n)
	var out []int64
	for m := n; m < n+k; m++ {
		for level := 0; level < bits.TrailingZeros64(uint64(m+1)); level++ {
			if x := tlog.StoredHashIndex(level, m>>level-1); x < base {
				out = append(out, x)
			}
		}
	}
	slices.Sort(out)
	return out
}

func readHashes(ctx context.Context, s Storage, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	hs, err := s.ReadHashes(ctx, indexes)
	if err != nil {
		return nil, fmt.Errorf("journal: read hashes: %w", err)
	}
	if len(hs) != len(indexes) {
		return nil, fmt.Errorf("journal: read %d hashes, got %d", len(indexes), len(hs))
	}
	return hs, nil
}

// hashReader adapts a Storage to tlog.HashReader for one call.
func hashReader(ctx context.Context, s Storage) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return readHashes(ctx, s, indexes)
	})
}

// TreeHead returns the log's current size and root hash.
func TreeHead(ctx context.Context, s Storage) (tlog.Tree, error) {
	n, err := s.Size(ctx)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("journal: size: %w", err)
	}
	h, err := tlog.TreeHash(n, hashReader(ctx, s))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("journal: tree hash: %w", err)
	}
	return tlog.Tree{N: n, Hash: h}, nil
}

// ProveInclusion returns the proof that the tree of size treeSize contains leaf
// index. It needs 0 ≤ index < treeSize ≤ the log's size.
func ProveInclusion(ctx context.Context, s Storage, index, treeSize int64) (tlog.RecordProof, error) {
	if err := checkSize(ctx, s, treeSize); err != nil {
		return nil, err
	}
	if index < 0 || index >= treeSize {
		return nil, fmt.Errorf("%w: leaf %d of a tree of %d", ErrOutOfRange, index, treeSize)
	}
	p, err := tlog.ProveRecord(treeSize, index, hashReader(ctx, s))
	if err != nil {
		return nil, fmt.Errorf("journal: prove inclusion: %w", err)
	}
	return p, nil
}

// ProveConsistency returns the proof that the tree of size newSize contains the tree
// of size oldSize as a prefix. It needs 0 ≤ oldSize ≤ newSize ≤ the log's size; the
// proof from size 0 is empty.
func ProveConsistency(ctx context.Context, s Storage, oldSize, newSize int64) (tlog.TreeProof, error) {
	if err := checkSize(ctx, s, newSize); err != nil {
		return nil, err
	}
	if oldSize < 0 || oldSize > newSize {
		return nil, fmt.Errorf("%w: old size %d, new size %d", ErrOutOfRange, oldSize, newSize)
	}
	if oldSize == 0 {
		return tlog.TreeProof{}, nil
	}
	p, err := tlog.ProveTree(newSize, oldSize, hashReader(ctx, s))
	if err != nil {
		return nil, fmt.Errorf("journal: prove consistency: %w", err)
	}
	return p, nil
}

func checkSize(ctx context.Context, s Storage, treeSize int64) error {
	n, err := s.Size(ctx)
	if err != nil {
		return fmt.Errorf("journal: size: %w", err)
	}
	if treeSize < 0 || treeSize > n {
		return fmt.Errorf("%w: tree size %d of a log of %d", ErrOutOfRange, treeSize, n)
	}
	return nil
}

// maxTreeSize bounds the tree sizes the Check functions and [Verify] accept (tlog's
// arithmetic does not terminate beyond 2⁶²); no real log comes near it.
const maxTreeSize = 1 << 48

// CheckInclusion verifies that proof shows that tree contains record (an encoded
// leaf) at index. It returns an error wrapping [ErrBadProof] if not.
func CheckInclusion(proof tlog.RecordProof, tree tlog.Tree, index int64, record []byte) error {
	if tree.N > maxTreeSize {
		return fmt.Errorf("%w: tree of %d leaves is too large", ErrBadProof, tree.N)
	}
	if index < 0 || index >= tree.N {
		return fmt.Errorf("%w: leaf %d of a tree of %d", ErrBadProof, index, tree.N)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(record)); err != nil {
		return fmt.Errorf("%w: leaf %d in tree of %d: %v", ErrBadProof, index, tree.N, err)
	}
	return nil
}

// CheckConsistency verifies that proof shows that newTree contains oldTree as a
// prefix, so nothing in oldTree was changed or removed. It returns an error wrapping
// [ErrBadProof] if not. An empty oldTree (size 0, with the empty tree's hash or a
// zero hash) is a prefix of every tree.
func CheckConsistency(proof tlog.TreeProof, oldTree, newTree tlog.Tree) error {
	switch {
	case newTree.N > maxTreeSize:
		return fmt.Errorf("%w: tree of %d leaves is too large", ErrBadProof, newTree.N)
	case oldTree.N < 0 || oldTree.N > newTree.N:
		return fmt.Errorf("%w: old size %d, new size %d", ErrBadProof, oldTree.N, newTree.N)
	case oldTree.N == 0:
		if oldTree.Hash != (tlog.Hash{}) && oldTree.Hash != emptyTreeHash() {
			return fmt.Errorf("%w: empty tree with a non-empty hash", ErrBadProof)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newTree.N, newTree.Hash, oldTree.N, oldTree.Hash); err != nil {
		return fmt.Errorf("%w: tree of %d in tree of %d: %v", ErrBadProof, oldTree.N, newTree.N, err)
	}
	return nil
}

// emptyTreeHash is the RFC 6962 hash of the empty tree, SHA-256 of nothing.
func emptyTreeHash() tlog.Hash {
	h, _ := tlog.TreeHash(0, nil)
	return h
}
