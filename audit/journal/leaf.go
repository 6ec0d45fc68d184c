package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// LeafFormat is the version byte that starts every encoded leaf.
const LeafFormat byte = 1

// leafFixedLen is the length of an encoded leaf whose three strings are empty.
const leafFixedLen = 1 + 2 + 2 + 8 + sha256.Size + 8 + 2

// ErrBadLeaf reports a leaf that cannot be encoded, or bytes that are not a canonical
// leaf encoding.
var ErrBadLeaf = errors.New("journal: bad leaf")

// Leaf is one journaled write (日志条目). It holds identifiers and a hash, never
// personal data.
type Leaf struct {
	// Kind is the entity kind, e.g. "child", "visit", "key_entry". Required.
	Kind string
	// ID is the entity's ID (a UUID in this library). Required.
	ID string
	// Version is the version of the entity the write produced.
	Version int64
	// RecordSHA256 is the SHA-256 of the record's canonical encoding as written,
	// computed by the store, normally with [RecordHash].
	RecordSHA256 [32]byte
	// Time is when the write happened. It is encoded in UTC with microsecond
	// precision (so it round-trips through every SQL engine); finer precision and the
	// location are dropped. Stores should set it to now.UTC().Truncate(time.Microsecond).
	Time time.Time
	// Actor is the staff ID of whoever made the write (never a name); empty for
	// writes made by the system itself.
	Actor string
}

// MarshalBinary returns the leaf's canonical encoding, the tlog record data.
//
// Encoding, format 1 (all integers big-endian, no padding, nothing after the last
// field):
//
//	size  field
//	1     format byte, 0x01
//	2     uint16 length k of Kind, k ≥ 1
//	k     Kind, UTF-8
//	2     uint16 length i of ID, i ≥ 1
//	i     ID, UTF-8
//	8     Version, int64 two's complement
//	32    RecordSHA256
//	8     Time, int64 microseconds since 1970-01-01T00:00:00Z (UTC); the time must be
//	      non-zero and within years 1–9999
//	2     uint16 length a of Actor, a ≥ 0
//	a     Actor, UTF-8
//
// Every field has a fixed width or a length prefix, so the encoding is unambiguous,
// and [Leaf.UnmarshalBinary] accepts only bytes that re-encode to themselves, so it
// is canonical. The Merkle leaf hash is SHA-256(0x00 ‖ encoding) (RFC 6962).
//
// Example: Kind "child", ID "c1", Version 1, RecordSHA256 all zero, Time
// 2025-01-01T00:00:00Z, Actor "s1" encodes (in hex) as
//
//	01 0005 6368696c64 0002 6331 0000000000000001 00…00 (32 bytes)
//	00062a99ba0c6000 0002 7331
func (l Leaf) MarshalBinary() ([]byte, error) {
	return l.AppendBinary(make([]byte, 0, l.encodedLen()))
}

func (l Leaf) encodedLen() int {
	return leafFixedLen + len(l.Kind) + len(l.ID) + len(l.Actor)
}

// AppendBinary appends the leaf's canonical encoding (see [Leaf.MarshalBinary]) to b.
func (l Leaf) AppendBinary(b []byte) ([]byte, error) {
	if err := l.check(); err != nil {
		return b, err
	}
	b = append(b, LeafFormat)
	b = appendString(b, l.Kind)
	b = appendString(b, l.ID)
	b = binary.BigEndian.AppendUint64(b, uint64(l.Version))
	b = append(b, l.RecordSHA256[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(l.Time.UnixMicro()))
	b = appendString(b, l.Actor)
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func (l Leaf) check() error {
	switch {
	case l.Kind == "":
		return fmt.Errorf("%w: empty kind", ErrBadLeaf)
	case l.ID == "":
		return fmt.Errorf("%w: empty id", ErrBadLeaf)
	case l.Time.IsZero():
		return fmt.Errorf("%w: zero time", ErrBadLeaf)
	}
	if y := l.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%w: time outside years 1-9999", ErrBadLeaf)
	}
	for _, f := range [...]struct{ name, v string }{{"kind", l.Kind}, {"id", l.ID}, {"actor", l.Actor}} {
		if len(f.v) > math.MaxUint16 {
			return fmt.Errorf("%w: %s longer than %d bytes", ErrBadLeaf, f.name, math.MaxUint16)
		}
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: %s is not UTF-8", ErrBadLeaf, f.name)
		}
	}
	return nil
}

// UnmarshalBinary decodes a canonical leaf encoding (see [Leaf.MarshalBinary]). It
// rejects, with an error wrapping [ErrBadLeaf], any other bytes: an unknown format,
// truncated or trailing data, invalid UTF-8, an empty kind or ID, or a time out of
// range. The decoded Time is in UTC.
func (l *Leaf) UnmarshalBinary(data []byte) error {
	d := decoder{data: data}
	if f := d.byte(); f != LeafFormat && d.err == nil {
		return fmt.Errorf("%w: unknown format %d", ErrBadLeaf, f)
	}
	var out Leaf
	out.Kind = d.string()
	out.ID = d.string()
	out.Version = int64(d.uint64())
	copy(out.RecordSHA256[:], d.bytes(sha256.Size))
	us := int64(d.uint64())
	out.Actor = d.string()
	if d.err != nil {
		return d.err
	}
	if len(d.data) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrBadLeaf, len(d.data))
	}
	out.Time = time.UnixMicro(us).UTC()
	if err := out.check(); err != nil {
		return err
	}
	*l = out
	return nil
}

type decoder struct {
	data []byte
	err  error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.data) < n {
		d.err = fmt.Errorf("%w: truncated", ErrBadLeaf)
		return nil
	}
	b := d.data[:n]
	d.data = d.data[n:]
	return b
}

func (d *decoder) byte() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) string() string {
	b := d.bytes(2)
	if b == nil {
		return ""
	}
	return string(d.bytes(int(binary.BigEndian.Uint16(b))))
}

// RecordHash returns the SHA-256 of encoding/json's encoding of v: the hash a store
// puts in [Leaf.RecordSHA256].
//
// encoding/json writes struct fields in declaration order and sorts map keys, so the
// hash is deterministic provided v is: records must be JSON-marshalable
// deterministically (no custom MarshalJSON with varying output), and must be hashed
// exactly as they are stored and read back (times in UTC at microsecond precision,
// decimals in their stored form), so that an auditor who re-reads the record gets the
// same hash. An auditor reimplementing this must reproduce encoding/json's output
// byte for byte, including its escaping of <, > and & as \u003c, \u003e and \u0026.
func RecordHash(v any) ([32]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return [32]byte{}, fmt.Errorf("journal: record hash: %w", err)
	}
	return sha256.Sum256(b), nil
}

// Digest is a SHA-256 hash that marshals as lower-case hex in JSON and text.
type Digest [32]byte

// String returns the hash in lower-case hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText implements encoding.TextMarshaler.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts 64 hex digits.
func (d *Digest) UnmarshalText(text []byte) error {
	if len(text) != 2*len(d) {
		return fmt.Errorf("journal: digest: want %d hex digits, got %d", 2*len(d), len(text))
	}
	var out Digest
	if _, err := hex.Decode(out[:], text); err != nil {
		return fmt.Errorf("journal: digest: %w", err)
	}
	*d = out
	return nil
}
