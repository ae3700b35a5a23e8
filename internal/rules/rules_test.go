package rules_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
)

// calvados are the rules of tenants/calvados.yaml: free services and three
// forbidden phrases.
var calvados = tenant.Rules{
	ServicesMustBeFree: true,
	RequestExpiryDays:  30,
	ForbiddenWords:     []string{"carte bancaire", "RIB", "code secret"},
}

// money and forbidden are the findings expected in a "description" field.
func money(match string) rules.Finding {
	return rules.Finding{Rule: rules.RuleServicesMustBeFree, Field: "description", Match: match, MessageID: rules.MessageMoney}
}

func forbidden(match string) rules.Finding {
	return rules.Finding{Rule: rules.RuleForbiddenWord, Field: "description", Match: match, MessageID: rules.MessageForbiddenWord}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		text string
		want []rules.Finding // nil: accepted
	}{
		// Amounts with a currency, in every usual spelling.
		{"Je demande 10 € pour le ménage.", []rules.Finding{money("10 €")}},
		{"Garde d'enfants 10€ la soirée", []rules.Finding{money("10€")}},
		{"€10 per visit", []rules.Finding{money("€10")}},
		{"Je prends 10 euros.", []rules.Finding{money("10 euros")}},
		{"Tarif 10 eur", []rules.Finding{money("Tarif"), money("10 eur")}},
		{"Ménage pour 10e de l'heure", []rules.Finding{money("10e de l'heure")}},
		{"Ménage pour 10e/h", []rules.Finding{money("10e/h")}},
		{"Repassage 12 E par heure", []rules.Finding{money("12 E par heure")}},
		{"Jardinage, 15 €/h", []rules.Finding{money("15 €")}},
		{"10,50 € le repas", []rules.Finding{money("10,50 €")}},
		{"Comptez 10€50", []rules.Finding{money("10€50")}},
		{"Dix euros et c'est réglé", []rules.Finding{money("Dix euros")}},
		{"Vingt-cinq euros la séance", []rules.Finding{money("Vingt-cinq euros")}},
		{"vingt et un euros", []rules.Finding{money("vingt et un euros")}},
		// French typography puts a no-break space (or a narrow one)
		// before the sign and between thousands; the quote keeps it.
		{"Travaux : 1\u00a0000\u00a0€ environ", []rules.Finding{money("1\u00a0000\u00a0€")}},
		{"Cours 10\u202f€", []rules.Finding{money("10\u202f€")}},
		{"Un budget de 2 k€", []rules.Finding{money("2 k€")}},
		{"Un petit 20 balles et on n'en parle plus", []rules.Finding{money("20 balles")}},
		{"Guitar lessons, $15 an hour", []rules.Finding{money("$15")}},
		{"£5 for a walk", []rules.Finding{money("£5")}},
		{"Paiement en € uniquement", []rules.Finding{money("€")}},
		{"Paiement en euros uniquement", []rules.Finding{money("euros")}},
		{"Je vous rembourse 20 € pour les courses", []rules.Finding{money("20 €")}},
		{"pas plus de 10 €", []rules.Finding{money("10 €")}},

		// Words that put a price on help.
		{"Service payant", []rules.Finding{money("payant")}},
		{"Aide rémunérée", []rules.Finding{money("rémunérée")}},
		{"REMUNERATION selon profil", []rules.Finding{money("REMUNERATION")}},
		{"Voir mes tarifs", []rules.Finding{money("tarifs")}},
		{"Salaire motivant", []rules.Finding{money("Salaire")}},
		{"Un pourboire est bienvenu", []rules.Finding{money("pourboire")}},
		{"Paiement en CESU accepté", []rules.Finding{money("CESU")}},
		{"Votre prix sera le mien", []rules.Finding{money("Votre prix")}},
		{"Prix à débattre", []rules.Finding{money("Prix à débattre")}},
		{"À prix d'ami", []rules.Finding{money("prix d'ami")}},
		{"Montant à négocier", []rules.Finding{money("à négocier")}},
		{"Je le fais contre un petit billet", []rules.Finding{money("contre un petit billet")}},
		{"Cours de piano, 10e la séance", []rules.Finding{money("10e la séance")}},
		{"Ménage à petit prix", []rules.Finding{money("petit prix")}},
		{"Prix libre", []rules.Finding{money("Prix libre")}},
		{"Je peux te payer demain", []rules.Finding{money("te payer")}},
		{"Déménagement contre rétribution", []rules.Finding{money("contre rétribution")}},
		{"Je le fais contre de l'argent", []rules.Finding{money("contre de l'argent")}},
		{"Moyennant finance, bien sûr", []rules.Finding{money("Moyennant finance")}},
		{"Je cherche de l'argent de poche", []rules.Finding{money("argent de poche")}},
		{"Ménage au black", []rules.Finding{money("au black")}},
		{"Je vous paierai en fin de mois", []rules.Finding{money("vous paierai")}},
		{"Je cherche quelqu'un pour tondre, je paye.", []rules.Finding{money("je paye")}},
		{"Je paie bien !", []rules.Finding{money("Je paie bien")}},
		{"Je paye en liquide", []rules.Finding{money("Je paye en liquide")}},
		{"Je peux vous payer pour votre temps", []rules.Finding{money("vous payer")}},
		{"La voisine m'a payé pour ça", []rules.Finding{money("m'a payé")}},
		{"Vous serez payée à la fin", []rules.Finding{money("serez payée")}},
		{"C'est un travail payé, et bien payé", []rules.Finding{money("travail payé"), money("bien payé")}},
		{"Payée à l'heure.", []rules.Finding{money("Payée à l'heure")}},
		{"Babysitting paid, fee 5", []rules.Finding{money("paid"), money("fee")}},
		{"10 dollars per hour", []rules.Finding{money("10 dollars"), money("per hour")}},
		{"I will pay you", []rules.Finding{money("pay you")}},
		// Accents and look-alike characters do not hide a word, and the
		// quote is what was typed: decomposed accents, fullwidth letters.
		{"Aide re\u0301mune\u0301re\u0301e", []rules.Finding{money("re\u0301mune\u0301re\u0301e")}},
		{"Prix : 5 ｅｕｒｏｓ", []rules.Finding{money("5 ｅｕｒｏｓ")}},

		// Paying back what the helper buys, without an amount, is mutual aid.
		{"Je vous rembourse les courses", nil},
		{"Je vous paie l'essence et le péage", nil},
		{"Je vous paierai les courses à votre retour", nil},
		{"Je vous paie un café !", nil},
		{"Défraiement possible sur justificatif", nil},
		{"Je vous rembourse à l'euro près", nil},
		{"I can pay you back for the shopping", nil},
		// A negation or "free" excuses a word; zero is free.
		{"Aide bénévole, non rémunérée", nil},
		{"Ce n'est pas payant", nil},
		{"Sans aucune rémunération", nil},
		{"Je ne veux pas un euro", nil},
		{"Pas un euro ne sera demandé", nil},
		{"Je ne veux pas être payé", nil},
		{"Je ne vous paierai pas, je vous aide", nil},
		{"Tarif : gratuit", nil},
		{"Le tarif est gratuit", nil},
		{"0 € : c'est gratuit, zéro euro", nil},
		{"No fee, it is free", nil},
		// Words that look like money and are not.
		{"Un voyage en Europe, un stage europass, un député européen", nil},
		{"J'habite en Eure-et-Loir", nil},
		{"Une facture impayée à régler", nil},
		{"Grille tarifaire du bus, tarification sociale", nil},
		{"Le prix Nobel de la paix", nil},
		{"Le prix du pain a augmenté", nil},
		{"Des légumes à prix coûtant", nil},
		{"Aidez-moi à payer mes factures en ligne", nil},
		{"Vous payez les courses et je vous rembourse", nil},
		{"Je paie mes factures en ligne", nil},
		{"J'ai payé mes courses", nil},
		{"Je vous paierai le taxi", nil},
		{"Je ne comprends pas ma fiche de paie", nil},
		{"Le parking de l'hôpital est payant", nil},
		{"Je suis salariée, je travaille la journée", nil},
		// Numbers without a currency.
		{"J'ai 3 enfants", nil},
		{"Rendez-vous à 10 h devant la mairie", nil},
		{"Le bus 10 passe à 10h30", nil},
		{"J'habite 44000 Nantes, 14000 Caen", nil},
		{"Envoyez-moi un e-mail", nil},
		{"J'habite le 10e arrondissement, au 3e étage", nil},
		{"Le 10ᵉ arrondissement", nil},
		{"Je donne 10 balles de tennis", nil},
		{"Un déguisement de fée, des fées", nil},
		{"Avec mon petit salaire je n'y arrive pas", nil},
		{"Horaires à négocier ensemble, date à débattre", nil},
		{"Les courses sont payées en ligne, il faut les récupérer", nil},
		{"Le taxi est payé par la Sécu, il faut juste m'accompagner", nil},
		{"Je lui paie le bus", nil},
		{"Deux heures le 2e et le 3e jeudi", nil},

		// Forbidden words: whole words, any case or accents, plurals,
		// any spaces or punctuation inside a phrase.
		{"Envoyez votre RIB", []rules.Finding{forbidden("RIB")}},
		{"Envoyez vos RIBs", []rules.Finding{forbidden("RIBs")}},
		{"Une ribambelle d'enfants à la tribune", nil},
		{"Donnez votre Carte Bancaire", []rules.Finding{forbidden("Carte Bancaire")}},
		{"Gardez vos cartes bancaires", []rules.Finding{forbidden("cartes bancaires")}},
		{"le code  secret", []rules.Finding{forbidden("code  secret")}},
		{"CODE-SECRET", []rules.Finding{forbidden("CODE-SECRET")}},
		{"votre Code Sécret", []rules.Finding{forbidden("Code Sécret")}},
		{"la carte\nbancaire", []rules.Finding{forbidden("carte\nbancaire")}},
		{"la carte, bancaire", []rules.Finding{forbidden("carte, bancaire")}},
		{"le code de la carte", nil},
		// Every finding, in reading order, whatever the rule.
		{"Envoyez votre RIB, c'est 10 € et votre carte bancaire", []rules.Finding{
			forbidden("RIB"), money("10 €"), forbidden("carte bancaire"),
		}},
	}
	set := rules.New(calvados)
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			v := set.Check(rules.Field{Name: "description", Text: tc.text})
			if !slices.Equal(v.Refused, tc.want) {
				t.Errorf("Check(%q).Refused =\n\t%v\nwant\n\t%v", tc.text, v.Refused, tc.want)
			}
			if v.Accepted() != (len(tc.want) == 0) {
				t.Errorf("Accepted() = %v with %d findings", v.Accepted(), len(v.Refused))
			}
			if v.Hold || len(v.Flagged) != 0 {
				t.Errorf("Hold = %v, Flagged = %v; want false, none", v.Hold, v.Flagged)
			}
		})
	}
}

