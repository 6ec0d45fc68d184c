package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// ErrNoRule reports a finding whose requirement has no deduction rule in the programme.
var ErrNoRule = errors.New("audit: no deduction rule for the finding's requirement")

// Counting rules (AcceptanceRules.Counting).
const (
	CountPerChildPerKind = "per_child_per_kind" // a child counts once in each kind (default)
	CountPerChild        = "per_child"          // a child counts once, at its highest amount
)

// Finding is one failure the purchaser found (验收发现), with the evidence and the rule
// that produced it. Explanation is Chinese, for the acceptance report, and holds no
// personal data (no name, identity number, address or phone); the child is named by ID.
type Finding struct {
	Requirement string         `json:"requirement"`        // e.g. "AC-2"
	ChildID     uuid.UUID      `json:"child_id"`           // uuid.Nil when not about one child
	Evidence    []welfare.Fact `json:"evidence,omitempty"` // the facts used
	RuleID      string         `json:"rule_id"`            // the check that produced it
	Explanation string         `json:"explanation"`
}

// DeductionLine is one counted (or absorbed) unit of deduction: one child in one kind, or
// one finding not about a child.
type DeductionLine struct {
	Requirement string          `json:"requirement"`
	ChildID     uuid.UUID       `json:"child_id"`
	Findings    int             `json:"findings"` // findings merged into this line
	RuleAmount  decimal.Decimal `json:"rule_amount"`
	// Amount deducted for this line: RuleAmount, or zero when the counting rule absorbs
	// the line into another of the same child (Counted false).
	Amount      decimal.Decimal `json:"amount"`
	Counted     bool            `json:"counted"`
	Clawback    bool            `json:"clawback,omitempty"`
	RuleIDs     []string        `json:"rule_ids"`
	Explanation string          `json:"explanation"` // Chinese
}

// RequirementTotal sums the lines of one requirement.
type RequirementTotal struct {
	Requirement string          `json:"requirement"`
	Findings    int             `json:"findings"`
	Counted     int             `json:"count"` // counted lines
	Amount      decimal.Decimal `json:"amount"`
}

// DeductionReport is the explained deduction (扣款明细) of an acceptance.
type DeductionReport struct {
	Counting      string             `json:"counting"`
	Lines         []DeductionLine    `json:"lines"`
	ByRequirement []RequirementTotal `json:"by_requirement"` // in rule order
	Subtotal      decimal.Decimal    `json:"subtotal"`       // before the cap
	Cap           decimal.Decimal    `json:"cap"`            // zero: no cap
	Capped        bool               `json:"capped"`
	Total         decimal.Decimal    `json:"total"` // yuan, to the fen
	// Clawback is set when a finding falls under a clawback rule (AC-6): the purchaser may
	// recover all money paid and terminate the contract.
	Clawback     bool     `json:"clawback"`
	Explanations []string `json:"explanations"` // Chinese summary lines
}

