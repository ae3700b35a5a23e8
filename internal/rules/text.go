package rules

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxText bounds the bytes of one field that are checked. Offsets are kept
// as int32 to halve the scratch memory; the web layer caps posts far below
// this, so the bound only keeps a misuse from wrapping offsets around.
const maxText = 1 << 30

// text is one field prepared for matching: folded once, cut into tokens
// once, then read by every rule of the set. It is scratch memory, reused
// from one Check to the next through the Set's pool.
type text struct {
	orig string

	// folded is orig in lower case, without accents, with every
	// apostrophe, dash and space written one way.
	folded []byte
	// offs[i] is the byte offset in orig of the character folded[i] comes
	// from, so that a finding quotes what the person typed, accents and
	// all, not the folded form.
	offs []int32
	toks []token

	spans []span // the findings of the field being checked
}

// tokKind says what a token is made of.
type tokKind uint8

const (
	tokWord tokKind = iota + 1 // letters
	tokNum                     // digits, with "," or "." between digits: "10,50"
	tokSym                     // a currency sign: "€", "£", "$"
)

// gapFlags says what separates a token from the one before it. Rules read
// it to know whether two tokens belong together: "10 €" (a space) is an
// amount, "10. €" is not; a negation does not reach across a full stop.
type gapFlags uint8

const (
	gapSpace  gapFlags = 1 << iota // spaces, tabs
	gapHyphen                      // "vingt-cinq", "e-mail"
	gapApos                        // "l'heure"
	gapSlash                       // "15 €/h"
	gapStop                        // . , ; : ! ? brackets, quotes, line breaks
	gapOther                       // anything else: "@", "*", "°"…
)

// token is a word, a number or a currency sign, as a range of folded.
type token struct {
	start, end int32
	kind       tokKind
	gap        gapFlags
	lex        lexBits // what the money rule knows about this word
}

// reset prepares t for s: folds it, then cuts it into tokens.
func (t *text) reset(s string) {
	if len(s) > maxText {
		s = s[:maxText]
	}
	t.orig = s
	t.folded = t.folded[:0]
	t.offs = t.offs[:0]
	t.toks = t.toks[:0]
	t.spans = t.spans[:0]
	t.folded = slices.Grow(t.folded, len(s))
	t.offs = slices.Grow(t.offs, len(s))
	for i := 0; i < len(s); {
		// ASCII is nearly all of a French post: a tight loop on local
		// slices, no table, no decoding.
		folded, offs := t.folded, t.offs
		for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
			c := s[i]
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '`':
				c = '\''
			}
			folded = append(folded, c)
			offs = append(offs, int32(i))
		}
		t.folded, t.offs = folded, offs
		if i == len(s) {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		t.foldRune(r, s[i:i+size], int32(i), true)
		i += size
	}
	t.tokenize()
}

// foldRune appends the folded form of r, which is enc in the original text
// at offset at. Letters lose their accents through their compatibility
// decomposition (NFKD) rather than the canonical one (NFD): besides "é" →
// "e" + accent it also gives "ﬁ" → "fi", fullwidth "ｅｕｒｏ" → "euro" and
// the superscript ordinal of "10ᵉ" → "10e", so a post cannot slip past a
// rule with look-alike characters, and "10ᵉ arrondissement" is read as the
// ordinal it is.
func (t *text) foldRune(r rune, enc string, at int32, decompose bool) {
	switch r {
	case '’', '‘', 'ʼ', 'ʻ', '′', '´':
		t.emit('\'', at)
		return
	case '‐', '‑', '‒', '–', '—', '―', '−':
		t.emit('-', at)
		return
	case '«', '»', '“', '”', '„':
		t.emit('"', at)
		return
	case 'œ', 'Œ':
		t.emit('o', at)
		t.emit('e', at)
		return
	case 'æ', 'Æ':
		t.emit('a', at)
		t.emit('e', at)
		return
	case 'ß', 'ẞ':
		t.emit('s', at)
		t.emit('s', at)
		return
	case '\u200b':
		// A zero-width space separates words; the other invisible
		// characters (soft hyphen, joiners) are dropped below so that
		// "R\u00adIB" still reads "rib".
		t.emit(' ', at)
		return
	}
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		t.emit(byte(r), at)
		return
	case unicode.IsSpace(r):
		// No-break spaces are the rule before "€" in French typography.
		t.emit(' ', at)
		return
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		// A combining accent belongs to the letter before it, which is
		// already out; invisible format characters carry no text.
		return
	}
	if decompose {
		if d := norm.NFKD.PropertiesString(enc).Decomposition(); len(d) > 0 {
			for _, dr := range string(d) {
				t.foldRune(dr, "", at, false)
			}
			return
		}
	}
	r = unicode.ToLower(r)
	t.folded = utf8.AppendRune(t.folded, r)
	for len(t.offs) < len(t.folded) {
		t.offs = append(t.offs, at)
	}
}

