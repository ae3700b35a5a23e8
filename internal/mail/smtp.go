package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/tenant"
)

// defaultTimeout bounds a delivery whose context has no deadline, so that a
// server that stops answering cannot hold a worker forever.
const defaultTimeout = time.Minute

// ErrInsecureAuth means the SMTP connection is not encrypted and the server
// is not on this machine, so the credentials were not sent.
var ErrInsecureAuth = errors.New("mail: refusing to send SMTP credentials over an unencrypted connection")

// SMTPOptions tunes an SMTPSender.
type SMTPOptions struct {
	// HELO is the name announced in EHLO; empty: the host name.
	HELO string
	// TLS is the base TLS configuration (nil: the system's roots).
	// ServerName is always set to the URL's host.
	TLS *tls.Config
}

// SMTPSender delivers each message over its own SMTP connection: the
// volume of a portal's transactional email does not justify a pool, and a
// fresh connection cannot be left in a bad state by the previous message.
type SMTPSender struct {
	addr        string // host:port
	host        string
	implicitTLS bool
	user, pass  string
	helo        string
	tls         *tls.Config
	log         *slog.Logger

	// dial opens the TCP connection; tests replace it to reach a local
	// server under a host name that is not loopback.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewSMTPSender returns a sender for u: smtp://[user:password@]host[:port]
// (port 587 by default; STARTTLS whenever the server offers it) or
// smtps://[user:password@]host[:port] (port 465 by default; TLS from the
// first byte). Credentials are only ever sent encrypted, or to this machine.
func NewSMTPSender(u *url.URL, opts SMTPOptions, log *slog.Logger) (*SMTPSender, error) {
	s := &SMTPSender{host: u.Hostname(), dial: (&net.Dialer{}).DialContext, log: log}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("mail: smtp_url must start with smtp:// or smtps:// (got %q)", u.Scheme+"://")
	}
	if s.host == "" {
		return nil, errors.New("mail: smtp_url names no host")
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	s.helo = opts.HELO
	if s.helo == "" {
		// What the server sees in EHLO; some servers frown on "localhost",
		// and the host name is what an operator expects to find in logs.
		if h, err := os.Hostname(); err == nil && h != "" {
			s.helo = h
		} else {
			s.helo = "localhost"
		}
	}
	if opts.TLS != nil {
		s.tls = opts.TLS.Clone()
	} else {
		s.tls = &tls.Config{}
	}
	s.tls.ServerName = s.host
	if s.tls.MinVersion < tls.VersionTLS12 {
		s.tls.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

// Send delivers msg from the portal's sender. An invalid message wraps
// ErrInvalidMessage and a recipient the server refuses for good wraps
// ErrRecipientRefused; any other error may succeed on a later attempt.
func (s *SMTPSender) Send(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error {
	c, err := compose(from, msg, time.Now())
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, c); err != nil {
		// s.addr holds no credentials; the URL is never repeated.
		return fmt.Errorf("mail: send %s's message %s through %s: %w", slug, c.messageID, s.addr, err)
	}
	return nil
}

// deliver speaks SMTP on a connection whose deadline is the context's: a
// server that stops answering fails the delivery when ctx ends instead of
// holding the worker.
func (s *SMTPSender) deliver(ctx context.Context, m *composed) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultTimeout)
	}
	raw, err := s.dial(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("connect: %w", withContext(ctx, err))
	}
	if err := raw.SetDeadline(deadline); err != nil {
		raw.Close() //nolint:errcheck // the deadline error is the one to report
		return fmt.Errorf("set deadline: %w", err)
	}
	// Cancellation (not only the deadline) must also interrupt a blocked
	// read or write: moving the deadline of the TCP connection into the
	// past does that, under TLS too.
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	conn := raw
	if s.implicitTLS {
		tc := tls.Client(raw, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close() //nolint:errcheck // the handshake error is the one to report
			return fmt.Errorf("TLS handshake: %w", withContext(ctx, err))
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close() //nolint:errcheck // NewClient's error is the one to report
		return fmt.Errorf("greeting: %w", withContext(ctx, err))
	}
	quit := false
	defer func() {
		if !quit {
			// After a failure the connection is abandoned, not reused:
			// closing is all that is left to do, and its error says nothing
			// the first one did not.
			c.Close() //nolint:errcheck
		}
	}()
	step := func(what string, err error) error {
		return fmt.Errorf("%s: %w", what, withContext(ctx, err))
	}

	if err := c.Hello(s.helo); err != nil {
		return step("EHLO", err)
	}
	if !s.implicitTLS {
		// STARTTLS is not optional when offered: if it fails, the message
		// is not sent in clear instead.
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return step("STARTTLS", err)
			}
		}
	}
	if s.user != "" {
		_, encrypted := c.TLSConnectionState()
		if err := authAllowed(s.host, encrypted); err != nil {
			return err
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fmt.Errorf("the server does not offer AUTH PLAIN (it offers %q): check smtp_url's credentials and port", mechs)
		}
		if err := c.Auth(plainAuth{host: s.host, user: s.user, pass: s.pass}); err != nil {
			return step("AUTH", err)
		}
	}
	if err := c.Mail(m.envelopeFrom); err != nil {
		return step("MAIL FROM", err)
	}
	if err := c.Rcpt(m.envelopeTo); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && (te.Code == 550 || te.Code == 551 || te.Code == 553) {
			return fmt.Errorf("RCPT TO: %w: %w", ErrRecipientRefused, err)
		}
		return step("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return step("DATA", err)
	}
	if _, err := w.Write(m.data); err != nil {
		w.Close() //nolint:errcheck // the write error is the one to report
		return step("DATA", err)
	}
	if err := w.Close(); err != nil {
		return step("end of DATA", err)
	}
	quit = true
	// The server has accepted the message: a failing QUIT must not make
	// the job retry and send it twice. Close the connection either way.
	if err := c.Quit(); err != nil {
		s.log.Warn("mail: QUIT failed after the server accepted the message", "server", s.addr, "message_id", m.messageID, "error", err)
		c.Close() //nolint:errcheck // the QUIT error is logged; closing frees the socket
	}
	return nil
}

