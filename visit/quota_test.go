package visit_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

var bj = welfare.Beijing()

func d(y int, m time.Month, day int) welfare.Date { return welfare.NewDate(y, m, day) }

// at is a Beijing wall-clock instant.
func at(y int, m time.Month, day, hh, mm int) time.Time {
	return time.Date(y, m, day, hh, mm, 0, 0, bj)
}

// kid is synthetic child i, identified on identified and monitored on monitored (zero:
// never), exited on exited (zero: never).
func kid(i int, identified, monitored, exited welfare.Date) *welfare.Child {
	c := storetest.NewChild(i)
	c.Lifecycle = []welfare.LifecycleEvent{{To: welfare.StateIdentified, On: identified}}
	if !monitored.IsZero() {
		c.Lifecycle = append(c.Lifecycle, welfare.LifecycleEvent{From: welfare.StateIdentified, To: welfare.StateMonitored, On: monitored})
	}
	if !exited.IsZero() {
		c.Lifecycle = append(c.Lifecycle, welfare.LifecycleEvent{From: c.State(), To: welfare.StateExited, On: exited, Reason: welfare.ExitReturned})
	}
	return c
}

func entry(c *welfare.Child, cat welfare.KeyCategory, opened welfare.Date, closed *welfare.Date) *welfare.KeyEntry {
	return &welfare.KeyEntry{ID: uuid.NewSHA1(c.ID, []byte(string(cat)+opened.String())), AreaCode: c.AreaCode,
		ChildID: c.ID, Category: cat, Opened: opened, Closed: closed}
}

var visitSeq int

// homeVisit is a completed home visit of c starting at start, with a photo unless
// noPhoto.
func homeVisit(c *welfare.Child, start time.Time, noPhoto bool) *visit.Visit {
	visitSeq++
	v := storetest.NewVisit(visitSeq, c)
	v.Start, v.End = start, start.Add(40*time.Minute)
	if noPhoto {
		v.Evidence = nil
	}
	return v
}

func withMode(v *visit.Visit, m visit.Mode) *visit.Visit { v.Mode = m; return v }

func withOutcome(v *visit.Visit, o visit.Outcome) *visit.Visit {
	v.Outcome, v.FailReason = o, "测试：联系不上"
	return v
}

func quotas(t *testing.T, p *welfare.Programme) *visit.Quotas {
	t.Helper()
	q, err := visit.NewQuotas(p)
	require.NoError(t, err)
	return q
}

func labels(ps []visit.PeriodVerdict) map[string]visit.PeriodStatus {
	out := map[string]visit.PeriodStatus{}
	for _, p := range ps {
		out[p.Label] = p.Status
	}
	return out
}

// TestMonthBoundaryBeijing: months are Beijing months. A visit at 2025-01-31T16:30Z is
// 1 February 00:30 in Beijing and counts for February; one at 15:59Z (23:59 Beijing on
// 31 January) counts for January.
func TestMonthBoundaryBeijing(t *testing.T) {
	q := quotas(t, welfare.Nanchang2025())
	c := kid(1, d(2024, 11, 1), d(2024, 12, 1), welfare.Date{})
	es := []*welfare.KeyEntry{entry(c, welfare.KeyFamilyHardship, d(2024, 12, 15), nil)}
	feb := homeVisit(c, time.Date(2025, 1, 31, 16, 30, 0, 0, time.UTC), false)
	asOf := at(2025, 3, 1, 10, 0)

	cv := q.Evaluate(c, es, []*visit.Visit{feb}, asOf)
	vs3, ok := cv.Rule("VS-3")
	require.True(t, ok)
	assert.Equal(t, map[string]visit.PeriodStatus{"2025-01": visit.PeriodMissed, "2025-02": visit.PeriodMet, "2025-03": visit.PeriodOpen}, labels(vs3.Periods))
	assert.Equal(t, []string{"2025-01"}, vs3.Missing)
	assert.Equal(t, visit.StatusShort, vs3.Status)
	assert.Equal(t, []uuid.UUID{feb.ID}, vs3.Counted)
	assert.Equal(t, []uuid.UUID{feb.ID}, vs3.Periods[1].Counted)
	assert.Equal(t, visit.StatusShort, cv.Status)

	jan := homeVisit(c, time.Date(2025, 1, 31, 15, 59, 0, 0, time.UTC), false)
	cv = q.Evaluate(c, es, []*visit.Visit{jan, feb}, asOf)
	vs3, _ = cv.Rule("VS-3")
	assert.Empty(t, vs3.Missing)
	assert.Equal(t, visit.StatusOpen, vs3.Status, "March has begun and has no visit yet")
	assert.Equal(t, []uuid.UUID{jan.ID}, vs3.Periods[0].Counted)
	vs1, _ := cv.Rule("VS-1")
	assert.Equal(t, visit.StatusMet, vs1.Status)
	assert.Equal(t, []uuid.UUID{jan.ID, feb.ID}, vs1.Counted, "VS-1 counts every completed visit in the project")
	assert.True(t, cv.Visited)
	assert.True(t, cv.HomeVisited)
	assert.Equal(t, 2, cv.Completed)
}

