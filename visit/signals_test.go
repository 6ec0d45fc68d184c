package visit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

// sigTFix builds synthetic visits: children 0..n live 0.01° of latitude (~1.1 km) apart
// north of a base point; each visit's fix is its child's point plus a few metres of
// jitter, received an hour after it ends, with one photo of its own.
type sigTFix struct {
	children map[uuid.UUID]*welfare.GeoPoint
	n        int
	notes    []string
}

func newSigTFix() *sigTFix {
	f := &sigTFix{children: map[uuid.UUID]*welfare.GeoPoint{}}
	for c := range 60 {
		f.children[cloneTID(2, c)] = &welfare.GeoPoint{Lat: 28.5 + 0.01*float64(c), Lng: 115.9}
	}
	return f
}

func sigTRules() welfare.SignalRules { return welfare.Nanchang2025().Visits.Signals }

func sigTPeriod() welfare.Period { return welfare.Nanchang2025().Period } // 2025-01-01..2025-11-30

// sigTAt is 2025-month-day hh:mm in Beijing.
func sigTAt(month, day, hh, mm int) time.Time {
	return time.Date(2025, time.Month(month), day, hh, mm, 0, 0, welfare.Beijing())
}

func sigTSHA(n int) string { return fmt.Sprintf("%064x", n+1) }

func (f *sigTFix) visit(worker, child int, start time.Time, minutes int) *Visit {
	n := f.n
	f.n++
	home := f.children[cloneTID(2, child)]
	geo := &welfare.GeoPoint{Lat: home.Lat + 1e-5*float64(n%7+1), Lng: home.Lng + 1e-5*float64(n%5+1)}
	end := start.Add(time.Duration(minutes) * time.Minute)
	return &Visit{ID: cloneTID(1, n), Version: 1, AreaCode: "360121", ChildID: cloneTID(2, child),
		VisitorID: cloneTID(3, worker), VisitorRole: welfare.RoleSocialWorker, Mode: ModeHome, Outcome: OutcomeCompleted,
		Start: start, End: end, Location: Location{Geo: geo, AccuracyM: 10},
		Content: Content{Observe: []Observation{{Aspect: welfare.AspectHealth, Value: "良好"},
			{Aspect: welfare.AspectEducation, Value: "在读"}, {Aspect: welfare.AspectSafety, Value: "良好"}}},
		Evidence:   []Evidence{{Kind: EvidencePhoto, SHA256: sigTSHA(n), Size: 2048, CapturedAt: start}},
		DeviceTime: end.Add(time.Minute), ReceivedAt: end.Add(time.Hour), UpdatedBy: "staff"}
}

// phone makes v a phone visit backed by a call record of callSeconds (<0: no record).
func sigTPhone(v *Visit, callSeconds int) *Visit {
	v.Mode = ModePhone
	v.Location = Location{}
	v.Evidence = nil
	if callSeconds >= 0 {
		v.Evidence = []Evidence{{Kind: EvidenceCallRecord, SHA256: sigTSHA(1000 + int(v.ID[15])), Size: 100,
			CapturedAt: v.Start, CallSeconds: callSeconds}}
	}
	return v
}

// spread returns count visits of worker, to children c0.., one a day from the given
// month and day at 09:00, each minutes long.
func (f *sigTFix) spread(worker, c0, count, month, day, minutes int) []*Visit {
	var vs []*Visit
	for i := range count {
		vs = append(vs, f.visit(worker, c0+i%40, sigTAt(month, day+i, 9, 0), minutes))
	}
	return vs
}

