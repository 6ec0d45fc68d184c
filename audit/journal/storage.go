package journal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrConflict reports an append at a position that is no longer the end of the log,
// because another writer appended first. The caller's transaction should roll back
// and may be retried.
var ErrConflict = errors.New("journal: concurrent append")

// ErrOutOfRange reports a leaf index, tree size or storage index beyond the log.
var ErrOutOfRange = errors.New("journal: out of range")

// Storage is the journal's storage, implemented by each store on top of the
// transaction that makes the write being journaled, so the leaf and the write commit
// together. It holds two sequences: encoded leaves (records) by leaf index 0, 1, …,
// and tlog hashes by storage index (see tlog.StoredHashIndex). Appends to one log
// must be serialised (for example by locking a log-head row): Append must fail,
// preferably with an error wrapping [ErrConflict], rather than write leaf n twice.
type Storage interface {
	// Size returns the number of leaves in the log.
	Size(ctx context.Context) (int64, error)
	// ReadHashes returns the stored hashes at the given storage indexes, in order.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Append stores leaves n, n+1, …, n+len(records)-1 and their hashes: hashes
	// holds, in order, the hashes tlog.StoredHashes computed for each new leaf, and
	// its first element goes at storage index tlog.StoredHashIndex(0, n), the rest at
	// the following indexes. n is the log's size as returned by Size in the same
	// transaction.
	Append(ctx context.Context, n int64, records [][]byte, hashes []tlog.Hash) error
	// Records returns the encoded leaves with indexes in [from, to).
	Records(ctx context.Context, from, to int64) ([][]byte, error)
}

// MemoryStorage is an in-memory [Storage], safe for concurrent use. The zero value
// is an empty log. Records are copied in and out, never aliased.
type MemoryStorage struct {
	mu      sync.RWMutex
	records [][]byte
	hashes  []tlog.Hash
}

var _ Storage = (*MemoryStorage)(nil)

// Len returns the number of leaves in the log; use it to note the size before a
// transaction and [MemoryStorage.Truncate] to discard the transaction's leaves.
func (m *MemoryStorage) Len() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return int64(len(m.records))
}

// Truncate discards the leaves with index n and above (and their hashes), undoing
// the appends of a failed transaction. The caller must make sure no other writer
// appended meanwhile (the memory store serialises its write transactions).
func (m *MemoryStorage) Truncate(n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n < 0 || n > int64(len(m.records)) {
		return fmt.Errorf("%w: truncate to %d of %d leaves", ErrOutOfRange, n, len(m.records))
	}
	clear(m.records[n:])
	m.records = m.records[:n]
	m.hashes = m.hashes[:tlog.StoredHashCount(n)]
	return nil
}

// Size implements [Storage].
func (m *MemoryStorage) Size(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return m.Len(), nil
}

// ReadHashes implements [Storage].
func (m *MemoryStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("%w: hash index %d of %d", ErrOutOfRange, x, len(m.hashes))
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// Append implements [Storage]. It fails with [ErrConflict] if n is not the log's
// size.
func (m *MemoryStorage) Append(ctx context.Context, n int64, records [][]byte, hashes []tlog.Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if n != int64(len(m.records)) {
		return fmt.Errorf("%w: append at %d to a log of %d leaves", ErrConflict, n, len(m.records))
	}
	if want := tlog.StoredHashCount(n+int64(len(records))) - int64(len(m.hashes)); int64(len(hashes)) != want {
		return fmt.Errorf("journal: append %d records with %d hashes, want %d", len(records), len(hashes), want)
	}
	m.records = append(m.records, copyRecords(records)...)
	m.hashes = append(m.hashes, hashes...)
	return nil
}

// Records implements [Storage].
func (m *MemoryStorage) Records(ctx context.Context, from, to int64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if from < 0 || from > to || to > int64(len(m.records)) {
		return nil, fmt.Errorf("%w: records [%d, %d) of %d", ErrOutOfRange, from, to, len(m.records))
	}
	return copyRecords(m.records[from:to]), nil
}

// copyRecords deep-copies records into one backing array.
func copyRecords(records [][]byte) [][]byte {
	total := 0
	for _, r := range records {
		total += len(r)
	}
	buf := make([]byte, 0, total)
	out := make([][]byte, len(records))
	for i, r := range records {
		start := len(buf)
		buf = append(buf, r...)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}
