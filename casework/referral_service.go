package casework

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/childwelfare/liudong/welfare"
)

// ReferralInput makes a referral.
type ReferralInput struct {
	ChildID    uuid.UUID `validate:"required"`
	CaseID     uuid.UUID // optional
	Target     Target    `validate:"required,oneof=counsellor school hospital police civil_affairs resource"`
	TargetName string    `validate:"max=100"`
	Reason     string    `validate:"required,max=1000"`
	// Consent is the guardian's consent or the legal basis; nil: the referral awaits
	// consent and is not sent until RecordConsent.
	Consent *Consent
	Source  welfare.Source
}

// Refer makes a referral (转介, CS-1). Its Due day is the made day plus the target's
// Rules.ReferralDays (for the counsellor: the programme's Screening.ReferralDays).
func (s *Service) Refer(ctx context.Context, actor welfare.Actor, in ReferralInput) (*Referral, error) {
	if in.Source.Kind == "" {
		in.Source = welfare.Source{Kind: "case", Ref: in.CaseID.String()}
	}
	if err := s.v.Struct(in); err != nil {
		return nil, err
	}
	if in.Consent != nil {
		if err := s.v.Struct(in.Consent); err != nil {
			return nil, err
		}
	}
	var out *Referral
	err := s.atomically(ctx, func(tx Store) error {
		c, err := tx.GetChild(ctx, in.ChildID)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWriteCase, region(c.Residence.Township, c.Residence.Village)); err != nil {
			return err
		}
		if in.CaseID != uuid.Nil {
			cs, err := tx.GetCase(ctx, in.CaseID)
			if err != nil {
				return err
			}
			if cs.ChildID != c.ID {
				return invalid("CaseID", "child", "ChildID")
			}
		}
		r, err := s.newReferral(ctx, tx, c, in, actor.StaffID)
		out = r
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("referral made", zap.Object("actor", actor), zap.String("referral", out.ID.String()), zap.String("target", string(out.Target)))
	return out, nil
}

func (s *Service) newReferral(ctx context.Context, tx Store, c *welfare.Child, in ReferralInput, by uuid.UUID) (*Referral, error) {
	now := s.now()
	src := in.Source
	if src.Kind == "" {
		src = welfare.Source{Kind: "case"}
	}
	r := &Referral{ID: s.ids.NewID(), AreaCode: c.AreaCode, ChildID: c.ID, CaseID: in.CaseID,
		Township: c.Residence.Township, Village: c.Residence.Village, Target: in.Target, TargetName: in.TargetName,
		Reason: in.Reason, Source: src, Made: now, MadeBy: by,
		Due: welfare.DateOf(now).AddDate(0, 0, s.rules.referralDays(in.Target)), UpdatedAt: now, UpdatedBy: by.String()}
	if in.Consent != nil {
		cn := *in.Consent
		cn.RecordedBy = by
		r.Consent = &cn
	}
	if err := tx.CreateReferral(ctx, r); err != nil {
		return nil, err
	}
	return r.Clone(), nil
}

func (s *Service) mutateReferral(ctx context.Context, actor welfare.Actor, id uuid.UUID, fn func(r *Referral, now time.Time) error) (*Referral, error) {
	var out *Referral
	err := s.atomically(ctx, func(tx Store) error {
		r, err := tx.GetReferral(ctx, id)
		if err != nil {
			return err
		}
		if err := s.allow(actor, PermWriteCase, region(r.Township, r.Village)); err != nil {
			return err
		}
		now := s.now()
		if err := fn(r, now); err != nil {
			return err
		}
		r.UpdatedAt, r.UpdatedBy = now, actor.StaffID.String()
		if err := tx.UpdateReferral(ctx, r); err != nil {
			return err
		}
		out = r.Clone()
		return nil
	})
	return out, err
}

// RecordConsent records the guardian's consent or the legal basis of a referral that
// awaits it.
func (s *Service) RecordConsent(ctx context.Context, actor welfare.Actor, id uuid.UUID, c Consent) (*Referral, error) {
	if err := s.v.Struct(c); err != nil {
		return nil, err
	}
	return s.mutateReferral(ctx, actor, id, func(r *Referral, _ time.Time) error {
		if r.Status() != ReferralAwaitingConsent {
			return fmt.Errorf("%w: the referral does not await consent", welfare.ErrTransition)
		}
		c.RecordedBy = actor.StaffID
		r.Consent = &c
		return nil
	})
}

// AdvanceReferral records the target's answer or the referral's end: accepted,
// rejected, completed or revoked, as the current status allows.
func (s *Service) AdvanceReferral(ctx context.Context, actor welfare.Actor, id uuid.UUID, to ReferralStatus, note string) (*Referral, error) {
	if !slices.Contains([]ReferralStatus{ReferralAccepted, ReferralRejected, ReferralCompleted, ReferralRevoked}, to) {
		return nil, invalid("to", "oneof", "accepted rejected completed revoked")
	}
	return s.mutateReferral(ctx, actor, id, func(r *Referral, now time.Time) error {
		if !r.canMove(to) {
			return fmt.Errorf("%w: referral %s cannot become %s", welfare.ErrTransition, r.Status(), to)
		}
		r.Events = append(r.Events, ReferralEvent{Status: to, At: now, By: actor.StaffID, Note: note})
		return nil
	})
}

// GetReferral returns a referral.
func (s *Service) GetReferral(ctx context.Context, actor welfare.Actor, id uuid.UUID) (*Referral, error) {
	r, err := s.store.GetReferral(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.allow(actor, PermReadCase, region(r.Township, r.Village)); err != nil {
		return nil, err
	}
	return r, nil
}
