package casework

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// ActivityInput records an activity.
type ActivityInput struct {
	Kind         ActivityKind `validate:"required,oneof=care policy_talk festival"`
	Theme        string       `validate:"required,max=200"`
	Forms        []string     `validate:"dive,oneof=community family school peer_integration"`
	Topics       []string     `validate:"dive,max=50"`
	VenueKind    string       `validate:"required,oneof=school community yilao_yixiao station other"`
	Venue        string       `validate:"required,max=200"`
	Township     string       `validate:"required,regioncode"`
	Village      string       `validate:"omitempty,regioncode"`
	Date         welfare.Date `validate:"required"`
	Holidays     []string     `validate:"dive,required"`
	Participants Participants
	Evidence     []ActivityEvidence `validate:"dive"`
	Publicity    *Publicity
}

// RecordActivity records a group activity or policy talk. Registered children must be
// children of the area; holidays must be on the rules' list; the day must lie in the
// programme period and not in the future.
func (s *Service) RecordActivity(ctx context.Context, actor welfare.Actor, in ActivityInput) (*Activity, error) {
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	if in.Publicity != nil {
		if err := s.v.Struct(in.Publicity); err != nil {
			return nil, err
		}
	}
	if !s.prog.Period.Contains(in.Date) || in.Date.After(welfare.DateOf(s.clock.Now())) {
		return nil, invalid("Date", "period", "programme period, not after today")
	}
	if t, ok := s.div.Region(in.Township); !ok || !s.div.Within(s.prog.Area.Code, t.Code) {
		return nil, invalid("Township", "division", s.prog.Area.Code)
	}
	for i, h := range in.Holidays {
		if !slices.ContainsFunc(s.rules.Holidays, func(x Holiday) bool { return x.Code == h }) {
			return nil, invalid(fmt.Sprintf("Holidays[%d]", i), "oneof", "rules holidays")
		}
	}
	if err := s.allow(actor, PermWriteActivity, region(in.Township, in.Village)); err != nil {
		return nil, err
	}
	now := s.now()
	a := &Activity{ID: s.ids.NewID(), AreaCode: s.prog.Area.Code, Kind: in.Kind, Theme: in.Theme,
		Forms: slices.Clone(in.Forms), Topics: slices.Clone(in.Topics), VenueKind: in.VenueKind, Venue: in.Venue,
		Township: in.Township, Village: in.Village, Date: in.Date, Holidays: slices.Clone(in.Holidays),
		Participants: in.Participants, Evidence: slices.Clone(in.Evidence), Organiser: actor.StaffID,
		UpdatedAt: now, UpdatedBy: actor.StaffID.String()}
	a.Participants.Children = slices.Clone(in.Participants.Children)
	if in.Publicity != nil {
		p := *in.Publicity
		a.Publicity = &p
	}
	err := s.atomically(ctx, func(tx Store) error {
		for i, id := range a.Participants.Children {
			c, err := tx.GetChild(ctx, id)
			if err != nil || c.AreaCode != a.AreaCode {
				return invalid(fmt.Sprintf("Participants.Children[%d]", i), "registered", "")
			}
		}
		return tx.CreateActivity(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a.Clone(), nil
}

// RecordPublicity records the WeChat official-account article of an activity (CA-3).
func (s *Service) RecordPublicity(ctx context.Context, actor welfare.Actor, id uuid.UUID, p Publicity) (*Activity, error) {
	if err := s.v.Struct(p); err != nil {
		return nil, err
	}
	var out *Activity
	err := s.atomically(ctx, func(tx Store) error {
		a, err := tx.GetActivity(ctx, id)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWriteActivity, region(a.Township, a.Village)); err != nil {
			return err
		}
		if a.Publicity != nil {
			return fmt.Errorf("%w: publicity already recorded", welfare.ErrTransition)
		}
		a.Publicity = &p
		a.UpdatedAt, a.UpdatedBy = s.now(), actor.StaffID.String()
		if err := tx.UpdateActivity(ctx, a); err != nil {
			return err
		}
		out = a.Clone()
		return nil
	})
	return out, err
}

// CheckActivities runs the activity checks (CA-1..CA-3, PT-1) over the area's
// activities as of day asOf; see the package function CheckActivities.
func (s *Service) CheckActivities(ctx context.Context, actor welfare.Actor, asOf welfare.Date) (ActivityReport, error) {
	if err := s.allow(actor, PermReadActivity, s.prog.Area.Code); err != nil {
		return ActivityReport{}, err
	}
	var acts []*Activity
	for a, err := range s.store.Activities(ctx, ActivityFilter{Area: s.prog.Area.Code, From: s.prog.Period.Start, To: s.prog.Period.End}) {
		if err != nil {
			return ActivityReport{}, err
		}
		acts = append(acts, a)
	}
	return CheckActivities(acts, s.prog, s.rules, asOf)
}
