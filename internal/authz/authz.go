// Package authz owns who may do what on a portal: roles, their scopes, the
// checks, and the log of every change of role.
//
// It is Casbin RBAC with domains, one domain per portal (its slug). The
// model is model.conf, embedded; what each role may do is the permissions
// table in policy.go, the same on every portal; who holds which role is
// stored in the portal's own schema (table casbin_rule) and read through
// db.DB's schema-pinned transactions by Adapter. Each portal has its own
// enforcer, loaded on first use and cached: there is never one policy set
// for all portals, and a grant on one portal gives nothing on another, even
// to the same account id.
//
// # Roles and what they may do
//
//	action               resident  association  referent_thematique  referent_territoire  admin_departement
//	post                 yes       yes          yes                  yes                  yes
//	message              yes       yes          yes                  yes                  yes
//	report               yes       yes          yes                  yes                  yes
//	post_as_association  -         yes          -                    -                    yes
//	moderate             -         -            its categories       its EPCI             yes
//	manage_roles         -         -            -                    -                    yes, up to admin
//	view_audit           -         -            -                    -                    yes
//	organise_event       -         -            its categories       its EPCI             yes
//	publish_news         -         -            yes                  yes                  yes
//	publish_alert        -         -            -                    -                    yes
//
// organise_event publishes an event of the calendar at once; where the
// portal lets residents create events (rules.residents_create_events),
// theirs wait for a moderator instead.
//
// Every account is a resident: that role is implicit, never granted nor
// stored, and the other roles add to it. Roles combine: a person may be a
// référent for a category and for an EPCI at once. Anonymous visitors
// (user id 0) may do nothing. Suspension is the accounts package's business,
// checked before authorization.
//
// # Scopes
//
// A référent de territoire is granted one or more EPCI (SIREN, 9 digits), a
// référent thématique one or more categories of the portal. Each scope is a
// grant of its own ("role:referent_territoire@epci:244400404"), so checking
// a scope is a lookup in the role graph, whatever the number of grants.
// Can turns a commune into its EPCI with the function given to New; a
// commune it does not know is an error, never a guess.
//
// # Changing roles
//
// Only an account holding manage_roles (admin_departement) may grant or
// revoke, and never a role ranked above its own highest role (ranks:
// resident 0, association 1, both référents 2, admin_departement 3), nor
// its own roles. Platform operators act from the command line only
// (OperatorActor) and may grant anything. Each change and its audit row are
// written in one transaction, under a per-portal lock; then this instance
// drops its cached enforcer (the next check reloads it) and, with Redis,
// tells the other instances to do the same.
//
// # Cost of a check
//
// A check walks the permission lines as model.conf's matcher does, asking
// the portal's role graph (Casbin's role manager, loaded with the grants)
// for the roles and scopes it needs: its cost does not grow with the
// number of grants (about 5 µs on a small machine at 10,000 grants). It
// does not go through Casbin's Enforce, whose fixed costs per call made a
// check five times slower (decide.go says why); a test asks both the same
// questions and requires the same answers. The answer is then remembered
// with the enforcer, so asking again costs well under a microsecond, until
// a change drops the enforcer.
package authz

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/rbac"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/redis/go-redis/v9"
)

//go:embed model.conf
var modelText string

// Sentinel errors, for errors.Is. Messages built on them name the role,
// scope or commune at fault; they are for logs, not for people.
var (
	// ErrNoTenant means the context carries no portal: refuse rather than
	// guess. It is also db.ErrNoTenant.
	ErrNoTenant = fmt.Errorf("authz: %w", db.ErrNoTenant)
	// ErrForbidden means the actor may not make this change of role.
	ErrForbidden = errors.New("authz: forbidden")
	// ErrInvalidRole means the role is unknown, or is resident, which is
	// implicit and cannot be granted or revoked.
	ErrInvalidRole = errors.New("authz: invalid role")
	// ErrInvalidScope means a scope is malformed, unknown to the portal,
	// missing for a role that needs one, or given to a role that takes none.
	ErrInvalidScope = errors.New("authz: invalid scope")
	// ErrUnknownAction means Can was asked about an action that does not
	// exist; it is refused.
	ErrUnknownAction = errors.New("authz: unknown action")
	// ErrUnknownCommune means the target's commune has no known EPCI.
	ErrUnknownCommune = errors.New("authz: unknown commune")
	// ErrInvalidTarget means the target contradicts itself (a commune and
	// an EPCI that does not contain it).
	ErrInvalidTarget = errors.New("authz: invalid target")
	// ErrUnknownUser means there is no such account on the portal.
	ErrUnknownUser = errors.New("authz: unknown account")
	// ErrNotGranted means a revocation names a role or scope the person
	// does not hold.
	ErrNotGranted = errors.New("authz: role not granted")
)

