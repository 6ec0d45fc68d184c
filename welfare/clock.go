package welfare

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// beijing is the programme's zone: UTC+8 all year, no daylight saving (DOMAIN §6).
var beijing = time.FixedZone("CST", 8*3600)

// Beijing returns the UTC+8 zone in which programme days, months and quarters are counted.
func Beijing() *time.Location { return beijing }

// Clock supplies the current time. Services take one so that tests and replays are
// deterministic.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the machine's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns T. Useful in tests and in reproducible acceptance runs.
type FixedClock struct{ T time.Time }

// Now returns c.T.
func (c FixedClock) Now() time.Time { return c.T }

// IDGenerator supplies record IDs.
type IDGenerator interface {
	NewID() uuid.UUID
}

// UUIDv7 generates time-ordered RFC 9562 version 7 UUIDs; the default.
type UUIDv7 struct{}

// NewID returns a new version 7 UUID.
func (UUIDv7) NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// SeededIDs generates a reproducible sequence of version 4 UUIDs from a seed: the same
// seed gives the same IDs in the same order. Safe for concurrent use.
type SeededIDs struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// NewSeededIDs returns a generator whose sequence depends only on seed.
func NewSeededIDs(seed uint64) *SeededIDs {
	return &SeededIDs{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// NewID returns the next ID of the sequence.
func (g *SeededIDs) NewID() uuid.UUID {
	g.mu.Lock()
	a, b := g.rng.Uint64(), g.rng.Uint64()
	g.mu.Unlock()
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], a)
	binary.BigEndian.PutUint64(u[8:], b)
	u[6] = (u[6] & 0x0f) | 0x40 // version 4
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return u
}

// StoreTime normalises t as every store keeps times: UTC, truncated to microseconds (the
// finest precision PostgreSQL and MySQL share), so records round-trip exactly.
func StoreTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
