package rules

import "bytes"

// lexBits says what roles a folded word can play in the money rule. A word
// may have several: "euro" is a currency after an amount and a money word
// on its own; "leur" is a pronoun ("je leur paie") and a possessive
// ("leur prix").
type lexBits uint32

const (
	lexNumWord         lexBits = 1 << iota // "dix", "vingt", "quelques": the amount in "dix euros"
	lexCurrency                            // money after an amount: "euros", "eur", "balles"
	lexSymbol                              // "€", "£", "$": money anywhere
	lexMoneyWord                           // money on its own: "payant", "tarif", "rémunéré"
	lexPayant                              // "payant" and its forms, for "parking payant"
	lexPaid                                // English "paid", which reimbursing excuses
	lexNeg                                 // "non", "pas", "sans": "non rémunéré" is fine
	lexObjPronoun                          // "vous" in "je vous paierai": a person is paid
	lexPayer                               // a form of the verb payer
	lexParticiple                          // "payé(e)(s)"
	lexPaidBy                              // "être", "bien"… before "payé": "vous serez payé"
	lexServiceNoun                         // "travail", "heure"… before "payé": "travail payé"
	lexExpense                             // what may be paid back at cost: "courses", "essence"
	lexPrixBefore                          // "votre", "quel", "petit" before "prix"
	lexPrixAfter                           // "libre", "raisonnable" after "prix"
	lexPayantExempt                        // "parking", "stationnement" before "payant"
	lexContre                              // "contre", "moyennant"
	lexContreObj                           // "paiement", "argent" after "contre"
	lexFiller                              // "de", "un", "petit" between "contre" and its object
	lexFree                                // "gratuit", "zéro": "tarif : gratuit" is fine
	lexAvoir                               // "ai", "a", "avez" in "il m'a payé"
	lexUnit                                // "heure", "h", "jour" in a rate: "10e/h"
	lexPhraseStart                         // first word of one of moneyPhrases
	lexEnPronoun                           // "you" in "pay you"
	lexPlainOnly                           // counts only typed without accents: "fee", not "fée"
	lexOwnIncome                           // "salaire": not money after "mon", "mes"
	lexFirstPossessive                     // "mon", "mes", "my": "mon salaire" is the poster's own
	lexSchedule                            // "horaires", "date" before "à négocier"
)

// moneyPhrase is a sequence of words that puts a price on help.
type moneyPhrase struct {
	words []string
	// notAfter excuses the phrase when a word with these roles comes
	// just before it: "horaires à négocier" is about time, not money.
	notAfter lexBits
}

// moneyPhrases are the phrases of the money rule.
var moneyPhrases = []moneyPhrase{
	{words: []string{"a", "negocier"}, notAfter: lexSchedule},
	{words: []string{"a", "debattre"}, notAfter: lexSchedule},
	{words: []string{"au", "black"}},
	{words: []string{"argent", "de", "poche"}},
	{words: []string{"per", "hour"}},
}

// lexicon maps a folded word to its roles. It is built once and only read
// afterwards, by every portal's Set at once.
var lexicon, maxLexLen = buildLexicon()

