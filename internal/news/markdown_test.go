package news_test

import (
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/news"
)

func TestRender(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs and line breaks", "Bonjour,\nà tous.\n\nDeuxième.", "<p>Bonjour,<br>\nà tous.</p>\n<p>Deuxième.</p>\n"},
		{"heading", "## Quand ?", "<h2>Quand ?</h2>\n"},
		{"emphasis", "**Gratuit** et *ouvert*", "<p><strong>Gratuit</strong> et <em>ouvert</em></p>\n"},
		{"lists", "- pain\n- lait\n\n1. un\n2. deux", "<ul>\n<li>pain</li>\n<li>lait</li>\n</ul>\n<ol>\n<li>un</li>\n<li>deux</li>\n</ol>\n"},
		{"link", "[Le site](https://www.service-public.fr/)", `<p><a href="https://www.service-public.fr/">Le site</a></p>` + "\n"},
		{"mail link", "[Écrire](mailto:veille@cd44.fr)", `<p><a href="mailto:veille@cd44.fr">Écrire</a></p>` + "\n"},
		// What must never come through.
		{"raw HTML is text", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"javascript link", "[clic](javascript:alert(1))", "<p>[clic](javascript:alert(1))</p>\n"},
		{"data link", "[clic](data:text/html,x)", "<p>[clic](data:text/html,x)</p>\n"},
		{"quote in a link", `[x](https://a.fr/" onclick="alert(1))`, "<p>[x](https://a.fr/&#34; onclick=&#34;alert(1))</p>\n"},
		{"image syntax is text", "![x](https://pisteur.example/p.gif)", `<p>!<a href="https://pisteur.example/p.gif">x</a></p>` + "\n"},
		{"unclosed emphasis", "2 * 3 = 6", "<p>2 * 3 = 6</p>\n"},
		{"accents kept", "Éte à Nantes", "<p>Éte à Nantes</p>\n"},
		{"a link text too long to look for", "[" + strings.Repeat("a", 400) + "](https://a.fr)", "<p>[" + strings.Repeat("a", 400) + "](https://a.fr)</p>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(news.Render(tc.in)); got != tc.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