// TestKeyMidMonth: under PartialMonth min_days 15, a child on the ledger from the 20th
// of March (12 days) owes no March visit; from the 10th (22 days) it does. Under
// any_day both owe one.
func TestKeyMidMonth(t *testing.T) {
	p := welfare.Nanchang2025()
	q := quotas(t, p)
	anyDay := welfare.Nanchang2025()
	anyDay.Visits.PartialMonth = "any_day"
	qa := quotas(t, anyDay)
	asOf := at(2025, 5, 2, 9, 0)
	tests := []struct {
		name    string
		opened  welfare.Date
		q       *visit.Quotas
		periods map[string]visit.PeriodStatus
	}{
		{"min_days, 20 March", d(2025, 3, 20), q,
			map[string]visit.PeriodStatus{"2025-04": visit.PeriodMissed, "2025-05": visit.PeriodOpen}},
		{"min_days, 10 March", d(2025, 3, 10), q,
			map[string]visit.PeriodStatus{"2025-03": visit.PeriodMissed, "2025-04": visit.PeriodMissed, "2025-05": visit.PeriodOpen}},
		{"min_days, 17 March (15 days)", d(2025, 3, 17), q,
			map[string]visit.PeriodStatus{"2025-03": visit.PeriodMissed, "2025-04": visit.PeriodMissed, "2025-05": visit.PeriodOpen}},
		{"min_days, 18 March (14 days)", d(2025, 3, 18), q,
			map[string]visit.PeriodStatus{"2025-04": visit.PeriodMissed, "2025-05": visit.PeriodOpen}},
		{"any_day, 31 March", d(2025, 3, 31), qa,
			map[string]visit.PeriodStatus{"2025-03": visit.PeriodMissed, "2025-04": visit.PeriodMissed, "2025-05": visit.PeriodOpen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kid(2, d(2024, 6, 1), d(2024, 7, 1), welfare.Date{})
			es := []*welfare.KeyEntry{entry(c, welfare.KeyDisability, tt.opened, nil)}
			cv := tt.q.Evaluate(c, es, nil, asOf)
			vs3, ok := cv.Rule("VS-3")
			require.True(t, ok)
			assert.Equal(t, tt.periods, labels(vs3.Periods))
		})
	}

	// A home visit on 5 March, before the child joined the ledger on the 10th, counts
	// for March: the month is due as a whole.
	c := kid(3, d(2024, 6, 1), d(2024, 7, 1), welfare.Date{})
	es := []*welfare.KeyEntry{entry(c, welfare.KeyDisability, d(2025, 3, 10), nil)}
	early := homeVisit(c, at(2025, 3, 5, 10, 0), false)
	vs3, _ := q.Evaluate(c, es, []*visit.Visit{early}, asOf).Rule("VS-3")
	assert.Equal(t, visit.PeriodMet, labels(vs3.Periods)["2025-03"])
}

