package screening

import (
	"context"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Changes between consecutive scores of a scale.
const (
	ChangeImproved  = "improved"
	ChangeWorsened  = "worsened"
	ChangeUnchanged = "unchanged"
)

// Archive is a child's psychological archive (心理健康档案, PS-2, 一人一档), derived at
// query time from the sessions. Full is false in the redacted view, which holds the
// current risk level and its date only.
type Archive struct {
	ChildID uuid.UUID    `json:"child_id"`
	AsOf    welfare.Date `json:"as_of"`
	Full    bool         `json:"full"`
	// Level is the current risk level: the highest level among the latest valid
	// session of each instrument ("" if none). LevelDate is that session's date.
	Level     string       `json:"level"`
	LevelDate welfare.Date `json:"level_date,omitzero"`

	// Full view only.
	Abnormal     bool         `json:"abnormal,omitempty"`
	Sessions     []*Session   `json:"sessions,omitempty"` // by date, then recording time
	Trends       []Trend      `json:"trends,omitempty"`
	FollowUps    []FollowUp   `json:"follow_ups,omitempty"`
	Proposals    []Proposal   `json:"proposals,omitempty"`
	NextRescreen welfare.Date `json:"next_rescreen,omitzero"`
}

// Trend is one scale's scores over the valid sessions of one instrument, and the change
// of the latest score since the previous one.
type Trend struct {
	Instrument     string       `json:"instrument"`
	Scale          string       `json:"scale"`
	HigherIsBetter bool         `json:"higher_is_better,omitempty"`
	MinimalChange  int          `json:"minimal_change"`
	Points         []TrendPoint `json:"points"`
	// Change is "" with a single point; otherwise improved or worsened when the score
	// moved by at least MinimalChange, else unchanged. Delta is latest − previous.
	Change string `json:"change,omitempty"`
	Delta  int    `json:"delta"`
}

// TrendPoint is one score of a trend.
type TrendPoint struct {
	Session  uuid.UUID    `json:"session"`
	Date     welfare.Date `json:"date"`
	Score    int          `json:"score"`
	Band     string       `json:"band,omitempty"`
	Prorated bool         `json:"prorated,omitempty"`
}

// Follow-up kinds.
const (
	// FollowUrgent: a flagged session the counsellor has not seen the child since.
	FollowUrgent = "urgent"
	// FollowReferral: an abnormal result not yet followed by a counsellor's session,
	// due ScreeningRules.ReferralDays after it (CS-1).
	FollowReferral = "referral"
	// FollowRescreen: the next screening, RescreenMonths after the last session.
	FollowRescreen = "rescreen"
	// FollowKeyLedger: an abnormal current level without an open ledger entry of the
	// category 心理和行为异常 (MS-2).
	FollowKeyLedger = "key_ledger"
)

// FollowUp is an open task the archive derives. Until casework records referrals, a
// referral or urgent follow-up counts as met once a session administered by a
// counsellor is recorded after it.
type FollowUp struct {
	Kind    string         `json:"kind"`
	Session uuid.UUID      `json:"session,omitzero"`
	Due     welfare.Date   `json:"due"`
	Overdue bool           `json:"overdue,omitempty"`
	RuleID  string         `json:"rule_id"`
	Facts   []welfare.Fact `json:"facts,omitempty"`
}

// Proposal is what an abnormal current level proposes (CS-1, MS-2): the key-ledger
// category 心理和行为异常 and a referral to the counsellor. Satisfied says the ledger
// entry is open, or the counsellor has seen the child since.
type Proposal struct {
	Kind      string              `json:"kind"` // FollowKeyLedger or FollowReferral
	Category  welfare.KeyCategory `json:"category,omitempty"`
	Name      string              `json:"name"`
	Session   uuid.UUID           `json:"session"`
	Due       welfare.Date        `json:"due,omitzero"`
	Satisfied bool                `json:"satisfied"`
	RuleID    string              `json:"rule_id"`
}

// Archive returns the child's psychological archive on the service's current day and
// records the read (welfare.AccessRecord, action PermReadAnswers or PermReadLevel). The
// counsellor, the project lead and the child's case worker get the full archive: every
// session with its answers, the score trend of every scale, the change since the
// previous session, the current level, open follow-ups and proposals. Others with
// PermReadLevel in scope get the redacted view; anyone else welfare.ErrOutOfScope.
func (s *Service) Archive(ctx context.Context, actor welfare.Actor, childID uuid.UUID) (*Archive, error) {
	child, err := s.store.GetChild(ctx, childID)
	if err != nil {
		return nil, err
	}
	full, err := s.view(ctx, actor, child)
	if err != nil {
		return nil, err
	}
	var sessions []*Session
	for x, err := range s.store.ChildSessions(ctx, childID) {
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, x)
	}
	perm := PermReadLevel
	if full {
		perm = PermReadAnswers
	}
	if err := s.recordRead(ctx, actor, childID, perm, "心理健康档案查阅"); err != nil {
		return nil, err
	}
	a := &Archive{ChildID: childID, AsOf: s.today(), Full: full}
	a.Level, a.LevelDate = s.currentLevel(sessions)
	if !full {
		return a, nil
	}
	a.Sessions = sessions
	a.Abnormal = AtLeast(s.rules.Levels, a.Level, s.rules.AbnormalFrom)
	a.Trends = s.trends(sessions)
	if n := len(sessions); n > 0 && s.rules.RescreenMonths > 0 {
		a.NextRescreen = sessions[n-1].Date.AddDate(0, s.rules.RescreenMonths, 0)
	}
	open, err := s.openEntry(ctx, s.store, child, welfare.KeyPsychological, a.AsOf)
	if err != nil {
		return nil, err
	}
	s.followUps(a, sessions, open)
	return a, nil
}

