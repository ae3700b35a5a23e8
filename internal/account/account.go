// Package account owns residents' accounts on a portal: registration with
// email confirmation, signing in (throttled), password reset, change of email
// and password, and deletion. An account belongs to one portal: its rows live
// in that portal's schema, so the same email on two portals is two unrelated
// accounts.
//
// The package never imports the web layer: it returns errors with a field and
// a message id (invalid.Fields) or sentinel errors, and the web layer words them.
package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/password"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// How long the links sent by email stay valid.
const (
	confirmLinkTTL = 48 * time.Hour
	resetLinkTTL   = time.Hour
	changeLinkTTL  = 24 * time.Hour
)

// Limits on what a person types.
const (
	maxInterests      = 10
	maxInterestLength = 30
)

var (
	// ErrNotFound means no such account on this portal.
	ErrNotFound = errors.New("account: not found")
	// ErrBadCredentials means the email or the password is wrong; which one
	// is never said.
	ErrBadCredentials = errors.New("account: wrong email or password")
	// ErrNotConfirmed means the person has not clicked the link sent at
	// registration yet.
	ErrNotConfirmed = errors.New("account: email not confirmed")
	// ErrBadLink means a link from an email is unknown, used or expired.
	ErrBadLink = errors.New("account: link unknown, used or expired")
	// ErrAlreadyRegistered means the email has an account here. The web
	// layer shows the same page as for a new account (the owner gets an
	// email instead), so registration does not reveal who has an account.
	ErrAlreadyRegistered = errors.New("account: email already registered")
)

// User is an account.
type User struct {
	ID               int64
	Email            string
	DisplayName      string
	CommuneCode      string
	EPCICode         string
	Interests        []string
	Locale           string
	EmailConfirmedAt *time.Time
	SuspendedUntil   *time.Time
	SuspensionReason string
	CreatedAt        time.Time

	passwordHash string
}

// SuspendedNow reports whether the person may not act at this moment. A
// suspended person still signs in, reads their messages and posts (with a
// référent's reasons) and may delete their account; the web layer refuses
// them posting, answering, writing and reporting, and says why and until
// when. The moderation package decides suspensions.
func (u User) SuspendedNow(now time.Time) bool {
	return u.SuspendedUntil != nil && now.Before(*u.SuspendedUntil)
}

// Place says where a commune is: its EPCI and département. The territory
// data answers it; the account package only needs this much.
type Place func(communeCode string) (epci, departement string, ok bool)

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Service is the account capability.
type Service struct {
	db       *db.DB
	sessions *session.Store
	guard    *Guard
	place    Place
	mailer   Mailer
	messages *i18n.Bundle
	hashing  password.Params
	now      func() time.Time
}

// Deps are what the service needs.
type Deps struct {
	DB       *db.DB
	Sessions *session.Store
	KV       kv.Store
	Place    Place
	Mailer   Mailer
	Messages *i18n.Bundle
	// Hashing defaults to password.Default; tests use cheaper settings.
	Hashing password.Params
}

// New returns the service.
func New(d Deps) *Service {
	if d.Hashing == (password.Params{}) {
		d.Hashing = password.Default
	}
	if d.DB != nil {
		// Every signed-in request reads its person.
		d.DB.KeepPrepared(userByIDSQL)
	}
	return &Service{db: d.DB, sessions: d.Sessions, guard: NewGuard(d.KV), place: d.Place,
		mailer: d.Mailer, messages: d.Messages, hashing: d.Hashing, now: time.Now}
}

// RegisterInput is what a person types to register.
type RegisterInput struct {
	DisplayName string
	Email       string
	Password    string
	CommuneCode string
	Interests   string // comma-separated
	Locale      string
}