// TestExitMidProject: a key child monitored since 2024 exits on 10 June 2025. It owes
// the months January–May (June: 9 days on the ledger, under 15) and nothing after; the
// project visit is met by one visit in March.
func TestExitMidProject(t *testing.T) {
	q := quotas(t, welfare.Nanchang2025())
	exit := d(2025, 6, 10)
	c := kid(4, d(2024, 9, 1), d(2024, 10, 1), exit)
	es := []*welfare.KeyEntry{entry(c, welfare.KeyNoGuardian, d(2024, 10, 5), &exit)}
	mar := homeVisit(c, at(2025, 3, 12, 15, 0), false)
	apr := homeVisit(c, at(2025, 4, 30, 23, 50), false)
	cv := q.Evaluate(c, es, []*visit.Visit{mar, apr}, at(2025, 12, 5, 9, 0))
	vs3, ok := cv.Rule("VS-3")
	require.True(t, ok)
	assert.Equal(t, map[string]visit.PeriodStatus{
		"2025-01": visit.PeriodMissed, "2025-02": visit.PeriodMissed, "2025-03": visit.PeriodMet,
		"2025-04": visit.PeriodMet, "2025-05": visit.PeriodMissed,
	}, labels(vs3.Periods))
	assert.Equal(t, []string{"2025-01", "2025-02", "2025-05"}, vs3.Missing)
	vs1, _ := cv.Rule("VS-1")
	assert.Equal(t, visit.StatusMet, vs1.Status)
	assert.True(t, cv.Monitored)

	// After the exit the child owes nothing: a child exiting in January owes only
	// January if on the ledger for 15 days of it.
	early := d(2025, 1, 16)
	c2 := kid(5, d(2024, 9, 1), d(2024, 10, 1), early)
	es2 := []*welfare.KeyEntry{entry(c2, welfare.KeyNoGuardian, d(2024, 10, 5), &early)}
	vs3, _ = q.Evaluate(c2, es2, nil, at(2025, 12, 5, 9, 0)).Rule("VS-3")
	assert.Equal(t, []string{"2025-01"}, vs3.Missing)
}

func TestCountingRules(t *testing.T) {
	q := quotas(t, welfare.Nanchang2025())
	c := kid(6, d(2024, 9, 1), d(2024, 10, 1), welfare.Date{})
	es := []*welfare.KeyEntry{entry(c, welfare.KeyVagrancy, d(2024, 10, 1), nil)}
	asOf := at(2025, 2, 1, 9, 0) // January ended
	tests := []struct {
		name    string
		visits  []*visit.Visit
		vs3     visit.PeriodStatus
		vs1     visit.Status
		failed  int
		visited bool
	}{
		{"home with photo", []*visit.Visit{homeVisit(c, at(2025, 1, 8, 10, 0), false)}, visit.PeriodMet, visit.StatusMet, 0, true},
		{"home without photo counts for VS-1 only", []*visit.Visit{homeVisit(c, at(2025, 1, 8, 10, 0), true)}, visit.PeriodMissed, visit.StatusMet, 0, true},
		{"phone counts for VS-1 only", []*visit.Visit{withMode(homeVisit(c, at(2025, 1, 8, 10, 0), false), visit.ModePhone)}, visit.PeriodMissed, visit.StatusMet, 0, true},
		{"failed attempts never count", []*visit.Visit{
			withOutcome(homeVisit(c, at(2025, 1, 8, 10, 0), false), visit.OutcomeUnreachable),
			withOutcome(homeVisit(c, at(2025, 1, 9, 10, 0), false), visit.OutcomeRefused),
		}, visit.PeriodMissed, visit.StatusOpen, 2, false},
		{"before the programme", []*visit.Visit{homeVisit(c, at(2024, 12, 31, 23, 0), false)}, visit.PeriodMissed, visit.StatusOpen, 0, false},
		{"after the query time", []*visit.Visit{homeVisit(c, at(2025, 2, 1, 9, 1), false)}, visit.PeriodMissed, visit.StatusOpen, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cv := q.Evaluate(c, es, tt.visits, asOf)
			vs3, _ := cv.Rule("VS-3")
			assert.Equal(t, tt.vs3, labels(vs3.Periods)["2025-01"])
			vs1, _ := cv.Rule("VS-1")
			assert.Equal(t, tt.vs1, vs1.Status)
			assert.Equal(t, tt.failed, cv.Failed)
			assert.Equal(t, tt.visited, cv.Visited)
		})
	}
}

func TestProjectAndPopulation(t *testing.T) {
	q := quotas(t, welfare.Nanchang2025())
	c := kid(7, d(2025, 2, 1), d(2025, 2, 20), welfare.Date{})
	cv := q.Evaluate(c, nil, nil, at(2025, 6, 30, 18, 0))
	require.Len(t, cv.Rules, 1, "an ordinary child owes only VS-1")
	assert.Equal(t, visit.StatusOpen, cv.Status, "the project has not ended")
	assert.Equal(t, visit.PeriodOpen, cv.Rules[0].Periods[0].Status)
	assert.Equal(t, d(2025, 11, 30), cv.Rules[0].Periods[0].End)

	cv = q.Evaluate(c, nil, nil, at(2025, 12, 1, 0, 0))
	assert.Equal(t, visit.StatusShort, cv.Status, "the project ended without a visit (AC-2)")
	assert.Equal(t, []string{"project"}, cv.Rules[0].Missing)

	ident := kid(8, d(2025, 2, 1), welfare.Date{}, welfare.Date{})
	cv = q.Evaluate(ident, nil, nil, at(2025, 12, 1, 0, 0))
	assert.False(t, cv.Monitored, "identified only: not in the VS-1 population")
	assert.Empty(t, cv.Rules)
	assert.Equal(t, visit.StatusMet, cv.Status)

	// Lifecycle events after the query day are not yet known.
	late := kid(9, d(2025, 1, 1), d(2025, 7, 1), welfare.Date{})
	cv = q.Evaluate(late, nil, nil, at(2025, 6, 30, 12, 0))
	assert.False(t, cv.Monitored)
}

