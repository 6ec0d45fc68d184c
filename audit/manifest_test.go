package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/welfare"
)

// fakeChildren is a ChildStore that only streams; the other methods are never called.
type fakeChildren struct {
	welfare.ChildStore
	children []*welfare.Child
	err      error
}

func (f *fakeChildren) Children(ctx context.Context, flt welfare.ChildFilter) iter.Seq2[*welfare.Child, error] {
	return func(yield func(*welfare.Child, error) bool) {
		for _, c := range f.children {
			if c.AreaCode != flt.Area {
				continue
			}
			if !yield(c.Clone(), nil) {
				return
			}
		}
		if f.err != nil {
			yield(nil, f.err)
		}
	}
}

type fakeLedger struct {
	welfare.KeyLedgerStore
	entries []*welfare.KeyEntry
}

func (f *fakeLedger) KeyEntries(ctx context.Context, flt welfare.KeyEntryFilter) iter.Seq2[*welfare.KeyEntry, error] {
	return func(yield func(*welfare.KeyEntry, error) bool) {
		for _, e := range f.entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func testID(i int) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("child-%d", i)))
}

var cutOff = time.Date(2025, 11, 30, 23, 59, 59, 0, welfare.Beijing())

func child(i int, township string, events ...welfare.LifecycleEvent) *welfare.Child {
	return &welfare.Child{ID: testID(i), AreaCode: "360121", Residence: welfare.Residence{Township: township},
		Lifecycle: events}
}

func ev(to welfare.LifecycleState, on string, recorded time.Time) welfare.LifecycleEvent {
	return welfare.LifecycleEvent{To: to, On: day(on), Recorded: recorded}
}

func TestBuildManifest(t *testing.T) {
	early := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	late := cutOff.Add(time.Hour)
	merged := testID(99)
	store := &fakeChildren{children: []*welfare.Child{
		child(1, "360121100", ev(welfare.StateIdentified, "2025-02-01", early)),
		child(2, "360121100", ev(welfare.StateIdentified, "2025-02-01", early), ev(welfare.StateMonitored, "2025-03-01", early)),
		child(3, "360121101", ev(welfare.StateIdentified, "2025-02-01", early), ev(welfare.StateExited, "2025-06-01", early)),
		// Exit recorded after the cut-off, back-dated: still in the frame.
		child(4, "360121101", ev(welfare.StateIdentified, "2025-02-01", early), ev(welfare.StateExited, "2025-06-01", late)),
		// Identified after the cut-off day.
		child(5, "360121101", ev(welfare.StateIdentified, "2025-12-02", late)),
		{ID: testID(6), AreaCode: "360121", MergedInto: &merged, Lifecycle: []welfare.LifecycleEvent{ev(welfare.StateIdentified, "2025-02-01", early)}},
		{ID: testID(7), AreaCode: "360122", Lifecycle: []welfare.LifecycleEvent{ev(welfare.StateIdentified, "2025-02-01", early)}},
		child(8, "", ev(welfare.StateIdentified, "2025-02-01", early)),
	}}
	keys, err := KeyChildren(context.Background(), &fakeLedger{entries: []*welfare.KeyEntry{
		{ChildID: testID(2), Opened: day("2025-04-01")},
		{ChildID: testID(1), Opened: day("2025-04-01"), Closed: ptr(day("2025-05-01"))},
	}}, "360121", welfare.DateOf(cutOff))
	require.NoError(t, err)
	m, err := BuildManifest(context.Background(), store, "360121", cutOff, ManifestOptions{Stratum: ByTownshipAndKey(keys)})
	require.NoError(t, err)
	got := map[uuid.UUID]string{}
	for _, e := range m.Entries {
		got[e.ID] = e.Stratum
	}
	assert.Equal(t, map[uuid.UUID]string{
		testID(1): "360121100/ordinary", testID(2): "360121100/key", testID(4): "360121101/ordinary",
		testID(8): "unknown/ordinary",
	}, got)
	assert.Equal(t, sha256.Sum256(m.Encode()), [32]byte(m.SHA256))
	assert.Equal(t, time.UTC, m.CutOff.Location())
	assert.Equal(t, []StratumCount{{"360121100/key", 1}, {"360121100/ordinary", 1}, {"360121101/ordinary", 1}, {"unknown/ordinary", 1}}, m.Strata())

	store.err = errors.New("boom")
	_, err = BuildManifest(context.Background(), store, "360121", cutOff, ManifestOptions{})
	require.Error(t, err)
	_, err = BuildManifest(context.Background(), store, "", cutOff, ManifestOptions{})
	require.ErrorIs(t, err, ErrBadManifest)
}

