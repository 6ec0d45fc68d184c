package democounty_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

type demoVisits struct {
	visits []*visit.Visit
	truth  *democounty.VisitTruth
}

var defaultVisits = sync.OnceValues(func() (*demoVisits, error) {
	c, err := defaultCounty()
	if err != nil {
		return nil, err
	}
	vs, truth, err := democounty.GenerateVisitsWithTruth(c, democounty.VisitOptions{})
	return &demoVisits{vs, truth}, err
})

func visits(t testing.TB) *demoVisits {
	t.Helper()
	d, err := defaultVisits()
	require.NoError(t, err)
	return d
}

func fingerprint(t testing.TB, v any) [32]byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

func TestGenerateVisitsDeterministic(t *testing.T) {
	c := county(t)
	d := visits(t)
	again, truth, err := democounty.GenerateVisitsWithTruth(c, democounty.VisitOptions{Seed: democounty.DefaultSeed})
	require.NoError(t, err)
	assert.Equal(t, fingerprint(t, d.visits), fingerprint(t, again), "same options, same visits byte for byte")
	assert.Equal(t, fingerprint(t, d.truth), fingerprint(t, truth))
	other, err := democounty.GenerateVisits(c, democounty.VisitOptions{Seed: 7})
	require.NoError(t, err)
	assert.NotEqual(t, fingerprint(t, d.visits), fingerprint(t, other))
}

func TestGenerateVisitsWindowAndEnd(t *testing.T) {
	c := county(t)
	d := visits(t)
	assert.Equal(t, welfare.NewDate(2025, 1, 1), d.truth.Start)
	assert.Equal(t, welfare.NewDate(2025, 6, 29), d.truth.End, "the day before AsOf")
	short, truth, err := democounty.GenerateVisitsWithTruth(c, democounty.VisitOptions{End: welfare.NewDate(2025, 3, 31)})
	require.NoError(t, err)
	assert.Equal(t, welfare.NewDate(2025, 3, 31), truth.End)
	for _, v := range short {
		require.False(t, v.Day().After(truth.End))
	}
	_, err = democounty.GenerateVisits(c, democounty.VisitOptions{End: welfare.NewDate(2024, 12, 31)})
	require.ErrorIs(t, err, welfare.ErrInvalid)
	_, err = democounty.GenerateVisits(nil, democounty.VisitOptions{})
	require.ErrorIs(t, err, welfare.ErrInvalid)
}

// TestGenerateVisitsValid: every record is one the service would accept.
func TestGenerateVisitsValid(t *testing.T) {
	c := county(t)
	d := visits(t)
	v := welfare.NewValidator()
	cat := welfare.DefaultCatalogue()
	children := map[uuid.UUID]*welfare.Child{}
	for _, ch := range c.Children {
		children[ch.ID] = ch
	}
	staff := map[uuid.UUID]*welfare.Staff{}
	for _, m := range c.Staff {
		staff[m.ID] = m
	}
	seen := map[uuid.UUID]bool{}
	minutes := c.Programme.Visits.Signals.MinMinutes
	for i, x := range d.visits {
		require.NoError(t, v.Struct(x), "visit %d", i)
		require.False(t, seen[x.ID], "unique IDs")
		seen[x.ID] = true
		if i > 0 {
			require.False(t, x.Start.Before(d.visits[i-1].Start), "ordered by start")
		}
		ch := children[x.ChildID]
		require.NotNil(t, ch)
		m := staff[x.VisitorID]
		require.NotNil(t, m)
		assert.Equal(t, m.Role, x.VisitorRole)
		assert.Equal(t, ch.Residence.Township, x.Township)
		assert.Equal(t, ch.Residence.Village, x.Village)
		require.True(t, x.Start.Before(x.End))
		require.True(t, (welfare.Period{Start: d.truth.Start, End: d.truth.End}).Contains(x.Day()))
		require.True(t, x.ReceivedAt.After(x.End))
		require.Equal(t, welfare.StoreTime(x.Start), x.Start)
		assert.Contains(t, c.Programme.Visits.Modes, string(x.Mode))
		state := welfare.LifecycleState("")
		for _, ev := range ch.Lifecycle {
			if !ev.On.After(x.Day()) {
				state = ev.To
			}
		}
		require.NotEqual(t, welfare.StateExited, state, "no visit after an exit")
		require.NotEqual(t, welfare.LifecycleState(""), state, "no visit before identification")
		if x.Counts() {
			require.GreaterOrEqual(t, x.Duration(), time.Duration(minutes[string(x.Mode)])*time.Minute)
			require.GreaterOrEqual(t, len([]rune(x.Notes)), 20)
			for _, code := range x.Content.Services {
				s, ok := cat.Service(code)
				require.True(t, ok && s.VisitService, code)
			}
		} else {
			require.NotEmpty(t, x.FailReason)
		}
		if x.Mode == visit.ModeHome && x.Counts() {
			require.NotNil(t, x.Location.Geo)
		}
	}
}

