package democounty

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// CaseworkSeed seeds the IDs of the demo's casework records.
const CaseworkSeed uint64 = 0xca5e

// CaseworkDemo summarises what LoadCasework wrote.
type CaseworkDemo struct {
	Cases      []uuid.UUID `json:"cases"`
	Closed     int         `json:"closed"`
	Typical    int         `json:"typical"`
	Incidents  []uuid.UUID `json:"incidents"`
	Activities int         `json:"activities"`
	// AsOf is the day the casework checks are run on: the day after the programme
	// period ends (activities run through the whole period).
	AsOf welfare.Date `json:"as_of"`
}

// demoClock is the settable clock the demo drives the casework service with.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *demoClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// at returns 09:00 Beijing on day d plus minutes.
func at(d welfare.Date, minutes int) time.Time {
	return d.Start().Add(9*time.Hour + time.Duration(minutes)*time.Minute)
}

// LoadCasework writes the demo county's casework through the casework service into a
// store that already holds the county (Load): twelve cases for key children with open
// ledger entries (eight closed, six of them typical, two in service, two just
// assessed), three urgent incidents (one reported to the police late, AC-6), and a
// year of activities and policy talks in which the third quarter has no talk (PT-1
// fails and says so). Deterministic: IDs from CaseworkSeed, times from the programme
// period.
func LoadCasework(ctx context.Context, store casework.Store, c *County) (*CaseworkDemo, error) {
	var lead, counsellor *welfare.Staff
	var workers []*welfare.Staff
	for _, s := range c.Staff {
		switch s.Role {
		case welfare.RoleProjectLead:
			lead = s
		case welfare.RoleSocialWorker:
			workers = append(workers, s)
		case welfare.RoleCounsellor:
			counsellor = s
		}
	}
	if lead == nil || counsellor == nil || len(workers) == 0 {
		return nil, errors.New("democounty: the county has no project team")
	}
	prog := c.Programme
	clk := &demoClock{t: at(prog.Period.Start, 0)}
	notifier := &casework.MemoryNotifier{}
	svc, err := casework.NewService(store, prog, casework.Options{Clock: clk, IDs: welfare.NewSeededIDs(CaseworkSeed),
		Divisions: c.Divisions, Notifier: notifier})
	if err != nil {
		return nil, err
	}
	leadA := welfare.ActorOf(lead)
	demo := &CaseworkDemo{AsOf: prog.Period.End.AddDate(0, 0, 1)}

	// Key children: the first child of each of the first 12 open entries (one per child).
	seen := map[uuid.UUID]bool{}
	var keys []*welfare.KeyEntry
	for _, e := range c.KeyEntries {
		if e.Closed == nil && !seen[e.ChildID] && e.Opened.Before(welfare.NewDate(2025, 2, 1)) {
			seen[e.ChildID] = true
			keys = append(keys, e)
		}
		if len(keys) == 12 {
			break
		}
	}
	needs := func(i int) casework.AssessInput {
		var in casework.AssessInput
		for j, n := range casework.Needs() {
			lv := []casework.Level{casework.LevelNone, casework.LevelLow, casework.LevelMedium, casework.LevelHigh}[(i+j)%4]
			in.Ratings = append(in.Ratings, casework.Rating{Need: n, Level: lv})
		}
		return in
	}
	for i, e := range keys {
		w := welfare.ActorOf(workers[i%len(workers)])
		day := welfare.NewDate(2025, 2, 3).AddDate(0, 0, 7*i)
		clk.set(at(day, 0))
		cs, err := svc.OpenCase(ctx, w, casework.OpenInput{ChildID: e.ChildID,
			Origin: casework.Origin{Kind: casework.OriginLedger, Ref: e.ID.String()}, Note: "由重点关爱台账转入个案服务"})
		if err != nil {
			return nil, fmt.Errorf("democounty: case %d: %w", i, err)
		}
		demo.Cases = append(demo.Cases, cs.ID)
		clk.set(at(day.AddDate(0, 0, 3), 0))
		if _, err := svc.Assess(ctx, w, cs.ID, needs(i)); err != nil {
			return nil, err
		}
		if i >= 10 {
			continue // two cases just assessed
		}
		clk.set(at(day.AddDate(0, 0, 8), 0))
		p := casework.PlanInput{
			Goals: []casework.Goal{{ID: "G1", Need: casework.NeedMentalHealth, Text: "改善情绪状态，增强社会支持"},
				{ID: "G2", Need: casework.NeedEducation, Text: "稳定学业，适应城市学校生活"}},
			Actions: []casework.Action{
				{ID: "A1", Goal: "G1", Text: "每两周一次心理慰藉与陪伴", Owner: counsellor.ID, Due: day.AddDate(0, 0, 40), Service: "psych_comfort"},
				{ID: "A2", Goal: "G2", Text: "链接志愿者开展学习辅导", Owner: w.StaffID, Due: day.AddDate(0, 0, 50), Service: "study_tutoring"},
				{ID: "A3", Goal: "G2", Text: "协助申请教育救助", Owner: w.StaffID, Due: day.AddDate(0, 0, 30), Service: "policy_application"},
			},
		}
		if _, err := svc.SubmitPlan(ctx, w, cs.ID, p); err != nil {
			return nil, err
		}
		clk.set(at(day.AddDate(0, 0, 9), 0))
		if _, err := svc.DecidePlan(ctx, leadA, cs.ID, casework.Approved, "同意"); err != nil {
			return nil, err
		}
		if i >= 8 {
			continue // two cases in service
		}
		for j, a := range p.Actions {
			clk.set(at(a.Due.AddDate(0, 0, -2), j))
			actor := w
			if a.Owner == counsellor.ID {
				actor = welfare.ActorOf(counsellor)
			}
			if _, err := svc.CompleteAction(ctx, actor, cs.ID, a.ID, a.Due.AddDate(0, 0, -2), "按计划完成"); err != nil {
				return nil, err
			}
		}
		clk.set(at(day.AddDate(0, 0, 60), 0))
		if _, err := svc.ProposeClosure(ctx, w, cs.ID, casework.ClosureInput{Outcome: casework.OutcomeGoalsMet,
			Summary: "服务目标基本达成，情绪稳定，学业适应良好"}); err != nil {
			return nil, err
		}
		clk.set(at(day.AddDate(0, 0, 61), 0))
		if _, err := svc.DecideClosure(ctx, leadA, cs.ID, casework.Approved, "同意结案"); err != nil {
			return nil, err
		}
		demo.Closed++
		if i >= 6 {
			continue
		}
		clk.set(at(day.AddDate(0, 0, 65), 0))
		if _, err := svc.DesignateTypical(ctx, w, cs.ID, casework.TypicalInput{
			Background:   "随父母从外县迁入本县，家庭经济困难，父母忙于务工，缺少陪伴。",
			Assessment:   "情绪低落、人际退缩，学习跟不上。",
			Intervention: "社工与心理咨询师协作，联动学校与社区志愿者，开展陪伴、辅导和政策链接。",
			Outcome:      "情绪明显改善，主动参加社区活动，成绩稳步提升。",
			Reflection:   "流动儿童服务需要家庭、学校、社区协同，及早发现、持续跟进。",
		}); err != nil {
			return nil, err
		}
		demo.Typical++
	}

	// Incidents. The third is reported to the police late: the line fails for hours.
	type inc struct {
		child    int
		kind     casework.IncidentKind
		day      welfare.Date
		policeUp time.Duration // how long the police notifications fail
	}
	for _, x := range []inc{
		{8, casework.KindSuspectedHarm, welfare.NewDate(2025, 4, 10), 0},
		{9, casework.KindSuicideRisk, welfare.NewDate(2025, 5, 20), 0},
		{10, casework.KindDanger, welfare.NewDate(2025, 6, 18), 3 * time.Hour},
	} {
		if x.child >= len(keys) {
			break
		}
		w := welfare.ActorOf(workers[x.child%len(workers)])
		clk.set(at(x.day, 90))
		if x.policeUp > 0 {
			notifier.Fail(casework.TargetPolice, errors.New("platform unavailable"))
		}
		in, err := svc.RaiseIncident(ctx, w, casework.IncidentInput{ChildID: keys[x.child].ChildID, Kind: x.kind,
			Discovered: at(x.day, 60), Summary: "探访中发现紧急情况"})
		if err != nil {
			return nil, err
		}
		demo.Incidents = append(demo.Incidents, in.ID)
		if x.policeUp > 0 {
			clk.set(at(x.day, 90).Add(time.Hour))
			_, _ = svc.Dispatch(ctx) // escalates to the project lead
			notifier.Fail(casework.TargetPolice, nil)
			clk.set(at(x.day, 90).Add(x.policeUp))
			if _, err := svc.Dispatch(ctx); err != nil {
				return nil, err
			}
		}
		clk.set(at(x.day, 300))
		for _, r := range in.Reports {
			if _, err := svc.Acknowledge(ctx, w, in.ID, r.Target, clk.Now(), "已回执"); err != nil {
				return nil, err
			}
		}
		if _, err := svc.RecordMeasure(ctx, w, in.ID, "已联系监护人并落实临时照料"); err != nil {
			return nil, err
		}
	}

	// Activities through the programme period; no policy talk in the third quarter.
	d := welfare.NewDate
	town := c.Children[0].Residence.Township
	for _, a := range []struct {
		kind     casework.ActivityKind
		day      welfare.Date
		theme    string
		venue    string
		n        int
		holidays []string
	}{
		{casework.ActivityFestival, d(2025, 1, 25), "迎新春·写春联", casework.VenueCommunity, 36, []string{"spring_festival"}},
		{casework.ActivityTalk, d(2025, 2, 15), "寒假安全与救助政策宣讲", casework.VenueSchool, 60, nil},
		{casework.ActivityFestival, d(2025, 2, 12), "闹元宵·猜灯谜", casework.VenueYilaoYixiao, 28, []string{"lantern_festival"}},
		{casework.ActivityFestival, d(2025, 4, 3), "清明·缅怀先烈", casework.VenueSchool, 45, []string{"qingming"}},
		{casework.ActivityCare, d(2025, 4, 26), "城市探索·融入新家园", casework.VenueCommunity, 24, nil},
		{casework.ActivityTalk, d(2025, 5, 17), "监护责任与家庭教育政策解读", casework.VenueCommunity, 52, nil},
		{casework.ActivityFestival, d(2025, 5, 30), "端午·六一游园会", casework.VenueYilaoYixiao, 80, []string{"dragon_boat", "childrens_day"}},
		{casework.ActivityCare, d(2025, 7, 15), "暑期防溺水安全课堂", casework.VenueCommunity, 40, nil},
		{casework.ActivityCare, d(2025, 8, 20), "同伴小组·我的城市生活", casework.VenueCommunity, 22, nil},
		{casework.ActivityFestival, d(2025, 9, 28), "迎国庆·庆中秋", casework.VenueCommunity, 66, []string{"national_day", "mid_autumn"}},
		{casework.ActivityTalk, d(2025, 11, 8), "流动儿童关爱政策宣讲", casework.VenueSchool, 90, nil},
	} {
		clk.set(at(a.day, 0))
		forms := []string{casework.FormCommunity}
		if a.venue == casework.VenueSchool {
			forms = []string{casework.FormSchool}
		}
		rec, err := svc.RecordActivity(ctx, leadA, casework.ActivityInput{Kind: a.kind, Theme: a.theme, Forms: forms,
			VenueKind: a.venue, Venue: "示例" + map[string]string{casework.VenueSchool: "小学", casework.VenueCommunity: "社区",
				casework.VenueYilaoYixiao: "“一老一小”幸福院"}[a.venue], Township: town, Date: a.day, Holidays: a.holidays,
			Participants: casework.Participants{OtherChildren: a.n * 3 / 5, Guardians: a.n - a.n*3/5, Others: 3}})
		if err != nil {
			return nil, fmt.Errorf("democounty: activity %s: %w", a.day, err)
		}
		clk.set(at(a.day, 10*60))
		if _, err := svc.RecordPublicity(ctx, leadA, rec.ID, casework.Publicity{
			URL: "https://mp.weixin.qq.com/s/demo-" + a.day.String(), At: clk.Now()}); err != nil {
			return nil, err
		}
		demo.Activities++
	}
	return demo, nil
}

