package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

// Writers is the number of goroutines the concurrency tests run.
const Writers = 10

// testConcurrentWriters: Writers goroutines read the same child at version 1 and update
// it at once; exactly one succeeds, the rest get ErrConflict. Each then retries (re-read,
// re-apply, update) until its change lands. Every change must be present at the end,
// and every successful update must have produced a distinct version: nothing lost.
func testConcurrentWriters(t *testing.T, s welfare.Store) {
	ctx := bg()
	c := NewChild(1)
	c.Guardians = nil
	mustCreate(t, s, c)

	type result struct {
		first    error   // the first, simultaneous attempt
		versions []int64 // the version each successful update stored
		err      error   // an unexpected error
	}
	results := make([]result, Writers)
	var read, wg sync.WaitGroup
	read.Add(Writers)
	for w := range Writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[w]
			add := func(c *welfare.Child) {
				c.Guardians = append(c.Guardians, welfare.Guardian{Name: fmt.Sprintf("测试监护人%d", w), Relationship: "relative"})
			}
			got, err := s.GetChild(ctx, c.ID)
			read.Done()
			if err != nil {
				r.err = err
				return
			}
			read.Wait() // every writer holds version 1 before any writes
			add(got)
			r.first = s.UpdateChild(ctx, got)
			if r.first == nil {
				r.versions = append(r.versions, got.Version)
				return
			}
			if !errors.Is(r.first, welfare.ErrConflict) {
				r.err = r.first
				return
			}
			for attempt := 0; ; attempt++ {
				if attempt > 100*Writers {
					r.err = errors.New("storetest: no progress after many retries")
					return
				}
				got, err := s.GetChild(ctx, c.ID)
				if err != nil {
					r.err = err
					return
				}
				add(got)
				err = s.UpdateChild(ctx, got)
				if err == nil {
					r.versions = append(r.versions, got.Version)
					return
				}
				if !errors.Is(err, welfare.ErrConflict) {
					r.err = err
					return
				}
			}
		}()
	}
	wg.Wait()

	succeeded, conflicts := 0, 0
	var versions []int64
	for w, r := range results {
		require.NoError(t, r.err, "writer %d", w)
		if r.first == nil {
			succeeded++
		} else {
			require.ErrorIs(t, r.first, welfare.ErrConflict)
			conflicts++
		}
		require.Len(t, r.versions, 1, "writer %d lands its change once", w)
		versions = append(versions, r.versions...)
	}
	require.Equal(t, 1, succeeded, "of concurrent updates from one version exactly one succeeds")
	require.Equal(t, Writers-1, conflicts)
	slices.Sort(versions)
	want := make([]int64, Writers)
	for i := range want {
		want[i] = int64(i + 2)
	}
	require.Equal(t, want, versions, "every successful update stored its own version")

	final, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, Writers+1, final.Version)
	var names []string
	for _, g := range final.Guardians {
		names = append(names, g.Name)
	}
	slices.Sort(names)
	var exp []string
	for w := range Writers {
		exp = append(exp, fmt.Sprintf("测试监护人%d", w))
	}
	slices.Sort(exp)
	require.Equal(t, exp, names, "every writer's change is present exactly once")
}

// testConcurrentScansAndWrites runs scans while other goroutines create and update
// children: scans never fail and always come in ID order.
func testConcurrentScansAndWrites(t *testing.T, s welfare.Store) {
	ctx := bg()
	const perWriter = 60
	var writers, scanners sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range perWriter {
				c := NewChild(1 + w*perWriter + i)
				if err := s.CreateChild(ctx, c); err != nil {
					errs <- err
					return
				}
				c.Ethnicity = "测试族"
				if err := s.UpdateChild(ctx, c); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 4 {
		scanners.Add(1)
		go func() {
			defer scanners.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
				if err != nil {
					errs <- err
					return
				}
				if !slices.IsSortedFunc(ids(got), cmpUUID) {
					errs <- errors.New("storetest: concurrent scan out of ID order")
					return
				}
				rows, err := Collect(s.CensusRows(ctx, Area))
				if err != nil {
					errs <- err
					return
				}
				for i := 1; i < len(rows); i++ {
					if cmpUUID(rows[i-1].ID, rows[i].ID) >= 0 {
						errs <- errors.New("storetest: concurrent census rows out of ID order")
						return
					}
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	scanners.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := Collect(s.Children(ctx, welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Len(t, got, 4*perWriter)
	for _, c := range got {
		require.EqualValues(t, 2, c.Version)
	}
}
