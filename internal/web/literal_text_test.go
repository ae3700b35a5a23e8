package web

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/entraide/entraide/internal/theme"
	"golang.org/x/net/html"
)

// actionMark stands for what a template action prints, when a template's
// text is put back together to be read as HTML.
const actionMark = "\x00"

// readAttributes are the attributes people read or hear: they must come
// from the messages like the page's text.
var readAttributes = map[string]bool{"alt": true, "title": true, "placeholder": true, "aria-label": true, "value": false}

// literalText returns the words written directly in a template's HTML
// (text and read attributes) rather than printed from a message. Only
// punctuation, spaces and symbols may be written literally.
func literalText(tree *parse.Tree) []string {
	var b strings.Builder
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			b.Write(n.Text)
		case *parse.ActionNode, *parse.TemplateNode:
			b.WriteString(actionMark)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(tree.Root)

	var found []string
	check := func(where, s string) {
		s = strings.ReplaceAll(s, actionMark, "")
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				found = append(found, fmt.Sprintf("%s %q", where, strings.TrimSpace(s)))
				return
			}
		}
	}
	z := html.NewTokenizer(strings.NewReader(b.String()))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return found
		case html.TextToken:
			check("text", string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			tag := z.Token()
			for _, a := range tag.Attr {
				if readAttributes[a.Key] || (a.Key == "value" && isButton(tag)) {
					check(tag.Data+"@"+a.Key, a.Val)
				}
			}
		}
	}
}

// isButton reports whether an input shows its value as its words.
func isButton(t html.Token) bool {
	if t.Data != "input" {
		return false
	}
	for _, a := range t.Attr {
		if a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset") {
			return true
		}
	}
	return false
}

func TestLiteralTextFinder(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{`<p>{{.L.T "x"}}</p>`, 0},
		{`<p>{{.A}} · {{.B}} ({{.C}}) : – ?</p>`, 0},
		{`<p>Bonjour {{.Name}}</p>`, 1},
		{`<img src="{{.U}}" alt="Logo">`, 1},
		{`<img src="logo.svg" alt="{{.Alt}}" width="200">`, 0},
		{`<input type="submit" value="Envoyer">`, 1},
		{`<input type="hidden" name="action" value="prolonger">`, 0},
		{`{{if .X}}<span aria-label="Fermer">×</span>{{else}}Rien{{end}}`, 2},
		{`{{range .Items}}<li title="{{.T}}">{{.}}</li>{{end}}`, 0},
		{`<p>404</p>`, 1},
	}
	for _, tc := range tests {
		tree, err := parse.Parse("t", tc.src, "", "", map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		if got := literalText(tree["t"]); len(got) != tc.want {
			t.Errorf("%s: found %q, want %d", tc.src, got, tc.want)
		}
	}
}

// No template, default or a shipped theme's override, writes words
// directly: every word people read comes from the messages, so the English
// site has no French left in it.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	set, err := theme.LoadDir("../../themes")
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLook(set)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]*views{"default": l.defaults}
	for k, v := range l.views {
		all["theme "+k] = v
	}
	seen := map[string]bool{}
	var problems []string
	for _, where := range sortedKeys(all) {
		for page, tmpl := range all[where].pages {
			for _, d := range tmpl.Templates() {
				if d.Tree == nil {
					continue
				}
				key := where + " " + d.Tree.ParseName + " " + d.Name()
				if seen[key] {
					continue
				}
				seen[key] = true
				for _, p := range literalText(d.Tree) {
					problems = append(problems, fmt.Sprintf("%s: %s (page %s, block %q): %s", where, d.Tree.ParseName, page, d.Name(), p))
				}
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Fatalf("words written in templates instead of messages:\n  %s", strings.Join(problems, "\n  "))
	}
	if len(seen) < 20 {
		t.Fatalf("only %d templates walked", len(seen))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
