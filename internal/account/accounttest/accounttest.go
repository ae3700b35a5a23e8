// Package accounttest builds the account service for tests of packages
// that need signed-in people, the way the server builds it.
package accounttest

import (
	"testing"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/password"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
)

// New returns the account service of env's portals as the server
// builds it (real sessions in store, real territory data, emails written to
// a real outbox in a temporary directory), with cheap password hashing.
func New(t testing.TB, env *testutil.Env, store kv.Store) (*account.Service, *session.Store, *mail.Outbox) {
	t.Helper()
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.New(store)
	svc := account.New(account.Deps{
		DB: env.DB, Sessions: sessions, KV: store, Messages: messages,
		Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"},
		Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		},
		// Cheap hashing: tests check behaviour, not cost.
		Hashing: password.Params{Memory: 1024, Time: 1, Threads: 1},
	})
	return svc, sessions, outbox
}
