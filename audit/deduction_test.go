package audit

import (
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func find(req string, child int) Finding {
	f := Finding{Requirement: req, RuleID: "rule/" + req, Explanation: "测试"}
	if child > 0 {
		f.ChildID = testID(child)
	}
	return f
}

func TestDeductions(t *testing.T) {
	rules := welfare.Nanchang2025().Acceptance
	for _, tc := range []struct {
		name     string
		counting string
		cap      string
		findings []Finding
		total    string
		subtotal string
		lines    int
		counted  map[string]int
		clawback bool
	}{
		{name: "none", total: "0.00", subtotal: "0.00"},
		{name: "one per kind", findings: []Finding{find("AC-2", 1), find("AC-3", 2), find("AC-4", 3), find("AC-5", 4)},
			total: "2000.00", subtotal: "2000.00", lines: 4, counted: map[string]int{"AC-2": 1, "AC-3": 1, "AC-4": 1, "AC-5": 1}},
		{name: "same child same kind counts once", findings: []Finding{find("AC-3", 1), find("AC-3", 1), find("AC-3", 2)},
			total: "1000.00", subtotal: "1000.00", lines: 2, counted: map[string]int{"AC-3": 2}},
		{name: "child in several kinds, per kind", findings: []Finding{find("AC-2", 1), find("AC-3", 1), find("AC-5", 1)},
			total: "1500.00", subtotal: "1500.00", lines: 3, counted: map[string]int{"AC-2": 1, "AC-3": 1, "AC-5": 1}},
		{name: "child in several kinds, per child", counting: "per_child", findings: []Finding{find("AC-2", 1), find("AC-3", 1), find("AC-5", 1), find("AC-4", 2)},
			total: "1000.00", subtotal: "1000.00", lines: 4, counted: map[string]int{"AC-2": 1, "AC-3": 0, "AC-5": 0, "AC-4": 1}},
		{name: "child-less findings each count", findings: []Finding{find("AC-3", 0), find("AC-3", 0)},
			total: "1000.00", subtotal: "1000.00", lines: 2, counted: map[string]int{"AC-3": 2}},
		{name: "cap", cap: "1200", findings: []Finding{find("AC-2", 1), find("AC-2", 2), find("AC-2", 3)},
			total: "1200.00", subtotal: "1500.00", lines: 3, counted: map[string]int{"AC-2": 3}},
		{name: "clawback", findings: []Finding{find("AC-6", 1), find("AC-2", 1)},
			total: "500.00", subtotal: "500.00", lines: 2, counted: map[string]int{"AC-2": 1, "AC-6": 1}, clawback: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rules
			r.Counting = tc.counting
			if tc.cap != "" {
				r.Cap = dec(tc.cap)
			}
			rep, err := Deductions(tc.findings, r)
			require.NoError(t, err)
			assert.Equal(t, tc.total, rep.Total.StringFixed(2))
			assert.Equal(t, tc.subtotal, rep.Subtotal.StringFixed(2))
			assert.Len(t, rep.Lines, tc.lines)
			assert.Equal(t, tc.clawback, rep.Clawback)
			assert.Equal(t, tc.cap != "" && tc.total != tc.subtotal, rep.Capped)
			got := map[string]int{}
			sum := decimal.Decimal{}
			for _, bt := range rep.ByRequirement {
				got[bt.Requirement] = bt.Counted
				sum = sum.Add(bt.Amount)
			}
			if tc.counted == nil {
				tc.counted = map[string]int{}
			}
			assert.Equal(t, tc.counted, got)
			assert.True(t, sum.Equal(rep.Subtotal))
			for _, l := range rep.Lines {
				assert.NotEmpty(t, l.Explanation)
				if !l.Counted {
					assert.True(t, l.Amount.IsZero())
					assert.Contains(t, l.Explanation, "不再扣减")
				}
			}
			assert.NotEmpty(t, rep.Explanations)
		})
	}
}

func TestDeductionsPerChildHighestAmount(t *testing.T) {
	r := welfare.AcceptanceRules{Counting: "per_child", Deductions: []welfare.DeductionRule{
		{Requirement: "AC-2", Amount: dec("300")}, {Requirement: "AC-3", Amount: dec("800")}, {Requirement: "AC-5", Amount: dec("800")},
	}}
	rep, err := Deductions([]Finding{find("AC-2", 1), find("AC-5", 1), find("AC-3", 1)}, r)
	require.NoError(t, err)
	assert.Equal(t, "800.00", rep.Total.StringFixed(2))
	for _, l := range rep.Lines {
		assert.Equal(t, l.Requirement == "AC-3", l.Counted, "tie goes to the earlier rule: %s", l.Requirement)
	}
}

func TestDeductionsErrors(t *testing.T) {
	rules := welfare.Nanchang2025().Acceptance
	_, err := Deductions([]Finding{find("AC-9", 1)}, rules)
	require.ErrorIs(t, err, ErrNoRule)
	r := rules
	r.Counting = "per_family"
	_, err = Deductions(nil, r)
	require.Error(t, err)
	r = rules
	r.Cap = dec("-1")
	_, err = Deductions(nil, r)
	require.Error(t, err)
	r = rules
	r.Deductions = append(r.Deductions, welfare.DeductionRule{Requirement: "AC-2", Amount: dec("1")})
	_, err = Deductions(nil, r)
	require.Error(t, err)
	_ = uuid.Nil
}
