package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// session is what the test SMTP server received on one connection.
type session struct {
	ehlo               string
	tls                bool
	authUser, authPass string
	from               string
	rcpt               []string
	data               string
	quit               bool
}

// smtpServer is a minimal SMTP server on 127.0.0.1: enough of RFC 5321
// (greeting, EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA with dot
// unstuffing, QUIT) to check what the sender says, and to misbehave.
type smtpServer struct {
	// rcptCode, when set, answers every RCPT with this code.
	rcptCode int
	// startTLS, when set, offers STARTTLS with this configuration.
	startTLS *tls.Config
	// implicitTLS, when set, speaks TLS from the first byte.
	implicitTLS *tls.Config
	// noAuth leaves AUTH out of the EHLO answer.
	noAuth bool
	// silent accepts connections and never answers.
	silent bool

	addr     string
	sessions chan session
	done     chan struct{}
}

// start listens and serves until the test ends.
func (s *smtpServer) start(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.sessions = make(chan session, 16)
	s.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.serve(conn) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		close(s.done)
		wg.Wait()
	})
	return s
}

// session returns what the next finished connection received.
func (s *smtpServer) session(t *testing.T) session {
	t.Helper()
	select {
	case got := <-s.sessions:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("the test SMTP server recorded no session")
		return session{}
	}
}

func (s *smtpServer) serve(conn net.Conn) {
	var sess session
	defer func() {
		conn.Close()
		s.sessions <- sess
	}()
	if s.silent {
		<-s.done
		return
	}
	// A test that goes wrong must not hang on this connection.
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if s.implicitTLS != nil {
		tc := tls.Server(conn, s.implicitTLS)
		if err := tc.Handshake(); err != nil {
			return
		}
		conn, sess.tls = tc, true
	}
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			io.WriteString(conn, l+"\r\n")
		}
	}
	reply("220 test.invalid ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			sess.ehlo = arg
			ext := []string{"250-test.invalid greets " + arg}
			if !s.noAuth {
				ext = append(ext, "250-AUTH LOGIN PLAIN")
			}
			if s.startTLS != nil && !sess.tls {
				ext = append(ext, "250-STARTTLS")
			}
			reply(append(ext, "250 8BITMIME")...)
		case "STARTTLS":
			reply("220 2.0.0 go ahead")
			tc := tls.Server(conn, s.startTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, sess.tls = tc, true
			r = bufio.NewReader(conn)
		case "AUTH":
			f := strings.Fields(arg)
			b, err := base64.StdEncoding.DecodeString(f[len(f)-1])
			parts := strings.Split(string(b), "\x00")
			if len(f) != 2 || f[0] != "PLAIN" || err != nil || len(parts) != 3 {
				reply("535 5.7.8 bad credentials")
				continue
			}
			sess.authUser, sess.authPass = parts[1], parts[2]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			addr, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:<"), ">")
			sess.from = addr
			reply("250 2.1.0 ok")
		case "RCPT":
			if s.rcptCode != 0 {
				reply(fmt.Sprintf("%d 5.1.1 <%s>: mailbox unavailable", s.rcptCode, arg))
				continue
			}
			addr, _, _ := strings.Cut(strings.TrimPrefix(arg, "TO:<"), ">")
			sess.rcpt = append(sess.rcpt, addr)
			reply("250 2.1.5 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				// RFC 5321 4.5.2: a leading dot was doubled by the sender.
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			sess.data = data.String()
			reply("250 2.0.0 queued")
		case "QUIT":
			sess.quit = true
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

// selfSigned returns a server configuration with a certificate for
// 127.0.0.1 and smtp.example.org, and a client configuration trusting it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test SMTP server"},
		DNSNames:              []string{"smtp.example.org"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// newSender returns a sender for rawURL. When dialTo is set, connections go
// there whatever the URL's host, so a test can stand for a remote server.
func newSender(t *testing.T, rawURL string, tlsConfig *tls.Config, dialTo string) *SMTPSender {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSMTPSender(u, SMTPOptions{HELO: "sender.test", TLS: tlsConfig}, testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	if dialTo != "" {
		s.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, dialTo)
		}
	}
	return s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var confirmation = Message{
	To:      "Léa Martin <lea@example.fr>",
	Subject: "Confirmez votre adresse — Lozère",
	Text:    "Bonjour Léa,\n.\n..deux points\nConfirmez ici : https://lozere.localhost/confirmer?jeton=abc\n",
}

func TestSMTPSend(t *testing.T) {
	srv := (&smtpServer{}).start(t)
	// Loopback: credentials may go in clear, as to a local relay.
	s := newSender(t, "smtp://mailer%40lozere:s3cr%2Ft@"+srv.addr, nil, "")
	if err := s.Send(testCtx(t), "lozere", lozere, confirmation); err != nil {
		t.Fatal(err)
	}
	got := srv.session(t)
	if got.ehlo != "sender.test" || got.tls {
		t.Errorf("EHLO %q, TLS %v; want sender.test without TLS", got.ehlo, got.tls)
	}
	if got.authUser != "mailer@lozere" || got.authPass != "s3cr/t" {
		t.Errorf("AUTH PLAIN as %q / %q, want the URL's decoded credentials", got.authUser, got.authPass)
	}
	if got.from != "entraide@lozere.localhost" || len(got.rcpt) != 1 || got.rcpt[0] != "lea@example.fr" {
		t.Errorf("envelope %q → %q, want entraide@lozere.localhost → [lea@example.fr]", got.from, got.rcpt)
	}
	if !got.quit {
		t.Error("no QUIT")
	}
	checkWire(t, []byte(got.data))
	m := parse(t, []byte(got.data))
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != confirmation.Subject {
		t.Errorf("Subject = %q, want %q", subject, confirmation.Subject)
	}
	if to, err := m.Header.AddressList("To"); err != nil || to[0].Address != "lea@example.fr" {
		t.Errorf("To = %v (%v)", to, err)
	}
	// Lines starting with a dot survive the DATA dot-stuffing.
	if body := decodeQP(t, m.Body); body != wantBody(confirmation.Text) {
		t.Errorf("body = %q, want %q", body, wantBody(confirmation.Text))
	}
}

func TestSMTPWithoutCredentials(t *testing.T) {
	// A relay that needs no AUTH: nothing is attempted.
	srv := (&smtpServer{noAuth: true}).start(t)
	s := newSender(t, "smtp://smtp.example.org:25", nil, srv.addr)
	if err := s.Send(testCtx(t), "lozere", lozere, confirmation); err != nil {
		t.Fatal(err)
	}
	if got := srv.session(t); got.authUser != "" || len(got.rcpt) != 1 || !got.quit {
		t.Errorf("session = %+v; want a delivery without AUTH", got)
	}
}

func TestSMTPRecipientRefused(t *testing.T) {
	tests := []struct {
		code      int
		permanent bool
	}{
		{550, true},
		{553, true},
		{450, false}, // mailbox busy: try again later
		{452, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			srv := (&smtpServer{rcptCode: tc.code}).start(t)
			s := newSender(t, "smtp://"+srv.addr, nil, "")
			err := s.Send(testCtx(t), "lozere", lozere, confirmation)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.code)) {
				t.Errorf("error = %q, want it to give the server's code %d", err, tc.code)
			}
			if errors.Is(err, ErrRecipientRefused) != tc.permanent {
				t.Errorf("errors.Is(%q, ErrRecipientRefused) = %v, want %v", err, !tc.permanent, tc.permanent)
			}
			if got := srv.session(t); got.data != "" {
				t.Errorf("the server received DATA after refusing the recipient")
			}
		})
	}
}

func TestSMTPServerThatNeverAnswers(t *testing.T) {
	srv := (&smtpServer{silent: true}).start(t)
	s := newSender(t, "smtp://"+srv.addr, nil, "")

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, "lozere", lozere, confirmation)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v after a 300ms deadline", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		// No deadline: cancelling must interrupt the blocked read too.
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		err := s.Send(ctx, "lozere", lozere, confirmation)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v after cancellation", d)
		}
	})
}

func TestSMTPStartTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name   string
		url    string
		dialTo bool // reach the server under the URL's (remote) name
	}{
		{"loopback address", "smtp://mailer:s3cret@%s", false},
		{"remote host name", "smtp://mailer:s3cret@smtp.example.org:587", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := (&smtpServer{startTLS: serverTLS}).start(t)
			rawURL, dialTo := fmt.Sprintf(tc.url, srv.addr), ""
			if tc.dialTo {
				rawURL, dialTo = tc.url, srv.addr
			}
			if err := newSender(t, rawURL, clientTLS, dialTo).Send(testCtx(t), "lozere", lozere, confirmation); err != nil {
				t.Fatal(err)
			}
			got := srv.session(t)
			if !got.tls || got.authUser != "mailer" || got.authPass != "s3cret" || len(got.rcpt) != 1 || got.data == "" {
				t.Errorf("session = %+v; want STARTTLS, then AUTH and the message", got)
			}
		})
	}

	t.Run("offered STARTTLS that fails is not skipped", func(t *testing.T) {
		srv := (&smtpServer{startTLS: serverTLS}).start(t)
		// The client does not trust the server's certificate.
		err := newSender(t, "smtp://mailer:s3cret@"+srv.addr, nil, "").Send(testCtx(t), "lozere", lozere, confirmation)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("Send = %v, want a STARTTLS error", err)
		}
		if got := srv.session(t); got.authUser != "" || got.from != "" {
			t.Errorf("after a failed STARTTLS the server still received %+v", got)
		}
	})
}

func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := (&smtpServer{implicitTLS: serverTLS}).start(t)
	if err := newSender(t, "smtps://mailer:s3cret@smtp.example.org:465", clientTLS, srv.addr).Send(testCtx(t), "lozere", lozere, confirmation); err != nil {
		t.Fatal(err)
	}
	if got := srv.session(t); !got.tls || got.authUser != "mailer" || got.data == "" {
		t.Errorf("session = %+v; want TLS, AUTH and the message", got)
	}
}

