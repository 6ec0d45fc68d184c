package audit

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// DeliverableStatus is the verdict on one deliverable of the task-completion list.
type DeliverableStatus string

// Deliverable statuses.
const (
	StatusMet           DeliverableStatus = "met"            // 完成
	StatusShort         DeliverableStatus = "short"          // 未完成
	StatusNotApplicable DeliverableStatus = "not_applicable" // 不适用
	StatusPending       DeliverableStatus = "pending"        // 待核（数据尚不可得）
)

// Chinese names the status.
func (s DeliverableStatus) Chinese() string {
	switch s {
	case StatusMet:
		return "完成"
	case StatusShort:
		return "未完成"
	case StatusNotApplicable:
		return "不适用"
	case StatusPending:
		return "待核"
	}
	return string(s)
}

// Deliverable is one line of the task-completion list (任务完成清单): a requirement, its
// status and the evidence (Chinese, no personal data).
type Deliverable struct {
	Requirement string            `json:"requirement"`
	Name        string            `json:"name"` // Chinese
	Status      DeliverableStatus `json:"status"`
	Evidence    string            `json:"evidence"`
}

// VisitProgramme is the programme-level visit compliance (from visit.Service.Compliance):
// the VS-1 and VS-2 population and shares, and the VS-3 key-child quota.
type VisitProgramme struct {
	Children     int             `json:"children"` // monitored on some day of the period
	Visited      int             `json:"visited"`
	HomeVisited  int             `json:"home_visited"`
	HomeShareMin decimal.Decimal `json:"home_share_min"`
	// KeyRule is the key-child monthly home-visit quota's rule ID ("VS-3") and its
	// children: met, open (a month not yet over) and short.
	KeyRule     string `json:"key_rule"`
	KeyChildren int    `json:"key_children"`
	KeyShort    int    `json:"key_short"`
	KeyMissed   int    `json:"key_months_missed"`
}

// ScreeningFacts are the screening figures the checklist judges PS-1 and PS-2 by.
type ScreeningFacts struct {
	Screened int `json:"screened"` // children with a screening session
	// DueFirst: children who need a first screening (key child, concern, request) and
	// have none on the day: PS-1 is short while any remain.
	DueFirst    int `json:"due_first"`
	DueRescreen int `json:"due_rescreen"`
	// Archives: children with a psychological archive (one per screened child, PS-2).
	Archives int `json:"archives"`
}

// ChecklistInput holds what the checklist is judged from; a nil part makes its lines
// pending.
type ChecklistInput struct {
	Visits     *VisitProgramme
	VisitsNote string // why visits are pending, Chinese
	Screening  *ScreeningFacts
	Typical    *casework.TypicalCheck
	Activities *casework.ActivityReport
	Team       *welfare.TeamCheck
	// Archive is the day the paper and electronic archives were handed over (SR-4);
	// zero: not yet.
	Archive welfare.Date
	// PeriodOver says the programme period has ended on the acceptance day, so what is
	// still missing is short, not pending.
	PeriodOver bool
}

