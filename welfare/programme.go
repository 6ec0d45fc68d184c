package welfare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
	"sigs.k8s.io/yaml"
)

// Programme holds every number of a service contract as a rule (方案). Nanchang2025 is
// the seed's preset; other cities load their own with LoadProgramme. Later packages read
// the parts they need; no rule is a constant in code.
type Programme struct {
	ID      string `json:"id" validate:"required"`
	Name    string `json:"name" validate:"required"`
	Version string `json:"version" validate:"required"`

	Area             Area              `json:"area"`                                 // SC-1
	Period           Period            `json:"period"`                               // SC-2
	BaselineChildren int               `json:"baseline_children" validate:"gte=0"`   // SC-1
	Budget           decimal.Decimal   `json:"budget"`                               // SC-3, yuan
	Eligibility      EligibilityRule   `json:"eligibility"`                          // MS-1
	KeyCategories    []KeyCategoryRule `json:"key_categories" validate:"min=1,dive"` // MS-2
	RiskTiers        []RiskTier        `json:"risk_tiers" validate:"dive"`
	Visits           VisitRules        `json:"visits"`     // VS-1..VS-3
	Screening        ScreeningRules    `json:"screening"`  // PS-1, PS-2
	Activities       ActivityRules     `json:"activities"` // CA-1..CA-3, PT-1
	Casework         CaseworkRules     `json:"casework"`   // CS-2
	Team             TeamRule          `json:"team"`       // TM-1
	Acceptance       AcceptanceRules   `json:"acceptance"` // AC-1..AC-6
	Payment          PaymentRules      `json:"payment"`    // PY-1..PY-3
}

// Area is the programme's county (the shard key of every store).
type Area struct {
	Code string `json:"code" validate:"required,regioncode"`
	Name string `json:"name" validate:"required"`
}

// VisitQuota is a minimum number of visits per child of a category in each period.
type VisitQuota struct {
	ID       string `json:"id" validate:"required"`       // e.g. "VS-3"
	Category string `json:"category" validate:"required"` // "all", "key" or a key category code
	Period   string `json:"period" validate:"required,oneof=project month quarter"`
	Min      int    `json:"min" validate:"gte=1"`
	Mode     string `json:"mode" validate:"required"` // "any" or a visit mode ("home", "phone", "video", …)
	// RequireEvidence lists evidence kinds a visit must carry to count towards the quota
	// (e.g. "photo" for home visits, VS-7); empty: every completed visit counts.
	RequireEvidence []string `json:"require_evidence,omitempty"`
}

// VisitRules holds the visit quotas (探视巡访). The visit package interprets them.
type VisitRules struct {
	Quotas []VisitQuota `json:"quotas" validate:"dive"`
	// HomeShare: minimum share of children with at least one home visit (VS-2).
	HomeShare decimal.Decimal `json:"home_share"`
	Modes     []string        `json:"modes" validate:"min=1"`
	// PartialMonth says when a monthly quota applies to a month the child is in the
	// category for only part of: "any_day" (due if in the category on any day of the
	// month) or "min_days" (due if in it for at least PartialMonthMinDays days).
	PartialMonth        string `json:"partial_month" validate:"oneof=any_day min_days"`
	PartialMonthMinDays int    `json:"partial_month_min_days" validate:"gte=0,lte=31"`
	// DueSoonDays is the worklist horizon: a visit due within this many days is "due soon".
	DueSoonDays int `json:"due_soon_days" validate:"gte=0"`
	// FutureToleranceMinutes bounds how far in the future a visit's times may lie.
	FutureToleranceMinutes int         `json:"future_tolerance_minutes" validate:"gte=0"`
	Signals                SignalRules `json:"signals"`
}

