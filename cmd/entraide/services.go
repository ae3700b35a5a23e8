package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/password"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
)

// services are the capabilities the commands that fill portals (demo,
// seed) work through, wired as serve wires them, except that email is
// sent at once by mailer instead of through the job queue.
type services struct {
	reg      *tenant.Registry
	atlas    *territory.Atlas
	db       *db.DB
	az       *authz.Authorizer
	accounts *account.Service
	posts    *help.Service
	talks    *conversation.Service
	reports  *report.Service
	forums   *forum.Service
	profiles *profile.Service
	feed     *news.Service
	calendar *events.Service
	close    func()
}

// mailer is what every capability sends email through.
type mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// openServices loads the portals, opens the database (which must be
// migrated) and wires the services. hashing is account.Deps.Hashing (zero:
// the default).
func openServices(ctx context.Context, cfg config.Config, stderr io.Writer, log *slog.Logger, m mailer, hashing password.Params) (*services, error) {
	_, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return nil, err
	}
	atlas, err := loadAtlas(reg)
	if err != nil {
		return nil, err
	}
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, dbOptions(cfg))
	if err != nil {
		return nil, err
	}
	if err := markServable(ctx, cfg, d, reg, nil, log); err != nil {
		d.Close()
		return nil, err
	}
	az, closeAZ, err := newAuthorizer(ctx, cfg, d, atlas, log)
	if err != nil {
		d.Close()
		return nil, err
	}
	store := kv.NewMemory()
	s := &services{
		reg: reg, atlas: atlas, db: d, az: az,
		accounts: account.New(account.Deps{DB: d, Sessions: session.New(store), KV: store, Messages: messages, Mailer: m,
			Place: placeOf(atlas), Hashing: hashing}),
		posts: help.New(help.Deps{DB: d, Place: help.Place(placeOf(atlas)), Neighbours: atlas.Neighbours, Portals: reg.All(),
			Mailer: m, Messages: messages}),
		talks:    conversation.New(d, m, messages),
		reports:  report.New(d),
		forums:   forum.New(forum.Deps{DB: d, Place: forum.Place(placeOf(atlas)), Portals: reg.All(), Mailer: m, Messages: messages}),
		profiles: profile.New(profile.Deps{DB: d, Neighbours: atlas.Neighbours, Portals: reg.All()}),
		feed:     news.New(d, az, reg.All()),
		close: func() {
			closeAZ()
			d.Close()
		},
	}
	s.calendar = events.New(events.Deps{DB: d, Place: events.Place(placeOf(atlas)), Portals: reg.All(),
		MayOrganise: organiseCheck(&s.az), Mailer: m, Messages: messages})
	return s, nil
}
