package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"sigs.k8s.io/yaml"

	"github.com/childwelfare/liudong/audit"
	"github.com/childwelfare/liudong/welfare"
)

// Dec is a decimal written as a string ("500", "249999.99"): scenario amounts and shares
// must be quoted so that no YAML or JSON number ever passes through a float.
type Dec struct{ decimal.Decimal }

// UnmarshalJSON accepts only a JSON string holding a decimal.
func (d *Dec) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("amount must be a quoted decimal string, got %s", truncate(string(b)))
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("bad decimal %q", truncate(s))
	}
	d.Decimal = v
	return nil
}

// MarshalJSON writes the decimal as a string.
func (d Dec) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Scenario is one deduction-and-payment case with its expected results.
type Scenario struct {
	Name        string                  `json:"name"`
	Description string                  `json:"description,omitempty"`
	Programme   ProgrammeSpec           `json:"programme"`
	Calendar    *audit.CalendarDocument `json:"calendar,omitempty"` // overrides for years lunar-go lacks
	Contract    ContractSpec            `json:"contract"`
	Findings    []FindingSpec           `json:"findings,omitempty"`
	Expect      Expect                  `json:"expect"`
}

// ProgrammeSpec is a preset with optional overrides of the acceptance and payment rules.
type ProgrammeSpec struct {
	Preset   string `json:"preset"` // "nanchang2025" (the default when empty)
	Budget   *Dec   `json:"budget,omitempty"`
	Counting string `json:"counting,omitempty"` // per_child_per_kind | per_child
	Cap      *Dec   `json:"cap,omitempty"`
	// Deductions replaces the preset's deduction rules when given.
	Deductions []DeductionSpec `json:"deductions,omitempty"`
	// Payment replaces the preset's payment parts when given.
	Payment []PartSpec `json:"payment,omitempty"`
}

// DeductionSpec is one deduction rule.
type DeductionSpec struct {
	Requirement string `json:"requirement"`
	Amount      Dec    `json:"amount"`
	Clawback    bool   `json:"clawback,omitempty"`
}

// PartSpec is one payment part.
type PartSpec struct {
	Name            string `json:"name"`
	Share           Dec    `json:"share"`
	Trigger         string `json:"trigger"`
	DueWorkingDays  int    `json:"due_working_days"`
	DeductionsApply bool   `json:"deductions_apply"`
}

// ContractSpec is the contract and its dates.
type ContractSpec struct {
	Amount     Dec                     `json:"amount"`
	Effective  welfare.Date            `json:"effective"`
	Invoice    welfare.Date            `json:"invoice"`    // first invoice received
	Acceptance welfare.Date            `json:"acceptance"` // empty: not yet accepted
	Documents  map[string]welfare.Date `json:"documents,omitempty"`
	Paid       []PaidSpec              `json:"paid,omitempty"`
}

// PaidSpec is a payment already made.
type PaidSpec struct {
	Part   string       `json:"part"`
	Amount Dec          `json:"amount"`
	Date   welfare.Date `json:"date"` // "on" would be a YAML 1.1 boolean key
}

// FindingSpec is a finding of a requirement about one child (by a key such as "c1"), or
// several children (Children), or none (no key: not child-specific).
type FindingSpec struct {
	Requirement string   `json:"requirement"`
	Child       string   `json:"child,omitempty"`
	Children    []string `json:"children,omitempty"`
}

// Expect holds the expected results; only what is given is checked.
type Expect struct {
	// Error: the scenario must fail with an error containing this text.
	Error          string            `json:"error,omitempty"`
	Deductions     *ExpectDeductions `json:"deductions,omitempty"`
	Payments       []ExpectPayment   `json:"payments,omitempty"`
	OwedByProvider *Dec              `json:"owed_by_provider,omitempty"`
	Recoverable    *Dec              `json:"recoverable,omitempty"`
	Clawback       *bool             `json:"clawback,omitempty"`
}

// ExpectDeductions are the expected deduction figures.
type ExpectDeductions struct {
	Total         Dec            `json:"total"`
	Subtotal      *Dec           `json:"subtotal,omitempty"`
	Capped        *bool          `json:"capped,omitempty"`
	ByRequirement map[string]Dec `json:"by_requirement,omitempty"` // amount per requirement
	Counted       map[string]int `json:"counted,omitempty"`        // counted lines per requirement
}

