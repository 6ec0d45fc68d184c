package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// Requirement IDs of findings (验收发现的类别).
const (
	ReqSampleCheck = "AC-1" // sampled records that fail journal verification or were recorded late
	ReqVisits      = "AC-2" // sampled child's visits fall short
	ReqPerfunctory = "AC-3" // perfunctory service (a quality signal the auditor confirmed)
	ReqMissed      = "AC-4" // eligible child missing from monitoring
	ReqLedger      = "AC-5" // key-eligible child without a ledger file
	ReqHarm        = "AC-6" // harm not found or reported in time: the clawback clause
)

// FindingKinds lists the finding requirements in report order.
func FindingKinds() []string {
	return []string{ReqSampleCheck, ReqVisits, ReqPerfunctory, ReqMissed, ReqLedger, ReqHarm}
}

// KindChinese names a finding requirement in the acceptance report.
func KindChinese(req string) string {
	switch req {
	case ReqSampleCheck:
		return "抽查记录未通过日志核验或补录"
	case ReqVisits:
		return "抽查儿童探访次数不足"
	case ReqPerfunctory:
		return "走过场、不办事（经核实的质量信号）"
	case ReqMissed:
		return "符合条件但未纳入监测的儿童"
	case ReqLedger:
		return "符合重点条件但未建台账"
	case ReqHarm:
		return "儿童受到伤害未及时发现或报告"
	}
	return req
}

// KindCount is the number of findings of one requirement.
type KindCount struct {
	Kind  string `json:"kind"` // the requirement ID
	Name  string `json:"name"` // Chinese
	Count int    `json:"count"`
	// Deductible says the programme has a deduction rule for the requirement; findings
	// without one are reported, not deducted.
	Deductible bool `json:"deductible"`
}

