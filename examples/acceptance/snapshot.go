package main

import (
	"context"
	"iter"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// fullStore is every port the acceptance reads: the memory and SQL stores implement it.
type fullStore interface {
	casework.Store
	visit.Store
	screening.Store
	journaled
}

// snapshot is the acceptance's read view of a store: the area's children and ledger
// entries are read once, on the first county-wide scan, and later county-wide scans
// (census sections, ledger gaps, exits, manifest, screening due list, visit compliance)
// are served from that copy. Every section is then judged on the same records, and the
// children are decoded once instead of once per section. Memory grows with the children
// and ledger entries, never with the visits, which are always streamed. Every other
// call, and any filtered scan, goes to the store. The snapshot hands out its own records,
// not copies: it serves the acceptance's read-only checks and must not be written
// through.
type snapshot struct {
	fullStore
	mu       sync.Mutex
	children map[string][]*welfare.Child
	entries  map[string][]*welfare.KeyEntry
}

func newSnapshot(s fullStore) *snapshot {
	return &snapshot{fullStore: s, children: map[string][]*welfare.Child{}, entries: map[string][]*welfare.KeyEntry{}}
}

// Children serves an unfiltered (or state-filtered) county scan from the snapshot.
func (s *snapshot) Children(ctx context.Context, f welfare.ChildFilter) iter.Seq2[*welfare.Child, error] {
	// A region equal to the area (an auditor's scope) is the whole county.
	if f.Area == "" || (f.Region != "" && f.Region != f.Area) || f.After != uuid.Nil || f.Limit != 0 {
		return s.fullStore.Children(ctx, f)
	}
	states := slices.Clone(f.States)
	return func(yield func(*welfare.Child, error) bool) {
		all, err := s.loadChildren(ctx, f.Area)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, c := range all {
			if len(states) > 0 && !slices.Contains(states, c.State()) {
				continue
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

func (s *snapshot) loadChildren(ctx context.Context, area string) ([]*welfare.Child, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.children[area]; ok {
		return cs, nil
	}
	var cs []*welfare.Child
	for c, err := range s.fullStore.Children(ctx, welfare.ChildFilter{Area: area}) {
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	s.children[area] = cs
	return cs, nil
}

// KeyEntries serves the county's ledger (or its open entries) from the snapshot.
func (s *snapshot) KeyEntries(ctx context.Context, f welfare.KeyEntryFilter) iter.Seq2[*welfare.KeyEntry, error] {
	if f.Area == "" || f.ChildID != uuid.Nil {
		return s.fullStore.KeyEntries(ctx, f)
	}
	return func(yield func(*welfare.KeyEntry, error) bool) {
		all, err := s.loadEntries(ctx, f.Area)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, e := range all {
			if f.OpenOnly && e.Closed != nil {
				continue
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *snapshot) loadEntries(ctx context.Context, area string) ([]*welfare.KeyEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if es, ok := s.entries[area]; ok {
		return es, nil
	}
	var es []*welfare.KeyEntry
	for e, err := range s.fullStore.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}) {
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	s.entries[area] = es
	return es, nil
}
