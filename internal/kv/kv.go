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
	"errors"
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
	// IncrAndGet is Incr, and reads keys in the same round trip (nil for
	// a missing one): a request's rate limit counter and what it needs of
	// the store besides (its portal's page version, its session) cost one
	// exchange with Redis, not three.
	IncrAndGet(ctx context.Context, key string, ttl time.Duration, keys ...string) (int64, time.Duration, [][]byte, error)
	// Get returns the value at key, and false when there is none.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value at key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Del removes keys; missing keys are not an error.
	Del(ctx context.Context, keys ...string) error
	// SetAdd adds member to the set at key and makes the whole set live at
	// least ttl from now.
	SetAdd(ctx context.Context, key, member string, ttl time.Duration) error
	// SetRemove removes member from the set at key.
	SetRemove(ctx context.Context, key, member string) error
	// SetMembers lists the set at key, in no particular order.
	SetMembers(ctx context.Context, key string) ([]string, error)
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

// incrGetScript is incrScript, then the values of the other keys (false,
// a nil reply, for a missing one). All keys must live on one Redis, as
// they do: the deployment uses one, not a cluster.
var incrGetScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local out = {n, redis.call('PTTL', KEYS[1])}
for i = 2, #KEYS do out[i + 1] = redis.call('GET', KEYS[i]) end
return out`)

func (r *Redis) IncrAndGet(ctx context.Context, key string, ttl time.Duration, keys ...string) (int64, time.Duration, [][]byte, error) {
	all := make([]string, 0, 1+len(keys))
	all = append(all, r.prefix+key)
	for _, k := range keys {
		all = append(all, r.prefix+k)
	}
	res, err := incrGetScript.Run(ctx, r.client, all, ttl.Milliseconds()).Slice()
	if err != nil {
		return 0, 0, nil, fmt.Errorf("kv: incr and get: %w", err)
	}
	if len(res) < 2 {
		return 0, 0, nil, fmt.Errorf("kv: incr and get: %d values in the answer", len(res))
	}
	n, ok1 := res[0].(int64)
	left, ok2 := res[1].(int64)
	if !ok1 || !ok2 {
		return 0, 0, nil, fmt.Errorf("kv: incr and get: unexpected answer %v", res[:2])
	}
	values := make([][]byte, len(keys))
	for i := range keys {
		// A trailing missing value may be left out of the answer.
		if 2+i < len(res) {
			if v, ok := res[2+i].(string); ok {
				values[i] = []byte(v)
			}
		}
	}
	return n, time.Duration(left) * time.Millisecond, values, nil
}

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

func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("kv: get: %w", err)
	}
	return b, true, nil
}

func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := r.client.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("kv: set: %w", err)
	}
	return nil
}

func (r *Redis) Del(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	if err := r.client.Del(ctx, full...).Err(); err != nil {
		return fmt.Errorf("kv: del: %w", err)
	}
	return nil
}

// setAddScript extends the set's life but never shortens it.
var setAddScript = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`)

func (r *Redis) SetAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := setAddScript.Run(ctx, r.client, []string{r.prefix + key}, member, ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("kv: set add: %w", err)
	}
	return nil
}

func (r *Redis) SetRemove(ctx context.Context, key, member string) error {
	if err := r.client.SRem(ctx, r.prefix+key, member).Err(); err != nil {
		return fmt.Errorf("kv: set remove: %w", err)
	}
	return nil
}

func (r *Redis) SetMembers(ctx context.Context, key string) ([]string, error) {
	m, err := r.client.SMembers(ctx, r.prefix+key).Result()
	if err != nil {
		return nil, fmt.Errorf("kv: set members: %w", err)
	}
	return m, nil
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
	value   []byte
	set     map[string]struct{}
	expires time.Time // zero: never
}

func (e memEntry) live(now time.Time) bool { return e.expires.IsZero() || now.Before(e.expires) }

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

// get returns the live entry at key; the caller holds the lock.
func (m *Memory) get(key string, now time.Time) (memEntry, bool) {
	e, ok := m.entries[key]
	if ok && !e.live(now) {
		delete(m.entries, key)
		return memEntry{}, false
	}
	return e, ok
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
			if !e.live(now) {
				delete(m.entries, k)
			}
		}
	}
	e, ok := m.get(key, now)
	if !ok {
		e = memEntry{expires: expiry(now, ttl)}
	}
	e.n++
	m.entries[key] = e
	return e.n, e.expires.Sub(now), nil
}

func (m *Memory) IncrAndGet(ctx context.Context, key string, ttl time.Duration, keys ...string) (int64, time.Duration, [][]byte, error) {
	n, left, err := m.Incr(ctx, key, ttl)
	if err != nil {
		return 0, 0, nil, err
	}
	values := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok, _ := m.Get(ctx, k); ok {
			values[i] = v
		}
	}
	return n, left, values, nil
}

func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.get(key, m.now())
	if !ok || e.value == nil {
		return nil, false, nil
	}
	return append([]byte(nil), e.value...), true, nil
}

func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = memEntry{value: append([]byte{}, value...), expires: expiry(m.now(), ttl)}
	return nil
}

func (m *Memory) Del(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.entries, k)
	}
	return nil
}

func (m *Memory) SetAdd(_ context.Context, key, member string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e, ok := m.get(key, now)
	if !ok || e.set == nil {
		e = memEntry{set: map[string]struct{}{}}
	}
	e.set[member] = struct{}{}
	if until := expiry(now, ttl); !e.expires.IsZero() && until.After(e.expires) || !ok {
		e.expires = until
	}
	m.entries[key] = e
	return nil
}

func (m *Memory) SetRemove(_ context.Context, key, member string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.get(key, m.now()); ok && e.set != nil {
		delete(e.set, member)
	}
	return nil
}

func (m *Memory) SetMembers(_ context.Context, key string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.get(key, m.now())
	if !ok {
		return nil, nil
	}
	out := make([]string, 0, len(e.set))
	for k := range e.set {
		out = append(out, k)
	}
	return out, nil
}

func (m *Memory) Ping(context.Context) error { return nil }
func (m *Memory) Shared() bool               { return false }
func (m *Memory) Close() error               { return nil }
