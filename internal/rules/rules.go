// Package rules applies a portal's house rules (tenant.Rules) to what a
// resident writes, on every path that writes a post: web form, API, edit.
// It reads text only; storing, queueing for moderation and wording the
// refusal belong to the callers.
//
// A portal builds its Set once, from its configuration, with New; every
// post is then passed to Set.Check, field by field ("title",
// "description"). The Verdict lists every Finding, in field order and then
// in reading order, each with the words as typed, so that the page can
// quote them (« 10 € »), and an i18n message id for the web layer to
// translate.
//
// # The rule set
//
//   - services_must_be_free (rule id RuleServicesMustBeFree, message
//     MessageMoney): a post that asks for or offers money is refused. See
//     the money policy below.
//   - forbidden_words (rule id RuleForbiddenWord, message
//     MessageForbiddenWord): a post that contains one of the portal's
//     forbidden words or phrases is refused.
//   - premoderation: an accepted post waits for a référent before anyone
//     else sees it (Verdict.Hold).
//
// Matching ignores case and accents ("RÉMUNÉRÉ", "remunere"), reads
// look-alike characters as their plain letters ("ﬁ", fullwidth letters)
// and works on whole words: "payer" does not match inside "impayé", nor
// "euro" inside "Europe", "européen" or "europass", nor "RIB" inside
// "tribune" or "ribambelle"; "Eure-et-Loir" is not money.
//
// # Money policy
//
// Help on an Entraide portal is free. When a portal sets
// services_must_be_free, a post is refused if it asks for or offers money:
//
//   - Any amount of money, whatever it is for: "10 €", "10€", "€10",
//     "10,50 €", "1 000 €", "10 k€", "10 euros", "10 eur", "20 balles",
//     "50 centimes", "dix euros", "vingt-cinq euros", "$10", "£5",
//     "15 €/h". "10e" counts only when a rate follows ("10e de l'heure",
//     "10e/h", "10e par heure", "10e la séance"): on its own it is an
//     ordinal ("le 10e arrondissement", "au 3e étage"). A number without
//     a currency is not money ("3 enfants", "à 10 h", "bus 10", "44000",
//     "10 balles de tennis"). An amount of zero ("0 €", "zéro euro") says
//     the help is free and is allowed.
//   - A currency on its own: "€", "$", "£", "euro(s)" (but "à l'euro
//     près" is about paying back exactly).
//   - Words that put a price on help: payant(e)(s), every form of
//     rémunérer and rétribuer ("rémunéré", "rémunération", "rétribution"),
//     tarif(s), salaire(s) (not "mon salaire", the poster's own income),
//     pourboire(s), CESU, "au black", "argent de poche", "contre
//     paiement", "contre rétribution", "contre de l'argent", "contre un
//     petit billet", "moyennant finance", "à négocier" and "à débattre"
//     (not after "horaires", "date", "lieu"…); in English "paid", "fee(s)"
//     (not the French "fée"), "salary", "wage(s)", "hourly", "per hour",
//     "pay you".
//   - "prix" only when it is the poster's price: after a possessive,
//     "quel", "petit" or "bon" ("votre prix", "à petit prix"), or before
//     "libre", "raisonnable", "modique", "fixe", "horaire", "négociable",
//     "d'ami", "à débattre", "de l'heure" ("prix libre"). "Le prix du
//     pain", "le prix Nobel" and "à prix coûtant" are allowed.
//   - The verb payer only when a person is paid for the help: "je vous
//     paierai", "je peux te payer", "il m'a payé", "vous serez payé",
//     "bien payé", "travail payé", "payée à l'heure", and "je paie" with
//     nothing bought after it ("je paie.", "je paye bien", "je paie en
//     liquide"). Paying for something else is allowed: "m'aider à payer
//     mes factures en ligne", "je paie mes factures", "vous payez les
//     courses", "les courses sont payées en ligne", "le taxi est payé par
//     la Sécu", "ma fiche de paie".
//
// Paying back what a helper buys is part of mutual aid and is allowed as
// long as no amount is written: "je vous rembourse les courses", "je vous
// paie l'essence", "je vous paierai le taxi", "frais", "défraiement" and
// "rembourser" are not refused, nor is "je vous paie un café". "Je vous
// rembourse 20 €" is refused, because the portal cannot tell an amount
// paid back from a fee: people settle receipts between themselves, not in
// a post. For the same reason a post that quotes any price ("le cinéma
// est à 6 €") is refused and can be reworded.
//
// A word is not held against a post when a negation comes just before it
// in the same sentence ("non rémunéré", "ce n'est pas payant", "sans
// aucune rémunération", "pas un euro", "no fee") or when the post says it
// is free ("tarif : gratuit"). An amount in figures is never excused:
// "pas plus de 10 €" still names a price. "Tarifaire" and "tarification"
// are allowed: they describe someone else's prices ("une réduction
// tarifaire dans le bus"). "Le parking de l'hôpital est payant" is
// allowed: it is about the car park. "Paiement" alone is allowed too:
// residents ask for help with online payments.
//
// # Adding a portal's own words
//
// A portal lists its words and phrases under rules.forbidden_words in its
// tenants/<slug>.yaml, for example "carte bancaire", "RIB", "code secret".
// Write them in any case, with or without accents, in the singular: each
// matches as whole words, with any spaces or punctuation between the
// words of a phrase, in the singular and the plural ("cartes bancaires",
// "RIBs"). The new list applies once the server restarts and the portal's
// Set is built again.
package rules

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/entraide/entraide/internal/tenant"
)

