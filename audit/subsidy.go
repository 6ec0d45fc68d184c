package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// SubsidyRules set child directors' transport and communication subsidies (儿童主任交通
// 通讯补贴, TM-2): "set by their number and the quality of their work". The seed gives no
// figures, so the defaults are placeholders for the purchaser to set. These rules belong
// in the welfare.Programme (as Programme.Subsidies) next to the other numbers; until the
// programme carries them they live here.
type SubsidyRules struct {
	// Base is paid to every active child director (by their number).
	Base decimal.Decimal `json:"base"`
	// PerVerifiedVisit is paid per verified visit: a completed visit by the director in
	// the programme period that no confirmed quality signal implicates.
	PerVerifiedVisit decimal.Decimal `json:"per_verified_visit"`
	// PerConfirmedSignal is subtracted per confirmed quality signal on the director's
	// visits (AC-3 quality).
	PerConfirmedSignal decimal.Decimal `json:"per_confirmed_signal"`
	// Cap per director; zero: none. The amount is never below zero.
	Cap decimal.Decimal `json:"cap"`
}

// DefaultSubsidyRules are placeholders (the seed sets no figures): 100 yuan per
// director, 1 yuan per verified visit, minus 50 yuan per confirmed signal, capped at
// 500 yuan per director.
func DefaultSubsidyRules() SubsidyRules {
	return SubsidyRules{Base: decimal.NewFromInt(100), PerVerifiedVisit: decimal.NewFromInt(1),
		PerConfirmedSignal: decimal.NewFromInt(50), Cap: decimal.NewFromInt(500)}
}

// DirectorWork is one child director's work in the period.
type DirectorWork struct {
	StaffID   uuid.UUID   `json:"staff_id"`
	Completed []uuid.UUID `json:"-"` // completed visits in the period
}

// Subsidy is one director's subsidy with how it was computed.
type Subsidy struct {
	StaffID          uuid.UUID       `json:"staff_id"`
	Completed        int             `json:"completed"`
	VerifiedVisits   int             `json:"verified_visits"`
	ConfirmedSignals int             `json:"confirmed_signals"`
	Amount           decimal.Decimal `json:"amount"` // yuan, to the fen
	Capped           bool            `json:"capped,omitempty"`
	Explanation      string          `json:"explanation"` // Chinese
}

// SubsidyReport is the TM-2 subsidy list.
type SubsidyReport struct {
	Rules     SubsidyRules    `json:"rules"`
	Directors int             `json:"directors"`
	Total     decimal.Decimal `json:"total"`
	Subsidies []Subsidy       `json:"subsidies"` // by staff ID
}

// Subsidies computes each director's subsidy: Base + PerVerifiedVisit × verified visits
// − PerConfirmedSignal × confirmed signals on the director's visits, not below zero, at
// most Cap, rounded half away from zero to the fen. confirmed are the signals the
// auditor confirmed (a signal counts against the worker it names, and its visits are not
// verified).
func Subsidies(rules SubsidyRules, directors []DirectorWork, confirmed []QualitySignal) (SubsidyReport, error) {
	if rules.Base.IsNegative() || rules.PerVerifiedVisit.IsNegative() || rules.PerConfirmedSignal.IsNegative() || rules.Cap.IsNegative() {
		return SubsidyReport{}, fmt.Errorf("audit: subsidy rules must not be negative")
	}
	bad := map[uuid.UUID]bool{}
	signals := map[uuid.UUID]int{}
	for _, s := range confirmed {
		signals[s.WorkerID]++
		for _, v := range s.VisitIDs {
			bad[v] = true
		}
	}
	rep := SubsidyReport{Rules: rules, Directors: len(directors)}
	for _, d := range directors {
		s := Subsidy{StaffID: d.StaffID, Completed: len(d.Completed), ConfirmedSignals: signals[d.StaffID]}
		for _, v := range d.Completed {
			if !bad[v] {
				s.VerifiedVisits++
			}
		}
		amt := rules.Base.Add(rules.PerVerifiedVisit.Mul(decimal.NewFromInt(int64(s.VerifiedVisits)))).
			Sub(rules.PerConfirmedSignal.Mul(decimal.NewFromInt(int64(s.ConfirmedSignals))))
		amt = decimal.Max(amt, decimal.Zero)
		if rules.Cap.IsPositive() && amt.GreaterThan(rules.Cap) {
			amt, s.Capped = rules.Cap, true
		}
		s.Amount = amt.Round(2)
		var b strings.Builder
		fmt.Fprintf(&b, "基础 %s + 核实探访 %d 次 × %s", yuan(rules.Base), s.VerifiedVisits, yuan(rules.PerVerifiedVisit))
		if s.ConfirmedSignals > 0 {
			fmt.Fprintf(&b, " − 核实质量问题 %d 项 × %s", s.ConfirmedSignals, yuan(rules.PerConfirmedSignal))
		}
		if s.Capped {
			fmt.Fprintf(&b, "，超过上限按 %s", yuan(rules.Cap))
		}
		fmt.Fprintf(&b, " = %s 元", yuan(s.Amount))
		s.Explanation = b.String()
		rep.Total = rep.Total.Add(s.Amount)
		rep.Subsidies = append(rep.Subsidies, s)
	}
	slices.SortFunc(rep.Subsidies, func(a, b Subsidy) int { return strings.Compare(a.StaffID.String(), b.StaffID.String()) })
	return rep, nil
}
