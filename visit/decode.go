package visit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/childwelfare/liudong/welfare"
)

// MaxInputBytes bounds the JSON document DecodeInput reads.
const MaxInputBytes = 1 << 20

// DecodeInput reads one visit Input from outside (an app, an import) as a JSON object,
// strictly: unknown fields, a wrong type, a malformed time or UUID, a document larger
// than MaxInputBytes or anything after the object fail with a *welfare.ValidationError
// naming the field (JSON names, e.g. "evidence[0].sha256"; "(document)" for the whole).
// Decoding does not validate values: Service.Record does.
func DecodeInput(r io.Reader) (Input, error) {
	var in Input
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return in, fmt.Errorf("visit: read input: %w", err)
	}
	if len(data) > MaxInputBytes {
		return in, docError("size", fmt.Sprintf("max %d bytes", MaxInputBytes))
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return in, decodeError("", err)
	}
	if raw == nil {
		return in, docError("object", "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return in, docError("trailing", "")
	}
	fields := map[string]any{
		"child_id": &in.ChildID, "visitor_id": &in.VisitorID, "mode": &in.Mode, "outcome": &in.Outcome,
		"fail_reason": &in.FailReason, "planned_start": &in.PlannedStart, "planned_end": &in.PlannedEnd,
		"start": &in.Start, "end": &in.End, "location": &in.Location, "present": &in.Present,
		"content": &in.Content, "notes": &in.Notes, "follow_up": &in.FollowUp, "evidence": &in.Evidence,
		"device_time": &in.DeviceTime,
	}
	var fs []welfare.FieldError
	for _, name := range sortedKeys(raw) {
		dst, ok := fields[name]
		if !ok {
			fs = append(fs, welfare.FieldError{Field: unknownName(name), Rule: "unknown"})
			continue
		}
		d := json.NewDecoder(bytes.NewReader(raw[name]))
		d.DisallowUnknownFields()
		if err := d.Decode(dst); err != nil {
			var ve *welfare.ValidationError
			if errors.As(decodeError(name, err), &ve) {
				fs = append(fs, ve.Fields...)
			}
		}
	}
	if len(fs) > 0 {
		return Input{}, &welfare.ValidationError{Fields: fs}
	}
	return in, nil
}

// unknownName is how an unknown key is named in an error: quoted, and cut to 64
// bytes, so an odd or long key stays readable and short.
func unknownName(name string) string {
	if len(name) > 64 {
		name = strings.ToValidUTF8(name[:64], "") + "…"
	}
	if name == "" || strings.ContainsAny(name, ".[]\"\\ ") || !utf8.ValidString(name) {
		return strconv.Quote(name)
	}
	return name
}

func docError(rule, param string) error {
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: "(document)", Rule: rule, Param: param}}}
}

// decodeError turns a json error while decoding field into a field error. Values are
// never echoed: the message names the field and the rule only.
func decodeError(field string, err error) error {
	join := func(sub string) string {
		switch {
		case field == "" && sub == "":
			return "(document)"
		case field == "":
			return sub
		case sub == "":
			return field
		case strings.HasPrefix(sub, "["):
			return field + sub
		}
		return field + "." + sub
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: join(jsonPath(typeErr.Field)), Rule: "type", Param: typeErr.Type.String()}}}
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		if field == "" {
			return docError("syntax", "")
		}
		return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: "syntax"}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, qerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if qerr != nil {
			name = "?"
		}
		return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: join(unknownName(name)), Rule: "unknown"}}}
	}
	if field == "" {
		return docError("value", "")
	}
	// Custom unmarshalers (times, UUIDs) fail without naming a nested field.
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: "value"}}}
}

// jsonPath turns encoding/json's "evidence.0.sha256" style into "evidence[0].sha256".
func jsonPath(p string) string {
	if p == "" {
		return ""
	}
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, part := range parts {
		if part != "" && strings.Trim(part, "0123456789") == "" {
			b.WriteString("[" + part + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func sortedKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
