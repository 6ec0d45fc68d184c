package casework

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Need is a domain a case assessment covers (需求评估).
type Need string

// Needs assessed in every case (CS-1).
const (
	NeedSafety       Need = "safety"        // 安全
	NeedHealth       Need = "health"        // 身体健康
	NeedMentalHealth Need = "mental_health" // 心理健康
	NeedEducation    Need = "education"     // 教育
	NeedGuardianship Need = "guardianship"  // 监护
	NeedEconomic     Need = "economic"      // 经济
)

// Needs lists the needs in report order.
func Needs() []Need {
	return []Need{NeedSafety, NeedHealth, NeedMentalHealth, NeedEducation, NeedGuardianship, NeedEconomic}
}

// Chinese returns the term used in generated documents.
func (n Need) Chinese() string {
	switch n {
	case NeedSafety:
		return "安全"
	case NeedHealth:
		return "身体健康"
	case NeedMentalHealth:
		return "心理健康"
	case NeedEducation:
		return "教育"
	case NeedGuardianship:
		return "监护"
	case NeedEconomic:
		return "经济"
	}
	return string(n)
}

// Level is an assessed need's level.
type Level string

// Need levels.
const (
	LevelNone   Level = "none"
	LevelLow    Level = "low"
	LevelMedium Level = "medium"
	LevelHigh   Level = "high"
)

// Chinese returns the term used in generated documents.
func (l Level) Chinese() string {
	switch l {
	case LevelNone:
		return "无"
	case LevelLow:
		return "低"
	case LevelMedium:
		return "中"
	case LevelHigh:
		return "高"
	}
	return string(l)
}

// OriginKind says what a case was opened from.
type OriginKind string

// Origins of a case (CS-1).
const (
	OriginLedger    OriginKind = "ledger"    // a key-care ledger entry (Ref: entry ID)
	OriginScreening OriginKind = "screening" // a screening result (Ref: session ID)
	OriginVisit     OriginKind = "visit"     // a visit follow-up (Ref: visit ID)
	OriginIncident  OriginKind = "incident"  // an urgent incident (Ref: incident ID)
	OriginRequest   OriginKind = "request"   // a request by the child, a guardian or a partner
)

// Origin is where a case came from. Ref holds an ID, never personal data.
type Origin struct {
	Kind OriginKind `json:"kind" validate:"required,oneof=ledger screening visit incident request"`
	Ref  string     `json:"ref,omitempty" validate:"max=64"`
}

// State is a case's derived workflow state.
type State string

// Case states, in workflow order.
const (
	StateNew        State = "new"
	StateAssessment State = "assessment"
	StatePlan       State = "plan"
	StateInService  State = "in_service"
	StateReview     State = "review"
	StateClosed     State = "closed"
)

// Chinese returns the term used in generated documents.
func (s State) Chinese() string {
	switch s {
	case StateNew:
		return "新开案"
	case StateAssessment:
		return "已评估"
	case StatePlan:
		return "计划待批"
	case StateInService:
		return "服务中"
	case StateReview:
		return "评估结案"
	case StateClosed:
		return "已结案"
	}
	return string(s)
}

// Decision of an approval.
type Decision string

// Approval decisions.
const (
	Approved Decision = "approved"
	Rejected Decision = "rejected"
)

// Approval is the project lead's decision on a plan or a closure.
type Approval struct {
	Decision Decision     `json:"decision"`
	By       uuid.UUID    `json:"by"`
	Role     welfare.Role `json:"role"`
	At       time.Time    `json:"at"`
	Comment  string       `json:"comment,omitempty"`
}

// Rating is one need's assessed level.
type Rating struct {
	Need    Need   `json:"need" validate:"required,oneof=safety health mental_health education guardianship economic"`
	Level   Level  `json:"level" validate:"required,oneof=none low medium high"`
	Summary string `json:"summary,omitempty" validate:"max=500"`
}

// Assessment rates every need (需求评估).
type Assessment struct {
	Cycle   int       `json:"cycle"`
	At      time.Time `json:"at"`
	By      uuid.UUID `json:"by"`
	Ratings []Rating  `json:"ratings"`
}

// Goal is one goal of an intervention plan.
type Goal struct {
	ID   string `json:"id" validate:"required,max=20"`
	Need Need   `json:"need" validate:"required,oneof=safety health mental_health education guardianship economic"`
	Text string `json:"text" validate:"required,max=500"`
}

