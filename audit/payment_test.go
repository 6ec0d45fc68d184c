package audit

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func allDocs(on string) map[DocumentKind]welfare.Date {
	m := map[DocumentKind]welfare.Date{}
	for _, k := range PY3Documents() {
		m[k] = day(on)
	}
	return m
}

func deductions(t *testing.T, n int) DeductionReport {
	var fs []Finding
	for i := 1; i <= n; i++ {
		fs = append(fs, find("AC-2", i))
	}
	rep, err := Deductions(fs, welfare.Nanchang2025().Acceptance)
	require.NoError(t, err)
	return rep
}

func TestSchedule(t *testing.T) {
	p := welfare.Nanchang2025()
	cal := NewCalendar()
	for _, tc := range []struct {
		name                string
		amount              string
		effective, invoice  string
		accepted            string
		docs                map[DocumentKind]welfare.Date
		findings            int
		first, second       string
		firstDue, secondDue string
		owed                string
		secondReady         bool
	}{
		{name: "no findings", amount: "250000", effective: "2025-03-03", invoice: "2025-03-05", accepted: "2025-12-10", docs: allDocs("2025-12-05"),
			first: "75000.00", second: "175000.00", firstDue: "2025-03-19", secondDue: "2025-12-10", owed: "0.00", secondReady: true},
		{name: "national day inside the 10 working days", amount: "250000", effective: "2025-09-20", invoice: "2025-09-26",
			first: "75000.00", second: "175000.00", firstDue: "2025-10-16", owed: "0.00"},
		{name: "invoice before effective", amount: "250000", effective: "2025-09-26", invoice: "2025-09-01",
			first: "75000.00", second: "175000.00", firstDue: "2025-10-16", owed: "0.00"},
		{name: "rounding to the fen", amount: "249999.99", effective: "2025-03-03", invoice: "2025-03-03",
			first: "75000.00", second: "174999.99", firstDue: "2025-03-17", owed: "0.00"},
		{name: "deductions", amount: "200000", effective: "2025-03-03", invoice: "2025-03-03", accepted: "2025-12-10", docs: allDocs("2025-12-12"),
			findings: 3, first: "60000.00", second: "138500.00", firstDue: "2025-03-17", secondDue: "2025-12-12", owed: "0.00", secondReady: true},
		{name: "deductions above the second part", amount: "1000", effective: "2025-03-03", invoice: "2025-03-03", accepted: "2025-12-10", docs: allDocs("2025-12-01"),
			findings: 3, first: "300.00", second: "0.00", firstDue: "2025-03-17", secondDue: "2025-12-10", owed: "800.00", secondReady: true},
		{name: "documents missing", amount: "250000", effective: "2025-03-03", invoice: "2025-03-03", accepted: "2025-12-10",
			docs: map[DocumentKind]welfare.Date{DocInvoice: day("2025-12-01")}, first: "75000.00", second: "175000.00", firstDue: "2025-03-17", owed: "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Contract{Amount: dec(tc.amount), Effective: day(tc.effective), InvoiceReceived: day(tc.invoice), Documents: tc.docs}
			if tc.accepted != "" {
				c.Acceptance = day(tc.accepted)
			}
			s, err := Schedule(p, c, deductions(t, tc.findings), cal, ScheduleOptions{})
			require.NoError(t, err)
			first, _ := s.Part("first")
			second, _ := s.Part("second")
			assert.Equal(t, tc.first, first.Amount.StringFixed(2))
			assert.Equal(t, tc.second, second.Amount.StringFixed(2))
			assert.True(t, first.Gross.Add(second.Gross).Equal(c.Amount), "parts sum to the contract")
			assert.Equal(t, tc.firstDue, first.DueDate.String())
			assert.Equal(t, tc.secondDue, second.DueDate.String())
			assert.Equal(t, tc.secondReady, second.Ready)
			assert.Equal(t, tc.owed, s.OwedByProvider.StringFixed(2))
			assert.True(t, second.Amount.LessThanOrEqual(second.Gross))
			assert.False(t, second.Amount.IsNegative())
			if !tc.secondReady {
				assert.NotEmpty(t, second.Pending)
			}
		})
	}
}