func TestSMTPRefusesCredentialsInClear(t *testing.T) {
	const secret = "s3cret-pw"
	// A remote server that offers no STARTTLS: maybe stripped by someone
	// in the middle. The credentials must not leave.
	srv := (&smtpServer{}).start(t)
	err := newSender(t, "smtp://mailer:"+secret+"@smtp.example.org:587", nil, srv.addr).Send(testCtx(t), "lozere", lozere, confirmation)
	if !errors.Is(err, ErrInsecureAuth) {
		t.Fatalf("Send = %v, want ErrInsecureAuth", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q shows the password", err)
	}
	if got := srv.session(t); got.authUser != "" || got.authPass != "" || got.from != "" {
		t.Errorf("the server received %+v; want nothing after EHLO", got)
	}
}

func TestSMTPCredentialsWithoutAuth(t *testing.T) {
	srv := (&smtpServer{noAuth: true}).start(t)
	err := newSender(t, "smtp://mailer:s3cret@"+srv.addr, nil, "").Send(testCtx(t), "lozere", lozere, confirmation)
	if err == nil || !strings.Contains(err.Error(), "AUTH PLAIN") {
		t.Fatalf("Send = %v, want an error saying the server offers no AUTH PLAIN", err)
	}
}

func TestSMTPInvalidMessageIsNotSent(t *testing.T) {
	srv := (&smtpServer{}).start(t)
	msg := confirmation
	msg.Subject = "Bonjour\r\nBcc: eve@example.org"
	err := newSender(t, "smtp://"+srv.addr, nil, "").Send(testCtx(t), "lozere", lozere, msg)
	if !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Send = %v, want ErrInvalidMessage", err)
	}
	select {
	case got := <-srv.sessions:
		t.Errorf("an invalid message opened a connection: %+v", got)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAuthAllowed(t *testing.T) {
	tests := []struct {
		host      string
		encrypted bool
		allowed   bool
	}{
		{"smtp.example.org", true, true},
		{"smtp.example.org", false, false},
		{"192.0.2.10", false, false},
		{"2001:db8::1", false, false},
		{"localhost.example.org", false, false},
		{"localhost", false, true},
		{"LocalHost.", false, true},
		{"127.0.0.1", false, true},
		{"127.0.0.2", false, true},
		{"::1", false, true},
	}
	for _, tc := range tests {
		err := authAllowed(tc.host, tc.encrypted)
		if (err == nil) != tc.allowed {
			t.Errorf("authAllowed(%q, encrypted=%v) = %v, want allowed=%v", tc.host, tc.encrypted, err, tc.allowed)
		}
		if err != nil && !errors.Is(err, ErrInsecureAuth) {
			t.Errorf("authAllowed(%q, %v) = %v, want ErrInsecureAuth", tc.host, tc.encrypted, err)
		}
	}
}

func TestNewSMTPSender(t *testing.T) {
	tests := []struct {
		url, wantAddr string
		wantTLS       bool
	}{
		{"smtp://smtp.example.org", "smtp.example.org:587", false},
		{"smtps://smtp.example.org", "smtp.example.org:465", true},
		{"smtp://u:p@smtp.example.org:2525", "smtp.example.org:2525", false},
		{"smtps://[2001:db8::1]", "[2001:db8::1]:465", true},
	}
	for _, tc := range tests {
		u, _ := url.Parse(tc.url)
		s, err := NewSMTPSender(u, SMTPOptions{}, testutil.Logger())
		if err != nil {
			t.Errorf("NewSMTPSender(%s): %v", tc.url, err)
			continue
		}
		if s.addr != tc.wantAddr || s.implicitTLS != tc.wantTLS || s.tls.ServerName != u.Hostname() {
			t.Errorf("NewSMTPSender(%s) = addr %s, implicit TLS %v, ServerName %q; want %s, %v, %q",
				tc.url, s.addr, s.implicitTLS, s.tls.ServerName, tc.wantAddr, tc.wantTLS, u.Hostname())
		}
	}
	for _, bad := range []string{"http://smtp.example.org", "smtp://"} {
		u, _ := url.Parse(bad)
		if _, err := NewSMTPSender(u, SMTPOptions{}, testutil.Logger()); err == nil {
			t.Errorf("NewSMTPSender(%s) succeeded, want an error", bad)
		}
	}
}

func TestNewChoosesTheSender(t *testing.T) {
	var logs bytes.Buffer
	log := slogTo(&logs)
	u, _ := url.Parse("smtps://mailer:t0p-s3cret@smtp.example.org")
	s, err := New(Options{SMTP: u, OutboxDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*SMTPSender); !ok {
		t.Errorf("New with smtp_url = %T, want *SMTPSender", s)
	}
	s, err = New(Options{OutboxDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*Outbox); !ok {
		t.Errorf("New without smtp_url = %T, want *Outbox", s)
	}
	if n := strings.Count(logs.String(), "\n"); n != 2 {
		t.Errorf("New logged %d lines, want one each:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "t0p-s3cret") {
		t.Errorf("the log shows the password:\n%s", logs.String())
	}
	if _, err := New(Options{}, log); err == nil {
		t.Error("New with neither smtp_url nor outbox_dir succeeded")
	}
}
