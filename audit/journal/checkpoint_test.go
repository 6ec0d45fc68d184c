package journal_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	"github.com/childwelfare/liudong/audit/journal"
)

const origin = "liudong/360121"

type keys struct {
	signer   note.Signer
	verifier note.Verifier
}

func newKeys(t testing.TB, name string) keys {
	skey, vkey, err := journal.GenerateKey(rand.Reader, name)
	require.NoError(t, err)
	s, err := journal.NewSigner(skey)
	require.NoError(t, err)
	v, err := journal.NewVerifier(vkey)
	require.NoError(t, err)
	return keys{s, v}
}

func TestCheckpointRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, "liudong-360121")
	var s journal.MemoryStorage
	_, err := journal.AppendRecords(ctx, &s, rfcRecords(t)...)
	require.NoError(t, err)

	msg, err := journal.Sign(ctx, &s, k.signer, origin)
	require.NoError(t, err)
	text, _, ok := strings.Cut(string(msg), "\n\n")
	require.True(t, ok)
	assert.Equal(t, "liudong/360121\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", text)
	assert.True(t, strings.HasPrefix(string(msg[len(text)+2:]), "— liudong-360121 "))

	c, err := journal.OpenCheckpoint(msg, k.verifier, origin)
	require.NoError(t, err)
	tree, err := journal.TreeHead(ctx, &s)
	require.NoError(t, err)
	assert.Equal(t, journal.Checkpoint{Origin: origin, Size: 8, Hash: tree.Hash}, c)
	assert.Equal(t, tree, c.Tree())

	// Checkpoints marshal to JSON for keeping.
	kept := journal.KeptCheckpoint{Checkpoint: c, KeptAt: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(kept)
	require.NoError(t, err)
	assert.JSONEq(t, `{"origin":"liudong/360121","size":8,"hash":"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=","kept_at":"2025-04-01T00:00:00Z"}`, string(b))
	var back journal.KeptCheckpoint
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, kept, back)

	// An empty log signs too.
	var empty journal.MemoryStorage
	msg, err = journal.Sign(ctx, &empty, k.signer, origin)
	require.NoError(t, err)
	c, err = journal.OpenCheckpoint(msg, k.verifier, origin)
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Size)
}

func TestCheckpointRejected(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, "liudong-360121")
	other := newKeys(t, "liudong-360121") // same name, different key
	var s journal.MemoryStorage
	_, err := journal.AppendRecords(ctx, &s, rfcRecords(t)...)
	require.NoError(t, err)
	msg, err := journal.Sign(ctx, &s, k.signer, origin)
	require.NoError(t, err)
	forged, err := journal.Sign(ctx, &s, other.signer, origin)
	require.NoError(t, err)

	// resign signs text with k, to show the parser rejects what a signature cannot.
	resign := func(text string) []byte {
		b, err := note.Sign(&note.Note{Text: text}, k.signer)
		require.NoError(t, err)
		return b
	}
	hash := "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
	tests := []struct {
		name     string
		msg      []byte
		verifier note.Verifier
		origin   string
	}{
		{"tampered size", bytes.Replace(msg, []byte("\n8\n"), []byte("\n9\n"), 1), k.verifier, origin},
		{"tampered hash", bytes.Replace(msg, []byte("Xcna"), []byte("Ycna"), 1), k.verifier, origin},
		{"tampered signature", append(msg[:len(msg)-6:len(msg)-6], []byte("AAAAA\n")...), k.verifier, origin},
		{"other key", forged, k.verifier, origin},
		{"unsigned", []byte("liudong/360121\n8\n" + hash + "\n"), k.verifier, origin},
		{"wrong origin", msg, k.verifier, "liudong/360122"},
		{"empty origin", msg, k.verifier, ""},
		{"nil verifier", msg, nil, origin},
		{"two lines", resign(origin + "\n8\n"), k.verifier, origin},
		{"negative size", resign(origin + "\n-1\n" + hash + "\n"), k.verifier, origin},
		{"leading zero", resign(origin + "\n08\n" + hash + "\n"), k.verifier, origin},
		{"plus sign", resign(origin + "\n+8\n" + hash + "\n"), k.verifier, origin},
		{"short hash", resign(origin + "\n8\nAAAA\n"), k.verifier, origin},
		{"unpadded hash", resign(origin + "\n8\n" + strings.TrimRight(hash, "=") + "\n"), k.verifier, origin},
		{"url base64", resign(origin + "\n8\n" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 16)) + "\n"), k.verifier, origin},
		{"empty extension line", resign(origin + "\n8\n" + hash + "\n\next\n"), k.verifier, origin},
		{"too long", append(bytes.Repeat([]byte("x"), 70000), msg...), k.verifier, origin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := journal.OpenCheckpoint(tt.msg, tt.verifier, tt.origin)
			require.ErrorIs(t, err, journal.ErrBadCheckpoint)
		})
	}

	// Extension lines and extra signatures are allowed.
	c, err := journal.OpenCheckpoint(resign(origin+"\n8\n"+hash+"\nextension\n"), k.verifier, origin)
	require.NoError(t, err)
	assert.Equal(t, int64(8), c.Size)
	n, err := note.Open(msg, note.VerifierList(k.verifier))
	require.NoError(t, err)
	cosigned, err := note.Sign(n, other.signer)
	require.NoError(t, err)
	_, err = journal.OpenCheckpoint(cosigned, k.verifier, origin)
	require.NoError(t, err)
}

