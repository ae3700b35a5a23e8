// Command entraide serves every département's mutual-aid portal from one
// process, and administers them.
//
//	entraide serve          migrate (unless disabled) and serve every portal
//	entraide migrate        create or upgrade the platform and portal schemas
//	entraide migrate check  say which portal schemas are behind or drifted
//	entraide tenant check   validate the portal files in tenants/
//	entraide user grant     give a role from the command line (platform operators)
//
// Settings come from the file named by -config or ENTRAIDE_CONFIG, then
// ENTRAIDE_* environment variables; see the README.
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

	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/theme"
	"github.com/entraide/entraide/internal/web"
)

const usage = `entraide: one deployment serving every département's mutual-aid portal.

Usage:
  entraide serve             migrate (unless migrate_on_start is false) and serve every portal
  entraide migrate [-create-database]
                             create or upgrade the platform schema and every portal's schema
  entraide migrate check     say which portal schemas are behind or differ from a fresh one
  entraide tenant check      validate every portal file in the tenants directory
  entraide user grant -portal SLUG -email EMAIL -role ROLE [-scope A,B]
                             give a role (admin_departement, referent_territoire with EPCI
                             slugs or SIRENs, referent_thematique with category codes, association)
  entraide user revoke -portal SLUG -email EMAIL -role ROLE [-scope A,B]
  entraide user roles -portal SLUG -email EMAIL
  entraide demo              development only: fill empty demo portals with people and posts
  entraide seed [-portals A,B] [-people N] [-posts N] [-events N] [-conversations N]
                             development and benchmarks only: fill portals with made-up
                             content through the real services (what ` + "`make bench`" + ` measures)

Every command reads -config FILE (or ENTRAIDE_CONFIG) and ENTRAIDE_* variables.
`

// errExit is returned by commands that already printed why they failed.
var errExit = errors.New("exit 1")

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		if !errors.Is(err, errExit) {
			fmt.Fprintln(os.Stderr, "entraide:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errExit
	}
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stdout, stderr)
	case "migrate check":
		return migrateCheck(ctx, rest, stdout, stderr)
	case "tenant check":
		return tenantCheck(rest, stdout, stderr)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "seed":
		return seedCmd(ctx, rest, stdout, stderr)
	case "user grant", "user revoke", "user roles":
		return userCmd(ctx, strings.TrimPrefix(cmd, "user "), rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "entraide: unknown command %q\n\n%s", cmd, usage)
		return errExit
	}
}

// commonFlags parses -config and returns the loaded configuration.
func commonFlags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", os.Getenv("ENTRAIDE_CONFIG"), "configuration file (YAML)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, errExit
	}
	cfg, err := config.Load(*file)
	if err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// loadPortals reads themes then portal files; problems are printed, one a
// line, naming file and field.
func loadPortals(cfg config.Config, stderr io.Writer) (*theme.Set, *tenant.Registry, error) {
	themes, err := theme.LoadDir(cfg.ThemesDir)
	if err == nil {
		// Template overrides are checked and parsed as serving would.
		err = web.CheckThemes(themes)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, errExit
	}
	tenants, err := tenant.LoadDir(cfg.TenantsDir, themes.Has)
	if err == nil {
		// Portals' own words are checked against the shipped messages.
		var messages *i18n.Bundle
		if messages, err = i18n.Load(); err == nil {
			err = setPortalWords(messages, tenants)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, errExit
	}
	reg, err := tenant.NewRegistry(tenants)
	if err != nil {
		return nil, nil, err
	}
	return themes, reg, nil
}

// setPortalWords gives each portal its own words ("besoin" for "demande"),
// or returns every problem, naming the file and the field.
func setPortalWords(messages *i18n.Bundle, portals []*tenant.Tenant) error {
	var problems tenant.Problems
	for _, t := range portals {
		for _, p := range messages.SetPortalWords(string(t.Slug), t.Words, t.Locales.Enabled) {
			problems = append(problems, tenant.Problem{File: t.File, Field: p.Field, Message: p.Message})
		}
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

func tenantCheck(args []string, stdout, stderr io.Writer) error {
	cfg, err := commonFlags("tenant check", args, stderr, nil)
	if err != nil {
		return err
	}
	_, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return err
	}
	for _, t := range reg.All() {
		fmt.Fprintf(stdout, "ok  %-16s %s (%s), hosts: %s\n", t.Slug, t.Name, t.File, strings.Join(t.Hosts, ", "))
	}
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Validate
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