func buildLexicon() (wordTable[lexBits], int) {
	m := map[string]lexBits{}
	add := func(bits lexBits, words ...string) {
		for _, w := range words {
			m[w] |= bits
		}
	}
	add(lexNumWord,
		"zero", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept",
		"huit", "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze",
		"seize", "vingt", "vingts", "trente", "quarante", "cinquante",
		"soixante", "septante", "huitante", "octante", "nonante", "cent",
		"cents", "mille", "quelques",
		"one", "two", "three", "four", "five", "six", "seven", "eight",
		"nine", "ten", "twenty", "thirty", "forty", "fifty", "hundred")
	add(lexCurrency,
		"euro", "euros", "eur", "balles", "centime", "centimes", "cts",
		"dollar", "dollars", "bucks")
	add(lexSymbol, "€", "£", "$")
	add(lexMoneyWord,
		"euro", "euros", "payant", "payante", "payants", "payantes", "tarif",
		"tarifs", "salaire", "salaires", "pourboire", "pourboires", "cesu",
		"paid", "fee", "fees", "hourly", "salary", "wage", "wages")
	add(lexPayant, "payant", "payante", "payants", "payantes")
	add(lexPaid, "paid")
	add(lexNeg,
		"non", "pas", "sans", "aucun", "aucune", "aucuns", "aucunes",
		"jamais", "ni", "rien", "ne", "n",
		"no", "not", "without", "never", "nor")
	add(lexObjPronoun, "me", "m", "te", "t", "lui", "leur", "vous")
	add(lexPayer,
		"payer", "paye", "payes", "payent", "payons", "payez",
		"paie", "paies", "paient",
		"paierai", "paieras", "paiera", "paierons", "paierez", "paieront",
		"payerai", "payeras", "payera", "payerons", "payerez", "payeront",
		"paierais", "paierait", "paierions", "paieriez", "paieraient",
		"payerais", "payerait", "payerions", "payeriez", "payeraient",
		"payais", "payait", "payions", "payiez", "payaient",
		"payee", "payees")
	add(lexParticiple, "paye", "payee", "payes", "payees")
	add(lexPaidBy,
		"etre", "suis", "es", "est", "sommes", "etes", "sont",
		"serai", "seras", "sera", "serons", "serez", "seront",
		"serais", "serait", "serions", "seriez", "seraient",
		"etais", "etait", "etions", "etiez", "etaient", "ete",
		"bien", "mal")
	add(lexServiceNoun,
		"travail", "travaux", "service", "services", "job", "jobs", "boulot",
		"boulots", "mission", "missions", "prestation", "prestations",
		"heure", "heures", "garde", "gardes", "aide", "aides", "cours",
		"seance", "seances")
	add(lexExpense,
		"course", "courses", "essence", "carburant", "gasoil", "gazole",
		"plein", "peage", "peages", "frais", "achat", "achats", "medicament",
		"medicaments", "ticket", "tickets", "billet", "billets", "materiel",
		"fournitures", "parking", "cafe", "repas", "trajet", "trajets",
		"bus", "taxi", "train", "transport", "transports",
		"back", "shopping", "groceries", "petrol", "fuel")
	add(lexPrixBefore,
		"mon", "ma", "mes", "ton", "ta", "tes", "votre", "vos", "notre",
		"nos", "son", "sa", "ses", "leur", "leurs", "quel", "quelle",
		"quels", "quelles", "petit", "petits", "bon", "bons")
	add(lexPrixAfter,
		"libre", "raisonnable", "raisonnables", "modique", "modiques",
		"interessant", "interessants", "fixe", "fixes", "horaire",
		"horaires", "negociable", "negociables")
	add(lexPayantExempt, "parking", "stationnement", "peage", "autoroute")
	add(lexContre, "contre", "moyennant")
	add(lexContreObj,
		"paiement", "paiements", "payement", "argent", "finance", "finances",
		"retribution", "remuneration", "especes", "liquide", "billet", "cash")
	add(lexFiller, "de", "d", "l", "du", "un", "une", "des", "la", "le", "petit", "petite")
	add(lexFree,
		"gratuit", "gratuite", "gratuits", "gratuites", "gratuitement",
		"free", "zero")
	add(lexAvoir,
		"ai", "as", "a", "avons", "avez", "ont", "aurai", "auras", "aura",
		"aurons", "aurez", "auront", "avais", "avait", "avions", "aviez",
		"avaient")
	add(lexUnit, "h", "heure", "heures", "j", "jour", "jours", "journee", "mois", "seance", "semaine", "nuit")
	add(lexEnPronoun, "you", "me", "him", "her", "them", "us")
	// "fée" folds to "fee": the English word counts only as typed in
	// English.
	add(lexPlainOnly, "fee", "fees")
	add(lexOwnIncome, "salaire", "salaires", "salary")
	add(lexFirstPossessive, "mon", "ma", "mes", "notre", "nos", "my", "our")
	add(lexSchedule,
		"horaire", "horaires", "heure", "heures", "jour", "jours", "date",
		"dates", "creneau", "creneaux", "planning", "lieu", "lieux",
		"modalite", "modalites", "frequence", "duree")
	for _, p := range moneyPhrases {
		add(lexPhraseStart, p.words[0])
	}
	longest := 0
	for w := range m {
		longest = max(longest, len(w))
	}
	return newWordTable(m), longest
}

// moneyStems are beginnings that make a word money whatever its ending:
// every form of rémunérer and rétribuer ("rémunérée", "rémunération",
// "rétribué") says the help is paid.
var moneyStems = [][]byte{[]byte("remuner"), []byte("retribu")}

// lookup returns the roles of the folded word w.
func lookup(w []byte) lexBits {
	var bits lexBits
	if len(w) <= maxLexLen {
		bits, _ = lexicon.get(w)
	}
	if len(w) >= 7 && w[0] == 'r' {
		for _, s := range moneyStems {
			if bytes.HasPrefix(w, s) {
				bits |= lexMoneyWord
			}
		}
	}
	return bits
}
