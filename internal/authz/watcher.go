package authz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/redis/go-redis/v9"
)

// watcher carries role changes between instances over Redis publish /
// subscribe: after a change, the instance that made it publishes the
// portal's slug; every other instance drops its enforcer of that portal,
// so its next check reloads the rules from the database.
//
// Notices are hints, the database stays the truth: a lost notice (Redis
// restarting, a connection cut) is caught up with by dropping every cached
// enforcer whenever the subscription is re-established, and in the worst
// case by Options.MaxAge.
type watcher struct {
	a       *Authorizer
	rdb     redis.UniversalClient
	channel string
	// self tags this instance's notices, which it has already applied.
	self string

	mu     sync.Mutex
	pubsub *redis.PubSub
	cancel context.CancelFunc
	done   chan struct{}
}

// publishTimeout bounds one notice: the change is committed already, and a
// slow Redis must not hold the request that made it.
const publishTimeout = 2 * time.Second

// retryDelay spaces reconnection attempts after the subscription fails.
const retryDelay = time.Second

func newWatcher(a *Authorizer, rdb redis.UniversalClient, prefix string) *watcher {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported systems
	return &watcher{a: a, rdb: rdb, channel: prefix + "authz:changed", self: hex.EncodeToString(b[:])}
}

// Start subscribes to other instances' role changes and follows them until
// ctx ends or Close is called. It returns once the subscription is in
// place, so a change published after Start returns is not missed. Without
// Redis it only logs that changes stay local to this instance.
func (a *Authorizer) Start(ctx context.Context) error {
	w := a.watcher
	if w.rdb == nil {
		a.log.Info("authz: no Redis; role changes are seen by this instance only, so run a single instance")
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pubsub != nil {
		return errors.New("authz: already started")
	}
	ps := w.rdb.Subscribe(ctx, w.channel)
	// The first reply is the subscription's confirmation.
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return fmt.Errorf("authz: subscribe to %s: %w", w.channel, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	// Receive does not return when its context ends while it waits for a
	// message; closing the subscription makes it return.
	context.AfterFunc(runCtx, func() { _ = ps.Close() })
	w.pubsub, w.cancel, w.done = ps, cancel, make(chan struct{})
	go w.run(runCtx, ps, w.done)
	return nil
}

// Close stops following changes and waits for the subscription to end. It
// is safe to call without Start and more than once.
func (a *Authorizer) Close() error {
	w := a.watcher
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pubsub == nil {
		return nil
	}
	w.cancel() // closes the subscription, which ends run
	<-w.done
	w.pubsub = nil
	return nil
}

func (w *watcher) run(ctx context.Context, ps *redis.PubSub, done chan struct{}) {
	defer close(done)
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// Notices sent while the connection is down are lost; the next
			// Receive reconnects and subscribes again.
			w.a.log.Warn("authz: role change subscription interrupted; reconnecting", "error", err)
			w.a.invalidateAll()
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryDelay):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			// go-redis subscribes again after a reconnection it made on
			// its own: notices may have been missed meanwhile.
			if m.Kind == "subscribe" {
				w.a.invalidateAll()
			}
		case *redis.Message:
			w.handle(m.Payload)
		}
	}
}

// handle applies one notice, "<slug> <instance>".
func (w *watcher) handle(payload string) {
	slug, from, _ := strings.Cut(payload, " ")
	if from == w.self {
		return // applied synchronously when the change was made
	}
	if s := tenant.Slug(slug); s.Valid() {
		w.a.Invalidate(s)
	} else {
		w.a.log.Warn("authz: ignoring a malformed role change notice", "payload", payload)
	}
}

// publish tells the other instances that the portal's roles changed. A
// failure is logged, not returned: the change is committed, and the other
// instances catch up by Options.MaxAge at the latest.
func (w *watcher) publish(ctx context.Context, slug tenant.Slug) {
	if w.rdb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := w.rdb.Publish(ctx, w.channel, string(slug)+" "+w.self).Err(); err != nil {
		w.a.log.Error("authz: could not tell other instances about a role change; they follow within the enforcer max age",
			"tenant", slug, "error", err)
	}
}
