package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// keyboard drives a page with the keys alone, as a person who cannot use a
// mouse does: Tab to reach a control, typing, Space and Enter.
type keyboard struct {
	t   *testing.T
	ctx context.Context
}

// focused reports whether the focused element matches the CSS selector.
func (k keyboard) focused(sel string) bool {
	k.t.Helper()
	ok, err := chromedp.Run(k.ctx, chromedp.EvaluateAsDevTools[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)))
	if err != nil {
		k.t.Fatalf("reading the focus: %v", err)
	}
	return ok
}

// tabTo presses Tab until the element matching sel has the focus: it fails
// when the element cannot be reached with the keyboard.
func (k keyboard) tabTo(sel string) {
	k.t.Helper()
	for range 120 {
		k.press(kb.Tab)
		if k.focused(sel) {
			return
		}
	}
	k.t.Fatalf("%s cannot be reached with Tab on %s", sel, k.location())
}

func (k keyboard) press(keys string) {
	k.t.Helper()
	if err := chromedp.Do(k.ctx, chromedp.KeyEvent(keys)); err != nil {
		k.t.Fatal(err)
	}
}

// fill reaches a field with Tab and types into it.
func (k keyboard) fill(sel, text string) {
	k.t.Helper()
	k.tabTo(sel)
	k.press(text)
}

// submit reaches the button with Tab and presses Enter, then waits for the
// next page to show sel.
func (k keyboard) submit(button, wait string) {
	k.t.Helper()
	k.tabTo(button)
	k.press(kb.Enter)
	k.waitFor(wait)
}

func (k keyboard) waitFor(sel string) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
		k.t.Fatalf("waiting for %s on %s: %v\n%s", sel, k.location(), err, k.text())
	}
}

func (k keyboard) open(u string) {
	k.t.Helper()
	if err := chromedp.Do(k.ctx, chromedp.Navigate(u)); err != nil {
		k.t.Fatal(err)
	}
}

func (k keyboard) location() string {
	loc, _ := chromedp.Run(k.ctx, chromedp.Location())
	return loc
}

func (k keyboard) text() string {
	s, _ := chromedp.Run(k.ctx, chromedp.Text(chromedp.CSS("main")))
	return s
}

// The core flows (register, confirm, sign in, post, answer, write back),
// with the keyboard alone and JavaScript turned off in the browser, on a
// portal whose theme replaces a template (Tous voisins 44).
func TestBrowserKeyboardFlowsWithoutJavaScript(t *testing.T) {
	ctx := browserCtxFor(t, 3*time.Minute)
	f, portals := demoPortals(t)
	d := portals["tousvoisins44"]
	k := keyboard{t, ctx}

	noJS := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noJS, signInAs(d, "")); err != nil {
		t.Fatal(err)
	}
	// A page of our own whose script would change its title proves that
	// scripts are off (our portals' pages have none to show it).
	k.open(`data:text/html,<title>off</title><script>document.title="on"</script>`)
	if title, _ := chromedp.Run(ctx, chromedp.Title()); title != "off" {
		t.Fatalf("scripts still run (title %q)", title)
	}
	k.open(d.base + "/")

	// The first Tab reaches the skip link, which leads past the header.
	k.press(kb.Tab)
	if !k.focused("a.skip") {
		t.Fatal("the first Tab does not reach the skip link")
	}
	k.press(kb.Enter)
	if loc := k.location(); !strings.HasSuffix(loc, "#contenu") {
		t.Fatalf("the skip link leads to %s", loc)
	}

	// Register, then confirm from the email.
	k.open(d.base + "/inscription")
	k.fill("#champ-display_name", "Camille")
	k.fill("#champ-email", "camille@exemple.fr")
	k.fill("#champ-password", "un mot de passe bien long")
	k.fill("#champ-commune", "Rezé")
	k.submit(`main button[type=submit]`, `a[href="/confirmer/nouveau-lien"]`)
	link := regexp.MustCompile(`https?://\S+jeton=[A-Za-z0-9_-]+`).FindString(f.mailTo(t, "tousvoisins44", "camille@exemple.fr"))
	if link == "" {
		t.Fatal("no confirmation link in the email")
	}
	u, _ := url.Parse(link)
	k.open(d.base + u.RequestURI())
	k.submit(`main button[type=submit]`, `.notice`)

	// Sign in: Enter in the password field sends the form.
	k.open(d.base + "/connexion")
	k.fill("#champ-email", "camille@exemple.fr")
	k.fill("#champ-password", "un mot de passe bien long")
	k.press(kb.Enter)
	k.waitFor(`a[href="/compte"]`)

	// Post a request: a list with the arrows, boxes with Space.
	k.open(d.base + "/annonces/nouvelle?type=demande")
	k.tabTo("#champ-category")
	k.press(kb.ArrowDown)
	k.fill("#champ-title", "Porter un meuble au grenier")
	k.fill("#champ-description", "J'ai un petit meuble à monter au grenier. Il faut être deux, une demi-heure suffit.")
	k.tabTo("#mode-sur_place")
	k.press(" ")
	k.tabTo(`input[name="when"]`)
	k.press(" ")
	k.submit(`main form button[type=submit]`, `.notice`)
	// Tous voisins 44 says "besoin" where the platform says "demande".
	if text := k.text(); !strings.Contains(text, "Porter un meuble au grenier") || !strings.Contains(text, "Besoin") {
		t.Fatalf("post page:\n%s", text)
	}
	postPath := regexp.MustCompile(`/annonces/[0-9]+`).FindString(k.location())

	// Paul answers it.
	if err := chromedp.Do(ctx, signInAs(d, "paul")); err != nil {
		t.Fatal(err)
	}
	k.open(d.base + postPath)
	k.fill("#message", "Bonjour Camille, je peux venir demain à 18 h.")
	k.submit(`section.answer button[type=submit]`, `.messages`)
	convPath := regexp.MustCompile(`/messages/[0-9]+`).FindString(k.location())

	// Camille signs in again, finds the message and writes back.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	k.open(d.base + "/connexion")
	k.fill("#champ-email", "camille@exemple.fr")
	k.fill("#champ-password", "un mot de passe bien long")
	k.press(kb.Enter)
	k.waitFor(`a[href="/compte"]`)
	k.open(d.base + "/messages")
	k.tabTo(`a[href="` + convPath + `"]`)
	k.press(kb.Enter)
	k.waitFor("#champ-body")
	k.fill("#champ-body", "Merci Paul, à demain !")
	k.submit(`form[action="`+convPath+`"] button[type=submit]`, `.message.mine`)
	if text := k.text(); !strings.Contains(text, "à demain") || !strings.Contains(text, "je peux venir demain") {
		t.Fatalf("conversation:\n%s", text)
	}
	screenshot(t, ctx, "keyboard-conversation-tousvoisins44")
}