// Action is one action of an intervention plan: who does what by when, optionally a
// service of the catalogue (关爱服务清单).
type Action struct {
	ID      string       `json:"id" validate:"required,max=20"`
	Goal    string       `json:"goal" validate:"required,max=20"`
	Text    string       `json:"text" validate:"required,max=500"`
	Owner   uuid.UUID    `json:"owner" validate:"required"`
	Due     welfare.Date `json:"due" validate:"required"`
	Service string       `json:"service,omitempty" validate:"max=50"`
}

// Plan is an intervention plan (干预计划). A new submission supersedes the previous.
type Plan struct {
	Cycle     int       `json:"cycle"`
	No        int       `json:"no"` // 1, 2, … over the case's life
	Submitted time.Time `json:"submitted"`
	By        uuid.UUID `json:"by"`
	Goals     []Goal    `json:"goals"`
	Actions   []Action  `json:"actions"`
	Approval  *Approval `json:"approval,omitempty"`
}

// Approved reports whether the plan was approved.
func (p *Plan) Approved() bool { return p.Approval != nil && p.Approval.Decision == Approved }

// ActionDone records that an action was carried out.
type ActionDone struct {
	Cycle  int          `json:"cycle"`
	Action string       `json:"action"`
	On     welfare.Date `json:"on"`
	At     time.Time    `json:"at"`
	By     uuid.UUID    `json:"by"`
	Note   string       `json:"note,omitempty"`
}

// Recommendation of a review.
type Recommendation string

// Review recommendations.
const (
	RecommendContinue Recommendation = "continue"
	RecommendClose    Recommendation = "close"
)

// Review is a periodic case review (个案回顾).
type Review struct {
	Cycle     int            `json:"cycle"`
	At        time.Time      `json:"at"`
	By        uuid.UUID      `json:"by"`
	Summary   string         `json:"summary"`
	Recommend Recommendation `json:"recommend"`
}

// Note is an append-only case note (个案记录).
type Note struct {
	At   time.Time `json:"at"`
	By   uuid.UUID `json:"by"`
	Text string    `json:"text"`
}

// Outcome of a closed case.
type Outcome string

// Closure outcomes.
const (
	OutcomeGoalsMet     Outcome = "goals_met"
	OutcomePartly       Outcome = "partly_met"
	OutcomeTransferred  Outcome = "transferred" // to another agency
	OutcomeMovedAway    Outcome = "moved_away"
	OutcomeAgedOut      Outcome = "aged_out"
	OutcomeDeclined     Outcome = "declined"
	OutcomeOtherClosure Outcome = "other"
)

// Chinese returns the term used in generated documents.
func (o Outcome) Chinese() string {
	switch o {
	case OutcomeGoalsMet:
		return "目标达成"
	case OutcomePartly:
		return "目标部分达成"
	case OutcomeTransferred:
		return "转介其他机构"
	case OutcomeMovedAway:
		return "迁离本地"
	case OutcomeAgedOut:
		return "超出服务年龄"
	case OutcomeDeclined:
		return "服务对象拒绝服务"
	}
	return "其他"
}

// Closure is a proposed closure (结案) and its approval.
type Closure struct {
	Cycle    int       `json:"cycle"`
	At       time.Time `json:"at"`
	By       uuid.UUID `json:"by"`
	Outcome  Outcome   `json:"outcome"`
	Summary  string    `json:"summary"`
	Approval *Approval `json:"approval,omitempty"`
}

// Reopening starts a new cycle of a closed case.
type Reopening struct {
	At     time.Time `json:"at"`
	By     uuid.UUID `json:"by"`
	Reason string    `json:"reason"`
}

// Typical marks a closed case as a typical case (典型案例, CS-2) with its narrative.
type Typical struct {
	At        time.Time `json:"at"`
	By        uuid.UUID `json:"by"`
	Narrative Narrative `json:"narrative"`
}

