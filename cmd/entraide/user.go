package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
)

// userCmd runs "entraide user grant|revoke|roles": the platform operator's
// way to give a new portal its first admin, and to repair roles. It is the
// only place that acts as the operator.
func userCmd(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	var portal, email, role, scopes, as string
	cfg, err := commonFlags("user "+verb, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&portal, "portal", "", "portal slug, such as tousvoisins44 (required)")
		fs.StringVar(&email, "email", "", "the person's email on that portal (required)")
		if verb != "roles" {
			fs.StringVar(&role, "role", "", "association, referent_thematique, referent_territoire or admin_departement (required)")
			fs.StringVar(&scopes, "scope", "", "comma-separated: EPCI slugs or SIRENs for referent_territoire, category codes for referent_thematique")
			fs.StringVar(&as, "as", os.Getenv("USER"), "who is acting, for the audit log")
		}
	})
	if err != nil {
		return err
	}
	if portal == "" || email == "" || (verb != "roles" && role == "") {
		fmt.Fprintf(stderr, "entraide user %s: -portal, -email%s are required\n", verb, map[bool]string{true: "", false: " and -role"}[verb == "roles"])
		return errExit
	}
	log := newLogger(cfg, stderr)
	_, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return err
	}
	t, ok := reg.BySlug(tenant.Slug(portal))
	if !ok {
		fmt.Fprintf(stderr, "entraide: no portal %q (see `entraide tenant check`)\n", portal)
		return errExit
	}
	atlas, err := loadAtlas(reg)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, dbOptions(cfg))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := markServable(ctx, cfg, d, reg, nil, log); err != nil {
		return err
	}
	az, closeAZ, err := newAuthorizer(ctx, cfg, d, atlas, log)
	if err != nil {
		return err
	}
	defer closeAZ()

	ctx = tenant.WithTenant(ctx, t)
	u, err := account.New(account.Deps{DB: d}).ByEmail(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		fmt.Fprintf(stderr, "entraide: no account with email %s on %s\n", email, portal)
		return errExit
	}
	if err != nil {
		return err
	}

	if verb != "roles" {
		list, err := scopeCodes(atlas, t, authz.Role(role), scopes)
		if err != nil {
			fmt.Fprintln(stderr, "entraide:", err)
			return errExit
		}
		actor := authz.OperatorActor("cli:" + as)
		if verb == "grant" {
			err = az.Grant(ctx, actor, u.ID, authz.Role(role), list)
		} else {
			err = az.Revoke(ctx, actor, u.ID, authz.Role(role), list)
		}
		if err != nil {
			fmt.Fprintln(stderr, "entraide:", err)
			return errExit
		}
	}
	grants, err := az.RolesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s) on %s: resident", u.DisplayName, u.Email, portal)
	for _, g := range grants {
		fmt.Fprintf(stdout, ", %s", g.Role)
		if len(g.Scopes) > 0 {
			fmt.Fprintf(stdout, " [%s]", strings.Join(scopeNames(atlas, g.Scopes), ", "))
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

// scopeCodes turns what an operator types into the codes roles are scoped
// by: an EPCI may be named by its slug (nantes-metropole) or its SIREN.
func scopeCodes(atlas *territory.Atlas, t *tenant.Tenant, role authz.Role, scopes string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(scopes, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if role == authz.RoleReferentTerritoire {
			if e, ok := atlas.EPCIBySlug(t.Departement, s); ok {
				s = e.Code
			} else if _, ok := atlas.EPCI(s); !ok {
				return nil, fmt.Errorf("no EPCI %q in département %s (use a slug from the territory data or a SIREN)", s, t.Departement)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// scopeNames shows EPCI SIRENs with their names.
func scopeNames(atlas *territory.Atlas, scopes []string) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s
		if e, ok := atlas.EPCI(s); ok {
			out[i] = e.Name + " (" + s + ")"
		}
	}
	return out
}

// newAuthorizer builds the role checker. With Redis, changes made here
// reach running servers at once; without it they see them when their
// cached rules expire (authz.DefaultMaxAge).
func newAuthorizer(ctx context.Context, cfg config.Config, d *db.DB, atlas *territory.Atlas, log *slog.Logger) (*authz.Authorizer, func(), error) {
	opts := authz.Options{
		DB: d, Logger: log, RedisPrefix: cfg.RedisPrefix,
		EPCIOfCommune: atlas.EPCIOfCommune,
		ValidEPCI: func(ctx context.Context, siren string) bool {
			t, ok := tenant.FromContext(ctx)
			if !ok {
				return false
			}
			for _, e := range atlas.EPCIs(t.Departement) {
				if e.Code == siren {
					return true
				}
			}
			return false
		},
	}
	var store *kv.Redis
	if cfg.RedisURL != "" {
		var err error
		if store, err = kv.OpenRedis(ctx, cfg.RedisURL, cfg.RedisPrefix); err != nil {
			return nil, nil, err
		}
		opts.Redis = store.Client()
	}
	az, err := authz.New(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := az.Start(ctx); err != nil {
		return nil, nil, err
	}
	return az, func() {
		az.Close()
		if store != nil {
			store.Close()
		}
	}, nil
}