// TestQuarterAndCategory: a programme with a quarterly key quota of two visits of any
// mode, a monthly quota for one key category, and a Period starting mid-February.
func TestQuarterAndCategory(t *testing.T) {
	p := welfare.Nanchang2025()
	p.Period = welfare.Period{Start: d(2025, 2, 15), End: d(2025, 8, 10)}
	p.Visits.Quotas = []welfare.VisitQuota{
		{ID: "Q", Category: "key", Period: "quarter", Min: 2, Mode: "any"},
		{ID: "D", Category: "disability", Period: "month", Min: 1, Mode: "video"},
	}
	q := quotas(t, p)
	c := kid(10, d(2024, 1, 1), d(2024, 2, 1), welfare.Date{})
	es := []*welfare.KeyEntry{entry(c, welfare.KeyFamilyHardship, d(2024, 3, 1), nil)}
	v1 := withMode(homeVisit(c, at(2025, 2, 14, 10, 0), false), visit.ModePhone) // before the Period
	v2 := withMode(homeVisit(c, at(2025, 2, 20, 10, 0), false), visit.ModePhone)
	v3 := homeVisit(c, at(2025, 3, 31, 20, 0), true)
	v4 := homeVisit(c, at(2025, 5, 2, 9, 0), true)
	cv := q.Evaluate(c, es, []*visit.Visit{v1, v2, v3, v4}, at(2025, 8, 11, 9, 0))
	qr, ok := cv.Rule("Q")
	require.True(t, ok)
	require.Len(t, qr.Periods, 3)
	assert.Equal(t, visit.PeriodVerdict{Label: "2025-Q1", Start: d(2025, 2, 15), End: d(2025, 3, 31), Status: visit.PeriodMet,
		MemberDays: 45, Counted: []uuid.UUID{v2.ID, v3.ID}}, qr.Periods[0])
	assert.Equal(t, "2025-Q3", qr.Periods[2].Label)
	assert.Equal(t, d(2025, 8, 10), qr.Periods[2].End, "clipped to the Period")
	assert.Equal(t, []string{"2025-Q2", "2025-Q3"}, qr.Missing)
	_, ok = cv.Rule("D")
	assert.False(t, ok, "no disability entry: the category quota does not apply")

	es = append(es, entry(c, welfare.KeyDisability, d(2025, 7, 1), nil))
	cv = q.Evaluate(c, es, []*visit.Visit{withMode(homeVisit(c, at(2025, 8, 1, 9, 0), false), visit.ModeVideo)}, at(2025, 8, 11, 9, 0))
	dr, ok := cv.Rule("D")
	require.True(t, ok)
	assert.Equal(t, map[string]visit.PeriodStatus{"2025-07": visit.PeriodMissed, "2025-08": visit.PeriodMet}, labels(dr.Periods))
	assert.Equal(t, 10, dr.Periods[1].MemberDays, "August is clipped to 10 days; 10 < 15 days still makes it due")
}

func TestNewQuotasRejectsBadRules(t *testing.T) {
	p := welfare.Nanchang2025()
	p.Visits.Quotas = []welfare.VisitQuota{
		{ID: "A", Category: "nobody", Period: "week", Min: 0, Mode: "teleport", RequireEvidence: []string{"selfie"}},
		{ID: "A", Category: "key", Period: "month", Min: 1, Mode: "any"},
	}
	p.Visits.PartialMonth = "sometimes"
	_, err := visit.NewQuotas(p)
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, f := range []string{"Visits.Quotas[0].Category", "Visits.Quotas[0].Period", "Visits.Quotas[0].Min",
		"Visits.Quotas[0].Mode", "Visits.Quotas[0].RequireEvidence[0]", "Visits.Quotas[1].ID", "Visits.PartialMonth"} {
		assert.True(t, ve.Has(f), "%s in %v", f, ve)
	}
	require.ErrorIs(t, err, welfare.ErrInvalid)
}
