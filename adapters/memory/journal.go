package memory

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// Options configure a Store. The zero value gives defaults.
type Options struct {
	// Clock stamps journal leaves; default welfare.SystemClock.
	Clock welfare.Clock
}

// NewWithOptions returns an empty store configured by opts.
func NewWithOptions(opts Options) *Store {
	s := New()
	if opts.Clock != nil {
		s.v.st.clock = opts.Clock
	}
	return s
}

// Journal returns a read view of the area's journal (every write of the store, one leaf
// each, appended in the same critical section as the write). Appending through the view
// fails: only the store writes its journal.
func (s *Store) Journal(area string) journal.Storage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return readOnly{s.v.st.journalOf(area)}
}

// journalOf returns the area's log, creating it. Callers hold the store's lock.
func (s *state) journalOf(area string) *journal.MemoryStorage {
	j := s.journals[area]
	if j == nil {
		j = &journal.MemoryStorage{}
		s.journals[area] = j
	}
	return j
}

// journal appends the leaf of one write to its area's log; inside a transaction the
// undo log cuts the journal back on rollback. The caller holds the write lock.
func (v *view) journal(ctx context.Context, kind, area string, id uuid.UUID, version int64, record any, actor string) error {
	sum, err := journal.RecordHash(record)
	if err != nil {
		return fmt.Errorf("memory: journal %s %s: %w", kind, id, err)
	}
	j := v.st.journalOf(area)
	size := j.Len()
	leaf := journal.Leaf{Kind: kind, ID: id.String(), Version: version, RecordSHA256: sum,
		Time: welfare.StoreTime(v.st.clock.Now()), Actor: actor}
	if _, err := journal.Append(ctx, j, leaf); err != nil {
		return fmt.Errorf("memory: journal %s %s: %w", kind, id, err)
	}
	v.logUndo(undo{kind: undoJournal, area: area, size: size})
	return nil
}

// journalMark and journalRewind undo a failed batch outside a transaction.
func (v *view) journalMark(area string) int64 { return v.st.journalOf(area).Len() }

func (v *view) journalRewind(area string, size int64) {
	_ = v.st.journalOf(area).Truncate(size) // size was the log's length
}

// readOnly is a journal view that refuses appends.
type readOnly struct{ *journal.MemoryStorage }

// Append refuses.
func (readOnly) Append(context.Context, int64, [][]byte, []tlog.Hash) error {
	return errors.New("memory: the journal is written only by the store")
}
