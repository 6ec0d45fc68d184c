package audit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// ErrOverBudget reports a contract amount above the programme's budget (SC-3).
var ErrOverBudget = errors.New("audit: contract amount exceeds the budget")

// ErrBadContract reports a contract or payment rules that cannot be scheduled.
var ErrBadContract = errors.New("audit: bad contract")

// Payment triggers (welfare.PaymentPart.Trigger).
const (
	TriggerEffectiveAndInvoice = "effective_and_invoice"
	TriggerAcceptance          = "acceptance"
)

// DocumentKind is a document the provider submits before the final payment (PY-3).
type DocumentKind string

// PY-3 documents.
const (
	DocStageReport DocumentKind = "stage_report"         // 阶段性报告
	DocTaskList    DocumentKind = "task_completion_list" // 任务完成清单
	DocInvoice     DocumentKind = "invoice"              // 发票 (of the same amount, PY-1)
	DocArchive     DocumentKind = "archive_materials"    // 按时间顺序装订的照片及档案资料
)

// PY3Documents lists the documents PY-3 requires before the final payment.
func PY3Documents() []DocumentKind {
	return []DocumentKind{DocStageReport, DocTaskList, DocInvoice, DocArchive}
}

// Chinese returns the document's name in generated documents.
func (k DocumentKind) Chinese() string {
	switch k {
	case DocStageReport:
		return "阶段性报告"
	case DocTaskList:
		return "任务完成清单"
	case DocInvoice:
		return "发票"
	case DocArchive:
		return "按时间顺序装订的照片及档案资料"
	}
	return string(k)
}

// PaidPart records a payment the purchaser has made.
type PaidPart struct {
	Part   string          `json:"part"` // the PaymentPart's name
	Amount decimal.Decimal `json:"amount"`
	On     welfare.Date    `json:"on"`
}

// Contract is the service contract's payment facts (合同与支付事实).
type Contract struct {
	Amount    decimal.Decimal `json:"amount"`    // yuan, whole fen, ≤ the programme's budget
	Effective welfare.Date    `json:"effective"` // the day the contract takes effect
	// InvoiceReceived: the day the purchaser received the compliant invoice for the first
	// payment (PY-1, PY-2); zero if not yet.
	InvoiceReceived welfare.Date `json:"invoice_received"`
	// Acceptance: the day the purchaser accepted the work (验收通过); zero if not yet.
	Acceptance welfare.Date `json:"acceptance"`
	// Documents: the day each PY-3 document was received.
	Documents map[DocumentKind]welfare.Date `json:"documents"`
	Paid      []PaidPart                    `json:"paid,omitempty"`
}

// ScheduleOptions tune Schedule. The zero value requires the PY-3 documents.
type ScheduleOptions struct {
	// RequiredDocuments before an acceptance-triggered payment; nil means PY3Documents().
	// An empty non-nil slice requires none.
	RequiredDocuments []DocumentKind
}

// DocumentStatus is one required document and when it was received.
type DocumentStatus struct {
	Kind     DocumentKind `json:"kind"`
	Name     string       `json:"name"`     // Chinese
	Received welfare.Date `json:"received"` // zero: not received
}

// PaymentDue is one instalment of the schedule.
type PaymentDue struct {
	Name    string          `json:"name"`
	Trigger string          `json:"trigger"`
	Share   decimal.Decimal `json:"share"`
	// Gross is the part's share of the contract (see Schedule for the rounding).
	Gross decimal.Decimal `json:"gross"`
	// Deduction taken from this part (zero unless DeductionsApply).
	Deduction decimal.Decimal `json:"deduction"`
	// Amount payable: Gross − Deduction, never below zero; zero when withheld.
	Amount decimal.Decimal `json:"amount"`
	// TriggerDate: the day the part became payable (zero while pending).
	TriggerDate welfare.Date `json:"trigger_date"`
	// DueDate: the last day to pay in time, AddWorkingDays(TriggerDate, DueWorkingDays)
	// (zero while pending).
	DueDate  welfare.Date    `json:"due_date"`
	Ready    bool            `json:"ready"`             // triggered and not withheld
	Pending  []string        `json:"pending,omitempty"` // Chinese reasons it is not yet payable
	Missing  []DocumentKind  `json:"missing,omitempty"` // required documents not received
	Withheld bool            `json:"withheld,omitempty"`
	Paid     decimal.Decimal `json:"paid"` // recorded payments of this part
}

