package rules

import "bytes"

// moneyMatcher finds what asks for or offers money, as the package
// documentation describes. It reads tokens left to right; a finding ends
// where the next search starts, so "10 euros" is one finding, not an
// amount and then a currency word.
type moneyMatcher struct{}

func (moneyMatcher) match(t *text, out []span) []span {
	floor := 0 // no finding may reach back before this token
	for i := 0; i < len(t.toks); i++ {
		a, b, ok := t.moneyAt(i, floor)
		if !ok {
			continue
		}
		out = append(out, span{a: int32(a), b: int32(b)})
		floor = b
		i = b - 1
	}
	return out
}

// moneyAt reports whether token i is the key of a money finding, and which
// tokens the finding covers: it may reach back to floor ("dix" in "dix
// euros") and forward ("10" in "€10").
func (t *text) moneyAt(i, floor int) (a, b int, ok bool) {
	lex := t.toks[i].lex
	switch {
	case lex&lexSymbol != 0:
		return t.symbolAmount(i, floor)
	case lex&lexCurrency != 0:
		// "10 balles de tennis" are balls.
		if t.is(i, "balles") && (t.is(i+1, "de") || t.is(i+1, "d")) && t.toks[i+1].gap&gapStop == 0 {
			return 0, 0, false
		}
		if a, digits, ok := t.amountBefore(i, floor); ok {
			// An amount in figures is never excused: "pas plus de 10
			// euros" still names a price. One in words can be: "pas un
			// euro".
			if t.zero(a, i) || !digits && t.negated(a) {
				return 0, 0, false
			}
			return a, i + 1, true
		}
	case t.is(i, "e"):
		// "10e" is an ordinal ("10e arrondissement", "3e étage") unless
		// a rate follows: "10e de l'heure", "10e/h".
		if a, digits, ok := t.amountBefore(i, floor); ok && digits && !t.zero(a, i) {
			if b, ok := t.rateAfter(i + 1); ok {
				return a, b, true
			}
		}
		return 0, 0, false
	}
	switch {
	case lex&lexMoneyWord != 0:
		return t.moneyWord(i)
	case lex&lexPayer != 0:
		return t.payer(i, floor)
	case lex&lexContre != 0:
		return t.contre(i)
	case t.is(i, "prix"):
		return t.price(i, floor)
	case t.is(i, "pay"):
		return t.payEnglish(i)
	case lex&lexPhraseStart != 0:
		for _, p := range moneyPhrases {
			if b, ok := t.seqAt(i, p.words, false, false); ok {
				if p.notAfter != 0 && t.before(i, 2, p.notAfter) {
					return 0, 0, false
				}
				return i, b, true
			}
		}
	}
	return 0, 0, false
}

// symbolAmount covers a currency sign with its amount, before ("10 €",
// "10€", "1 000 €", "10 k€", "10€50") or after ("€10", "$ 5"). A sign
// alone is money too.
func (t *text) symbolAmount(i, floor int) (a, b int, ok bool) {
	a, b = i, i+1
	if s, _, ok := t.amountBefore(i, floor); ok {
		a = s
		// Cents written after the sign: "10€50".
		if b < len(t.toks) && t.toks[b].kind == tokNum && t.toks[b].gap == 0 {
			b++
		}
	} else if b < len(t.toks) && t.toks[b].kind == tokNum && t.toks[b].gap&^gapSpace == 0 {
		b++
	}
	if t.zero(a, b) {
		return 0, 0, false
	}
	return a, b, true
}