// TestPlantedRates pins the planted problems of the default county (see the package
// documentation's table).
func TestPlantedRates(t *testing.T) {
	d := visits(t)
	tr := d.truth
	assert.Len(t, d.visits, 20738)
	assert.Equal(t, 11488, tr.Population)
	assert.Len(t, tr.NeverVisited, 215)
	assert.Len(t, tr.NotYetVisited, 162)
	assert.Len(t, tr.KeyMissing, 89)
	assert.Len(t, tr.KeyNoPhoto, 23)
	assert.Len(t, tr.Cloners, 3)
	assert.Len(t, tr.ClonedVisits, 352)
	assert.Len(t, tr.ReusedPhotos, 25)
	assert.Len(t, tr.TravelPairs, 15)
	assert.Len(t, tr.UrgentVisits, 8)
	assert.Equal(t, 751, tr.FailedAttempts)
	assert.NotEqual(t, uuid.Nil, tr.BunchingWorker)
	assert.NotContains(t, tr.Cloners, tr.BunchingWorker)

	byID := map[uuid.UUID]*visit.Visit{}
	for _, v := range d.visits {
		byID[v.ID] = v
	}
	urgentChildren := map[uuid.UUID]bool{}
	for _, id := range tr.UrgentVisits {
		v := byID[id]
		require.NotNil(t, v)
		assert.NotEmpty(t, v.FollowUp.Urgent)
		urgentChildren[v.ChildID] = true
	}
	assert.Len(t, urgentChildren, 8)
	for _, p := range tr.TravelPairs {
		a, b := byID[p[0]], byID[p[1]]
		require.Equal(t, tr.TravelWorker, a.VisitorID)
		require.Equal(t, tr.TravelWorker, b.VisitorID)
		require.Equal(t, 5*time.Minute, b.Start.Sub(a.End))
		assert.Equal(t, time.Sunday, a.Start.In(welfare.Beijing()).Weekday())
	}
}

