package casework_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

func act(i int, kind casework.ActivityKind, day welfare.Date, n int, holidays ...string) *casework.Activity {
	return &casework.Activity{ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(i))), AreaCode: "360121", Kind: kind,
		Theme: fmt.Sprintf("活动%d", i), VenueKind: casework.VenueCommunity, Venue: "示例社区", Township: "360121100", Date: day,
		Holidays: holidays, Participants: casework.Participants{OtherChildren: n / 2, Guardians: n - n/2},
		Publicity: &casework.Publicity{URL: "https://mp.weixin.qq.com/s/x", At: day.Start().Add(20 * time.Hour)}}
}

// fullYear meets every check of Nanchang2025 (2025-01-01 .. 2025-11-30).
func fullYear() []*casework.Activity {
	d := welfare.NewDate
	return []*casework.Activity{
		act(1, casework.ActivityFestival, d(2025, 1, 25), 30, "spring_festival"),
		act(2, casework.ActivityTalk, d(2025, 2, 10), 25),
		act(3, casework.ActivityFestival, d(2025, 2, 12), 22, "lantern_festival"),
		act(4, casework.ActivityFestival, d(2025, 4, 3), 20, "qingming"),
		act(5, casework.ActivityTalk, d(2025, 5, 20), 40),
		act(6, casework.ActivityFestival, d(2025, 5, 30), 45, "dragon_boat", "childrens_day"),
		act(7, casework.ActivityTalk, d(2025, 7, 10), 21),
		act(8, casework.ActivityCare, d(2025, 8, 1), 26),
		act(9, casework.ActivityFestival, d(2025, 9, 30), 50, "national_day", "mid_autumn"),
		act(10, casework.ActivityTalk, d(2025, 11, 5), 33),
	}
}

func TestActivityChecksMet(t *testing.T) {
	prog := welfare.Nanchang2025()
	rep, err := casework.CheckActivities(fullYear(), prog, casework.DefaultRules(prog), welfare.NewDate(2025, 12, 31))
	require.NoError(t, err)
	for _, c := range rep.Checks {
		assert.True(t, c.Met, c.Explain())
	}
	assert.True(t, rep.Met)
	c, _ := rep.Check(casework.RuleFestivals)
	assert.Equal(t, 7, c.Required, "seven holidays fall in the 2025 period")
}

func TestActivityChecksEachExplainsWhatIsMissing(t *testing.T) {
	prog := welfare.Nanchang2025()
	rules := casework.DefaultRules(prog)
	acts := fullYear()
	acts[3].Participants = casework.Participants{Guardians: 12}  // qingming: 12 people
	acts = append(acts[:6], acts[7:]...)                         // no talk in Q3
	acts[6].Publicity.At = acts[6].Date.AddDate(0, 0, 3).Start() // 8-1 care: published late
	acts = append(acts[:7], acts[8:]...)                         // drop national day/mid-autumn
	rep, err := casework.CheckActivities(acts, prog, rules, welfare.NewDate(2025, 12, 1))
	require.NoError(t, err)
	assert.False(t, rep.Met)

	ca1, _ := rep.Check(casework.RuleActivities)
	assert.False(t, ca1.Met)
	assert.Equal(t, 4, ca1.Actual)
	require.Len(t, ca1.Missing, 1)
	assert.Contains(t, ca1.Missing[0].Explain, "尚缺1场")

	ca2, _ := rep.Check(casework.RuleParticipants)
	require.Len(t, ca2.Missing, 1)
	assert.Equal(t, "2025-04-03「活动4」参与12人，少于20人", ca2.Missing[0].Explain)

	pt1, _ := rep.Check(casework.RulePolicyTalks)
	assert.Equal(t, 3, pt1.Actual)
	require.Len(t, pt1.Missing, 1)
	assert.Equal(t, "2025Q3", pt1.Missing[0].What)
	assert.Equal(t, "2025年第3季度（2025-07-01至2025-09-30）政策宣讲0场，应不少于1场", pt1.Missing[0].Explain)

	fest, _ := rep.Check(casework.RuleFestivals)
	require.Len(t, fest.Missing, 2)
	assert.Equal(t, "national_day/2025", fest.Missing[0].What)
	assert.Contains(t, fest.Missing[0].Explain, "国庆节（2025-10-01）")
	assert.Equal(t, "mid_autumn/2025", fest.Missing[1].What, "mid-autumn 2025 is 10-06 (lunar 8-15)")
	assert.Contains(t, fest.Missing[1].Explain, "中秋节（2025-10-06）")
	assert.Contains(t, fest.Explain(), "缺：")

	pub, _ := rep.Check(casework.RulePublicity)
	require.Len(t, pub.Missing, 1)
	assert.Contains(t, pub.Missing[0].Explain, "2025-08-04才发布宣传")
}