// Rule ids, stable: they may be stored with a moderation decision and
// counted in reports, so they never change once shipped.
const (
	RuleServicesMustBeFree = "services_must_be_free"
	RuleForbiddenWord      = "forbidden_word"
	RuleFlagWord           = "flag_word"
)

// Message ids of the findings, translated by the web layer, which owns the
// wording; the message receives the quoted match.
const (
	MessageMoney         = "rules.money"
	MessageForbiddenWord = "rules.forbidden_word"
	MessageFlagWord      = "rules.flag_word"
)

// Field is one piece of a post to check, named as in the form or the API
// ("title", "description"), so that a refusal can point at it.
type Field struct {
	Name string
	Text string
}

// Finding is one thing in a post that a rule objects to.
type Finding struct {
	// Rule is the id of the rule: RuleServicesMustBeFree, RuleFlagWord or
	// RuleForbiddenWord.
	Rule string
	// Field is the name of the field it was found in.
	Field string
	// Match is the text that triggered the rule, exactly as typed (case,
	// accents, spaces): "10 €", "Rémunérée", "carte  bancaire".
	Match string
	// MessageID is the i18n message the web layer shows.
	MessageID string
}

// Verdict is what the rules say of a post.
type Verdict struct {
	// Refused lists every reason to refuse the post; the post may not be
	// saved while it is not empty.
	Refused []Finding
	// Flagged lists findings that do not refuse the post but send it to
	// the moderation queue: the portal's flag words (rules.flag_words).
	Flagged []Finding
	// Hold says that an accepted post must wait for a référent before
	// anyone else sees it (the portal's premoderation).
	Hold bool
}

// Refused is the error every capability returns when the portal's rules
// refuse what someone wrote: each finding quotes what triggered it, in its
// field, so the person can fix it. The web layer shows it on the form or
// as a 422, in one place.
type Refused struct{ Findings []Finding }

func (r *Refused) Error() string {
	return fmt.Sprintf("rules: refused by %d finding(s)", len(r.Findings))
}

// Accepted reports whether the post may be saved: no rule refuses it. It
// may still have to wait for moderation (Hold).
func (v Verdict) Accepted() bool { return len(v.Refused) == 0 }

// outcome is what a rule's findings do to a post.
type outcome uint8

const (
	refuse outcome = iota
	flag
)

// matcher finds what one rule objects to in a text.
type matcher interface {
	// match appends to out the spans of tokens of t it objects to, in
	// reading order and without overlap.
	match(t *text, out []span) []span
}

// span is a finding in the field being checked: tokens a to b-1, found by
// the rule at index rule of the Set.
type span struct {
	a, b int32
	rule uint8
}

// rule is one rule of a Set.
type rule struct {
	id, messageID string
	outcome       outcome
	m             matcher
}

// Set is a portal's rules, compiled once when the portal is loaded and
// shared by every request: Check is safe for concurrent use.
type Set struct {
	rules []rule
	hold  bool
	// pool keeps the scratch memory of Check (folded text, offsets,
	// tokens) from one post to the next, so that checking a post that
	// passes allocates nothing.
	pool sync.Pool
}

// New compiles a portal's rules. Everything that can be prepared ahead is:
// Check runs on every post and edit.
func New(r tenant.Rules) *Set {
	s := &Set{hold: r.Premoderation}
	if r.ServicesMustBeFree {
		s.rules = append(s.rules, rule{
			id: RuleServicesMustBeFree, messageID: MessageMoney, outcome: refuse, m: moneyMatcher{},
		})
	}
	if p := newPhraseMatcher(r.ForbiddenWords); p != nil {
		s.rules = append(s.rules, rule{
			id: RuleForbiddenWord, messageID: MessageForbiddenWord, outcome: refuse, m: p,
		})
	}
	if p := newPhraseMatcher(r.FlagWords); p != nil {
		s.rules = append(s.rules, rule{
			id: RuleFlagWord, messageID: MessageFlagWord, outcome: flag, m: p,
		})
	}
	return s
}

// maxPooled is the largest scratch buffer kept for the next Check: an
// unusually long post should not pin its memory for the life of the
// process.
const maxPooled = 64 << 10

// Check applies the rules to the fields of a post and returns every
// finding, in the order of fields and then of their text.
func (s *Set) Check(fields ...Field) Verdict {
	v := Verdict{Hold: s.hold}
	if len(s.rules) == 0 {
		return v
	}
	t, _ := s.pool.Get().(*text)
	if t == nil {
		t = new(text)
	}
	for _, f := range fields {
		t.reset(f.Text)
		for ri := range s.rules {
			n := len(t.spans)
			t.spans = s.rules[ri].m.match(t, t.spans)
			for k := n; k < len(t.spans); k++ {
				t.spans[k].rule = uint8(ri)
			}
		}
		// Each rule reports in reading order; a stable sort interleaves
		// them and keeps the rules' order where two start together.
		slices.SortStableFunc(t.spans, func(x, y span) int { return cmp.Compare(x.a, y.a) })
		if len(t.spans) > 0 {
			// One allocation for the field's findings; no rule flags yet.
			v.Refused = slices.Grow(v.Refused, len(t.spans))
		}
		for _, sp := range t.spans {
			r := &s.rules[sp.rule]
			fd := Finding{Rule: r.id, Field: f.Name, Match: t.quote(int(sp.a), int(sp.b)), MessageID: r.messageID}
			if r.outcome == flag {
				v.Flagged = append(v.Flagged, fd)
			} else {
				v.Refused = append(v.Refused, fd)
			}
		}
	}
	// The post itself must not stay reachable from the pool.
	t.orig = ""
	if cap(t.folded) <= maxPooled {
		s.pool.Put(t)
	}
	return v
}
