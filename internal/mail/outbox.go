package mail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/tenant"
)

// ErrNotFound means the outbox holds no message with that id for that
// portal, or the id is not one the outbox could have made.
var ErrNotFound = errors.New("mail: no such message in the outbox")

const (
	// idTimeLayout starts every id: fixed width and UTC, so that ids sort
	// by time as strings.
	idTimeLayout = "20060102T150405.000000000Z"
	// defaultListLimit bounds List when the caller gives no limit.
	defaultListLimit = 100
)

// idPattern is the only id Read and List accept: what Send generates. It
// leaves no room for "/", ".." or any other way out of a portal's directory.
var idPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{16}$`)

// Outbox is the development Sender: it writes each message, exactly as it
// would go on the wire, to <dir>/<slug>/<id>.eml (files 0600, directories
// 0700: messages hold confirmation and reset links), and logs one line per
// message. List and Read serve a dev-only page; both take the portal, and
// a portal only ever reads its own directory.
type Outbox struct {
	dir string
	log *slog.Logger
	now func() time.Time
}

// Entry is one message in the outbox. List fills the headers; Read also
// fills Text and HTML, decoded.
type Entry struct {
	ID      string
	Time    time.Time
	From    string
	To      string
	Subject string
	// Text is the plain-text body with "\n" line endings.
	Text string
	// HTML is the HTML alternative, if any, as the sender wrote it. It is
	// untrusted markup: show it as text, or in a sandboxed frame.
	HTML string
}

// NewOutbox returns an outbox writing under dir, which it creates.
func NewOutbox(dir string, log *slog.Logger) (*Outbox, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("mail: outbox: no directory (outbox_dir)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	return &Outbox{dir: dir, log: log, now: time.Now}, nil
}

// Dir is the directory the outbox writes under.
func (o *Outbox) Dir() string { return o.dir }

// Send writes the message to the portal's directory. It refuses exactly
// what the SMTP sender refuses, so development shows the same errors.
func (o *Outbox) Send(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if !slug.Valid() {
		return fmt.Errorf("mail: outbox: invalid portal slug %q", slug)
	}
	now := o.now()
	c, err := compose(from, msg, now)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	defer root.Close()
	if err := root.Mkdir(string(slug), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	// Everything below goes through a Root on the portal's directory:
	// nothing, not even a symbolic link, leads out of it.
	sub, err := root.OpenRoot(string(slug))
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	defer sub.Close()

	id := now.UTC().Format(idTimeLayout) + "-" + randomHex(8)
	// Written under a temporary name, then renamed: List never sees half
	// a message, and the temporary name does not match idPattern.
	tmp := ".tmp-" + id
	if err := writeFile(sub, tmp, c.data); err != nil {
		if rerr := sub.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := sub.Rename(tmp, id+".eml"); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	o.log.Info("mail: written to the outbox", "tenant", slug, "to", c.envelopeTo, "subject", msg.Subject,
		"file", filepath.Join(o.dir, string(slug), id+".eml"))
	return nil
}

func writeFile(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close() //nolint:errcheck // the write error is the one to report
		return err
	}
	return f.Close()
}

// List returns the portal's messages, newest first, at most limit of them
// (limit < 1: 100). Text and HTML are left empty; Read fills them.
func (o *Outbox) List(ctx context.Context, slug tenant.Slug, limit int) ([]Entry, error) {
	if limit < 1 {
		limit = defaultListLimit
	}
	sub, err := o.portalDir(slug)
	if errors.Is(err, fs.ErrNotExist) {
		return []Entry{}, nil // nothing sent yet
	}
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	d, err := sub.Open(".")
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close() //nolint:errcheck // read-only directory handle; Readdirnames' error is the one that matters
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		if id, ok := strings.CutSuffix(n, ".eml"); ok && idPattern.MatchString(id) {
			ids = append(ids, id)
		}
	}
	// Ids start with a fixed-width UTC time: the greatest is the newest.
	slices.Sort(ids)
	slices.Reverse(ids)
	ids = ids[:min(limit, len(ids))]
	entries := make([]Entry, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("mail: outbox: %w", err)
		}
		e, err := readEntry(sub, id, false)
		if err != nil {
			return nil, fmt.Errorf("mail: outbox: %s/%s: %w", slug, id, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Read returns one of the portal's messages with its decoded bodies. An id
// that is malformed, or that belongs to another portal, is ErrNotFound.
func (o *Outbox) Read(ctx context.Context, slug tenant.Slug, id string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, fmt.Errorf("mail: outbox: %w", err)
	}
	if !idPattern.MatchString(id) {
		return Entry{}, fmt.Errorf("%w: malformed id %q", ErrNotFound, id)
	}
	sub, err := o.portalDir(slug)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, fmt.Errorf("%w: %s has no messages", ErrNotFound, slug)
	}
	if err != nil {
		return Entry{}, err
	}
	defer sub.Close()
	e, err := readEntry(sub, id, true)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, fmt.Errorf("%w: %s/%s", ErrNotFound, slug, id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mail: outbox: %s/%s: %w", slug, id, err)
	}
	return e, nil
}

// portalDir opens the portal's directory as a Root. The slug is checked
// first: a valid slug is a single, plain path element.
func (o *Outbox) portalDir(slug tenant.Slug) (*os.Root, error) {
	if !slug.Valid() {
		return nil, fmt.Errorf("mail: outbox: invalid portal slug %q", slug)
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	defer root.Close()
	sub, err := root.OpenRoot(string(slug))
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	return sub, nil
}

// readEntry parses a stored message: its headers, and its bodies when
// withBody is set.
func readEntry(dir *os.Root, id string, withBody bool) (Entry, error) {
	f, err := dir.Open(id + ".eml")
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	m, err := netmail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		return Entry{}, err
	}
	t, err := time.Parse(idTimeLayout, id[:len(idTimeLayout)])
	if err != nil {
		return Entry{}, err
	}
	e := Entry{ID: id, Time: t}
	dec := new(mime.WordDecoder)
	for _, h := range []struct {
		name string
		dst  *string
	}{{"From", &e.From}, {"To", &e.To}, {"Subject", &e.Subject}} {
		if *h.dst, err = dec.DecodeHeader(m.Header.Get(h.name)); err != nil {
			return Entry{}, fmt.Errorf("header %s: %w", h.name, err)
		}
	}
	if withBody {
		if e.Text, e.HTML, err = decodeBody(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// decodeBody returns the text and HTML bodies of a single-part or
// multipart/alternative message, decoded, with "\n" line endings.
func decodeBody(contentType, encoding string, body io.Reader) (text, html string, err error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", "", fmt.Errorf("Content-Type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		s, err := decodePart(encoding, body)
		if mediaType == "text/html" {
			return "", s, err
		}
		return s, "", err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		// NextRawPart leaves the transfer encoding to decodePart, which
		// knows the one this package writes and base64 besides.
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return text, html, nil
		}
		if err != nil {
			return "", "", fmt.Errorf("multipart: %w", err)
		}
		partType, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			return "", "", fmt.Errorf("part Content-Type: %w", err)
		}
		s, err := decodePart(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			return "", "", err
		}
		switch partType {
		case "text/plain":
			text = s
		case "text/html":
			html = s
		}
	}
}

func decodePart(encoding string, r io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	case "", "7bit", "8bit":
	default:
		return "", fmt.Errorf("unknown Content-Transfer-Encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode body: %w", err)
	}
	return string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))), nil
}
