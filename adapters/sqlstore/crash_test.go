//go:build unix

package sqlstore_test

// The crash test of issue 3 ("Reliability"): a child process bulk-loading the demo
// county into a SQLite file is killed with SIGKILL part-way; the file, reopened,
// holds every committed batch whole and nothing of the batch in flight, and its
// journal verifies against the stored children.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

const (
	// envCrashDB names the file TestCrashHelper loads; unset, the helper skips.
	envCrashDB = "LIUDONG_CRASH_DB"
	// envCrashHold, if set to k, makes the helper write batch k (0-based) in two
	// halves inside one Atomically transaction and stop between them, printing
	// crashHolding, until it is killed.
	envCrashHold = "LIUDONG_CRASH_HOLD"
	// crashBatch is the number of children per CreateChildren call (one transaction).
	crashBatch = 500
	// Progress lines the helper prints on stdout.
	crashCommitted = "CRASH-COMMITTED"
	crashHolding   = "CRASH-HOLDING"
	crashDone      = "CRASH-DONE"
)

// TestCrashHelper is the child process of TestCrash, not a test of its own: with
// LIUDONG_CRASH_DB set it loads the demo county into that SQLite file (OpenDSN's
// defaults: WAL, synchronous FULL) with one CreateChildren call per batch of
// crashBatch children, printing "CRASH-COMMITTED k n" after batch k commits (n
// children stored), and "CRASH-DONE" at the end.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(envCrashDB)
	if path == "" {
		t.Skip("the child process of TestCrash; runs only when it sets " + envCrashDB)
	}
	hold := -1
	if v := os.Getenv(envCrashHold); v != "" {
		var err error
		hold, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	ctx := context.Background()
	county, err := democounty.Generate(democounty.Options{})
	require.NoError(t, err)
	s, db, err := sqlstore.OpenDSN(ctx, path, sqlstore.Options{})
	require.NoError(t, err)
	defer db.Close()
	cs := county.Children
	for k := 0; k*crashBatch < len(cs); k++ {
		batch := cs[k*crashBatch : min((k+1)*crashBatch, len(cs))]
		if k == hold {
			err := s.Atomically(ctx, func(tx welfare.Store) error {
				half := len(batch) / 2
				if err := tx.CreateChildren(ctx, batch[:half]); err != nil {
					return err
				}
				fmt.Printf("%s %d %d\n", crashHolding, k, half)
				time.Sleep(time.Minute) // killed here, inside the transaction
				return tx.CreateChildren(ctx, batch[half:])
			})
			require.NoError(t, err)
		} else {
			require.NoError(t, s.CreateChildren(ctx, batch))
		}
		fmt.Printf("%s %d %d\n", crashCommitted, k, min((k+1)*crashBatch, len(cs)))
	}
	fmt.Println(crashDone)
}

// crashRun starts TestCrashHelper on path with extra environment, reads its progress
// until stop says to kill it, kills it with SIGKILL and returns the progress lines
// read. It fails t if the helper ends by itself or shows no progress for 60 s.
func crashRun(t *testing.T, path string, env []string, stop func(line string) bool) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(append(os.Environ(), envCrashDB+"="+path), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var seen, other []string
	killed := false
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("the helper ended before it was killed; progress %q; output:\n%s\nstderr:\n%s",
					seen, strings.Join(other, "\n"), stderr.String())
			}
			if !strings.HasPrefix(line, "CRASH-") {
				other = append(other, line)
				continue
			}
			seen = append(seen, line)
			require.NotEqual(t, crashDone, line, "the helper finished before it was killed")
			if stop(line) {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
			}
		case <-timeout.C:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("no progress from the helper for 60 s; progress %q; stderr:\n%s", seen, stderr.String())
		}
	}
	for range lines { // drain what the helper printed before it died
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the helper must die by the signal")
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "helper exit: %v", err)
	return seen
}

// committedBatches returns the highest k of the "CRASH-COMMITTED k n" lines, -1 if none.
func committedBatches(lines []string) int {
	last := -1
	for _, l := range lines {
		var k, n int
		if _, err := fmt.Sscanf(l, crashCommitted+" %d %d", &k, &n); err == nil {
			last = max(last, k)
		}
	}
	return last
}

