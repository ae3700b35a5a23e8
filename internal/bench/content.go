package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Content makes up the people, posts, events and messages the benchmark
// fills its portals with: plain French sentences of the lengths residents
// write, drawn from a fixed seed so that every run seeds the same portals.
type Content struct{ r *rand.Rand }

// NewContent returns a generator whose output depends only on seed.
func NewContent(seed uint64) *Content {
	return &Content{r: rand.New(rand.NewPCG(seed, 0x656e7472616964))}
}

// Intn is a number in [0, n).
func (c *Content) Intn(n int) int { return c.r.IntN(n) }

// Pick returns one of the strings.
func (c *Content) Pick(s []string) string { return s[c.r.IntN(len(s))] }

// Chance is true with probability p.
func (c *Content) Chance(p float64) bool { return c.r.Float64() < p }

var firstNames = []string{"Léa", "Paul", "Zoé", "Jeanne", "Louis", "Camille", "Hugo", "Manon", "Gabriel",
	"Chloé", "Arthur", "Inès", "Jules", "Alice", "Marcel", "Odette", "Yvonne", "Bernard", "Fatima",
	"Karim", "Nadia", "Thomas", "Sophie", "Élise", "Gérard", "Monique", "Sacha", "Lina", "Noé", "Rose"}

var lastInitials = "ABCDEFGHIJKLMNOPRSTVW"

// Name is a first name and an initial, as people sign on the portals.
func (c *Content) Name() string {
	return c.Pick(firstNames) + " " + string(lastInitials[c.r.IntN(len(lastInitials))]) + "."
}

var interestWords = []string{"cuisine", "jardinage", "marche", "lecture", "jeux", "musique", "tricot",
	"bricolage", "vélo", "photo", "chant", "pêche", "cinéma", "couture", "échecs"}

// Interests are one to three interests, comma-separated.
func (c *Content) Interests() string {
	n := 1 + c.r.IntN(3)
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		w := c.Pick(interestWords)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, ", ")
}

var (
	requestTitles = []string{
		"Besoin d'aide pour les courses", "Quelqu'un pour promener mon chien", "Aide pour remplir un dossier en ligne",
		"Cherche un appel de temps en temps", "Aide aux devoirs de mathématiques", "Un trajet jusqu'à l'hôpital",
		"Porter des cartons au deuxième étage", "Apprendre à faire un appel vidéo", "Garde de mon fils mercredi",
		"Aide au jardin pour bêcher le potager", "Quelqu'un pour monter une étagère", "Lire le courrier avec moi",
		"Aller à la pharmacie pour moi", "Cherche des masques en tissu", "Compagnie pour une balade au parc",
	}
	offerTitles = []string{
		"Je fais vos courses le samedi", "Je peux promener votre chien", "Aide informatique à la maison",
		"Un appel pour discuter, quand vous voulez", "Aide aux devoirs du collège", "Je vous emmène en voiture",
		"Coup de main pour un déménagement", "Je couds des masques pour les associations", "Garde d'enfants le soir",
		"Je jardine avec vous", "Petits travaux de bricolage", "Je vous apprends à utiliser la tablette",
		"Je passe à la pharmacie pour vous", "Cuisine partagée le dimanche", "Balade accompagnée au bord de l'eau",
	}
	openings = []string{
		"Bonjour à tous.", "Bonjour,", "Bonjour les voisins !", "Bonsoir,", "Salut à vous,",
	}
	situations = []string{
		"Depuis mon opération, je ne peux plus porter de charges lourdes.",
		"Je vis seule depuis le départ de mes enfants et les journées sont longues.",
		"Mon fils est en quatrième et il a du mal avec les fractions.",
		"Je travaille de nuit cette semaine et je n'ai personne pour le chien.",
		"Je suis à la retraite et j'ai du temps libre en semaine.",
		"J'habite près de la mairie, au rez-de-chaussée, avec un petit jardin.",
		"Je n'ai pas de voiture et le bus passe deux fois par jour seulement.",
		"J'ai reçu une tablette pour Noël mais je ne sais pas m'en servir.",
		"Notre association cherche des bénévoles pour la distribution alimentaire du jeudi.",
		"Je sais réparer les vélos et les petits appareils électriques.",
	}
	asks = []string{
		"Quelqu'un pourrait-il m'aider le samedi matin ?",
		"Je peux rendre service en échange, avec plaisir.",
		"Une heure ou deux suffiraient, merci d'avance.",
		"Écrivez-moi ici et on s'organise ensemble.",
		"C'est gratuit, bien sûr : on est entre voisins.",
		"Je suis disponible le mercredi après-midi et le week-end.",
		"Merci de me répondre par un message sur le site.",
	}
	// things are what posts are about, one or two per post: real posts
	// name many different things, so that a search for one word finds a
	// few posts in a hundred, not a third of them.
	things = []string{"imprimante", "tablette", "box internet", "téléphone portable", "ordinateur", "télévision",
		"machine à laver", "réfrigérateur", "lave-vaisselle", "four", "micro-ondes", "aspirateur", "radiateur",
		"chaudière", "volets", "gouttière", "haie", "pelouse", "potager", "tomates", "pommes de terre", "poules",
		"lapins", "chat", "chien", "perruche", "aquarium", "vélo", "trottinette", "voiture", "remorque", "bois de chauffage",
		"cartons", "armoire", "étagère", "lit", "canapé", "table", "chaises", "rideaux", "peinture", "papier peint",
		"ampoule", "prise électrique", "robinet", "chasse d'eau", "serrure", "boîte aux lettres", "courrier",
		"impôts", "carte vitale", "dossier CAF", "retraite", "CV", "lettre de motivation", "entretien", "permis",
		"code de la route", "mathématiques", "anglais", "français", "histoire", "physique", "piano", "guitare",
		"accordéon", "tricot", "couture", "crochet", "confiture", "soupe", "gâteau", "pain", "conserves",
		"médicaments", "ordonnance", "rendez-vous chez le médecin", "kiné", "dentiste", "lunettes", "fauteuil roulant",
		"déambulateur", "béquilles", "courses du marché", "pharmacie", "boulangerie", "bibliothèque", "journal",
		"livres", "mots croisés", "belote", "scrabble", "pétanque", "randonnée", "piscine", "gare", "aéroport",
		"bus", "tramway", "déménagement", "poussette", "siège auto", "jouets", "vêtements d'enfant", "cartable",
		"devoirs", "neige", "feuilles mortes", "barbecue", "tondeuse", "échelle", "perceuse", "scie", "clôture",
		"portail", "toiture", "grenier", "cave", "garage", "voisinage", "fête des voisins", "marché de Noël"}
	thingsSentences = []string{"C'est pour %s.", "Il s'agit de %s.", "J'ai besoin d'un coup de main avec %s.",
		"Je peux aider pour %s.", "Je m'y connais un peu en %s."}
	recurrences = []string{"le samedi matin", "chaque mercredi", "deux fois par mois", "le lundi soir"}
)