func TestActivityChecksPendingBeforeDeadlines(t *testing.T) {
	prog := welfare.Nanchang2025()
	acts := fullYear()[:5] // up to 2025-05-20
	rep, err := casework.CheckActivities(acts, prog, casework.DefaultRules(prog), welfare.NewDate(2025, 5, 21))
	require.NoError(t, err)
	pt1, _ := rep.Check(casework.RulePolicyTalks)
	assert.Empty(t, pt1.Missing)
	require.Len(t, pt1.Pending, 2, "Q1 and Q2 have talks; Q3 and Q4 are ahead")
	assert.Equal(t, "2025Q3", pt1.Pending[0].What)
	assert.False(t, pt1.Met)
}

func TestQuartersClippedToPeriod(t *testing.T) {
	qs := casework.Quarters(welfare.Period{Start: welfare.NewDate(2025, 2, 15), End: welfare.NewDate(2025, 11, 30)})
	require.Len(t, qs, 4)
	assert.Equal(t, welfare.NewDate(2025, 2, 15), qs[0].Start)
	assert.Equal(t, welfare.NewDate(2025, 3, 31), qs[0].End)
	assert.Equal(t, welfare.NewDate(2025, 11, 30), qs[3].End)
	assert.Equal(t, "2025年第4季度", qs[3].String())
}

func TestHolidayDates(t *testing.T) {
	hs, err := casework.HolidaysIn(casework.DefaultHolidays(), welfare.Period{Start: welfare.NewDate(2026, 1, 1), End: welfare.NewDate(2026, 12, 31)})
	require.NoError(t, err)
	got := map[string]string{}
	for _, h := range hs {
		got[h.Holiday.Code] = h.Date.String()
	}
	assert.Equal(t, map[string]string{"spring_festival": "2026-02-17", "lantern_festival": "2026-03-03", "qingming": "2026-04-05",
		"childrens_day": "2026-06-01", "dragon_boat": "2026-06-19", "mid_autumn": "2026-09-25", "national_day": "2026-10-01"}, got)
}

func TestRecordActivityAndPublicity(t *testing.T) {
	e := newEnv(t)
	e.clk.Set(bj(2025, 6, 2, 10, 0))
	a, err := e.svc.RecordActivity(e.ctx, e.worker, casework.ActivityInput{Kind: casework.ActivityFestival, Theme: "六一游园会",
		Forms: []string{casework.FormCommunity, casework.FormPeer}, VenueKind: casework.VenueYilaoYixiao, Venue: "“一老一小”幸福院",
		Township: storetest.Township(7), Date: welfare.NewDate(2025, 6, 1), Holidays: []string{"childrens_day"},
		Participants: casework.Participants{Children: []uuid.UUID{e.child.ID}, OtherChildren: 14, Guardians: 10, Others: 5}})
	require.NoError(t, err)
	assert.Equal(t, 25, a.Participants.Count())
	_, err = e.svc.RecordActivity(e.ctx, e.worker, casework.ActivityInput{Kind: casework.ActivityCare, Theme: "x", VenueKind: casework.VenueSchool,
		Venue: "x", Township: storetest.Township(7), Date: welfare.NewDate(2025, 6, 1),
		Participants: casework.Participants{Children: []uuid.UUID{uuid.New()}}})
	require.ErrorIs(t, err, welfare.ErrInvalid, "unknown child")
	a, err = e.svc.RecordPublicity(e.ctx, e.worker, a.ID, casework.Publicity{URL: "https://mp.weixin.qq.com/s/abc", At: bj(2025, 6, 2, 9, 0)})
	require.NoError(t, err)
	rep, err := e.svc.CheckActivities(e.ctx, e.auditor, welfare.NewDate(2025, 6, 2))
	require.NoError(t, err)
	pub, _ := rep.Check(casework.RulePublicity)
	assert.True(t, pub.Met, pub.Explain())
	_, err = e.svc.RecordActivity(e.ctx, e.auditor, casework.ActivityInput{Kind: casework.ActivityCare, Theme: "x", VenueKind: casework.VenueSchool,
		Venue: "x", Township: storetest.Township(7), Date: welfare.NewDate(2025, 6, 1), Participants: casework.Participants{Guardians: 20}})
	require.ErrorIs(t, err, welfare.ErrOutOfScope)
}
