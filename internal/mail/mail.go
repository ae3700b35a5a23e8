// Package mail sends the portals' email: account confirmation, password
// reset, email-change confirmation and, later, notifications.
//
// A message is built here as real RFC 5322 mail (UTF-8, quoted-printable,
// encoded headers, a Date and a Message-ID) and handed to a Sender: the SMTP
// server of the deployment (smtp_url), or, in development, the Outbox, which
// files every message under its portal's directory for a dev-only page to
// show. The words of a message are the caller's, in the reader's language;
// this package only carries them.
//
// The portal is explicit in every call: the sender name and address come
// from its settings (From), and the outbox files and lists messages per
// portal, so one portal can never read another's mail. Background sending
// goes through the job queue (SendArgs, Register, Enqueue), which retries
// what may succeed later and cancels what never will.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strings"

	"github.com/entraide/entraide/internal/tenant"
)

// Message is one email to one person. Callers write Subject, Text and HTML
// in the recipient's language; Text is required because it is what every
// mail client can show, HTML is an optional alternative.
type Message struct {
	// To is the recipient: "lea@example.fr" or "Léa Martin <lea@example.fr>".
	To      string
	Subject string
	Text    string
	// HTML, when set, is sent as a multipart/alternative next to Text.
	HTML string
	// ReplyTo, when set, is where answers go instead of the sender.
	ReplyTo string
}

// Sender delivers messages. The portal is named explicitly so that an
// implementation can file or account messages per portal; from is the
// portal's sender, built with From.
type Sender interface {
	Send(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error
}

// ErrInvalidMessage means the message can never be sent as it is: an
// address that does not parse, a line break in a header, an empty body.
// Retrying does not help; the job worker cancels such jobs.
var ErrInvalidMessage = errors.New("mail: invalid message")

// ErrRecipientRefused means the SMTP server refused the recipient for good
// (550, 551 or 553: no such mailbox, or an address it will never accept).
var ErrRecipientRefused = errors.New("mail: recipient refused by the server")

// From returns the sender of the portal's email: the portal's
// email.from_name, else its name; its email.from_address, else the
// deployment's mail_from. Both are checked when a message is built.
func From(t *tenant.Tenant, deploymentDefault string) netmail.Address {
	if t == nil {
		return netmail.Address{Address: deploymentDefault}
	}
	name := strings.TrimSpace(t.Email.FromName)
	if name == "" {
		name = t.Name
	}
	addr := t.Email.FromAddress
	if addr == "" {
		addr = deploymentDefault
	}
	return netmail.Address{Name: name, Address: addr}
}

// Options says how the deployment sends email. cmd builds it from the
// deployment's configuration (smtp_url, outbox_dir).
type Options struct {
	// SMTP is the parsed smtp_url; nil means the outbox.
	SMTP *url.URL
	// OutboxDir is where the outbox writes when SMTP is nil.
	OutboxDir string
	// HELO is the name this host announces to the SMTP server; empty: the
	// host name.
	HELO string
	// TLS, when set, is the base of the TLS configuration (tests use it to
	// trust their own certificate). The server name is always the URL's host.
	TLS *tls.Config
}

// New returns the deployment's Sender: an *SMTPSender when opts.SMTP is set,
// else an *Outbox (type-assert to reach its List and Read for the dev
// page). It says which in one log line, without the password.
func New(opts Options, log *slog.Logger) (Sender, error) {
	if opts.SMTP != nil {
		s, err := NewSMTPSender(opts.SMTP, SMTPOptions{HELO: opts.HELO, TLS: opts.TLS}, log)
		if err != nil {
			return nil, err
		}
		log.Info("mail: sending through SMTP", "server", opts.SMTP.Redacted())
		return s, nil
	}
	o, err := NewOutbox(opts.OutboxDir, log)
	if err != nil {
		return nil, err
	}
	// Warn rather than inform: on a server this means nobody receives the
	// confirmation and reset emails.
	log.Warn("mail: smtp_url is empty, so messages are written to the outbox and reach nobody", "outbox_dir", o.Dir())
	return o, nil
}

// invalidf returns an error wrapping ErrInvalidMessage.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidMessage}, args...)...)
}