// PostText is a post's title and description, a request's or an offer's.
// Sometimes it adds words the portals send to the moderators (flag).
func (c *Content) PostText(request, flag bool) (title, description string) {
	if request {
		title = c.Pick(requestTitles)
	} else {
		title = c.Pick(offerTitles)
	}
	var b strings.Builder
	b.WriteString(c.Pick(openings))
	for range 1 + c.r.IntN(3) {
		b.WriteString(" ")
		b.WriteString(c.Pick(situations))
	}
	for range 1 + c.r.IntN(2) {
		b.WriteString(" ")
		fmt.Fprintf(&b, c.Pick(thingsSentences), c.Pick(things))
	}
	b.WriteString(" ")
	b.WriteString(c.Pick(asks))
	if flag {
		b.WriteString(" Vous pouvez aussi m'écrire sur WhatsApp.")
	}
	return title, b.String()
}

// Recurrence is a "regular" post's rhythm, in the author's words.
func (c *Content) Recurrence() string { return c.Pick(recurrences) }

var (
	eventTitles = []string{"Atelier cuisine", "Café des voisins", "Balade découverte", "Aide aux démarches en ligne",
		"Atelier réparation de vélos", "Après-midi jeux de société", "Permanence emploi", "Atelier tricot",
		"Rencontre des nouveaux habitants", "Initiation à la tablette", "Troc de plantes", "Lecture à voix haute"}
	places = []string{"Maison de quartier, salle du rez-de-chaussée", "Médiathèque, salle d'animation",
		"Salle des fêtes", "Centre social, 1er étage (ascenseur)", "Devant la mairie"}
	messages = []string{
		"Bonjour, je peux vous aider samedi vers 10 h. Cela vous convient ?",
		"Bonjour ! J'habite à côté, je peux passer demain en fin de journée.",
		"Merci beaucoup, c'est très gentil. Samedi me va très bien.",
		"Je vous appelle mercredi alors. Bonne journée à vous.",
		"Avec plaisir, à bientôt !",
	}
)

// EventText is an event's title, description and place.
func (c *Content) EventText(n int) (title, description, place string) {
	title = fmt.Sprintf("%s n° %d", c.Pick(eventTitles), n)
	description = "Un moment gratuit et ouvert à tous, débutants bienvenus. " + c.Pick(situations) +
		" Venez comme vous êtes, on vous accueille à partir de l'heure indiquée."
	return title, description, c.Pick(places)
}

// Message is one line of a conversation between neighbours.
func (c *Content) Message() string { return c.Pick(messages) }
