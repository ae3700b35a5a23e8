package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/tenant"
)

// Throttled is returned when too many attempts were made; RetryIn says
// when the next one will be accepted.
type Throttled struct{ RetryIn time.Duration }

func (t *Throttled) Error() string { return fmt.Sprintf("account: throttled for %s", t.RetryIn) }

// Rule is one counter: at most Max attempts per Window for Key.
type Rule struct {
	Key    string
	Max    int64
	Window time.Duration
}

// Guard counts attempts in the shared store (Redis when configured, so
// every instance counts together), per portal.
type Guard struct{ kv kv.Store }

// NewGuard returns a guard on store.
func NewGuard(store kv.Store) *Guard { return &Guard{kv: store} }

// Allow counts one attempt against every rule and refuses it when any rule
// is over its limit, saying how long to wait.
func (g *Guard) Allow(ctx context.Context, rules ...Rule) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return fmt.Errorf("account: guard: no portal in context")
	}
	var wait time.Duration
	for _, r := range rules {
		n, ttl, err := g.kv.Incr(ctx, "guard:"+string(t.Slug)+":"+r.Key, r.Window)
		if err != nil {
			return fmt.Errorf("account: guard: %w", err)
		}
		if n > r.Max && ttl > wait {
			wait = ttl
		}
	}
	if wait > 0 {
		return &Throttled{RetryIn: wait}
	}
	return nil
}

// Forget clears a rule's count, after a success.
func (g *Guard) Forget(ctx context.Context, r Rule) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return fmt.Errorf("account: guard: no portal in context")
	}
	if err := g.kv.Del(ctx, "guard:"+string(t.Slug)+":"+r.Key); err != nil {
		return fmt.Errorf("account: guard: %w", err)
	}
	return nil
}

// hashed keeps email addresses out of Redis key names.
func hashed(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// Sign-in limits. One address guessing at one account is stopped quickly;
// one address trying many accounts a little later; many addresses against
// one account later still, and that last count ignores browsers that proved
// they signed in to the account before, so the owner is never locked out.
func accountIPRule(emailKey, ip string) Rule {
	return Rule{Key: "login:acct-ip:" + hashed(emailKey+"|"+ip), Max: 5, Window: 15 * time.Minute}
}

func loginRules(emailKey, ip string, knownDevice bool) []Rule {
	rules := []Rule{
		accountIPRule(emailKey, ip),
		{Key: "login:ip:" + ip, Max: 30, Window: 15 * time.Minute},
	}
	if !knownDevice {
		rules = append(rules, Rule{Key: "login:acct:" + hashed(emailKey), Max: 50, Window: time.Hour})
	}
	return rules
}

// Reset and resend limits: a few emails per address and account per hour,
// so the platform cannot be used to flood someone's inbox.
func resetRules(emailKey, ip string) []Rule {
	return []Rule{
		{Key: "reset:acct:" + hashed(emailKey), Max: 3, Window: time.Hour},
		{Key: "reset:ip:" + ip, Max: 10, Window: time.Hour},
	}
}
