package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// requireCan lets through only signed-in people allowed to do action on
// the whole portal; others get 403 (or the sign-in page if anonymous).
func (s *Server) requireCan(action authz.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		if u == nil {
			s.requireUser(c)
			return
		}
		ok, err := s.Authz.Can(c.Request.Context(), u.ID, action, authz.Target{})
		if err != nil {
			s.renderError(c, err)
			return
		}
		if !ok {
			s.renderError(c, errForbidden)
			return
		}
		c.Next()
	}
}

// grantableRoles are the roles the page offers, least trusted first.
var grantableRoles = []authz.Role{authz.RoleAssociation, authz.RoleReferentThematique, authz.RoleReferentTerritoire, authz.RoleAdminDepartement}

type personRoles struct {
	account.User
	Commune string
	Grants  []grantView
}

type grantView struct {
	Role   authz.Role
	Scopes []scopeView // empty for roles without scope
}

type scopeView struct{ Code, Name string }

type rolesView struct {
	Query      string
	People     []personRoles
	Roles      []authz.Role
	EPCIs      []territory.EPCI
	Searched   bool
	ErrorTitle string
}

func (s *Server) rolesPage(c *gin.Context) { s.renderRoles(c, http.StatusOK, "") }

func (s *Server) renderRoles(c *gin.Context, status int, problem string) {
	ctx := c.Request.Context()
	t := currentTenant(c)
	v := &rolesView{Query: c.Query("q"), Roles: grantableRoles, EPCIs: s.Atlas.EPCIs(t.Departement)}
	if v.Query == "" {
		v.Query = c.PostForm("q")
	}
	if v.Query != "" {
		v.Searched = true
		people, err := s.Accounts.Search(ctx, v.Query, 20)
		if err != nil {
			s.renderError(c, err)
			return
		}
		for _, u := range people {
			grants, err := s.Authz.RolesOf(ctx, u.ID)
			if err != nil {
				s.renderError(c, err)
				return
			}
			pr := personRoles{User: u, Commune: u.CommuneCode}
			if cm, ok := s.Atlas.Commune(u.CommuneCode); ok {
				pr.Commune = cm.Name
			}
			for _, g := range grants {
				gv := grantView{Role: g.Role}
				for _, sc := range g.Scopes {
					gv.Scopes = append(gv.Scopes, s.scopeName(c, sc))
				}
				pr.Grants = append(pr.Grants, gv)
			}
			v.People = append(v.People, pr)
		}
	}
	p := s.page(c, localizer(c, s).T("admin.roles.title"), v)
	if problem != "" {
		p.Form = &form{values: map[string]string{}, errors: map[string]string{}}
		p.Form.fail("", problem)
	}
	s.render(c, status, "admin_roles", p)
}

// scopeName shows an EPCI or a category by its name.
func (s *Server) scopeName(c *gin.Context, code string) scopeView {
	if e, ok := s.Atlas.EPCI(code); ok {
		return scopeView{code, e.Name}
	}
	l := localizer(c, s)
	for _, cat := range currentTenant(c).Categories {
		if cat.Code == code {
			return scopeView{code, cat.Label.In(l.Lang)}
		}
	}
	return scopeView{code, code}
}

// changeRole grants or revokes a role from the roles page. The scope comes
// from the select that matches the role.
func (s *Server) changeRole(grant bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		userID, _ := strconv.ParseInt(c.PostForm("user_id"), 10, 64)
		role := authz.Role(c.PostForm("role"))
		var scopes []string
		switch role {
		case authz.RoleReferentTerritoire:
			scopes = nonEmpty(c.PostForm("epci"))
		case authz.RoleReferentThematique:
			scopes = nonEmpty(c.PostForm("category"))
		}
		if sc := c.PostForm("scope"); sc != "" {
			scopes = []string{sc}
		}
		actor := authz.UserActor(currentUser(c).ID)
		var err error
		if grant {
			err = s.Authz.Grant(ctx, actor, userID, role, scopes)
		} else {
			err = s.Authz.Revoke(ctx, actor, userID, role, scopes)
		}
		l := localizer(c, s)
		switch {
		case err == nil:
			c.Redirect(http.StatusSeeOther, "/admin/roles?fait=role&q="+url.QueryEscape(c.PostForm("q")))
		case errors.Is(err, authz.ErrForbidden):
			s.renderError(c, errForbidden)
		case errors.Is(err, authz.ErrInvalidScope):
			s.renderRoles(c, http.StatusUnprocessableEntity, l.T("admin.roles.error.scope"))
		case errors.Is(err, authz.ErrInvalidRole), errors.Is(err, authz.ErrUnknownUser), errors.Is(err, authz.ErrNotGranted):
			s.renderRoles(c, http.StatusUnprocessableEntity, l.T("admin.roles.error.other"))
		default:
			s.renderError(c, err)
		}
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (s *Server) auditPage(c *gin.Context) {
	entries, err := s.Authz.Audit(c.Request.Context(), 200)
	if err != nil {
		s.renderError(c, err)
		return
	}
	// Scopes are shown by name: "Nantes Métropole", not its SIREN.
	for i := range entries {
		for j, code := range entries[i].Scopes {
			entries[i].Scopes[j] = s.scopeName(c, code).Name
		}
	}
	s.render(c, http.StatusOK, "admin_audit", s.page(c, localizer(c, s).T("admin.audit.title"), entries))
}