// Options configure an Authorizer.
type Options struct {
	// DB is the database; required.
	DB *db.DB
	// EPCIOfCommune returns the SIREN of the EPCI a commune (INSEE code)
	// belongs to; required. The territory package provides it.
	EPCIOfCommune func(commune string) (epci string, ok bool)
	// ValidEPCI, if set, says whether a SIREN is an EPCI that may be granted
	// on the portal. Without it only the SIREN's form is checked.
	ValidEPCI func(ctx context.Context, siren string) bool
	// Redis, if set, carries role changes to the other instances. Without
	// it the deployment must run a single instance.
	Redis redis.UniversalClient
	// RedisPrefix is the deployment's key prefix (redis_prefix); the
	// channel is RedisPrefix + "authz:changed".
	RedisPrefix string
	// MaxAge bounds how long a cached enforcer is used before it is
	// reloaded, so that a change notice lost by Redis is caught up with.
	// Zero means DefaultMaxAge; negative means forever.
	MaxAge time.Duration
	// Logger; required.
	Logger *slog.Logger
}

// DefaultMaxAge is used when Options.MaxAge is zero.
const DefaultMaxAge = 5 * time.Minute

// loadTimeout bounds one load of a portal's rules. A load is shared by
// every request waiting for it, so it runs detached from the cancellation
// of the request that happened to start it.
const loadTimeout = 30 * time.Second

// Authorizer answers "may this person do this?" for every portal, and
// changes roles. It is safe for concurrent use.
type Authorizer struct {
	db        *db.DB
	epciOf    func(string) (string, bool)
	validEPCI func(context.Context, string) bool
	log       *slog.Logger
	maxAge    time.Duration
	// perms is the permissions table; a field so that a test can try a
	// different one without touching the package's.
	perms []permission

	// enforcers maps a tenant.Slug to its *cached enforcer. A change drops
	// the entry; the next check loads a new one.
	enforcers sync.Map
	loads     atomic.Int64
	// decisionLimit is how many answers one cached enforcer remembers.
	decisionLimit int64

	watcher *watcher
}

// cached is one portal's enforcer, or its load in progress: ready is closed
// once enf or err is set.
type cached struct {
	ready chan struct{}
	enf   *casbin.Enforcer
	// roles is enf's role graph (the portal's grants), which checks ask.
	roles    rbac.RoleManager
	err      error
	loadedAt time.Time

	// decisions remembers answers (decisionKey → bool) for as long as this
	// enforcer is used: a page checks the same few (person, action, place,
	// theme) again and again, and an answer costs a few µs to compute
	// against well under 1 µs to recall. They go with the enforcer when a
	// change drops it, so they are never staler than the enforcer itself.
	decisions sync.Map
	// decided counts stored answers; past the limit new answers are not
	// stored, which bounds memory until the next reload (MaxAge).
	decided atomic.Int64
}

type decisionKey struct {
	user         int64
	action       Action
	place, theme string
}

// DecisionLimit is how many answers one portal's cached enforcer
// remembers, at most (a few MB).
const DecisionLimit = 50_000

// New returns an Authorizer. Call Start to follow changes made by other
// instances, and Close at shutdown.
func New(o Options) (*Authorizer, error) {
	if o.DB == nil || o.EPCIOfCommune == nil || o.Logger == nil {
		return nil, errors.New("authz: New needs DB, EPCIOfCommune and Logger")
	}
	// Parsed here so that a broken model stops the start, not a request.
	if _, err := model.NewModelFromString(modelText); err != nil {
		return nil, fmt.Errorf("authz: parse model.conf: %w", err)
	}
	maxAge := o.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	a := &Authorizer{
		db:        o.DB,
		epciOf:    o.EPCIOfCommune,
		validEPCI: o.ValidEPCI,
		log:       o.Logger,
		maxAge:    maxAge,
		perms:     permissions,

		decisionLimit: DecisionLimit,
	}
	a.watcher = newWatcher(a, o.Redis, o.RedisPrefix)
	return a, nil
}

// Target is what an action is about. Every field is optional; an action
// with no target (posting, messaging) leaves it empty.
type Target struct {
	// Commune is an INSEE code; its EPCI is looked up.
	Commune string
	// EPCI is a SIREN; when Commune is set too they must agree.
	EPCI string
	// Category is a category code of the portal.
	Category string
}