func sigTOfKind(sigs []Signal, k SignalKind) []Signal {
	var out []Signal
	for _, s := range sigs {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}

func sigTFact(s Signal, name string) string {
	for _, f := range s.Facts {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func sigTDetect(f *sigTFix, vs []*Visit, rules welfare.SignalRules) []Signal {
	return Detect(slices.Values(vs), f.children, sigTPeriod(), rules)
}

// sigTCase plants one signal: planted must raise exactly want signals of kind, clean
// none, and planted under relax (a rule moved past the planted value) none.
type sigTCase struct {
	name    string
	kind    SignalKind
	want    int
	planted func(f *sigTFix) []*Visit
	clean   func(f *sigTFix) []*Visit
	relax   func(r *welfare.SignalRules)
}

func sigTCases() []sigTCase {
	d := decimal.RequireFromString
	return []sigTCase{
		{name: "too short", kind: SignalTooShort, want: 1,
			planted: func(f *sigTFix) []*Visit { return []*Visit{f.visit(1, 1, sigTAt(3, 10, 9, 0), 10)} },
			clean:   func(f *sigTFix) []*Visit { return []*Visit{f.visit(1, 1, sigTAt(3, 10, 9, 0), 30)} },
			relax:   func(r *welfare.SignalRules) { r.MinMinutes = map[string]int{"home": 5} }},
		{name: "outside geofence", kind: SignalOutsideGeofence, want: 1,
			planted: func(f *sigTFix) []*Visit {
				v := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30)
				v.Location.Geo.Lat += 0.02 // ~2.2 km north
				return []*Visit{v}
			},
			clean: func(f *sigTFix) []*Visit {
				v := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30)
				v.Location.Geo.Lat += 0.005 // ~560 m: outside 500 m, inside 500 m + the fix's 100 m
				v.Location.AccuracyM = 100
				return []*Visit{v}
			},
			relax: func(r *welfare.SignalRules) { r.GeofenceMeters = 5000 }},
		{name: "repeated coordinates", kind: SignalRepeatedCoordinates, want: 1,
			planted: func(f *sigTFix) []*Visit {
				vs := f.spread(1, 1, 3, 3, 10, 30)
				for _, v := range vs {
					*v.Location.Geo = welfare.GeoPoint{Lat: 28.51, Lng: 115.9}
				}
				return vs
			},
			clean: func(f *sigTFix) []*Visit {
				vs := f.spread(1, 1, 3, 3, 10, 30) // jittered fixes
				// siblings (one address) visited together share the exact fix: one household
				sib := f.spread(1, 50, 3, 4, 10, 30)
				for i, v := range sib {
					v.Start, v.End = sigTAt(4, 10, 9, 0), sigTAt(4, 10, 9, 30)
					f.children[v.ChildID] = &welfare.GeoPoint{Lat: 28.9, Lng: 115.5}
					v.Location.Geo = &welfare.GeoPoint{Lat: 28.9, Lng: 115.5}
					v.ID = cloneTID(9, i)
				}
				return append(vs, sib...)
			},
			relax: func(r *welfare.SignalRules) { r.RepeatCoordinates = 4 }},
		{name: "overlapping visits", kind: SignalOverlappingVisits, want: 1,
			planted: func(f *sigTFix) []*Visit {
				return []*Visit{f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 10, 9, 20), 30)}
			},
			clean: func(f *sigTFix) []*Visit {
				return []*Visit{f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 10, 9, 40), 30),
					f.visit(2, 3, sigTAt(3, 10, 9, 10), 30)} // another worker at the same time
			},
			relax: func(r *welfare.SignalRules) { r.OverlapMinutes = 15 }},
		{name: "impossible travel", kind: SignalImpossibleTravel, want: 1,
			planted: func(f *sigTFix) []*Visit { // child 50 is ~55 km north of child 0, 10 minutes later
				return []*Visit{f.visit(1, 0, sigTAt(3, 10, 9, 0), 30), f.visit(1, 50, sigTAt(3, 10, 9, 40), 30)}
			},
			clean: func(f *sigTFix) []*Visit { // 5.5 km in 10 minutes: 33 km/h
				return []*Visit{f.visit(1, 0, sigTAt(3, 10, 9, 0), 30), f.visit(1, 5, sigTAt(3, 10, 9, 40), 30)}
			},
			relax: func(r *welfare.SignalRules) { r.MaxSpeedKmh = 400 }},
		{name: "late entry", kind: SignalLateEntry, want: 1,
			planted: func(f *sigTFix) []*Visit {
				v := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30)
				v.ReceivedAt = v.End.Add(100 * time.Hour)
				return []*Visit{v}
			},
			clean: func(f *sigTFix) []*Visit {
				v := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30)
				v.ReceivedAt = v.End.Add(71 * time.Hour)
				return []*Visit{v}
			},
			relax: func(r *welfare.SignalRules) { r.LateEntryHours = 200 }},
		{name: "entry burst", kind: SignalEntryBurst, want: 1,
			planted: func(f *sigTFix) []*Visit {
				vs := f.spread(1, 1, 10, 3, 1, 30)
				for i, v := range vs {
					v.ReceivedAt = sigTAt(3, 20, 20, 0).Add(time.Duration(2*i) * time.Minute) // 10 in 18 minutes
				}
				return vs
			},
			clean: func(f *sigTFix) []*Visit {
				vs := f.spread(1, 1, 10, 3, 1, 30)
				for i, v := range vs {
					v.ReceivedAt = sigTAt(3, 20, 8, 0).Add(time.Duration(5*i) * time.Minute) // 10 in 45 minutes
				}
				return vs
			},
			relax: func(r *welfare.SignalRules) { r.BurstCount = 11 }},
		{name: "end-of-period bunching", kind: SignalEndOfPeriodBunching, want: 1,
			planted: func(f *sigTFix) []*Visit {
				// 8 visits spread January..August, 9 in the period's last 10 days
				// (2025-11-21..30): 9/17 = 53% > 50%. November holds 9 < 10 visits, so
				// only the whole period is judged.
				var vs []*Visit
				for m := 1; m <= 8; m++ {
					vs = append(vs, f.visit(1, m, sigTAt(m, 5, 9, 0), 30))
				}
				return append(vs, f.spread(1, 10, 9, 11, 21, 30)...)
			},
			clean: func(f *sigTFix) []*Visit {
				var vs []*Visit
				for m := 1; m <= 11; m++ {
					vs = append(vs, f.visit(1, m, sigTAt(m, 5, 9, 0), 30), f.visit(1, m+11, sigTAt(m, 25, 9, 0), 30))
				}
				return vs
			},
			relax: func(r *welfare.SignalRules) { r.EndOfPeriodShare = d("0.6") }},
		{name: "call not backed", kind: SignalCallNotBacked, want: 1,
			planted: func(f *sigTFix) []*Visit {
				return []*Visit{sigTPhone(f.visit(1, 1, sigTAt(3, 10, 9, 0), 20), 300)} // 20 min vs a 5 min call
			},
			clean: func(f *sigTFix) []*Visit {
				return []*Visit{sigTPhone(f.visit(1, 1, sigTAt(3, 10, 9, 0), 20), 1170)} // 30 s short of 20 min
			},
			relax: func(r *welfare.SignalRules) { r.CallToleranceSeconds = 1000 }},
		{name: "evidence reused (perceptual hash)", kind: SignalEvidenceReused, want: 1,
			planted: func(f *sigTFix) []*Visit {
				a, b := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
				p1, p2 := uint64(0xF0F0_1234_ABCD_0F0F), uint64(0xF0F0_1234_ABCD_0F0F)^0b1_0010_0100_1001_0001 // 5 bits apart
				a.Evidence[0].PHash, b.Evidence[0].PHash = &p1, &p2
				return []*Visit{a, b}
			},
			clean: func(f *sigTFix) []*Visit {
				a, b := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
				p1, p2 := uint64(0xF0F0_1234_ABCD_0F0F), uint64(0xF0F0_1234_ABCD_0F0F)^0x8421_0842_1084_0000 // 12 bits apart
				a.Evidence[0].PHash, b.Evidence[0].PHash = &p1, &p2
				return []*Visit{a, b}
			},
			relax: func(r *welfare.SignalRules) { r.PerceptualHashMaxBits = 4 }},
		{name: "cloned notes", kind: SignalClonedNotes, want: 1,
			planted: func(f *sigTFix) []*Visit {
				a, b := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
				a.Notes = sigTNote
				b.Notes = strings.Replace(sigTNote, "十五分钟", "二十分钟", 1)
				return []*Visit{a, b}
			},
			clean: func(f *sigTFix) []*Visit {
				a, b := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
				a.Notes = sigTNote
				b.Notes = "监护人在外地务工，孩子由祖母照看。祖母年事已高，辅导作业有困难，希望社工帮忙联系课后托管班。已登记需求，下周回复。"
				return []*Visit{a, b}
			},
			relax: func(r *welfare.SignalRules) { r.NoteJaccard = d("0.95") }},
		{name: "duration outlier", kind: SignalDurationOutlier, want: 1,
			planted: func(f *sigTFix) []*Visit {
				var vs []*Visit
				for w, mins := range []int{35, 40, 38, 42, 36, 16} {
					vs = append(vs, f.spread(w+1, 0, 6, 3, 1+6*w, mins)...)
				}
				return vs
			},
			clean: func(f *sigTFix) []*Visit {
				var vs []*Visit
				for w, mins := range []int{35, 40, 38, 42, 36, 33} {
					vs = append(vs, f.spread(w+1, 0, 6, 3, 1+6*w, mins)...)
				}
				return vs
			},
			relax: func(r *welfare.SignalRules) { r.OutlierZ = d("10") }},
		{name: "answers outlier", kind: SignalAnswersOutlier, want: 1,
			planted: func(f *sigTFix) []*Visit {
				var vs []*Visit
				for w, obs := range []int{3, 3, 3, 3, 3, 0} { // the last worker never records an observation
					for _, v := range f.spread(w+1, 0, 6, 3, 1+6*w, 35) {
						v.Content.Observe = v.Content.Observe[:obs]
						vs = append(vs, v)
					}
				}
				return vs
			},
			clean: func(f *sigTFix) []*Visit {
				var vs []*Visit
				for w, obs := range []int{3, 3, 2, 3, 2, 3} {
					for _, v := range f.spread(w+1, 0, 6, 3, 1+6*w, 35) {
						v.Content.Observe = v.Content.Observe[:obs]
						vs = append(vs, v)
					}
				}
				return vs
			},
			relax: func(r *welfare.SignalRules) { r.OutlierZ = d("6") }},
	}
}