// Register creates an unconfirmed account and emails the confirmation link
// (baseURL is the portal's address, such as "https://calvados.fr"). When the
// email already has an account, the owner is told by email instead, and
// ErrAlreadyRegistered is returned for the caller to show the same page.
func (s *Service) Register(ctx context.Context, in RegisterInput, baseURL string) (User, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return User{}, db.ErrNoTenant
	}
	errs := invalid.Fields{}
	name := strings.TrimSpace(in.DisplayName)
	if n := utf8.RuneCountInString(name); n < 2 || n > 50 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		errs["display_name"] = "account.error.display_name"
	}
	email, key, ok := normalizeEmail(in.Email)
	if !ok {
		errs["email"] = "account.error.email"
	}
	if id := passwordError(in.Password, in.Email, name, t.Name); id != "" {
		errs["password"] = id
	}
	epci, dep, ok := s.place(in.CommuneCode)
	if !ok || dep != t.Departement {
		errs["commune"] = "commune.unknown"
	}
	interests, ok := parseInterests(in.Interests)
	if !ok {
		errs["interests"] = "account.error.interests"
	}
	if len(errs) > 0 {
		return User{}, errs
	}
	locale := in.Locale
	if !t.SpeaksLocale(locale) {
		locale = t.Locales.Default
	}
	hash, err := password.Hash(in.Password, s.hashing)
	if err != nil {
		return User{}, err
	}
	token := newToken()
	var u User
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		u, err = scanUser(tx.QueryRow(ctx, insertUserSQL, email, key, name, hash, in.CommuneCode, epci, interests, locale))
		if err != nil {
			return err
		}
		return insertToken(ctx, tx, token, u.ID, "confirm", "", confirmLinkTTL)
	})
	if isUniqueViolation(err) {
		existing, err := s.byEmailKey(ctx, key)
		if err != nil {
			return User{}, err
		}
		if err := s.mail(ctx, existing, "already_registered", baseURL+"/connexion"); err != nil {
			return User{}, err
		}
		return User{}, ErrAlreadyRegistered
	}
	if err != nil {
		return User{}, err
	}
	if err := s.mail(ctx, u, "confirm", baseURL+"/confirmer?jeton="+token); err != nil {
		return User{}, err
	}
	return u, nil
}

// ResendConfirmation sends a fresh confirmation link to an unconfirmed
// account; it says nothing about whether the email has an account.
func (s *Service) ResendConfirmation(ctx context.Context, email, ip, baseURL string) error {
	return s.emailLink(ctx, email, ip, link{purpose: "confirm", ttl: confirmLinkTTL, url: baseURL + "/confirmer?jeton=",
		skip: func(u User) bool { return u.EmailConfirmedAt != nil }})
}

// link describes a one-time link sent on request to an address.
type link struct {
	purpose string // email_tokens.purpose, and the email's kind
	ttl     time.Duration
	url     string // the token is appended
	skip    func(User) bool
}

// emailLink sends a fresh link of one purpose to the account with this
// email, retiring the older ones. It answers the same whether or not the
// account exists, and is limited per account and address so it cannot be
// used to flood an inbox.
func (s *Service) emailLink(ctx context.Context, email, ip string, l link) error {
	_, key, ok := normalizeEmail(email)
	if !ok {
		return invalid.Fields{"email": "account.error.email"}
	}
	if err := s.guard.Allow(ctx, resetRules(key, ip)...); err != nil {
		return err
	}
	u, err := s.byEmailKey(ctx, key)
	if errors.Is(err, ErrNotFound) || (err == nil && l.skip != nil && l.skip(u)) {
		return nil
	}
	if err != nil {
		return err
	}
	token := newToken()
	if err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, dropTokensSQL, u.ID, l.purpose); err != nil {
			return fmt.Errorf("account: retire links: %w", err)
		}
		return insertToken(ctx, tx, token, u.ID, l.purpose, "", l.ttl)
	}); err != nil {
		return err
	}
	return s.mail(ctx, u, l.purpose, l.url+token)
}

// Confirm consumes a confirmation link.
func (s *Service) Confirm(ctx context.Context, token string) (User, error) {
	var u User
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		id, _, err := useToken(ctx, tx, token, "confirm")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, confirmEmailSQL, id); err != nil {
			return fmt.Errorf("account: confirm: %w", err)
		}
		u, err = scanUser(tx.QueryRow(ctx, userByIDSQL, id))
		return err
	})
	return u, err
}

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Email    string
	Password string
	IP       string
	// DeviceAccount is the account the browser proves it signed in to
	// before (a signed cookie), or 0. Attempts from such a browser are not
	// counted against the account as a whole, so an attacker trying from
	// elsewhere cannot lock the owner out.
	DeviceAccount int64
}

