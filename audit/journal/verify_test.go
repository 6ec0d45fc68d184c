package journal_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/audit/journal"
)

// child stands in for a store's record.
type child struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Version int64  `json:"version"`
}

// fakeStore is a tiny store: it writes records and journals each write.
type fakeStore struct {
	t       testing.TB
	log     journal.MemoryStorage
	records []journal.RecordDigest
	now     time.Time
}

func newFakeStore(t testing.TB) *fakeStore {
	return &fakeStore{t: t, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (f *fakeStore) write(id, status string, version int64) {
	f.t.Helper()
	rec := child{ID: id, Status: status, Version: version}
	d, err := journal.NewRecordDigest("child", id, version, rec)
	require.NoError(f.t, err)
	f.now = f.now.Add(time.Minute)
	_, err = journal.Append(context.Background(), &f.log, journal.Leaf{
		Kind: "child", ID: id, Version: version, RecordSHA256: d.SHA256, Time: f.now, Actor: "staff-1",
	})
	require.NoError(f.t, err)
	f.records = append(f.records, d)
}

func (f *fakeStore) checkpoint() journal.Checkpoint {
	f.t.Helper()
	tree, err := journal.TreeHead(context.Background(), &f.log)
	require.NoError(f.t, err)
	return journal.Checkpoint{Origin: origin, Size: tree.N, Hash: tree.Hash}
}

func (f *fakeStore) export() journal.Bundle {
	f.t.Helper()
	b, err := journal.Export(context.Background(), &f.log)
	require.NoError(f.t, err)
	b.Origin = origin
	b.Records = slices.Clone(f.records)
	return b
}

func (f *fakeStore) exportLeaves(keptSize int64, indexes ...int64) journal.Bundle {
	f.t.Helper()
	b, err := journal.ExportLeaves(context.Background(), &f.log, keptSize, indexes)
	require.NoError(f.t, err)
	b.Origin = origin
	return b
}

// populated returns a store with c1…c4 at version 1 and c1 at version 2.
func populated(t testing.TB) *fakeStore {
	f := newFakeStore(t)
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		f.write(id, "monitored", 1)
	}
	f.write("c1", "exited", 2)
	return f
}

func types(r journal.Report) []journal.FindingType {
	out := []journal.FindingType{}
	for _, f := range r.Findings {
		out = append(out, f.Type)
	}
	return out
}

func TestVerifyClean(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()
	r := journal.Verify(f.export(), kept)
	assert.True(t, r.OK(), "%+v", r.Findings)
	assert.True(t, r.Consistent)
	assert.True(t, r.Full)
	assert.Empty(t, r.Findings)
	assert.Equal(t, 5, r.LeavesChecked)
	assert.Equal(t, 5, r.RecordsChecked)
	assert.Equal(t, kept.Hash, r.TreeHash)

	// No kept checkpoint: consistent, every leaf is unprotected.
	r = journal.Verify(f.export(), journal.Checkpoint{})
	assert.True(t, r.OK())
	assert.Equal(t, 5, r.Count(journal.FindingAppended))
}

func TestVerifyChangedRecord(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()
	b := f.export()
	d, err := journal.NewRecordDigest("child", "c2", 1, child{ID: "c2", Status: "exited", Version: 1})
	require.NoError(t, err)
	b.Records[1] = d
	r := journal.Verify(b, kept)
	assert.False(t, r.OK())
	assert.True(t, r.Consistent)
	require.Equal(t, []journal.FindingType{journal.FindingChanged}, types(r))
	got := r.Findings[0]
	assert.Equal(t, int64(1), got.Index)
	assert.Equal(t, "c2", got.ID)
	assert.Equal(t, int64(1), got.Version)
	assert.Equal(t, d.SHA256, got.RecordSHA256)
	assert.Equal(t, f.records[1].SHA256, got.LeafSHA256)
	assert.Equal(t, "staff-1", got.Actor)
	assert.Contains(t, got.Explanation, "changed after it was journaled")
}

func TestVerifyMissingRecord(t *testing.T) {
	f := populated(t)
	b := f.export()
	b.Records = slices.Delete(b.Records, 2, 3) // c3
	r := journal.Verify(b, f.checkpoint())
	assert.False(t, r.OK())
	require.Equal(t, []journal.FindingType{journal.FindingMissing}, types(r))
	assert.Equal(t, int64(2), r.Findings[0].Index)
	assert.Equal(t, "c3", r.Findings[0].ID)
}

func TestVerifyRecordNotInLog(t *testing.T) {
	f := populated(t)
	b := f.export()
	extra, err := journal.NewRecordDigest("child", "c9", 1, child{ID: "c9", Status: "monitored", Version: 1})
	require.NoError(t, err)
	b.Records = append(b.Records, extra)
	r := journal.Verify(b, f.checkpoint())
	assert.False(t, r.OK())
	require.Equal(t, []journal.FindingType{journal.FindingNotInLog}, types(r))
	assert.Equal(t, int64(-1), r.Findings[0].Index)
	assert.Equal(t, "c9", r.Findings[0].ID)
}

func TestVerifyAppendedAfterCheckpoint(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()
	f.write("c5", "monitored", 1)
	f.write("c2", "exited", 2)
	r := journal.Verify(f.export(), kept)
	assert.True(t, r.OK(), "appending is not a problem by itself")
	assert.True(t, r.Consistent)
	require.Equal(t, []journal.FindingType{journal.FindingAppended, journal.FindingAppended}, types(r))
	assert.Equal(t, int64(5), r.Findings[0].Index)
	assert.Equal(t, "c5", r.Findings[0].ID)
	assert.Equal(t, int64(6), r.Findings[1].Index)
	assert.Equal(t, f.now, r.Findings[1].Time)
}

func TestVerifyRewrittenLog(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()

	// The provider rebuilds the log with c2's first version altered, and exports
	// records that match the rebuilt log: every record checks out, but the log is
	// no longer the one the purchaser kept a checkpoint of.
	g := newFakeStore(t)
	g.write("c1", "monitored", 1)
	g.write("c2", "exited", 1)
	g.write("c3", "monitored", 1)
	g.write("c4", "monitored", 1)
	g.write("c1", "exited", 2)
	g.write("c5", "monitored", 1)

	r := journal.Verify(g.export(), kept)
	assert.False(t, r.OK())
	assert.False(t, r.Consistent)
	assert.Equal(t, 1, r.Count(journal.FindingInconsistent))
	assert.Contains(t, r.Findings[0].Explanation, "rewritten")
	assert.Equal(t, 0, r.Count(journal.FindingChanged))

	// The same through a partial bundle with proofs.
	r = journal.Verify(g.exportLeaves(kept.Size, 1, 5), kept)
	assert.False(t, r.OK())
	assert.False(t, r.Consistent)
	assert.Equal(t, 1, r.Count(journal.FindingInconsistent))

	// A truncated log is inconsistent too.
	h := newFakeStore(t)
	h.write("c1", "monitored", 1)
	r = journal.Verify(h.export(), kept)
	assert.False(t, r.Consistent)
	assert.Contains(t, r.Findings[0].Explanation, "removed")
}

func TestVerifyPartialBundle(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()
	f.write("c5", "monitored", 1)
	f.write("c6", "monitored", 1)

	b := f.exportLeaves(kept.Size, 6, 1, 4)
	b.Records = []journal.RecordDigest{f.records[1], f.records[4], f.records[6]}
	r := journal.Verify(b, kept)
	assert.True(t, r.OK(), "%+v", r.Findings)
	assert.False(t, r.Full)
	assert.True(t, r.Consistent)
	assert.Equal(t, 3, r.LeavesChecked)
	require.Equal(t, []journal.FindingType{journal.FindingAppended}, types(r))
	assert.Equal(t, int64(6), r.Findings[0].Index)

	t.Run("record without its leaf", func(t *testing.T) {
		b := b
		b.Records = append(slices.Clone(b.Records), f.records[2])
		r := journal.Verify(b, kept)
		assert.Equal(t, []journal.FindingType{journal.FindingAppended, journal.FindingNotInLog}, types(r))
		assert.Contains(t, r.Findings[1].Explanation, "partial bundle")
	})
	t.Run("bad proof", func(t *testing.T) {
		b := b
		b.Leaves = slices.Clone(b.Leaves)
		b.Leaves[1].Proof = slices.Clone(b.Leaves[1].Proof)
		b.Leaves[1].Proof[0][0] ^= 1
		r := journal.Verify(b, kept)
		assert.False(t, r.OK())
		assert.Equal(t, 1, r.Count(journal.FindingBadBundle))
		assert.Equal(t, 1, r.Count(journal.FindingNotInLog), "the record's leaf is not shown to be in the log")
	})
	t.Run("consistency proof from elsewhere", func(t *testing.T) {
		b := b
		b.ConsistencyFrom = 3
		r := journal.Verify(b, kept)
		assert.False(t, r.Consistent)
		assert.Equal(t, 1, r.Count(journal.FindingInconsistent))
	})
	t.Run("consistency proof missing", func(t *testing.T) {
		b := b
		b.Consistency = nil
		r := journal.Verify(b, kept)
		assert.False(t, r.Consistent)
	})
	t.Run("same size as kept", func(t *testing.T) {
		now := f.checkpoint()
		b := f.exportLeaves(now.Size, 0)
		b.Records = f.records[:1]
		r := journal.Verify(b, now)
		assert.True(t, r.OK(), "%+v", r.Findings)
	})
	t.Run("duplicate leaf", func(t *testing.T) {
		b := b
		b.Leaves = append(slices.Clone(b.Leaves), b.Leaves[0])
		r := journal.Verify(b, kept)
		assert.Equal(t, 1, r.Count(journal.FindingBadBundle))
	})
}

func TestVerifyLatestOnly(t *testing.T) {
	f := populated(t)
	b := f.export()
	b.Records = slices.Delete(b.Records, 0, 1) // c1 version 1; version 2 remains
	r := journal.Verify(b, f.checkpoint())
	assert.Equal(t, []journal.FindingType{journal.FindingMissing}, types(r))

	b.LatestOnly = true
	r = journal.Verify(b, f.checkpoint())
	assert.True(t, r.OK())
	require.Equal(t, []journal.FindingType{journal.FindingSuperseded}, types(r))
	assert.Equal(t, int64(0), r.Findings[0].Index)
}

func TestVerifyDuplicates(t *testing.T) {
	f := populated(t)
	f.write("c3", "monitored", 1) // journaled twice
	b := f.export()
	b.Records = b.Records[:5]
	r := journal.Verify(b, f.checkpoint())
	assert.False(t, r.OK())
	require.Equal(t, []journal.FindingType{journal.FindingDuplicate}, types(r))
	assert.Equal(t, int64(5), r.Findings[0].Index)

	// Two different hashes listed for one record version.
	g := populated(t)
	b = g.export()
	other, err := journal.NewRecordDigest("child", "c2", 1, "something else")
	require.NoError(t, err)
	b.Records = append(b.Records, b.Records[1], other)
	r = journal.Verify(b, g.checkpoint())
	assert.True(t, r.Consistent)
	assert.Equal(t, []journal.FindingType{journal.FindingDuplicate}, types(r))
	assert.Equal(t, int64(-1), r.Findings[0].Index)
}

func TestVerifyBadBundle(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()

	t.Run("wrong tree hash", func(t *testing.T) {
		b := f.export()
		b.TreeHash[0] ^= 1
		r := journal.Verify(b, kept)
		assert.False(t, r.OK())
		assert.True(t, r.Consistent, "the leaves themselves match the checkpoint")
		assert.Equal(t, []journal.FindingType{journal.FindingBadBundle}, types(r))
	})
	t.Run("undecodable leaf", func(t *testing.T) {
		b := f.export()
		b.Leaves[3].Data = []byte("garbage")
		r := journal.Verify(b, kept)
		assert.False(t, r.OK())
		assert.False(t, r.Consistent)
		assert.Equal(t, 2, r.Count(journal.FindingBadBundle))
		assert.Equal(t, 1, r.Count(journal.FindingInconsistent))
		assert.Equal(t, 1, r.Count(journal.FindingNotInLog))
	})
	t.Run("other log", func(t *testing.T) {
		b := f.export()
		b.Origin = "liudong/360122"
		r := journal.Verify(b, kept)
		assert.False(t, r.OK())
		assert.False(t, r.Consistent)
		assert.Equal(t, 1, r.Count(journal.FindingBadBundle))
	})
	t.Run("negative size", func(t *testing.T) {
		r := journal.Verify(journal.Bundle{TreeSize: -1}, kept)
		assert.False(t, r.OK())
	})
	t.Run("bogus empty checkpoint", func(t *testing.T) {
		r := journal.Verify(f.export(), journal.Checkpoint{Hash: kept.Hash})
		assert.False(t, r.Consistent)
	})
}

func TestBundleAndReportJSON(t *testing.T) {
	f := populated(t)
	kept := f.checkpoint()
	f.write("c5", "monitored", 1)
	for _, b := range []journal.Bundle{f.export(), f.exportLeaves(kept.Size, 0, 5)} {
		data, err := json.Marshal(b)
		require.NoError(t, err)
		var back journal.Bundle
		require.NoError(t, json.Unmarshal(data, &back))
		assert.Equal(t, b, back)

		r := journal.Verify(back, kept)
		data, err = json.Marshal(r)
		require.NoError(t, err)
		var rback journal.Report
		require.NoError(t, json.Unmarshal(data, &rback))
		assert.Equal(t, r, rback)
	}

	b := f.export()
	b.Records[0].SHA256[0] ^= 1
	data, err := json.Marshal(journal.Verify(b, kept))
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(data, &generic))
	findings := generic["findings"].([]any)
	first := findings[0].(map[string]any)
	assert.Equal(t, "changed", first["type"])
	assert.Len(t, first["record_sha256"], 64, "hex digest")
	assert.Equal(t, "2025-03-01T09:01:00Z", first["time"])
}

