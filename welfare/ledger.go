package welfare

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// KeyEntryInput opens a ledger entry.
type KeyEntryInput struct {
	ChildID  uuid.UUID   `validate:"required"`
	Category KeyCategory `validate:"required"`
	Tier     string
	Opened   Date     `validate:"required"`
	Evidence []string `validate:"dive,max=200"`
}

// OpenKeyEntry opens a key-care ledger entry (建立重点台账, MS-2, MS-3). A child has at most
// one open entry per category: a second fails with ErrDuplicate.
func (r *Registry) OpenKeyEntry(ctx context.Context, actor Actor, in KeyEntryInput) (*KeyEntry, error) {
	if err := r.v.Struct(in); err != nil {
		return nil, err
	}
	rule, ok := r.prog.KeyCategory(in.Category)
	if !ok {
		return nil, &ValidationError{Fields: []FieldError{{Field: "Category", Rule: "oneof", Param: "programme key categories"}}}
	}
	if in.Tier != "" && !slices.ContainsFunc(r.prog.RiskTiers, func(t RiskTier) bool { return t.Code == in.Tier }) {
		return nil, &ValidationError{Fields: []FieldError{{Field: "Tier", Rule: "oneof", Param: "programme risk tiers"}}}
	}
	var out *KeyEntry
	err := r.store.Atomically(ctx, func(tx Store) error {
		c, err := tx.GetChild(ctx, in.ChildID)
		if err != nil {
			return err
		}
		if err := r.allow(actor, PermWriteLedger, childRegion(c)); err != nil {
			return err
		}
		for e, err := range tx.KeyEntries(ctx, KeyEntryFilter{Area: c.AreaCode, ChildID: c.ID, OpenOnly: true}) {
			if err != nil {
				return err
			}
			if e.Category == in.Category {
				return fmt.Errorf("%w: an open ledger entry of category %s exists", ErrDuplicate, in.Category)
			}
		}
		e := &KeyEntry{ID: r.ids.NewID(), AreaCode: c.AreaCode, ChildID: c.ID, Category: in.Category,
			Tier: in.Tier, Opened: in.Opened, OpenedBy: actor.StaffID.String(), Evidence: slices.Clone(in.Evidence),
			UpdatedAt: r.now(), UpdatedBy: actor.StaffID.String()}
		if rule.ReviewMonths > 0 {
			e.ReviewDue = in.Opened.AddDate(0, rule.ReviewMonths, 0)
		}
		if err := tx.CreateKeyEntry(ctx, e); err != nil {
			return err
		}
		out = e.Clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.log.Info("key entry opened", zap.Object("actor", actor), zap.String("entry", out.ID.String()), zap.String("category", string(out.Category)))
	return out, nil
}

// ReviewKeyEntry records a review on day on and sets the next review date.
func (r *Registry) ReviewKeyEntry(ctx context.Context, actor Actor, id uuid.UUID, on Date) (*KeyEntry, error) {
	return r.mutateEntry(ctx, actor, id, func(e *KeyEntry) error {
		e.Reviews = append(e.Reviews, on)
		if rule, ok := r.prog.KeyCategory(e.Category); ok && rule.ReviewMonths > 0 {
			e.ReviewDue = on.AddDate(0, rule.ReviewMonths, 0)
		}
		return nil
	})
}

// CloseKeyEntry closes an entry on day on with a short note (no personal data).
func (r *Registry) CloseKeyEntry(ctx context.Context, actor Actor, id uuid.UUID, on Date, note string) (*KeyEntry, error) {
	return r.mutateEntry(ctx, actor, id, func(e *KeyEntry) error {
		if e.Closed != nil {
			return fmt.Errorf("%w: entry already closed", ErrTransition)
		}
		if on.Before(e.Opened) {
			return &ValidationError{Fields: []FieldError{{Field: "on", Rule: "gtefield", Param: "Opened"}}}
		}
		e.Closed, e.CloseNote = &on, note
		return nil
	})
}

func (r *Registry) mutateEntry(ctx context.Context, actor Actor, id uuid.UUID, fn func(e *KeyEntry) error) (*KeyEntry, error) {
	var out *KeyEntry
	err := r.store.Atomically(ctx, func(tx Store) error {
		e, err := tx.GetKeyEntry(ctx, id)
		if err != nil {
			return err
		}
		c, err := tx.GetChild(ctx, e.ChildID)
		if err != nil {
			return err
		}
		if err := r.allow(actor, PermWriteLedger, childRegion(c)); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		e.UpdatedAt, e.UpdatedBy = r.now(), actor.StaffID.String()
		if err := tx.UpdateKeyEntry(ctx, e); err != nil {
			return err
		}
		out = e.Clone()
		return nil
	})
	return out, err
}

// openCategories streams the area's open-on-asOf ledger entries into child → categories.
// Key children are a small share of the county, so this map stays small.
func (r *Registry) openCategories(ctx context.Context, asOf Date) (map[uuid.UUID][]KeyCategory, error) {
	out := map[uuid.UUID][]KeyCategory{}
	for e, err := range r.store.KeyEntries(ctx, KeyEntryFilter{Area: r.prog.Area.Code}) {
		if err != nil {
			return nil, err
		}
		if e.OpenOn(asOf) {
			out[e.ChildID] = append(out[e.ChildID], e.Category)
		}
	}
	return out, nil
}

// LedgerGaps lists the actor's children (identified or monitored) who are key-eligible
// from their recorded facts but have no open ledger entry for a category on asOf: the
// AC-5 check. Computed at query time by streaming the store.
func (r *Registry) LedgerGaps(ctx context.Context, actor Actor, asOf Date) ([]LedgerGap, error) {
	if err := r.allow(actor, PermReadLedger, actor.Scope); err != nil {
		return nil, err
	}
	open, err := r.openCategories(ctx, asOf)
	if err != nil {
		return nil, err
	}
	var gaps []LedgerGap
	f := ChildFilter{Area: r.prog.Area.Code, Region: actor.Scope, States: []LifecycleState{StateIdentified, StateMonitored}}
	for c, err := range r.store.Children(ctx, f) {
		if err != nil {
			return nil, err
		}
		var missing []KeyDerivation
		for _, d := range KeyEligibility(c, r.prog.KeyCategories) {
			if !slices.Contains(open[c.ID], d.Category) {
				missing = append(missing, d)
			}
		}
		if len(missing) > 0 {
			gaps = append(gaps, LedgerGap{ChildID: c.ID, Township: c.Residence.Township, Missing: missing})
		}
	}
	return gaps, nil
}

// ExitsDue lists the actor's children who should leave monitoring on asOf (aged out,
// returned, registration moved), computed at query time.
func (r *Registry) ExitsDue(ctx context.Context, actor Actor, asOf Date) ([]ExitDue, error) {
	if err := r.allow(actor, PermReadChild, actor.Scope); err != nil {
		return nil, err
	}
	var out []ExitDue
	f := ChildFilter{Area: r.prog.Area.Code, Region: actor.Scope, States: []LifecycleState{StateIdentified, StateMonitored}}
	for c, err := range r.store.Children(ctx, f) {
		if err != nil {
			return nil, err
		}
		out = append(out, r.prog.Eligibility.ExitsDue(c, r.prog.Area.Code, asOf)...)
	}
	return out, nil
}

// StaffInput adds a staff member.
type StaffInput struct {
	Name  string
	Role  Role
	Scope string
	Phone string
}

// AddStaff registers a staff member in the programme's area. The scope must lie in the
// actor's own scope. (A host seeds the first project lead through the store directly.)
func (r *Registry) AddStaff(ctx context.Context, actor Actor, in StaffInput) (*Staff, error) {
	s := &Staff{ID: r.ids.NewID(), AreaCode: r.prog.Area.Code, Name: in.Name, Role: in.Role, Scope: in.Scope,
		Phone: in.Phone, Active: true, UpdatedAt: r.now(), UpdatedBy: actor.StaffID.String()}
	if err := r.v.Struct(s); err != nil {
		return nil, err
	}
	if _, ok := r.div.Region(s.Scope); !ok || !r.div.Within(r.prog.Area.Code, s.Scope) {
		return nil, &ValidationError{Fields: []FieldError{{Field: "Scope", Rule: "division", Param: r.prog.Area.Code}}}
	}
	if err := r.allow(actor, PermManageStaff, s.Scope); err != nil {
		return nil, err
	}
	if err := r.store.CreateStaff(ctx, s); err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// CheckTeam checks the team composition against the programme (TM-1).
func (r *Registry) CheckTeam(ctx context.Context, actor Actor) (TeamCheck, error) {
	if err := r.allow(actor, PermReadStaff, r.prog.Area.Code); err != nil {
		return TeamCheck{}, err
	}
	var staff []*Staff
	for s, err := range r.store.StaffMembers(ctx, r.prog.Area.Code) {
		if err != nil {
			return TeamCheck{}, err
		}
		staff = append(staff, s)
	}
	return CheckTeam(staff, r.prog.Team), nil
}
