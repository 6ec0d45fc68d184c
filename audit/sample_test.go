package audit

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bigManifest(t testing.TB, n int) *Manifest {
	strata := []string{"360121100/key", "360121100/ordinary", "360121101/key", "360121101/ordinary", "360121102/ordinary"}
	entries := make([]ManifestEntry, n)
	for i := range entries {
		// Uneven strata: sizes that are not multiples of 10.
		entries[i] = ManifestEntry{ID: testID(i), Stratum: strata[(i*i+i/7)%len(strata)]}
	}
	m, err := NewManifest("360121", cutOff, entries)
	require.NoError(t, err)
	return m
}

func TestDrawStratified(t *testing.T) {
	m := bigManifest(t, 1003)
	share := decimal.RequireFromString("0.10")
	for _, alg := range []string{"", AlgorithmConsistent, AlgorithmRivest} {
		s, err := Draw(m, "20251201-dice-3-1-4-1-5", SampleOptions{Share: share, Algorithm: alg})
		require.NoError(t, err)
		total := 0
		seen := map[uuid.UUID]bool{}
		strata := map[uuid.UUID]string{}
		for _, e := range m.Entries {
			strata[e.ID] = e.Stratum
		}
		for _, st := range s.Strata {
			assert.Equal(t, StratumSize(share, st.Population), st.Size)
			assert.Len(t, st.IDs, st.Size)
			// Every stratum reaches the share.
			assert.True(t, decimal.NewFromInt(int64(st.Size)).GreaterThanOrEqual(share.Mul(decimal.NewFromInt(int64(st.Population)))), st.Name)
			for _, id := range st.IDs {
				assert.False(t, seen[id], "no repeats")
				seen[id] = true
				assert.Equal(t, st.Name, strata[id])
			}
			total += st.Size
		}
		assert.Equal(t, total, s.Size)
		assert.Equal(t, 1003, s.Population)
		assert.GreaterOrEqual(t, s.Size*10, s.Population, "the total reaches 10%")
		assert.Equal(t, m.SHA256, s.ManifestSHA256)
		assert.Len(t, s.IDSet(), s.Size)
		assert.True(t, s.Contains(s.IDs[0]))
		require.NoError(t, VerifySample(m, s))

		// A different seed gives a different, equally valid sample.
		s2, err := Draw(m, "another seed", SampleOptions{Share: share, Algorithm: alg})
		require.NoError(t, err)
		assert.NotEqual(t, s.IDs, s2.IDs)
		assert.Equal(t, s.Size, s2.Size)
		require.NoError(t, VerifySample(m, s2))

		// Tampering is detected.
		bad := *s
		bad.IDs = slices.Clone(s.IDs)
		bad.Strata = slices.Clone(s.Strata)
		bad.Strata[0].IDs = append([]uuid.UUID{testID(5000)}, s.Strata[0].IDs[1:]...)
		require.ErrorIs(t, VerifySample(m, &bad), ErrSampleMismatch)
		bad = *s
		bad.Seed = "x"
		require.ErrorIs(t, VerifySample(m, &bad), ErrSampleMismatch)
		other := bigManifest(t, 1004)
		require.ErrorIs(t, VerifySample(other, s), ErrSampleMismatch)
	}
}

func TestDrawConsistentIsFilteredTicketOrder(t *testing.T) {
	m := bigManifest(t, 200)
	s, err := Draw(m, "31415", SampleOptions{Share: decimal.RequireFromString("0.25")})
	require.NoError(t, err)
	ids := make([]string, len(m.Entries))
	strata := map[string]string{}
	for i, e := range m.Entries {
		ids[i] = e.ID.String()
		strata[ids[i]] = e.Stratum
	}
	order := ConsistentOrder("31415", ids)
	for _, st := range s.Strata {
		var filtered []uuid.UUID
		for _, id := range order {
			if strata[id] == st.Name && len(filtered) < st.Size {
				filtered = append(filtered, uuid.MustParse(id))
			}
		}
		assert.Equal(t, filtered, st.IDs, st.Name)
	}
}

func TestDrawErrors(t *testing.T) {
	m := bigManifest(t, 10)
	for _, tc := range []struct {
		seed string
		opts SampleOptions
	}{
		{"", SampleOptions{Share: decimal.New(1, -1)}},
		{"s", SampleOptions{}},
		{"s", SampleOptions{Share: decimal.New(11, -1)}},
		{"s", SampleOptions{Share: decimal.New(1, -1), Algorithm: "coin"}},
		{"\xff", SampleOptions{Share: decimal.New(1, -1)}},
	} {
		_, err := Draw(m, tc.seed, tc.opts)
		require.Error(t, err, "%+v", tc)
	}
	bad := *m
	bad.Entries = bad.Entries[1:]
	_, err := Draw(&bad, "s", SampleOptions{Share: decimal.New(1, -1)})
	require.ErrorIs(t, err, ErrBadManifest)
}

func TestStratumSize(t *testing.T) {
	share := decimal.RequireFromString("0.10")
	for n, want := range map[int]int{0: 0, 1: 1, 9: 1, 10: 1, 11: 2, 100: 10, 101: 11, 12029: 1203} {
		assert.Equal(t, want, StratumSize(share, n), n)
	}
	assert.Equal(t, 3, StratumSize(decimal.NewFromInt(1), 3))
}

// DOMAIN §8: a 10% sample of 100 children finds a 5% failure rate only 42% of the time.
func TestPower(t *testing.T) {
	p, err := Power(100, 10, decimal.RequireFromString("0.05"))
	require.NoError(t, err)
	assert.Equal(t, 5, p.Failures)
	assert.Equal(t, "0.4162", p.Probability.String())
	assert.Equal(t, "0.42", p.Probability.Round(2).String())

	for _, tc := range []struct {
		n, k   int
		rate   string
		failed int
		want   string
	}{
		{100, 10, "0.02", 2, "0.1909"},
		{100, 10, "0.10", 10, "0.6695"},
		{100, 100, "0.02", 2, "1"},
		{100, 0, "0.10", 10, "0"},
		{100, 10, "0", 0, "0"},
		{50, 5, "0.001", 1, "0.1"},
		{12029, 1203, "0.02", 240, "1"},
	} {
		p, err := Power(tc.n, tc.k, decimal.RequireFromString(tc.rate))
		require.NoError(t, err)
		assert.Equal(t, tc.failed, p.Failures, "%+v", tc)
		assert.Equal(t, tc.want, p.Probability.String(), "%+v", tc)
	}
	_, err = Power(10, 11, decimal.New(1, -1))
	require.Error(t, err)
}

func ExampleDraw() {
	entries := make([]ManifestEntry, 0, 30)
	for i := 1; i <= 30; i++ {
		stratum := "360121100/ordinary"
		if i%5 == 0 {
			stratum = "360121100/key"
		}
		entries = append(entries, ManifestEntry{ID: uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)), Stratum: stratum})
	}
	m, _ := NewManifest("360121", cutOff, entries)
	s, _ := Draw(m, "31415", SampleOptions{Share: decimal.RequireFromString("0.10")})
	fmt.Println("algorithm:", s.Algorithm, "v"+s.AlgorithmVersion)
	for _, st := range s.Strata {
		fmt.Printf("%s: %d of %d\n", st.Name, st.Size, st.Population)
	}
	fmt.Println("sample:", s.Size, "of", s.Population)
	fmt.Println("verified:", VerifySample(m, s) == nil)
	// Output:
	// algorithm: consistent_sampler v1
	// 360121100/key: 1 of 6
	// 360121100/ordinary: 3 of 24
	// sample: 4 of 30
	// verified: true
}