func TestExportLeavesErrors(t *testing.T) {
	f := populated(t)
	_, err := journal.ExportLeaves(context.Background(), &f.log, 0, []int64{5})
	require.ErrorIs(t, err, journal.ErrOutOfRange)
	// A kept size beyond the log gives a bundle that Verify reports inconsistent.
	b, err := journal.ExportLeaves(context.Background(), &f.log, 9, []int64{0})
	require.NoError(t, err)
	assert.False(t, journal.Verify(b, journal.Checkpoint{Size: 9}).Consistent)
}

// FuzzVerify feeds Verify bundles and kept checkpoints decoded from JSON, as an
// auditor's tool reads them: it must never panic, and its report must marshal.
func FuzzVerify(f *testing.F) {
	s := populated(f)
	kept := s.checkpoint()
	s.write("c5", "monitored", 1)
	keptJSON, err := json.Marshal(kept)
	require.NoError(f, err)
	for _, b := range []journal.Bundle{s.export(), s.exportLeaves(kept.Size, 1, 5)} {
		data, err := json.Marshal(b)
		require.NoError(f, err)
		f.Add(data, keptJSON)
	}
	f.Add([]byte(`{"tree_size":3,"leaves":[{"index":2,"data":"AQ=="}]}`), []byte(`{"size":-1}`))
	f.Fuzz(func(t *testing.T, bundleJSON, keptJSON []byte) {
		var b journal.Bundle
		var c journal.Checkpoint
		if json.Unmarshal(bundleJSON, &b) != nil || json.Unmarshal(keptJSON, &c) != nil {
			return
		}
		r := journal.Verify(b, c)
		_, err := json.Marshal(r)
		require.NoError(t, err)
		if r.OK() {
			require.True(t, r.Consistent)
		}
	})
}
