package main

import (
	"strings"

	"github.com/childwelfare/liudong/audit"
	"github.com/childwelfare/liudong/welfare"
)

var partNames = map[string]string{"first": "首期款（启动资金）", "second": "尾款"}

// printAcceptance writes the acceptance sections of the Chinese report.
func printAcceptance(p *printer, prog *welfare.Programme, div *welfare.Divisions, a *acceptance) {
	name := func(code string) string {
		if reg, ok := div.Region(code); ok {
			return reg.Name
		}
		return code
	}
	stratumName := func(s string) string {
		town, kind, _ := strings.Cut(s, "/")
		return name(town) + map[string]string{"key": "·重点", "ordinary": "·普通"}[kind]
	}
	pop := a.Population
	p.f("\n%s\n验收考核（%s）\n%s\n", strings.Repeat("=", 60), a.Contract.Acceptance, strings.Repeat("=", 60))
	p.f("\n九、样本框与抽样（AC-1）\n")
	p.f("  服务对象（截至 %s）：%d 人\n", pop.CutOff.In(welfare.Beijing()).Format("2006-01-02 15:04"), pop.Count)
	p.f("  样本框 SHA-256：%s\n", pop.ManifestSHA256)
	p.f("  样本框已于抽样前记入验收日志（第 %d 条），种子在其后确定\n", pop.ManifestLeaf)
	s := a.Sample
	p.f("  抽样种子：%s  算法：%s（第 %s 版）  抽样比例：%s%%\n", s.Seed, s.Algorithm, s.AlgorithmVersion, s.Share.Shift(2).String())
	p.f("  抽取 %d 人（%s），分 %d 层（乡镇 × 重点/普通），每层不少于 ⌈比例 × 层人数⌉：\n", s.Size, pct(s.Size, s.Population), len(s.Strata))
	for i, st := range s.Strata {
		if i%2 == 0 {
			p.f("  ")
		}
		p.f("  %-16s %5d 人抽 %4d", stratumName(st.Name), st.Population, st.Size)
		if i%2 == 1 || i == len(s.Strata)-1 {
			p.f("\n")
		}
	}
	p.f("  检出概率（样本至少发现一例问题的概率）：")
	for _, pw := range s.Power {
		p.f(" 问题率 %s%% → %s%%", pw.FailureRate.Shift(2).String(), pw.Probability.Shift(2).StringFixed(2))
	}
	p.f("\n  复核：任何人持样本框与种子可按同一算法重抽得到相同样本\n")

	p.f("\n十、验收发现\n")
	for _, k := range a.Findings {
		mark := ""
		if !k.Deductible {
			mark = "（方案未设扣款规则，仅报告）"
		}
		p.f("  %-5s %-28s %4d 项%s\n", k.Kind, k.Name, k.Count, mark)
	}
	if a.Roster != nil {
		r := a.Roster
		p.f("  外部名单比对（AC-4）：%d 行 %d 名儿童，符合条件 %d 人，已纳入监测 %d 人（身份证号 %d，姓名+出生日期 %d），未纳入 %d 人；不符合条件 %d，信息不足无法判定 %d\n",
			r.Rows, r.Children, r.Eligible, r.Matched, r.ByMethod[audit.MatchIDNumber], r.ByMethod[audit.MatchNameBirth], r.Missing, r.NotEligib, r.Undecided)
	} else {
		p.f("  外部名单比对（AC-4）：未提供外部名单（-roster），本项未核\n")
	}
	if sv := a.Signals; sv != nil {
		p.f("  质量信号（AC-3）：共 %d 条，核实 %d，排除 %d，待复核 %d", sv.Signals, sv.Confirmed, sv.Dismissed, sv.Pending)
		if sv.ReviewsSHA256 != "" {
			p.f("（复核记录 SHA-256 %s）", sv.ReviewsSHA256)
		}
		p.f("\n")
		printTopSignals(p, sv.List)
	}
	shown := map[string]int{}
	for _, f := range a.FindingList {
		if shown[f.Requirement] >= 3 {
			continue
		}
		shown[f.Requirement]++
		p.f("    %s\n", f.Explanation)
	}
	if len(a.FindingList) > 0 {
		p.f("    （每类仅列前 3 项，全部明细见 -json 的 finding_details）\n")
	}

	d := a.Deductions
	p.f("\n十一、扣款明细\n")
	for _, e := range d.Explanations {
		p.f("  %s\n", e)
	}
	n := 0
	for _, l := range d.Lines {
		if n == 5 {
			p.f("  …… 共 %d 行\n", len(d.Lines))
			break
		}
		p.f("  · %s\n", l.Explanation)
		n++
	}

	pay := a.Payment
	p.f("\n十二、支付计划（PY-1～PY-3）\n")
	p.f("  合同金额 %s 元（预算上限 %s 元）；合同生效 %s，首期发票收到 %s\n", pay.ContractTotal, pay.Budget, a.Contract.Effective, a.Contract.InvoiceReceived)
	for _, pt := range pay.Parts {
		p.f("  %s：比例 %s，应计 %s 元", partNames[pt.Name], pt.Share, pt.Gross)
		if pt.Deduction != "0.00" {
			p.f("，扣减 %s 元", pt.Deduction)
		}
		p.f("，应付 %s 元", pt.Amount)
		if pt.Paid != "0.00" {
			p.f("，已付 %s 元", pt.Paid)
		}
		if pt.DueDate != "" {
			p.f("；%s 起算，最迟 %s 支付", pt.TriggerDate, pt.DueDate)
		}
		if len(pt.Pending) > 0 {
			p.f("；暂不支付：%s", strings.Join(pt.Pending, "、"))
		}
		p.f("\n")
	}
	p.f("  尾款前须提交：")
	for _, doc := range a.Documents {
		if doc.Received.IsZero() {
			p.f(" %s（未收到）", doc.Name)
		} else {
			p.f(" %s（%s 收到）", doc.Name, doc.Received)
		}
	}
	p.f("\n")
	if pay.OwedByProvider != "0.00" {
		p.f("  扣款超出尾款部分 %s 元由服务单位退还\n", pay.OwedByProvider)
	}
	if pay.Clawback {
		p.f("  适用追回条款（AC-6）：采购人可追回已支付款项 %s 元、解除合同并追究法律责任\n", pay.Recoverable)
	}

	p.f("\n十三、任务完成清单\n")
	for _, it := range a.Deliverables {
		p.f("  %-5s %-6s %s：%s\n", it.Requirement, it.Status.Chinese(), it.Name, it.Evidence)
	}

	j := a.Journal
	p.f("\n十四、日志核验\n")
	p.f("  服务记录日志 %d 条，树根 %s\n", j.TreeSize, j.TreeHash)
	if j.KeptGiven {
		p.f("  与采购人保存的检查点（%d 条）一致：%s\n", j.KeptSize, yesNo(j.Consistent))
	} else {
		p.f("  未提供采购人保存的检查点（-checkpoint）：仅核对记录与当前日志；请保存上述树根与条数作为检查点\n")
	}
	p.f("  抽查儿童 %d 人的记录 %d 份：改动 %d，缺失 %d，未入日志 %d，事后补录 %d；未通过 %d 人 —— %s\n",
		j.Children, j.RecordsChecked, j.Changed, j.Missing, j.NotInLog, j.Late, j.ChildrenFailed, map[bool]string{true: "通过", false: "未通过"}[j.OK])

	p.f("\n十五、满意度回访（AC-1）\n  %s\n", a.Survey.Explanation)
	if !a.Survey.Pending {
		p.f("  ")
		for _, ans := range audit.Answers() {
			p.f(" %s %d", ans.Chinese(), a.Survey.Counts[ans])
		}
		p.f("\n")
	}

	p.f("\n十六、儿童主任交通通讯补贴（TM-2）\n")
	if sub := a.Subsidies; sub != nil {
		p.f("  规则（示例默认值，应由方案规定）：每人基础 %s 元 + 每次核实探访 %s 元 − 每项核实质量问题 %s 元，上限 %s 元\n",
			sub.Rules.Base.StringFixed(2), sub.Rules.PerVerifiedVisit.StringFixed(2), sub.Rules.PerConfirmedSignal.StringFixed(2), sub.Rules.Cap.StringFixed(2))
		p.f("  儿童主任 %d 人，补贴合计 %s 元\n", sub.Directors, sub.Total.StringFixed(2))
	} else {
		p.f("  %s\n", a.VisitsNote)
	}

	p.f("\n十七、验收日志\n")
	p.f("  本次验收记入 %d 条（样本框、输入文件、复核记录、样本），树根 %s\n", a.AuditLog.Size, a.AuditLog.Root)
	for _, in := range a.Inputs {
		p.f("  输入 -%s：%d 字节，SHA-256 %s（第 %d 条）\n", in.Flag, in.Bytes, in.SHA256, in.Leaf)
	}
	p.f("  说明：存储的日志只记录存储自身的写入，不接受外部追加；验收记录请连同上述树根一并存档\n")
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// printTopSignals prints the signals per kind and, since scores compare only within a
// kind, the strongest signal of each kind with its explanation, for the auditor to
// review first.
func printTopSignals(p *printer, list []signalLine) {
	if len(list) == 0 {
		return
	}
	byKind := map[string]int{}
	best := map[string]signalLine{}
	for _, s := range list {
		byKind[s.Kind]++
		if b, ok := best[s.Kind]; !ok || s.Score > b.Score {
			best[s.Kind] = s
		}
	}
	p.f("    按类型：")
	for _, k := range sortedByCount(byKind) {
		p.f(" %s %d", best[k].Name, byKind[k])
	}
	p.f("\n    各类最强的一条（请优先复核；编号用于 -reviews）：\n")
	for _, k := range sortedByCount(byKind) {
		s := best[k]
		p.f("    · [%s] %s：%s\n", s.Key, s.Name, s.Explanation)
	}
}