const sigTNote = "今天上门探访，孩子在家，精神状态良好。与孩子谈话约十五分钟，了解到近期学习情况较好，按时完成作业。提醒监护人注意防溺水安全。"

func TestSignalsPlantedAndClean(t *testing.T) {
	for _, tc := range sigTCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newSigTFix()
			planted := tc.planted(f)
			sigs := sigTDetect(f, planted, sigTRules())
			got := sigTOfKind(sigs, tc.kind)
			require.Len(t, got, tc.want, "planted: %v", got)
			for _, s := range got {
				sigTCheck(t, s, planted)
			}

			relaxed := sigTRules()
			tc.relax(&relaxed)
			assert.Empty(t, sigTOfKind(sigTDetect(f, planted, relaxed), tc.kind), "relaxed rule")

			f = newSigTFix()
			assert.Empty(t, sigTOfKind(sigTDetect(f, tc.clean(f), sigTRules()), tc.kind), "clean")
		})
	}
}

// sigTCheck checks what every signal carries: rule, visits, score, facts and an
// explanation without personal data (no note text).
func sigTCheck(t *testing.T, s Signal, vs []*Visit) {
	t.Helper()
	assert.Equal(t, "signal/"+string(s.Kind), s.RuleID)
	assert.NotEmpty(t, s.VisitIDs)
	assert.NotEmpty(t, s.ChildIDs)
	assert.Greater(t, s.Score, 0.0)
	assert.LessOrEqual(t, s.Score, 100.0)
	assert.NotEmpty(t, s.Facts)
	assert.NotEmpty(t, s.Explanation)
	for _, v := range vs {
		if rs := []rune(v.Notes); len(rs) >= 4 {
			for i := 0; i+4 <= len(rs); i++ {
				assert.NotContains(t, s.Explanation, string(rs[i:i+4]), "note text in the explanation")
			}
		}
	}
	assert.NotContains(t, s.Explanation, "28.5")
}