// CaseworkReport runs the casework checks on day asOf and writes them in Chinese:
// typical cases (CS-2), the activity checks (CA-1..CA-3, PT-1) and the incidents
// discovered, recorded or reported late (AC-6).
func CaseworkReport(ctx context.Context, store casework.Store, c *County, asOf welfare.Date) (string, error) {
	var lead *welfare.Staff
	for _, s := range c.Staff {
		if s.Role == welfare.RoleProjectLead {
			lead = s
			break
		}
	}
	if lead == nil {
		return "", errors.New("democounty: the county has no project lead")
	}
	svc, err := casework.NewService(store, c.Programme, casework.Options{Clock: welfare.FixedClock{T: asOf.Start()}, Divisions: c.Divisions})
	if err != nil {
		return "", err
	}
	a := welfare.ActorOf(lead)
	var b strings.Builder
	fmt.Fprintf(&b, "个案服务、紧急事件与关爱活动检查（截至%s）\n", asOf)
	tc, err := svc.CheckTypical(ctx, a)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "【CS-2】%s\n", tc.Explain())
	rep, err := svc.CheckActivities(ctx, a, asOf)
	if err != nil {
		return "", err
	}
	for _, ch := range rep.Checks {
		b.WriteString(ch.Explain() + "\n")
	}
	late, err := svc.LateIncidents(ctx, a, asOf.Start())
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "【AC-6】发现、录入或报告不及时的紧急事件%d起\n", len(late))
	for _, l := range late {
		for _, r := range l.Reasons {
			fmt.Fprintf(&b, "  %s %s：%s\n", l.Discovered.In(welfare.Beijing()).Format("2006-01-02"), l.Kind.Chinese(), r.Explain)
		}
	}
	return b.String(), nil
}
