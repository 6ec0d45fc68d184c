package screening

import (
	"fmt"
	"slices"

	"github.com/childwelfare/liudong/welfare"
)

// Risk levels (风险等级). The overall level of a session is the highest of:
//
//   - each raised flag's level (the rule's Level, by default the highest level): a
//     flagged session is red under the default levels whatever its scores;
//   - for a valid session, each scored scale's band mapped to a level — by the
//     programme's ScreeningRules.RiskLevels where they name the instrument, scale and
//     band, else by the instrument's built-in RiskLevels; unlisted bands map to nothing.
//
// When nothing maps, a complete and valid session is at the lowest level; an invalid
// session (MHT lie scale) or one whose scales could not all be scored has no level ("":
// retest), unless a flag gives it one.

// assignLevel sets r.Level and r.LevelBecause, and resolves each flag's level.
func (in *Instrument) assignLevel(r *Result, rules *welfare.ScreeningRules) error {
	levels := DefaultLevels()
	var overrides []welfare.RiskLevelRule
	if rules != nil {
		levels, overrides = rules.Levels, rules.RiskLevels
	}
	if len(levels) == 0 {
		return fmt.Errorf("screening: no risk levels: %w", welfare.ErrInvalid)
	}
	// The reason is built once, at the end: flag i (fromFlag) or scale i.
	best, from, fromFlag := -1, -1, false
	consider := func(level string, i int, flag bool) error {
		k := slices.Index(levels, level)
		if k < 0 {
			what := "flag"
			if !flag {
				what = r.Scales[i].Scale + "/" + r.Scales[i].Band
			}
			return fmt.Errorf("screening: level %q (%s of %s) is not one of the programme's levels: %w", level, what, in.ID, welfare.ErrInvalid)
		}
		if k > best {
			best, from, fromFlag = k, i, flag
		}
		return nil
	}
	for i := range r.Flags {
		f := &r.Flags[i]
		if f.Level == "" {
			f.Level = levels[len(levels)-1]
		}
		if err := consider(f.Level, i, true); err != nil {
			return err
		}
	}
	banded := false
	if r.Valid {
		for i, ss := range r.Scales {
			if ss.Band == "" {
				continue
			}
			banded = true
			if lvl := in.levelOf(overrides, ss.Scale, ss.Band); lvl != "" {
				if err := consider(lvl, i, false); err != nil {
					return err
				}
			}
		}
	}
	because := ""
	switch {
	case best >= 0 && fromFlag:
		because = "flag/" + r.Flags[from].Rule
	case best >= 0:
		because = r.Scales[from].Scale + "/" + r.Scales[from].Band
	case r.Valid && r.Complete && (banded || len(in.NormSets) == 0):
		best, because = 0, "default"
	}
	if best >= 0 {
		r.Level, r.LevelBecause = levels[best], because
	}
	return nil
}

// levelOf maps a band of a scale to a level: the programme's rule, else the built-in.
func (in *Instrument) levelOf(overrides []welfare.RiskLevelRule, scale, band string) string {
	for _, o := range overrides {
		if o.Instrument == in.ID && o.Scale == scale && o.Band == band {
			return o.Level
		}
	}
	for _, m := range in.RiskLevels {
		if m.Scale == scale && m.Band == band {
			return m.Level
		}
	}
	return ""
}

// CheckRules checks the programme's screening rules against the instruments of cat:
// levels distinct, AbnormalFrom one of them, every override naming an instrument, scale
// and band that exist and a level that exists, and every built-in mapping and flag level
// (not overridden) one of the programme's levels. The error is a
// *welfare.ValidationError naming fields of welfare.Programme ("Screening.RiskLevels[0].Band").
func CheckRules(cat *Catalogue, rules welfare.ScreeningRules) error {
	c := &checker{}
	if len(rules.Levels) == 0 {
		c.add("Screening.Levels", "min", "1")
	}
	for i, l := range rules.Levels {
		if l == "" {
			c.add(idx("Screening.Levels", i), "required", "")
		} else if slices.Index(rules.Levels, l) != i {
			c.add(idx("Screening.Levels", i), "unique", "")
		}
	}
	has := func(l string) bool { return slices.Contains(rules.Levels, l) }
	if !has(rules.AbnormalFrom) {
		c.add("Screening.AbnormalFrom", "oneof", "Screening.Levels")
	}
	for i, o := range rules.RiskLevels {
		f := idx("Screening.RiskLevels", i)
		if !has(o.Level) {
			c.add(f+".Level", "oneof", "Screening.Levels")
		}
		versions := cat.Versions(o.Instrument)
		if len(versions) == 0 {
			c.add(f+".Instrument", "instrument", o.Instrument)
			continue
		}
		found := slices.ContainsFunc(versions, func(in *Instrument) bool {
			_, ok := in.plan.byID[o.Scale]
			return ok && in.plan.hasBand(o.Scale, o.Band)
		})
		if !found {
			c.add(f+".Band", "band", o.Instrument+"/"+o.Scale+"/"+o.Band)
		}
	}
	for _, in := range cat.All() {
		for _, m := range in.RiskLevels {
			if !has(m.Level) && in.levelOf(rules.RiskLevels, m.Scale, m.Band) == m.Level {
				c.add("Screening.Levels", "oneof", fmt.Sprintf("%s/%s %s/%s maps to %s", in.ID, in.Version, m.Scale, m.Band, m.Level))
			}
		}
		for _, f := range in.Flags {
			if f.Level != "" && !has(f.Level) {
				c.add("Screening.Levels", "oneof", fmt.Sprintf("%s/%s flag %s has level %s", in.ID, in.Version, f.ID, f.Level))
			}
		}
	}
	for id, n := range rules.MinimalChange {
		if n < 0 {
			c.add("Screening.MinimalChange["+id+"]", "gte", "0")
		}
	}
	if len(c.fields) > 0 {
		return &welfare.ValidationError{Fields: c.fields}
	}
	return nil
}

// Rank returns the position of level in levels (0 = lowest), or -1.
func Rank(levels []string, level string) int { return slices.Index(levels, level) }

// AtLeast reports whether level is at or above from in levels; false for unknown levels.
func AtLeast(levels []string, level, from string) bool {
	a, b := Rank(levels, level), Rank(levels, from)
	return a >= 0 && b >= 0 && a >= b
}
