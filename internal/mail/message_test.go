package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/tenant"
)

var (
	lozere = netmail.Address{Name: "Lozère Entraidons-nous", Address: "entraide@lozere.localhost"}
	// when is a fixed instant, in a non-UTC zone to check Date's offset.
	when = time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 3600))
)

// parse reads a built message back with the standard library, failing the
// test if it is not well-formed.
func parse(t *testing.T, data []byte) *netmail.Message {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail cannot read the message back: %v\n%s", err, data)
	}
	return m
}

// checkWire checks what every message must be on the wire: CRLF line
// endings only, 7-bit bytes, no line over RFC 5322's limit.
func checkWire(t *testing.T, data []byte) {
	t.Helper()
	for i, b := range data {
		if b >= 0x80 {
			t.Fatalf("byte %d is 0x%x: the message is not 7-bit clean", i, b)
		}
		if b == '\n' && (i == 0 || data[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d", i)
		}
		if b == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			t.Fatalf("bare CR at byte %d", i)
		}
	}
	for _, l := range strings.Split(string(data), "\r\n") {
		if len(l) > maxLine {
			t.Fatalf("line of %d characters: %.60q…", len(l), l)
		}
	}
}

// wantBody is what a body decodes to: the text with CRLF line endings,
// ending with one.
func wantBody(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return strings.ReplaceAll(text, "\n", "\r\n")
}

func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatalf("quoted-printable body does not decode: %v", err)
	}
	return string(b)
}

func TestComposeHeaders(t *testing.T) {
	msg := Message{
		To:      "Léa Martin <lea@example.fr>",
		Subject: "Confirmez votre adresse sur Lozère Entraidons-nous",
		Text:    "Bonjour Léa,\n\nConfirmez votre adresse : https://lozere.localhost/confirmer?jeton=abc=def\n",
		ReplyTo: "Référente <referente@lozere.localhost>",
	}
	c, err := compose(lozere, msg, when)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, c.data)
	m := parse(t, c.data)

	if c.envelopeFrom != "entraide@lozere.localhost" || c.envelopeTo != "lea@example.fr" {
		t.Errorf("envelope = %q → %q, want entraide@lozere.localhost → lea@example.fr", c.envelopeFrom, c.envelopeTo)
	}
	raw := map[string]string{}
	for _, k := range []string{"From", "To", "Reply-To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted"} {
		if len(m.Header[k]) != 1 {
			t.Errorf("header %s appears %d times, want once", k, len(m.Header[k]))
		}
		raw[k] = m.Header.Get(k)
	}
	// Non-ASCII names and subjects are Q-encoded, never sent raw.
	for _, k := range []string{"From", "Subject", "To", "Reply-To"} {
		if !strings.Contains(raw[k], "=?utf-8?q?") {
			t.Errorf("%s = %q, want a Q-encoded word", k, raw[k])
		}
	}
	if !strings.Contains(raw["From"], "Loz=C3=A8re") {
		t.Errorf("From = %q, want Lozère Q-encoded as Loz=C3=A8re", raw["From"])
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(raw["Subject"])
	if err != nil || subject != msg.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, msg.Subject)
	}
	for _, a := range []struct {
		header string
		want   netmail.Address
	}{
		{"From", lozere},
		{"To", netmail.Address{Name: "Léa Martin", Address: "lea@example.fr"}},
		{"Reply-To", netmail.Address{Name: "Référente", Address: "referente@lozere.localhost"}},
	} {
		got, err := m.Header.AddressList(a.header)
		if err != nil || len(got) != 1 || *got[0] != a.want {
			t.Errorf("%s parses to %v (%v), want %v", a.header, got, err, a.want)
		}
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(when) {
		t.Errorf("Date = %v (%v), want %v", d, err, when)
	}
	if raw["Date"] != "Fri, 14 Mar 2025 09:26:53 +0100" {
		t.Errorf("Date = %q, want the RFC 5322 form with the zone's offset", raw["Date"])
	}
	if !regexp.MustCompile(`^<[A-Z2-7]{26,}@lozere\.localhost>$`).MatchString(raw["Message-Id"]) {
		t.Errorf("Message-ID = %q, want <random@lozere.localhost>", raw["Message-Id"])
	}
	if raw["Message-Id"] != c.messageID {
		t.Errorf("Message-ID = %q, composed.messageID = %q", raw["Message-Id"], c.messageID)
	}
	if raw["Mime-Version"] != "1.0" || raw["Auto-Submitted"] != "auto-generated" {
		t.Errorf("MIME-Version = %q, Auto-Submitted = %q", raw["Mime-Version"], raw["Auto-Submitted"])
	}
	if mt, params, err := mime.ParseMediaType(raw["Content-Type"]); err != nil || mt != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type = %q, want text/plain; charset=utf-8", raw["Content-Type"])
	}
	if raw["Content-Transfer-Encoding"] != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q, want quoted-printable", raw["Content-Transfer-Encoding"])
	}
	if got := decodeQP(t, m.Body); got != wantBody(msg.Text) {
		t.Errorf("body = %q, want %q", got, wantBody(msg.Text))
	}

	// Two messages never share a Message-ID.
	c2, err := compose(lozere, msg, when)
	if err != nil {
		t.Fatal(err)
	}
	if c2.messageID == c.messageID {
		t.Errorf("two messages share the Message-ID %s", c.messageID)
	}
}