// TestPlantedDetected: the compliance checks and the quality signals find the planted
// problems, and nothing else of their kind.
func TestPlantedDetected(t *testing.T) {
	c := county(t)
	d := visits(t)
	tr := d.truth
	ctx := context.Background()
	s := memory.New()
	_, err := democounty.Load(ctx, s, c)
	require.NoError(t, err)
	loaded, err := democounty.LoadVisits(ctx, s, d.visits)
	require.NoError(t, err)
	require.True(t, loaded)
	svc, err := visit.NewService(s, c.Programme, visit.Options{Clock: welfare.FixedClock{T: c.AsOf.Start()}})
	require.NoError(t, err)
	var auditor welfare.Actor
	for _, m := range c.Staff {
		if m.Role == welfare.RoleAuditor {
			auditor = welfare.ActorOf(m)
			break
		}
	}

	var unvisited []uuid.UUID
	short := map[uuid.UUID][]string{}
	for cv, err := range svc.ChildVerdicts(ctx, auditor, "", c.AsOf.Start()) {
		require.NoError(t, err)
		if cv.Monitored && !cv.Visited {
			unvisited = append(unvisited, cv.ChildID)
		}
		if r, ok := cv.Rule("VS-3"); ok && len(r.Missing) > 0 {
			short[cv.ChildID] = r.Missing
		}
	}
	sortIDs(unvisited)
	wantUnvisited := append(slices.Clone(tr.NeverVisited), tr.NotYetVisited...)
	sortIDs(wantUnvisited)
	assert.Equal(t, wantUnvisited, unvisited, "VS-1: exactly the children never (or not yet) visited")
	want := map[uuid.UUID][]string{}
	for id, months := range tr.KeyMissing {
		want[id] = months
	}
	for id, month := range tr.KeyNoPhoto {
		want[id] = []string{month}
	}
	assert.Equal(t, want, short, "VS-3: exactly the planted months")

	rep, err := svc.Compliance(ctx, auditor, "", c.AsOf.Start())
	require.NoError(t, err)
	assert.Equal(t, tr.Population, rep.Children)
	assert.True(t, rep.HomeShareMet, "VS-2: %s", rep.HomeShare)
	assert.True(t, rep.VisitedShare.GreaterThan(welfare.Nanchang2025().Visits.HomeShare))

	geo := map[uuid.UUID]*welfare.GeoPoint{}
	for _, ch := range c.Children {
		geo[ch.ID] = ch.Residence.Geo
	}
	sigs := visit.Detect(slices.Values(d.visits), geo, c.Programme.Period, c.Programme.Visits.Signals)
	workers := map[visit.SignalKind]map[uuid.UUID]int{}
	var travel [][2]uuid.UUID
	var reused []string
	byID := map[uuid.UUID]*visit.Visit{}
	for _, v := range d.visits {
		byID[v.ID] = v
	}
	for _, sg := range sigs {
		if workers[sg.Kind] == nil {
			workers[sg.Kind] = map[uuid.UUID]int{}
		}
		workers[sg.Kind][sg.WorkerID]++
		switch sg.Kind {
		case visit.SignalImpossibleTravel:
			require.Len(t, sg.VisitIDs, 2)
			pair := [2]uuid.UUID{sg.VisitIDs[0], sg.VisitIDs[1]}
			if byID[pair[0]].Start.After(byID[pair[1]].Start) {
				pair[0], pair[1] = pair[1], pair[0]
			}
			travel = append(travel, pair)
		case visit.SignalEvidenceReused:
			reused = append(reused, byID[sg.VisitIDs[0]].Evidence[0].SHA256)
		}
	}
	slices.SortFunc(travel, func(a, b [2]uuid.UUID) int { return byID[a[0]].Start.Compare(byID[b[0]].Start) })
	wantTravel := slices.Clone(tr.TravelPairs)
	slices.SortFunc(wantTravel, func(a, b [2]uuid.UUID) int { return byID[a[0]].Start.Compare(byID[b[0]].Start) })
	assert.Equal(t, wantTravel, travel, "impossible travel: exactly the planted pairs")
	slices.Sort(reused)
	assert.Equal(t, tr.ReusedPhotos, reused, "evidence reuse: exactly the planted photos")
	assert.Equal(t, map[uuid.UUID]int{tr.BunchingWorker: 6}, workers[visit.SignalEndOfPeriodBunching], "bunching: the planted worker, every month of the window")
	cloners := map[uuid.UUID]int{}
	for _, id := range tr.Cloners {
		cloners[id] = 2 // a home and a phone template each
	}
	assert.Equal(t, cloners, workers[visit.SignalClonedNotes], "cloned notes: exactly the planted workers")
	assert.Empty(t, workers[visit.SignalTooShort])
	assert.Empty(t, workers[visit.SignalOutsideGeofence])
	assert.Empty(t, workers[visit.SignalRepeatedCoordinates])
	assert.Empty(t, workers[visit.SignalOverlappingVisits])
	assert.Empty(t, workers[visit.SignalLateEntry])
	assert.Empty(t, workers[visit.SignalEntryBurst])
	assert.Empty(t, workers[visit.SignalCallNotBacked])
}

