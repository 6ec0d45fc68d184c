package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// Answer is a sampled family's answer to the satisfaction question (满意度回访, AC-1).
type Answer string

// Answers.
const (
	VerySatisfied Answer = "very_satisfied" // 非常满意
	Satisfied     Answer = "satisfied"      // 满意
	Neutral       Answer = "neutral"        // 一般
	Dissatisfied  Answer = "dissatisfied"   // 不满意
	NoAnswer      Answer = "no_answer"      // 未回答 / 联系不上: not a valid response
)

// Answers lists the answers in report order.
func Answers() []Answer {
	return []Answer{VerySatisfied, Satisfied, Neutral, Dissatisfied, NoAnswer}
}

// Chinese names the answer.
func (a Answer) Chinese() string {
	switch a {
	case VerySatisfied:
		return "非常满意"
	case Satisfied:
		return "满意"
	case Neutral:
		return "一般"
	case Dissatisfied:
		return "不满意"
	case NoAnswer:
		return "未回答"
	}
	return string(a)
}

func parseAnswer(s string) (Answer, bool) {
	for _, a := range Answers() {
		if s == string(a) || s == a.Chinese() {
			return a, true
		}
	}
	return "", false
}

// SurveyResponse is one sampled family's answer.
type SurveyResponse struct {
	Line    int          `json:"line"`
	ChildID uuid.UUID    `json:"child_id"`
	Answer  Answer       `json:"answer"`
	Method  string       `json:"method,omitempty"` // phone or home (电话/入户)
	On      welfare.Date `json:"on,omitzero"`
}

// ErrBadSurvey reports a survey file that cannot be read; the error is a *RosterError
// (the same row-level report) wrapped so that errors.Is matches ErrBadSurvey.
var ErrBadSurvey = errors.New("audit: bad survey answers")

type surveyError struct{ *RosterError }

func (e surveyError) Error() string {
	return strings.Replace(e.RosterError.Error(), "bad roster", "bad survey answers", 1)
}
func (e surveyError) Is(target error) bool { return target == ErrBadSurvey }
func (e surveyError) Unwrap() error        { return e.RosterError }

// ParseSurvey reads satisfaction answers from CSV, strictly. The header names the
// columns: child_id (required, the sampled child's UUID), answer (required: very_satisfied,
// satisfied, neutral, dissatisfied or no_answer, or 非常满意/满意/一般/不满意/未回答),
// method (optional: phone or home, 电话/入户) and date (optional, YYYY-MM-DD). A child
// may appear once. Every problem is reported by line; no row is returned unless all are
// good.
func ParseSurvey(r io.Reader) ([]SurveyResponse, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("audit: survey: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rep := &RosterError{}
	fail := func() error { return surveyError{rep} }
	if !utf8.Valid(data) {
		rep.add(0, "", "not UTF-8 text")
		return nil, fail()
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		rep.add(1, "", "no header line")
		return nil, fail()
	}
	known := []string{"child_id", "answer", "method", "date"}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(known, h):
			rep.add(1, "", "unknown column %q", h)
		case cols[h] != 0:
			rep.add(1, h, "column named twice")
		default:
			cols[h] = i + 1
		}
	}
	for _, c := range known[:2] {
		if cols[c] == 0 {
			rep.add(1, c, "required column missing")
		}
	}
	if rep.Total > 0 {
		return nil, fail()
	}
	seen := map[uuid.UUID]int{}
	var out []SurveyResponse
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if err == nil && len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.add(pe.StartLine, "", "malformed CSV: %v", pe.Err)
			} else {
				rep.add(line, "", "malformed CSV")
			}
			if rep.Total > MaxRowErrors*10 {
				break
			}
			continue
		}
		if len(rec) != len(header) {
			rep.add(line, "", "%d fields, the header has %d", len(rec), len(header))
			continue
		}
		get := func(c string) string {
			if i := cols[c]; i > 0 {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		before := rep.Total
		resp := SurveyResponse{Line: line}
		id, err := uuid.Parse(get("child_id"))
		if err != nil || id == uuid.Nil {
			rep.add(line, "child_id", "not a child UUID")
		} else if prev, dup := seen[id]; dup {
			rep.add(line, "child_id", "child already answered on line %d", prev)
		} else {
			seen[id] = line
			resp.ChildID = id
		}
		if a, ok := parseAnswer(get("answer")); ok {
			resp.Answer = a
		} else {
			rep.add(line, "answer", "want very_satisfied, satisfied, neutral, dissatisfied or no_answer")
		}
		switch m := get("method"); m {
		case "":
		case "phone", "电话":
			resp.Method = "phone"
		case "home", "入户":
			resp.Method = "home"
		default:
			rep.add(line, "method", "want phone or home")
		}
		if v := get("date"); v != "" {
			d, err := welfare.ParseDate(v)
			if err != nil {
				rep.add(line, "date", "not a YYYY-MM-DD date")
			}
			resp.On = d
		}
		if rep.Total == before {
			out = append(out, resp)
		}
	}
	if rep.Total > 0 {
		return nil, fail()
	}
	return out, nil
}

