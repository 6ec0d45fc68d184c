package journal

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrBadCheckpoint reports a checkpoint that is malformed, has the wrong origin, or
// is not signed by the expected key.
var ErrBadCheckpoint = errors.New("journal: bad checkpoint")

// maxCheckpointLen bounds the signed notes OpenCheckpoint accepts.
const maxCheckpointLen = 64 << 10

// Checkpoint is a log's signed tree head (检查点): the log's origin, its size and its
// root hash. The purchaser keeps checkpoints; a later log must be consistent with
// every one of them.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Hash   tlog.Hash `json:"hash"` // base64 in JSON, as in the checkpoint text
}

// Tree returns the checkpoint's size and hash as a tlog.Tree.
func (c Checkpoint) Tree() tlog.Tree { return tlog.Tree{N: c.Size, Hash: c.Hash} }

// KeptCheckpoint is a checkpoint as the purchaser keeps it, with the time it was
// requested from the provider.
type KeptCheckpoint struct {
	Checkpoint
	// KeptAt is when the purchaser asked for the checkpoint, by the purchaser's own
	// clock, before it was signed. The provider signs the current tree head on
	// request (see [Sign]), so every leaf appended before KeptAt is in it.
	KeptAt time.Time `json:"kept_at"`
}

// GenerateKey returns a new Ed25519 signer key and its verifier key, in
// golang.org/x/mod/sumdb/note's text format, for a key named name (for example
// "liudong-360121"). Keep skey secret; hand vkey to the purchaser and auditors.
func GenerateKey(rand io.Reader, name string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand, name)
	if err == nil {
		_, err = note.NewVerifier(vkey) // rejects a name with spaces or '+'
	}
	if err != nil {
		return "", "", fmt.Errorf("journal: generate key: %w", err)
	}
	return skey, vkey, nil
}

// NewSigner returns the signer for an skey from [GenerateKey] (or note.GenerateKey).
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("journal: signer key: %w", err)
	}
	return s, nil
}

// NewVerifier returns the verifier for a vkey from [GenerateKey].
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("journal: verifier key: %w", err)
	}
	return v, nil
}

// Sign signs the log's current tree head and returns the signed note. The note's text
// is a transparency-dev checkpoint (https://c2sp.org/tlog-checkpoint): three lines,
// each ending in a newline:
//
//	<origin>
//	<size in decimal>
//	<root hash in standard base64>
//
// followed by a blank line and the signature line(s) of golang.org/x/mod/sumdb/note.
// origin names the log, e.g. "liudong/360121"; it must be non-empty UTF-8 without
// control characters.
func Sign(ctx context.Context, s Storage, signer note.Signer, origin string) ([]byte, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	if signer == nil {
		return nil, errors.New("journal: sign: nil signer")
	}
	tree, err := TreeHead(ctx, s)
	if err != nil {
		return nil, err
	}
	text := checkpointText(Checkpoint{Origin: origin, Size: tree.N, Hash: tree.Hash})
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return nil, fmt.Errorf("journal: sign: %w", err)
	}
	return msg, nil
}

func checkOrigin(origin string) error {
	if origin == "" || !utf8.ValidString(origin) || strings.ContainsFunc(origin, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%w: origin must be non-empty UTF-8 without control characters", ErrBadCheckpoint)
	}
	return nil
}

// OpenCheckpoint verifies that msg is a note signed by verifier and parses its text as
// a checkpoint for the log named origin. Extension lines after the hash are allowed
// (and ignored) as the checkpoint format provides; signatures by other keys are
// ignored. Every failure wraps [ErrBadCheckpoint].
func OpenCheckpoint(msg []byte, verifier note.Verifier, origin string) (Checkpoint, error) {
	if verifier == nil {
		return Checkpoint{}, fmt.Errorf("%w: nil verifier", ErrBadCheckpoint)
	}
	if err := checkOrigin(origin); err != nil {
		return Checkpoint{}, err
	}
	if len(msg) > maxCheckpointLen {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes, more than %d", ErrBadCheckpoint, len(msg), maxCheckpointLen)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	return parseCheckpoint(n.Text, origin)
}

func parseCheckpoint(text, origin string) (Checkpoint, error) {
	lines := strings.Split(text, "\n")
	// text ends in "\n", so the last element is empty.
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return Checkpoint{}, fmt.Errorf("%w: want origin, size and hash lines", ErrBadCheckpoint)
	}
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "" {
			return Checkpoint{}, fmt.Errorf("%w: empty extension line", ErrBadCheckpoint)
		}
	}
	if lines[0] != origin {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, want %q", ErrBadCheckpoint, lines[0], origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || lines[1] != strconv.FormatInt(size, 10) {
		return Checkpoint{}, fmt.Errorf("%w: bad size %q", ErrBadCheckpoint, lines[1])
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize || base64.StdEncoding.EncodeToString(h) != lines[2] {
		return Checkpoint{}, fmt.Errorf("%w: bad root hash", ErrBadCheckpoint)
	}
	c := Checkpoint{Origin: origin, Size: size}
	copy(c.Hash[:], h)
	return c, nil
}

// RecordedLate reports whether the leaf at index, which claims to record something
// that happened at claimed, was appended after a kept checkpoint that the purchaser
// requested after claimed: such a checkpoint's size is ≤ index (it does not contain
// the leaf) and its KeptAt is after claimed. Of those it returns the one with the
// latest KeptAt, which bounds the delay most tightly: the leaf was recorded at least
// c.KeptAt.Sub(claimed) after the time it claims. Callers apply their own grace
// period (a write in flight when the checkpoint was requested is late by moments).
// The kept checkpoints must already be verified and consistent with the log.
func RecordedLate(index int64, claimed time.Time, kept ...KeptCheckpoint) (KeptCheckpoint, bool) {
	var best KeptCheckpoint
	found := false
	for _, c := range kept {
		if c.Size <= index && c.KeptAt.After(claimed) && (!found || c.KeptAt.After(best.KeptAt)) {
			best, found = c, true
		}
	}
	return best, found
}

// checkpointText is the unsigned text of a checkpoint.
func checkpointText(c Checkpoint) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
	return b.Bytes()
}