// currentLevel is the highest level among the latest valid session of each instrument.
func (s *Service) currentLevel(sessions []*Session) (string, welfare.Date) {
	latest := map[string]*Session{}
	for _, x := range sessions {
		if x.Result.Level != "" {
			latest[x.Instrument] = x
		}
	}
	best, level, date := -1, "", welfare.Date{}
	for _, x := range latest {
		r := Rank(s.rules.Levels, x.Result.Level)
		if r > best || (r == best && x.Date.After(date)) {
			best, level, date = r, x.Result.Level, x.Date
		}
	}
	return level, date
}

// trends builds one trend per instrument and scale, in order of first appearance.
func (s *Service) trends(sessions []*Session) []Trend {
	var out []Trend
	at := map[[2]string]int{}
	for _, x := range sessions {
		if !x.Result.Valid {
			continue // an invalid session's scores are not interpreted (MHT lie scale)
		}
		for _, sc := range x.Result.Scales {
			if !sc.Scored {
				continue
			}
			k := [2]string{x.Instrument, sc.Scale}
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				t := Trend{Instrument: x.Instrument, Scale: sc.Scale, MinimalChange: 1}
				if in, ok := s.cat.Get(x.Instrument, x.InstrumentVersion); ok {
					t.HigherIsBetter, t.MinimalChange = in.scaleDirection(sc.Scale)
				}
				t.MinimalChange = s.minimalChange(x.Instrument, sc.Scale, t.MinimalChange)
				out = append(out, t)
			}
			out[i].Points = append(out[i].Points, TrendPoint{Session: x.ID, Date: x.Date, Score: sc.Score, Band: sc.Band, Prorated: sc.Prorated})
		}
	}
	for i := range out {
		t := &out[i]
		if n := len(t.Points); n >= 2 {
			t.Delta = t.Points[n-1].Score - t.Points[n-2].Score
			t.Change = change(t.Delta, t.MinimalChange, t.HigherIsBetter)
		}
	}
	return out
}

// change classifies delta under the minimal change.
func change(delta, minimal int, higherIsBetter bool) string {
	mag := delta
	if mag < 0 {
		mag = -mag
	}
	switch {
	case mag < max(minimal, 1):
		return ChangeUnchanged
	case (delta > 0) == higherIsBetter:
		return ChangeImproved
	}
	return ChangeWorsened
}

