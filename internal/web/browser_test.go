package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/theme"
	"github.com/jackc/pgx/v5"
)

// chromium finds Debian's Chromium (make test installs it). Without it the
// browser tests are skipped, loudly.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ENTRAIDE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("\n\n*** BROWSER TESTS SKIPPED: Chromium is not installed (make test installs it with apt-get: `apt-get install -y chromium`). ***\n")
	return ""
}

// browserCtx starts a headless Chromium with the flags this machine needs
// (no sandbox as root, no background traffic to the closed network).
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	return browserCtxFor(t, 90*time.Second)
}

// browserCtxFor is browserCtx for a test that needs longer than 90 s.
func browserCtxFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1024, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// shippedPortal is a demo portal from tenants/, as make run serves it.
func shippedPortal(t *testing.T, slug string) *tenant.Tenant {
	t.Helper()
	themes, err := theme.LoadDir("../../themes")
	if err != nil {
		t.Fatal(err)
	}
	all, err := tenant.LoadDir("../../tenants", themes.Has)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if string(p.Slug) == slug {
			return p
		}
	}
	t.Fatalf("no shipped portal %s", slug)
	return nil
}

// serveOnPort serves the fixture on a real port of the loopback, for the
// browser, until the test ends, and returns the port.
func serveOnPort(t *testing.T, f *fixture) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f.server.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// screenshot keeps a picture of the page under build/screenshots/, for
// people to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The loop, in a real browser on calvados.localhost, by clicking
// and typing only (no JavaScript is needed by the pages): a resident posts
// a request, a second account answers, they talk, the author says who helps
// and marks it done.
func TestBrowserHelpLoopOnCalvados(t *testing.T) {
	ctx := browserCtx(t)
	f := newFixtureFor(t, nil, shippedPortal(t, "calvados"))
	port := serveOnPort(t, f)
	home := "http://calvados.localhost:" + port

	// Two confirmed residents, registered through the service as the form
	// would (the form itself is covered by the HTTP tests).
	pctx := f.env.Ctx(t, "calvados")
	for _, p := range []struct{ name, email string }{{"Léa", "lea@exemple.fr"}, {"Paul", "paul@exemple.fr"}} {
		if _, err := f.deps.Accounts.Register(pctx, account.RegisterInput{DisplayName: p.name, Email: p.email,
			Password: "un mot de passe bien long", CommuneCode: "14118", Locale: "fr"}, home); err != nil {
			t.Fatal(err)
		}
		link := jeton.FindStringSubmatch(f.mailTo(t, "calvados", p.email))
		if _, err := f.deps.Accounts.Confirm(pctx, link[1]); err != nil {
			t.Fatal(err)
		}
	}

	type step = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	login := func(email string) []step {
		return []step{
			chromedp.Navigate(home + "/connexion"),
			chromedp.SendKeys(css("#champ-email"), email),
			chromedp.SendKeys(css("#champ-password"), "un mot de passe bien long"),
			chromedp.Click(css(`main button[type=submit]`)),
			chromedp.WaitVisible(css(`a[href="/compte"]`)),
		}
	}
	logout := []step{
		chromedp.Click(css(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(css(`a[href="/connexion"]`)),
	}
	do := func(what string, groups ...[]step) {
		t.Helper()
		var all []step
		for _, g := range groups {
			all = append(all, g...)
		}
		if err := chromedp.Do(ctx, all...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	page := func() string {
		t.Helper()
		text, err := chromedp.Run(ctx, chromedp.Text(css("main")))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// Headless Chromium asks for English; the person picks French once
	// with the language switch, and the choice is remembered.
	do("choosing French", []step{chromedp.Navigate(home + "/?lang=fr")})

	// Léa posts a request.
	do("posting", login("lea@exemple.fr"), []step{
		chromedp.Navigate(home + "/annonces/nouvelle?type=demande"),
		chromedp.SetValue(css(`#champ-category`), "courses"),
		chromedp.SendKeys(css(`#champ-title`), "Courses au marché de Caen"),
		chromedp.SendKeys(css(`#champ-description`), "Je ne peux plus porter mes sacs. Qui peut m'accompagner le vendredi ?"),
		chromedp.Click(css(`#mode-sur_place`)),
		chromedp.Click(css(`#when-regulier`)),
		chromedp.SendKeys(css(`#champ-recurrence`), "le vendredi matin"),
		chromedp.Submit(css(`#champ-title`)),
		chromedp.WaitVisible(css(`.notice`)),
	})
	if text := page(); !strings.Contains(text, "Votre annonce est publiée") || !strings.Contains(text, "le vendredi matin") {
		t.Fatalf("post page:\n%s", text)
	}
	screenshot(t, ctx, "calvados-post")
	postPath := regexp.MustCompile(`/annonces/[0-9]+`).FindString(location())

	// Paul finds it and answers.
	do("answering", logout, login("paul@exemple.fr"), []step{
		chromedp.Navigate(home + "/annonces?q=marche"),
		chromedp.Click(css(`a[href="` + postPath + `"]`)),
		chromedp.WaitVisible(css(`#message`)),
		chromedp.SendKeys(css(`#message`), "Bonjour Léa, je vais au marché le vendredi, je peux vous aider."),
		chromedp.Submit(css(`#message`)),
		chromedp.WaitVisible(css(`.messages`)),
	})
	if text := page(); !strings.Contains(text, "je peux vous aider") {
		t.Fatalf("conversation page:\n%s", text)
	}
	convPath := regexp.MustCompile(`/messages/[0-9]+`).FindString(location())

	// Léa reads, answers, says Paul helps, and marks it done with thanks.
	do("talking", logout, login("lea@exemple.fr"), []step{
		chromedp.Navigate(home + "/messages"),
		chromedp.Click(css(`a[href="` + convPath + `"]`)),
		chromedp.WaitVisible(css(`#champ-body`)),
		chromedp.SendKeys(css(`#champ-body`), "Merci Paul ! Rendez-vous vendredi à 9 h devant la halle."),
		chromedp.Submit(css(`#champ-body`)),
		chromedp.WaitVisible(css(`.message.mine`)),
		chromedp.Submit(css(`form[action="` + convPath + `/aidant"] button`)),
		chromedp.WaitVisible(css(`.notice`)),
	})
	if text := page(); !strings.Contains(text, "Rendez-vous vendredi") || !strings.Contains(text, "en cours") {
		t.Fatalf("conversation after choosing the helper:\n%s", text)
	}
	screenshot(t, ctx, "calvados-conversation")
	do("closing", []step{
		chromedp.Navigate(home + postPath),
		chromedp.SendKeys(css(`#merci`), "Merci Paul pour les courses !"),
		chromedp.Submit(css(`#merci`)),
		chromedp.WaitVisible(css(`.thanks`)),
	})
	if text := page(); !strings.Contains(text, "Réalisée") || !strings.Contains(text, "Merci Paul pour les courses") {
		t.Fatalf("done post:\n%s", text)
	}
	screenshot(t, ctx, "calvados-done")
	do("home", []step{chromedp.Navigate(home + "/")})
	if text := page(); !strings.Contains(text, "1 coup de main donné") {
		t.Fatalf("home page:\n%s", text)
	}
}

// A référent de territoire of Nantes Métropole on Tous voisins 44 clears
// their queue in the browser: a post held for approval, one to hide, one
// reported that stays. The post waiting in the neighbouring EPCI (CC
// d'Erdre et Gesvres) never shows, and its page is refused.
func TestBrowserReferentClearsQueue(t *testing.T) {
	ctx := browserCtx(t)
	portal := shippedPortal(t, "tousvoisins44")
	portal.Rules.Premoderation = true
	f := newFixtureFor(t, nil, portal)
	port := serveOnPort(t, f)
	home := "http://tousvoisins44.localhost:" + port

	pctx := f.env.Ctx(t, "tousvoisins44")
	ids := map[string]int64{}
	for _, p := range []struct{ name, email, commune string }{
		{"Théo", "theo@exemple.fr", "44109"}, {"Aurore", "aurore@exemple.fr", "44143"}, {"Rémi", "remi@exemple.fr", "44109"},
	} {
		u, err := f.deps.Accounts.Register(pctx, account.RegisterInput{DisplayName: p.name, Email: p.email,
			Password: "un mot de passe bien long", CommuneCode: p.commune, Locale: "fr"}, home)
		if err != nil {
			t.Fatal(err)
		}
		link := jeton.FindStringSubmatch(f.mailTo(t, "tousvoisins44", p.email))
		if _, err := f.deps.Accounts.Confirm(pctx, link[1]); err != nil {
			t.Fatal(err)
		}
		ids[p.name] = u.ID
	}
	if err := f.deps.Authz.Grant(pctx, authz.OperatorActor("test"), ids["Théo"], authz.RoleReferentTerritoire, []string{"244400404"}); err != nil {
		t.Fatal(err)
	}
	post := func(title, commune string) help.Post {
		p, err := f.deps.Help.Create(pctx, ids["Aurore"], help.Draft{Kind: help.KindRequest, Category: "courses", Title: title,
			Description: "J'ai besoin d'un coup de main, merci beaucoup à vous.", CommuneCode: commune,
			Modes: []string{"sur_place"}, WhenKind: "souple"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	toPublish := post("Courses du samedi à Rezé", "44143")
	toHide := post("Appelez-moi au 06 12 34 56 78", "44109")
	reported := post("Sortie au parc de Procé", "44109")
	neighbour := post("Courses à Casson", "44027")
	// The reported post was published earlier by an admin.
	if err := f.deps.Moderation.Decide(pctx, 0, moderation.Decision{}, home); err == nil {
		t.Fatal("an anonymous decision was accepted")
	}
	err := f.env.DB.Tx(pctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(pctx, `UPDATE posts SET visibility = 'visible', queued_at = NULL WHERE id = $1`, reported.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.deps.Reports.Report(pctx, ids["Rémi"], "post", reported.ID, "autre", "Je ne suis pas sûr que ce soit gratuit."); err != nil {
		t.Fatal(err)
	}

	type step = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(what string, steps ...step) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	page := func() string {
		t.Helper()
		text, err := chromedp.Run(ctx, chromedp.Text(css("main")))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	itemLink := func(p help.Post) string { return fmt.Sprintf(`a[href="/moderation/annonce/%d"]`, p.ID) }

	do("signing in",
		chromedp.Navigate(home+"/connexion?lang=fr"),
		chromedp.SendKeys(css("#champ-email"), "theo@exemple.fr"),
		chromedp.SendKeys(css("#champ-password"), "un mot de passe bien long"),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`a[href="/moderation"]`)),
		chromedp.Click(css(`a[href="/moderation"]`)),
		chromedp.WaitVisible(css(`ol.queue`)),
	)
	text := page()
	if !strings.Contains(text, "3 textes attendent un référent") || strings.Contains(text, "Casson") {
		t.Fatalf("queue:\n%s", text)
	}
	screenshot(t, ctx, "tousvoisins44-moderation-queue")

	do("publishing",
		chromedp.Click(css(itemLink(toPublish))),
		chromedp.WaitVisible(css(`#decision-approve button`)),
		chromedp.Submit(css(`#decision-approve button`)),
		chromedp.WaitVisible(css(`.notice`)),
	)
	do("hiding",
		chromedp.Click(css(itemLink(toHide))),
		chromedp.WaitVisible(css(`#champ-hide-reason`)),
	)
	screenshot(t, ctx, "tousvoisins44-moderation-item")
	do("hiding",
		chromedp.SendKeys(css(`#champ-hide-reason`), "Pas de numéro de téléphone dans une annonce : utilisez la messagerie."),
		chromedp.Submit(css(`#champ-hide-reason`)),
		chromedp.WaitVisible(css(`.notice`)),
	)
	do("keeping the reported post",
		chromedp.Click(css(itemLink(reported))),
		chromedp.WaitVisible(css(`#decision-approve button`)),
	)
	if text := page(); !strings.Contains(text, "Je ne suis pas sûr que ce soit gratuit") || !strings.Contains(text, "1 signalement") {
		t.Fatalf("reported item:\n%s", text)
	}
	do("keeping the reported post",
		chromedp.Submit(css(`#decision-approve button`)),
		chromedp.WaitVisible(css(`.notice`)),
	)
	if text := page(); !strings.Contains(text, "Rien à relire") {
		t.Fatalf("queue after the decisions:\n%s", text)
	}
	screenshot(t, ctx, "tousvoisins44-moderation-done")

	// The neighbouring EPCI's post is out of reach, even by its address,
	// and still waits for its own référent.
	do("trying the neighbour's post", chromedp.Navigate(fmt.Sprintf("%s/moderation/annonce/%d", home, neighbour.ID)))
	if text := page(); !strings.Contains(text, "Accès refusé") {
		t.Fatalf("neighbour's item:\n%s", text)
	}
	do("dashboard", chromedp.Navigate(home+"/moderation/tableau"))
	if text := page(); strings.Contains(text, "Erdre") || !strings.Contains(text, "Nantes Métropole") {
		t.Fatalf("dashboard:\n%s", text)
	}
	for _, c := range []struct {
		p    help.Post
		want string
	}{{toPublish, help.VisibilityVisible}, {toHide, help.VisibilityHidden}, {reported, help.VisibilityVisible}, {neighbour, help.VisibilityPending}} {
		got, err := f.deps.Help.Get(pctx, c.p.ID, ids["Aurore"])
		if err != nil || got.Visibility != c.want {
			t.Errorf("%q: %s, %v; want %s", c.p.Title, got.Visibility, err, c.want)
		}
	}
	if m := f.mailTo(t, "tousvoisins44", "remi@exemple.fr"); !strings.Contains(m, "rien trouvé de contraire") {
		t.Errorf("reporter's email:\n%s", m)
	}
}

// On Tous voisins 44, a référent creates a monthly cooking workshop, a
// resident signs up, and both find each other through the interest
// "cuisine" they share, then talk.
func TestBrowserCookingWorkshop(t *testing.T) {
	ctx := browserCtx(t)
	f := newFixtureFor(t, nil, shippedPortal(t, "tousvoisins44"))
	port := serveOnPort(t, f)
	home := "http://tousvoisins44.localhost:" + port

	pctx := f.env.Ctx(t, "tousvoisins44")
	ids := map[string]int64{}
	for _, p := range []struct{ name, email, commune string }{
		{"Théo", "theo@exemple.fr", "44109"}, {"Aurore", "aurore@exemple.fr", "44143"},
	} {
		u, err := f.deps.Accounts.Register(pctx, account.RegisterInput{DisplayName: p.name, Email: p.email,
			Password: "un mot de passe bien long", CommuneCode: p.commune, Locale: "fr"}, home)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.deps.Accounts.ConfirmWithoutLink(pctx, u.ID); err != nil {
			t.Fatal(err)
		}
		ids[p.name] = u.ID
	}
	if err := f.deps.Authz.Grant(pctx, authz.OperatorActor("test"), ids["Théo"], authz.RoleReferentThematique, []string{"partage_savoir_faire"}); err != nil {
		t.Fatal(err)
	}

	type step = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// The browser starts with the test's context, so that a step's own
	// time limit does not end it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	do := func(what string, steps ...step) {
		t.Helper()
		for i, st := range steps {
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err := chromedp.Do(sctx, st)
			cancel()
			if err != nil {
				text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
				loc, _ := chromedp.Run(ctx, chromedp.Location())
				t.Fatalf("%s, step %d: %v\nat %s:\n%s", what, i, err, loc, text)
			}
		}
	}
	page := func() string {
		t.Helper()
		text, err := chromedp.Run(ctx, chromedp.Text(css("main")))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	login := func(email string) []step {
		return []step{
			chromedp.Navigate(home + "/connexion?lang=fr"),
			chromedp.SendKeys(css("#champ-email"), email),
			chromedp.SendKeys(css("#champ-password"), "un mot de passe bien long"),
			chromedp.Click(css(`main button[type=submit]`)),
			chromedp.WaitVisible(css(`a[href="/compte"]`)),
		}
	}
	logout := []step{
		chromedp.Click(css(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(css(`a[href="/connexion"]`)),
	}
	likesCooking := []step{
		chromedp.Navigate(home + "/compte/profil"),
		chromedp.Click(css(`#champ-public`)),
		chromedp.Click(css(`#interet-cuisine`)),
		chromedp.Submit(css(`#champ-public`)),
		chromedp.WaitVisible(css(`.notice`)),
	}

	// The second Tuesday of next month, in Paris.
	now := time.Now().In(time.FixedZone("CET", 3600))
	first := time.Date(now.Year(), now.Month()+1, 1, 12, 0, 0, 0, now.Location())
	day := first.AddDate(0, 0, (int(time.Tuesday)-int(first.Weekday())+7)%7+7)

	do("Théo creates the workshop", append(append(login("theo@exemple.fr"), likesCooking...),
		chromedp.Navigate(home+"/agenda/nouveau"),
		chromedp.SetValue(css(`#champ-category`), "partage_savoir_faire"),
		chromedp.SendKeys(css(`#champ-title`), "Atelier cuisine du mois"),
		chromedp.SendKeys(css(`#champ-description`), "On cuisine ensemble un plat de saison, puis on le partage. Venez comme vous êtes !"),
		chromedp.SendKeys(css(`#champ-capacity`), "8"),
		chromedp.SendKeys(css(`#champ-address`), "Maison de quartier, 2 rue de la Paix"),
		chromedp.SetValue(css(`#champ-day`), day.Format("2006-01-02")),
		chromedp.SetValue(css(`#champ-start_time`), "14:00"),
		chromedp.SetValue(css(`#champ-end_time`), "16:30"),
		chromedp.Click(css(`#recurrence-mensuelle`)),
		chromedp.SetValue(css(`#champ-month_week`), "2"),
		chromedp.SendKeys(css(`#champ-count`), "10"),
		chromedp.Submit(css(`#champ-title`)),
		chromedp.WaitVisible(css(`.notice`)),
	)...)
	text := page()
	if !strings.Contains(text, "Atelier cuisine du mois") || !strings.Contains(text, "mardi") {
		t.Fatalf("event page:\n%s", text)
	}
	screenshot(t, ctx, "tousvoisins44-workshop")
	eventURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	eventPath := regexp.MustCompile(`/agenda/[0-9]+`).FindString(eventURL)

	do("Aurore signs up", append(append(append(logout, login("aurore@exemple.fr")...), likesCooking...),
		chromedp.Navigate(home+"/agenda?vue=mois&date="+day.Format("2006-01-02")),
		chromedp.Click(css(`a[href^="`+eventPath+`"]`)),
		chromedp.WaitVisible(css(`form[action="`+eventPath+`/inscription"] button`)),
		chromedp.Submit(css(`form[action="`+eventPath+`/inscription"] button`)),
		chromedp.WaitVisible(css(`.notice`)),
	)...)
	if text := page(); !strings.Contains(text, "votre place est réservée") {
		t.Fatalf("after signing up:\n%s", text)
	}

	do("Aurore finds Théo", chromedp.Navigate(home+"/profils/moi"))
	if text := page(); !strings.Contains(text, "Théo") || !strings.Contains(text, "Cuisine") {
		t.Fatalf("Aurore's neighbours:\n%s", text)
	}
	screenshot(t, ctx, "tousvoisins44-neighbours")
	do("Aurore writes to Théo",
		chromedp.Click(css(fmt.Sprintf(`a[href="/profils/%d#ecrire"]`, ids["Théo"]))),
		chromedp.WaitVisible(css(`#champ-body`)),
		chromedp.SendKeys(css(`#champ-body`), "Bonjour Théo, on se voit à l'atelier ? J'apporte des légumes du jardin."),
		chromedp.Submit(css(`#champ-body`)),
		chromedp.WaitVisible(css(`.messages`)),
	)

	do("Théo finds Aurore", append(append(logout, login("theo@exemple.fr")...), chromedp.Navigate(home+"/profils/moi"))...)
	if text := page(); !strings.Contains(text, "Aurore") || !strings.Contains(text, "Cuisine") {
		t.Fatalf("Théo's neighbours:\n%s", text)
	}
	do("Théo reads", chromedp.Navigate(home+"/messages"))
	if text := page(); !strings.Contains(text, "Aurore") {
		t.Fatalf("Théo's messages:\n%s", text)
	}
	signups, err := f.deps.Events.Upcoming(pctx, ids["Aurore"])
	if err != nil || len(signups) != 1 {
		t.Fatalf("Aurore's sign-ups: %+v, %v", signups, err)
	}
}
