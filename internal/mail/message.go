package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// maxSubject keeps subjects readable in a list of mail and, with
	// folding, every header line far below RFC 5322's 998 characters.
	maxSubject = 250
	// foldAt is RFC 5322's recommended line length for headers.
	foldAt = 78
	// maxLine is RFC 5322's hard limit, CRLF excluded.
	maxLine = 998
)

// composed is a message ready for the wire: its SMTP envelope and its bytes.
type composed struct {
	envelopeFrom string // bare address, for MAIL FROM
	envelopeTo   string // bare address, for RCPT TO
	messageID    string
	data         []byte // RFC 5322, CRLF line endings, 7-bit clean
}

// compose validates msg and from and builds the message. Every failure
// wraps ErrInvalidMessage: nothing about the message will change on retry.
//
// Header injection is impossible by construction: every header value is
// refused if it holds a line break or another control character, addresses
// must parse with net/mail, and every header is written from parsed values
// (net/mail formats addresses, mime encodes non-ASCII text), never copied.
func compose(from netmail.Address, msg Message, now time.Time) (*composed, error) {
	if err := headerText("sender name", from.Name); err != nil {
		return nil, err
	}
	sender, err := bareAddress("sender address", from.Address)
	if err != nil {
		return nil, err
	}
	to, replyTo, err := checkMessage(msg)
	if err != nil {
		return nil, err
	}

	c := &composed{
		envelopeFrom: sender,
		envelopeTo:   to.Address,
		// The random part is 128 bits (crypto/rand.Text), so two messages
		// never share an id; the domain is the sender's, as RFC 5322 advises.
		messageID: "<" + rand.Text() + "@" + sender[strings.LastIndexByte(sender, '@')+1:] + ">",
	}
	var b bytes.Buffer
	var headerErr error
	header := func(name, value string) {
		line := fold(name + ": " + value)
		for l := range strings.SplitSeq(line, "\r\n") {
			if len(l) > maxLine && headerErr == nil {
				headerErr = invalidf("%s header longer than %d characters", name, maxLine)
			}
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	// Address.String quotes or encodes the display name as RFC 5322 and
	// RFC 2047 require (Q-encoding, or B-encoding when the name holds
	// characters an encoded word in a phrase may not).
	header("From", (&netmail.Address{Name: from.Name, Address: sender}).String())
	header("To", to.String())
	if replyTo != nil {
		header("Reply-To", replyTo.String())
	}
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", c.messageID)
	// Automatic mail (RFC 3834): well-behaved autoresponders do not answer
	// it, which avoids loops with out-of-office replies.
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	if headerErr != nil {
		return nil, headerErr
	}

	textHeader := textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	if msg.HTML == "" {
		for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
			header(k, textHeader.Get(k))
		}
		b.WriteString("\r\n")
		if err := writeQP(&b, msg.Text); err != nil {
			return nil, err
		}
		c.data = b.Bytes()
		return c, nil
	}

	// Plain text first, HTML last: clients show the last alternative they
	// understand (RFC 2046 5.1.4).
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	htmlHeader := textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	for _, p := range []struct {
		h    textproto.MIMEHeader
		body string
	}{{textHeader, msg.Text}, {htmlHeader, msg.HTML}} {
		w, err := mw.CreatePart(p.h)
		if err != nil {
			return nil, fmt.Errorf("mail: build part: %w", err)
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mail: build message: %w", err)
	}
	c.data = b.Bytes()
	return c, nil
}

// writeQP writes body quoted-printable encoded, which keeps the message
// 7-bit clean and its lines short whatever the text. Line endings are
// normalised first (the encoder turns each "\n" into CRLF) and the body
// ends with one, as the last line of a message should.
func writeQP(w io.Writer, body string) error {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qw := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qw, body); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qw.Close(); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	return nil
}

// fold breaks a header line at spaces so that lines stay within foldAt
// characters where a space allows it. Unfolding (removing each CRLF that
// precedes a space) gives the line back unchanged.
func fold(line string) string {
	if len(line) <= foldAt {
		return line
	}
	var out strings.Builder
	words := strings.Split(line, " ")
	cur := words[0]
	for i, w := range words[1:] {
		// Never leave a line made only of white space (RFC 5322 3.2.2),
		// nor the header's name alone: some clients show an empty value.
		if len(cur)+1+len(w) > foldAt && strings.TrimSpace(cur) != "" && i > 0 {
			out.WriteString(cur)
			out.WriteString("\r\n")
			cur = " " + w
			continue
		}
		cur += " " + w
	}
	out.WriteString(cur)
	return out.String()
}

// checkMessage validates what the caller wrote and returns the parsed
// recipient and reply-to (nil when there is none).
func checkMessage(msg Message) (to, replyTo *netmail.Address, err error) {
	if to, err = address("recipient", msg.To); err != nil {
		return nil, nil, err
	}
	if msg.ReplyTo != "" {
		if replyTo, err = address("reply-to", msg.ReplyTo); err != nil {
			return nil, nil, err
		}
	}
	if err := headerText("subject", msg.Subject); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(msg.Subject) == "" {
		return nil, nil, invalidf("empty subject")
	}
	if n := utf8.RuneCountInString(msg.Subject); n > maxSubject {
		return nil, nil, invalidf("subject of %d characters, at most %d", n, maxSubject)
	}
	if strings.TrimSpace(msg.Text) == "" {
		return nil, nil, invalidf("empty text body")
	}
	if !utf8.ValidString(msg.Text) || !utf8.ValidString(msg.HTML) {
		return nil, nil, invalidf("body is not valid UTF-8")
	}
	return to, replyTo, nil
}

// headerText refuses what would break out of a header or hide in one:
// line breaks (header injection), other control characters and invalid
// UTF-8.
func headerText(field, s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return invalidf("%s contains a line break", field)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return invalidf("%s contains the control character %U", field, r)
		}
	}
	return nil
}

// address parses one recipient, with or without a display name.
func address(field, s string) (*netmail.Address, error) {
	if err := headerText(field, s); err != nil {
		return nil, err
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, invalidf("%s %q is not an email address: %v", field, s, err)
	}
	if err := headerText(field+" name", a.Name); err != nil {
		return nil, err
	}
	if !isASCII(a.Address) {
		// The address goes into the SMTP envelope; sending it as UTF-8
		// needs the SMTPUTF8 extension, which not every server has.
		return nil, invalidf("%s %q: only ASCII addresses are supported", field, a.Address)
	}
	return a, nil
}

// bareAddress checks an address that must be given without a display name.
func bareAddress(field, s string) (string, error) {
	a, err := address(field, s)
	if err != nil {
		return "", err
	}
	if a.Name != "" || a.Address != s {
		return "", invalidf("%s %q must be a bare address such as entraide@example.fr", field, s)
	}
	return a.Address, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// randomHex returns n random bytes in hex. crypto/rand.Read never fails
// (since Go 1.24 it crashes the program rather than return an error).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
