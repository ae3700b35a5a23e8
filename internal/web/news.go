package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/news"
	"github.com/gin-gonic/gin"
)

// The news feed: the list (alerts in force on top), one item, the form
// for référents and admins, each item's picture, and the Atom feed.

const newsPageSize = 10

type newsListView struct {
	Items      []news.Item
	Now        time.Time
	MayPublish bool
	pageLinks
}

func (s *Server) newsList(c *gin.Context) {
	pageNum := pageParam(c)
	items, total, err := s.News.List(c.Request.Context(), newsPageSize, (pageNum-1)*newsPageSize)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &newsListView{Items: items, Now: time.Now(), pageLinks: newPageLinks("/actualites", nil, pageNum, total, newsPageSize)}
	if u := currentUser(c); u != nil {
		if v.MayPublish, _, err = s.News.MayPublish(c.Request.Context(), u.ID); err != nil {
			s.renderError(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "news", s.page(c, localizer(c, s).T("news.title"), v))
}

func (s *Server) newsShow(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	it, err := s.News.Get(c.Request.Context(), id)
	if errors.Is(err, news.ErrNotFound) {
		err = errNotFound
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "news_show", s.page(c, it.Title, &newsListView{Items: []news.Item{it}, Now: time.Now()}))
}

// newsImage serves an item's picture, with its type read from the bytes
// when it was uploaded and nosniff (set for every response), so a
// picture can never be run as a page.
func (s *Server) newsImage(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	ct, data, err := s.News.Image(c.Request.Context(), id)
	if errors.Is(err, news.ErrNotFound) {
		err = errNotFound
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("Content-Disposition", "inline")
	c.Data(http.StatusOK, ct, data)
}

type newsFormView struct {
	Alerts bool
}

func (s *Server) newsForm(c *gin.Context) {
	mayNews, mayAlerts, err := s.News.MayPublish(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	if !mayNews {
		s.renderError(c, errForbidden)
		return
	}
	s.render(c, http.StatusOK, "news_new", s.page(c, localizer(c, s).T("news.new.title"), &newsFormView{Alerts: mayAlerts}))
}

func (s *Server) newsPublish(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	f := readForm(c, "kind", "title", "body", "days", "image_alt")
	d := news.Draft{Kind: f.Value("kind"), Title: f.Value("title"), Body: f.Value("body"),
		AlertDays: atoiOr(f.Value("days"), 0), ImageAlt: f.Value("image_alt")}
	if d.Kind == "" {
		d.Kind = news.KindNews
	}
	if fh, err := c.FormFile("image"); err == nil {
		file, err := fh.Open()
		if err != nil {
			s.renderError(c, err)
			return
		}
		var b bytes.Buffer
		_, err = io.Copy(&b, io.LimitReader(file, news.MaxImage+1))
		file.Close()
		if err != nil {
			s.renderError(c, err)
			return
		}
		d.Image = b.Bytes()
	}
	it, err := s.News.Publish(c.Request.Context(), currentUser(c).ID, d)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/actualites/"+strconv.FormatInt(it.ID, 10)+"?fait=actualite")
	case errors.Is(err, news.ErrForbidden):
		s.renderError(c, errForbidden)
	case s.applyError(c, f, err):
		_, mayAlerts, _ := s.News.MayPublish(c.Request.Context(), currentUser(c).ID)
		p := s.page(c, localizer(c, s).T("news.new.title"), &newsFormView{Alerts: mayAlerts})
		p.Form = f
		s.render(c, http.StatusUnprocessableEntity, "news_new", p)
	default:
		s.renderError(c, err)
	}
}

func (s *Server) newsAtom(c *gin.Context) {
	items, _, err := s.News.List(c.Request.Context(), 50, 0)
	if err != nil {
		s.renderError(c, err)
		return
	}
	t := currentTenant(c)
	l := localizer(c, s)
	var b bytes.Buffer
	err = news.WriteAtom(&b, news.Feed{Title: l.T("news.feed_title", "Portal", t.Name), Host: t.Hosts[0],
		BaseURL: s.baseURL(c), Author: t.Name, Since: 2026}, items)
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", b.Bytes())
}