// amountBefore reports whether an amount ends right before token i (only
// spaces between), where it starts, and whether it is written in figures
// ("10", "10,50", "1 000") rather than words ("dix", "vingt et un").
func (t *text) amountBefore(i, floor int) (start int, digits, ok bool) {
	j := i - 1
	if j < floor || t.toks[i].gap&^gapSpace != 0 {
		return 0, false, false
	}
	// "10 k€", "10k€": thousands.
	if t.is(j, "k") && j-1 >= floor && t.toks[j-1].kind == tokNum && t.toks[j].gap&^gapSpace == 0 {
		j--
	}
	switch {
	case t.toks[j].kind == tokNum:
		// "1 000 €": groups of three digits written apart belong to one
		// amount, so that the quote shows all of it.
		for j-1 >= floor && t.toks[j-1].kind == tokNum && t.toks[j].gap == gapSpace &&
			t.toks[j].end-t.toks[j].start == 3 && t.toks[j-1].end-t.toks[j-1].start <= 3 &&
			!bytes.ContainsAny(t.word(j), ".,") && !bytes.ContainsAny(t.word(j-1), ".,") {
			j--
		}
		return j, true, true
	case t.toks[j].lex&lexNumWord != 0:
		for j-1 >= floor && t.toks[j].gap&^(gapSpace|gapHyphen) == 0 {
			if t.toks[j-1].lex&lexNumWord != 0 {
				j--
				continue
			}
			// "vingt et un euros".
			if t.is(j-1, "et") && j-2 >= floor && t.toks[j-2].lex&lexNumWord != 0 &&
				t.toks[j-1].gap&^(gapSpace|gapHyphen) == 0 {
				j -= 2
				continue
			}
			break
		}
		return j, false, true
	}
	return 0, false, false
}

// zero reports whether the amount in tokens a to b-1 is nothing at all:
// "0 €" or "zéro euro" says that the help is free.
func (t *text) zero(a, b int) bool {
	seen := false
	for k := a; k < b; k++ {
		switch {
		case t.toks[k].kind == tokNum:
			if len(bytes.Trim(t.word(k), "0.,")) > 0 {
				return false
			}
			seen = true
		case t.toks[k].lex&lexNumWord != 0:
			if !t.is(k, "zero") {
				return false
			}
			seen = true
		}
	}
	return seen
}

// rateTails are the ways of saying "per hour" or "per day" after an
// amount, besides "/h" and "par heure", which rateAfter handles.
var rateTails = [][]string{
	{"l", "heure"},
	{"de", "l", "heure"},
	{"a", "l", "heure"},
	{"la", "journee"},
	{"la", "seance"},
}

// rateAfter reports whether a rate ("/h", "/jour", "par heure", "de
// l'heure", "la séance") starts at token b, and returns the index after it.
func (t *text) rateAfter(b int) (int, bool) {
	if b >= len(t.toks) || t.toks[b].gap&gapStop != 0 {
		return 0, false
	}
	if t.toks[b].gap&gapSlash != 0 && t.toks[b].lex&lexUnit != 0 {
		return b + 1, true
	}
	if t.is(b, "par") && b+1 < len(t.toks) && t.toks[b+1].lex&lexUnit != 0 && t.toks[b+1].gap&gapStop == 0 {
		return b + 2, true
	}
	for _, p := range rateTails {
		if end, ok := t.seqAt(b, p, false, false); ok {
			return end, true
		}
	}
	return 0, false
}

// moneyWord covers a word that is money on its own ("payant", "tarif",
// "rémunérée", "euros", "fee"), unless negated or said to be free.
func (t *text) moneyWord(i int) (a, b int, ok bool) {
	lex := t.toks[i].lex
	// "Le parking de l'hôpital est payant" is about the car park, not
	// the help.
	if lex&lexPayant != 0 && t.before(i, 5, lexPayantExempt) {
		return 0, 0, false
	}
	// "I paid for the shopping, you pay me back" is reimbursing.
	if lex&lexPaid != 0 && t.expenseAfter(i+1) {
		return 0, 0, false
	}
	if lex&lexPlainOnly != 0 && !t.typedPlain(i) {
		return 0, 0, false
	}
	// "Avec mon petit salaire, je n'arrive pas à…" speaks of the
	// poster's own income, not of paying for help.
	if lex&lexOwnIncome != 0 && t.before(i, 2, lexFirstPossessive) {
		return 0, 0, false
	}
	// "Je vous rembourse à l'euro près" says the paying back is exact.
	if t.is(i, "euro") && t.is(i+1, "pres") {
		return 0, 0, false
	}
	if t.negated(i) || t.freeAfter(i+1) {
		return 0, 0, false
	}
	return i, i + 1, true
}

