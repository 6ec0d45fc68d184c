package audit

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// DOMAIN §8: Rivest's sampler.py vectors.
func TestRivestSampleVectors(t *testing.T) {
	for _, tc := range []struct {
		seed string
		a, b int64
		repl bool
		want []int64
	}{
		{"0", 1, 1000, true, []int64{905, 573, 160}},
		{"1", 1, 1000, true, []int64{97, 89, 163}},
		{"abcde", 1, 1000, true, []int64{247, 427, 157}},
		{"0000000000", 1, 1000, true, []int64{978, 359, 132}},
		{"0", 1, 2, true, []int64{1, 1, 2}},
		{"3546311556112163624615351222", 1, 876, false, []int64{740, 180, 264, 789, 238, 448, 272, 611, 761, 208}},
	} {
		got, err := RivestSample(tc.seed, tc.a, tc.b, len(tc.want), tc.repl)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "seed %q", tc.seed)
	}
}

func TestRivestSampleWithoutReplacement(t *testing.T) {
	got, err := RivestSample("0", 1, 2, 2, false)
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, got, "the repeated 1 is skipped, the counter advances")
	all, err := RivestSample("x", 5, 14, 10, false)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, all)
	_, err = RivestSample("x", 1, 3, 4, false)
	require.Error(t, err)
	_, err = RivestSample("x", 3, 1, 1, true)
	require.Error(t, err)
}

func TestConsistentOrderVector(t *testing.T) {
	ids := []string{"A-1", "A-2", "A-3", "B-1", "B-2", "B-3"}
	assert.Equal(t, []string{"B-1", "B-2", "A-2", "B-3", "A-1", "A-3"}, ConsistentOrder("31415", ids))
	// Filtering to a stratum equals sampling the stratum directly.
	assert.Equal(t, []string{"A-2", "A-1", "A-3"}, ConsistentOrder("31415", ids[:3]))
}

func ExampleRivestSample() {
	picks, _ := RivestSample("0", 1, 1000, 3, true)
	fmt.Println(picks)
	order := ConsistentOrder("31415", []string{"A-1", "A-2", "A-3", "B-1", "B-2", "B-3"})
	fmt.Println(order)
	// Output:
	// [905 573 160]
	// [B-1 B-2 A-2 B-3 A-1 A-3]
}