func TestScheduleAllocationAlwaysSums(t *testing.T) {
	p := welfare.Nanchang2025()
	p.Payment.Parts = []welfare.PaymentPart{
		{Name: "a", Share: dec("0.333"), Trigger: "effective_and_invoice"},
		{Name: "b", Share: dec("0.333"), Trigger: "effective_and_invoice"},
		{Name: "c", Share: dec("0.334"), Trigger: "acceptance", DeductionsApply: true},
	}
	for _, a := range []string{"0.01", "0.05", "1.00", "99.99", "100000.01", "249999.99", "250000"} {
		s, err := Schedule(p, Contract{Amount: dec(a)}, DeductionReport{}, NewCalendar(), ScheduleOptions{})
		require.NoError(t, err)
		sum := s.Parts[0].Gross.Add(s.Parts[1].Gross).Add(s.Parts[2].Gross)
		assert.True(t, sum.Equal(dec(a)), "%s: %s", a, sum)
		for _, part := range s.Parts {
			assert.Equal(t, int32(-2), part.Gross.Round(2).Exponent())
			assert.True(t, part.Gross.Equal(part.Gross.Round(2)))
			assert.False(t, part.Ready, "pending without dates")
		}
	}
}

func TestScheduleClawback(t *testing.T) {
	p := welfare.Nanchang2025()
	rep, err := Deductions([]Finding{find("AC-6", 7)}, p.Acceptance)
	require.NoError(t, err)
	c := Contract{Amount: dec("250000"), Effective: day("2025-03-03"), InvoiceReceived: day("2025-03-03"),
		Acceptance: day("2025-12-10"), Documents: allDocs("2025-12-01"),
		Paid: []PaidPart{{Part: "first", Amount: dec("75000"), On: day("2025-03-10")}}}
	s, err := Schedule(p, c, rep, NewCalendar(), ScheduleOptions{})
	require.NoError(t, err)
	assert.True(t, s.Clawback)
	assert.Equal(t, "75000.00", s.Recoverable.StringFixed(2))
	second, _ := s.Part("second")
	assert.True(t, second.Withheld)
	assert.False(t, second.Ready)
	assert.True(t, second.Amount.IsZero())
	first, _ := s.Part("first")
	assert.False(t, first.Withheld, "already paid")
}

func TestScheduleErrors(t *testing.T) {
	p := welfare.Nanchang2025()
	cal := NewCalendar()
	for name, c := range map[string]Contract{
		"over budget":  {Amount: dec("250000.01")},
		"zero":         {Amount: dec("0")},
		"sub-fen":      {Amount: dec("100.001")},
		"unknown paid": {Amount: dec("100"), Paid: []PaidPart{{Part: "third", Amount: dec("1")}}},
	} {
		_, err := Schedule(p, c, DeductionReport{}, cal, ScheduleOptions{})
		require.Error(t, err, name)
	}
	_, err := Schedule(p, Contract{Amount: dec("250000.01")}, DeductionReport{}, cal, ScheduleOptions{})
	require.ErrorIs(t, err, ErrOverBudget)
	q := welfare.Nanchang2025()
	q.Payment.Parts[1].Share = dec("0.6")
	_, err = Schedule(q, Contract{Amount: dec("100")}, DeductionReport{}, cal, ScheduleOptions{})
	require.ErrorIs(t, err, ErrBadContract)
	// A year the calendar does not know.
	_, err = Schedule(p, Contract{Amount: dec("100"), Effective: day("2101-01-03"), InvoiceReceived: day("2101-01-03")}, DeductionReport{}, cal, ScheduleOptions{})
	require.ErrorIs(t, err, ErrUnknownYear)
}

func ExampleSchedule() {
	p := welfare.Nanchang2025()
	findings := []Finding{
		{Requirement: "AC-2", ChildID: testID(1), RuleID: "visit/VS-3", Explanation: "抽查儿童探访次数不足"},
		{Requirement: "AC-5", ChildID: testID(2), RuleID: "key/disability", Explanation: "符合条件但未建台账"},
	}
	ded, _ := Deductions(findings, p.Acceptance)
	d := func(s string) welfare.Date { v, _ := welfare.ParseDate(s); return v }
	c := Contract{
		Amount: dec("249999.99"), Effective: d("2025-09-20"), InvoiceReceived: d("2025-09-26"),
		Acceptance: d("2025-12-10"),
		Documents: map[DocumentKind]welfare.Date{DocStageReport: d("2025-12-01"), DocTaskList: d("2025-12-01"),
			DocInvoice: d("2025-12-11"), DocArchive: d("2025-12-01")},
	}
	s, _ := Schedule(p, c, ded, NewCalendar(), ScheduleOptions{})
	fmt.Println("deductions:", ded.Total.StringFixed(2))
	for _, part := range s.Parts {
		fmt.Println(part.Name, part.Gross.StringFixed(2), part.Amount.StringFixed(2), part.DueDate)
	}
	// Output:
	// deductions: 1000.00
	// first 75000.00 75000.00 2025-10-16
	// second 174999.99 173999.99 2025-12-11
}
