package screening_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// countyYAML is a county's own (synthetic) instrument: a 4-item yes/no checklist with a
// critical item.
const countyYAML = `
id: county-checklist
version: "2025-1"
name: County wellbeing checklist (synthetic example)
licence: {kind: free, note: written by the county, embed_texts: true}
ages: {min: 6, max: 15}
informants: [self, parent]
response: {min: 0, max: 1, labels: ["否", "是"]}
items:
  - {number: 1, text: 最近常常不开心}
  - {number: 2, text: 最近睡不好}
  - {number: 3, text: 最近不想上学}
  - {number: 4, text: 有人伤害过我}
missing: {policy: required}
total: {name: 合计, items: [1, 2, 3]}
norm_sets:
  - id: county
    version: "1"
    name: county cut-off
    source: county working group
    groups:
      - ages: {min: 0, max: 0}
        scales:
          - scale: total
            bands:
              - {code: low, min: 0, max: 1}
              - {code: high, min: 2, max: 3}
flags:
  - {id: harmed, kind: any_yes, items: [4], category: suspected_harm, level: orange}
risk_levels:
  - {scale: total, band: high, level: yellow}
`

func fieldsOf(t *testing.T, err error) []welfare.FieldError {
	t.Helper()
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve, "got %v", err)
	return ve.Fields
}

func TestLoadInstrumentYAMLAndJSON(t *testing.T) {
	in, err := screening.LoadInstrument(strings.NewReader(countyYAML))
	require.NoError(t, err)
	r, err := in.Score(screening.Answers{1: 1, 2: 1, 3: 0, 4: 1}, screening.ScoreOptions{Informant: "parent", Age: 9})
	require.NoError(t, err)
	tot, _ := r.Scale("total")
	assert.Equal(t, 2, tot.Score)
	assert.Equal(t, "high", tot.Band)
	require.Len(t, r.Flags, 1)
	assert.Equal(t, "suspected_harm", r.Flags[0].Category)
	assert.Equal(t, "orange", r.Level)

	// The JSON encoding of an instrument loads back to the same definition.
	data, err := json.Marshal(in)
	require.NoError(t, err)
	again, err := screening.LoadInstrument(bytes.NewReader(data))
	require.NoError(t, err)
	data2, err := json.Marshal(again)
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(data2))
}