func TestCheckFieldsInOrder(t *testing.T) {
	set := rules.New(calvados)
	v := set.Check(
		rules.Field{Name: "title", Text: "Ménage payant, RIB"},
		rules.Field{Name: "description", Text: ""},
		rules.Field{Name: "description", Text: "Prix à débattre : 10 € de l'heure. Carte bancaire acceptée."},
	)
	want := []rules.Finding{
		{Rule: rules.RuleServicesMustBeFree, Field: "title", Match: "payant", MessageID: rules.MessageMoney},
		{Rule: rules.RuleForbiddenWord, Field: "title", Match: "RIB", MessageID: rules.MessageForbiddenWord},
		money("Prix à débattre"),
		money("10 €"),
		forbidden("Carte bancaire"),
	}
	if !slices.Equal(v.Refused, want) {
		t.Errorf("Refused =\n\t%v\nwant\n\t%v", v.Refused, want)
	}
}

// Without services_must_be_free, money is fine, but the portal's own words
// are still refused.
func TestMoneyAllowedWhenServicesMayBePaid(t *testing.T) {
	r := calvados
	r.ServicesMustBeFree = false
	set := rules.New(r)
	for _, text := range []string{"10 € de l'heure", "Service payant, rémunéré", "Je vous paierai", "€"} {
		if v := set.Check(rules.Field{Name: "description", Text: text}); !v.Accepted() {
			t.Errorf("Check(%q).Refused = %v, want none", text, v.Refused)
		}
	}
	v := set.Check(rules.Field{Name: "description", Text: "10 € par RIB"})
	if want := []rules.Finding{forbidden("RIB")}; !slices.Equal(v.Refused, want) {
		t.Errorf("Refused = %v, want %v", v.Refused, want)
	}
}