func TestComposeBodyRoundTrips(t *testing.T) {
	long := strings.Repeat("Une phrase assez longue pour dépasser la limite. ", 8)
	tests := []struct{ name, text string }{
		{"ascii", "Hello,\nyour account is ready.\n"},
		{"accents and symbols", "Bonjour Zoé, à très bientôt ! Œuvre, ça, €, « guillemets » et 🙂\n"},
		{"line longer than 76", long + "\n" + strings.Repeat("x", 200) + "\n"},
		{"equals signs and tabs", "a=b\tc==d\n=3D is not an escape here\n"},
		{"trailing spaces", "spaces at the end   \ntab at the end\t\n"},
		{"leading dot and From", ".hidden\n..two\nFrom here on\n.\n"},
		{"CRLF input", "one\r\ntwo\r\n"},
		{"no final line break", "just one line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := compose(lozere, Message{To: "lea@example.fr", Subject: "Test", Text: tc.text}, when)
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, c.data)
			for _, l := range strings.Split(string(c.data[bytes.Index(c.data, []byte("\r\n\r\n"))+4:]), "\r\n") {
				if len(l) > 76 {
					t.Errorf("body line of %d characters, quoted-printable allows 76: %q", len(l), l)
				}
			}
			if got := decodeQP(t, parse(t, c.data).Body); got != wantBody(tc.text) {
				t.Errorf("body = %q, want %q", got, wantBody(tc.text))
			}
		})
	}
}

func TestComposeLongSubjectIsFolded(t *testing.T) {
	subject := strings.Repeat("Réunion des bénévoles de la Lozère, ", 6)
	subject = strings.TrimSpace(subject)
	c, err := compose(lozere, Message{To: "lea@example.fr", Subject: subject, Text: "x"}, when)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, c.data)
	head := string(c.data[:bytes.Index(c.data, []byte("\r\n\r\n"))])
	if !strings.Contains(head, "\r\n =?utf-8?q?") {
		t.Errorf("a long subject is not folded:\n%s", head)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(parse(t, c.data).Header.Get("Subject"))
	if err != nil || got != subject {
		t.Errorf("Subject decodes to %q (%v), want %q", got, err, subject)
	}
}

func TestFold(t *testing.T) {
	tests := []string{
		"Subject: short",
		"Subject: " + strings.Repeat("word ", 40),
		"Subject: " + strings.Repeat("x", 120) + " tail",
		"Subject: two  spaces   and more" + strings.Repeat(" y", 60),
	}
	for _, line := range tests {
		folded := fold(line)
		if unfolded := strings.ReplaceAll(folded, "\r\n", ""); unfolded != line {
			t.Errorf("unfold(fold(%q)) = %q", line, unfolded)
		}
		for i, l := range strings.Split(folded, "\r\n") {
			if strings.TrimSpace(l) == "" {
				t.Errorf("fold(%q) has a line of white space only", line)
			}
			if i == 0 {
				// The first word always stays with the header's name.
				l = strings.TrimPrefix(l, "Subject: ")
			}
			if len(l) > foldAt && strings.Contains(strings.TrimSpace(l), " ") {
				t.Errorf("fold(%q): line of %d characters could have been folded: %q", line, len(l), l)
			}
		}
	}
}

func TestComposeMultipart(t *testing.T) {
	msg := Message{
		To:      "lea@example.fr",
		Subject: "Réinitialiser votre mot de passe",
		Text:    "Bonjour,\nSuivez ce lien : https://lozere.localhost/reset?t=1\n",
		HTML:    "<p>Bonjour,</p>\n<p><a href=\"https://lozere.localhost/reset?t=1\">Suivez ce lien</a> — Lozère</p>\n",
	}
	c, err := compose(lozere, msg, when)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, c.data)
	m := parse(t, c.data)
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q, want multipart/alternative with a boundary", m.Header.Get("Content-Type"))
	}
	if cte := m.Header.Get("Content-Transfer-Encoding"); cte != "" {
		t.Errorf("multipart message has Content-Transfer-Encoding %q; only its parts should", cte)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	want := []struct{ mediaType, body string }{
		{"text/plain", msg.Text}, // first: the fallback
		{"text/html", msg.HTML},  // last: preferred by clients that can show it
	}
	for i, w := range want {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || pt != w.mediaType || pp["charset"] != "utf-8" {
			t.Errorf("part %d Content-Type = %q, want %s; charset=utf-8", i, p.Header.Get("Content-Type"), w.mediaType)
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part %d Content-Transfer-Encoding = %q, want quoted-printable", i, cte)
		}
		if got := decodeQP(t, p); got != wantBody(w.body) {
			t.Errorf("part %d body = %q, want %q", i, got, wantBody(w.body))
		}
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("after two parts: %v, want io.EOF", err)
	}
}