func TestSignalsFacts(t *testing.T) {
	f := newSigTFix()
	v := f.visit(1, 1, sigTAt(3, 10, 9, 0), 10)
	s := sigTOfKind(sigTDetect(f, []*Visit{v}, sigTRules()), SignalTooShort)
	require.Len(t, s, 1)
	assert.Equal(t, []welfare.Fact{{Name: "mode", Value: "home"}, {Name: "minutes", Value: "10.0"}, {Name: "min_minutes", Value: "15"}}, s[0].Facts)
	assert.Equal(t, 1.5, s[0].Score)
	assert.Equal(t, []uuid.UUID{v.ID}, s[0].VisitIDs)
	assert.Equal(t, v.VisitorID, s[0].WorkerID)
	assert.Contains(t, s[0].Explanation, "10.0 分钟")

	// A phone visit with no call record at all.
	f = newSigTFix()
	p := sigTPhone(f.visit(1, 1, sigTAt(3, 10, 9, 0), 8), -1)
	s = sigTOfKind(sigTDetect(f, []*Visit{p}, sigTRules()), SignalCallNotBacked)
	require.Len(t, s, 1)
	assert.Equal(t, "none", sigTFact(s[0], "call_record"))
	assert.Equal(t, 8.0, s[0].Score) // 480 s over the 60 s tolerance

	// Impossible travel: 0.5° of latitude in 10 minutes.
	f = newSigTFix()
	a, b := f.visit(1, 0, sigTAt(3, 10, 9, 0), 30), f.visit(1, 50, sigTAt(3, 10, 9, 40), 30)
	s = sigTOfKind(sigTDetect(f, []*Visit{a, b}, sigTRules()), SignalImpossibleTravel)
	require.Len(t, s, 1)
	assert.Equal(t, []uuid.UUID{a.ID, b.ID}, s[0].VisitIDs)
	assert.Equal(t, "10.0", sigTFact(s[0], "gap_minutes"))
	assert.InDelta(t, 55.6, sigTFloat(t, sigTFact(s[0], "distance_km")), 0.2)
	assert.InDelta(t, 333, sigTFloat(t, sigTFact(s[0], "speed_kmh")), 2)
}

func sigTFloat(t *testing.T, s string) float64 {
	t.Helper()
	var x float64
	_, err := fmt.Sscan(s, &x)
	require.NoError(t, err, s)
	return x
}

func TestSignalsOverlapHouseholdAndDuplicate(t *testing.T) {
	f := newSigTFix()
	// Two siblings (one address) in one home visit: two records, same times — no signal.
	f.children[cloneTID(2, 51)] = f.children[cloneTID(2, 50)]
	a, b := f.visit(1, 50, sigTAt(3, 10, 9, 0), 30), f.visit(1, 51, sigTAt(3, 10, 9, 0), 30)
	// The same child entered twice for overlapping times — a duplicate, reported.
	c, d := f.visit(1, 3, sigTAt(3, 12, 9, 0), 30), f.visit(1, 3, sigTAt(3, 12, 9, 10), 30)
	s := sigTOfKind(sigTDetect(f, []*Visit{a, b, c, d}, sigTRules()), SignalOverlappingVisits)
	require.Len(t, s, 1)
	assert.Equal(t, []uuid.UUID{c.ID, d.ID}, s[0].VisitIDs)
	assert.Equal(t, "true", sigTFact(s[0], "same_child"))
	assert.Equal(t, "20.0", sigTFact(s[0], "overlap_minutes"))
}

