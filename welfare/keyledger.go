package welfare

import (
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// KeyCategory identifies a key-care ledger category (重点关爱服务对象类别, MS-2).
type KeyCategory string

// Categories of the seed; a programme may define more (e.g. 监护不当).
const (
	KeyFamilyHardship KeyCategory = "family_hardship"       // 家庭生活困难
	KeyDisability     KeyCategory = "disability"            // 自身残疾
	KeyNoGuardian     KeyCategory = "no_guardian"           // 监护缺失
	KeyVagrancy       KeyCategory = "vagrancy"              // 流浪
	KeyPsychological  KeyCategory = "psychological"         // 心理和行为异常
	KeyHelpRequest    KeyCategory = "help_request"          // 跨乡镇流动儿童主动提出救助帮扶需求
	KeyImproperCare   KeyCategory = "improper_guardianship" // 监护不当 (a common local extra)
)

// Derivation names a recorded fact from which key eligibility follows. The set of facts is
// code; which facts lead to which category, with which values, is programme data.
type Derivation string

// Derivations the library can evaluate.
const (
	// DeriveEconomic: the family's economic status is one of Values (e.g. dibao, tekun).
	DeriveEconomic Derivation = "economic_status"
	// DeriveDisability: a disability is recorded (Values, if set, restrict the types).
	DeriveDisability Derivation = "disability"
	// DeriveNoCapableGuardian: no guardian is recorded with capacity full or limited.
	DeriveNoCapableGuardian Derivation = "no_capable_guardian"
	// DeriveVagrancy: the child is recorded as vagrant.
	DeriveVagrancy Derivation = "vagrancy"
	// DeriveConcern: the status snapshot holds a concern on one of Values (aspects).
	DeriveConcern Derivation = "status_concern"
	// DeriveHelpRequest: the child asked for help and moved across townships or counties.
	DeriveHelpRequest Derivation = "help_request"
	// DeriveManual: never derived; entries are opened by staff judgement.
	DeriveManual Derivation = "manual"
)

// KeyCategoryRule defines one ledger category and how eligibility for it is derived.
type KeyCategoryRule struct {
	Code   KeyCategory `json:"code" validate:"required"`
	Name   string      `json:"name" validate:"required"` // Chinese, for documents
	Derive Derivation  `json:"derive" validate:"required,oneof=economic_status disability no_capable_guardian vagrancy status_concern help_request manual"`
	Values []string    `json:"values,omitempty"`
	// ReviewMonths: an open entry should be reviewed at least this often (0: no review).
	ReviewMonths int `json:"review_months" validate:"gte=0"`
}

// KeyDerivation is one category a child is key-eligible for, with the facts used.
type KeyDerivation struct {
	Category KeyCategory `json:"category"`
	RuleID   string      `json:"rule_id"` // "key/<category>"
	Facts    []Fact      `json:"facts"`
}

// Derive returns the categories c is key-eligible for from recorded facts. Categories
// whose rule is manual are never derived.
func (k KeyCategoryRule) derive(c *Child) ([]Fact, bool) {
	switch k.Derive {
	case DeriveEconomic:
		if c.Economic != "" && slices.Contains(k.Values, string(c.Economic)) {
			return []Fact{{"economic", string(c.Economic)}}, true
		}
	case DeriveDisability:
		if c.Disability != nil && (len(k.Values) == 0 || slices.Contains(k.Values, c.Disability.Type)) {
			return []Fact{{"disability_type", c.Disability.Type}, {"disability_grade", strconv.Itoa(c.Disability.Grade)}}, true
		}
	case DeriveNoCapableGuardian:
		if len(c.Guardians) == 0 {
			return []Fact{{"guardians", "0"}}, true
		}
		for _, g := range c.Guardians {
			if g.Capacity != CapacityNone {
				return nil, false
			}
		}
		return []Fact{{"guardians", strconv.Itoa(len(c.Guardians))}, {"capable_guardians", "0"}}, true
	case DeriveVagrancy:
		if c.Vagrant {
			return []Fact{{"vagrant", "true"}}, true
		}
	case DeriveConcern:
		for _, a := range k.Values {
			if o, ok := c.Status[Aspect(a)]; ok && o.Concern {
				return []Fact{{"concern", a}, {"observed", o.Date.String()}, {"source", o.Source.Kind}}, true
			}
		}
	case DeriveHelpRequest:
		if c.HelpRequested != nil && c.Hukou.RegionCode != "" && townshipOf(c.Hukou.RegionCode) != c.Residence.Township {
			return []Fact{{"help_requested", c.HelpRequested.String()}, {"hukou", countyOf(c.Hukou.RegionCode)}}, true
		}
	}
	return nil, false
}

// KeyEligibility lists the ledger categories c is eligible for under rules, in rule order.
func KeyEligibility(c *Child, rules []KeyCategoryRule) []KeyDerivation {
	var out []KeyDerivation
	for _, k := range rules {
		if facts, ok := k.derive(c); ok {
			out = append(out, KeyDerivation{Category: k.Code, RuleID: "key/" + string(k.Code), Facts: facts})
		}
	}
	return out
}

// RiskTier is a configurable risk grading of key children (e.g. red/yellow/blue/green).
type RiskTier struct {
	Code string `json:"code" validate:"required"`
	Name string `json:"name" validate:"required"`
	Rank int    `json:"rank"` // higher is more urgent
}

// KeyEntry is one key-care ledger file entry (重点台账条目) for a child and category.
type KeyEntry struct {
	ID        uuid.UUID   `json:"id"`
	Version   int64       `json:"version"`
	AreaCode  string      `json:"area_code"`
	ChildID   uuid.UUID   `json:"child_id"`
	Category  KeyCategory `json:"category"`
	Tier      string      `json:"tier,omitempty"`
	Opened    Date        `json:"opened"`
	OpenedBy  string      `json:"opened_by"`
	Evidence  []string    `json:"evidence,omitempty"` // references to documents, visits, screenings
	ReviewDue Date        `json:"review_due,omitzero"`
	Reviews   []Date      `json:"reviews,omitempty"`
	Closed    *Date       `json:"closed,omitempty"`
	CloseNote string      `json:"close_note,omitempty"`
	UpdatedAt time.Time   `json:"updated_at"`
	UpdatedBy string      `json:"updated_by"`
}

// OpenOn reports whether the entry is open on day.
func (e *KeyEntry) OpenOn(day Date) bool {
	return !e.Opened.After(day) && (e.Closed == nil || day.Before(*e.Closed))
}

// Clone returns a deep copy.
func (e *KeyEntry) Clone() *KeyEntry {
	if e == nil {
		return nil
	}
	d := *e
	d.Evidence = slices.Clone(e.Evidence)
	d.Reviews = slices.Clone(e.Reviews)
	if e.Closed != nil {
		v := *e.Closed
		d.Closed = &v
	}
	return &d
}

// LedgerGap is a child eligible for key categories without an open ledger entry for them:
// the AC-5 check.
type LedgerGap struct {
	ChildID  uuid.UUID       `json:"child_id"`
	Township string          `json:"township"`
	Missing  []KeyDerivation `json:"missing"`
}