// Case is one child's case file (个案). Everything is appended; State is derived.
type Case struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"`
	ChildID  uuid.UUID `json:"child_id"`
	// Township and Village are where the child lived when the case was opened (scope).
	Township string    `json:"township"`
	Village  string    `json:"village,omitempty"`
	Origin   Origin    `json:"origin"`
	Opened   time.Time `json:"opened"`
	OpenedBy uuid.UUID `json:"opened_by"`
	Owner    uuid.UUID `json:"owner"` // the responsible worker

	Assessments []Assessment `json:"assessments,omitempty"`
	Plans       []Plan       `json:"plans,omitempty"`
	Done        []ActionDone `json:"done,omitempty"`
	Reviews     []Review     `json:"reviews,omitempty"`
	Notes       []Note       `json:"notes,omitempty"`
	Closures    []Closure    `json:"closures,omitempty"`
	Reopenings  []Reopening  `json:"reopenings,omitempty"`
	Typical     *Typical     `json:"typical,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Cycle is the current cycle: 0, plus one per reopening.
func (c *Case) Cycle() int { return len(c.Reopenings) }

// CycleStart is when the current cycle began (opening or last reopening).
func (c *Case) CycleStart() time.Time {
	if n := len(c.Reopenings); n > 0 {
		return c.Reopenings[n-1].At
	}
	return c.Opened
}

// Assessment returns the current cycle's latest assessment, or nil.
func (c *Case) Assessment() *Assessment {
	for i := len(c.Assessments) - 1; i >= 0; i-- {
		if c.Assessments[i].Cycle == c.Cycle() {
			return &c.Assessments[i]
		}
	}
	return nil
}

// Plan returns the current cycle's latest plan, or nil.
func (c *Case) Plan() *Plan {
	for i := len(c.Plans) - 1; i >= 0; i-- {
		if c.Plans[i].Cycle == c.Cycle() {
			return &c.Plans[i]
		}
	}
	return nil
}

// Closure returns the current cycle's latest closure that was not rejected, or nil.
func (c *Case) Closure() *Closure {
	for i := len(c.Closures) - 1; i >= 0; i-- {
		cl := &c.Closures[i]
		if cl.Cycle != c.Cycle() {
			return nil
		}
		if cl.Approval == nil || cl.Approval.Decision == Approved {
			return cl
		}
		return nil // the latest was rejected
	}
	return nil
}

// LastReview returns the current cycle's latest review, or nil.
func (c *Case) LastReview() *Review {
	for i := len(c.Reviews) - 1; i >= 0; i-- {
		if c.Reviews[i].Cycle == c.Cycle() {
			return &c.Reviews[i]
		}
	}
	return nil
}

// ActionDone reports whether action id was done in the current cycle.
func (c *Case) ActionDone(id string) (ActionDone, bool) {
	for _, d := range c.Done {
		if d.Cycle == c.Cycle() && d.Action == id {
			return d, true
		}
	}
	return ActionDone{}, false
}

// State derives the workflow state from what has been recorded (see the package doc).
func (c *Case) State() State {
	if cl := c.Closure(); cl != nil {
		if cl.Approval != nil {
			return StateClosed
		}
		return StateReview
	}
	if c.Assessment() == nil {
		return StateNew
	}
	p := c.Plan()
	switch {
	case p == nil:
		return StateAssessment
	case !p.Approved():
		return StatePlan
	}
	if r := c.LastReview(); r != nil && r.Recommend == RecommendClose && !r.At.Before(p.Approval.At) {
		return StateReview
	}
	for _, a := range p.Actions {
		if _, ok := c.ActionDone(a.ID); !ok {
			return StateInService
		}
	}
	return StateReview
}

// Closed reports whether the case is closed.
func (c *Case) Closed() bool { return c.State() == StateClosed }

// ClosedOn returns the Beijing day the current closure was approved (zero if open).
func (c *Case) ClosedOn() welfare.Date {
	if cl := c.Closure(); cl != nil && cl.Approval != nil {
		return welfare.DateOf(cl.Approval.At)
	}
	return welfare.Date{}
}

// Clone returns a deep copy.
func (c *Case) Clone() *Case {
	if c == nil {
		return nil
	}
	d := *c
	d.Assessments = slices.Clone(c.Assessments)
	for i := range d.Assessments {
		d.Assessments[i].Ratings = slices.Clone(d.Assessments[i].Ratings)
	}
	d.Plans = slices.Clone(c.Plans)
	for i := range d.Plans {
		p := &d.Plans[i]
		p.Goals, p.Actions, p.Approval = slices.Clone(p.Goals), slices.Clone(p.Actions), cloneApproval(p.Approval)
	}
	d.Done = slices.Clone(c.Done)
	d.Reviews = slices.Clone(c.Reviews)
	d.Notes = slices.Clone(c.Notes)
	d.Closures = slices.Clone(c.Closures)
	for i := range d.Closures {
		d.Closures[i].Approval = cloneApproval(d.Closures[i].Approval)
	}
	d.Reopenings = slices.Clone(c.Reopenings)
	if c.Typical != nil {
		t := *c.Typical
		t.Narrative = t.Narrative.clone()
		d.Typical = &t
	}
	return &d
}

func cloneApproval(a *Approval) *Approval {
	if a == nil {
		return nil
	}
	v := *a
	return &v
}

// String shows the case without personal data.
func (c *Case) String() string {
	return "Case{" + c.ID.String() + " " + string(c.State()) + "}"
}