func TestSignalsGeofenceAccuracyAndModes(t *testing.T) {
	f := newSigTFix()
	far := func(v *Visit, dLat float64) *Visit { v.Location.Geo.Lat += dLat; return v }
	vs := []*Visit{
		far(f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), 0.005),                // ~560 m > 500 + 10: fires
		far(f.visit(1, 2, sigTAt(3, 11, 9, 0), 30), 0.004),                // ~445 m: inside
		sigTPhone(far(f.visit(1, 3, sigTAt(3, 12, 9, 0), 30), 0.1), 1800), // phone: not checked
	}
	vs[2].Location = Location{Geo: &welfare.GeoPoint{Lat: 29.5, Lng: 115.9}}
	s := sigTOfKind(sigTDetect(f, vs, sigTRules()), SignalOutsideGeofence)
	require.Len(t, s, 1)
	assert.Equal(t, vs[0].ID, s[0].VisitIDs[0])
	assert.InDelta(t, 557, sigTFloat(t, sigTFact(s[0], "distance_m")), 2)
}

func TestSignalsEvidenceReuse(t *testing.T) {
	f := newSigTFix()
	a, b, c := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(2, 2, sigTAt(3, 11, 9, 0), 30), f.visit(1, 3, sigTAt(3, 12, 9, 0), 30)
	b.Evidence[0].SHA256 = strings.ToUpper(a.Evidence[0].SHA256) // same file, different child and worker
	c.Evidence = append(c.Evidence, c.Evidence[0])               // one file attached twice to one visit: not reuse
	// Two versions of one visit carrying the same file: Detect keeps the latest only.
	d1 := f.visit(1, 4, sigTAt(3, 13, 9, 0), 30)
	d2 := d1.Clone()
	d2.Version = 2
	d2.End = d2.End.Add(5 * time.Minute)
	s := sigTOfKind(sigTDetect(f, []*Visit{a, b, c, d1, d2}, sigTRules()), SignalEvidenceReused)
	require.Len(t, s, 1)
	assert.Equal(t, []uuid.UUID{a.ID, b.ID}, s[0].VisitIDs)
	assert.Equal(t, []uuid.UUID{a.ChildID, b.ChildID}, s[0].ChildIDs)
	assert.Equal(t, uuid.Nil, s[0].WorkerID, "two workers")
	assert.Equal(t, "1", sigTFact(s[0], "identical_files"))
	assert.Equal(t, "false", sigTFact(s[0], "perceptual_match"))

	// Perceptual hashes exactly k bits apart are reuse, k+1 bits apart are not, wherever
	// the differing bits fall (the pigeonhole bands must not miss a pair).
	for k := range 9 {
		rules := sigTRules()
		rules.PerceptualHashMaxBits = k
		rng := rand.New(rand.NewPCG(uint64(k), 3))
		for range 20 {
			h1 := rng.Uint64()
			flip := rng.Perm(64)[:k+1]
			near, far := h1, h1
			for i, bit := range flip {
				far ^= 1 << bit
				if i < k {
					near ^= 1 << bit
				}
			}
			for _, tc := range []struct {
				h    uint64
				want int
			}{{near, 1}, {far, 0}} {
				f := newSigTFix()
				x, y := f.visit(1, 1, sigTAt(3, 10, 9, 0), 30), f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
				x.Evidence[0].PHash, y.Evidence[0].PHash = &h1, &tc.h
				got := sigTOfKind(sigTDetect(f, []*Visit{x, y}, rules), SignalEvidenceReused)
				require.Len(t, got, tc.want, "k=%d, %d bits apart", k, sigTBitsDiff(h1, tc.h))
				if tc.want == 1 {
					assert.Equal(t, "true", sigTFact(got[0], "perceptual_match"))
				}
			}
		}
	}
}

