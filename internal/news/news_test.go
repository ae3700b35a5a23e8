package news_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// Accounts of each portal: 1 admin, 2 référent de territoire, 3 resident on
// alpha; on beta the same ids are all residents.
func newFixture(t *testing.T) (*news.Service, *testutil.Env, context.Context, context.Context) {
	t.Helper()
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := authz.New(authz.Options{DB: env.DB, EPCIOfCommune: atlas.EPCIOfCommune, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	alpha, beta := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	for _, ctx := range []context.Context{alpha, beta} {
		for _, name := range []string{"Agnès", "Théo", "Rémi"} {
			err := env.DB.Tx(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code)
VALUES ($1, $1, $2, 'x', '44109', '244400404')`, strings.ToLower(name)+"@exemple.fr", name)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	op := authz.OperatorActor("test")
	if err := a.Grant(alpha, op, 1, authz.RoleAdminDepartement, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Grant(alpha, op, 2, authz.RoleReferentTerritoire, []string{"244400404"}); err != nil {
		t.Fatal(err)
	}
	return news.New(env.DB, a, env.Registry.All()), env, alpha, beta
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPublish(t *testing.T) {
	svc, _, alpha, beta := newFixture(t)
	good := news.Draft{Kind: news.KindNews, Title: "Un atelier de cuisine", Body: "Rendez-vous **mardi** à la maison de quartier."}
	tests := []struct {
		name   string
		who    int64
		ctx    context.Context
		change func(*news.Draft)
		err    error
		field  string
	}{
		{"a référent writes news", 2, alpha, nil, nil, ""},
		{"the admin writes news", 1, alpha, nil, nil, ""},
		{"the admin pins an alert", 1, alpha, func(d *news.Draft) { d.Kind, d.AlertDays = news.KindAlert, 7 }, nil, ""},
		{"a référent may not pin an alert", 2, alpha, func(d *news.Draft) { d.Kind, d.AlertDays = news.KindAlert, 7 }, news.ErrForbidden, ""},
		{"a resident may not write news", 3, alpha, nil, news.ErrForbidden, ""},
		{"the same account on another portal may not", 1, beta, nil, news.ErrForbidden, ""},
		{"an alert needs a length", 1, alpha, func(d *news.Draft) { d.Kind = news.KindAlert }, nil, "days"},
		{"a short title", 2, alpha, func(d *news.Draft) { d.Title = "Hop" }, nil, "title"},
		{"money where services are free", 2, alpha, func(d *news.Draft) { d.Body = "Atelier à 10 € la séance." }, nil, "body"},
		{"a picture", 2, alpha, func(d *news.Draft) { d.Image, d.ImageAlt = pngBytes(t), "Des légumes sur une table" }, nil, ""},
		{"a picture without description", 2, alpha, func(d *news.Draft) { d.Image = pngBytes(t) }, nil, "image_alt"},
		{"an SVG is not a picture we keep", 2, alpha, func(d *news.Draft) {
			d.Image, d.ImageAlt = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "Un dessin"
		}, nil, "image"},
		{"a picture too big", 2, alpha, func(d *news.Draft) {
			d.Image, d.ImageAlt = append(pngBytes(t), make([]byte, news.MaxImage)...), "Trop lourde"
		}, nil, "image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			if tc.change != nil {
				tc.change(&d)
			}
			it, err := svc.Publish(tc.ctx, tc.who, d)
			var fe invalid.Fields
			var refused *rules.Refused
			switch {
			case tc.field != "":
				onField := errors.As(err, &fe) && fe[tc.field] != ""
				if errors.As(err, &refused) {
					for _, fd := range refused.Findings {
						onField = onField || fd.Field == tc.field
					}
				}
				if !onField {
					t.Fatalf("err = %v, want an error on %s", err, tc.field)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case it.ID == 0 || it.AuthorName == "" || (len(d.Image) > 0) != it.HasImage:
				t.Fatalf("item %+v", it)
			}
		})
	}
}

// Alerts stay on top while in force; the feed and pictures are each
// portal's own; the Atom feed reads back.
func TestFeed(t *testing.T) {
	svc, env, alpha, beta := newFixture(t)
	for _, d := range []news.Draft{
		{Kind: news.KindAlert, Title: "Plan grand froid", Body: "Appelez le 115 si vous voyez une personne dehors.", AlertDays: 10},
		{Kind: news.KindNews, Title: "Un atelier de cuisine", Body: "Rendez-vous **mardi**.", Image: pngBytes(t), ImageAlt: "Une table dressée"},
		{Kind: news.KindNews, Title: "Nouveaux référents", Body: "Bienvenue à Théo, à Rezé & à <Nantes>."},
	} {
		if _, err := svc.Publish(alpha, 1, d); err != nil {
			t.Fatal(err)
		}
	}
	items, total, err := svc.List(alpha, 10, 0)
	if err != nil || total != 3 || items[0].Title != "Plan grand froid" || items[1].Title != "Nouveaux référents" {
		t.Fatalf("feed: %d %v %v", total, titles(items), err)
	}
	// Once expired, the alert is an ordinary item, in date order.
	err = env.DB.Tx(alpha, func(tx pgx.Tx) error {
		_, err := tx.Exec(alpha, `UPDATE news SET expires_at = now() - interval '1 minute' WHERE kind = 'alerte'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if items, _, _ = svc.List(alpha, 10, 0); items[0].Title != "Nouveaux référents" || items[2].Title != "Plan grand froid" {
		t.Errorf("after the alert expired: %v", titles(items))
	}
	if items, total, _ := svc.List(beta, 10, 0); total != 0 || len(items) != 0 {
		t.Errorf("beta sees alpha's news: %v", titles(items))
	}
	ct, data, err := svc.Image(alpha, 2)
	if err != nil || ct != "image/png" || !bytes.Equal(data, pngBytes(t)) {
		t.Errorf("picture: %s %d bytes %v", ct, len(data), err)
	}
	if _, _, err := svc.Image(beta, 2); !errors.Is(err, news.ErrNotFound) {
		t.Errorf("beta reads alpha's picture: %v", err)
	}

	var b bytes.Buffer
	if err := news.WriteAtom(&b, news.Feed{Title: "Alpha : actualités", Host: "alpha.localhost", BaseURL: "https://alpha.localhost",
		Author: "Portail alpha", Since: 2026}, items); err != nil {
		t.Fatal(err)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Self    []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Author  string `xml:"author>name"`
			Content struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b.Bytes(), &feed); err != nil {
		t.Fatalf("atom does not parse: %v\n%s", err, b.String())
	}
	if feed.ID != "tag:alpha.localhost,2026:actualites" || feed.Title == "" || feed.Updated == "" || len(feed.Entries) != 3 ||
		feed.Self[0].Rel != "self" {
		t.Fatalf("feed: %+v", feed)
	}
	for _, e := range feed.Entries {
		if !strings.HasPrefix(e.ID, "tag:alpha.localhost,2026:actualites/") || e.Title == "" || e.Updated == "" || e.Author != "Agnès" || e.Content.Type != "html" {
			t.Errorf("entry %+v", e)
		}
	}
	if c := feed.Entries[0].Content.Body; !strings.Contains(c, "&lt;Nantes&gt;") || !strings.Contains(c, "&amp;") {
		t.Errorf("content not escaped HTML: %q", c)
	}
}

func titles(items []news.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}
