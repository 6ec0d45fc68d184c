package screening

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zapcore"

	"github.com/childwelfare/liudong/welfare"
)

// Session is one administration of an instrument to a child (一次筛查): who answered,
// who administered it, when, the answers, and the result scored when it was recorded.
// Sessions are never changed once stored; the result is part of the record (what the
// counsellor saw and acted on), scored under the instrument version named.
type Session struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"`
	ChildID  uuid.UUID `json:"child_id"`
	// Township and Village are the child's residence when the session was recorded:
	// the region scope of area scans and of access checks on the session alone.
	Township          string    `json:"township"`
	Village           string    `json:"village,omitempty"`
	Instrument        string    `json:"instrument"`
	InstrumentVersion string    `json:"instrument_version"`
	Informant         Informant `json:"informant"`
	AdministeredBy    uuid.UUID `json:"administered_by"`
	// AdministeredRole is the administering staff member's role at the time (a session
	// by the counsellor meets an open referral).
	AdministeredRole welfare.Role `json:"administered_role"`
	Date             welfare.Date `json:"date"`
	Answers          Answers      `json:"answers,omitempty"`
	Refused          []int        `json:"refused,omitempty"`
	Result           Result       `json:"result"`
	RecordedAt       time.Time    `json:"recorded_at"`
	RecordedBy       string       `json:"recorded_by"`
}

// Clone returns a deep copy: stores hand out copies, never aliases.
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	d := *s
	d.Answers = s.Answers.Clone()
	d.Refused = slices.Clone(s.Refused)
	d.Result = s.Result.Clone()
	return &d
}

// Redacted returns the view of a session for staff who may see the risk level only:
// IDs, region, date and level; no instrument, answers, scores or flags.
func (s *Session) Redacted() *Session {
	return &Session{ID: s.ID, Version: s.Version, AreaCode: s.AreaCode, ChildID: s.ChildID,
		Township: s.Township, Village: s.Village, Date: s.Date, Result: Result{Level: s.Result.Level}}
}

// String identifies the session without answers or results.
func (s *Session) String() string {
	return fmt.Sprintf("Session{%s %s %s/%s %s}", s.ID, s.ChildID, s.Instrument, s.InstrumentVersion, s.Date)
}

// MarshalLogObject implements zapcore.ObjectMarshaler: identifiers only.
func (s *Session) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", s.ID.String())
	enc.AddString("child", s.ChildID.String())
	enc.AddString("area", s.AreaCode)
	enc.AddString("instrument", s.Instrument+"/"+s.InstrumentVersion)
	return nil
}

// SessionInput records a session (Service.Record).
type SessionInput struct {
	ChildID    uuid.UUID `json:"child_id" validate:"required"`
	Instrument string    `json:"instrument" validate:"required,max=40"`
	// Version of the instrument; "" takes the catalogue's latest.
	Version        string       `json:"version,omitempty" validate:"max=20"`
	Informant      Informant    `json:"informant" validate:"required,oneof=self parent teacher"`
	AdministeredBy uuid.UUID    `json:"administered_by" validate:"required"`
	Date           welfare.Date `json:"date" validate:"required"`
	Answers        Answers      `json:"answers"`
	// Refused lists items the respondent declined to answer.
	Refused []int `json:"refused,omitempty" validate:"max=500"`
	// NormSet chooses the norm set; "" takes the instrument's default.
	NormSet string `json:"norm_set,omitempty" validate:"max=40"`
}

// RequestSource is who asked for a child to be screened.
type RequestSource string

// Request sources (PS-1: guardian or school requests).
const (
	RequestGuardian RequestSource = "guardian" // 监护人申请
	RequestSchool   RequestSource = "school"   // 学校转介
	RequestChild    RequestSource = "child"    // 儿童本人
	RequestStaff    RequestSource = "staff"    // 工作人员发现
)

// Request is a request that a child be screened (筛查申请). It is open until a session
// of the child dated on or after it is recorded. Like sessions, requests are never
// changed once stored.
type Request struct {
	ID         uuid.UUID     `json:"id"`
	Version    int64         `json:"version"`
	AreaCode   string        `json:"area_code"`
	ChildID    uuid.UUID     `json:"child_id"`
	Township   string        `json:"township"`
	Village    string        `json:"village,omitempty"`
	From       RequestSource `json:"from"`
	Date       welfare.Date  `json:"date"`
	Note       string        `json:"note,omitempty"` // no personal data
	RecordedAt time.Time     `json:"recorded_at"`
	RecordedBy string        `json:"recorded_by"`
}

// Clone returns a copy.
func (r *Request) Clone() *Request {
	if r == nil {
		return nil
	}
	d := *r
	return &d
}

// RequestInput records a request (Service.Request).
type RequestInput struct {
	ChildID uuid.UUID     `json:"child_id" validate:"required"`
	From    RequestSource `json:"from" validate:"required,oneof=guardian school child staff"`
	Date    welfare.Date  `json:"date" validate:"required"`
	Note    string        `json:"note,omitempty" validate:"max=200"`
}
