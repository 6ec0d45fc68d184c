package casework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// Notification is one message about an incident to one target: a mandatory report or
// an escalation. It carries identifiers and codes, never personal data: the receiver
// looks the child up in its own system (the Nanchang platform, the national system).
type Notification struct {
	// Key is the idempotency key: the same notification sent twice has the same key, and
	// a receiver that has seen a key must not act on it again.
	Key        string       `json:"key"`
	IncidentID uuid.UUID    `json:"incident_id"`
	AreaCode   string       `json:"area_code"`
	ChildID    uuid.UUID    `json:"child_id"`
	Kind       IncidentKind `json:"kind"`
	Severity   Severity     `json:"severity"`
	Target     Target       `json:"target"`
	Discovered time.Time    `json:"discovered"`
	Due        time.Time    `json:"due"`
	// Escalation is 0 for the report itself, else the escalation level; ReportTarget
	// then names the report that is overdue.
	Escalation   int    `json:"escalation,omitempty"`
	ReportTarget Target `json:"report_target,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// Receipt is what a Notifier reports of a delivered notification.
type Receipt struct {
	Channel   string `json:"channel"`
	MessageID string `json:"message_id,omitempty"`
	// Duplicate: the receiver had already seen the key (delivered before).
	Duplicate bool `json:"duplicate,omitempty"`
}

// Notifier delivers notifications: the gateway to the police, civil affairs, the
// purchaser, guardians and counsellors (an adapter for the Nanchang platform comes
// later). Notify returns an error when the notification was not delivered; it may be
// called again with the same Key.
type Notifier interface {
	Notify(ctx context.Context, n Notification) (Receipt, error)
}

// MemoryNotifier is an in-memory Notifier that logs and keeps every notification,
// acknowledging each key once (a repeated key comes back as Duplicate). Fail makes
// notifications to some targets fail, for tests and drills. Safe for concurrent use.
type MemoryNotifier struct {
	Logger *zap.Logger
	mu     sync.Mutex
	sent   []Notification
	seen   map[string]bool
	fail   map[Target]error
}

// Fail makes notifications to t fail with err (nil: succeed again).
func (m *MemoryNotifier) Fail(t Target, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail == nil {
		m.fail = map[Target]error{}
	}
	if err == nil {
		delete(m.fail, t)
	} else {
		m.fail[t] = err
	}
}

// Notify records n.
func (m *MemoryNotifier) Notify(ctx context.Context, n Notification) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail[n.Target]; err != nil {
		return Receipt{}, err
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	dup := m.seen[n.Key]
	m.seen[n.Key] = true
	if !dup {
		m.sent = append(m.sent, n)
	}
	if m.Logger != nil {
		m.Logger.Info("notification", zap.String("key", n.Key), zap.String("incident", n.IncidentID.String()),
			zap.String("kind", string(n.Kind)), zap.String("target", string(n.Target)), zap.Int("escalation", n.Escalation),
			zap.Bool("duplicate", dup))
	}
	return Receipt{Channel: "memory", MessageID: n.Key, Duplicate: dup}, nil
}

// Sent returns the notifications delivered (each key once), in order.
func (m *MemoryNotifier) Sent() []Notification {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Notification(nil), m.sent...)
}

// WebhookOptions configure a WebhookNotifier. The zero value gives defaults.
type WebhookOptions struct {
	// Client is the HTTP client; default a new http.Client (per-attempt timeouts come
	// from Timeout).
	Client *http.Client
	// Timeout bounds each attempt; default 10 s.
	Timeout time.Duration
	// MaxAttempts bounds the attempts per notification; default 4.
	MaxAttempts int
	// Backoff is the wait before the second attempt, doubling each time up to
	// MaxBackoff; defaults 500 ms and 8 s. A Retry-After header (seconds) is honoured
	// up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Header is added to every request (e.g. an Authorization token).
	Header http.Header
	// Sleep waits between attempts; default a timer that stops when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger logs attempts (no personal data); default zap.NewNop().
	Logger *zap.Logger
}

// WebhookNotifier posts each notification as JSON to a URL, with the idempotency key
// in the Idempotency-Key header, retrying network errors, timeouts, 408, 425, 429 and
// 5xx responses with bounded exponential backoff. 2xx is delivered; 409 Conflict means
// the receiver already holds the key (delivered, Duplicate). A JSON reply
// {"id": "...", "duplicate": true} fills the receipt. Other 4xx fail at once.
type WebhookNotifier struct {
	url  string
	opts WebhookOptions
}

// NewWebhookNotifier returns a notifier posting to url.
func NewWebhookNotifier(url string, opts WebhookOptions) *WebhookNotifier {
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 8 * time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &WebhookNotifier{url: url, opts: opts}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrNotDelivered wraps every failure of a notifier to deliver.
var ErrNotDelivered = errors.New("casework: notification not delivered")

// HeaderIdempotencyKey is the header carrying Notification.Key.
const HeaderIdempotencyKey = "Idempotency-Key"

// Notify posts n, retrying as documented.
func (w *WebhookNotifier) Notify(ctx context.Context, n Notification) (Receipt, error) {
	body, err := json.Marshal(n)
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: encode: %v", ErrNotDelivered, err)
	}
	wait := w.opts.Backoff
	var last error
	for attempt := 1; attempt <= w.opts.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrNotDelivered, err)
		}
		rec, retry, after, err := w.post(ctx, n.Key, body)
		if err == nil {
			return rec, nil
		}
		last = err
		w.opts.Logger.Warn("webhook attempt failed", zap.String("key", n.Key), zap.Int("attempt", attempt), zap.Error(err))
		if !retry || attempt == w.opts.MaxAttempts {
			break
		}
		d := wait
		if after > 0 {
			d = after
		}
		if err := w.opts.Sleep(ctx, min(d, w.opts.MaxBackoff)); err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrNotDelivered, err)
		}
		wait = min(wait*2, w.opts.MaxBackoff)
	}
	return Receipt{}, fmt.Errorf("%w: %w", ErrNotDelivered, last)
}

// post makes one attempt. retry says whether another attempt may succeed.
func (w *WebhookNotifier) post(ctx context.Context, key string, body []byte) (rec Receipt, retry bool, after time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return Receipt{}, false, 0, err
	}
	for k, vs := range w.opts.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, key)
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return Receipt{}, ctx.Err() == nil, 0, err // a timeout of this attempt is retried
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	rec = Receipt{Channel: "webhook"}
	var reply struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	if json.Unmarshal(data, &reply) == nil {
		rec.MessageID, rec.Duplicate = reply.ID, reply.Duplicate
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return rec, false, 0, nil
	case code == http.StatusConflict:
		rec.Duplicate = true
		return rec, false, 0, nil
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			after = time.Duration(s) * time.Second
		}
		return Receipt{}, true, after, fmt.Errorf("status %d", code)
	default:
		return Receipt{}, false, 0, fmt.Errorf("status %d", code)
	}
}
