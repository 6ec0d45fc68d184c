package welfare

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// ErrNotEligible reports that a child does not meet the programme's eligibility rule for
// the requested step; the error's Decision says why.
var ErrNotEligible = errors.New("welfare: not eligible under the programme's rule")

// NotEligibleError carries the decision behind ErrNotEligible.
type NotEligibleError struct{ Decision Decision }

func (e *NotEligibleError) Error() string {
	return fmt.Sprintf("welfare: not eligible under rule %s/%s: %s",
		e.Decision.RuleID, e.Decision.RuleVersion, strings.Join(e.Decision.Reasons, "; "))
}

// Is makes errors.Is(err, ErrNotEligible) true.
func (e *NotEligibleError) Is(target error) bool { return target == ErrNotEligible }

// Options configure a Registry. The zero value gives defaults: system clock, UUIDv7 IDs,
// no logging, a new validator, the embedded Nanchang County divisions and DefaultAccess.
type Options struct {
	Clock     Clock
	IDs       IDGenerator
	Logger    *zap.Logger
	Validator *Validator
	Divisions *Divisions
	Access    AccessMatrix
}

// Registry is the registry service (登记管理): registration, survey updates, lifecycle,
// duplicates, the key-care ledger, staff, and census statistics. Every call acts for an
// Actor and is limited to the actor's permissions and region scope.
type Registry struct {
	store  Store
	prog   *Programme
	clock  Clock
	ids    IDGenerator
	log    *zap.Logger
	v      *Validator
	div    *Divisions
	access AccessMatrix
}

// NewRegistry returns a registry over store for programme prog.
func NewRegistry(store Store, prog *Programme, opts Options) (*Registry, error) {
	if store == nil || prog == nil {
		return nil, errors.New("welfare: NewRegistry needs a store and a programme")
	}
	if err := prog.Validate(); err != nil {
		return nil, fmt.Errorf("welfare: programme: %w", err)
	}
	r := &Registry{store: store, prog: prog, clock: opts.Clock, ids: opts.IDs, log: opts.Logger,
		v: opts.Validator, div: opts.Divisions, access: opts.Access}
	if r.clock == nil {
		r.clock = SystemClock{}
	}
	if r.ids == nil {
		r.ids = UUIDv7{}
	}
	if r.log == nil {
		r.log = zap.NewNop()
	}
	if r.v == nil {
		r.v = NewValidator()
	}
	if r.div == nil {
		r.div = NanchangCounty()
	}
	if r.access == nil {
		r.access = DefaultAccess()
	}
	if _, ok := r.div.Region(prog.Area.Code); !ok {
		return nil, fmt.Errorf("welfare: programme area %s is not in the division list", prog.Area.Code)
	}
	return r, nil
}

// Programme returns the rules the registry applies.
func (r *Registry) Programme() *Programme { return r.prog }

// Divisions returns the division list the registry validates regions against.
func (r *Registry) Divisions() *Divisions { return r.div }

// today is the Beijing day of the registry's clock.
func (r *Registry) today() Date { return DateOf(r.clock.Now()) }

// now is the clock's time as stores keep it: UTC, microseconds.
func (r *Registry) now() time.Time { return StoreTime(r.clock.Now()) }

// childRegion is the most specific region code of the child's residence.
func childRegion(c *Child) string {
	if c.Residence.Village != "" {
		return c.Residence.Village
	}
	return c.Residence.Township
}

func (r *Registry) allow(a Actor, p Permission, region string) error {
	if a.Area != r.prog.Area.Code {
		return fmt.Errorf("%w: actor area %s", ErrOutOfScope, a.Area)
	}
	return r.access.Allows(a, p, region)
}

