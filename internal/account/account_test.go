package account_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/account/accounttest"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

type fixture struct {
	env      *testutil.Env
	svc      *account.Service
	sessions *session.Store
	outbox   *mail.Outbox
	store    kv.Store
}

// Communes of Loire-Atlantique (the test portals' département) and of
// Calvados, from the embedded reference data.
const (
	nantes        = "44109"
	saintHerblain = "44162"
	caen          = "14118"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	store := testutil.Redis(t)
	svc, sessions, outbox := accounttest.New(t, env, store)
	return &fixture{env: env, svc: svc, sessions: sessions, outbox: outbox, store: store}
}

var linkToken = regexp.MustCompile(`jeton=([A-Za-z0-9_-]{20,})`)

// lastMail returns the newest email of a portal to an address, and the token
// of the link in it, if any.
func (f *fixture) lastMail(t *testing.T, ctx context.Context, slug, to string) (mail.Entry, string) {
	t.Helper()
	entries, err := f.outbox.List(ctx, "alpha", 50)
	if slug != "alpha" {
		entries, err = f.outbox.List(ctx, "beta", 50)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.To, to) {
			full, err := f.outbox.Read(ctx, "alpha", e.ID)
			if slug != "alpha" {
				full, err = f.outbox.Read(ctx, "beta", e.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			m := linkToken.FindStringSubmatch(full.Text)
			if len(m) == 2 {
				return full, m[1]
			}
			return full, ""
		}
	}
	t.Fatalf("no email to %s on %s", to, slug)
	return mail.Entry{}, ""
}

func (f *fixture) register(t *testing.T, ctx context.Context, slug, email string) account.User {
	t.Helper()
	u, err := f.svc.Register(ctx, account.RegisterInput{
		DisplayName: "Marie D.", Email: email, Password: "le chat dort au soleil",
		CommuneCode: nantes, Interests: "Cuisine, jardin,  cuisine ", Locale: "fr",
	}, "http://"+slug+".localhost:8080")
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return u
}

func (f *fixture) confirmed(t *testing.T, ctx context.Context, slug, email string) account.User {
	t.Helper()
	f.register(t, ctx, slug, email)
	_, token := f.lastMail(t, ctx, slug, email)
	u, err := f.svc.Confirm(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRegisterAndConfirm(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	u := f.register(t, ctx, "alpha", "Marie.Dupont@Exemple.fr")
	if u.EmailConfirmedAt != nil || u.EPCICode == "" || strings.Join(u.Interests, ",") != "cuisine,jardin" {
		t.Fatalf("new account = %+v", u)
	}
	msg, token := f.lastMail(t, ctx, "alpha", "Marie.Dupont@Exemple.fr")
	if token == "" || !strings.Contains(msg.Text, "http://alpha.localhost:8080/confirmer?jeton=") || !strings.Contains(msg.Subject, "Portail alpha") {
		t.Fatalf("confirmation email:\n%s\n%s", msg.Subject, msg.Text)
	}
	if _, err := f.svc.Login(ctx, account.LoginInput{Email: "marie.dupont@exemple.fr", Password: "le chat dort au soleil", IP: "192.0.2.1"}); !errors.Is(err, account.ErrNotConfirmed) {
		t.Fatalf("login before confirming: %v", err)
	}
	got, err := f.svc.Confirm(ctx, token)
	if err != nil || got.ID != u.ID || got.EmailConfirmedAt == nil {
		t.Fatalf("Confirm = %+v, %v", got, err)
	}
	if _, err := f.svc.Confirm(ctx, token); !errors.Is(err, account.ErrBadLink) {
		t.Fatalf("second use of the link: %v", err)
	}
	// Email addresses are matched without regard to case.
	if _, err := f.svc.Login(ctx, account.LoginInput{Email: "MARIE.DUPONT@exemple.fr", Password: "le chat dort au soleil", IP: "192.0.2.1"}); err != nil {
		t.Fatalf("login: %v", err)
	}

	// A link of one portal does nothing on another.
	ctxB := f.env.Ctx(t, "beta")
	f.register(t, ctxB, "beta", "paul@exemple.fr")
	_, tokenB := f.lastMail(t, ctxB, "beta", "paul@exemple.fr")
	if _, err := f.svc.Confirm(ctx, tokenB); !errors.Is(err, account.ErrBadLink) {
		t.Fatalf("beta's link on alpha: %v", err)
	}
}

func TestRegisterValidation(t *testing.T) {
	f := newFixture(t)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	french := bundle.For("fr")
	ctx := f.env.Ctx(t, "alpha")
	good := account.RegisterInput{DisplayName: "Marie D.", Email: "marie@exemple.fr", Password: "le chat dort au soleil", CommuneCode: nantes}
	tests := []struct {
		name   string
		change func(*account.RegisterInput)
		fields []string
	}{
		{"name too short", func(in *account.RegisterInput) { in.DisplayName = " M " }, []string{"display_name"}},
		{"name with a line break", func(in *account.RegisterInput) { in.DisplayName = "Marie\nD." }, []string{"display_name"}},
		{"email without domain", func(in *account.RegisterInput) { in.Email = "marie@exemple" }, []string{"email"}},
		{"email with a name", func(in *account.RegisterInput) { in.Email = "Marie <marie@exemple.fr>" }, []string{"email"}},
		{"email with an accent (we could not send to it)", func(in *account.RegisterInput) { in.Email = "léa@exemple.fr" }, []string{"email"}},
		{"short password", func(in *account.RegisterInput) { in.Password = "court" }, []string{"password"}},
		{"common password", func(in *account.RegisterInput) { in.Password = "azertyuiop" }, []string{"password"}},
		{"password is the email", func(in *account.RegisterInput) { in.Password = "marie@exemple.fr" }, []string{"password"}},
		{"commune of another département", func(in *account.RegisterInput) { in.CommuneCode = caen }, []string{"commune"}},
		{"unknown commune", func(in *account.RegisterInput) { in.CommuneCode = "00000" }, []string{"commune"}},
		{"too many interests", func(in *account.RegisterInput) { in.Interests = "a,b,c,d,e,f,g,h,i,j,k" }, []string{"interests"}},
		{"everything wrong at once", func(in *account.RegisterInput) { *in = account.RegisterInput{} }, []string{"display_name", "email", "password", "commune"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.change(&in)
			_, err := f.svc.Register(ctx, in, "http://alpha.localhost")
			var fe invalid.Fields
			if !errors.As(err, &fe) || len(fe) != len(tc.fields) {
				t.Fatalf("error = %v, want errors on %v", err, tc.fields)
			}
			for _, field := range tc.fields {
				// The id must name a real message: a missing one would
				// show the id itself to the person.
				if id := fe[field]; id == "" || french.T(id) == id {
					t.Fatalf("no message for %s: %v", field, fe)
				}
			}
		})
	}
	var n int
	if err := f.env.DB.ReadTx(ctx, func(tx pgx.Tx) error { return tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n) }); err != nil || n != 0 {
		t.Fatalf("refused registrations stored %d accounts (%v)", n, err)
	}
}

// Registering an address that has an account says the same as a new one to
// the visitor, and tells the owner by email; the same address on another
// portal is another, unrelated account.
func TestRegisterTakenEmail(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	first := f.confirmed(t, ctx, "alpha", "lea@exemple.fr")
	_, err := f.svc.Register(ctx, account.RegisterInput{DisplayName: "Autre", Email: "LEA@exemple.fr", Password: "une autre phrase longue", CommuneCode: saintHerblain}, "http://alpha.localhost")
	if !errors.Is(err, account.ErrAlreadyRegistered) {
		t.Fatalf("second registration: %v", err)
	}
	msg, _ := f.lastMail(t, ctx, "alpha", "lea@exemple.fr")
	if !strings.Contains(msg.Subject, "déjà un compte") {
		t.Fatalf("owner not told: %q", msg.Subject)
	}
	ctxB := f.env.Ctx(t, "beta")
	other := f.confirmed(t, ctxB, "beta", "lea@exemple.fr")
	if _, err := f.svc.Login(ctxB, account.LoginInput{Email: "lea@exemple.fr", Password: "le chat dort au soleil", IP: "192.0.2.1"}); err != nil {
		t.Fatalf("login on beta: %v", err)
	}
	// Same id in both schemas, two different people.
	if first.ID != other.ID {
		t.Logf("ids differ (%d, %d); the test still holds", first.ID, other.ID)
	}
}

func TestLoginThrottling(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	u := f.confirmed(t, ctx, "alpha", "lea@exemple.fr")
	attempt := func(ip, pw string, device int64) error {
		_, err := f.svc.Login(ctx, account.LoginInput{Email: "lea@exemple.fr", Password: pw, IP: ip, DeviceAccount: device})
		return err
	}
	for i := 0; i < 5; i++ {
		if err := attempt("203.0.113.1", "pas le bon mot de passe", 0); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	var th *account.Throttled
	if err := attempt("203.0.113.1", "le chat dort au soleil", 0); !errors.As(err, &th) || th.RetryIn <= 0 || th.RetryIn > 15*time.Minute {
		t.Fatalf("6th attempt from the same address: %v", err)
	}
	// The owner, from another address, is not affected.
	if err := attempt("198.51.100.1", "le chat dort au soleil", 0); err != nil {
		t.Fatalf("owner from another address: %v", err)
	}

	// An attacker spreading attempts over many addresses exhausts the
	// account-wide count…
	for i := 0; i < 50; i++ {
		_ = attempt(fmt.Sprintf("10.0.%d.%d", i/200, i%200), "pas le bon mot de passe", 0)
	}
	if err := attempt("10.9.9.9", "le chat dort au soleil", 0); !errors.As(err, &th) {
		t.Fatalf("account-wide limit not reached: %v", err)
	}
	// …but the owner's own browser, which signed in before, still gets in.
	if err := attempt("192.0.2.77", "le chat dort au soleil", u.ID); err != nil {
		t.Fatalf("owner's known device locked out: %v", err)
	}
	// A device cookie of another account does not help.
	if err := attempt("192.0.2.78", "le chat dort au soleil", u.ID+1); !errors.As(err, &th) {
		t.Fatalf("another account's device bypassed the limit: %v", err)
	}
}

func TestPasswordReset(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	u := f.confirmed(t, ctx, "alpha", "lea@exemple.fr")
	tok, _, err := f.sessions.Create(ctx, u.ID, "Firefox", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}

	before, _ := f.outbox.List(ctx, "alpha", 100)
	if err := f.svc.RequestReset(ctx, "personne@exemple.fr", "192.0.2.1", "http://alpha.localhost"); err != nil {
		t.Fatalf("unknown address: %v", err)
	}
	if after, _ := f.outbox.List(ctx, "alpha", 100); len(after) != len(before) {
		t.Fatal("an email was sent for an address without account")
	}
	if err := f.svc.RequestReset(ctx, "lea@exemple.fr", "192.0.2.1", "http://alpha.localhost"); err != nil {
		t.Fatal(err)
	}
	_, first := f.lastMail(t, ctx, "alpha", "lea@exemple.fr")
	if err := f.svc.RequestReset(ctx, "lea@exemple.fr", "192.0.2.1", "http://alpha.localhost"); err != nil {
		t.Fatal(err)
	}
	_, token := f.lastMail(t, ctx, "alpha", "lea@exemple.fr")
	if _, err := f.svc.ResetPassword(ctx, first, "une nouvelle phrase secrète"); !errors.Is(err, account.ErrBadLink) {
		t.Fatalf("an older reset link still works: %v", err)
	}
	var fe invalid.Fields
	if _, err := f.svc.ResetPassword(ctx, token, "azertyuiop"); !errors.As(err, &fe) || fe["password"] == "" {
		t.Fatalf("weak new password: %v", err)
	}
	if _, err := f.svc.ResetPassword(ctx, token, "une nouvelle phrase secrète"); err != nil {
		t.Fatalf("reset with the link after a refused password: %v", err)
	}
	if _, ok, _ := f.sessions.Lookup(ctx, tok); ok {
		t.Fatal("a session survived the password reset")
	}
	if _, err := f.svc.Login(ctx, account.LoginInput{Email: "lea@exemple.fr", Password: "le chat dort au soleil", IP: "192.0.2.2"}); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	if _, err := f.svc.Login(ctx, account.LoginInput{Email: "lea@exemple.fr", Password: "une nouvelle phrase secrète", IP: "192.0.2.2"}); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := f.svc.ResetPassword(ctx, token, "encore une autre phrase"); !errors.Is(err, account.ErrBadLink) {
		t.Fatalf("reset link used twice: %v", err)
	}

	// Reset requests are limited, so nobody can flood an inbox.
	var th *account.Throttled
	var last error
	for i := 0; i < 5; i++ {
		last = f.svc.RequestReset(ctx, "lea@exemple.fr", "192.0.2.9", "http://alpha.localhost")
	}
	if !errors.As(last, &th) {
		t.Fatalf("reset requests not limited: %v", last)
	}
}

func TestChangePasswordEmailAndDelete(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	u := f.confirmed(t, ctx, "alpha", "lea@exemple.fr")
	keep, sKeep, _ := f.sessions.Create(ctx, u.ID, "A", "192.0.2.1")
	other, _, _ := f.sessions.Create(ctx, u.ID, "B", "192.0.2.2")

	var fe invalid.Fields
	if err := f.svc.ChangePassword(ctx, u.ID, "mauvais mot de passe", "une nouvelle phrase secrète", sKeep.ID); !errors.As(err, &fe) || fe["password"] == "" {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := f.svc.ChangePassword(ctx, u.ID, "le chat dort au soleil", "court", sKeep.ID); !errors.As(err, &fe) || fe["new_password"] == "" {
		t.Fatalf("short new password: %v", err)
	}
	if err := f.svc.ChangePassword(ctx, u.ID, "le chat dort au soleil", "une nouvelle phrase secrète", sKeep.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.sessions.Lookup(ctx, keep); !ok {
		t.Fatal("the current session was ended")
	}
	if _, ok, _ := f.sessions.Lookup(ctx, other); ok {
		t.Fatal("another session survived the password change")
	}

	// Change of email: a link to the new address, a notice to the old one.
	if err := f.svc.RequestEmailChange(ctx, u.ID, "une nouvelle phrase secrète", "lea.nouvelle@exemple.fr", "http://alpha.localhost"); err != nil {
		t.Fatal(err)
	}
	notice, _ := f.lastMail(t, ctx, "alpha", "lea@exemple.fr")
	if !strings.Contains(notice.Text, "lea.nouvelle@exemple.fr") {
		t.Fatalf("old address not told: %s", notice.Text)
	}
	_, token := f.lastMail(t, ctx, "alpha", "lea.nouvelle@exemple.fr")
	changed, err := f.svc.ConfirmEmailChange(ctx, token)
	if err != nil || changed.Email != "lea.nouvelle@exemple.fr" {
		t.Fatalf("ConfirmEmailChange = %+v, %v", changed, err)
	}
	if _, err := f.svc.Login(ctx, account.LoginInput{Email: "lea.nouvelle@exemple.fr", Password: "une nouvelle phrase secrète", IP: "192.0.2.3"}); err != nil {
		t.Fatalf("login with the new address: %v", err)
	}
	f.confirmed(t, ctx, "alpha", "paul@exemple.fr")
	if err := f.svc.RequestEmailChange(ctx, u.ID, "une nouvelle phrase secrète", "PAUL@exemple.fr", "http://alpha.localhost"); !errors.As(err, &fe) || fe["new_email"] != "account.error.email_taken" {
		t.Fatalf("change to a taken address: %v", err)
	}

	// Deletion needs the password, removes the account and its sessions.
	if err := f.svc.Delete(ctx, u.ID, "le chat dort au soleil"); !errors.As(err, &fe) {
		t.Fatalf("delete with the wrong password: %v", err)
	}
	if err := f.svc.Delete(ctx, u.ID, "une nouvelle phrase secrète"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ByID(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("deleted account still found: %v", err)
	}
	if _, ok, _ := f.sessions.Lookup(ctx, keep); ok {
		t.Fatal("a session survived the deletion")
	}
}

// A suspended person still signs in: to read, to see why, and to be able
// to delete their account. Acting is refused by the web layer.
func TestSuspendedLogin(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	u := f.confirmed(t, ctx, "alpha", "lea@exemple.fr")
	until := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET suspended_until = $2, suspension_reason = 'Propos insultants' WHERE id = $1`, u.ID, until)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Login(ctx, account.LoginInput{Email: "lea@exemple.fr", Password: "le chat dort au soleil", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("suspended login: %v", err)
	}
	if !got.SuspendedNow(time.Now()) || got.SuspendedNow(until) || got.SuspensionReason != "Propos insultants" {
		t.Fatalf("suspension as read: %v %q", got.SuspendedUntil, got.SuspensionReason)
	}
}
