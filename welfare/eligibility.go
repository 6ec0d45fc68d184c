package welfare

import (
	"fmt"
	"slices"
	"strconv"
)

// Fact is one recorded fact a decision used, named so an auditor can check it.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Outcome of an eligibility decision (识别认定).
type Outcome string

// Outcomes.
const (
	OutcomeEligible       Outcome = "eligible"        // a migrant child, individually monitored
	OutcomeStatisticsOnly Outcome = "statistics_only" // 统计分析对象: counted, not monitored
	OutcomeNotEligible    Outcome = "not_eligible"
)

// Decision explains an eligibility outcome: the rule, its version and the facts used.
type Decision struct {
	Outcome     Outcome  `json:"outcome"`
	RuleID      string   `json:"rule_id"`
	RuleVersion string   `json:"rule_version"`
	AsOf        Date     `json:"as_of"`
	Facts       []Fact   `json:"facts"`
	Reasons     []string `json:"reasons,omitempty"` // why not eligible, in rule order
}

// EligibilityRule decides who is a migrant child. The default follows 民发〔2024〕17号
// (DOMAIN §1); every number is a setting.
type EligibilityRule struct {
	ID      string `json:"id" validate:"required"`
	Version string `json:"version" validate:"required"`
	// MaxAge: the child must be younger than this many whole years (不满十六周岁).
	MaxAge int `json:"max_age" validate:"gte=1,lte=18"`
	// MinMonths: minimum whole months lived in the current county.
	MinMonths int `json:"min_months" validate:"gte=0,lte=24"`
	// RequireWithGuardian: the child must have left with a parent or other guardian.
	RequireWithGuardian bool `json:"require_with_guardian"`
	// CentralDistricts: county-level codes of a city's central urban districts; moves
	// between two of them do not count (中心城区的市辖区之间).
	CentralDistricts []string `json:"central_districts,omitempty" validate:"dive,regioncode"`
	// StatisticsOnlyCrossTownship: children who moved between townships of the same county
	// for MinMonths and are under MaxAge are counted as statistics-only.
	StatisticsOnlyCrossTownship bool `json:"statistics_only_cross_township"`
}

// Decide applies the rule to child c living in county area on day asOf.
func (r EligibilityRule) Decide(c *Child, area string, asOf Date) Decision {
	d := Decision{RuleID: r.ID, RuleVersion: r.Version, AsOf: asOf}
	age := c.AgeOn(asOf)
	months := -1
	if !c.ArrivalDate.IsZero() {
		months = c.ArrivalDate.MonthsOn(asOf)
	}
	hukouCounty, hukouTownship := countyOf(c.Hukou.RegionCode), townshipOf(c.Hukou.RegionCode)
	d.Facts = []Fact{
		{"age", strconv.Itoa(age)},
		{"months_in_county", strconv.Itoa(months)},
		{"hukou_county", hukouCounty},
		{"residence_county", area},
		{"with_guardian", string(c.Migration.WithGuardian)},
		{"returned_home", strconv.FormatBool(c.Migration.ReturnedHome)},
	}
	fail := func(format string, args ...any) { d.Reasons = append(d.Reasons, fmt.Sprintf(format, args...)) }

	if c.BirthDate.IsZero() {
		fail("birth date not recorded")
	} else if age >= r.MaxAge {
		fail("age %d is not under %d", age, r.MaxAge)
	}
	if months < 0 {
		fail("arrival date not recorded")
	} else if months < r.MinMonths {
		fail("%d months in the county, fewer than %d", months, r.MinMonths)
	}
	if c.Migration.ReturnedHome {
		fail("returned to the registration county")
	}
	ageAndTimeOK := len(d.Reasons) == 0

	switch {
	case hukouCounty == "":
		fail("registration place not recorded")
	case hukouCounty == area:
		if ageAndTimeOK && r.StatisticsOnlyCrossTownship && hukouTownship != "" &&
			c.Residence.Township != "" && hukouTownship != c.Residence.Township {
			d.Facts = append(d.Facts, Fact{"hukou_township", hukouTownship}, Fact{"residence_township", c.Residence.Township})
			d.Outcome = OutcomeStatisticsOnly
			return d
		}
		fail("registered in the county where the child lives")
	case slices.Contains(r.CentralDistricts, hukouCounty) && slices.Contains(r.CentralDistricts, area):
		fail("moved between central urban districts")
	}
	if r.RequireWithGuardian && c.Migration.WithGuardian != FlagYes {
		fail("not recorded as having moved with a guardian")
	}
	if len(d.Reasons) == 0 {
		d.Outcome = OutcomeEligible
	} else {
		d.Outcome = OutcomeNotEligible
	}
	return d
}

// countyOf returns the 6-digit county part of a region code, "" if too short.
func countyOf(code string) string {
	if len(code) < 6 {
		return ""
	}
	return code[:6]
}

// townshipOf returns the 9-digit township part of a region code, "" if it has none.
func townshipOf(code string) string {
	if len(code) < 9 || code[6:9] == "000" {
		return ""
	}
	return code[:9]
}
