// Package kv owns the small, shared, expiring state of a deployment: rate
// limit counters today, sessions and caches tomorrow. It lives in Redis when
// one is configured, so several instances share it, and in process memory
// otherwise, for a single-instance deployment.
//
// Keys are built by callers from the portal's slug (never its host or name),
// and every key is prefixed with the deployment's prefix.
package kv

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store is expiring shared state.
type Store interface {
	// Incr adds one to the counter at key, creating it with the given
	// lifetime if it does not exist, and returns the new value and the time
	// left before it expires.
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, time.Duration, error)
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Shared reports whether other instances see the same state.
	Shared() bool
	Close() error
}

// Redis is a Store in Redis.
type Redis struct {
	client *redis.Client
	prefix string
}

// OpenRedis connects to url (redis://host:port/db) and checks it answers.
func OpenRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("kv: parse Redis URL: %w", err)
	}
	r := &Redis{client: redis.NewClient(opts), prefix: prefix}
	if err := r.Ping(ctx); err != nil {
		r.client.Close()
		return nil, err
	}
	return r, nil
}

// Client is the underlying client, for features that need more than a
// Store (publish/subscribe).
func (r *Redis) Client() *redis.Client { return r.client }

// incrScript increments and sets the expiry in one atomic step, so a crash
// between the two cannot leave a counter that never expires.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

func (r *Redis) Incr(ctx context.Context, key string, ttl time.Duration) (int64, time.Duration, error) {
	res, err := incrScript.Run(ctx, r.client, []string{r.prefix + key}, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("kv: incr: %w", err)
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}

func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("kv: redis ping: %w", err)
	}
	return nil
}

func (r *Redis) Shared() bool { return true }
func (r *Redis) Close() error { return r.client.Close() }

// Memory is a Store in process memory.
type Memory struct {
	mu      sync.Mutex
	entries map[string]memEntry
	now     func() time.Time
	ops     int
}

type memEntry struct {
	n       int64
	expires time.Time
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	return &Memory{entries: map[string]memEntry{}, now: time.Now}
}

func (m *Memory) Incr(_ context.Context, key string, ttl time.Duration) (int64, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.ops++
	// Sweep expired entries now and then so the map stays bounded by the
	// keys of the current window rather than growing forever.
	if m.ops%1024 == 0 {
		for k, e := range m.entries {
			if !now.Before(e.expires) {
				delete(m.entries, k)
			}
		}
	}
	e, ok := m.entries[key]
	if !ok || !now.Before(e.expires) {
		e = memEntry{expires: now.Add(ttl)}
	}
	e.n++
	m.entries[key] = e
	return e.n, e.expires.Sub(now), nil
}

func (m *Memory) Ping(context.Context) error { return nil }
func (m *Memory) Shared() bool               { return false }
func (m *Memory) Close() error               { return nil }
