package casework_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/casework"
)

func note() casework.Notification {
	return casework.Notification{Key: "inc-1/police/report", IncidentID: uuid.New(), AreaCode: "360121",
		ChildID: uuid.New(), Kind: casework.KindHarm, Severity: casework.SeverityImmediate, Target: casework.TargetPolice}
}

// recordSleep records the backoff waits instead of sleeping.
type recordSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordSleep) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func TestWebhookRetriesFailuresWithBackoff(t *testing.T) {
	var calls atomic.Int32
	keys := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get(casework.HeaderIdempotencyKey)
		var n casework.Notification
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&n))
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"id":"msg-9"}`))
	}))
	defer srv.Close()
	sl := &recordSleep{}
	w := casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{Backoff: 100 * time.Millisecond, Sleep: sl.sleep})
	rec, err := w.Notify(context.Background(), note())
	require.NoError(t, err)
	assert.Equal(t, "msg-9", rec.MessageID)
	assert.False(t, rec.Duplicate)
	assert.EqualValues(t, 3, calls.Load())
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, sl.waits, "exponential backoff")
	close(keys)
	for k := range keys {
		assert.Equal(t, "inc-1/police/report", k, "the same idempotency key on every attempt")
	}
}

func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	sl := &recordSleep{}
	w := casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{MaxAttempts: 5, Backoff: time.Second, MaxBackoff: 3 * time.Second, Sleep: sl.sleep})
	_, err := w.Notify(context.Background(), note())
	require.ErrorIs(t, err, casework.ErrNotDelivered)
	assert.EqualValues(t, 5, calls.Load())
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, sl.waits, "bounded")
}

func TestWebhookTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang past the client's timeout
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	defer close(release)
	sl := &recordSleep{}
	w := casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{Timeout: 50 * time.Millisecond, Sleep: sl.sleep})
	_, err := w.Notify(context.Background(), note())
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
}

func TestWebhookDuplicates(t *testing.T) {
	seen := map[string]bool{}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		k := r.Header.Get(casework.HeaderIdempotencyKey)
		switch {
		case !seen[k]:
			seen[k] = true
			_, _ = w.Write([]byte(`{"id":"m1"}`))
		case k == "conflict":
			w.WriteHeader(http.StatusConflict)
		default:
			_, _ = w.Write([]byte(`{"id":"m1","duplicate":true}`))
		}
	}))
	defer srv.Close()
	w := casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{})
	n := note()
	rec, err := w.Notify(context.Background(), n)
	require.NoError(t, err)
	assert.False(t, rec.Duplicate)
	rec, err = w.Notify(context.Background(), n)
	require.NoError(t, err)
	assert.True(t, rec.Duplicate, "the receiver reports a duplicate")
	n.Key = "conflict"
	_, err = w.Notify(context.Background(), n)
	require.NoError(t, err)
	rec, err = w.Notify(context.Background(), n)
	require.NoError(t, err)
	assert.True(t, rec.Duplicate, "409 means already delivered")
}

func TestWebhookClientErrorNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	w := casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{Sleep: (&recordSleep{}).sleep})
	_, err := w.Notify(context.Background(), note())
	require.ErrorIs(t, err, casework.ErrNotDelivered)
	assert.EqualValues(t, 1, calls.Load())
}

func TestWebhookServiceIntegration(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	e := newEnv(t, func(o *casework.Options) {
		o.Notifier = casework.NewWebhookNotifier(srv.URL, casework.WebhookOptions{})
	})
	in, err := e.svc.RaiseIncident(e.ctx, e.worker, casework.IncidentInput{ChildID: e.child.ID, Kind: casework.KindDanger, Discovered: e.clk.Now()})
	require.NoError(t, err)
	for _, r := range in.Reports {
		assert.NotNil(t, r.Sent, r.Target)
	}
	assert.EqualValues(t, 4, calls.Load())
}