// objects are the Casbin objects of t: its place (EPCI) and its theme
// (category), "" when absent. Access to either is access to the target: a
// référent de territoire moderates every category in its EPCI, a référent
// thématique its categories everywhere in the département.
func (a *Authorizer) objects(t Target) (place, theme string, err error) {
	epci := t.EPCI
	if t.Commune != "" {
		e, ok := a.epciOf(t.Commune)
		if !ok {
			return "", "", fmt.Errorf("%w: %q", ErrUnknownCommune, t.Commune)
		}
		if epci != "" && epci != e {
			return "", "", fmt.Errorf("%w: commune %s is not in EPCI %s", ErrInvalidTarget, t.Commune, epci)
		}
		epci = e
	}
	if epci != "" {
		place = scopeObject(scopeEPCI, epci)
	}
	if t.Category != "" {
		theme = scopeObject(scopeCategory, t.Category)
	}
	return place, theme, nil
}

// Can reports whether the account userID of the portal in ctx may do action
// on target. It fails closed: no portal, an unknown action or an unknown
// commune is an error and false; user id 0 (anonymous) is false.
func (a *Authorizer) Can(ctx context.Context, userID int64, action Action, target Target) (bool, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return false, ErrNoTenant
	}
	if !action.Valid() {
		return false, fmt.Errorf("%w: %q", ErrUnknownAction, action)
	}
	if userID <= 0 {
		return false, nil
	}
	place, theme, err := a.objects(target)
	if err != nil {
		return false, err
	}
	c, err := a.enforcer(ctx, t)
	if err != nil {
		return false, err
	}
	key := decisionKey{user: userID, action: action, place: place, theme: theme}
	if v, found := c.decisions.Load(key); found {
		return v.(bool), nil
	}
	ok, err = decide(a.perms, c.roles, userSubject(userID), string(t.Slug), place, theme, action)
	if err != nil {
		return false, err
	}
	if c.decided.Add(1) <= a.decisionLimit {
		c.decisions.Store(key, ok)
	}
	return ok, nil
}

// enforcer returns the portal's enforcer, loading it if this instance has
// none or its copy is older than maxAge. Concurrent first uses share one
// load.
func (a *Authorizer) enforcer(ctx context.Context, t *tenant.Tenant) (*cached, error) {
	for {
		v, found := a.enforcers.Load(t.Slug)
		if !found {
			c := &cached{ready: make(chan struct{})}
			if v, found = a.enforcers.LoadOrStore(t.Slug, c); !found {
				a.load(ctx, t, c)
				if c.err != nil {
					return nil, c.err
				}
				return c, nil
			}
		}
		c := v.(*cached)
		select {
		case <-c.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err != nil {
			return nil, c.err
		}
		if a.maxAge > 0 && time.Since(c.loadedAt) > a.maxAge {
			a.enforcers.CompareAndDelete(t.Slug, c)
			continue
		}
		return c, nil
	}
}

// load fills c with a new enforcer for t and publishes it to the waiters.
func (a *Authorizer) load(ctx context.Context, t *tenant.Tenant, c *cached) {
	defer close(c.ready)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tenant.WithTenant(ctx, t)), loadTimeout)
	defer cancel()
	c.enf, c.err = a.newEnforcer(ctx)
	if c.err == nil {
		if c.roles = c.enf.GetRoleManager(); c.roles == nil {
			c.err = errors.New("the enforcer has no role manager for g")
		}
	}
	c.loadedAt = time.Now()
	a.loads.Add(1)
	if c.err != nil {
		// Not kept: the next check tries again.
		a.enforcers.CompareAndDelete(t.Slug, c)
		c.enf, c.roles = nil, nil
		c.err = fmt.Errorf("authz: load policy of %s: %w", t.Slug, c.err)
	}
}

func (a *Authorizer) newEnforcer(ctx context.Context) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	ad, err := NewAdapter(ctx, a.db)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m, ad) // loads the portal's grants
	if err != nil {
		return nil, err
	}
	// Grant and Revoke write the database themselves, with their audit row
	// in the same transaction; the enforcer never writes.
	e.EnableAutoSave(false)
	// What roles may do is code, not data: added in memory only.
	if _, err := e.AddPoliciesEx(policyRules(a.perms)); err != nil {
		return nil, err
	}
	return e, nil
}

// Invalidate drops this instance's enforcer of the portal; the next check
// loads it again. Grant and Revoke call it; it is exported for the CLI and
// for tests.
func (a *Authorizer) Invalidate(slug tenant.Slug) { a.enforcers.Delete(slug) }

// invalidateAll drops every cached enforcer, when change notices may have
// been missed.
func (a *Authorizer) invalidateAll() { a.enforcers.Clear() }

// changed makes a committed change effective: at once on this instance, and
// through Redis on the others.
func (a *Authorizer) changed(ctx context.Context, slug tenant.Slug) {
	a.Invalidate(slug)
	a.watcher.publish(ctx, slug)
}