// Deductions computes the deductions for findings under rules.
//
// Lines: with the per_child_per_kind rule (the default, also when Counting is empty),
// all findings of one requirement about one child make one line at the rule's amount;
// with per_child, a child's lines in several requirements are counted once, at the highest
// amount (ties: the first requirement in the rules' order), the others kept as uncounted
// lines with amount zero and an explanation. A finding with no child (uuid.Nil) always
// makes its own line. Lines are ordered by requirement (rules' order), then child ID, then
// findings order.
//
// Amounts are the rules' amounts, summed exactly; the subtotal is rounded half away from
// zero to the fen (0.01 yuan) and then capped at rules.Cap when the cap is positive.
// A finding whose requirement has no rule fails with [ErrNoRule].
func Deductions(findings []Finding, rules welfare.AcceptanceRules) (DeductionReport, error) {
	counting := rules.Counting
	if counting == "" {
		counting = CountPerChildPerKind
	}
	if counting != CountPerChildPerKind && counting != CountPerChild {
		return DeductionReport{}, fmt.Errorf("audit: unknown counting rule %q", rules.Counting)
	}
	order := map[string]int{}
	byReq := map[string]welfare.DeductionRule{}
	for i, r := range rules.Deductions {
		if _, dup := order[r.Requirement]; dup {
			return DeductionReport{}, fmt.Errorf("audit: two deduction rules for %s", r.Requirement)
		}
		if r.Amount.IsNegative() {
			return DeductionReport{}, fmt.Errorf("audit: negative deduction for %s", r.Requirement)
		}
		order[r.Requirement] = i
		byReq[r.Requirement] = r
	}
	if rules.Cap.IsNegative() {
		return DeductionReport{}, fmt.Errorf("audit: negative deduction cap")
	}

	type key struct {
		req   string
		child uuid.UUID
		n     int // finding index for child-less findings, else -1
	}
	idx := map[key]int{}
	var lines []DeductionLine
	for i, f := range findings {
		r, ok := byReq[f.Requirement]
		if !ok {
			return DeductionReport{}, fmt.Errorf("%w: %q (finding %d)", ErrNoRule, f.Requirement, i)
		}
		k := key{f.Requirement, f.ChildID, -1}
		if f.ChildID == uuid.Nil {
			k.n = i
		}
		if j, ok := idx[k]; ok {
			lines[j].Findings++
			if f.RuleID != "" && !slices.Contains(lines[j].RuleIDs, f.RuleID) {
				lines[j].RuleIDs = append(lines[j].RuleIDs, f.RuleID)
			}
			continue
		}
		idx[k] = len(lines)
		l := DeductionLine{Requirement: f.Requirement, ChildID: f.ChildID, Findings: 1,
			RuleAmount: r.Amount, Amount: r.Amount, Counted: true, Clawback: r.Clawback}
		if f.RuleID != "" {
			l.RuleIDs = []string{f.RuleID}
		}
		lines = append(lines, l)
	}
	slices.SortStableFunc(lines, func(a, b DeductionLine) int {
		if c := order[a.Requirement] - order[b.Requirement]; c != 0 {
			return c
		}
		return strings.Compare(a.ChildID.String(), b.ChildID.String())
	})

	if counting == CountPerChild {
		best := map[uuid.UUID]int{} // child → index of its counted line
		for i, l := range lines {
			if l.ChildID == uuid.Nil {
				continue
			}
			j, ok := best[l.ChildID]
			if !ok {
				best[l.ChildID] = i
				continue
			}
			// Lines are in rule order, so on a tie the earlier requirement stays counted.
			if l.RuleAmount.GreaterThan(lines[j].RuleAmount) {
				best[l.ChildID] = i
			}
		}
		for i := range lines {
			l := &lines[i]
			if l.ChildID == uuid.Nil {
				continue
			}
			if j := best[l.ChildID]; j != i {
				l.Counted = false
				l.Amount = decimal.Decimal{}
				l.Explanation = fmt.Sprintf("%s：儿童 %s 已按 %s 扣减 %s 元，按“每名儿童只计一次”规则本项不再扣减",
					l.Requirement, l.ChildID, lines[j].Requirement, yuan(lines[j].RuleAmount))
			}
		}
	}

	rep := DeductionReport{Counting: counting, Cap: rules.Cap}
	totals := map[string]*RequirementTotal{}
	subtotal := decimal.Decimal{}
	for i := range lines {
		l := &lines[i]
		if l.Explanation == "" {
			l.Explanation = lineExplanation(*l)
		}
		if l.Clawback {
			rep.Clawback = true
		}
		t := totals[l.Requirement]
		if t == nil {
			t = &RequirementTotal{Requirement: l.Requirement}
			totals[l.Requirement] = t
		}
		t.Findings += l.Findings
		if l.Counted {
			t.Counted++
			t.Amount = t.Amount.Add(l.Amount)
			subtotal = subtotal.Add(l.Amount)
		}
	}
	rep.Lines = lines
	for _, r := range rules.Deductions {
		if t := totals[r.Requirement]; t != nil {
			rep.ByRequirement = append(rep.ByRequirement, *t)
			rep.Explanations = append(rep.Explanations, fmt.Sprintf("%s：发现 %d 项，计 %d 项，每项 %s 元，合计 %s 元",
				t.Requirement, t.Findings, t.Counted, yuan(r.Amount), yuan(t.Amount)))
		}
	}
	rep.Subtotal = subtotal.Round(2)
	rep.Total = rep.Subtotal
	if rules.Cap.IsPositive() && rep.Subtotal.GreaterThan(rules.Cap) {
		rep.Capped = true
		rep.Total = rules.Cap.Round(2)
		rep.Explanations = append(rep.Explanations, fmt.Sprintf("扣款合计 %s 元超过上限 %s 元，按上限扣减", yuan(rep.Subtotal), yuan(rep.Total)))
	}
	if rep.Clawback {
		rep.Explanations = append(rep.Explanations, "存在追回条款适用情形（AC-6）：采购人可追回已支付的全部款项、解除合同并追究法律责任")
	}
	rep.Explanations = append(rep.Explanations, fmt.Sprintf("扣款总额 %s 元（计数规则：%s）", yuan(rep.Total), countingChinese(counting)))
	return rep, nil
}

func lineExplanation(l DeductionLine) string {
	who := "（非针对特定儿童）"
	if l.ChildID != uuid.Nil {
		who = "儿童 " + l.ChildID.String()
	}
	s := fmt.Sprintf("%s：%s，发现 %d 项，扣减 %s 元", l.Requirement, who, l.Findings, yuan(l.Amount))
	if l.Findings > 1 {
		s += "（同一儿童同一类别只计一次）"
	}
	if l.Clawback {
		s += "；适用追回条款"
	}
	return s
}

func countingChinese(c string) string {
	if c == CountPerChild {
		return "每名儿童只计一次，取最高金额"
	}
	return "每名儿童每类各计一次"
}

// yuan formats an amount with two decimals (fen).
func yuan(d decimal.Decimal) string { return d.StringFixed(2) }