// scaleDirection returns a scale's direction and its own minimal change (1 if unset).
func (in *Instrument) scaleDirection(id string) (bool, int) {
	var sc *Scale
	if id == TotalID {
		sc = in.Total
	} else {
		for i := range in.Subscales {
			if in.Subscales[i].ID == id {
				sc = &in.Subscales[i]
			}
		}
	}
	if sc == nil {
		return false, 1
	}
	return sc.HigherIsBetter, max(sc.MinimalChange, 1)
}

// minimalChange applies the programme's ScreeningRules.MinimalChange: key "<instrument>"
// for the total, "<instrument>/<scale>" for a subscale.
func (s *Service) minimalChange(instrument, scale string, def int) int {
	key := instrument
	if scale != TotalID {
		key += "/" + scale
	}
	if n, ok := s.rules.MinimalChange[key]; ok {
		return max(n, 1)
	}
	return def
}

// followUps fills the archive's open follow-ups and proposals.
func (s *Service) followUps(a *Archive, sessions []*Session, entryOpen bool) {
	// counsellorAfter[i]: a counsellor administered a session after sessions[i];
	// counsellorFrom[i]: sessions[i] or a later one.
	counsellorAfter := make([]bool, len(sessions))
	counsellorFrom := make([]bool, len(sessions))
	seen := false
	for i := len(sessions) - 1; i >= 0; i-- {
		counsellorAfter[i] = seen
		if sessions[i].AdministeredRole == welfare.RoleCounsellor {
			seen = true
		}
		counsellorFrom[i] = seen
	}
	overdue := func(d welfare.Date) bool { return a.AsOf.After(d) }
	var referral *Session
	for i, x := range sessions {
		if !counsellorAfter[i] {
			for _, f := range x.Result.Flags {
				a.FollowUps = append(a.FollowUps, FollowUp{Kind: FollowUrgent, Session: x.ID, Due: x.Date, Overdue: overdue(x.Date),
					RuleID: x.Instrument + "/" + f.Rule, Facts: []welfare.Fact{{Name: "acute", Value: boolString(f.Acute)}}})
			}
		}
		if !counsellorFrom[i] && referral == nil && AtLeast(s.rules.Levels, x.Result.Level, s.rules.AbnormalFrom) {
			referral = x
		}
	}
	if referral != nil {
		due := referral.Date.AddDate(0, 0, s.rules.ReferralDays)
		a.FollowUps = append(a.FollowUps, FollowUp{Kind: FollowReferral, Session: referral.ID, Due: due, Overdue: overdue(due),
			RuleID: "CS-1", Facts: []welfare.Fact{{Name: "level", Value: referral.Result.Level}}})
	}
	var levelSession *Session
	for i := len(sessions) - 1; i >= 0; i-- {
		if sessions[i].Result.Level == a.Level && sessions[i].Date == a.LevelDate {
			levelSession = sessions[i]
			break
		}
	}
	if a.Abnormal && levelSession != nil {
		if !entryOpen {
			a.FollowUps = append(a.FollowUps, FollowUp{Kind: FollowKeyLedger, Session: levelSession.ID, Due: levelSession.Date,
				Overdue: overdue(levelSession.Date), RuleID: "key/" + string(welfare.KeyPsychological)})
		}
		met := false
		for i, x := range sessions {
			if x == levelSession {
				met = counsellorFrom[i]
			}
		}
		a.Proposals = []Proposal{
			{Kind: FollowKeyLedger, Category: welfare.KeyPsychological, Name: "心理和行为异常", Session: levelSession.ID,
				Satisfied: entryOpen, RuleID: "key/" + string(welfare.KeyPsychological)},
			{Kind: FollowReferral, Name: "转介心理咨询师（心理疏导、心理干预）", Session: levelSession.ID,
				Due: levelSession.Date.AddDate(0, 0, s.rules.ReferralDays), Satisfied: met, RuleID: "CS-1"},
		}
	}
	if !a.NextRescreen.IsZero() {
		a.FollowUps = append(a.FollowUps, FollowUp{Kind: FollowRescreen, Due: a.NextRescreen, Overdue: overdue(a.NextRescreen), RuleID: "PS-2/rescreen"})
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
