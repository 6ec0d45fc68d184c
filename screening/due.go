package screening

import (
	"bytes"
	"context"
	"iter"
	"slices"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Reasons a child should be screened (PS-1).
const (
	// ReasonKeyChild: the child has an open key-care ledger entry (重点儿童).
	ReasonKeyChild = "key_child"
	// ReasonMentalConcern: the child's latest mental-state observation, made by a visit,
	// survey, import or case (anything but a screening), is a concern.
	ReasonMentalConcern = "mental_concern"
	// ReasonRequest: a guardian, school, the child or a worker asked (an open Request).
	ReasonRequest = "request"
	// ReasonRescreen: ScreeningRules.RescreenMonths have passed since the last session.
	ReasonRescreen = "rescreen"
)

// DueReason is one reason a child should be screened, with the day it arose.
type DueReason struct {
	Code   string       `json:"code"`
	Since  welfare.Date `json:"since"`
	RuleID string       `json:"rule_id"`
	Ref    string       `json:"ref,omitempty"` // the ledger entry, request or observation source
}

// DueChild is a child who should be screened on or before the day asked about.
type DueChild struct {
	ChildID  uuid.UUID `json:"child_id"`
	Township string    `json:"township"`
	Village  string    `json:"village,omitempty"`
	// Reasons lists every reason that applies, including those a past session already
	// answered (a screened key child stays a key child; it is due again at the rescreen
	// date).
	Reasons []DueReason `json:"reasons"`
	// DueDate is the earliest day a reason arose after the last session, or else the
	// rescreen date.
	DueDate      welfare.Date `json:"due_date"`
	LastScreened welfare.Date `json:"last_screened,omitzero"`
	NextRescreen welfare.Date `json:"next_rescreen,omitzero"`
}

// Due lists, at query time, who in the actor's scope should be screened on asOf (PS-1):
// identified and monitored children with an open key-care ledger entry, whose latest
// mental-state observation from anything but a screening is a concern, or with an open
// request — unless a session since the reason arose answered it — and every screened
// child whose rescreen date (last session + ScreeningRules.RescreenMonths; 0 turns
// rescreening off) has come. Sessions and requests dated after asOf are ignored. The
// list is ordered by due date, then child ID. The actor needs PermReadLevel: the list
// names reasons, never answers or scores.
//
// The children, the ledger, the sessions and the requests of the area are streamed
// together in child-ID order, so memory grows with the children due, not the area.
func (s *Service) Due(ctx context.Context, actor welfare.Actor, asOf welfare.Date) ([]DueChild, error) {
	area := s.prog.Area.Code
	if err := s.allow(actor, PermReadLevel, actor.Scope); err != nil {
		return nil, err
	}
	region := ""
	if actor.Scope != area {
		region = actor.Scope
	}
	entries := pull(s.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area, OpenOnly: true}))
	defer entries.stop()
	// Sessions and requests of the whole area: a child who moved keeps its history.
	sessions := pull(s.store.Sessions(ctx, SessionFilter{Area: area}))
	defer sessions.stop()
	requests := pull(s.store.Requests(ctx, RequestFilter{Area: area}))
	defer requests.stop()

	var out []DueChild
	children := s.store.Children(ctx, welfare.ChildFilter{Area: area, Region: region,
		States: []welfare.LifecycleState{welfare.StateIdentified, welfare.StateMonitored}})
	for c, err := range children {
		if err != nil {
			return nil, err
		}
		if c.MergedInto != nil {
			continue
		}
		es, err := upTo(entries, c.ID, func(e *welfare.KeyEntry) uuid.UUID { return e.ChildID })
		if err != nil {
			return nil, err
		}
		ss, err := upTo(sessions, c.ID, func(x *Session) uuid.UUID { return x.ChildID })
		if err != nil {
			return nil, err
		}
		rs, err := upTo(requests, c.ID, func(r *Request) uuid.UUID { return r.ChildID })
		if err != nil {
			return nil, err
		}
		var last welfare.Date
		for _, x := range ss {
			if !x.Date.After(asOf) && x.Date.After(last) {
				last = x.Date
			}
		}
		if d, ok := s.dueFor(c, es, last, rs, asOf); ok {
			out = append(out, d)
		}
	}
	for _, cur := range []interface{ failed() error }{entries, sessions, requests} {
		if err := cur.failed(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b DueChild) int {
		if c := a.DueDate.Compare(b.DueDate); c != 0 {
			return c
		}
		return bytes.Compare(a.ChildID[:], b.ChildID[:])
	})
	return out, nil
}

