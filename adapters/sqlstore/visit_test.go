package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
)

// visitSecrets lists what a visit holds that must never be stored in the clear: notes,
// place, coordinates, content, follow-up note, evidence hashes, the amendment note.
func visitSecrets(v *visit.Visit) []string {
	out := []string{v.Notes, v.Location.Place, fmt.Sprint(v.Location.Geo.Lat), fmt.Sprint(v.Location.Geo.Lng),
		v.Content.Ask.Needs[0], v.Content.Ask.HelpApplied[0], v.Content.Observe[0].Value, v.Amendment.Note}
	for _, e := range v.Evidence {
		out = append(out, e.SHA256)
	}
	return out
}

// TestVisitSealing: with a Sealer no note, place, coordinate, content or evidence hash
// of a visit (any version) appears in any column of any table; reads, history and the
// evidence lookup (a blind index) still work; a wrong key fails with ErrUnseal.
func TestVisitSealing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, db := e.open(t, sqlstore.Options{Sealer: testSealer(t, 7)})
		c := storetest.FullChild(1)
		require.NoError(t, s.CreateChild(ctx, c))
		v := storetest.FullVisit(1, c)
		require.NoError(t, s.CreateVisit(ctx, v))
		a := v.Clone()
		a.Notes = "测试更正：孩子在外婆家"
		a.Amendment.Note = "测试：地点写错"
		require.NoError(t, s.AmendVisit(ctx, a))

		dump := dumpTables(t, db)
		require.Len(t, dump["visits"], 1)
		require.Len(t, dump["visit_history"], 1)
		require.Len(t, dump["visit_evidence"], len(v.Evidence))
		for _, secret := range append(visitSecrets(v), visitSecrets(a)...) {
			for table, rows := range dump {
				for _, row := range rows {
					require.NotContains(t, row, secret, "table %s holds visit data in the clear", table)
				}
			}
		}

		hist, err := s.VisitHistory(ctx, v.ID)
		require.NoError(t, err)
		require.Len(t, hist, 2)
		require.Equal(t, visit.Normalize(v), visit.Normalize(hist[0]))
		require.Equal(t, visit.Normalize(a), visit.Normalize(hist[1]))
		uses, err := s.EvidenceUses(ctx, storetest.Area, v.Evidence[1].SHA256)
		require.NoError(t, err)
		require.Len(t, uses, 1, "the evidence lookup works through the blind index")
		require.Equal(t, visit.EvidenceVideo, uses[0].Kind)
		require.EqualValues(t, 2, uses[0].Version)

		wrong, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{Sealer: testSealer(t, 8)})
		require.NoError(t, err)
		_, err = wrong.GetVisit(ctx, v.ID)
		require.ErrorIs(t, err, sqlstore.ErrUnseal)
		require.NotContains(t, err.Error(), a.Notes)
		uses, err = wrong.EvidenceUses(ctx, storetest.Area, v.Evidence[1].SHA256)
		require.NoError(t, err)
		require.Empty(t, uses, "a wrong index key finds nothing")
	})
}

// TestVisitRegionPlan: the query of ChildrenInRegion (as in visit.go, for SQLite) reads
// the region through the residence indexes, not the area's primary key.
func TestVisitRegionPlan(t *testing.T) {
	_, db := sqliteEngine.open(t, sqlstore.Options{})
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT id, version, document, sealed FROM children WHERE area_code = ?
AND township >= ? AND township < ? AND township LIKE ? ESCAPE '!' AND +id > ?
UNION ALL
SELECT id, version, document, sealed FROM children WHERE area_code = ?
AND village >= ? AND village < ? AND village LIKE ? ESCAPE '!' AND NOT (township LIKE ? ESCAPE '!')
AND +id > ?
ORDER BY id LIMIT ?`, storetest.Area, "360121001", "360121002", "360121001%", []byte{},
		storetest.Area, "360121001", "360121002", "360121001%", "360121001%", []byte{}, 500)
	require.NoError(t, err)
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan += detail + "\n"
	}
	require.NoError(t, rows.Err())
	t.Logf("plan:\n%s", plan)
	require.Contains(t, plan, "children_township")
	require.Contains(t, plan, "children_village")
}