func TestComposeRefuses(t *testing.T) {
	ok := Message{To: "lea@example.fr", Subject: "Bonjour", Text: "Bonjour"}
	tests := []struct {
		name   string
		from   netmail.Address
		mutate func(*Message)
	}{
		{"CRLF in subject", lozere, func(m *Message) { m.Subject = "Bonjour\r\nBcc: eve@example.org" }},
		{"LF in subject", lozere, func(m *Message) { m.Subject = "Bonjour\nBcc: eve@example.org" }},
		{"CR in subject", lozere, func(m *Message) { m.Subject = "Bonjour\rBcc: eve@example.org" }},
		{"other control character in subject", lozere, func(m *Message) { m.Subject = "Bon\x00jour" }},
		{"CRLF in recipient", lozere, func(m *Message) { m.To = "lea@example.fr\r\nBcc: eve@example.org" }},
		{"LF in recipient name", lozere, func(m *Message) { m.To = "Léa\n <lea@example.fr>" }},
		{"CRLF in reply-to", lozere, func(m *Message) { m.ReplyTo = "a@example.fr\r\nBcc: eve@example.org" }},
		{"CRLF in sender name", netmail.Address{Name: "Lozère\r\nBcc: eve@example.org", Address: lozere.Address}, nil},
		{"LF in sender address", netmail.Address{Name: "Lozère", Address: "entraide@lozere.localhost\nBcc: eve@example.org"}, nil},
		{"recipient not an address", lozere, func(m *Message) { m.To = "léa at example" }},
		{"two recipients", lozere, func(m *Message) { m.To = "lea@example.fr, eve@example.org" }},
		{"non-ASCII recipient address", lozere, func(m *Message) { m.To = "léa@example.fr" }},
		{"empty recipient", lozere, func(m *Message) { m.To = "" }},
		{"reply-to not an address", lozere, func(m *Message) { m.ReplyTo = "nobody" }},
		{"sender address with a name", netmail.Address{Name: "Lozère", Address: "X <entraide@lozere.localhost>"}, nil},
		{"empty sender address", netmail.Address{Name: "Lozère"}, nil},
		{"empty subject", lozere, func(m *Message) { m.Subject = " " }},
		{"subject too long", lozere, func(m *Message) { m.Subject = strings.Repeat("é", maxSubject+1) }},
		{"empty text", lozere, func(m *Message) { m.Text = "\n" }},
		{"text not UTF-8", lozere, func(m *Message) { m.Text = "caf\xe9" }},
		{"HTML not UTF-8", lozere, func(m *Message) { m.HTML = "<p>caf\xe9</p>" }},
		{"subject not UTF-8", lozere, func(m *Message) { m.Subject = "caf\xe9" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := ok
			if tc.mutate != nil {
				tc.mutate(&msg)
			}
			c, err := compose(tc.from, msg, when)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("compose = %v, %v; want ErrInvalidMessage", c, err)
			}
		})
	}
	if _, err := compose(lozere, ok, when); err != nil {
		t.Fatalf("the base message is refused: %v", err)
	}
}

func TestFrom(t *testing.T) {
	const deployment = "entraide@localhost"
	tests := []struct {
		name  string
		email tenant.Email
		want  netmail.Address
	}{
		{"defaults: portal name, deployment address", tenant.Email{}, netmail.Address{Name: "Lozère Entraidons-nous", Address: deployment}},
		{"portal's own address", tenant.Email{FromAddress: "entraide@lozere.fr"}, netmail.Address{Name: "Lozère Entraidons-nous", Address: "entraide@lozere.fr"}},
		{"portal's own name and address", tenant.Email{FromName: "Entraide 48", FromAddress: "entraide@lozere.fr"}, netmail.Address{Name: "Entraide 48", Address: "entraide@lozere.fr"}},
		{"blank name falls back", tenant.Email{FromName: "  "}, netmail.Address{Name: "Lozère Entraidons-nous", Address: deployment}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &tenant.Tenant{Slug: "lozere", Name: "Lozère Entraidons-nous", Email: tc.email}
			if got := From(p, deployment); got != tc.want {
				t.Errorf("From = %v, want %v", got, tc.want)
			}
		})
	}
	if got := From(nil, deployment); got != (netmail.Address{Address: deployment}) {
		t.Errorf("From(nil) = %v, want the deployment's address alone", got)
	}
}