// price covers "prix" when it is the poster's price for the help: after a
// possessive or "quel", "petit", "bon" ("votre prix", "à petit prix"), or
// before "libre", "raisonnable", "d'ami", "à débattre"… "Le prix du pain",
// "le prix Nobel" and "à prix coûtant" (at cost) are not.
func (t *text) price(i, floor int) (a, b int, ok bool) {
	if t.is(i+1, "coutant") {
		return 0, 0, false
	}
	a, b = i, i+1
	hit := false
	if i-1 >= floor && t.toks[i-1].lex&lexPrixBefore != 0 && t.toks[i].gap&gapStop == 0 {
		a, hit = i-1, true
	}
	if i+1 < len(t.toks) && t.toks[i+1].gap&gapStop == 0 {
		if t.toks[i+1].lex&lexPrixAfter != 0 {
			b, hit = i+2, true
		} else {
			for _, p := range priceTails {
				if end, ok := t.seqAt(i+1, p, false, false); ok {
					b, hit = end, true
					break
				}
			}
		}
	}
	if !hit || t.negated(a) || t.freeAfter(b) {
		return 0, 0, false
	}
	return a, b, true
}

// priceTails follow "prix" to make it the poster's price.
var priceTails = [][]string{
	{"d", "ami"},
	{"a", "debattre"},
	{"a", "negocier"},
	{"de", "l", "heure"},
	{"a", "l", "heure"},
}

// payer covers the verb payer when a person is paid for the help:
// "je vous paierai", "je peux te payer", "il m'a payé", "vous serez payé",
// "bien payé", "travail payé", "payée à l'heure". Paying for something
// else is not covered: "m'aider à payer mes factures", "vous payez les
// courses", and neither is paying a person back for what they bought:
// "je vous paie les courses", "je vous paierai l'essence".
func (t *text) payer(i, floor int) (a, b int, ok bool) {
	lex := t.toks[i].lex
	a, b = -1, i+1
	j := i - 1
	// "il m'a payé", "je vous ai payée".
	if lex&lexParticiple != 0 && j > floor && t.toks[j].lex&lexAvoir != 0 && t.toks[i].gap&gapStop == 0 {
		j--
	}
	if j >= floor && t.toks[j].lex&lexObjPronoun != 0 && t.toks[j+1].gap&gapStop == 0 && t.toks[i].gap&gapStop == 0 {
		// "vous payez", "vous avez payé": here vous is who pays.
		if !(t.is(j, "vous") && bytes.HasSuffix(t.word(j+1), []byte("ez"))) {
			a = j
		}
	}
	if a < 0 && j == i-1 && (t.is(j, "je") || t.is(j, "j")) && j >= floor && t.toks[i].gap&gapStop == 0 {
		// "Je paie." "Je paye bien." "Je paie en liquide." With no
		// object, "je paie" offers to pay for the help; "je paie mes
		// factures" is not concerned.
		if end, ok := t.payerNoObject(i + 1); ok {
			return j, end, !t.negated(j)
		}
	}
	if a < 0 && lex&lexParticiple != 0 {
		if end, ok := t.rateAfter(i + 1); ok {
			a, b = i, end
		} else if i-1 >= floor && t.toks[i-1].lex&(lexPaidBy|lexServiceNoun) != 0 && t.toks[i].gap&gapStop == 0 {
			// "Les courses sont payées", "le taxi est payé par la
			// Sécu": what is paid is a thing, or someone else pays.
			if t.before(i-1, 3, lexExpense) || t.is(i+1, "par") && t.toks[i+1].gap&gapStop == 0 {
				return 0, 0, false
			}
			a = i - 1
		}
	}
	if a < 0 || t.expenseAfter(b) || t.negated(a) {
		return 0, 0, false
	}
	return a, b, true
}