func TestLoadVisitsIdempotent(t *testing.T) {
	c := county(t)
	ctx := context.Background()
	vs, err := democounty.GenerateVisits(c, democounty.VisitOptions{End: welfare.NewDate(2025, 1, 31)})
	require.NoError(t, err)
	require.NotEmpty(t, vs)
	s := memory.New()
	before := fingerprint(t, vs)
	loaded, err := democounty.LoadVisits(ctx, s, vs)
	require.NoError(t, err)
	assert.True(t, loaded)
	n, err := s.Journal(c.Programme.Area.Code).Size(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, len(vs), n, "one journal leaf per visit")
	loaded, err = democounty.LoadVisits(ctx, s, vs)
	require.NoError(t, err)
	assert.False(t, loaded, "a second load writes nothing")
	all := 0
	for _, err := range s.Visits(ctx, visit.Filter{Area: c.Programme.Area.Code}) {
		require.NoError(t, err)
		all++
	}
	assert.Equal(t, len(vs), all)
	assert.Equal(t, before, fingerprint(t, vs), "the values are not modified")
	loaded, err = democounty.LoadVisits(ctx, s, nil)
	require.NoError(t, err)
	assert.False(t, loaded)
}

func sortIDs(ids []uuid.UUID) {
	slices.SortFunc(ids, func(a, b uuid.UUID) int {
		return slices.Compare([]byte(a.String()), []byte(b.String()))
	})
}

// TestFullPeriodVisits: a county as of 2025-12-01 gets visits over the whole Period;
// after the Period every never-visited child is short of VS-1 (AC-2), and the planted
// problems are still the only ones of their kinds.
func TestFullPeriodVisits(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and checks a second county")
	}
	c, err := democounty.Generate(democounty.Options{AsOf: welfare.NewDate(2025, 12, 1)})
	require.NoError(t, err)
	vs, tr, err := democounty.GenerateVisitsWithTruth(c, democounty.VisitOptions{})
	require.NoError(t, err)
	assert.Equal(t, c.Programme.Period.End, tr.End)
	assert.Empty(t, tr.NotYetVisited, "a window ending with the Period visits everyone it can")
	ctx := context.Background()
	s := memory.New()
	_, err = democounty.Load(ctx, s, c)
	require.NoError(t, err)
	_, err = democounty.LoadVisits(ctx, s, vs)
	require.NoError(t, err)
	svc, err := visit.NewService(s, c.Programme, visit.Options{})
	require.NoError(t, err)
	auditor := welfare.Actor{Role: welfare.RoleAuditor, Area: c.Programme.Area.Code, Scope: c.Programme.Area.Code}
	var shortVS1 []uuid.UUID
	for cv, err := range svc.ChildVerdicts(ctx, auditor, "", c.AsOf.Start()) {
		require.NoError(t, err)
		if r, ok := cv.Rule("VS-1"); ok && r.Status == visit.StatusShort {
			shortVS1 = append(shortVS1, cv.ChildID)
		}
	}
	sortIDs(shortVS1)
	assert.Equal(t, tr.NeverVisited, shortVS1)

	geo := map[uuid.UUID]*welfare.GeoPoint{}
	for _, ch := range c.Children {
		geo[ch.ID] = ch.Residence.Geo
	}
	kinds := map[visit.SignalKind]map[uuid.UUID]bool{}
	for _, sg := range visit.Detect(slices.Values(vs), geo, c.Programme.Period, c.Programme.Visits.Signals) {
		if kinds[sg.Kind] == nil {
			kinds[sg.Kind] = map[uuid.UUID]bool{}
		}
		kinds[sg.Kind][sg.WorkerID] = true
	}
	assert.Equal(t, map[uuid.UUID]bool{tr.BunchingWorker: true}, kinds[visit.SignalEndOfPeriodBunching])
	assert.Equal(t, map[uuid.UUID]bool{tr.TravelWorker: true}, kinds[visit.SignalImpossibleTravel])
	assert.Equal(t, map[uuid.UUID]bool{tr.PhotoReuser: true}, kinds[visit.SignalEvidenceReused])
	cloners := map[uuid.UUID]bool{}
	for _, id := range tr.Cloners {
		cloners[id] = true
	}
	assert.Equal(t, cloners, kinds[visit.SignalClonedNotes])
}