// dueFor applies the PS-1 rules to one child.
func (s *Service) dueFor(c *welfare.Child, entries []*welfare.KeyEntry, last welfare.Date, reqs []*Request, asOf welfare.Date) (DueChild, bool) {
	var reasons []DueReason
	var key *welfare.KeyEntry
	for _, e := range entries {
		if e.OpenOn(asOf) && (key == nil || e.Opened.Before(key.Opened)) {
			key = e
		}
	}
	if key != nil {
		reasons = append(reasons, DueReason{Code: ReasonKeyChild, Since: key.Opened, RuleID: "PS-1", Ref: "key_entry:" + key.ID.String()})
	}
	if o, ok := c.Status[welfare.AspectMental]; ok && o.Concern && o.Source.Kind != "screening" && !o.Date.After(asOf) {
		ref := o.Source.Kind
		if o.Source.Ref != "" {
			ref += ":" + o.Source.Ref
		}
		reasons = append(reasons, DueReason{Code: ReasonMentalConcern, Since: o.Date, RuleID: "PS-1", Ref: ref})
	}
	var req *Request
	for _, r := range reqs {
		if r.Date.After(asOf) || (!last.IsZero() && !r.Date.After(last)) {
			continue // not yet made, or answered by a session on or after it
		}
		if req == nil || r.Date.Before(req.Date) {
			req = r
		}
	}
	if req != nil {
		reasons = append(reasons, DueReason{Code: ReasonRequest, Since: req.Date, RuleID: "PS-1", Ref: "request:" + req.ID.String()})
	}
	d := DueChild{ChildID: c.ID, Township: c.Residence.Township, Village: c.Residence.Village, LastScreened: last}
	if !last.IsZero() && s.rules.RescreenMonths > 0 {
		d.NextRescreen = last.AddDate(0, s.rules.RescreenMonths, 0)
	}
	for _, r := range reasons {
		if (last.IsZero() || r.Since.After(last)) && (d.DueDate.IsZero() || r.Since.Before(d.DueDate)) {
			d.DueDate = r.Since
		}
	}
	if d.DueDate.IsZero() && !d.NextRescreen.IsZero() {
		d.DueDate = d.NextRescreen
		reasons = append(reasons, DueReason{Code: ReasonRescreen, Since: d.NextRescreen, RuleID: "PS-2/rescreen"})
	}
	if d.DueDate.IsZero() || d.DueDate.After(asOf) {
		return DueChild{}, false
	}
	d.Reasons = reasons
	return d, true
}

// cursor is a pulled, peekable stream.
type cursor[T any] struct {
	next func() (T, error, bool)
	stop func()
	cur  T
	err  error
	ok   bool
}

func pull[T any](seq iter.Seq2[T, error]) *cursor[T] {
	next, stop := iter.Pull2(seq)
	c := &cursor[T]{next: next, stop: stop}
	c.advance()
	return c
}

func (c *cursor[T]) advance() {
	if c.err != nil {
		c.ok = false
		return
	}
	c.cur, c.err, c.ok = c.next()
	if c.err != nil {
		c.ok = false
	}
}

func (c *cursor[T]) failed() error { return c.err }

// upTo skips the values of children before id and returns those of id. Every stream is
// ordered by child ID in byte order, like the children.
func upTo[T any](c *cursor[T], id uuid.UUID, child func(T) uuid.UUID) ([]T, error) {
	var out []T
	for c.ok {
		k := child(c.cur)
		cmp := bytes.Compare(k[:], id[:])
		if cmp > 0 {
			break
		}
		if cmp == 0 {
			out = append(out, c.cur)
		}
		c.advance()
	}
	return out, c.err
}
