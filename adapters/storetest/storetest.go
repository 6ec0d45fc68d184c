// Package storetest is the conformance suite every implementation of welfare.Store
// passes (adapters/memory, and the database/sql stores): call Run from a test with a
// Harness that creates an empty store.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) welfare.Store { return memory.New() })
//	}
//
// It also exports deterministic synthetic fixtures (NewChild, FullChild, NewKeyEntry,
// NewStaff, …) for other packages' tests. All fixture data is made up.
//
// # Conventions the suite pins down
//
//   - Times: every store keeps times as welfare.StoreTime normalises them (UTC, truncated
//     to microseconds). Fixture times already are such, so whole records are compared
//     with require.Equal; Child/TimesNormalised checks the normalisation itself.
//   - Area: a record's area code (the shard key) never changes; an update changing it
//     fails with welfare.ErrInvalid.
//   - Empty collections: a nil and an empty slice or map mean the same; a store may
//     return either. The suite compares records after NormalizeChild / NormalizeKeyEntry
//     and checks lengths.
//   - Errors: not found, stale version and duplicate identity number are tested with
//     errors.Is against welfare.ErrNotFound, welfare.ErrConflict and welfare.ErrDuplicate;
//     creating a record whose ID exists is welfare.ErrConflict; a record without an ID
//     or area code is welfare.ErrInvalid. A failed write leaves the caller's Version as
//     it was.
//   - ChildByIDNumber with the zero number is ErrNotFound, even when children without a
//     number exist; ChildrenByNameBirth returns the matches in ID order and no error
//     (and no elements) when nothing matches.
//   - Order: "ID order" is the byte order of the 16-byte UUID (bytes.Compare); ledger
//     entries are ordered by child ID, then entry ID; access records by time, records of
//     the same instant in the order they were recorded.
//   - Contexts: every method called with a cancelled context fails with an error
//     wrapping context.Canceled and does nothing; a scan yields that error once and
//     stops; a scan whose context is cancelled part-way ends with that error.
//   - Transactions: writes through the tx of Atomically commit together or not at all
//     (error, panic); reads through tx see tx's writes; a nested Atomically on tx is a
//     savepoint: if its fn fails, its writes alone are undone; tx fails (never panics)
//     once fn has returned; a scan's loop body may write to the store.
//   - Concurrency: of concurrent updates from the same version exactly one succeeds.
//
// # Capabilities
//
// Checks that apply only to some stores are chosen by interface assertion on the store
// the harness returns, and skipped otherwise.
//
// # Journal
//
// Every store journals every write (DESIGN "Ports"): the store must implement Journaled,
// and each committed write appends exactly one leaf per record to the log of the
// record's area — kind, ID, the version written and journal.RecordHash of the record as
// the store hands it back — while a failed or rolled-back write appends none. Access
// records are journaled in the log of the child's area with version 1.
package storetest

import (
	"context"
	"testing"

	"github.com/childwelfare/liudong/welfare"
)

// Harness creates an empty store for one test; it registers any cleanup with t.Cleanup.
type Harness func(t *testing.T) welfare.Store

type testCase struct {
	name string
	fn   func(t *testing.T, s welfare.Store)
}

// Cases lists the names of the subtests Run runs, in order.
func Cases() []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.name
	}
	return out
}

// cases holds every subtest; each domain's cases live in their own file and are
// appended by that file's init.
var cases []testCase

func init() {
	cases = append(cases, []testCase{
		{"Child/RoundTripFull", testChildRoundTripFull},
		{"Child/RoundTripMinimal", testChildRoundTripMinimal},
		{"Child/NilVersusEmpty", testChildNilVersusEmpty},
		{"Child/RequiresIDAndArea", testChildRequiresIDAndArea},
		{"Child/NotFound", testChildNotFound},
		{"Child/CreateExistingID", testChildCreateExistingID},
		{"Child/StaleVersion", testChildStaleVersion},
		{"Child/DuplicateIDNumber", testChildDuplicateIDNumber},
		{"Child/Lookups", testChildLookups},
		{"Child/CreateChildren", testCreateChildren},
		{"Child/CreateChildrenAtomic", testCreateChildrenAtomic},
		{"Child/TimesNormalised", testTimesNormalised},
		{"Child/AreaImmutable", testAreaImmutable},
		{"Tx/CommitAndReadYourWrites", testTxCommit},
		{"Tx/RollbackOnError", testTxRollbackOnError},
		{"Tx/RollbackOnPanic", testTxRollbackOnPanic},
		{"Tx/Nested", testTxNested},
		{"Tx/UseAfterReturn", testTxUseAfterReturn},
		{"Scan/OrderAndPaging", testScanOrderAndPaging},
		{"Scan/Filters", testScanFilters},
		{"Scan/EarlyBreakAndEmpty", testScanEarlyBreakAndEmpty},
		{"Scan/WriteInsideLoop", testScanWriteInsideLoop},
		{"Census/Rows", testCensusRows},
		{"Cancelled/EveryMethod", testCancelledEveryMethod},
		{"Cancelled/DuringScan", testCancelledDuringScan},
		{"Copies/Child", testCopiesChild},
		{"Copies/KeyEntryAndStaff", testCopiesEntryAndStaff},
		{"Concurrent/Writers", testConcurrentWriters},
		{"Concurrent/ScansAndWrites", testConcurrentScansAndWrites},
		{"KeyEntry/CRUD", testKeyEntryCRUD},
		{"KeyEntry/Filters", testKeyEntryFilters},
		{"Staff/CRUD", testStaffCRUD},
		{"Staff/Members", testStaffMembers},
		{"Access/Order", testAccessOrder},
		{"Journal/EveryWrite", testJournalEveryWrite},
		{"Journal/NothingOnFailure", testJournalNothingOnFailure},
		{"Journal/Verifies", testJournalVerifies},
	}...)
}

// Run runs the conformance suite against the stores h creates, one fresh store per
// subtest.
func Run(t *testing.T, h Harness) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h(t)
			if s == nil {
				t.Fatal("storetest: harness returned a nil store")
			}
			c.fn(t, s)
		})
	}
}

func bg() context.Context { return context.Background() }