// CountFindings counts findings per requirement in FindingKinds order (every kind,
// zero counts included), then any other requirement in name order.
func CountFindings(fs []Finding, rules welfare.AcceptanceRules) []KindCount {
	n := map[string]int{}
	for _, f := range fs {
		n[f.Requirement]++
	}
	kinds := FindingKinds()
	var extra []string
	for k := range n {
		if !slices.Contains(kinds, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	out := make([]KindCount, 0, len(kinds)+len(extra))
	for _, k := range append(kinds, extra...) {
		out = append(out, KindCount{Kind: k, Name: KindChinese(k), Count: n[k], Deductible: hasRule(rules, k)})
	}
	return out
}

func hasRule(rules welfare.AcceptanceRules, req string) bool {
	return slices.ContainsFunc(rules.Deductions, func(r welfare.DeductionRule) bool { return r.Requirement == req })
}

// SplitDeductible splits findings into those the programme has a deduction rule for and
// the others (reported only). Deductions fails on a finding without a rule, so callers
// pass it the first part.
func SplitDeductible(fs []Finding, rules welfare.AcceptanceRules) (deductible, reported []Finding) {
	for _, f := range fs {
		if hasRule(rules, f.Requirement) {
			deductible = append(deductible, f)
		} else {
			reported = append(reported, f)
		}
	}
	return deductible, reported
}

// LedgerFindings turns the registry's ledger gaps (welfare.Registry.LedgerGaps, MS-3) into
// AC-5 findings: one per child, with the categories the child is eligible for and the
// facts that made it so.
func LedgerFindings(gaps []welfare.LedgerGap) []Finding {
	out := make([]Finding, 0, len(gaps))
	for _, g := range gaps {
		var cats []string
		var ev []welfare.Fact
		for _, m := range g.Missing {
			cats = append(cats, string(m.Category))
			ev = append(ev, welfare.Fact{Name: "category", Value: string(m.Category)})
			ev = append(ev, m.Facts...)
		}
		out = append(out, Finding{Requirement: ReqLedger, ChildID: g.ChildID, Evidence: ev, RuleID: "MS-3/ledger-gap",
			Explanation: fmt.Sprintf("AC-5：儿童 %s 符合重点关爱条件（%s）但无有效台账", g.ChildID, strings.Join(cats, "、"))})
	}
	return out
}

// HarmFindings turns the incidents discovered, recorded or reported late
// (casework.Service.LateIncidents) into AC-6 findings, which fall under the programme's
// clawback rule: the purchaser may recover all money paid and terminate the contract.
func HarmFindings(late []casework.LateIncident) []Finding {
	out := make([]Finding, 0, len(late))
	for _, l := range late {
		ev := []welfare.Fact{{Name: "incident", Value: l.IncidentID.String()}, {Name: "kind", Value: string(l.Kind)},
			{Name: "discovered", Value: l.Discovered.UTC().Format("2006-01-02T15:04:05Z")}}
		var why []string
		for _, r := range l.Reasons {
			ev = append(ev, welfare.Fact{Name: r.What, Value: r.Due.UTC().Format("2006-01-02T15:04:05Z")})
			why = append(why, r.Explain)
		}
		rule := l.RuleID
		if rule == "" {
			rule = ReqHarm
		}
		out = append(out, Finding{Requirement: ReqHarm, ChildID: l.ChildID, Evidence: ev, RuleID: rule,
			Explanation: fmt.Sprintf("AC-6：%s（事件 %s）：%s", l.Kind.Chinese(), l.IncidentID, strings.Join(why, "；"))})
	}
	return out
}

// VisitShortfall is one sampled child's visit verdict as the visit package computes it
// (visit.ChildVerdict): the quotas that fell short and the periods missed. The audit
// package takes it as a value so that it depends on the verdict, not on how visits are
// stored.
type VisitShortfall struct {
	ChildID uuid.UUID `json:"child_id"`
	// Rules maps a quota's rule ID (e.g. "VS-3") to the labels of the periods it missed
	// ("2025-03", "project").
	Rules     map[string][]string `json:"rules"`
	Completed int                 `json:"completed"` // completed visits in the period
}

// VisitFindings returns an AC-2 finding for each sampled child whose visits fall short
// (AC-2 is judged on the sample only; shortfalls of children not in sample are ignored).
// One finding per child, whatever the number of quotas or months missed.
func VisitFindings(short []VisitShortfall, sample *Sample) []Finding {
	in := sample.IDSet()
	var out []Finding
	for _, s := range short {
		if !in[s.ChildID] || len(s.Rules) == 0 {
			continue
		}
		ids := make([]string, 0, len(s.Rules))
		for id := range s.Rules {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		ev := []welfare.Fact{{Name: "completed_visits", Value: strconv.Itoa(s.Completed)}}
		var why []string
		for _, id := range ids {
			ev = append(ev, welfare.Fact{Name: id, Value: strings.Join(s.Rules[id], ",")})
			why = append(why, fmt.Sprintf("%s 缺 %s", id, strings.Join(s.Rules[id], "、")))
		}
		out = append(out, Finding{Requirement: ReqVisits, ChildID: s.ChildID, Evidence: ev, RuleID: strings.Join(ids, "+"),
			Explanation: fmt.Sprintf("AC-2：抽查儿童 %s 探访不足（已完成 %d 次；%s）", s.ChildID, s.Completed, strings.Join(why, "；"))})
	}
	return out
}

// SortFindings orders findings by FindingKinds order, then child ID, then rule ID, so
// reports are stable.
func SortFindings(fs []Finding) {
	order := map[string]int{}
	for i, k := range FindingKinds() {
		order[k] = i + 1
	}
	rank := func(r string) int {
		if o, ok := order[r]; ok {
			return o
		}
		return len(order) + 1
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := rank(a.Requirement) - rank(b.Requirement); c != 0 {
			return c
		}
		if c := strings.Compare(a.Requirement, b.Requirement); c != 0 {
			return c
		}
		if c := strings.Compare(a.ChildID.String(), b.ChildID.String()); c != 0 {
			return c
		}
		return strings.Compare(a.RuleID, b.RuleID)
	})
}