func TestLoadInstrumentErrorsNameFields(t *testing.T) {
	phq, err := os.ReadFile(filepath.Join("instruments", "phq9.json"))
	require.NoError(t, err)
	sdq, err := os.ReadFile(filepath.Join("instruments", "sdq-parent.json"))
	require.NoError(t, err)
	edit := func(src []byte, fn func(m map[string]any)) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal(src, &m))
		fn(m)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		return string(out)
	}
	items := func(m map[string]any) []any { return m["items"].([]any) }
	cases := []struct {
		name string
		doc  string
		want welfare.FieldError
	}{
		{"unknown field", edit(phq, func(m map[string]any) { m["colour"] = "red" }), welfare.FieldError{Field: "colour", Rule: "unknown"}},
		{"wrong type", edit(phq, func(m map[string]any) { items(m)[0].(map[string]any)["number"] = "one" }),
			welfare.FieldError{Field: "items.number", Rule: "type", Param: "int"}},
		{"syntax", `{"id": "x",`, welfare.FieldError{Field: "(document)", Rule: "syntax", Param: "unexpected end"}},
		{"trailing", string(phq) + "{}", welfare.FieldError{Field: "(document)", Rule: "syntax", Param: "trailing data"}},
		{"yaml", "id: [", welfare.FieldError{Field: "(document)", Rule: "yaml"}},
		{"copyrighted text", edit(sdq, func(m map[string]any) { items(m)[2].(map[string]any)["text"] = "placeholder" }),
			welfare.FieldError{Field: "Items[2].Text", Rule: "licence", Param: "copyrighted"}},
		{"copyrighted embed", edit(sdq, func(m map[string]any) { m["licence"].(map[string]any)["embed_texts"] = true }),
			welfare.FieldError{Field: "Licence.EmbedTexts", Rule: "licence", Param: "copyrighted"}},
		{"duplicate item", edit(phq, func(m map[string]any) { items(m)[1].(map[string]any)["number"] = 1 }),
			welfare.FieldError{Field: "Items[1].Number", Rule: "unique"}},
		{"item 9 flag removed", edit(phq, func(m map[string]any) { delete(m, "flags") }),
			welfare.FieldError{Field: "Flags", Rule: "mandatory", Param: "phq9 item 9"}},
		{"band gap", edit(phq, func(m map[string]any) {
			b := m["norm_sets"].([]any)[0].(map[string]any)["groups"].([]any)[0].(map[string]any)["scales"].([]any)[0].(map[string]any)["bands"].([]any)
			b[1].(map[string]any)["min"] = 6
		}), welfare.FieldError{Field: "NormSets[0].Groups[0].Scales[0].Bands", Rule: "cover", Param: "0..27 without gaps or overlaps"}},
		{"unknown scale in mapping", edit(phq, func(m map[string]any) {
			m["risk_levels"].([]any)[0].(map[string]any)["scale"] = "mood"
		}), welfare.FieldError{Field: "RiskLevels[0].Scale", Rule: "scale", Param: "mood"}},
		{"reverse unknown item", edit(phq, func(m map[string]any) { m["reverse"] = []int{12} }),
			welfare.FieldError{Field: "Reverse[0]", Rule: "item", Param: "12"}},
		{"bad informant", edit(phq, func(m map[string]any) { m["informants"] = []string{"neighbour"} }),
			welfare.FieldError{Field: "Informants[0]", Rule: "oneof", Param: "self parent teacher"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := screening.LoadInstrument(strings.NewReader(c.doc))
			require.ErrorIs(t, err, welfare.ErrInvalid)
			fs := fieldsOf(t, err)
			found := false
			for _, f := range fs {
				if f.Field == c.want.Field && f.Rule == c.want.Rule && (c.want.Param == "" || f.Param == c.want.Param) {
					found = true
				}
			}
			assert.True(t, found, "want %v in %v", c.want, fs)
		})
	}
}

func TestLoadInstrumentTooLarge(t *testing.T) {
	_, err := screening.LoadInstrument(io.MultiReader(strings.NewReader("{"), bytes.NewReader(bytes.Repeat([]byte(" "), 2<<20))))
	assert.Equal(t, []welfare.FieldError{{Field: "(document)", Rule: "max", Param: "1 MiB"}}, fieldsOf(t, err))
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }

func TestLoadInstrumentReadError(t *testing.T) {
	_, err := screening.LoadInstrument(failingReader{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, welfare.ErrInvalid)
}

// FuzzLoadInstrument: the loader never panics, and every rejection is a
// *welfare.ValidationError; what it accepts scores any answers without panicking.
func FuzzLoadInstrument(f *testing.F) {
	for _, id := range screening.BuiltinIDs() {
		data, err := os.ReadFile(filepath.Join("instruments", id+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(countyYAML))
	f.Add([]byte(`{"id":"x","version":"1","name":"x","licence":{"kind":"free","embed_texts":true},"ages":{"min":0,"max":1},` +
		`"informants":["self"],"response":{"min":0,"max":1},"items":[{"number":500}],"missing":{"policy":"prorate","min_answered":1},` +
		`"total":{"name":"t","items":[500],"gate":{"item":500,"below":1,"score":0}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := screening.LoadInstrument(bytes.NewReader(data))
		if err != nil {
			var ve *welfare.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("rejection is not a validation error naming a field: %v", err)
			}
			return
		}
		a := screening.Answers{}
		for i, it := range in.Items {
			a[it.Number] = i % 3
		}
		_, _ = in.Score(a, screening.ScoreOptions{Informant: in.Informants[0], Age: in.Ages.Min})
		_ = in.EvaluateFlags(a, []int{1, 2, 3})
	})
}
