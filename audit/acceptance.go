package audit

import (
	"fmt"
	"slices"

	"github.com/childwelfare/liudong/welfare"
)

// Settlement is the money side of an acceptance (验收结算): the findings counted per kind,
// the deductions of the findings the programme has a rule for, and the payment
// schedule after them.
type Settlement struct {
	Counts []KindCount `json:"counts"`
	// Reported are findings with no deduction rule in the programme (e.g. AC-1 journal
	// findings under the Nanchang preset): shown to the purchaser, not deducted.
	Reported   []Finding        `json:"reported"`
	Deductions DeductionReport  `json:"deductions"`
	Schedule   *PaymentSchedule `json:"schedule"`
}

// Settle counts findings, computes the deductions of the deductible ones (Deductions)
// and the payment schedule of contract c (Schedule). findings is not modified.
func Settle(p *welfare.Programme, findings []Finding, c Contract, cal *Calendar, opts ScheduleOptions) (*Settlement, error) {
	fs := slices.Clone(findings)
	SortFindings(fs)
	ded, rep := SplitDeductible(fs, p.Acceptance)
	d, err := Deductions(ded, p.Acceptance)
	if err != nil {
		return nil, fmt.Errorf("audit: deductions: %w", err)
	}
	s, err := Schedule(p, c, d, cal, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: payment schedule: %w", err)
	}
	return &Settlement{Counts: CountFindings(fs, p.Acceptance), Reported: rep, Deductions: d, Schedule: s}, nil
}
