package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// screeningOrder orders sessions or requests as the store's scans do: child ID, date,
// recording time, ID.
func screeningOrder(ac, bc uuid.UUID, ad, bd welfare.Date, aa, ba time.Time, ai, bi uuid.UUID) int {
	if c := strings.Compare(string(ac[:]), string(bc[:])); c != 0 {
		return c
	}
	if c := ad.Compare(bd); c != 0 {
		return c
	}
	if c := aa.Compare(ba); c != 0 {
		return c
	}
	return strings.Compare(string(ai[:]), string(bi[:]))
}

// TestScreeningPaging runs the screening scans with two rows per page over records
// that tie on child, date and recording time, so every keyset step is exercised, and
// writes from inside a scan in a transaction.
func TestScreeningPaging(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, _ := e.open(t, sqlstore.Options{PageSize: 2})
		var children []*welfare.Child
		for i := 1; i <= 4; i++ {
			c := storetest.NewChild(i)
			require.NoError(t, s.CreateChild(ctx, c))
			children = append(children, c)
		}
		other := storetest.NewChild(5)
		other.AreaCode = storetest.OtherArea
		require.NoError(t, s.CreateChild(ctx, other))

		var sessions []*screening.Session
		var requests []*screening.Request
		n := 0
		for _, c := range children {
			for _, day := range []int{9, 3, 3, 3, 1} {
				n++
				x := storetest.NewSession(n, c, welfare.NewDate(2025, time.March, day))
				x.RecordedAt = storetest.At(n % 2) // ties on date and time: the ID decides
				require.NoError(t, s.CreateSession(ctx, x))
				sessions = append(sessions, x)
				r := storetest.NewRequest(n, c, welfare.NewDate(2025, time.March, day))
				r.RecordedAt = storetest.At(n % 2)
				require.NoError(t, s.CreateRequest(ctx, r))
				requests = append(requests, r)
			}
		}
		require.NoError(t, s.CreateSession(ctx, storetest.NewSession(100, other, welfare.NewDate(2025, time.March, 1))))
		require.NoError(t, s.CreateRequest(ctx, storetest.NewRequest(100, other, welfare.NewDate(2025, time.March, 1))))
		slices.SortFunc(sessions, func(a, b *screening.Session) int {
			return screeningOrder(a.ChildID, b.ChildID, a.Date, b.Date, a.RecordedAt, b.RecordedAt, a.ID, b.ID)
		})
		slices.SortFunc(requests, func(a, b *screening.Request) int {
			return screeningOrder(a.ChildID, b.ChildID, a.Date, b.Date, a.RecordedAt, b.RecordedAt, a.ID, b.ID)
		})
		sessionIDs := func(xs []*screening.Session) []uuid.UUID {
			var out []uuid.UUID
			for _, x := range xs {
				out = append(out, x.ID)
			}
			return out
		}

		require.Equal(t, sessionIDs(sessions), sessionIDs(collect(t, s.Sessions(ctx, screening.SessionFilter{Area: storetest.Area}))))
		region := children[1].Residence.Township
		var inRegion []*screening.Session
		for _, x := range sessions {
			if strings.HasPrefix(x.Township, region) || strings.HasPrefix(x.Village, region) {
				inRegion = append(inRegion, x)
			}
		}
		require.NotEmpty(t, inRegion)
		require.Equal(t, sessionIDs(inRegion), sessionIDs(collect(t, s.Sessions(ctx, screening.SessionFilter{Area: storetest.Area, Region: region}))))
		require.Empty(t, collect(t, s.Sessions(ctx, screening.SessionFilter{Area: storetest.Area, Region: "36%"})), "LIKE wildcards are escaped")
		for _, c := range children {
			var want []*screening.Session
			for _, x := range sessions {
				if x.ChildID == c.ID {
					want = append(want, x)
				}
			}
			require.Equal(t, sessionIDs(want), sessionIDs(collect(t, s.ChildSessions(ctx, c.ID))))
		}

		got := collect(t, s.Requests(ctx, screening.RequestFilter{Area: storetest.Area}))
		require.Equal(t, len(requests), len(got))
		for i := range got {
			require.Equal(t, requests[i], got[i])
		}
		c := children[2]
		var want []*screening.Request
		for _, r := range requests {
			if r.ChildID == c.ID {
				want = append(want, r)
			}
		}
		require.Equal(t, want, collect(t, s.Requests(ctx, screening.RequestFilter{Area: storetest.Area, ChildID: c.ID})))

		// A loop body may write to the store, also inside a transaction.
		require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
			stx := tx.(screening.Store)
			k := 0
			for x, err := range stx.Sessions(ctx, screening.SessionFilter{Area: storetest.Area}) {
				if err != nil {
					return err
				}
				k++
				if err := stx.CreateRequest(ctx, storetest.NewRequest(1000+k, children[0], x.Date)); err != nil {
					return err
				}
			}
			require.Equal(t, len(sessions), k)
			return nil
		}))
		require.Len(t, collect(t, s.Requests(ctx, screening.RequestFilter{Area: storetest.Area})), 2*len(requests))
	})
}