func sigTBitsDiff(a, b uint64) int {
	n := 0
	for x := a ^ b; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestSignalsBunchingMonthly(t *testing.T) {
	f := newSigTFix()
	// March: 4 visits early, 6 in the last 10 days (60% > 50%); the rest of the year
	// keeps the whole-period share low.
	vs := f.spread(1, 0, 4, 3, 2, 30)
	vs = append(vs, f.spread(1, 10, 6, 3, 22, 30)...)
	for m := 4; m <= 11; m++ {
		vs = append(vs, f.visit(1, m, sigTAt(m, 3, 9, 0), 30))
	}
	s := sigTOfKind(sigTDetect(f, vs, sigTRules()), SignalEndOfPeriodBunching)
	require.Len(t, s, 1)
	assert.Equal(t, "month", sigTFact(s[0], "scope"))
	assert.Equal(t, "2025-03-01", sigTFact(s[0], "from"))
	assert.Equal(t, "2025-03-31", sigTFact(s[0], "to"))
	assert.Equal(t, "10", sigTFact(s[0], "visits"))
	assert.Equal(t, "6", sigTFact(s[0], "in_last_days"))
	assert.Len(t, s[0].VisitIDs, 6)
	assert.InDelta(t, 1.2, s[0].Score, 1e-9)

	// Exactly at the share (5 of 10) is not "more than".
	f = newSigTFix()
	vs = append(f.spread(1, 0, 5, 3, 2, 30), f.spread(1, 10, 5, 3, 22, 30)...)
	assert.Empty(t, sigTOfKind(sigTDetect(f, vs, sigTRules()), SignalEndOfPeriodBunching))

	// A zero period switches bunching off.
	f = newSigTFix()
	vs = append(f.spread(1, 0, 4, 3, 2, 30), f.spread(1, 10, 6, 3, 22, 30)...)
	assert.Empty(t, sigTOfKind(Detect(slices.Values(vs), f.children, welfare.Period{}, sigTRules()), SignalEndOfPeriodBunching))
}

func TestSignalsBurstClusterOnce(t *testing.T) {
	f := newSigTFix()
	vs := f.spread(1, 1, 25, 3, 1, 30)
	for i, v := range vs {
		v.ReceivedAt = sigTAt(3, 28, 20, 0).Add(time.Duration(2*i) * time.Minute) // 25 records, 48 minutes
	}
	s := sigTOfKind(sigTDetect(f, vs, sigTRules()), SignalEntryBurst)
	require.Len(t, s, 1)
	assert.Len(t, s[0].VisitIDs, 25)
	assert.Equal(t, "16", sigTFact(s[0], "max_in_window")) // 30 minutes hold 16 records 2 minutes apart
	assert.Equal(t, "48.0", sigTFact(s[0], "span_minutes"))
	assert.Contains(t, s[0].Explanation, "设备记录时间跨度")
}

func TestSignalsFailedAttemptsAndVersions(t *testing.T) {
	f := newSigTFix()
	failed := f.visit(1, 1, sigTAt(3, 10, 9, 0), 2)
	failed.Outcome, failed.FailReason = OutcomeUnreachable, "no_answer"
	failed.ReceivedAt = failed.End.Add(200 * time.Hour)
	// Version 1 too short, version 2 corrected: only the latest counts, in any order.
	v2 := f.visit(1, 2, sigTAt(3, 11, 9, 0), 30)
	v1 := v2.Clone()
	v1.Version, v1.End = 1, v1.Start.Add(5*time.Minute)
	v2.Version = 2
	outside := f.visit(1, 3, time.Date(2025, 12, 5, 9, 0, 0, 0, welfare.Beijing()), 1) // after the period
	// A too-short visit corrected to a date after the period: the correction wins.
	m1 := f.visit(1, 4, sigTAt(3, 12, 9, 0), 5)
	m2 := m1.Clone()
	m2.Version, m2.Start, m2.End = 2, outside.Start.Add(time.Hour), outside.Start.Add(2*time.Hour)
	for _, order := range [][]*Visit{{failed, v1, v2, outside, m1, m2}, {m2, outside, v2, v1, failed, m1}} {
		s := sigTDetect(f, order, sigTRules())
		assert.Empty(t, sigTOfKind(s, SignalTooShort), "failed attempts, superseded versions and visits outside the period are not judged for length")
		late := sigTOfKind(s, SignalLateEntry)
		require.Len(t, late, 1, "late entry judges failed attempts too")
		assert.Equal(t, "false", sigTFact(late[0], "outcome_completed"))
	}
}

func TestSignalsClonedNotesGroup(t *testing.T) {
	f := newSigTFix()
	var vs []*Visit
	for i := range 4 { // one template on four children
		v := f.visit(1, i, sigTAt(3, 10+i, 9, 0), 30)
		v.Notes = strings.Replace(sigTNote, "十五", []string{"十五", "二十", "三十", "十"}[i], 1)
		vs = append(vs, v)
	}
	same := f.visit(2, 20, sigTAt(4, 1, 9, 0), 30) // a child's note copied forward a month later
	same2 := f.visit(2, 20, sigTAt(5, 1, 9, 0), 30)
	same.Notes = "奶奶说孩子最近睡眠不好，晚上经常做噩梦，白天上课注意力不集中。建议带孩子去医院检查，并转介心理咨询师跟进。"
	same2.Notes = same.Notes
	vs = append(vs, same, same2)
	s := sigTOfKind(sigTDetect(f, vs, sigTRules()), SignalClonedNotes)
	require.Len(t, s, 2)
	byVisits := map[int]Signal{len(s[0].VisitIDs): s[0], len(s[1].VisitIDs): s[1]}
	require.Contains(t, byVisits, 4)
	require.Contains(t, byVisits, 2)
	assert.Equal(t, "6", sigTFact(byVisits[4], "pairs"))
	assert.Equal(t, "0", sigTFact(byVisits[4], "same_child_pairs"))
	assert.Equal(t, "1", sigTFact(byVisits[2], "same_child_pairs"))
	assert.Contains(t, byVisits[2].Explanation, "同一名儿童")
	for _, sg := range s {
		sigTCheck(t, sg, vs)
	}
}

func TestSignalsDeterministic(t *testing.T) {
	vs, children := sigTSynthetic(3000, 1)
	rules := sigTRules()
	want := Detect(slices.Values(vs), children, sigTPeriod(), rules)
	require.NotEmpty(t, want)
	rng := rand.New(rand.NewPCG(5, 5))
	shuffled := slices.Clone(vs)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	assert.Equal(t, want, Detect(slices.Values(shuffled), children, sigTPeriod(), rules))
	kinds := map[SignalKind]int{}
	for _, s := range want {
		kinds[s.Kind]++
	}
	t.Logf("signals by kind: %v", kinds)
	for _, k := range SignalKinds() {
		assert.Positive(t, kinds[k], "the synthetic county plants %s", k)
	}
	for i := 1; i < len(want); i++ {
		if want[i].Kind == want[i-1].Kind {
			assert.GreaterOrEqual(t, want[i-1].Score, want[i].Score)
		}
	}
}

func TestSignalsRulesOff(t *testing.T) {
	vs, children := sigTSynthetic(2000, 2)
	off := welfare.SignalRules{PerceptualHashMaxBits: -1}
	for _, s := range Detect(slices.Values(vs), children, sigTPeriod(), off) {
		// with every threshold at zero only the rule-free checks remain
		assert.Contains(t, []SignalKind{SignalCallNotBacked, SignalEvidenceReused}, s.Kind)
	}
}

func TestHaversine(t *testing.T) {
	// One degree of latitude on the mean sphere: R·π/180.
	assert.InDelta(t, 111195.08, Haversine(welfare.GeoPoint{Lat: 28, Lng: 115}, welfare.GeoPoint{Lat: 29, Lng: 115}), 0.01)
	// Rosetta Code: Nashville (36.12, −86.67) to Los Angeles (33.94, −118.40) is
	// 2887.2599506 km on a sphere of radius 6372.8 km; scaled to the mean radius.
	got := Haversine(welfare.GeoPoint{Lat: 36.12, Lng: -86.67}, welfare.GeoPoint{Lat: 33.94, Lng: -118.40})
	assert.InDelta(t, 2887259.9506*6371.0088/6372.8, got, 0.01)
	assert.InDelta(t, math.Pi*6371008.8, Haversine(welfare.GeoPoint{Lat: 0, Lng: 0}, welfare.GeoPoint{Lat: 0, Lng: 180}), 1e-6)
	assert.Zero(t, Haversine(welfare.GeoPoint{Lat: 28.68, Lng: 115.86}, welfare.GeoPoint{Lat: 28.68, Lng: 115.86}))
}

func TestModifiedZScores(t *testing.T) {
	// median 3, |x − 3| = 2 1 0 1 97 → MAD 1; M = 0.6745·(x − 3).
	got := ModifiedZScores([]float64{1, 2, 3, 4, 100})
	for i, want := range []float64{-1.349, -0.6745, 0, 0.6745, 65.4265} {
		assert.InDelta(t, want, got[i], 1e-9, i)
	}
	// MAD 0 (most values equal): mean absolute deviation 0.8 → 4/(1.253314·0.8).
	got = ModifiedZScores([]float64{5, 5, 9, 5, 5})
	assert.InDelta(t, 3.98942, got[2], 1e-5)
	assert.Zero(t, got[0])
	assert.Equal(t, []float64{0, 0, 0}, ModifiedZScores([]float64{7, 7, 7}))
	assert.Empty(t, ModifiedZScores(nil))
	// Even count: median of 1 2 3 10 is 2.5; deviations 1.5 .5 .5 7.5 → MAD 1.
	got = ModifiedZScores([]float64{10, 1, 2, 3})
	assert.InDelta(t, 0.6745*7.5, got[0], 1e-9)
}

// sigTSynthetic is a synthetic county: n visits by n/500+5 workers to children with
// address points, with planted problems of every kind at small rates. Deterministic.
func sigTSynthetic(n int, seed uint64) ([]*Visit, map[uuid.UUID]*welfare.GeoPoint) {
	rng := rand.New(rand.NewPCG(seed, 0x7669736974))
	nChildren := max(n/8, 50)
	nWorkers := n/500 + 5
	children := make(map[uuid.UUID]*welfare.GeoPoint, nChildren)
	for c := range nChildren {
		children[cloneTID(2, c)] = &welfare.GeoPoint{Lat: 28.3 + rng.Float64()*0.6, Lng: 115.6 + rng.Float64()*0.6}
	}
	notes := cloneTCorpus(n, 0.02, seed)
	perWorker := n / nWorkers
	vs := make([]*Visit, 0, n)
	for w := range nWorkers {
		// Each worker works through the period: ~perWorker visits, 1–3 a working day.
		day := welfare.NewDate(2025, 1, 2)
		received := time.Time{}
		for i := 0; i < perWorker && len(vs) < n; i++ {
			k := len(vs)
			child := cloneTID(2, rng.IntN(nChildren))
			home := children[child]
			slot := i % 3
			if slot == 0 {
				day = day.AddDate(0, 0, 1+rng.IntN(2))
			}
			if day.After(welfare.NewDate(2025, 11, 30)) {
				day = welfare.NewDate(2025, 11, 30)
			}
			start := day.Start().Add(time.Duration(9+3*slot)*time.Hour + time.Duration(rng.IntN(30))*time.Minute)
			mins := 25 + rng.IntN(30)
			v := &Visit{ID: cloneTID(1, k), Version: 1, AreaCode: "360121", ChildID: child, VisitorID: cloneTID(3, w),
				VisitorRole: welfare.RoleSocialWorker, Mode: ModeHome, Outcome: OutcomeCompleted,
				Start: start, End: start.Add(time.Duration(mins) * time.Minute),
				Location: Location{Geo: &welfare.GeoPoint{Lat: home.Lat + (rng.Float64()-0.5)*4e-4, Lng: home.Lng + (rng.Float64()-0.5)*4e-4}, AccuracyM: 5 + rng.Float64()*20},
				Notes:    notes[k].Text}
			nObs := 2 + rng.IntN(3)
			for a := range nObs {
				v.Content.Observe = append(v.Content.Observe, Observation{Aspect: welfare.Aspects()[a], Value: "良好", Concern: rng.IntN(10) == 0})
			}
			v.Content.Talk = []Topic{TopicSafety}
			ph := rng.Uint64()
			v.Evidence = []Evidence{{Kind: EvidencePhoto, SHA256: fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()), Size: 1 << 20, CapturedAt: start, PHash: &ph}}
			if rng.IntN(5) == 0 { // a fifth by phone, backed by a call record
				v.Mode, v.Location = ModePhone, Location{}
				v.End = start.Add(time.Duration(8+rng.IntN(10)) * time.Minute)
				v.Evidence = []Evidence{{Kind: EvidenceCallRecord, SHA256: fmt.Sprintf("%064x", rng.Uint64()), Size: 100, CapturedAt: start, CallSeconds: int(v.End.Sub(start).Seconds()) - rng.IntN(30)}}
			}
			if rng.IntN(50) == 0 {
				v.Outcome, v.FailReason = OutcomeUnreachable, "no_answer"
			}
			v.DeviceTime = v.End.Add(time.Minute)
			if received.Before(v.End) {
				received = v.End
			}
			received = received.Add(time.Duration(10+rng.IntN(120)) * time.Minute)
			v.ReceivedAt = received
			vs = append(vs, v)
		}
	}
	// Planted problems, each on a small share of visits.
	pick := func() *Visit { return vs[rng.IntN(len(vs))] }
	for range max(n/200, 1) {
		v := pick()
		v.End = v.Start.Add(3 * time.Minute) // too short (and a call not backed for phone visits)
		if v.Location.Geo != nil {
			v.Location.Geo.Lat += 0.05 // outside the geofence, and likely impossible travel
		}
		pick().ReceivedAt = pick().End.Add(200 * time.Hour)
		a, b := pick(), pick()
		b.Evidence = append(b.Evidence, a.Evidence[0]) // reused photo
		if c := pick(); c.Mode == ModePhone {
			c.Evidence = nil // a phone visit with no call record
		}
	}
	// A worker who copies coordinates, clones notes, bunches at the end, enters in a burst,
	// runs short visits and never records observations.
	bad := cloneTID(3, 999)
	for i := range 40 {
		c := cloneTID(2, i)
		day := welfare.NewDate(2025, 11, 21+i%10)
		if i < 15 {
			day = welfare.NewDate(2025, time.Month(1+i%10), 5)
		}
		start := day.Start().Add(9*time.Hour + time.Duration(i/10)*90*time.Minute)
		v := &Visit{ID: cloneTID(4, i), Version: 1, ChildID: c, VisitorID: bad, Mode: ModeHome, Outcome: OutcomeCompleted,
			Start: start, End: start.Add(16 * time.Minute), Location: Location{Geo: &welfare.GeoPoint{Lat: 28.6, Lng: 115.9}, AccuracyM: 5},
			Notes: sigTNote, ReceivedAt: sigTAt(11, 30, 22, 0).Add(time.Duration(i) * time.Minute)}
		if i == 25 { // 2° away from the 10:30 visit of the same day, 74 minutes later
			v.Location.Geo = &welfare.GeoPoint{Lat: 30.6, Lng: 115.9}
		}
		vs = append(vs, v)
	}
	overlap := *vs[len(vs)-1]
	overlap.ID, overlap.ChildID = cloneTID(5, 0), cloneTID(2, 45)
	overlap.Start = overlap.Start.Add(5 * time.Minute)
	overlap.Location.Geo = &welfare.GeoPoint{Lat: 28.601, Lng: 115.9}
	vs = append(vs, &overlap)
	return vs, children
}
