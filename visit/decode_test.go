package visit_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

const sampleInput = `{
  "child_id": "2b1f2c4e-1d2a-4c8e-9a57-3f0e2b7c9d10",
  "mode": "home",
  "outcome": "completed",
  "start": "2025-06-20T10:00:00+08:00",
  "end": "2025-06-20T10:45:00+08:00",
  "location": {"geo": {"lat": 28.5, "lng": 115.9}, "accuracy_m": 10},
  "present": {"child": true, "guardian": true, "neighbours": false},
  "content": {"ask": {"needs": ["学习辅导"]}, "observe": [{"aspect": "health", "value": "良好"}], "talk": ["safety"], "services": ["study_tutoring"]},
  "notes": "入户探访",
  "follow_up": {"urgent": ""},
  "evidence": [{"kind": "photo", "sha256": "` + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" + `", "size": 2048, "captured_at": "2025-06-20T10:10:00+08:00", "phash": 12345}],
  "device_time": "2025-06-20T10:50:00+08:00"
}`

func TestDecodeInput(t *testing.T) {
	in, err := visit.DecodeInput(strings.NewReader(sampleInput))
	require.NoError(t, err)
	assert.Equal(t, "2b1f2c4e-1d2a-4c8e-9a57-3f0e2b7c9d10", in.ChildID.String())
	assert.Equal(t, visit.ModeHome, in.Mode)
	assert.Equal(t, at(2025, 6, 20, 10, 0).Unix(), in.Start.Unix())
	require.Len(t, in.Evidence, 1)
	require.NotNil(t, in.Evidence[0].PHash)
	assert.EqualValues(t, 12345, *in.Evidence[0].PHash)
	assert.Equal(t, 28.5, in.Location.Geo.Lat)

	tests := []struct {
		name, doc, field, rule string
	}{
		{"unknown top-level field", `{"mode":"home","colour":"red"}`, "colour", "unknown"},
		{"unknown nested field", `{"location":{"geo":{"lat":1,"lng":2,"alt":3}}}`, "location.alt", "unknown"},
		{"wrong type", `{"mode":7}`, "mode", "type"},
		{"wrong nested type", `{"evidence":[{"size":"big"}]}`, "evidence.size", "type"},
		{"empty key", `{"":1}`, `""`, "unknown"},
		{"bad time", `{"start":"yesterday"}`, "start", "value"},
		{"bad uuid", `{"child_id":"not-a-uuid"}`, "child_id", "value"},
		{"not an object", `[1,2]`, "(document)", "type"},
		{"null", `null`, "(document)", "object"},
		{"syntax", `{"mode":`, "(document)", "syntax"},
		{"trailing data", `{"mode":"home"} {}`, "(document)", "trailing"},
		{"empty", ``, "(document)", "syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := visit.DecodeInput(strings.NewReader(tt.doc))
			var ve *welfare.ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Fields)
			assert.Equal(t, tt.field, ve.Fields[0].Field, "%v", ve)
			assert.Equal(t, tt.rule, ve.Fields[0].Rule, "%v", ve)
		})
	}
	big := `{"notes":"` + strings.Repeat("a", visit.MaxInputBytes) + `"}`
	_, err = visit.DecodeInput(strings.NewReader(big))
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "size", ve.Fields[0].Rule)
}

// TestDecodeThenRecord: decoded input goes through the service's validation.
func TestDecodeThenRecord(t *testing.T) {
	f := newFixture(t)
	doc := strings.Replace(sampleInput, "2b1f2c4e-1d2a-4c8e-9a57-3f0e2b7c9d10", f.child.ID.String(), 1)
	in, err := visit.DecodeInput(strings.NewReader(doc))
	require.NoError(t, err)
	v, err := f.svc.Record(t.Context(), f.director, in)
	require.NoError(t, err)
	assert.Equal(t, "入户探访", v.Notes)
	bad := strings.Replace(doc, `"lat": 28.5`, `"lat": 128.5`, 1)
	in, err = visit.DecodeInput(strings.NewReader(bad))
	require.NoError(t, err, "decoding does not check ranges")
	_, err = f.svc.Record(t.Context(), f.director, in)
	var ve *welfare.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Location.Geo.Lat"))
}

// FuzzDecodeInput: any input either decodes or fails with a *welfare.ValidationError
// (never a panic); decoded input re-encodes to a document that decodes to the same.
func FuzzDecodeInput(f *testing.F) {
	f.Add([]byte(sampleInput))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"evidence":[{"phash":18446744073709551615}]}`))
	f.Add([]byte(`{"start":"2025-01-31T16:30:00Z","end":"2025-01-31T16:00:00Z"}`))
	f.Add([]byte(`{"location":{"geo":null},"follow_up":{"key_suggestion":"vagrancy"}}`))
	f.Add([]byte(`{"content":{"talk":["law","x"]},"visitor_id":"` + storetest.StaffID(1).String() + `"}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := visit.DecodeInput(bytes.NewReader(data))
		if err != nil {
			var ve *welfare.ValidationError
			if !assert.ErrorAs(t, err, &ve) {
				return
			}
			for _, fe := range ve.Fields {
				assert.NotEmpty(t, fe.Field)
			}
			return
		}
		first, err := json.Marshal(in)
		require.NoError(t, err)
		again, err := visit.DecodeInput(bytes.NewReader(first))
		require.NoError(t, err, "re-encoded input decodes: %s", first)
		second, err := json.Marshal(again)
		require.NoError(t, err)
		require.JSONEq(t, string(first), string(second))
	})
}
