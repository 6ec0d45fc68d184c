package casework

import (
	"context"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Entity kinds of casework records in journal leaves and exports.
const (
	EntityCase     = "case"
	EntityReferral = "referral"
	EntityIncident = "incident"
	EntityActivity = "activity"
)

// CaseFilter selects cases. Area is required. Cases are ordered by (ChildID, ID).
type CaseFilter struct {
	Area    string
	ChildID uuid.UUID // uuid.Nil: every child
}

// ReferralFilter selects referrals. Area is required. Referrals are ordered by (ChildID, ID).
type ReferralFilter struct {
	Area    string
	ChildID uuid.UUID // uuid.Nil: every child
}

// IncidentFilter selects incidents. Area is required. Incidents are ordered by
// (Discovered, ID).
type IncidentFilter struct {
	Area string
	// From (inclusive) and To (exclusive) bound Discovered; zero means unbounded.
	From, To time.Time
}

// ActivityFilter selects activities. Area is required. Activities are ordered by (Date, ID).
type ActivityFilter struct {
	Area string
	// From and To bound Date, both inclusive; zero means unbounded.
	From, To welfare.Date
}

// Store keeps cases, referrals, incidents and activities next to the registry's
// records. Inside Atomically, the welfare.Store passed to fn implements Store too
// (assert it).
//
// Versions: Create* stores version 1 and sets it on the record; an existing ID fails
// with welfare.ErrConflict; a missing ID or area code (or child ID, for cases,
// referrals and incidents) with welfare.ErrInvalid. Update* succeeds only if the stored
// version equals the record's Version, then stores Version+1 and sets it; a stale
// version fails with welfare.ErrConflict, an unknown ID with welfare.ErrNotFound, a
// changed area code with welfare.ErrInvalid. Every write is journaled (kind Entity*,
// ID, version, journal.RecordHash of the record as read back) in the same transaction.
// Stores keep records as the Normalize* functions return them and hand out copies.
// Scans stream with memory bounded by a page, not the area; "ID order" is the byte
// order of the 16-byte UUID.
type Store interface {
	welfare.Store

	CreateCase(ctx context.Context, c *Case) error
	UpdateCase(ctx context.Context, c *Case) error
	GetCase(ctx context.Context, id uuid.UUID) (*Case, error)
	Cases(ctx context.Context, f CaseFilter) iter.Seq2[*Case, error]

	CreateReferral(ctx context.Context, r *Referral) error
	UpdateReferral(ctx context.Context, r *Referral) error
	GetReferral(ctx context.Context, id uuid.UUID) (*Referral, error)
	Referrals(ctx context.Context, f ReferralFilter) iter.Seq2[*Referral, error]

	CreateIncident(ctx context.Context, in *Incident) error
	UpdateIncident(ctx context.Context, in *Incident) error
	GetIncident(ctx context.Context, id uuid.UUID) (*Incident, error)
	Incidents(ctx context.Context, f IncidentFilter) iter.Seq2[*Incident, error]

	CreateActivity(ctx context.Context, a *Activity) error
	UpdateActivity(ctx context.Context, a *Activity) error
	GetActivity(ctx context.Context, id uuid.UUID) (*Activity, error)
	Activities(ctx context.Context, f ActivityFilter) iter.Seq2[*Activity, error]
}

func st(t *time.Time) {
	if !t.IsZero() {
		*t = welfare.StoreTime(*t)
	}
}

func stp(t *time.Time) {
	if t != nil {
		st(t)
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// NormalizeCase returns a copy of c as stores keep it: times as welfare.StoreTime
// normalises them, empty slices as nil.
func NormalizeCase(c *Case) *Case {
	if c == nil {
		return nil
	}
	d := c.Clone()
	st(&d.Opened)
	st(&d.UpdatedAt)
	for i := range d.Assessments {
		st(&d.Assessments[i].At)
		d.Assessments[i].Ratings = nilIfEmpty(d.Assessments[i].Ratings)
	}
	for i := range d.Plans {
		p := &d.Plans[i]
		st(&p.Submitted)
		if p.Approval != nil {
			st(&p.Approval.At)
		}
		p.Goals, p.Actions = nilIfEmpty(p.Goals), nilIfEmpty(p.Actions)
	}
	for i := range d.Done {
		st(&d.Done[i].At)
	}
	for i := range d.Reviews {
		st(&d.Reviews[i].At)
	}
	for i := range d.Notes {
		st(&d.Notes[i].At)
	}
	for i := range d.Closures {
		st(&d.Closures[i].At)
		if a := d.Closures[i].Approval; a != nil {
			st(&a.At)
		}
	}
	for i := range d.Reopenings {
		st(&d.Reopenings[i].At)
	}
	if d.Typical != nil {
		st(&d.Typical.At)
		d.Typical.Narrative = d.Typical.Narrative.normalized()
	}
	d.Assessments, d.Plans, d.Done = nilIfEmpty(d.Assessments), nilIfEmpty(d.Plans), nilIfEmpty(d.Done)
	d.Reviews, d.Notes, d.Closures, d.Reopenings = nilIfEmpty(d.Reviews), nilIfEmpty(d.Notes), nilIfEmpty(d.Closures), nilIfEmpty(d.Reopenings)
	return d
}

// NormalizeReferral returns a copy of r as stores keep it.
func NormalizeReferral(r *Referral) *Referral {
	if r == nil {
		return nil
	}
	d := r.Clone()
	st(&d.Made)
	st(&d.UpdatedAt)
	if d.Consent != nil {
		st(&d.Consent.At)
	}
	for i := range d.Events {
		st(&d.Events[i].At)
	}
	d.Events = nilIfEmpty(d.Events)
	return d
}

// NormalizeIncident returns a copy of in as stores keep it.
func NormalizeIncident(in *Incident) *Incident {
	if in == nil {
		return nil
	}
	d := in.Clone()
	stp(d.Occurred)
	st(&d.Discovered)
	st(&d.Recorded)
	stp(d.Resolved)
	st(&d.UpdatedAt)
	for i := range d.Reports {
		r := &d.Reports[i]
		st(&r.Due)
		stp(r.Sent)
		stp(r.Ack)
		for j := range r.Attempts {
			st(&r.Attempts[j].At)
		}
		for j := range r.Escalations {
			st(&r.Escalations[j].At)
		}
		r.Attempts, r.Escalations = nilIfEmpty(r.Attempts), nilIfEmpty(r.Escalations)
	}
	for i := range d.Measures {
		st(&d.Measures[i].At)
	}
	d.Facts, d.Measures, d.Reports = nilIfEmpty(d.Facts), nilIfEmpty(d.Measures), nilIfEmpty(d.Reports)
	return d
}

// NormalizeActivity returns a copy of a as stores keep it.
func NormalizeActivity(a *Activity) *Activity {
	if a == nil {
		return nil
	}
	d := a.Clone()
	st(&d.UpdatedAt)
	if d.Publicity != nil {
		st(&d.Publicity.At)
	}
	d.Forms, d.Topics, d.Holidays = nilIfEmpty(d.Forms), nilIfEmpty(d.Topics), nilIfEmpty(d.Holidays)
	d.Participants.Children, d.Evidence = nilIfEmpty(d.Participants.Children), nilIfEmpty(d.Evidence)
	return d
}