// Checklist builds the task-completion list: VS-1..VS-3 (programme level), PS-1, PS-2,
// CS-2, PT-1, CA-1..CA-3, TM-1 and the archive handover (SR-4), in that order.
func Checklist(p *welfare.Programme, in ChecklistInput) []Deliverable {
	var out []Deliverable
	add := func(req, name string, st DeliverableStatus, ev string) {
		out = append(out, Deliverable{Requirement: req, Name: name, Status: st, Evidence: ev})
	}
	shortOrPending := StatusPending
	if in.PeriodOver {
		shortOrPending = StatusShort
	}
	if v := in.Visits; v != nil {
		st := StatusMet
		if v.Visited < v.Children {
			st = shortOrPending
		}
		add("VS-1", "每名儿童至少探访一次", st, fmt.Sprintf("在册儿童 %d 人，已探访 %d 人（%s）", v.Children, v.Visited, ratio(v.Visited, v.Children)))
		st = StatusMet
		minHome := v.HomeShareMin.Mul(decimal.NewFromInt(int64(v.Children)))
		if decimal.NewFromInt(int64(v.HomeVisited)).LessThan(minHome) {
			st = shortOrPending
		}
		add("VS-2", "上门探访不少于"+v.HomeShareMin.Shift(2).String()+"%", st,
			fmt.Sprintf("上门探访 %d 人，占 %s（要求不低于 %s%%）", v.HomeVisited, ratio(v.HomeVisited, v.Children), v.HomeShareMin.Shift(2).String()))
		switch {
		case v.KeyChildren == 0:
			add("VS-3", "重点儿童每月至少上门探访一次", StatusNotApplicable, "无重点儿童")
		case v.KeyShort > 0:
			add("VS-3", "重点儿童每月至少上门探访一次", StatusShort, fmt.Sprintf("重点儿童 %d 人，%d 人共缺 %d 个月的上门探访（规则 %s）", v.KeyChildren, v.KeyShort, v.KeyMissed, v.KeyRule))
		default:
			add("VS-3", "重点儿童每月至少上门探访一次", StatusMet, fmt.Sprintf("重点儿童 %d 人，各月上门探访均已完成（规则 %s）", v.KeyChildren, v.KeyRule))
		}
	} else {
		note := in.VisitsNote
		if note == "" {
			note = "探访数据不可得"
		}
		add("VS-1", "每名儿童至少探访一次", StatusPending, note)
		add("VS-2", "上门探访比例", StatusPending, note)
		add("VS-3", "重点儿童每月至少上门探访一次", StatusPending, note)
	}
	if s := in.Screening; s != nil {
		st := StatusMet
		if s.DueFirst > 0 {
			st = shortOrPending
		} else if s.Screened == 0 {
			st = StatusNotApplicable
		}
		add("PS-1", "困境儿童心理健康量化筛查", st, fmt.Sprintf("已筛查 %d 人；需筛未筛 %d 人；到期复筛 %d 人", s.Screened, s.DueFirst, s.DueRescreen))
		st = StatusMet
		if s.Archives < s.Screened {
			st = StatusShort
		} else if s.Screened == 0 {
			st = StatusNotApplicable
		}
		add("PS-2", "一人一档心理健康档案", st, fmt.Sprintf("已筛查 %d 人，建档 %d 份", s.Screened, s.Archives))
	} else {
		add("PS-1", "困境儿童心理健康量化筛查", StatusPending, "筛查数据不可得")
		add("PS-2", "一人一档心理健康档案", StatusPending, "筛查数据不可得")
	}
	if t := in.Typical; t != nil {
		st := StatusMet
		if !t.Met {
			st = shortOrPending
		}
		add("CS-2", "典型案例不少于"+fmt.Sprint(p.Casework.MinTypicalCases)+"个", st, t.Explain())
	} else {
		add("CS-2", "典型案例", StatusPending, "个案数据不可得")
	}
	acts := []struct{ req, name string }{
		{"PT-1", "每季度至少一次政策宣讲"},
		{"CA-1", "关爱服务活动不少于" + fmt.Sprint(p.Activities.MinActivities) + "场"},
		{"CA-2", "每场活动不少于" + fmt.Sprint(p.Activities.MinParticipants) + "人"},
		{"CA-3", "每季度政策宣传、重大节日活动并及时公众号宣传"},
	}
	for _, a := range acts {
		if in.Activities == nil {
			add(a.req, a.name, StatusPending, "活动数据不可得")
			continue
		}
		var checks []casework.ActivityCheck
		for _, c := range in.Activities.Checks {
			if c.RuleID == a.req || strings.HasPrefix(c.RuleID, a.req+"/") {
				checks = append(checks, c)
			}
		}
		if len(checks) == 0 {
			add(a.req, a.name, StatusNotApplicable, "方案未设此项")
			continue
		}
		st := StatusMet
		var ev []string
		for _, c := range checks {
			ev = append(ev, c.Explain())
			switch {
			case len(c.Missing) > 0 || (!c.Met && len(c.Pending) == 0):
				st = StatusShort
			case !c.Met && st == StatusMet:
				st = shortOrPending
			}
		}
		add(a.req, a.name, st, strings.Join(ev, "；"))
	}
	if t := in.Team; t != nil {
		st := StatusMet
		if !t.Met {
			st = StatusShort
		}
		add("TM-1", "服务团队不少于"+fmt.Sprint(p.Team.MinTotal)+"人", st, fmt.Sprintf("项目负责人 %d、社会工作者 %d、心理咨询师 %d，合计 %d 人",
			t.Counts[welfare.RoleProjectLead], t.Counts[welfare.RoleSocialWorker], t.Counts[welfare.RoleCounsellor], t.Total))
	} else {
		add("TM-1", "服务团队", StatusPending, "团队数据不可得")
	}
	if in.Archive.IsZero() {
		add("SR-4", "纸质及电子档案移交", shortOrPending, "尚未移交")
	} else {
		add("SR-4", "纸质及电子档案移交", StatusMet, "已于 "+in.Archive.String()+" 移交")
	}
	return out
}

func ratio(n, d int) string {
	if d == 0 {
		return "—"
	}
	return decimal.NewFromInt(int64(n)).Shift(2).DivRound(decimal.NewFromInt(int64(d)), 1).StringFixed(1) + "%"
}