// checkResidence validates the residence codes against the division list.
func (r *Registry) checkResidence(c *Child) error {
	var fields []FieldError
	t, ok := r.div.Region(c.Residence.Township)
	if !ok || t.Level != LevelTownship || !r.div.Within(r.prog.Area.Code, t.Code) {
		fields = append(fields, FieldError{Field: "Residence.Township", Rule: "division", Param: r.prog.Area.Code})
	}
	if c.Residence.Village != "" {
		if v, ok := r.div.Region(c.Residence.Village); !ok || v.Parent != c.Residence.Township {
			fields = append(fields, FieldError{Field: "Residence.Village", Rule: "division", Param: "Residence.Township"})
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// PossibleDuplicate is an existing child that looks like the same person.
type PossibleDuplicate struct {
	ChildID uuid.UUID `json:"child_id"`
	// Match is "name_birth" or, stronger, "name_birth_phone" (a guardian phone matches).
	Match string `json:"match"`
}

// Registration is the result of RegisterChild.
type Registration struct {
	Child              *Child              `json:"child"`
	Decision           Decision            `json:"decision"`
	PossibleDuplicates []PossibleDuplicate `json:"possible_duplicates,omitempty"`
}

// RegisterChild records a newly identified child (识别认定·新增, MS-1) in state identified
// on the registry's current day. The input's ID, version, area, lifecycle and timestamps
// are set by the registry. A child whose identity number is already registered in the
// area fails with ErrDuplicate; one with the same name and birth date is registered and
// reported as a possible duplicate for a person to merge or dismiss.
func (r *Registry) RegisterChild(ctx context.Context, actor Actor, in Child) (*Registration, error) {
	c := in.Clone()
	c.Lifecycle, c.MergedInto = nil, nil
	if err := r.v.Struct(c); err != nil {
		return nil, err
	}
	if err := r.checkResidence(c); err != nil {
		return nil, err
	}
	if err := r.allow(actor, PermWriteChild, childRegion(c)); err != nil {
		return nil, err
	}
	today := r.today()
	c.ID, c.Version, c.AreaCode = r.ids.NewID(), 0, r.prog.Area.Code
	c.CreatedAt, c.UpdatedAt = r.now(), r.now()
	c.UpdatedBy = actor.StaffID.String()
	if err := c.transition(StateIdentified, LifecycleEvent{On: today, Actor: c.UpdatedBy, Recorded: c.CreatedAt}); err != nil {
		return nil, err
	}
	if !c.IDNumber.IsZero() {
		if _, err := r.store.ChildByIDNumber(ctx, c.AreaCode, c.IDNumber); err == nil {
			return nil, fmt.Errorf("%w: already registered in area %s", ErrDuplicate, c.AreaCode)
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	dups, err := r.possibleDuplicates(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := r.store.CreateChild(ctx, c); err != nil {
		return nil, err
	}
	r.log.Info("child registered", zap.Object("actor", actor), zap.Object("child", c), zap.Int("possible_duplicates", len(dups)))
	return &Registration{Child: c.Clone(), Decision: r.prog.Eligibility.Decide(c, r.prog.Area.Code, today), PossibleDuplicates: dups}, nil
}

func (r *Registry) possibleDuplicates(ctx context.Context, c *Child) ([]PossibleDuplicate, error) {
	same, err := r.store.ChildrenByNameBirth(ctx, c.AreaCode, c.Name, c.BirthDate)
	if err != nil {
		return nil, err
	}
	var out []PossibleDuplicate
	for _, o := range same {
		if o.ID == c.ID || o.MergedInto != nil {
			continue
		}
		m := PossibleDuplicate{ChildID: o.ID, Match: "name_birth"}
		if sharesPhone(c, o) {
			m.Match = "name_birth_phone"
		}
		out = append(out, m)
	}
	return out, nil
}

func sharesPhone(a, b *Child) bool {
	for _, g := range a.Guardians {
		for _, h := range b.Guardians {
			if g.Phone != "" && g.Phone == h.Phone {
				return true
			}
		}
	}
	return false
}

// GetChild returns a child's file and records the read (who, when, why). Out of scope:
// ErrOutOfScope and no data.
func (r *Registry) GetChild(ctx context.Context, actor Actor, id uuid.UUID, purpose string) (*Child, error) {
	c, err := r.store.GetChild(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.allow(actor, PermReadChild, childRegion(c)); err != nil {
		return nil, err
	}
	if err := r.store.RecordAccess(ctx, AccessRecord{ID: r.ids.NewID(), At: r.now(), StaffID: actor.StaffID,
		Role: actor.Role, ChildID: id, Purpose: purpose, Action: string(PermReadChild)}); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateChild replaces a child's survey fields with those of in (信息摸排 updates).
// in.Version must be the version read; ID, area, lifecycle, status and creation time are
// kept from the stored record. A stale version fails with ErrConflict.
func (r *Registry) UpdateChild(ctx context.Context, actor Actor, in Child) (*Child, error) {
	cur, err := r.store.GetChild(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := r.allow(actor, PermWriteChild, childRegion(cur)); err != nil {
		return nil, err
	}
	c := in.Clone()
	c.AreaCode, c.Lifecycle, c.Status, c.MergedInto, c.CreatedAt = cur.AreaCode, cur.Lifecycle, cur.Status, cur.MergedInto, cur.CreatedAt
	if err := r.v.Struct(c); err != nil {
		return nil, err
	}
	if err := r.checkResidence(c); err != nil {
		return nil, err
	}
	if err := r.allow(actor, PermWriteChild, childRegion(c)); err != nil {
		return nil, err
	}
	c.UpdatedAt, c.UpdatedBy = r.now(), actor.StaffID.String()
	if err := r.store.UpdateChild(ctx, c); err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// mutate loads a child, checks scope, applies fn and stores the result.
func (r *Registry) mutate(ctx context.Context, actor Actor, id uuid.UUID, fn func(c *Child) error) (*Child, error) {
	c, err := r.store.GetChild(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.allow(actor, PermWriteChild, childRegion(c)); err != nil {
		return nil, err
	}
	if err := fn(c); err != nil {
		return nil, err
	}
	c.UpdatedAt, c.UpdatedBy = r.now(), actor.StaffID.String()
	if err := r.store.UpdateChild(ctx, c); err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// ConfirmMonitoring moves an identified child to monitored (在册) on day on, after the
// survey. The programme's eligibility rule must hold that day, else ErrNotEligible with
// the decision.
func (r *Registry) ConfirmMonitoring(ctx context.Context, actor Actor, id uuid.UUID, on Date) (*Child, error) {
	return r.mutate(ctx, actor, id, func(c *Child) error {
		if d := r.prog.Eligibility.Decide(c, c.AreaCode, on); d.Outcome != OutcomeEligible {
			return &NotEligibleError{Decision: d}
		}
		return c.transition(StateMonitored, LifecycleEvent{On: on, Actor: actor.StaffID.String(), Recorded: r.now()})
	})
}

// Exit ends monitoring (退出) on day on with a reason.
func (r *Registry) Exit(ctx context.Context, actor Actor, id uuid.UUID, reason ExitReason, on Date, note string) (*Child, error) {
	return r.mutate(ctx, actor, id, func(c *Child) error {
		return c.transition(StateExited, LifecycleEvent{On: on, Reason: reason, Note: note, Actor: actor.StaffID.String(), Recorded: r.now()})
	})
}

// ReEnter brings an exited child back (re-entry starts again at identified).
func (r *Registry) ReEnter(ctx context.Context, actor Actor, id uuid.UUID, on Date) (*Child, error) {
	return r.mutate(ctx, actor, id, func(c *Child) error {
		if c.MergedInto != nil {
			return fmt.Errorf("%w: record was merged into another", ErrTransition)
		}
		return c.transition(StateIdentified, LifecycleEvent{On: on, Actor: actor.StaffID.String(), Recorded: r.now()})
	})
}

// Observe records what a visit, screening or survey saw of one aspect of the child
// (dynamic monitoring). A back-dated observation never replaces a newer one; the
// returned bool says whether it was kept.
func (r *Registry) Observe(ctx context.Context, actor Actor, id uuid.UUID, a Aspect, o Observation) (*Child, bool, error) {
	if !slices.Contains(Aspects(), a) {
		return nil, false, &ValidationError{Fields: []FieldError{{Field: "Aspect", Rule: "oneof"}}}
	}
	if err := r.v.Struct(o); err != nil {
		return nil, false, err
	}
	kept := false
	c, err := r.mutate(ctx, actor, id, func(c *Child) error {
		kept = c.Status.Apply(a, o)
		return nil
	})
	return c, kept, err
}

// Merge resolves a duplicate: dup exits with reason duplicate and points at keep; dup's
// ledger entries move to keep; dup's observations join keep's where newer. Both records
// and their histories are kept. All writes are atomic.
func (r *Registry) Merge(ctx context.Context, actor Actor, keep, dup uuid.UUID, on Date) error {
	if keep == dup {
		return &ValidationError{Fields: []FieldError{{Field: "dup", Rule: "nefield", Param: "keep"}}}
	}
	return r.store.Atomically(ctx, func(tx Store) error {
		k, err := tx.GetChild(ctx, keep)
		if err != nil {
			return err
		}
		d, err := tx.GetChild(ctx, dup)
		if err != nil {
			return err
		}
		for _, c := range []*Child{k, d} {
			if err := r.allow(actor, PermMergeRecords, childRegion(c)); err != nil {
				return err
			}
		}
		if d.MergedInto != nil {
			return fmt.Errorf("%w: already merged", ErrTransition)
		}
		now, by := r.now(), actor.StaffID.String()
		if d.State() != StateExited {
			if err := d.transition(StateExited, LifecycleEvent{On: on, Reason: ExitDuplicate, Note: "merged into " + keep.String(), Actor: by, Recorded: now}); err != nil {
				return err
			}
		}
		d.MergedInto = &keep
		for a, o := range d.Status {
			k.Status.Apply(a, o)
		}
		if k.IDNumber.IsZero() && !d.IDNumber.IsZero() {
			k.IDNumber, d.IDNumber = d.IDNumber, "" // the number moves with the person
		}
		d.UpdatedAt, d.UpdatedBy, k.UpdatedAt, k.UpdatedBy = now, by, now, by
		if err := tx.UpdateChild(ctx, d); err != nil {
			return err
		}
		if err := tx.UpdateChild(ctx, k); err != nil {
			return err
		}
		var moved []*KeyEntry
		for e, err := range tx.KeyEntries(ctx, KeyEntryFilter{Area: d.AreaCode, ChildID: dup}) {
			if err != nil {
				return err
			}
			moved = append(moved, e)
		}
		for _, e := range moved {
			e.ChildID, e.UpdatedAt, e.UpdatedBy = keep, now, by
			e.Evidence = append(e.Evidence, "merged-from:"+dup.String())
			if err := tx.UpdateKeyEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Decide applies the programme's eligibility rule to a child's record on day asOf.
func (r *Registry) Decide(c *Child, asOf Date) Decision {
	return r.prog.Eligibility.Decide(c, r.prog.Area.Code, asOf)
}