// Login checks the credentials, throttled per address, per account and
// address, and per account, and returns the person.
func (s *Service) Login(ctx context.Context, in LoginInput) (User, error) {
	_, key, ok := normalizeEmail(in.Email)
	if !ok || in.Password == "" || utf8.RuneCountInString(in.Password) > password.MaxLength {
		password.VerifyNothing(in.Password)
		return User{}, ErrBadCredentials
	}
	u, err := s.byEmailKey(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	known := err == nil && in.DeviceAccount == u.ID
	if err := s.guard.Allow(ctx, loginRules(key, in.IP, known)...); err != nil {
		return User{}, err
	}
	if u.ID == 0 {
		password.VerifyNothing(in.Password)
		return User{}, ErrBadCredentials
	}
	rehash, err := password.Verify(in.Password, u.passwordHash, s.hashing)
	if errors.Is(err, password.ErrMismatch) {
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("account %d: %w", u.ID, err)
	}
	// Success clears this address's count for the account, so the owner's
	// earlier typos do not pile up.
	if err := s.guard.Forget(ctx, accountIPRule(key, in.IP)); err != nil {
		return User{}, err
	}
	if rehash {
		if err := s.setPassword(ctx, u.ID, in.Password); err != nil {
			return User{}, err
		}
	}
	if u.EmailConfirmedAt == nil {
		return u, ErrNotConfirmed
	}
	return u, nil
}

// RequestReset emails a password reset link if the email has an account.
// It answers the same either way, so it does not reveal who has one.
func (s *Service) RequestReset(ctx context.Context, email, ip, baseURL string) error {
	return s.emailLink(ctx, email, ip, link{purpose: "reset", ttl: resetLinkTTL, url: baseURL + "/mot-de-passe/nouveau?jeton="})
}

// ResetPassword sets a new password from a reset link and ends every
// session of the account. A reset also confirms the email: the person
// proved they read it.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) (User, error) {
	var u User
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		id, _, err := useToken(ctx, tx, token, "reset")
		if err != nil {
			return err
		}
		if u, err = scanUser(tx.QueryRow(ctx, userByIDSQL, id)); err != nil {
			return err
		}
		t, _ := tenant.FromContext(ctx)
		if msg := passwordError(newPassword, u.Email, u.DisplayName, t.Name); msg != "" {
			return invalid.Fields{"password": msg}
		}
		hash, err := password.Hash(newPassword, s.hashing)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, setPasswordSQL, id, hash); err != nil {
			return fmt.Errorf("account: set password: %w", err)
		}
		_, err = tx.Exec(ctx, confirmEmailSQL, id)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, s.sessions.EndAll(ctx, u.ID, "")
}

// ChangePassword replaces the password after checking the current one, and
// ends every other session (keep is the current session's id).
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, keep string) error {
	u, err := s.checkPassword(ctx, userID, current)
	if err != nil {
		return err
	}
	t, _ := tenant.FromContext(ctx)
	if msg := passwordError(next, u.Email, u.DisplayName, t.Name); msg != "" {
		return invalid.Fields{"new_password": msg}
	}
	if err := s.setPassword(ctx, userID, next); err != nil {
		return err
	}
	return s.sessions.EndAll(ctx, userID, keep)
}

// RequestEmailChange sends a confirmation link to the new address; the
// change happens when it is clicked. The old address is told.
func (s *Service) RequestEmailChange(ctx context.Context, userID int64, current, newEmail, baseURL string) error {
	u, err := s.checkPassword(ctx, userID, current)
	if err != nil {
		return err
	}
	email, key, ok := normalizeEmail(newEmail)
	if !ok {
		return invalid.Fields{"new_email": "account.error.email"}
	}
	if _, err := s.byEmailKey(ctx, key); err == nil {
		return invalid.Fields{"new_email": "account.error.email_taken"}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	token := newToken()
	if err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, dropTokensSQL, u.ID, "change_email"); err != nil {
			return fmt.Errorf("account: retire links: %w", err)
		}
		return insertToken(ctx, tx, token, u.ID, "change_email", email, changeLinkTTL)
	}); err != nil {
		return err
	}
	target := u
	target.Email = email
	if err := s.mail(ctx, target, "change_email", baseURL+"/compte/email/confirmer?jeton="+token); err != nil {
		return err
	}
	return s.mail(ctx, u, "email_change_requested", email)
}

