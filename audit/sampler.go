package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"

	"github.com/childwelfare/liudong/welfare"
)

// RivestSample reproduces Ronald L. Rivest's sampler.py (2011) exactly: for count = 1, 2, …
// it computes h = SHA-256(UTF-8(seed + "," + decimal(count))) read as a 256-bit big-endian
// integer and picks a + (h mod (b − a + 1)). With replacement every pick is kept; without
// replacement a repeated pick is skipped but the counter still advances. It returns n
// picks in the order drawn. Without replacement n may not exceed b − a + 1.
//
// Vectors (DOMAIN §8): seed "0", range 1..1000, with replacement → 905, 573, 160.
func RivestSample(seed string, a, b int64, n int, withReplacement bool) ([]int64, error) {
	if b < a {
		return nil, fmt.Errorf("audit: sampler range %d..%d is empty: %w", a, b, welfare.ErrInvalid)
	}
	width := new(big.Int).Sub(big.NewInt(b), big.NewInt(a))
	width.Add(width, big.NewInt(1))
	if n < 0 || (!withReplacement && width.Cmp(big.NewInt(int64(n))) < 0) {
		return nil, fmt.Errorf("audit: cannot draw %d from %d..%d without replacement: %w", n, a, b, welfare.ErrInvalid)
	}
	out := make([]int64, 0, n)
	seen := map[int64]bool{}
	h, pick := new(big.Int), new(big.Int)
	buf := make([]byte, 0, len(seed)+24)
	for count := 1; len(out) < n; count++ {
		buf = append(append(append(buf[:0], seed...), ','), strconv.Itoa(count)...)
		sum := sha256.Sum256(buf)
		h.SetBytes(sum[:])
		pick.Mod(h, width)
		p := a + pick.Int64()
		if withReplacement || !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// ConsistentTicket is the ticket of an ID in Rivest's consistent sampler (2018):
// SHA256hex(SHA256hex(SHA256hex(seed) + ":id:" + id) + "0"), all hex in lower case. A
// sample of size k is the k IDs with the smallest tickets (compared as strings, i.e. as
// numbers, since all tickets have 64 hex digits). Because an ID's ticket depends only on the
// seed and the ID, the sample of a stratum is the population's ticket order filtered to
// the stratum.
func ConsistentTicket(seed, id string) string {
	return consistentTicket(seedHash(seed), id)
}

func seedHash(seed string) string { return sha256Hex(seed) }

func consistentTicket(seedHex, id string) string {
	return sha256Hex(sha256Hex(seedHex+":id:"+id) + "0")
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ConsistentOrder returns ids in increasing ticket order for seed (ties, impossible in
// practice, broken by ID). Vector (DOMAIN §8): seed "31415", ids A-1..A-3, B-1..B-3 →
// B-1, B-2, A-2, B-3, A-1, A-3.
func ConsistentOrder(seed string, ids []string) []string {
	type tk struct{ ticket, id string }
	sh := seedHash(seed)
	ts := make([]tk, len(ids))
	for i, id := range ids {
		ts[i] = tk{consistentTicket(sh, id), id}
	}
	slices.SortFunc(ts, func(x, y tk) int {
		if x.ticket != y.ticket {
			if x.ticket < y.ticket {
				return -1
			}
			return 1
		}
		switch {
		case x.id < y.id:
			return -1
		case x.id > y.id:
			return 1
		}
		return 0
	})
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.id
	}
	return out
}
