package journal_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/audit/journal"
)

func TestLeafEncodingExample(t *testing.T) {
	// The example documented on Leaf.MarshalBinary.
	l := journal.Leaf{Kind: "child", ID: "c1", Version: 1, Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "s1"}
	b, err := l.MarshalBinary()
	require.NoError(t, err)
	want := "01" + "0005" + hex.EncodeToString([]byte("child")) + "0002" + hex.EncodeToString([]byte("c1")) +
		"0000000000000001" + strings.Repeat("00", 32) + "00062a99ba0c6000" + "0002" + hex.EncodeToString([]byte("s1"))
	assert.Equal(t, want, hex.EncodeToString(b))

	var got journal.Leaf
	require.NoError(t, got.UnmarshalBinary(b))
	assert.Equal(t, l, got)
}

func TestLeafRoundTrip(t *testing.T) {
	beijing := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		leaf journal.Leaf
		// want is the decoded leaf; zero means the leaf itself.
		want journal.Leaf
	}{
		{name: "typical", leaf: journal.Leaf{Kind: "visit", ID: "0190f3c2-7b1e-7cc0-8a4e-3f1f2d6c9a10", Version: 3,
			RecordSHA256: sha256.Sum256([]byte("x")), Time: time.Date(2025, 6, 30, 23, 59, 59, 123456000, time.UTC), Actor: "staff-0042"}},
		{name: "no actor", leaf: journal.Leaf{Kind: "k", ID: "i", Time: time.Unix(0, 0).UTC()}},
		{name: "unicode", leaf: journal.Leaf{Kind: "儿童", ID: "编号-1", Version: -1, Time: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), Actor: "工作人员"}},
		{name: "extremes", leaf: journal.Leaf{Kind: strings.Repeat("k", math.MaxUint16), ID: "i", Version: math.MaxInt64,
			Time: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)}},
		{
			name: "normalised to UTC microseconds",
			leaf: journal.Leaf{Kind: "k", ID: "i", Time: time.Date(2025, 1, 1, 8, 0, 0, 1999, beijing)},
			want: journal.Leaf{Kind: "k", ID: "i", Time: time.Date(2025, 1, 1, 0, 0, 0, 1000, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.leaf.MarshalBinary()
			require.NoError(t, err)
			var got journal.Leaf
			require.NoError(t, got.UnmarshalBinary(b))
			want := tt.want
			if want.Kind == "" {
				want = tt.leaf
			}
			assert.Equal(t, want, got)
			b2, err := got.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, b, b2)

			prefix := []byte("prefix")
			b3, err := tt.leaf.AppendBinary(prefix)
			require.NoError(t, err)
			assert.Equal(t, append([]byte("prefix"), b...), b3)
		})
	}
}

func TestLeafMarshalRejects(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		leaf journal.Leaf
	}{
		{"empty kind", journal.Leaf{ID: "i", Time: at}},
		{"empty id", journal.Leaf{Kind: "k", Time: at}},
		{"zero time", journal.Leaf{Kind: "k", ID: "i"}},
		{"year 10000", journal.Leaf{Kind: "k", ID: "i", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"year 0", journal.Leaf{Kind: "k", ID: "i", Time: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)}},
		{"long id", journal.Leaf{Kind: "k", ID: strings.Repeat("i", math.MaxUint16+1), Time: at}},
		{"bad utf-8", journal.Leaf{Kind: "k", ID: "i", Actor: "\xff", Time: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.leaf.MarshalBinary()
			require.ErrorIs(t, err, journal.ErrBadLeaf)
		})
	}
}

func TestLeafUnmarshalRejects(t *testing.T) {
	good, err := journal.Leaf{Kind: "k", ID: "i", Time: time.Unix(1, 0)}.MarshalBinary()
	require.NoError(t, err)
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"format 2", mutate(func(b []byte) []byte { b[0] = 2; return b })},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte(nil), good...), 0)},
		{"empty kind", mutate(func(b []byte) []byte { return append([]byte{1, 0, 0}, b[4:]...) })},
		{"bad utf-8", mutate(func(b []byte) []byte { b[3] = 0xff; return b })},
		{"zero time", mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint64(b[len(b)-10:], uint64(time.Time{}.UnixMicro()))
			return b
		})},
		{"huge time", mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint64(b[len(b)-10:], math.MaxInt64)
			return b
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := journal.Leaf{Kind: "unchanged"}
			require.ErrorIs(t, l.UnmarshalBinary(tt.data), journal.ErrBadLeaf)
			assert.Equal(t, journal.Leaf{Kind: "unchanged"}, l, "a failed decode leaves the leaf alone")
		})
	}
}

func FuzzLeafUnmarshal(f *testing.F) {
	for _, l := range []journal.Leaf{
		{Kind: "child", ID: "c1", Version: 1, Time: time.Unix(1735689600, 0), Actor: "s1"},
		{Kind: "k", ID: "i", Time: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)},
	} {
		b, err := l.MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var l journal.Leaf
		if err := l.UnmarshalBinary(data); err != nil {
			require.ErrorIs(t, err, journal.ErrBadLeaf)
			return
		}
		// Canonical: whatever decodes re-encodes to the same bytes.
		b, err := l.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, b)
	})
}

func TestRecordHash(t *testing.T) {
	type rec struct {
		ID   string            `json:"id"`
		Tags map[string]string `json:"tags"`
	}
	h, err := journal.RecordHash(rec{ID: "c1", Tags: map[string]string{"b": "2", "a": "1"}})
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256([]byte(`{"id":"c1","tags":{"a":"1","b":"2"}}`)), h)

	_, err = journal.RecordHash(func() {})
	require.Error(t, err)
}

func TestDigestJSON(t *testing.T) {
	d := journal.Digest(sha256.Sum256([]byte("abc")))
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`, string(b))
	var got journal.Digest
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, d, got)
	require.Error(t, json.Unmarshal([]byte(`"abc"`), &got))
	require.Error(t, json.Unmarshal([]byte(`"`+strings.Repeat("zz", 32)+`"`), &got))
}
