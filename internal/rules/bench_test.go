package rules_test

import (
	"testing"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/rules"
)

// longPost is a plausible long request, as a daughter might write it for
// her father: several paragraphs, accents, apostrophes, times, addresses,
// numbers and the vocabulary that the money rule watches ("payer",
// "courses", "prix", "rembourse", "10e") used in ways it must allow.
const longPost = `Bonjour à toutes et à tous,

Je m'appelle Claire et j'écris pour mon père, Jean-Pierre, qui a 84 ans et vit seul au 3e étage d'un immeuble sans ascenseur, rue de l'Église à Hérouville-Saint-Clair (14200). Depuis sa chute de l'hiver dernier, il marche avec une canne et ne peut plus descendre les escaliers sans aide. J'habite à Rennes, à presque deux heures de route, et je ne peux venir qu'un week-end sur deux. Ma sœur vit à l'étranger. Nous cherchons donc quelques voisins ou bénévoles qui pourraient lui rendre service, de temps en temps, dans un esprit d'entraide.

Les courses : il aurait besoin qu'on lui fasse des courses une fois par semaine, de préférence le mardi ou le mercredi matin, au supermarché de la place du Marché ou à la supérette en bas de chez lui. Ce sont des courses simples : du pain, du lait, des fruits, des yaourts, un peu de viande, son journal. Il vous donnera sa liste la veille par téléphone. Bien entendu, je vous rembourse les courses dès votre retour, sur présentation du ticket de caisse, ou il vous donnera l'argent liquide avant. Rien d'autre ne vous sera demandé. Si le magasin propose la livraison, il faudrait aussi l'aider à commander en ligne, car il ne sait pas payer sur internet et ne veut pas donner ses coordonnées au téléphone.

La pharmacie : son traitement est renouvelé le 10 de chaque mois. L'ordonnance est chez le pharmacien de l'avenue de la Libération, qui connaît mon père depuis vingt ans. Il suffit de passer chercher les médicaments, qui sont pris en charge par la Sécurité sociale et sa mutuelle : il n'y a rien à avancer. Si un jour il y a un reste à charge, je vous paierai les médicaments à l'euro près, bien sûr, mais cela n'est jamais arrivé.

Les rendez-vous : il a un rendez-vous chez le cardiologue tous les trois mois, le prochain est le jeudi 14 à 10 h 30, au centre médical du boulevard Maréchal-Juin à Caen. Le bus 10 passe devant chez lui, mais il a peur de tomber dans le bus et ne veut plus le prendre seul. Quelqu'un qui a une voiture pourrait-il l'emmener et le ramener ? Le stationnement là-bas est payant, je vous rembourse le parking et l'essence, évidemment. S'il faut attendre, il y a une salle d'attente et un café juste à côté. Le rendez-vous dure environ une heure.

La compagnie : c'est peut-être le plus important. Mon père était instituteur, il adore parler d'histoire, de la Normandie, du Débarquement, et il joue très bien aux échecs et à la belote. Depuis qu'il ne sort plus, il s'ennuie et ne voit personne de la journée, à part l'aide à domicile qui passe une demi-heure le matin. Une visite d'une heure ou deux par semaine, ou un simple appel téléphonique pour prendre de ses nouvelles, lui ferait énormément de bien. Il a un petit jardin partagé au pied de l'immeuble, avec deux pots de tomates et des fraises dont il est très fier ; si quelqu'un aime jardiner, il serait ravi de partager ses conseils et ses récoltes.

L'informatique : je lui ai offert une tablette à Noël pour qu'il puisse m'appeler en vidéo et voir ses petits-enfants, qui habitent au Canada. Il a du mal avec l'écran tactile, les mots de passe et les mises à jour. Une personne patiente pourrait-elle lui montrer, deux ou trois fois, comment répondre à un appel, regarder ses photos et lire ses courriels ? Il ne faut jamais lui demander ses codes ni ses papiers : je m'occupe moi-même de ses comptes.

Ce que nous proposons en retour : pas grand-chose, sinon beaucoup de reconnaissance. Mon père fait un excellent gâteau aux pommes et connaît tous les coins à champignons du bocage ; il a aussi une bibliothèque pleine de livres qu'il prête volontiers. Je précise que nous cherchons de l'entraide entre voisins et non un service à domicile : tout se fait gratuitement, sans contrepartie, et chacun donne le temps qu'il peut. Si vous ne pouvez aider qu'une seule fois, c'est déjà formidable.

Les papiers : chaque mois, il reçoit des courriers de la caisse de retraite, de la mutuelle et des impôts, qu'il a du mal à lire à cause de sa vue. Quelqu'un pourrait-il, une fois de temps en temps, l'aider à trier son courrier et à remplir un formulaire ? Il garde tout dans une boîte à chaussures sur le buffet du salon. Pour les démarches en ligne, il a un compte sur le site des impôts, mais c'est moi qui m'en occupe à distance.

Pour des raisons de sécurité, je préfère que nous nous parlions d'abord par la messagerie du site, puis par téléphone, et que la première rencontre ait lieu un samedi où je suis présente. Mon père a l'habitude de fermer sa porte à clé et de regarder par le judas avant d'ouvrir : présentez-vous en disant que vous venez de la part de Claire.

Je sais que beaucoup d'entre vous aident déjà leurs propres parents ou voisins, et je vous remercie d'avance d'avoir lu ce long message jusqu'au bout. N'hésitez pas à me répondre même pour une seule de ces demandes, ou pour me conseiller une association du quartier si vous en connaissez une. Belle journée à vous, et prenez soin de vous. Mon père vous dit déjà merci.

Claire`

// BenchmarkCheckLongText measures the portal's rules (free services, word
// lists) on a long post they accept: the cost of a form with a long text.
func BenchmarkCheckLongText(b *testing.B) {
	set := rules.New(calvados)
	field := rules.Field{Name: "description", Text: longPost}
	if v := set.Check(field); !v.Accepted() {
		b.Fatalf("the benchmark post is refused: %v", v.Refused)
	}
	b.SetBytes(int64(len(longPost)))
	b.ReportAllocs()
	for b.Loop() {
		set.Check(field)
	}
	b.ReportMetric(float64(utf8.RuneCountInString(longPost)), "chars")
}

// BenchmarkCheckLongTextRefused is the same post with amounts and a
// forbidden word in it: the cost of building findings.
func BenchmarkCheckLongTextRefused(b *testing.B) {
	set := rules.New(calvados)
	field := rules.Field{Name: "description", Text: longPost + "\n\nPS : 10 € de l'heure, envoyez votre RIB. Tarif : 15 €/h."}
	if v := set.Check(field); len(v.Refused) != 4 {
		b.Fatalf("want 4 findings, got %v", v.Refused)
	}
	b.ReportAllocs()
	for b.Loop() {
		set.Check(field)
	}
	b.ReportMetric(float64(utf8.RuneCountInString(field.Text)), "chars")
}
