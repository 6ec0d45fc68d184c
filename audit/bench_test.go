package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/welfare"
)

func TestCalendarConcurrent(t *testing.T) {
	c := NewCalendar()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if g%4 == 0 {
					_ = c.Override(2101, []welfare.Date{day("2101-01-03")}, nil)
				}
				_, err := c.AddWorkingDays(day("2025-09-26"), 10)
				require.NoError(t, err)
				_, _ = c.IsWorkingDay(day("2101-01-03"))
			}
		}()
	}
	wg.Wait()
}

// A county of 12,029 children (SC-1).
func county(n int) *fakeChildren {
	early := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	towns := []string{"360121001", "360121100", "360121101", "360121102", "360121103", "360121104"}
	f := &fakeChildren{}
	for i := 0; i < n; i++ {
		f.children = append(f.children, child(i, towns[i%len(towns)], ev(welfare.StateIdentified, "2025-02-01", early)))
	}
	return f
}

func BenchmarkBuildManifest(b *testing.B) {
	store := county(12029)
	for b.Loop() {
		if _, err := BuildManifest(context.Background(), store, "360121", cutOff, ManifestOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDraw(b *testing.B) {
	m, err := BuildManifest(context.Background(), county(12029), "360121", cutOff, ManifestOptions{})
	require.NoError(b, err)
	share := decimal.RequireFromString("0.10")
	for b.Loop() {
		if _, err := Draw(m, "31415", SampleOptions{Share: share}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := NewCalendar()
	for b.Loop() {
		if _, err := c.AddWorkingDays(day("2025-09-26"), 10); err != nil {
			b.Fatal(err)
		}
	}
}