// SignalRules are the thresholds of the perfunctory-visit signals (SR-5, AC-3, DOMAIN §7).
// A signal is evidence for a person to confirm or dismiss, never a verdict.
type SignalRules struct {
	MinMinutes            map[string]int  `json:"min_minutes"`                         // per mode: shorter is "too short"
	GeofenceMeters        float64         `json:"geofence_meters"`                     // home visits farther from the child's address
	RepeatCoordinates     int             `json:"repeat_coordinates"`                  // the same exact point on this many visits of a worker
	OverlapMinutes        int             `json:"overlap_minutes"`                     // one worker in two visits at once for at least this long
	MaxSpeedKmh           float64         `json:"max_speed_kmh"`                       // between a worker's consecutive visits
	LateEntryHours        int             `json:"late_entry_hours"`                    // received this long after the visit ended
	BurstCount            int             `json:"burst_count"`                         // this many records entered …
	BurstMinutes          int             `json:"burst_minutes"`                       // … within this many minutes
	EndOfPeriodDays       int             `json:"end_of_period_days"`                  // the last days of a period …
	EndOfPeriodShare      decimal.Decimal `json:"end_of_period_share"`                 // … holding more than this share of a worker's visits
	CallToleranceSeconds  int             `json:"call_tolerance_seconds"`              // phone/video length vs the call record
	PerceptualHashMaxBits int             `json:"perceptual_hash_max_bits"`            // Hamming distance of "the same" photo
	NoteShingle           int             `json:"note_shingle" validate:"gte=1,lte=5"` // character n-gram size
	NoteJaccard           decimal.Decimal `json:"note_jaccard"`                        // cloned notes at or above this similarity
	NoteMinRunes          int             `json:"note_min_runes"`                      // shorter notes are not compared
	OutlierZ              decimal.Decimal `json:"outlier_z"`                           // modified z-score bound
}

// ScreeningRules are the programme's mental-health screening policy (PS-1, PS-2, CS-1).
// DOMAIN §10: no national rule fixes these numbers; they are programme policy.
type ScreeningRules struct {
	// RescreenMonths: a screened child is due again this many months after the last session.
	RescreenMonths int `json:"rescreen_months" validate:"gte=0"`
	// ReferralDays: an abnormal result is referred to the counsellor within this many days
	// (0: the same day).
	ReferralDays int `json:"referral_days" validate:"gte=0"`
	// Levels are the risk levels from lowest to highest.
	Levels []string `json:"levels" validate:"min=1"`
	// AbnormalFrom is the lowest level counted as abnormal (proposes the ledger category
	// 心理和行为异常 and a referral).
	AbnormalFrom string `json:"abnormal_from" validate:"required"`
	// RiskLevels maps an instrument's band to a risk level; unlisted bands take the
	// instrument's built-in default.
	RiskLevels []RiskLevelRule `json:"risk_levels,omitempty" validate:"dive"`
	// MinimalChange per instrument ID: a total changing by less is "unchanged".
	MinimalChange map[string]int `json:"minimal_change,omitempty"`
}

// RiskLevelRule maps one band of one instrument's scale to a risk level.
type RiskLevelRule struct {
	Instrument string `json:"instrument" validate:"required"`
	Scale      string `json:"scale" validate:"required"` // "total" or a subscale ID
	Band       string `json:"band" validate:"required"`
	Level      string `json:"level" validate:"required"`
}

// ActivityRules holds the group-activity and policy-talk minimums.
type ActivityRules struct {
	MinActivities         int  `json:"min_activities" validate:"gte=0"`           // CA-1
	MinParticipants       int  `json:"min_participants" validate:"gte=0"`         // CA-2
	PolicyTalksPerQuarter int  `json:"policy_talks_per_quarter" validate:"gte=0"` // PT-1, CA-3
	FestivalActivities    bool `json:"festival_activities"`                       // CA-3
	PublicityWithinDays   int  `json:"publicity_within_days" validate:"gte=0"`    // CA-3
}

// CaseworkRules holds casework minimums.
type CaseworkRules struct {
	MinTypicalCases int `json:"min_typical_cases" validate:"gte=0"` // CS-2
}

// TeamRule is the team composition (TM-1): a minimum head count and per-role minimums.
type TeamRule struct {
	MinTotal int          `json:"min_total" validate:"gte=0"`
	MinRoles map[Role]int `json:"min_roles"`
}

// DeductionRule is the amount withheld per finding of one kind.
type DeductionRule struct {
	Requirement string          `json:"requirement" validate:"required"` // e.g. "AC-2"
	Amount      decimal.Decimal `json:"amount"`                          // yuan per finding
	Clawback    bool            `json:"clawback,omitempty"`              // AC-6: recover all money paid
}

// AcceptanceRules drive the purchaser's check (验收考核).
type AcceptanceRules struct {
	SampleShare decimal.Decimal `json:"sample_share"` // AC-1, at least this share sampled
	Deductions  []DeductionRule `json:"deductions" validate:"dive"`
	// Counting: "per_child_per_kind" (default) counts a child once in each kind it falls
	// in; "per_child" counts a child once whatever the kinds (the highest amount applies).
	Counting string `json:"counting" validate:"oneof=per_child_per_kind per_child"`
	// Cap on total deductions, yuan; zero means no cap.
	Cap decimal.Decimal `json:"cap"`
}

