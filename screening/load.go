package screening

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/childwelfare/liudong/welfare"
)

// maxDefinitionBytes bounds an instrument file.
const maxDefinitionBytes = 1 << 20

// LoadInstrument reads an instrument definition from JSON or YAML (detected from the
// content: a document starting with "{" is JSON), rejecting unknown fields, trailing
// data and files over 1 MiB, and validates it. Every failure is a
// *welfare.ValidationError naming the field ("items.number: type", "Items[3].Text:
// licence", "colour: unknown"), except a failure to read r.
func LoadInstrument(r io.Reader) (*Instrument, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDefinitionBytes+1))
	if err != nil {
		return nil, fmt.Errorf("screening: read instrument: %w", err)
	}
	if len(data) > maxDefinitionBytes {
		return nil, invalid("(document)", "max", "1 MiB")
	}
	var in Instrument
	if err := decodeStrict(data, &in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// decodeStrict decodes JSON or YAML into v; decoding failures become a
// *welfare.ValidationError naming the field.
func decodeStrict(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return invalid("(document)", "yaml", firstLine(err.Error()))
		}
		data = j
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return invalid("(document)", "syntax", "trailing data")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return invalid(typeErr.Field, "type", typeErr.Type.String())
	case errors.As(err, &syntaxErr):
		return invalid("(document)", "syntax", fmt.Sprintf("offset %d", syntaxErr.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown", "")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("(document)", "syntax", "unexpected end")
	}
	return invalid("(document)", "value", firstLine(err.Error()))
}

func invalid(field, rule, param string) *welfare.ValidationError {
	return &welfare.ValidationError{Fields: []welfare.FieldError{{Field: field, Rule: rule, Param: param}}}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
