package mail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/tenant"
)

// slogTo returns a logger writing one text line per record to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}

// newOutbox returns an outbox in a fresh directory whose clock advances a
// millisecond per message, so order is deterministic.
func newOutbox(t *testing.T, log *slog.Logger) *Outbox {
	t.Helper()
	o, err := NewOutbox(filepath.Join(t.TempDir(), "outbox"), log)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	o.now = func() time.Time {
		clock = clock.Add(time.Millisecond)
		return clock
	}
	return o
}

func TestOutboxKeepsPortalsApart(t *testing.T) {
	var logs strings.Builder
	o := newOutbox(t, slogTo(&logs))
	ctx := context.Background()
	alpha := netmail.Address{Name: "Lozère Entraidons-nous", Address: "entraide@alpha.example"}
	beta := netmail.Address{Name: "Portail beta", Address: "entraide@localhost"}
	sends := []struct {
		slug    tenant.Slug
		from    netmail.Address
		subject string
	}{
		{"alpha", alpha, "alpha 1"},
		{"beta", beta, "beta 1"},
		{"alpha", alpha, "alpha 2 — réunion"},
		{"alpha", alpha, "alpha 3"},
		{"beta", beta, "beta 2"},
	}
	for _, s := range sends {
		msg := Message{To: "Léa <lea@example.fr>", Subject: s.subject, Text: "Bonjour,\ncorps de « " + s.subject + " ».\n.\n"}
		if err := o.Send(ctx, s.slug, s.from, msg); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != len(sends) {
		t.Errorf("%d log lines for %d messages:\n%s", n, len(sends), logs.String())
	}

	list := func(slug tenant.Slug, limit int) []Entry {
		t.Helper()
		es, err := o.List(ctx, slug, limit)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	subjects := func(es []Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Subject)
		}
		return strings.Join(s, " | ")
	}
	tests := []struct {
		slug  tenant.Slug
		limit int
		want  string
	}{
		{"alpha", 0, "alpha 3 | alpha 2 — réunion | alpha 1"}, // newest first
		{"beta", 0, "beta 2 | beta 1"},
		{"alpha", 2, "alpha 3 | alpha 2 — réunion"},
		{"gamma", 0, ""}, // nothing sent yet
	}
	for _, tc := range tests {
		if got := subjects(list(tc.slug, tc.limit)); got != tc.want {
			t.Errorf("List(%s, %d) = %q, want %q", tc.slug, tc.limit, got, tc.want)
		}
	}

	alphas, betas := list("alpha", 0), list("beta", 0)
	e := alphas[1]
	if e.From != "Lozère Entraidons-nous <entraide@alpha.example>" || e.To != "Léa <lea@example.fr>" {
		t.Errorf("entry From %q, To %q; want the decoded headers", e.From, e.To)
	}
	if !e.Time.Equal(time.Date(2025, 3, 14, 9, 0, 0, 3_000_000, time.UTC)) {
		t.Errorf("entry Time = %v, want the third message's", e.Time)
	}
	if e.Text != "" {
		t.Errorf("List filled Text: %q", e.Text)
	}

	got, err := o.Read(ctx, "alpha", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Bonjour,\ncorps de « alpha 2 — réunion ».\n.\n"; got.Text != want || got.Subject != e.Subject || got.ID != e.ID {
		t.Errorf("Read = %+v, want the decoded text %q", got, want)
	}

	// A portal cannot read another's message, even knowing its id.
	if _, err := o.Read(ctx, "alpha", betas[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("alpha reading beta's message: %v, want ErrNotFound", err)
	}
	if _, err := o.Read(ctx, "gamma", betas[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("gamma reading beta's message: %v, want ErrNotFound", err)
	}

	// Only the generated file-name pattern is an id.
	for _, id := range []string{
		"../beta/" + betas[0].ID,
		"..",
		"../../../../etc/passwd",
		"",
		".",
		betas[0].ID + ".eml",
		"/" + e.ID,
		e.ID + "/",
		strings.ToUpper(e.ID),
		".tmp-" + e.ID,
		e.ID + "\x00",
	} {
		if _, err := o.Read(ctx, "alpha", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Read(alpha, %q) = %v, want ErrNotFound", id, err)
		}
	}
	// Nor is a slug anything but a slug.
	for _, slug := range []tenant.Slug{"../beta", "..", "", "alpha/../beta", "Beta"} {
		if _, err := o.Read(ctx, slug, betas[0].ID); err == nil {
			t.Errorf("Read(%q, beta's id) succeeded", slug)
		}
		if es, err := o.List(ctx, slug, 0); err == nil {
			t.Errorf("List(%q) = %v, want an error", slug, es)
		}
		if err := o.Send(ctx, slug, beta, Message{To: "a@example.fr", Subject: "s", Text: "t"}); err == nil {
			t.Errorf("Send(%q) succeeded", slug)
		}
	}
}

func TestOutboxPermissions(t *testing.T) {
	o := newOutbox(t, slogTo(io.Discard))
	if err := o.Send(context.Background(), "alpha", lozere, Message{To: "lea@example.fr", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	es, err := o.List(context.Background(), "alpha", 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("List = %v, %v", es, err)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{
		{o.Dir(), 0o700 | os.ModeDir},
		{filepath.Join(o.Dir(), "alpha"), 0o700 | os.ModeDir},
		{filepath.Join(o.Dir(), "alpha", es[0].ID+".eml"), 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.want {
			t.Errorf("%s has mode %v, want %v", c.path, fi.Mode(), c.want)
		}
	}
	// Nothing but the message is left behind (no temporary file).
	names, err := os.ReadDir(filepath.Join(o.Dir(), "alpha"))
	if err != nil || len(names) != 1 {
		t.Errorf("alpha's directory holds %v (%v), want one file", names, err)
	}
}

func TestOutboxRefusesInvalidMessages(t *testing.T) {
	o := newOutbox(t, slogTo(io.Discard))
	err := o.Send(context.Background(), "alpha", lozere, Message{To: "lea@example.fr\r\nBcc: eve@example.org", Subject: "s", Text: "t"})
	if !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Send = %v, want ErrInvalidMessage", err)
	}
	if es, err := o.List(context.Background(), "alpha", 0); err != nil || len(es) != 0 {
		t.Errorf("List after a refused message = %v, %v; want nothing", es, err)
	}
}

func TestOutboxReadsHTML(t *testing.T) {
	o := newOutbox(t, slogTo(io.Discard))
	msg := Message{To: "lea@example.fr", Subject: "s", Text: "texte é\n", HTML: "<p>html é</p>\n"}
	if err := o.Send(context.Background(), "alpha", lozere, msg); err != nil {
		t.Fatal(err)
	}
	es, err := o.List(context.Background(), "alpha", 1)
	if err != nil || len(es) != 1 {
		t.Fatalf("List = %v, %v", es, err)
	}
	e, err := o.Read(context.Background(), "alpha", es[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Text != msg.Text || e.HTML != msg.HTML {
		t.Errorf("Read = text %q, HTML %q; want %q, %q", e.Text, e.HTML, msg.Text, msg.HTML)
	}
}
