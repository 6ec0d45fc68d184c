package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
)

// TestProjectionsOfOlderRows: rows written before migration 0005 (NULL lifecycle,
// visitor_role and evidence_kinds) still give ChildRows and VisitRows the
// projections of the full records, read from their documents.
func TestProjectionsOfOlderRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, db := e.open(t, sqlstore.Options{})
		c := storetest.FullChild(1)
		require.NoError(t, s.CreateChild(ctx, c))
		require.NotEmpty(t, c.Lifecycle)
		v := storetest.FullVisit(1, c)
		require.NoError(t, s.CreateVisit(ctx, v))
		for _, q := range []string{
			"UPDATE children SET lifecycle = NULL",
			"UPDATE visits SET visitor_role = NULL, evidence_kinds = NULL",
		} {
			_, err := db.ExecContext(ctx, q)
			require.NoError(t, err)
		}
		stored, err := s.GetChild(ctx, c.ID)
		require.NoError(t, err)
		rows, err := storetest.Collect(s.ChildRows(ctx, storetest.Area))
		require.NoError(t, err)
		require.Equal(t, []visit.ChildRow{visit.ChildRowOf(stored)}, rows)
		require.Len(t, rows[0].Lifecycle, len(stored.Lifecycle))
		sv, err := s.GetVisit(ctx, v.ID)
		require.NoError(t, err)
		vrows, err := storetest.Collect(s.VisitRows(ctx, visit.Filter{Area: storetest.Area}))
		require.NoError(t, err)
		require.Equal(t, []visit.VisitRow{visit.VisitRowOf(sv)}, vrows)
		require.True(t, vrows[0].Evidence.Has("photo", "video", "call_record"))
	})
}
