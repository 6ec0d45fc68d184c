package welfare

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// AgeBands are the census age bands: infancy, preschool, primary, junior secondary, 15,
// and 16+ (over the 17号 limit, due to exit).
var ageBands = [...]string{"0-2", "3-5", "6-11", "12-14", "15", "16+"}

// AgeBands returns the census age bands in order.
func AgeBands() []string { return ageBands[:] }

func ageBand(age int) string {
	switch {
	case age < 3:
		return ageBands[0]
	case age < 6:
		return ageBands[1]
	case age < 12:
		return ageBands[2]
	case age < 15:
		return ageBands[3]
	case age < 16:
		return ageBands[4]
	}
	return ageBands[5]
}

// Census holds the statistics of MR-1 for one area (or scope) on one day. Children in
// state exited are counted in ByState only; every other breakdown counts the identified
// and monitored children (Total).
type Census struct {
	Area  string `json:"area"`
	Scope string `json:"scope"`
	AsOf  Date   `json:"as_of"`
	Total int    `json:"total"`

	ByState       map[LifecycleState]int `json:"by_state"`
	ByTownship    map[string]int         `json:"by_township"`
	ByAgeBand     map[string]int         `json:"by_age_band"`
	BySex         map[Sex]int            `json:"by_sex"`
	ByStage       map[string]int         `json:"by_stage"`      // "" = not recorded
	ByHealth      map[string]int         `json:"by_health"`     // "" = not recorded
	ByDisability  map[string]int         `json:"by_disability"` // type; children with none are not counted
	ByInsurance   map[Flag]int           `json:"by_insurance"`
	ByPermit      map[Flag]int           `json:"by_permit"`
	ByEconomic    map[Economic]int       `json:"by_economic"`
	ByKeyCategory map[KeyCategory]int    `json:"by_key_category"` // children with an open ledger entry
	KeyChildren   int                    `json:"key_children"`    // children with any open entry
}

// NewCensus returns an empty census for area and scope on asOf.
func NewCensus(area, scope string, asOf Date) *Census {
	return &Census{Area: area, Scope: scope, AsOf: asOf,
		ByState: map[LifecycleState]int{}, ByTownship: map[string]int{}, ByAgeBand: map[string]int{},
		BySex: map[Sex]int{}, ByStage: map[string]int{}, ByHealth: map[string]int{},
		ByDisability: map[string]int{}, ByInsurance: map[Flag]int{}, ByPermit: map[Flag]int{},
		ByEconomic: map[Economic]int{}, ByKeyCategory: map[KeyCategory]int{}}
}

// Add counts one child; keys are the child's open ledger categories on AsOf.
func (s *Census) Add(r CensusRow, keys []KeyCategory) {
	s.ByState[r.State]++
	if r.State == StateExited {
		return
	}
	s.Total++
	s.ByTownship[r.Township]++
	s.ByAgeBand[ageBand(r.BirthDate.YearsOn(s.AsOf))]++
	s.BySex[r.Sex]++
	s.ByStage[r.Stage]++
	s.ByHealth[r.Health]++
	if r.DisabilityType != "" {
		s.ByDisability[r.DisabilityType]++
	}
	s.ByInsurance[r.MedicalInsurance]++
	s.ByPermit[r.ResidencePermit]++
	s.ByEconomic[r.Economic]++
	if len(keys) > 0 {
		s.KeyChildren++
		seen := make([]KeyCategory, 0, len(keys))
		for _, k := range keys {
			if !slices.Contains(seen, k) {
				seen = append(seen, k)
				s.ByKeyCategory[k]++
			}
		}
	}
}

// Census computes the statistics of the actor's scope on asOf by streaming the store's
// census projection: memory grows with the key children, not with the county.
func (r *Registry) Census(ctx context.Context, actor Actor, asOf Date) (*Census, error) {
	if err := r.allow(actor, PermReadCensus, actor.Scope); err != nil {
		return nil, err
	}
	open, err := r.openCategories(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return computeCensus(ctx, r.store, r.prog.Area.Code, actor.Scope, asOf, open)
}

func computeCensus(ctx context.Context, s ChildStore, area, scope string, asOf Date, open map[uuid.UUID][]KeyCategory) (*Census, error) {
	c := NewCensus(area, scope, asOf)
	for row, err := range s.CensusRows(ctx, area) {
		if err != nil {
			return nil, err
		}
		if scope != area && !regionWithin(scope, row.Village) && !regionWithin(scope, row.Township) {
			continue
		}
		c.Add(row, open[row.ID])
	}
	return c, nil
}
