package news

import (
	"html"
	"html/template"
	"net/url"
	"strings"
)

// Render turns the small Markdown that news items are written in into
// HTML. Everything typed is escaped; only this is recognised:
//
//	## A heading            → <h2> (#, ##, ### all give one heading level)
//	- an item / * an item   → a bulleted list
//	1. an item              → a numbered list
//	**bold**, *italic*      → <strong>, <em>
//	[words](https://…)      → a link (https, http or mailto only)
//	a blank line            → a new paragraph; a single line break stays one
//
// No raw HTML, no images in the text (an item has one picture, uploaded
// with it), no scripts: the output is safe to put in a page as is.
func Render(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := ""
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			for i, l := range para {
				if i > 0 {
					b.WriteString("<br>\n")
				}
				b.WriteString(inline(l))
			}
			b.WriteString("</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for _, raw := range lines {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			flushPara()
			closeList()
		case strings.HasPrefix(line, "#"):
			flushPara()
			closeList()
			b.WriteString("<h2>" + inline(strings.TrimSpace(strings.TrimLeft(line, "#"))) + "</h2>\n")
		case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* "):
			flushPara()
			if list != "ul" {
				closeList()
				b.WriteString("<ul>\n")
				list = "ul"
			}
			b.WriteString("<li>" + inline(strings.TrimSpace(line[2:])) + "</li>\n")
		case numbered(line) > 0:
			flushPara()
			if list != "ol" {
				closeList()
				b.WriteString("<ol>\n")
				list = "ol"
			}
			b.WriteString("<li>" + inline(strings.TrimSpace(line[numbered(line):])) + "</li>\n")
		default:
			closeList()
			para = append(para, line)
		}
	}
	flushPara()
	closeList()
	return template.HTML(b.String()) //nolint:gosec // built from escaped text and fixed tags only
}

// numbered returns the length of a "12. " prefix, or 0.
func numbered(line string) int {
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && strings.HasPrefix(line[i:], ". ") {
		return i + 2
	}
	return 0
}

// inline renders emphasis and links in one line, escaping the rest.
func inline(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "**"):
			if end := strings.Index(s[2:], "**"); end > 0 {
				b.WriteString("<strong>" + inline(s[2:2+end]) + "</strong>")
				s = s[4+end:]
				continue
			}
		case s[0] == '*':
			if end := strings.IndexByte(s[1:], '*'); end > 0 {
				b.WriteString("<em>" + inline(s[1:1+end]) + "</em>")
				s = s[2+end:]
				continue
			}
		case s[0] == '[':
			if text, href, rest, ok := link(s); ok {
				b.WriteString(`<a href="` + html.EscapeString(href) + `">` + inline(text) + "</a>")
				s = rest
				continue
			}
		}
		// One character (rune) as text.
		n := 1
		for n < len(s) && s[n]&0xC0 == 0x80 {
			n++
		}
		b.WriteString(html.EscapeString(s[:n]))
		s = s[n:]
	}
	return b.String()
}

// Longest link text and address looked for: bounding the search keeps a
// text full of "[" linear to render.
const maxLinkText, maxLinkURL = 300, 1000

// link reads "[text](href)" at the start of s, with an address people may
// follow safely.
func link(s string) (text, href, rest string, ok bool) {
	close := strings.Index(s[:min(len(s), maxLinkText+2)], "](")
	if close < 1 {
		return "", "", "", false
	}
	after := s[close+2:]
	end := strings.IndexByte(after[:min(len(after), maxLinkURL)], ')')
	if end < 0 {
		return "", "", "", false
	}
	text, href = s[1:close], strings.TrimSpace(s[close+2:close+2+end])
	u, err := url.Parse(href)
	if err != nil || strings.ContainsAny(href, " \"'<>") {
		return "", "", "", false
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return "", "", "", false
		}
	case "mailto":
	default:
		return "", "", "", false
	}
	return text, href, s[close+3+end:], true
}
