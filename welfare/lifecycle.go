package welfare

import (
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// LifecycleState is where a child stands in monitoring (MS-1).
type LifecycleState string

// Lifecycle states: identified (新增) → monitored (在册) → exited (退出); re-entry goes
// back to identified.
const (
	StateIdentified LifecycleState = "identified"
	StateMonitored  LifecycleState = "monitored"
	StateExited     LifecycleState = "exited"
)

// Chinese returns the term used in generated documents.
func (s LifecycleState) Chinese() string {
	switch s {
	case StateIdentified:
		return "新增"
	case StateMonitored:
		return "在册"
	case StateExited:
		return "退出"
	}
	return string(s)
}

// ExitReason says why a child left monitoring.
type ExitReason string

// Exit reasons (DOMAIN §1; the list is the 17号 rule's implications, unverified).
const (
	ExitAgedOut        ExitReason = "aged_out"           // reached the programme's age limit
	ExitReturned       ExitReason = "returned"           // went back to the registration county
	ExitHukouMoved     ExitReason = "hukou_moved"        // registration moved to where the child lives
	ExitUnderSixMonths ExitReason = "under_min_duration" // stayed less than the minimum duration
	ExitDeath          ExitReason = "death"
	ExitDuplicate      ExitReason = "duplicate"
	ExitOther          ExitReason = "other"
)

// Chinese returns the term used in generated documents.
func (r ExitReason) Chinese() string {
	switch r {
	case ExitAgedOut:
		return "年满16周岁"
	case ExitReturned:
		return "返回户籍地"
	case ExitHukouMoved:
		return "户籍迁入居住地"
	case ExitUnderSixMonths:
		return "流入不满6个月"
	case ExitDeath:
		return "死亡"
	case ExitDuplicate:
		return "重复登记"
	case ExitOther:
		return "其他"
	}
	return string(r)
}

func validExitReason(r ExitReason) bool {
	switch r {
	case ExitAgedOut, ExitReturned, ExitHukouMoved, ExitUnderSixMonths, ExitDeath, ExitDuplicate, ExitOther:
		return true
	}
	return false
}

// LifecycleEvent is one transition, kept forever: the history is the list of events.
type LifecycleEvent struct {
	From     LifecycleState `json:"from,omitempty"` // "" for the first registration
	To       LifecycleState `json:"to"`
	On       Date           `json:"on"`               // effective day
	Reason   ExitReason     `json:"reason,omitempty"` // for exits
	Note     string         `json:"note,omitempty"`   // short, no personal data
	Actor    string         `json:"actor"`            // staff ID
	Recorded time.Time      `json:"recorded"`
}

// allowed lists the transitions MS-1 permits.
var allowed = map[LifecycleState][]LifecycleState{
	"":              {StateIdentified},
	StateIdentified: {StateMonitored, StateExited},
	StateMonitored:  {StateExited},
	StateExited:     {StateIdentified},
}

// transition appends an event moving c to `to`, or fails with ErrTransition.
func (c *Child) transition(to LifecycleState, ev LifecycleEvent) error {
	from := LifecycleState("")
	if len(c.Lifecycle) > 0 {
		from = c.State()
	}
	ok := false
	for _, s := range allowed[from] {
		ok = ok || s == to
	}
	if !ok {
		return fmt.Errorf("%w: %s → %s", ErrTransition, from, to)
	}
	if to == StateExited && !validExitReason(ev.Reason) {
		return &ValidationError{Fields: []FieldError{{Field: "Reason", Rule: "oneof"}}}
	}
	if n := len(c.Lifecycle); n > 0 && ev.On.Before(c.Lifecycle[n-1].On) {
		return &ValidationError{Fields: []FieldError{{Field: "On", Rule: "gtefield", Param: "previous event"}}}
	}
	ev.From, ev.To = from, to
	c.Lifecycle = append(c.Lifecycle, ev)
	return nil
}

// ExitDue is a child who should leave monitoring as of a date, with the reason and the
// rule that says so. Computed at query time, never stored.
type ExitDue struct {
	ChildID uuid.UUID
	Reason  ExitReason
	RuleID  string
	Since   Date   // the day the condition began (e.g. the 16th birthday)
	Facts   []Fact // the facts used
}

// ExitsDue lists why c, not yet exited, should leave monitoring on asOf under rule r in
// county area. Nil when nothing is due.
func (r EligibilityRule) ExitsDue(c *Child, area string, asOf Date) []ExitDue {
	if c.State() == StateExited {
		return nil
	}
	var due []ExitDue
	if !c.BirthDate.IsZero() && c.AgeOn(asOf) >= r.MaxAge {
		due = append(due, ExitDue{ChildID: c.ID, Reason: ExitAgedOut, RuleID: r.ID,
			Since: c.BirthDate.AddDate(r.MaxAge, 0, 0),
			Facts: []Fact{{"age", strconv.Itoa(c.AgeOn(asOf))}, {"max_age", strconv.Itoa(r.MaxAge)}}})
	}
	if c.Migration.ReturnedHome {
		due = append(due, ExitDue{ChildID: c.ID, Reason: ExitReturned, RuleID: r.ID,
			Facts: []Fact{{"returned_home", "true"}}})
	}
	if countyOf(c.Hukou.RegionCode) == area {
		due = append(due, ExitDue{ChildID: c.ID, Reason: ExitHukouMoved, RuleID: r.ID,
			Facts: []Fact{{"hukou_county", area}, {"residence_county", area}}})
	}
	return due
}