// PaymentPart is one instalment of the contract (PY-1..PY-3).
type PaymentPart struct {
	Name  string          `json:"name" validate:"required"`
	Share decimal.Decimal `json:"share"`
	// Trigger: "effective_and_invoice" (the later of contract effective date and invoice
	// receipt) or "acceptance".
	Trigger         string `json:"trigger" validate:"oneof=effective_and_invoice acceptance"`
	DueWorkingDays  int    `json:"due_working_days" validate:"gte=0"`
	DeductionsApply bool   `json:"deductions_apply"`
}

// PaymentRules hold the payment split.
type PaymentRules struct {
	Parts []PaymentPart `json:"parts" validate:"min=1,dive"`
}

// Nanchang2025 is the preset built from the seed (2025年南昌市流动儿童动态监测和关爱服务试点方案).
// The seed runs "from contract signing"; the preset assumes 2025-01-01 — set Period.Start
// to the real signing date.
func Nanchang2025() *Programme {
	d := decimal.RequireFromString
	return &Programme{
		ID: "nanchang-2025", Name: "2025年南昌市流动儿童动态监测和关爱服务试点", Version: "1",
		Area:             Area{Code: "360121", Name: "南昌县"},
		Period:           Period{Start: NewDate(2025, 1, 1), End: NewDate(2025, 11, 30)},
		BaselineChildren: 12029,
		Budget:           d("250000"),
		Eligibility: EligibilityRule{
			ID: "minfa-2024-17", Version: "2024-05", MaxAge: 16, MinMonths: 6,
			RequireWithGuardian: true,
			// Nanchang's central urban districts: 东湖 西湖 青云谱 青山湖 新建 红谷滩.
			CentralDistricts:            []string{"360102", "360103", "360104", "360111", "360112", "360113"},
			StatisticsOnlyCrossTownship: true,
		},
		KeyCategories: []KeyCategoryRule{
			{Code: KeyFamilyHardship, Name: "家庭生活困难", Derive: DeriveEconomic, Values: []string{"dibao", "tekun"}, ReviewMonths: 6},
			{Code: KeyDisability, Name: "自身残疾", Derive: DeriveDisability, ReviewMonths: 6},
			{Code: KeyNoGuardian, Name: "监护缺失", Derive: DeriveNoCapableGuardian, ReviewMonths: 3},
			{Code: KeyVagrancy, Name: "流浪", Derive: DeriveVagrancy, ReviewMonths: 1},
			{Code: KeyPsychological, Name: "心理和行为异常", Derive: DeriveConcern, Values: []string{"mental"}, ReviewMonths: 3},
			{Code: KeyHelpRequest, Name: "跨乡镇流动儿童主动求助", Derive: DeriveHelpRequest, ReviewMonths: 6},
		},
		RiskTiers: []RiskTier{{"red", "红色", 4}, {"yellow", "黄色", 3}, {"blue", "蓝色", 2}, {"green", "绿色", 1}},
		Visits: VisitRules{
			Quotas: []VisitQuota{
				{ID: "VS-1", Category: "all", Period: "project", Min: 1, Mode: "any"},
				{ID: "VS-3", Category: "key", Period: "month", Min: 1, Mode: "home", RequireEvidence: []string{"photo"}},
			},
			HomeShare:              d("0.5"),
			Modes:                  []string{"home", "phone", "video"},
			PartialMonth:           "min_days",
			PartialMonthMinDays:    15,
			DueSoonDays:            7,
			FutureToleranceMinutes: 10,
			Signals: SignalRules{
				MinMinutes:     map[string]int{"home": 15, "phone": 5, "video": 5},
				GeofenceMeters: 500, RepeatCoordinates: 3, OverlapMinutes: 1, MaxSpeedKmh: 80,
				LateEntryHours: 72, BurstCount: 10, BurstMinutes: 30,
				EndOfPeriodDays: 10, EndOfPeriodShare: d("0.5"), CallToleranceSeconds: 60,
				PerceptualHashMaxBits: 6, NoteShingle: 3, NoteJaccard: d("0.8"), NoteMinRunes: 20,
				OutlierZ: d("3.5"),
			},
		},
		Screening: ScreeningRules{
			RescreenMonths: 6, ReferralDays: 7,
			Levels:        []string{"green", "yellow", "orange", "red"},
			AbnormalFrom:  "orange",
			MinimalChange: map[string]int{"phq9": 5, "phqa": 5, "gad7": 4},
		},
		Activities: ActivityRules{MinActivities: 5, MinParticipants: 20, PolicyTalksPerQuarter: 1,
			FestivalActivities: true, PublicityWithinDays: 1},
		Casework: CaseworkRules{MinTypicalCases: 5},
		Team: TeamRule{MinTotal: 6, MinRoles: map[Role]int{
			RoleProjectLead: 1, RoleSocialWorker: 4, RoleCounsellor: 1}},
		Acceptance: AcceptanceRules{
			SampleShare: d("0.10"),
			Deductions: []DeductionRule{
				{Requirement: "AC-2", Amount: d("500")},
				{Requirement: "AC-3", Amount: d("500")},
				{Requirement: "AC-4", Amount: d("500")},
				{Requirement: "AC-5", Amount: d("500")},
				{Requirement: "AC-6", Amount: d("0"), Clawback: true},
			},
			Counting: "per_child_per_kind",
		},
		Payment: PaymentRules{Parts: []PaymentPart{
			{Name: "first", Share: d("0.30"), Trigger: "effective_and_invoice", DueWorkingDays: 10},
			{Name: "second", Share: d("0.70"), Trigger: "acceptance", DeductionsApply: true},
		}},
	}
}