func TestHoldFollowsPremoderation(t *testing.T) {
	for _, premod := range []bool{false, true} {
		set := rules.New(tenant.Rules{ServicesMustBeFree: true, Premoderation: premod})
		for _, text := range []string{"Je fais vos courses", "10 €"} {
			v := set.Check(rules.Field{Name: "description", Text: text})
			if v.Hold != premod {
				t.Errorf("premoderation %v, Check(%q).Hold = %v", premod, text, v.Hold)
			}
		}
	}
	// A portal with no rule at all still holds posts when it moderates.
	if v := rules.New(tenant.Rules{Premoderation: true}).Check(); !v.Hold || !v.Accepted() {
		t.Errorf("empty rules with premoderation: %+v", v)
	}
}

func TestForbiddenWordsConfig(t *testing.T) {
	// Empty or punctuation-only entries are ignored; duplicates once;
	// the longest phrase wins where two start at the same word.
	set := rules.New(tenant.Rules{ForbiddenWords: []string{"", "  ", "--", "code", "Code", "code secret", "Espèces"}})
	v := set.Check(rules.Field{Name: "description", Text: "Le code secret, un code, des especes."})
	want := []rules.Finding{forbidden("code secret"), forbidden("code"), forbidden("especes")}
	if !slices.Equal(v.Refused, want) {
		t.Errorf("Refused = %v, want %v", v.Refused, want)
	}
	if v := rules.New(tenant.Rules{ForbiddenWords: []string{"", " "}}).Check(rules.Field{Name: "d", Text: "tout"}); !v.Accepted() {
		t.Errorf("blank forbidden words refused %v", v.Refused)
	}
}