func TestSignErrors(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, "k")
	var s journal.MemoryStorage
	for _, o := range []string{"", "a\nb", "a\x00", "\xff"} {
		_, err := journal.Sign(ctx, &s, k.signer, o)
		require.ErrorIs(t, err, journal.ErrBadCheckpoint, "%q", o)
	}
	_, err := journal.Sign(ctx, &s, nil, origin)
	require.Error(t, err)
	_, err = journal.NewSigner("garbage")
	require.Error(t, err)
	_, err = journal.NewVerifier("garbage")
	require.Error(t, err)
	_, _, err = journal.GenerateKey(rand.Reader, "bad name")
	require.Error(t, err)
}

func FuzzOpenCheckpoint(f *testing.F) {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "fuzz")
	require.NoError(f, err)
	signer, err := note.NewSigner(skey)
	require.NoError(f, err)
	verifier, err := note.NewVerifier(vkey)
	require.NoError(f, err)
	for _, text := range []string{
		origin + "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		origin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n",
		origin + "\n12\nAAAA\n",
	} {
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		require.NoError(f, err)
		f.Add(msg, false)
		f.Add([]byte(text), false)
	}
	// With resign set, the fuzzer's text is signed first, to exercise the parser
	// behind the signature check.
	f.Fuzz(func(t *testing.T, msg []byte, resign bool) {
		if resign {
			signed, err := note.Sign(&note.Note{Text: string(msg)}, signer)
			if err != nil {
				return
			}
			msg = signed
		}
		c, err := journal.OpenCheckpoint(msg, verifier, origin)
		if err != nil {
			require.ErrorIs(t, err, journal.ErrBadCheckpoint)
			return
		}
		require.Equal(t, origin, c.Origin)
		require.GreaterOrEqual(t, c.Size, int64(0))
		// What opens re-signs to a checkpoint that opens the same.
		again := fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
		signed, err := note.Sign(&note.Note{Text: again}, signer)
		require.NoError(t, err)
		c2, err := journal.OpenCheckpoint(signed, verifier, origin)
		require.NoError(t, err)
		require.Equal(t, c, c2)
	})
}

func TestRecordedLate(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 5, d, 12, 0, 0, 0, time.UTC) }
	kept := []journal.KeptCheckpoint{
		{Checkpoint: journal.Checkpoint{Origin: origin, Size: 10}, KeptAt: day(1)},
		{Checkpoint: journal.Checkpoint{Origin: origin, Size: 20}, KeptAt: day(8)},
		{Checkpoint: journal.Checkpoint{Origin: origin, Size: 30}, KeptAt: day(15)},
	}
	tests := []struct {
		name    string
		index   int64
		claimed time.Time
		late    bool
		by      int64 // size of the checkpoint that shows it
	}{
		{"in the first checkpoint", 5, day(1).Add(-time.Hour), false, 0},
		{"claims before the first checkpoint, appended after it", 12, day(1).Add(-time.Hour), true, 10},
		{"claims between checkpoints, appended in time", 15, day(3), false, 0},
		{"claims before the second checkpoint, appended after the third", 31, day(3), true, 30},
		{"claims after every checkpoint", 40, day(20), false, 0},
		{"claims exactly the checkpoint time", 25, day(15), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, late := journal.RecordedLate(tt.index, tt.claimed, kept...)
			require.Equal(t, tt.late, late)
			if late {
				assert.Equal(t, tt.by, c.Size)
				assert.Positive(t, c.KeptAt.Sub(tt.claimed))
			}
		})
	}
	_, late := journal.RecordedLate(3, day(1))
	assert.False(t, late)
}