// PaymentSchedule is the payment plan of a contract after acceptance (支付计划).
type PaymentSchedule struct {
	ContractTotal decimal.Decimal  `json:"contract_total"`
	Budget        decimal.Decimal  `json:"budget"`
	Parts         []PaymentDue     `json:"parts"`
	Documents     []DocumentStatus `json:"documents"`
	// Deductions is the deduction report's total; DeductionsApplied the part of it taken
	// from payments; OwedByProvider the rest, which the provider owes the purchaser.
	Deductions        decimal.Decimal `json:"deductions"`
	DeductionsApplied decimal.Decimal `json:"deductions_applied"`
	OwedByProvider    decimal.Decimal `json:"owed_by_provider"`
	// Clawback (AC-6): every unpaid part is withheld and everything paid (Recoverable) may
	// be recovered; the purchaser may also terminate the contract.
	Clawback     bool            `json:"clawback"`
	Recoverable  decimal.Decimal `json:"recoverable"`
	Explanations []string        `json:"explanations"` // Chinese
}

// Part returns the named part.
func (s *PaymentSchedule) Part(name string) (PaymentDue, bool) {
	for _, p := range s.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return PaymentDue{}, false
}

// Schedule computes the payment schedule of contract c under programme p's payment rules
// and budget, with the deductions of ded, counting working days with cal.
//
// Allocation (PY-1..PY-3): each part but the last gets contract × share rounded half away
// from zero to the fen (0.01 yuan); the last part gets the remainder, so the parts always
// sum exactly to the contract amount. E.g. 249,999.99 at 30%/70%: 74,999.997 → 75,000.00
// and 174,999.99.
//
// Due dates: a part triggered by "effective_and_invoice" becomes payable on the later of
// the contract's effective day and the invoice's receipt (PY-2); one triggered by
// "acceptance" on the later of the acceptance day and the receipt of the last required
// document (PY-3: stage report, task-completion list, invoice, photo and archive
// materials bound in time order) — it stays pending until all are in. The due date is
// cal.AddWorkingDays(trigger day, DueWorkingDays): "within 10 working days after" means
// on or before the 10th working day after the trigger day (see [Calendar.AddWorkingDays]).
//
// Deductions (ded.Total) are taken from the parts with DeductionsApply, in order, each
// never below zero; what remains is OwedByProvider. With a clawback (ded.Clawback, AC-6)
// every part not fully paid is withheld (amount zero) and Recoverable is everything paid.
//
// The contract amount must be positive, in whole fen and at most the budget
// ([ErrOverBudget]); the shares must sum to 1.
func Schedule(p *welfare.Programme, c Contract, ded DeductionReport, cal *Calendar, opts ScheduleOptions) (*PaymentSchedule, error) {
	if cal == nil {
		return nil, fmt.Errorf("%w: no calendar", ErrBadContract)
	}
	amount := c.Amount
	switch {
	case !amount.IsPositive():
		return nil, fmt.Errorf("%w: contract amount %s must be positive", ErrBadContract, amount)
	case !amount.Equal(amount.Round(2)):
		return nil, fmt.Errorf("%w: contract amount %s is not in whole fen", ErrBadContract, amount)
	case amount.GreaterThan(p.Budget):
		return nil, fmt.Errorf("%w: %s > %s yuan", ErrOverBudget, yuan(amount), yuan(p.Budget))
	}
	parts := p.Payment.Parts
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no payment parts", ErrBadContract)
	}
	sum := decimal.Decimal{}
	for _, part := range parts {
		if part.Share.IsNegative() {
			return nil, fmt.Errorf("%w: part %q has a negative share", ErrBadContract, part.Name)
		}
		if part.Trigger != TriggerEffectiveAndInvoice && part.Trigger != TriggerAcceptance {
			return nil, fmt.Errorf("%w: part %q has unknown trigger %q", ErrBadContract, part.Name, part.Trigger)
		}
		if part.DueWorkingDays < 0 {
			return nil, fmt.Errorf("%w: part %q has negative working days", ErrBadContract, part.Name)
		}
		sum = sum.Add(part.Share)
	}
	if !sum.Equal(decimal.NewFromInt(1)) {
		return nil, fmt.Errorf("%w: payment shares sum to %s, not 1", ErrBadContract, sum)
	}
	if ded.Total.IsNegative() {
		return nil, fmt.Errorf("%w: negative deductions", ErrBadContract)
	}
	paid := map[string]decimal.Decimal{}
	for _, pp := range c.Paid {
		if !slices.ContainsFunc(parts, func(x welfare.PaymentPart) bool { return x.Name == pp.Part }) {
			return nil, fmt.Errorf("%w: payment of unknown part %q", ErrBadContract, pp.Part)
		}
		if pp.Amount.IsNegative() {
			return nil, fmt.Errorf("%w: negative payment of %q", ErrBadContract, pp.Part)
		}
		paid[pp.Part] = paid[pp.Part].Add(pp.Amount)
	}

	required := opts.RequiredDocuments
	if required == nil {
		required = PY3Documents()
	}
	s := &PaymentSchedule{ContractTotal: amount, Budget: p.Budget, Deductions: ded.Total, Clawback: ded.Clawback}
	var lastDoc welfare.Date
	var missing []DocumentKind
	for _, k := range required {
		got := c.Documents[k]
		s.Documents = append(s.Documents, DocumentStatus{Kind: k, Name: k.Chinese(), Received: got})
		if got.IsZero() {
			missing = append(missing, k)
		} else if got.After(lastDoc) {
			lastDoc = got
		}
	}

	allocated := decimal.Decimal{}
	remaining := ded.Total
	for i, part := range parts {
		d := PaymentDue{Name: part.Name, Trigger: part.Trigger, Share: part.Share, Paid: paid[part.Name]}
		if i < len(parts)-1 {
			d.Gross = amount.Mul(part.Share).Round(2)
		} else {
			d.Gross = amount.Sub(allocated)
		}
		if d.Gross.IsNegative() {
			return nil, fmt.Errorf("%w: shares leave part %q negative after rounding", ErrBadContract, part.Name)
		}
		allocated = allocated.Add(d.Gross)
		d.Amount = d.Gross
		if part.DeductionsApply && remaining.IsPositive() {
			d.Deduction = decimal.Min(remaining, d.Gross)
			d.Amount = d.Gross.Sub(d.Deduction)
			remaining = remaining.Sub(d.Deduction)
			s.DeductionsApplied = s.DeductionsApplied.Add(d.Deduction)
		}

		var trigger welfare.Date
		switch part.Trigger {
		case TriggerEffectiveAndInvoice:
			if c.Effective.IsZero() {
				d.Pending = append(d.Pending, "合同尚未生效")
			}
			if c.InvoiceReceived.IsZero() {
				d.Pending = append(d.Pending, "尚未收到发票")
			}
			trigger = later(c.Effective, c.InvoiceReceived)
		case TriggerAcceptance:
			if c.Acceptance.IsZero() {
				d.Pending = append(d.Pending, "尚未验收")
			}
			for _, k := range missing {
				d.Missing = append(d.Missing, k)
				d.Pending = append(d.Pending, "未提交"+k.Chinese())
			}
			trigger = later(c.Acceptance, lastDoc)
		}
		if len(d.Pending) == 0 {
			due, err := cal.AddWorkingDays(trigger, part.DueWorkingDays)
			if err != nil {
				return nil, fmt.Errorf("audit: due date of %q: %w", part.Name, err)
			}
			d.TriggerDate, d.DueDate, d.Ready = trigger, due, true
		}
		if s.Clawback && d.Paid.LessThan(d.Amount) {
			d.Withheld, d.Ready = true, false
			d.Amount = decimal.Decimal{}
			d.Pending = append(d.Pending, "适用追回条款（AC-6），暂停支付")
		}
		s.Parts = append(s.Parts, d)
	}
	s.OwedByProvider = remaining
	if s.Clawback {
		for _, v := range paid {
			s.Recoverable = s.Recoverable.Add(v)
		}
	}
	s.explain()
	return s, nil
}