// ExpectPayment is one expected payment part.
type ExpectPayment struct {
	Name      string        `json:"name"`
	Amount    Dec           `json:"amount"`
	Gross     *Dec          `json:"gross,omitempty"`
	Deduction *Dec          `json:"deduction,omitempty"`
	Due       *welfare.Date `json:"due,omitempty"`
	Ready     *bool         `json:"ready,omitempty"`
}

// DecodeScenario decodes a scenario from JSON or YAML (detected from the content),
// rejecting unknown fields and unquoted amounts; errors name the field.
func DecodeScenario(data []byte) (*Scenario, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("yaml: %s", firstLine(err.Error()))
		}
		data = j
	}
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return nil, fmt.Errorf("field %q: want %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
		case errors.As(err, &syntaxErr):
			return nil, fmt.Errorf("syntax error at offset %d", syntaxErr.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return nil, fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	if dec.More() {
		return nil, errors.New("trailing data after the scenario")
	}
	if s.Name == "" {
		return nil, errors.New(`field "name": required`)
	}
	for i, f := range s.Findings {
		if f.Requirement == "" {
			return nil, fmt.Errorf(`field "findings[%d].requirement": required`, i)
		}
		if f.Child != "" && len(f.Children) > 0 {
			return nil, fmt.Errorf(`field "findings[%d]": give child or children, not both`, i)
		}
	}
	for k := range s.Contract.Documents {
		if !slices.Contains(audit.PY3Documents(), audit.DocumentKind(k)) {
			return nil, fmt.Errorf(`field "contract.documents.%s": unknown document (want one of stage_report, task_completion_list, invoice, archive_materials)`, truncate(k))
		}
	}
	return &s, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// programme builds the scenario's programme and validates it.
func (s *Scenario) programme() (*welfare.Programme, error) {
	var p *welfare.Programme
	switch s.Programme.Preset {
	case "", "nanchang2025":
		p = welfare.Nanchang2025()
	default:
		return nil, fmt.Errorf(`field "programme.preset": unknown preset %q (want nanchang2025)`, s.Programme.Preset)
	}
	ps := s.Programme
	if ps.Budget != nil {
		p.Budget = ps.Budget.Decimal
	}
	if ps.Counting != "" {
		p.Acceptance.Counting = ps.Counting
	}
	if ps.Cap != nil {
		p.Acceptance.Cap = ps.Cap.Decimal
	}
	if ps.Deductions != nil {
		p.Acceptance.Deductions = nil
		for _, d := range ps.Deductions {
			p.Acceptance.Deductions = append(p.Acceptance.Deductions, welfare.DeductionRule{
				Requirement: d.Requirement, Amount: d.Amount.Decimal, Clawback: d.Clawback})
		}
	}
	if ps.Payment != nil {
		p.Payment.Parts = nil
		for _, part := range ps.Payment {
			p.Payment.Parts = append(p.Payment.Parts, welfare.PaymentPart{Name: part.Name, Share: part.Share.Decimal,
				Trigger: part.Trigger, DueWorkingDays: part.DueWorkingDays, DeductionsApply: part.DeductionsApply})
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("programme: %w", err)
	}
	return p, nil
}

// childID maps a scenario's child key to a stable ID.
func childID(key string) uuid.UUID {
	if key == "" {
		return uuid.Nil
	}
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("liudong-scenario-child:"+key))
}

// Result is what a scenario produced.
type Result struct {
	Deductions audit.DeductionReport
	Schedule   *audit.PaymentSchedule
}

// Run computes the scenario's deductions and payment schedule.
func (s *Scenario) Run() (*Result, error) {
	p, err := s.programme()
	if err != nil {
		return nil, err
	}
	cal := audit.NewCalendar()
	if s.Calendar != nil {
		if err := cal.Apply(s.Calendar); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
	}
	var findings []audit.Finding
	for _, f := range s.Findings {
		keys := f.Children
		if len(keys) == 0 {
			keys = []string{f.Child}
		}
		for _, k := range keys {
			findings = append(findings, audit.Finding{Requirement: f.Requirement, ChildID: childID(k),
				RuleID: "scenario", Explanation: "测试场景"})
		}
	}
	ded, err := audit.Deductions(findings, p.Acceptance)
	if err != nil {
		return nil, err
	}
	c := audit.Contract{Amount: s.Contract.Amount.Decimal, Effective: s.Contract.Effective,
		InvoiceReceived: s.Contract.Invoice, Acceptance: s.Contract.Acceptance,
		Documents: map[audit.DocumentKind]welfare.Date{}}
	for k, d := range s.Contract.Documents {
		c.Documents[audit.DocumentKind(k)] = d
	}
	for _, pp := range s.Contract.Paid {
		c.Paid = append(c.Paid, audit.PaidPart{Part: pp.Part, Amount: pp.Amount.Decimal, On: pp.Date})
	}
	sched, err := audit.Schedule(p, c, ded, cal, audit.ScheduleOptions{})
	if err != nil {
		return nil, err
	}
	return &Result{Deductions: ded, Schedule: sched}, nil
}

// Check runs the scenario and returns the differences from its expectations (none: pass).
func (s *Scenario) Check() []string {
	res, err := s.Run()
	if s.Expect.Error != "" {
		switch {
		case err == nil:
			return []string{fmt.Sprintf("error: want one containing %q, got none", s.Expect.Error)}
		case !strings.Contains(err.Error(), s.Expect.Error):
			return []string{fmt.Sprintf("error: want one containing %q, got %q", s.Expect.Error, err)}
		}
		return nil
	}
	if err != nil {
		return []string{fmt.Sprintf("error: %v", err)}
	}
	var diffs []string
	amt := func(field string, want, got decimal.Decimal) {
		if !want.Equal(got) {
			diffs = append(diffs, fmt.Sprintf("%s: want %s, got %s", field, want.StringFixed(2), got.StringFixed(2)))
		}
	}
	flag := func(field string, want *bool, got bool) {
		if want != nil && *want != got {
			diffs = append(diffs, fmt.Sprintf("%s: want %t, got %t", field, *want, got))
		}
	}
	if e := s.Expect.Deductions; e != nil {
		d := res.Deductions
		amt("deductions.total", e.Total.Decimal, d.Total)
		if e.Subtotal != nil {
			amt("deductions.subtotal", e.Subtotal.Decimal, d.Subtotal)
		}
		flag("deductions.capped", e.Capped, d.Capped)
		got := map[string]audit.RequirementTotal{}
		for _, t := range d.ByRequirement {
			got[t.Requirement] = t
		}
		for _, req := range sortedKeys(e.ByRequirement) {
			amt("deductions.by_requirement."+req, e.ByRequirement[req].Decimal, got[req].Amount)
		}
		for _, req := range sortedKeys(e.Counted) {
			if want := e.Counted[req]; want != got[req].Counted {
				diffs = append(diffs, fmt.Sprintf("deductions.counted.%s: want %d, got %d", req, want, got[req].Counted))
			}
		}
	}
	for _, ep := range s.Expect.Payments {
		p, ok := res.Schedule.Part(ep.Name)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("payments.%s: no such part", ep.Name))
			continue
		}
		amt("payments."+ep.Name+".amount", ep.Amount.Decimal, p.Amount)
		if ep.Gross != nil {
			amt("payments."+ep.Name+".gross", ep.Gross.Decimal, p.Gross)
		}
		if ep.Deduction != nil {
			amt("payments."+ep.Name+".deduction", ep.Deduction.Decimal, p.Deduction)
		}
		if ep.Due != nil && *ep.Due != p.DueDate {
			diffs = append(diffs, fmt.Sprintf("payments.%s.due: want %s, got %s", ep.Name, orNone(*ep.Due), orNone(p.DueDate)))
		}
		flag("payments."+ep.Name+".ready", ep.Ready, p.Ready)
	}
	if s.Expect.OwedByProvider != nil {
		amt("owed_by_provider", s.Expect.OwedByProvider.Decimal, res.Schedule.OwedByProvider)
	}
	if s.Expect.Recoverable != nil {
		amt("recoverable", s.Expect.Recoverable.Decimal, res.Schedule.Recoverable)
	}
	flag("clawback", s.Expect.Clawback, res.Schedule.Clawback)
	return diffs
}

func orNone(d welfare.Date) string {
	if d.IsZero() {
		return "(none)"
	}
	return d.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