// screeningSecrets are texts of the storetest session and request that must not be
// stored in the clear: the instrument, the answers' key, the scores' norm set, the
// flags, the level's reason and the request's note.
var screeningSecrets = []string{`"answers"`, "phqa", "phq9-severity", "suicide_risk", "flag/phqa-item9", "班主任"}

// dumpScreening returns the rows of the screening tables, columns rendered as text.
func dumpScreening(t *testing.T, db *sql.DB, columns string) []string {
	t.Helper()
	var out []string
	for _, table := range []string{"screening_sessions", "screening_requests"} {
		rows, err := db.Query("SELECT " + columns + " FROM " + table)
		require.NoError(t, err, table)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var b strings.Builder
			for i, v := range vals {
				if p, ok := v.([]byte); ok {
					fmt.Fprintf(&b, "%s=%s|", cols[i], p)
				} else {
					fmt.Fprintf(&b, "%s=%v|", cols[i], v)
				}
			}
			out = append(out, table+": "+b.String())
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}

// TestScreeningSealing: the instrument, answers, result and a request's note are in
// the sealed column only; with a Sealer no column holds them in the clear, and a wrong
// or missing key fails with ErrUnseal.
func TestScreeningSealing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		for _, sealed := range []bool{false, true} {
			opts := sqlstore.Options{}
			if sealed {
				opts.Sealer = testSealer(t, 7)
			}
			s, db := e.open(t, opts)
			c := storetest.NewChild(1)
			require.NoError(t, s.CreateChild(ctx, c))
			x := storetest.NewSession(1, c, welfare.NewDate(2025, time.March, 3))
			require.NoError(t, s.CreateSession(ctx, x))
			r := storetest.NewRequest(1, c, welfare.NewDate(2025, time.March, 1))
			require.NoError(t, s.CreateRequest(ctx, r))

			docs := strings.Join(dumpScreening(t, db, "document"), "\n")
			all := strings.Join(dumpScreening(t, db, "*"), "\n")
			for _, secret := range screeningSecrets {
				require.NotContains(t, docs, secret, "documents never hold answers or results")
				if sealed {
					require.NotContains(t, all, secret, "no column holds answers or results in the clear")
				} else {
					require.Contains(t, all, secret, "without a Sealer the sealed column is plain JSON")
				}
			}
			got, err := s.GetSession(ctx, x.ID)
			require.NoError(t, err)
			require.Equal(t, storetest.NormalizeSession(x), storetest.NormalizeSession(got))
			reqs := collect(t, s.Requests(ctx, screening.RequestFilter{Area: storetest.Area}))
			require.Equal(t, []*screening.Request{r}, reqs)
			if !sealed {
				continue
			}

			wrong, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{Sealer: testSealer(t, 8)})
			require.NoError(t, err)
			_, err = wrong.GetSession(ctx, x.ID)
			require.ErrorIs(t, err, sqlstore.ErrUnseal)
			_, err = storetest.Collect(wrong.Requests(ctx, screening.RequestFilter{Area: storetest.Area}))
			require.ErrorIs(t, err, sqlstore.ErrUnseal)
			plain, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{})
			require.NoError(t, err)
			_, err = storetest.Collect(plain.ChildSessions(ctx, c.ID))
			require.ErrorIs(t, err, sqlstore.ErrUnseal)
		}
	})
}