// SurveyResult is the satisfaction survey of the sampled families (AC-1, DOMAIN §11).
type SurveyResult struct {
	// Pending: no answers were given yet (the survey is still to be done).
	Pending   bool           `json:"pending"`
	Sampled   int            `json:"sampled"`   // families to ask: the sample
	Responses int            `json:"responses"` // answers recorded (no_answer included)
	Valid     int            `json:"valid"`     // answers other than no_answer
	Counts    map[Answer]int `json:"counts"`
	// NotAsked counts sampled children with no answer recorded at all.
	NotAsked int `json:"not_asked"`
	// Rate = (very satisfied + satisfied) ÷ valid responses, to 4 decimal places; zero
	// when there is no valid response.
	Rate        decimal.Decimal `json:"rate"`
	Explanation string          `json:"explanation"` // Chinese
}

// ErrNotSampled reports survey answers for a child not in the sample.
var ErrNotSampled = errors.New("audit: survey answer for a child not in the sample")

// Survey tallies the sampled families' answers. Answers for children not in the sample
// fail with ErrNotSampled (the survey asks the sampled families only). With no answers
// the result is Pending.
func Survey(sample *Sample, answers []SurveyResponse) (SurveyResult, error) {
	res := SurveyResult{Sampled: sample.Size, Counts: map[Answer]int{}}
	if len(answers) == 0 {
		res.Pending = true
		res.NotAsked = sample.Size
		res.Explanation = fmt.Sprintf("满意度回访待开展：抽查家庭 %d 户，尚未录入回访结果", sample.Size)
		return res, nil
	}
	in := sample.IDSet()
	seen := map[uuid.UUID]bool{}
	for _, a := range answers {
		if !in[a.ChildID] {
			return SurveyResult{}, fmt.Errorf("%w: line %d (child %s)", ErrNotSampled, a.Line, a.ChildID)
		}
		if seen[a.ChildID] {
			return SurveyResult{}, fmt.Errorf("audit: survey: child %s answered twice (line %d)", a.ChildID, a.Line)
		}
		if _, ok := parseAnswer(string(a.Answer)); !ok {
			return SurveyResult{}, fmt.Errorf("audit: survey: unknown answer on line %d", a.Line)
		}
		seen[a.ChildID] = true
		res.Responses++
		res.Counts[a.Answer]++
		if a.Answer != NoAnswer {
			res.Valid++
		}
	}
	res.NotAsked = sample.Size - res.Responses
	good := res.Counts[VerySatisfied] + res.Counts[Satisfied]
	if res.Valid > 0 {
		res.Rate = decimal.NewFromInt(int64(good)).DivRound(decimal.NewFromInt(int64(res.Valid)), 4)
	}
	res.Explanation = fmt.Sprintf("满意度 %s%%（非常满意 %d + 满意 %d）÷ 有效回答 %d；抽查 %d 户，已回访 %d 户，未回答 %d 户，未回访 %d 户",
		res.Rate.Shift(2).StringFixed(2), res.Counts[VerySatisfied], res.Counts[Satisfied], res.Valid,
		res.Sampled, res.Responses, res.Counts[NoAnswer], res.NotAsked)
	return res, nil
}