// authAllowed decides whether credentials may be sent: over TLS always,
// in clear only to a server on this machine (where nobody can listen on
// the wire). An SMTP server that offers no STARTTLS on port 587 is more
// likely a man in the middle stripping it than a real submission server.
func authAllowed(host string, encrypted bool) error {
	if encrypted || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("%w: %s offers no STARTTLS (use smtps:// or a server that offers it)", ErrInsecureAuth, host)
}

// isLoopback reports whether host is this machine: "localhost" or a
// loopback address. Other names are not resolved: what a name resolves to
// can change between this check and the connection.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// plainAuth is AUTH PLAIN (RFC 4616) that defers to authAllowed, so the
// rule about clear-text credentials lives in one place. (net/smtp's
// PlainAuth has its own, narrower, idea of a local host.)
type plainAuth struct{ host, user, pass string }

func (a plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	// Guards against sending one server's credentials to another.
	if server.Name != a.host {
		return "", nil, fmt.Errorf("mail: AUTH for %s requested by %s", a.host, server.Name)
	}
	if err := authAllowed(a.host, server.TLS); err != nil {
		return "", nil, err
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("mail: unexpected server challenge during AUTH PLAIN")
	}
	return nil, nil
}

// withContext makes a network failure caused by the context's end say so,
// so that errors.Is(err, context.DeadlineExceeded) holds: the connection's
// deadline is the context's, and its timeout error alone would not tell.
func withContext(ctx context.Context, err error) error {
	if cerr := context.Cause(ctx); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("%w: %w", cerr, err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
	}
	return err
}