// ConfirmEmailChange consumes the link sent to the new address.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (User, error) {
	var u User
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		id, newEmail, err := useToken(ctx, tx, token, "change_email")
		if err != nil {
			return err
		}
		email, key, _ := normalizeEmail(newEmail)
		if _, err := tx.Exec(ctx, setEmailSQL, id, email, key); err != nil {
			if isUniqueViolation(err) {
				return invalid.Fields{"new_email": "account.error.email_taken"}
			}
			return fmt.Errorf("account: set email: %w", err)
		}
		u, err = scanUser(tx.QueryRow(ctx, userByIDSQL, id))
		return err
	})
	return u, err
}

// Delete removes the account after checking the password, and ends its
// sessions. What this does to the person's posts and messages is stated on
// the deletion page; today the account holds nothing else.
func (s *Service) Delete(ctx context.Context, userID int64, current string) error {
	if _, err := s.checkPassword(ctx, userID, current); err != nil {
		return err
	}
	if err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, deleteUserSQL, userID)
		return err
	}); err != nil {
		return fmt.Errorf("account: delete: %w", err)
	}
	return s.sessions.EndAll(ctx, userID, "")
}

// ConfirmWithoutLink marks an address confirmed without the emailed link:
// for the operator's command line and development demo data only.
func (s *Service) ConfirmWithoutLink(ctx context.Context, userID int64) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, confirmEmailSQL, userID); err != nil {
			return fmt.Errorf("account: confirm %d: %w", userID, err)
		}
		return nil
	})
}

// APIToken is a personal token for the JSON API, as listed to its owner.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// maxAPITokens bounds how many tokens one person keeps.
const maxAPITokens = 10

// CreateAPIToken makes a personal token and returns it: this is the only
// time it can be seen.
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if n := utf8.RuneCountInString(name); n < 1 || n > 50 {
		return "", invalid.Fields{"token_name": "account.error.token_name"}
	}
	existing, err := s.APITokens(ctx, userID)
	if err != nil {
		return "", err
	}
	if len(existing) >= maxAPITokens {
		return "", invalid.Fields{"token_name": "account.error.token_count"}
	}
	token := "ent_" + newToken()
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, insertAPITokenSQL, userID, tokenHash(token), name).Scan(&id); err != nil {
			return fmt.Errorf("account: save API token: %w", err)
		}
		return nil
	})
	return token, err
}

// APITokens lists a person's tokens (never the tokens themselves).
func (s *Service) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var out []APIToken
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, apiTokensSQL, userID)
		if err != nil {
			return fmt.Errorf("account: list API tokens: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
			var t APIToken
			err := r.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.LastUsedAt)
			return t, err
		})
		return err
	})
	return out, err
}

// RevokeAPIToken deletes one of the person's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, revokeAPITokenSQL, id, userID); err != nil {
			return fmt.Errorf("account: revoke API token: %w", err)
		}
		return nil
	})
}

// ByAPIToken returns the account of a token on the portal in ctx; a token
// of another portal is simply unknown here.
func (s *Service) ByAPIToken(ctx context.Context, token string) (User, error) {
	if !strings.HasPrefix(token, "ent_") || len(token) > 100 {
		return User{}, ErrNotFound
	}
	var u User
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, userByAPITokenSQL, tokenHash(token)))
		return err
	})
	return u, err
}

// SetLocale remembers the language a person chose, for their pages on any
// browser and for the emails sent to them. The caller checks that the
// portal speaks it.
func (s *Service) SetLocale(ctx context.Context, userID int64, locale string) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, setLocaleSQL, userID, locale)
		return err
	})
}

// ByID returns an account of the portal in ctx.
func (s *Service) ByID(ctx context.Context, id int64) (User, error) {
	var u User
	// Every signed-in request reads its person: one round trip (db.Read).
	b := &pgx.Batch{}
	b.Queue(userByIDSQL, id).QueryRow(func(row pgx.Row) error {
		var err error
		u, err = scanUser(row)
		return err
	})
	err := s.db.Read(ctx, b)
	return u, err
}