// payerNoObject reports whether what follows a verb payer at token b
// says how, not what, one pays: the end of the sentence, "bien", "cash",
// "comptant", "en liquide", "en espèces", or a rate. It returns the index
// after it.
func (t *text) payerNoObject(b int) (int, bool) {
	if b >= len(t.toks) || t.toks[b].gap&gapStop != 0 {
		return b, true
	}
	if t.is(b, "bien") || t.is(b, "cash") || t.is(b, "comptant") {
		return b + 1, true
	}
	if t.is(b, "en") && (t.is(b+1, "liquide") || t.is(b+1, "especes") || t.is(b+1, "cash")) && t.toks[b+1].gap&gapStop == 0 {
		return b + 2, true
	}
	return t.rateAfter(b)
}

// payEnglish covers "pay you", "pay me"…, unless it is paying back ("pay
// you back", "pay you for the shopping").
func (t *text) payEnglish(i int) (a, b int, ok bool) {
	if i+1 >= len(t.toks) || t.toks[i+1].lex&lexEnPronoun == 0 || t.toks[i+1].gap&gapStop != 0 {
		return 0, 0, false
	}
	if t.expenseAfter(i+2) || t.negated(i) {
		return 0, 0, false
	}
	return i, i + 2, true
}

// contre covers "contre paiement", "contre de l'argent", "contre un petit
// billet", "moyennant finance".
func (t *text) contre(i int) (a, b int, ok bool) {
	j := i + 1
	for k := 0; k < 2 && j < len(t.toks) && t.toks[j].lex&lexFiller != 0 && t.toks[j].gap&gapStop == 0; k++ {
		j++
	}
	if j >= len(t.toks) || t.toks[j].lex&lexContreObj == 0 || t.toks[j].gap&gapStop != 0 || t.negated(i) {
		return 0, 0, false
	}
	return i, j + 1, true
}

// negated reports whether one of the three words before token a, in the
// same sentence, is a negation: "non rémunéré", "ce n'est pas payant",
// "sans aucune rémunération", "no fee".
func (t *text) negated(a int) bool { return t.before(a, 3, lexNeg) }

// before reports whether one of the n words before token a, in the same
// sentence, has one of the roles bits.
func (t *text) before(a, n int, bits lexBits) bool {
	for j, k := a-1, 0; j >= 0 && k < n; j, k = j-1, k+1 {
		if t.toks[j+1].gap&gapStop != 0 {
			return false
		}
		if t.toks[j].lex&bits != 0 {
			return true
		}
	}
	return false
}

// freeAfter reports whether what follows token b-1 says that it costs
// nothing: "tarif : gratuit", "le prix est zéro", "fee: free".
func (t *text) freeAfter(b int) bool {
	for k := b; k < b+3 && k < len(t.toks); k++ {
		tk := t.toks[k]
		if tk.lex&lexFree != 0 || tk.kind == tokNum && len(bytes.Trim(t.word(k), "0.,")) == 0 {
			return true
		}
		// Only "c'est", "est" may stand between: "le tarif est gratuit".
		if !(t.is(k, "c") || tk.lex&lexPaidBy != 0 && !t.is(k, "bien") && !t.is(k, "mal")) {
			return false
		}
	}
	return false
}

// typedPlain reports whether token i was typed in plain ASCII, without
// accents.
func (t *text) typedPlain(i int) bool {
	for k := t.toks[i].start; k < t.toks[i].end; k++ {
		if t.orig[t.offs[k]] >= 0x80 {
			return false
		}
	}
	return true
}

// expenseAfter reports whether one of the three words from token b on, in
// the same sentence, is something bought for the person helped, which may
// be paid back: "je vous paie les courses", "pay you back".
func (t *text) expenseAfter(b int) bool {
	for k := b; k < b+3 && k < len(t.toks); k++ {
		if t.toks[k].gap&gapStop != 0 {
			return false
		}
		if t.toks[k].lex&lexExpense != 0 {
			return true
		}
	}
	return false
}
