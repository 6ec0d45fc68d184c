package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/childwelfare/liudong/welfare"
)

// report is what the acceptance run found; it is also the -json output.
type report struct {
	Programme struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Version string `json:"version"`
		Area    string `json:"area"`
	} `json:"programme"`
	Source     string              `json:"source"`
	AsOf       welfare.Date        `json:"as_of"`
	Census     *welfare.Census     `json:"census"`
	LedgerGaps []welfare.LedgerGap `json:"ledger_gaps"`
	ExitsDue   []welfare.ExitDue   `json:"exits_due"`
	Team       welfare.TeamCheck   `json:"team"`
	Screening  *screeningSummary   `json:"screening"`
	*acceptance
}

func buildReport(ctx context.Context, e *env, asOf welfare.Date) (*report, error) {
	r := &report{Source: e.source, AsOf: asOf}
	p := e.reg.Programme()
	r.Programme.ID, r.Programme.Name, r.Programme.Version, r.Programme.Area = p.ID, p.Name, p.Version, p.Area.Code
	var err error
	if r.Census, err = e.reg.Census(ctx, e.auditor, asOf); err != nil {
		return nil, fmt.Errorf("census: %w", err)
	}
	if r.LedgerGaps, err = e.reg.LedgerGaps(ctx, e.auditor, asOf); err != nil {
		return nil, fmt.Errorf("ledger gaps: %w", err)
	}
	if r.ExitsDue, err = e.reg.ExitsDue(ctx, e.auditor, asOf); err != nil {
		return nil, fmt.Errorf("exits due: %w", err)
	}
	if r.Team, err = e.reg.CheckTeam(ctx, e.auditor); err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	if r.Screening, err = summarizeScreening(ctx, e, asOf); err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	return r, nil
}