// ByEmail returns the account of the portal in ctx with this email.
func (s *Service) ByEmail(ctx context.Context, email string) (User, error) {
	_, key, ok := normalizeEmail(email)
	if !ok {
		return User{}, ErrNotFound
	}
	return s.byEmailKey(ctx, key)
}

// Search finds up to limit people whose name or email contains query.
func (s *Service) Search(ctx context.Context, query string, limit int) ([]User, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(query) + "%"
	var out []User
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, searchUsersSQL, pattern, limit)
		if err != nil {
			return fmt.Errorf("account: search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

func (s *Service) byEmailKey(ctx context.Context, key string) (User, error) {
	var u User
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, userByEmailSQL, key))
		return err
	})
	return u, err
}

// checkPassword confirms a signed-in person's current password before a
// sensitive change; a wrong one is a field error on "password".
func (s *Service) checkPassword(ctx context.Context, userID int64, current string) (User, error) {
	u, err := s.ByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if _, err := password.Verify(current, u.passwordHash, s.hashing); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return User{}, invalid.Fields{"password": "account.error.current_password"}
		}
		return User{}, err
	}
	return u, nil
}

func (s *Service) setPassword(ctx context.Context, userID int64, pw string) error {
	hash, err := password.Hash(pw, s.hashing)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, setPasswordSQL, userID, hash); err != nil {
			return fmt.Errorf("account: set password: %w", err)
		}
		return nil
	})
}

// mail sends one of the account emails in the person's language. arg is
// the link, or the new address for a change notice.
func (s *Service) mail(ctx context.Context, u User, kind, arg string) error {
	t, _ := tenant.FromContext(ctx)
	l := s.messages.For(u.Locale)
	subject := l.T("email."+kind+".subject", "Portal", t.Name)
	body := l.T("email."+kind+".body", "Name", u.DisplayName, "Portal", t.Name, "Link", arg, "Email", arg)
	if err := s.mailer.Send(ctx, u.Email, subject, body); err != nil {
		return fmt.Errorf("account: send %s email: %w", kind, err)
	}
	return nil
}

// normalizeEmail returns the address as typed (trimmed) and its lower-case
// key, or false when it is not a plain address.
func normalizeEmail(s string) (email, key string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 3 || len(s) > 254 {
		return "", "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", "", false
	}
	// Mail servers that accept accented addresses (SMTPUTF8) are rare, and
	// our sender does not speak it: an account we cannot write to would
	// never be confirmed.
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", "", false
		}
	}
	// A domain without a dot ("marie@gmail") is a typo far more often than
	// an address.
	if domain := s[strings.LastIndexByte(s, '@')+1:]; !strings.Contains(domain, ".") {
		return "", "", false
	}
	return s, strings.ToLower(s), true
}

// passwordError returns the message id of what is wrong with a new
// password, or "".
func passwordError(pw string, personal ...string) string {
	local := ""
	if len(personal) > 0 {
		local, _, _ = strings.Cut(personal[0], "@")
	}
	switch err := password.Check(pw, append(personal, local)...); {
	case errors.Is(err, password.ErrTooShort):
		return "account.error.password_short"
	case errors.Is(err, password.ErrTooLong):
		return "account.error.password_long"
	case errors.Is(err, password.ErrCommon):
		return "account.error.password_common"
	}
	return ""
}

// parseInterests splits "cuisine, jardin" into tags: trimmed, lower-cased,
// without duplicates, at most maxInterests of at most maxInterestLength.
func parseInterests(s string) ([]string, bool) {
	out := []string{}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		tag := strings.ToLower(strings.Join(strings.Fields(part), " "))
		if tag == "" || seen[tag] {
			continue
		}
		if utf8.RuneCountInString(tag) > maxInterestLength || strings.IndexFunc(tag, unicode.IsControl) >= 0 {
			return nil, false
		}
		seen[tag] = true
		out = append(out, tag)
	}
	return out, len(out) <= maxInterests
}

// newToken returns 256 random bits for a link, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("account: crypto/rand failed: %v", err)) // never on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