func later(a, b welfare.Date) welfare.Date {
	if a.After(b) {
		return a
	}
	return b
}

func (s *PaymentSchedule) explain() {
	s.Explanations = append(s.Explanations, fmt.Sprintf("合同金额 %s 元（预算上限 %s 元）", yuan(s.ContractTotal), yuan(s.Budget)))
	for _, d := range s.Parts {
		line := fmt.Sprintf("%s：按 %s 计 %s 元", d.Name, d.Share.String(), yuan(d.Gross))
		if d.Deduction.IsPositive() {
			line += fmt.Sprintf("，扣减 %s 元", yuan(d.Deduction))
		}
		line += fmt.Sprintf("，应付 %s 元", yuan(d.Amount))
		if d.Ready {
			line += fmt.Sprintf("，%s 起可付，最迟 %s 支付", d.TriggerDate, d.DueDate)
		} else {
			line += "，暂不支付：" + joinChinese(d.Pending)
		}
		s.Explanations = append(s.Explanations, line)
	}
	if s.OwedByProvider.IsPositive() {
		s.Explanations = append(s.Explanations, fmt.Sprintf("扣款超出可扣金额 %s 元，由服务单位退还采购人", yuan(s.OwedByProvider)))
	}
	if s.Clawback {
		s.Explanations = append(s.Explanations, fmt.Sprintf("适用追回条款（AC-6）：可追回已支付款项 %s 元", yuan(s.Recoverable)))
	}
}

func joinChinese(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "、"
		}
		out += p
	}
	return out
}