func ptr[T any](v T) *T { return &v }

func TestManifestEncoding(t *testing.T) {
	m, err := NewManifest("360121", cutOff, []ManifestEntry{
		{uuid.MustParse("00000000-0000-4000-8000-000000000002"), "360121100/key"},
		{uuid.MustParse("00000000-0000-4000-8000-000000000001"), "360121100/ordinary"},
	})
	require.NoError(t, err)
	want := "liudong-manifest 1\narea 360121\ncutoff 2025-11-30T15:59:59.000000Z\ncount 2\n" +
		"00000000-0000-4000-8000-000000000001 360121100/ordinary\n" +
		"00000000-0000-4000-8000-000000000002 360121100/key\n"
	assert.Equal(t, want, string(m.Encode()))
	assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256([]byte(want))), m.SHA256.String())

	back, err := ReadManifest(bytes.NewReader(m.Encode()))
	require.NoError(t, err)
	assert.Equal(t, m, back)

	for name, bad := range map[string]string{
		"crlf":      strings.ReplaceAll(want, "\n", "\r\n"),
		"no final":  strings.TrimSuffix(want, "\n"),
		"unsorted":  strings.Replace(strings.Replace(want, "0001 ", "000X ", 1), "0002 ", "0001 ", 1),
		"upper":     strings.Replace(want, "4000-8000", "4000-8000", 1) + "00000000-0000-4000-8000-00000000000A x\n",
		"count":     strings.Replace(want, "count 2", "count 3", 1),
		"count 02":  strings.Replace(want, "count 2", "count 02", 1),
		"duplicate": strings.Replace(want, "0002 ", "0001 ", 1),
		"cutoff":    strings.Replace(want, ".000000Z", "Z", 1),
		"format":    strings.Replace(want, "manifest 1", "manifest 2", 1),
		"space":     strings.Replace(want, "/key", "/k ey", 1),
		"empty":     "",
		"stratum":   strings.Replace(want, " 360121100/key", " ", 1),
	} {
		_, err := ReadManifest(strings.NewReader(bad))
		require.ErrorIs(t, err, ErrBadManifest, name)
	}

	_, err = NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a"}, {testID(1), "a"}})
	require.ErrorIs(t, err, ErrBadManifest)
	_, err = NewManifest("360121", cutOff, []ManifestEntry{{uuid.Nil, "a"}})
	require.ErrorIs(t, err, ErrBadManifest)
	_, err = NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a\tb"}})
	require.ErrorIs(t, err, ErrBadManifest)
	_, err = NewManifest("360121", time.Time{}, nil)
	require.ErrorIs(t, err, ErrBadManifest)
}

func TestManifestJournal(t *testing.T) {
	m, err := NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a"}})
	require.NoError(t, err)
	var s journal.MemoryStorage
	at := cutOff.Add(time.Minute)
	idx, err := m.Journal(context.Background(), &s, at, "staff-1")
	require.NoError(t, err)
	assert.Equal(t, int64(0), idx)
	recs, err := s.Records(context.Background(), 0, 1)
	require.NoError(t, err)
	var l journal.Leaf
	require.NoError(t, l.UnmarshalBinary(recs[0]))
	assert.Equal(t, LeafKindManifest, l.Kind)
	assert.Equal(t, m.ManifestID().String(), l.ID)
	assert.Equal(t, [32]byte(m.SHA256), l.RecordSHA256)
	assert.True(t, l.Time.Equal(at))
}

func FuzzReadManifest(f *testing.F) {
	m, _ := NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a/key"}, {testID(2), "b"}})
	f.Add(m.Encode())
	f.Add([]byte("liudong-manifest 1\narea x\ncutoff 2025-01-01T00:00:00.000000Z\ncount 0\n"))
	f.Add([]byte("liudong-manifest 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Only canonical encodings are accepted.
		if !bytes.Equal(m.Encode(), data) {
			t.Fatalf("accepted a non-canonical encoding")
		}
		if _, err := Draw(m, "seed", SampleOptions{Share: decimal.New(1, -1)}); err != nil {
			t.Fatalf("draw from a parsed manifest: %v", err)
		}
	})
}
