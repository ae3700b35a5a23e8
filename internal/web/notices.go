package web

// notices are the confirmations a page shows after a redirect (?fait=…),
// for every feature. Only these keys are accepted, so a link cannot make
// the site say anything; Page reads them.
var notices = map[string]string{
	"confirme":    "confirm.done",
	"deconnecte":  "logout.done",
	"nouveau-mdp": "reset.done",
	"lien":        "confirm.resend.sent",
	"oubli":       "forgot.sent",
	"email":       "account.email.changed",
	"mdp":         "account.password.changed",
	"session":     "account.sessions.ended",
	"supprime":    "account.delete.done",
	"connexion":   "login.required",
	"role":        "admin.roles.done",
	"publiee":     "post.published",
	"modifiee":    "post.updated",
	"en-attente":  "post.pending",
	"prolongee":   "post.renewed",
	"fermee":      "post.closed",
	"envoye":      "conversation.sent",
	"aidant":      "conversation.helper_chosen",
	"signale":     "report.done",
	"prevenus":    "match.notified",
	"jeton":       "account.tokens.revoked",
	"actualite":   "news.published",
	"decide":      "moderation.done",
	"leve":        "moderation.lifted",

	"decide-sans-courriel": "moderation.done_without_email",
	// events
	"evenement-publie":     "events.published",
	"evenement-en-attente": "events.pending.notice",
	"inscrit":              "events.signup.done",
	"liste-attente":        "events.signup.waiting_done",
	"desinscrit":           "events.signup.left",
	"inscription-fermee":   "events.signup.closed",
	"date-annulee":         "events.day_cancelled",

	// forum and profiles
	"sujet":            "forum.created",
	"sujet-en-attente": "forum.created_pending",
	"reponse":          "forum.replied",
	"suivi":            "forum.followed",
	"plus-suivi":       "forum.unfollowed",
	"profil":           "profile.saved",
}