// KeyCategory returns the rule for code.
func (p *Programme) KeyCategory(code KeyCategory) (KeyCategoryRule, bool) {
	for _, k := range p.KeyCategories {
		if k.Code == code {
			return k, true
		}
	}
	return KeyCategoryRule{}, false
}

// Validate checks the programme's fields and the rules that span fields. The error is a
// *ValidationError naming each bad field.
func (p *Programme) Validate() error {
	v := NewValidator()
	var fields []FieldError
	if err := v.Struct(p); err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		fields = ve.Fields
	}
	add := func(field, rule, param string) { fields = append(fields, FieldError{field, rule, param}) }
	if p.Period.End.Before(p.Period.Start) {
		add("Period.End", "gtefield", "Period.Start")
	}
	if p.Budget.IsNegative() {
		add("Budget", "gte", "0")
	}
	if p.Visits.HomeShare.IsNegative() || p.Visits.HomeShare.GreaterThan(decimal.NewFromInt(1)) {
		add("Visits.HomeShare", "range", "0..1")
	}
	s := p.Acceptance.SampleShare
	if !s.IsPositive() || s.GreaterThan(decimal.NewFromInt(1)) {
		add("Acceptance.SampleShare", "range", "(0..1]")
	}
	for i, d := range p.Acceptance.Deductions {
		if d.Amount.IsNegative() {
			add(fmt.Sprintf("Acceptance.Deductions[%d].Amount", i), "gte", "0")
		}
	}
	total := decimal.Zero
	for i, part := range p.Payment.Parts {
		if part.Share.IsNegative() {
			add(fmt.Sprintf("Payment.Parts[%d].Share", i), "gte", "0")
		}
		total = total.Add(part.Share)
	}
	if !total.Equal(decimal.NewFromInt(1)) {
		add("Payment.Parts", "sum", "1")
	}
	seen := map[KeyCategory]bool{}
	for i, k := range p.KeyCategories {
		if seen[k.Code] {
			add(fmt.Sprintf("KeyCategories[%d].Code", i), "unique", "")
		}
		seen[k.Code] = true
	}
	for role, n := range p.Team.MinRoles {
		if !role.valid() || n < 0 {
			add("Team.MinRoles["+string(role)+"]", "role", "")
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// LoadProgramme reads a programme from JSON or YAML (detected from the content),
// rejecting unknown fields, and validates it. Errors name the field.
func LoadProgramme(r io.Reader) (*Programme, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("welfare: read programme: %w", err)
	}
	var p Programme
	if err := decodeStrict(data, &p); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// decodeStrict decodes JSON or YAML into v, turning decoding failures into a
// *ValidationError that names the field.
func decodeStrict(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return &ValidationError{Fields: []FieldError{{Field: "(document)", Rule: "yaml", Param: firstLine(err.Error())}}}
		}
		data = j
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return &ValidationError{Fields: []FieldError{{Field: typeErr.Field, Rule: "type", Param: typeErr.Type.String()}}}
	case errors.As(err, &syntaxErr):
		return &ValidationError{Fields: []FieldError{{Field: "(document)", Rule: "syntax", Param: fmt.Sprintf("offset %d", syntaxErr.Offset)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &ValidationError{Fields: []FieldError{{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Rule: "unknown"}}}
	}
	// Custom unmarshalers (dates, decimals) fail without naming the field.
	return &ValidationError{Fields: []FieldError{{Field: "(document)", Rule: "value", Param: firstLine(err.Error())}}}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
