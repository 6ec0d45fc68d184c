package welfare

import "maps"

// Aspect is one part of a child's condition that visits (二看) and screenings observe.
type Aspect string

// Observed aspects (VS-6 二看).
const (
	AspectHealth       Aspect = "health"
	AspectMental       Aspect = "mental"
	AspectEducation    Aspect = "education"
	AspectGuardianship Aspect = "guardianship"
	AspectSafety       Aspect = "safety"
	AspectBenefits     Aspect = "benefits"
)

// Aspects lists every aspect in report order.
func Aspects() []Aspect {
	return []Aspect{AspectHealth, AspectMental, AspectEducation, AspectGuardianship, AspectSafety, AspectBenefits}
}

// Source says where an observation came from.
type Source struct {
	Kind string `json:"kind" validate:"required,oneof=survey visit screening import case"`
	Ref  string `json:"ref,omitempty" validate:"max=64"` // ID of the visit, session … (no personal data)
}

// Observation is the latest known value of one aspect, with its date and source
// (dynamic monitoring, 动态监测).
type Observation struct {
	Value   string `json:"value" validate:"required,max=200"`
	Concern bool   `json:"concern,omitempty"` // the observer flagged a problem
	Date    Date   `json:"date" validate:"required"`
	Source  Source `json:"source"`
}

// StatusSnapshot is the child's current condition per aspect.
type StatusSnapshot map[Aspect]Observation

// Apply records o for aspect a unless a newer observation is already held, so a
// back-dated record never overwrites what a later visit saw. It reports whether o was kept.
func (s *StatusSnapshot) Apply(a Aspect, o Observation) bool {
	if cur, ok := (*s)[a]; ok && cur.Date.After(o.Date) {
		return false
	}
	if *s == nil {
		*s = StatusSnapshot{}
	}
	(*s)[a] = o
	return true
}

// Clone returns a copy.
func (s StatusSnapshot) Clone() StatusSnapshot {
	if s == nil {
		return nil
	}
	return maps.Clone(s)
}
