package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// Interest profiles (module "profils"): a person's page, shown to other
// signed-in people of the portal once they opt in; the edit page at
// /compte/profil; "Des voisins qui aiment aussi…" on one's own page; and
// a first message to a neighbour, which opens a private conversation.

// profileView is a profile page's data.
type profileView struct {
	Profile profile.Profile
	Mine    bool
	// Shared are the interests the viewer and this person have in
	// common (someone else's page).
	Shared []string
	// Suggestions are the neighbours who share interests (one's own
	// page, once public).
	Suggestions []profile.Suggestion
}

// InterestLabel names an interest: its label in the portal's list, or
// the person's own words.
func (p *Page) InterestLabel(code string) string {
	if p.Portal != nil {
		if in, ok := p.Portal.Interest(code); ok {
			return in.Label.In(p.L.Lang)
		}
	}
	return code
}

// InterestList names several interests, comma-separated.
func (p *Page) InterestList(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = p.InterestLabel(c)
	}
	return strings.Join(names, ", ")
}

func (s *Server) myProfile(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/profils/"+strconv.FormatInt(currentUser(c).ID, 10))
}

func (s *Server) showProfile(c *gin.Context) {
	s.renderProfile(c, http.StatusOK, nil)
}

// renderProfile shows a profile, with the refused message form f.
func (s *Server) renderProfile(c *gin.Context, status int, f *form) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	p, err := s.Profiles.Get(ctx, me, id)
	if errors.Is(err, profile.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &profileView{Profile: p, Mine: id == me}
	if v.Mine {
		if v.Suggestions, err = s.Profiles.Suggest(ctx, me, profile.SuggestionLimit); err != nil {
			s.renderError(c, err)
			return
		}
	} else {
		mine, err := s.Profiles.Get(ctx, me, me)
		if err != nil {
			s.renderError(c, err)
			return
		}
		v.Shared = profile.Shared(p, mine)
	}
	l := localizer(c, s)
	title := l.T("profile.title", "Name", p.DisplayName)
	if v.Mine {
		title = l.T("profile.mine.title")
	}
	page := s.page(c, title, v)
	page.Form = f
	s.render(c, status, "profile", page)
}

// writeToNeighbour opens a private conversation with the person whose
// profile this is, titled with the interests they share.
func (s *Server) writeToNeighbour(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	target, err := s.Profiles.Get(ctx, me, id)
	if err != nil || id == me {
		s.renderError(c, errNotFound)
		return
	}
	mine, err := s.Profiles.Get(ctx, me, me)
	if err != nil {
		s.renderError(c, err)
		return
	}
	f := readForm(c, "body")
	p := s.page(c, "", nil)
	title := s.neighbourTitle(p, profile.Shared(mine, target))
	conv, err := s.Conversations.Start(ctx, me, id, title, f.Value("body"), s.baseURL(c))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/messages/"+strconv.FormatInt(conv, 10)+"?fait=envoye")
	case s.applyError(c, f, err):
		s.renderProfile(c, http.StatusUnprocessableEntity, f)
	default:
		s.renderError(c, err)
	}
}

// neighbourTitle is the title of a conversation between neighbours: the
// interests they share, or the plain words without them.
func (s *Server) neighbourTitle(p *Page, shared []string) string {
	list := p.InterestList(shared)
	if list == "" {
		return p.L.T("profile.conversation.plain")
	}
	title := p.L.T("profile.conversation.title", "Interests", list)
	if r := []rune(title); len(r) > 100 {
		title = string(r[:99]) + "…"
	}
	return title
}

// profileEditView is the edit page's data.
type profileEditView struct{ Profile profile.Profile }

func (s *Server) profileForm(c *gin.Context) {
	u := currentUser(c)
	p, err := s.Profiles.Get(c.Request.Context(), u.ID, u.ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	public := ""
	if p.Public {
		public = "1"
	}
	t := currentTenant(c)
	f := &form{values: map[string]string{"public": public, "interests": strings.Join(listedCodes(p, t), ","),
		"tags": strings.Join(p.Tags(t), ", "), "offer": p.Offer}, errors: map[string]string{}}
	page := s.page(c, localizer(c, s).T("profile.edit.title"), &profileEditView{Profile: p})
	page.Form = f
	s.render(c, http.StatusOK, "profile_edit", page)
}

func (s *Server) saveProfile(c *gin.Context) {
	u := currentUser(c)
	l := localizer(c, s)
	f := readForm(c, "public", "tags", "offer")
	listed := c.PostFormArray("interests")
	f.values["interests"] = strings.Join(listed, ",")
	_, err := s.Profiles.Save(c.Request.Context(), u.ID, profile.Edit{Public: f.Value("public") != "", Listed: listed,
		Tags: f.Value("tags"), Offer: f.Value("offer")})
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/profils/"+strconv.FormatInt(u.ID, 10)+"?fait=profil")
		return
	case !s.applyError(c, f, err):
		s.renderError(c, err)
		return
	}
	page := s.page(c, l.T("profile.edit.title"), &profileEditView{})
	page.Form = f
	s.render(c, http.StatusUnprocessableEntity, "profile_edit", page)
}

// listedCodes are the profile's interests that are in the portal's list.
func listedCodes(p profile.Profile, t *tenant.Tenant) []string {
	var out []string
	for _, in := range p.Listed(t) {
		out = append(out, in.Code)
	}
	return out
}