// printer writes the Chinese report; the first write error sticks and ends output.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func pct(n, total int) string {
	if total == 0 {
		return "0.0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// sortedByCount returns map keys by descending count, then key.
func sortedByCount[K cmp.Ordered](m map[K]int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return keys
}

var (
	stageNames = map[string]string{"": "未登记", "preschool_home": "散居未入园", "kindergarten": "幼儿园",
		"primary": "小学", "junior": "初中", "senior": "高中", "vocational": "中职",
		"not_enrolled": "未入学", "dropped_out": "辍学"}
	healthNames     = map[string]string{"": "未登记", "good": "健康", "chronic": "慢性病", "serious": "重病"}
	disabilityNames = map[string]string{"visual": "视力", "hearing": "听力", "speech": "言语",
		"physical": "肢体", "intellectual": "智力", "mental": "精神", "multiple": "多重"}
	flagNames     = map[welfare.Flag]string{welfare.FlagYes: "是", welfare.FlagNo: "否", welfare.FlagUnknown: "未登记"}
	economicNames = map[welfare.Economic]string{"": "未登记", "ordinary": "一般", "low_income": "低保边缘",
		"dibao": "低保", "tekun": "特困"}
)

func printReport(w io.Writer, e *env, r *report) error {
	p := &printer{w: w}
	c := r.Census
	prog := e.reg.Programme()
	div := e.reg.Divisions()
	name := func(code string) string {
		if reg, ok := div.Region(code); ok {
			return reg.Name
		}
		return code
	}
	p.f("%s\n", strings.Repeat("=", 60))
	p.f("%s — 监测数据概况\n", prog.Name)
	p.f("项目编号 %s（第 %s 版）  试点地区 %s（%s）  统计日 %s\n", prog.ID, prog.Version, prog.Area.Name, prog.Area.Code, r.AsOf)
	p.f("数据来源：%s\n", r.Source)
	p.f("%s\n\n", strings.Repeat("=", 60))

	p.f("一、监测对象总体（MS-1）\n")
	p.f("  纳入监测 %d 人（基线 %d 人）：新增 %d，在册 %d；已退出 %d\n\n", c.Total, prog.BaselineChildren,
		c.ByState[welfare.StateIdentified], c.ByState[welfare.StateMonitored], c.ByState[welfare.StateExited])

	p.f("二、区域分布（各乡镇/街道）\n")
	for _, t := range sortedByCount(c.ByTownship) {
		p.f("  %-12s %6d 人  %6s\n", name(t), c.ByTownship[t], pct(c.ByTownship[t], c.Total))
	}
	p.f("\n三、基本情况（MR-1）\n")
	p.f("  年龄段：")
	for _, b := range welfare.AgeBands() {
		p.f(" %s岁 %d", b, c.ByAgeBand[b])
	}
	p.f("\n  性别：  男 %d  女 %d\n", c.BySex[welfare.SexMale], c.BySex[welfare.SexFemale])
	p.f("  就学：  ")
	for _, s := range sortedByCount(c.ByStage) {
		p.f(" %s %d", stageNames[s], c.ByStage[s])
	}
	p.f("\n  健康：  ")
	for _, s := range sortedByCount(c.ByHealth) {
		p.f(" %s %d", healthNames[s], c.ByHealth[s])
	}
	p.f("\n  残疾：  ")
	disabled := 0
	for _, s := range sortedByCount(c.ByDisability) {
		p.f(" %s %d", disabilityNames[s], c.ByDisability[s])
		disabled += c.ByDisability[s]
	}
	p.f("（合计 %d 人，%s）\n", disabled, pct(disabled, c.Total))
	p.f("  城乡居民医保参保：是 %d  否 %d  未登记 %d\n", c.ByInsurance[welfare.FlagYes], c.ByInsurance[welfare.FlagNo], c.ByInsurance[welfare.FlagUnknown])
	p.f("  办理居住证：      是 %d  否 %d  未登记 %d\n", c.ByPermit[welfare.FlagYes], c.ByPermit[welfare.FlagNo], c.ByPermit[welfare.FlagUnknown])
	p.f("  家庭经济状况：  ")
	for _, s := range sortedByCount(c.ByEconomic) {
		p.f(" %s %d", economicNames[s], c.ByEconomic[s])
	}
	p.f("\n\n四、重点关爱服务对象台账（MS-2）\n")
	p.f("  台账在册儿童 %d 人（%s）\n", c.KeyChildren, pct(c.KeyChildren, c.Total))
	for _, k := range prog.KeyCategories {
		p.f("  %-16s %5d 人\n", k.Name, c.ByKeyCategory[k.Code])
	}

	p.f("\n五、应建未建重点台账（AC-5，每人扣 %s 元）\n", deduction(prog, "AC-5"))
	byCat := map[welfare.KeyCategory]int{}
	for _, g := range r.LedgerGaps {
		for _, m := range g.Missing {
			byCat[m.Category]++
		}
	}
	p.f("  符合重点条件但无有效台账：%d 人\n", len(r.LedgerGaps))
	for _, k := range prog.KeyCategories {
		if byCat[k.Code] > 0 {
			p.f("  %-16s %5d 人（规则 key/%s）\n", k.Name, byCat[k.Code], k.Code)
		}
	}

	p.f("\n六、应退出监测（动态管理·退出）\n")
	byReason := map[welfare.ExitReason]int{}
	for _, d := range r.ExitsDue {
		byReason[d.Reason]++
	}
	p.f("  共 %d 人次\n", len(r.ExitsDue))
	for _, k := range sortedByCount(byReason) {
		p.f("  %-12s %5d 人（规则 %s）\n", k.Chinese(), byReason[k], prog.Eligibility.ID)
	}

	p.f("\n七、服务团队（TM-1）\n")
	verdict := "达标"
	if !r.Team.Met {
		verdict = "不达标"
	}
	p.f("  项目负责人 %d  社会工作者 %d  心理咨询师 %d  合计 %d 人（要求不少于 %d 人）：%s\n",
		r.Team.Counts[welfare.RoleProjectLead], r.Team.Counts[welfare.RoleSocialWorker],
		r.Team.Counts[welfare.RoleCounsellor], r.Team.Total, prog.Team.MinTotal, verdict)
	printScreening(p, r.Screening, prog)
	if r.acceptance != nil {
		printAcceptance(p, prog, div, r.acceptance)
	}
	return p.err
}

func deduction(p *welfare.Programme, req string) string {
	for _, d := range p.Acceptance.Deductions {
		if d.Requirement == req {
			return d.Amount.StringFixed(0)
		}
	}
	return "0"
}