func (t *text) emit(c byte, at int32) {
	t.folded = append(t.folded, c)
	t.offs = append(t.offs, at)
}

// tokenize cuts folded into words, numbers and currency signs, noting what
// separates each from the previous one. A change from digits to letters
// cuts too, with nothing in between: "10e" is "10" then "e", "10€" is "10"
// then "€".
func (t *text) tokenize() {
	b := t.folded
	var gap gapFlags
	for i := 0; i < len(b); {
		start := i
		var kind tokKind
		c := b[i]
		switch {
		case 'a' <= c && c <= 'z':
			kind, i = tokWord, scanWord(b, i+1)
		case '0' <= c && c <= '9':
			kind, i = tokNum, scanNumber(b, i+1)
		case c == '$':
			kind, i = tokSym, i+1
		case c < utf8.RuneSelf:
			gap |= asciiGap(c)
			i++
			continue
		default:
			r, size := utf8.DecodeRune(b[i:])
			switch {
			case r == '€' || r == '£':
				kind, i = tokSym, i+size
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				kind, i = tokWord, scanWord(b, i+size)
			case unicode.IsPunct(r):
				gap |= gapStop
				i += size
				continue
			default:
				gap |= gapOther
				i += size
				continue
			}
		}
		tok := token{start: int32(start), end: int32(i), kind: kind, gap: gap}
		if kind != tokNum {
			tok.lex = lookup(b[start:i])
		}
		t.toks = append(t.toks, tok)
		gap = 0
	}
}

// scanWord returns the end of the word whose letters continue at i. ASCII
// digits end a word; digits of other scripts are rare enough to count as
// letters.
func scanWord(b []byte, i int) int {
	for i < len(b) {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return i
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == '€' || r == '£' || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return i
		}
		i += size
	}
	return i
}

// scanNumber returns the end of the number whose digits continue at i. A
// comma or a full stop between two digits belongs to the number: "10,50",
// "1.000".
func scanNumber(b []byte, i int) int {
	for i < len(b) {
		c := b[i]
		if '0' <= c && c <= '9' {
			i++
			continue
		}
		if (c == ',' || c == '.') && i+1 < len(b) && '0' <= b[i+1] && b[i+1] <= '9' {
			i += 2
			continue
		}
		return i
	}
	return i
}

func asciiGap(c byte) gapFlags {
	switch c {
	case ' ', '\t', '\v', '\f':
		return gapSpace
	case '\n', '\r':
		return gapSpace | gapStop
	case '-', '_':
		return gapHyphen
	case '\'':
		return gapApos
	case '/':
		return gapSlash
	case '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"':
		return gapStop
	}
	return gapOther
}

// word returns the folded bytes of token i.
func (t *text) word(i int) []byte {
	return t.folded[t.toks[i].start:t.toks[i].end]
}

// is reports whether token i is the folded word w.
func (t *text) is(i int, w string) bool {
	return i >= 0 && i < len(t.toks) && string(t.word(i)) == w
}

// quote returns the original text of tokens a to b-1, and of whatever
// separates them, so that the page can show the person what they typed.
func (t *text) quote(a, b int) string {
	start := int(t.offs[t.toks[a].start])
	last := int(t.offs[t.toks[b-1].end-1])
	_, size := utf8.DecodeRuneInString(t.orig[last:])
	end := last + size
	// Input that arrives decomposed ("e" then U+0301) keeps its last
	// accent inside the quote.
	for end < len(t.orig) {
		r, size := utf8.DecodeRuneInString(t.orig[end:])
		if !unicode.Is(unicode.Mn, r) {
			break
		}
		end += size
	}
	return t.orig[start:end]
}

// seqAt reports whether the tokens from i on are the folded words ws,
// separated by anything but a full stop or a comma unless acrossStops, and
// returns the index after them. With stemmed, each token loses a plural
// ending before the comparison, as ws did when it was built.
func (t *text) seqAt(i int, ws []string, stemmed, acrossStops bool) (int, bool) {
	if i < 0 || i+len(ws) > len(t.toks) {
		return 0, false
	}
	for k, w := range ws {
		if k > 0 && !acrossStops && t.toks[i+k].gap&gapStop != 0 {
			return 0, false
		}
		b := t.word(i + k)
		if stemmed {
			b = stem(b)
		}
		if string(b) != w {
			return 0, false
		}
	}
	return i + len(ws), true
}

// stem removes a plural ending, "s" or "x", from words longer than three
// bytes, so that "cartes bancaires" meets "carte bancaire" and "RIBs" meets
// "RIB" while short words ("bus", "pas") stay whole.
func stem(b []byte) []byte {
	if n := len(b); n > 3 && (b[n-1] == 's' || b[n-1] == 'x') {
		return b[:n-1]
	}
	return b
}