func TestFlagWords(t *testing.T) {
	flagged := func(field, match string) rules.Finding {
		return rules.Finding{Rule: rules.RuleFlagWord, Field: field, Match: match, MessageID: rules.MessageFlagWord}
	}
	set := rules.New(tenant.Rules{ServicesMustBeFree: true, ForbiddenWords: []string{"RIB"}, FlagWords: []string{"urgent argent", "WhatsApp"}})
	tests := []struct {
		name    string
		fields  []rules.Field
		refused []rules.Finding
		flagged []rules.Finding
	}{
		{"nothing", []rules.Field{{Name: "description", Text: "Je fais vos courses le mardi."}}, nil, nil},
		{"a flag word is accepted and flagged",
			[]rules.Field{{Name: "title", Text: "Contact par whatsapp"}, {Name: "description", Text: "Écrivez-moi sur WhatsApp."}},
			nil, []rules.Finding{flagged("title", "whatsapp"), flagged("description", "WhatsApp")}},
		{"a phrase, accents and case ignored", []rules.Field{{Name: "description", Text: "C'est URGENT, argent liquide"}},
			nil, []rules.Finding{flagged("description", "URGENT, argent")}},
		{"refusal and flag together", []rules.Field{{Name: "description", Text: "Envoyez votre RIB sur WhatsApp"}},
			[]rules.Finding{forbidden("RIB")}, []rules.Finding{flagged("description", "WhatsApp")}},
		{"a word inside another is not flagged", []rules.Field{{Name: "description", Text: "Les whatsappeurs du quartier"}}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := set.Check(tc.fields...)
			if !slices.Equal(v.Refused, tc.refused) || !slices.Equal(v.Flagged, tc.flagged) {
				t.Errorf("Refused = %v, Flagged = %v; want %v, %v", v.Refused, v.Flagged, tc.refused, tc.flagged)
			}
		})
	}
}

// A portal's Set is shared by every request; run with -race.
func TestCheckConcurrent(t *testing.T) {
	set := rules.New(calvados)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				text := fmt.Sprintf("Post %d-%d : %d € ou votre RIB, merci", g, i, i+1)
				v := set.Check(rules.Field{Name: "description", Text: text})
				want := []rules.Finding{money(fmt.Sprintf("%d €", i+1)), forbidden("RIB")}
				if !slices.Equal(v.Refused, want) {
					t.Errorf("Check(%q) = %v, want %v", text, v.Refused, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Invalid UTF-8 and odd characters must neither panic nor quote anything
// but a piece of the input.
func TestCheckOddInput(t *testing.T) {
	set := rules.New(calvados)
	tests := []struct {
		text  string
		match string // "": accepted
	}{
		{"\xff\xfe10 €\xff", "10 €"},
		{"€", "€"},
		{"10", ""},
		{"e", ""},
		{"'", ""},
		{"\u0301", ""},
		{"ǅ 10 €", "10 €"},
		{"½ €", "½ €"},
		{"R\u00adIB", "R\u00adIB"},
		{"ŒUVRE À 5 €", "5 €"},
	}
	for _, tc := range tests {
		v := set.Check(rules.Field{Name: "description", Text: tc.text})
		var got string
		if len(v.Refused) > 0 {
			got = v.Refused[0].Match
		}
		if got != tc.match || len(v.Refused) > 1 {
			t.Errorf("Check(%q) = %v, want one finding quoting %q", tc.text, v.Refused, tc.match)
		}
	}
}
