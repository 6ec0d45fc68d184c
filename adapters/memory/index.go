package memory

import (
	"bytes"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// index is an ordered set of keys that stays cheap under bulk loads: new keys are
// appended to an unsorted tail (or extend the sorted prefix when they arrive in order,
// as time-ordered UUIDv7 IDs usually do), and the tail is sorted and merged lazily by
// the next scan. Writers (add, remove) run under the store's write lock; readers call
// sorted under the read lock, and mu lets several readers share the one lazy sort.
type index[K any] struct {
	mu     sync.Mutex
	keys   []K
	sorted int // keys[:sorted] is sorted
	cmp    func(a, b K) int
}

func newIndex[K any](cmp func(a, b K) int) *index[K] { return &index[K]{cmp: cmp} }

// add inserts k, which must not be present.
func (x *index[K]) add(k K) {
	x.keys = append(x.keys, k)
	if x.sorted == len(x.keys)-1 && (x.sorted == 0 || x.cmp(x.keys[x.sorted-1], k) < 0) {
		x.sorted++
	}
}

// remove deletes k if present. Recently added keys (the common case: undoing a create)
// are found at the end of the tail.
func (x *index[K]) remove(k K) {
	for i := len(x.keys) - 1; i >= x.sorted; i-- {
		if x.cmp(x.keys[i], k) == 0 {
			x.keys = slices.Delete(x.keys, i, i+1)
			return
		}
	}
	if i, ok := slices.BinarySearchFunc(x.keys[:x.sorted], k, x.cmp); ok {
		x.keys = slices.Delete(x.keys, i, i+1)
		x.sorted--
	}
}

// sortedKeys sorts the tail into the prefix if needed and returns the keys in order.
// The result is valid until the next write.
func (x *index[K]) sortedKeys() []K {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sorted == len(x.keys) {
		return x.keys
	}
	tail := x.keys[x.sorted:]
	slices.SortFunc(tail, x.cmp)
	if x.sorted > 0 && x.cmp(x.keys[x.sorted-1], tail[0]) > 0 {
		head := x.keys[:x.sorted]
		out := make([]K, 0, cap(x.keys))
		i, j := 0, 0
		for i < len(head) && j < len(tail) {
			if x.cmp(head[i], tail[j]) <= 0 {
				out = append(out, head[i])
				i++
			} else {
				out = append(out, tail[j])
				j++
			}
		}
		out = append(out, head[i:]...)
		out = append(out, tail[j:]...)
		x.keys = out
	}
	x.sorted = len(x.keys)
	return x.keys
}

// after returns the position of the first key strictly greater than k in sorted keys.
func after[K any](keys []K, k K, cmp func(a, b K) int) int {
	i, found := slices.BinarySearchFunc(keys, k, cmp)
	if found {
		i++
	}
	return i
}

func cmpID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// entryKey orders ledger entries by child ID, then entry ID.
type entryKey struct{ child, id uuid.UUID }

func cmpEntryKey(a, b entryKey) int {
	if c := cmpID(a.child, b.child); c != 0 {
		return c
	}
	return cmpID(a.id, b.id)
}