// checkCrashed reopens the killed helper's file and checks it: the SQLite file is
// intact; the stored children are exactly batches 0 … k-1 of the county for some
// k ≥ atLeast (every committed batch whole, nothing of another batch; the county's
// last batch is shorter); and the journal holds one leaf per stored child and
// verifies against them and against kept, a checkpoint taken earlier (its size 0
// for none): no problem, consistent with kept, and every leaf after kept reported
// as appended. It returns k and the journal's tree head as a checkpoint to keep.
func checkCrashed(t *testing.T, path string, county []*welfare.Child, area string, atLeast int, kept journal.Checkpoint) (int, journal.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	s, db, err := sqlstore.OpenDSN(ctx, path, sqlstore.Options{})
	require.NoError(t, err, "reopen after the crash")
	defer db.Close()
	var integrity string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&integrity))
	require.Equal(t, "ok", integrity)

	stored := map[uuid.UUID]*welfare.Child{}
	for c, err := range s.Children(ctx, welfare.ChildFilter{Area: area}) {
		require.NoError(t, err)
		stored[c.ID] = c
	}
	n := len(stored)
	k := (n + crashBatch - 1) / crashBatch
	require.Equal(t, min(k*crashBatch, len(county)), n, "%d children stored: a partial batch", n)
	require.GreaterOrEqual(t, k, atLeast, "a batch reported committed is missing")
	for i, c := range county {
		_, ok := stored[c.ID]
		require.Equal(t, i < n, ok, "child %d of the county (batch %d): stored %v", i, i/crashBatch, ok)
	}

	b, err := journal.Export(ctx, s.Journal(area))
	require.NoError(t, err)
	require.EqualValues(t, n, b.TreeSize, "one leaf per stored child")
	for id, c := range stored {
		d, err := journal.NewRecordDigest(welfare.EntityChild, id.String(), c.Version, c)
		require.NoError(t, err)
		b.Records = append(b.Records, d)
	}
	b.LatestOnly = true
	r := journal.Verify(b, kept)
	for _, f := range r.Findings {
		require.False(t, f.Type.Problem(), "journal finding: %+v", f)
		require.Equal(t, journal.FindingAppended, f.Type)
	}
	require.True(t, r.OK())
	require.True(t, r.Consistent)
	require.True(t, r.Full)
	require.Len(t, r.Findings, n-int(kept.Size), "leaves appended after the kept checkpoint")
	require.Equal(t, n, r.LeavesChecked)
	require.Equal(t, n, r.RecordsChecked)
	return k, journal.Checkpoint{Size: b.TreeSize, Hash: b.TreeHash}
}

// TestCrash kills a bulk load of the 12,029-child demo county into SQLite (batches
// of 500 children, one transaction each) with SIGKILL, twice: once at an arbitrary
// point after several batches committed (the helper runs on, so the kill lands in
// the next batch's statements or commit), and once while a transaction holding half
// a batch is open. Each time the reopened file holds every committed batch whole
// and no partial batch, and its journal verifies; after the first crash the load
// resumes on the crashed file and completes, and the journal stays consistent with
// the checkpoint taken after the crash.
func TestCrash(t *testing.T) {
	county, err := democounty.Generate(democounty.Options{})
	require.NoError(t, err)
	area := county.Programme.Area.Code
	after := 6 // batches committed before the kill
	if raceEnabled {
		after = 2
	}

	t.Run("during the load", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crash.db")
		start := time.Now()
		lines := crashRun(t, path, nil, func(line string) bool {
			return strings.HasPrefix(line, fmt.Sprintf("%s %d ", crashCommitted, after-1))
		})
		k, kept := checkCrashed(t, path, county.Children, area, committedBatches(lines)+1, journal.Checkpoint{})
		t.Logf("killed after %d committed batches: %d batches (%d children) stored whole, journal verified",
			committedBatches(lines)+1, k, k*crashBatch)

		// The crashed file is usable: the load resumes and completes (with -race,
		// where SQLite runs about ten times slower, it resumes for two batches).
		ctx := context.Background()
		end := len(county.Children)
		if raceEnabled {
			end = min(end, (k+2)*crashBatch)
		}
		s, db, err := sqlstore.OpenDSN(ctx, path+"?_pragma=synchronous(NORMAL)", sqlstore.Options{})
		require.NoError(t, err)
		for from := k * crashBatch; from < end; from += crashBatch {
			require.NoError(t, s.CreateChildren(ctx, county.Children[from:min(from+crashBatch, end)]))
		}
		require.NoError(t, db.Close())
		// The journal after the resumed load is consistent with the checkpoint kept
		// after the crash.
		resumed, _ := checkCrashed(t, path, county.Children, area, 0, kept)
		require.Equal(t, (end+crashBatch-1)/crashBatch, resumed, "the resumed load stores every batch")
		t.Logf("resumed: %d children stored, journal consistent with the checkpoint of %d leaves kept after the crash (%v in all)",
			end, kept.Size, time.Since(start).Round(time.Millisecond))
	})

	t.Run("inside a transaction", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crash.db")
		lines := crashRun(t, path, []string{envCrashHold + "=" + strconv.Itoa(after)}, func(line string) bool {
			return strings.HasPrefix(line, crashHolding)
		})
		require.Equal(t, after-1, committedBatches(lines))
		k, _ := checkCrashed(t, path, county.Children, area, after, journal.Checkpoint{})
		require.Equal(t, after, k, "the half batch of the open transaction must not be stored")
		t.Logf("killed inside the transaction of batch %d (half written): %d batches stored whole, journal verified", after, k)
	})
}
