package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// The référents' pages: the queue of what waits for them, one item with
// its context and the decisions, their dashboard, and the admin's log of
// decisions. The moderation service checks every scope; these handlers
// only read forms and choose pages.

// queuePageSize is how many items a queue page lists.
const queuePageSize = 20

// A page of a référent's queue changes only by a write (a post, a report,
// a decision, a change of roles), so it is remembered, as pages of the list
// are (rememberedRows), for this référent alone: two référents share
// nothing, whatever their reach. Their work stays as fresh as the
// database's: a decision is a write, and the queue is read again after it.

type queueKey struct {
	portal    tenant.Slug
	moderator int64
	filter    moderation.Filter
}

// queuePage is a page of the queue and how many entries match in all.
type queuePage struct {
	entries []moderation.QueueEntry
	total   int
}

// maxQueues bounds the remembered queue pages (20 entries each).
const maxQueues = 1_000

// moderationQueuePage is s.Moderation.Queue, remembered (rememberedRows).
func (s *Server) moderationQueuePage(c *gin.Context, moderatorID int64, f moderation.Filter) (queuePage, error) {
	k := queueKey{portal: currentTenant(c).Slug, moderator: moderatorID, filter: f}
	return rememberedRows(s, c, &s.queues, k, maxQueues,
		func() (queuePage, error) {
			entries, total, err := s.Moderation.Queue(c.Request.Context(), moderatorID, f)
			return queuePage{entries: entries, total: total}, err
		})
}

// queueView is the queue page's data.
type queueView struct {
	Entries []moderation.QueueEntry
	Total   int
	Filter  moderation.Filter
	// EPCIs and Categories are the codes the référent may filter by.
	EPCIs, Categories []string
	pageLinks
}

// pageLinks are the previous and next links of a paginated list.
type pageLinks struct {
	PageNum, Pages   int
	PrevURL, NextURL string
}

// newPageLinks links the pages of a list at path with the filters q.
func newPageLinks(path string, q url.Values, page, total, size int) pageLinks {
	p := pageLinks{PageNum: page, Pages: (total + size - 1) / size}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// moderationKinds maps the path's French word to the item kind.
var moderationKinds = map[string]string{"annonce": moderation.KindPost, "message": moderation.KindMessage,
	"sujet": moderation.KindForumThread, "reponse": moderation.KindForumReply, "evenement": moderation.KindEvent}

// itemPath is the page of an item.
func itemPath(kind string, id int64) string {
	for word, k := range moderationKinds {
		if k == kind {
			return "/moderation/" + word + "/" + strconv.FormatInt(id, 10)
		}
	}
	return "/moderation"
}

// ItemPath is the moderation page of a queue entry, for the templates.
func (p *Page) ItemPath(kind string, id int64) string { return itemPath(kind, id) }

func (s *Server) moderationQueue(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	reach, err := s.Authz.ReachOf(ctx, u.ID, authz.ActModerate)
	if err != nil {
		s.renderError(c, err)
		return
	}
	if reach.None() {
		s.renderError(c, errForbidden)
		return
	}
	pageNum := pageParam(c)
	f := moderation.Filter{Why: c.Query("motif"), EPCI: c.Query("epci"), Category: c.Query("categorie"),
		Limit: queuePageSize, Offset: (pageNum - 1) * queuePageSize}
	queue, err := s.moderationQueuePage(c, u.ID, f)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.showQueue(c, reach, f, pageNum, queue)
}

// showQueue draws a page of the queue from what was read, with the filters
// the référent's reach allows. It is apart from moderationQueue so that the
// rendering benchmark measures exactly what a request pays for the page.
func (s *Server) showQueue(c *gin.Context, reach authz.Reach, f moderation.Filter, pageNum int, queue queuePage) {
	t := currentTenant(c)
	v := &queueView{Entries: queue.entries, Total: queue.total, Filter: f}
	for _, e := range s.Atlas.EPCIs(t.Departement) {
		if reach.Anywhere || slices.Contains(reach.EPCIs, e.Code) {
			v.EPCIs = append(v.EPCIs, e.Code)
		}
	}
	for _, cat := range t.Categories {
		if reach.Anywhere || slices.Contains(reach.Categories, cat.Code) {
			v.Categories = append(v.Categories, cat.Code)
		}
	}
	q := url.Values{}
	for k, val := range map[string]string{"motif": f.Why, "epci": f.EPCI, "categorie": f.Category} {
		if val != "" {
			q.Set(k, val)
		}
	}
	v.pageLinks = newPageLinks("/moderation", q, pageNum, queue.total, queuePageSize)
	s.render(c, http.StatusOK, "moderation_queue", s.page(c, localizer(c, s).T("moderation.queue.title"), v))
}

// decisionView is an item page's data: the item and its decision forms.
type decisionView struct {
	Item moderation.Item
	Days []int
	// Sent names the decision form that was sent and refused, so only
	// that form shows what was typed (FormFor).
	Sent      string
	Own       bool
	Suspended bool
	// Path is the item page, where its forms post.
	Path string
}

// SentForm tells FormFor which form was sent.
func (v *decisionView) SentForm() string { return v.Sent }

// Offers reports whether the item page offers an action.
func (v *decisionView) Offers(action string) bool {
	return !v.Own && slices.Contains(v.Item.Applicable(), moderation.Action(action))
}

// moderationTarget reads the kind and id of the path.
func (s *Server) moderationTarget(c *gin.Context, word string) (string, int64, bool) {
	id, ok := s.idParam(c)
	return moderationKinds[word], id, ok
}

func (s *Server) moderationItem(word string) gin.HandlerFunc {
	return func(c *gin.Context) {
		kind, id, ok := s.moderationTarget(c, word)
		if !ok {
			return
		}
		s.showItem(c, kind, id, http.StatusOK, nil, "")
	}
}

// showItem renders an item page, with the refused form f (named sent) when
// a decision was refused.
func (s *Server) showItem(c *gin.Context, kind string, id int64, status int, f *form, sent string) {
	u := currentUser(c)
	it, err := s.Moderation.Get(c.Request.Context(), u.ID, kind, id)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &decisionView{Item: it, Days: moderation.SuspensionDays, Sent: sent, Own: it.Own(u.ID),
		Suspended: it.PersonSuspended(time.Now()), Path: itemPath(kind, id)}
	l := localizer(c, s)
	p := s.page(c, l.T("moderation.item.title."+kind), v)
	p.Form = f
	s.render(c, status, "moderation_item", p)
}

func (s *Server) moderationDecide(word string) gin.HandlerFunc {
	return func(c *gin.Context) {
		kind, id, ok := s.moderationTarget(c, word)
		if !ok {
			return
		}
		f := readForm(c, "action", "reason", "title", "days")
		action := moderation.Action(f.Value("action"))
		d := moderation.Decision{Kind: kind, ID: id, Action: action, Reason: f.Value("reason"),
			Title: f.Value("title"), Days: atoiOr(f.Value("days"), 0)}
		err := s.Moderation.Decide(c.Request.Context(), currentUser(c).ID, d, s.baseURL(c))
		var fe invalid.Fields
		var ne *moderation.NotifyError
		switch {
		case err == nil, errors.As(err, &ne):
			notice := "decide"
			if ne != nil {
				notice = "decide-sans-courriel"
			}
			next := "/moderation"
			if action == moderation.Warn || action == moderation.Suspend || action == moderation.EditTitle {
				next = itemPath(kind, id)
			}
			c.Redirect(http.StatusSeeOther, next+"?fait="+notice)
		case errors.As(err, &fe):
			s.applyError(c, f, err)
			s.showItem(c, kind, id, http.StatusUnprocessableEntity, f, string(action))
		default:
			s.renderError(c, err)
		}
	}
}

func (s *Server) moderationLift(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	f := readForm(c, "reason", "retour")
	err := s.Moderation.LiftSuspension(c.Request.Context(), currentUser(c).ID, id, f.Value("reason"), s.baseURL(c))
	var ne *moderation.NotifyError
	if err != nil && !errors.As(err, &ne) {
		s.renderError(c, err)
		return
	}
	next := safeReturn(f.Value("retour"))
	if next == "" {
		next = "/moderation"
	}
	c.Redirect(http.StatusSeeOther, next+"?fait=leve")
}

// dashboardView is the dashboard's data.
type dashboardView struct {
	moderation.Dashboard
	Days int
}

func (s *Server) moderationDashboard(c *gin.Context) {
	d, err := s.Moderation.Dashboard(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &dashboardView{Dashboard: d, Days: moderation.MedianDays}
	s.render(c, http.StatusOK, "moderation_dashboard", s.page(c, localizer(c, s).T("moderation.dashboard.title"), v))
}

// logView is the admin's log page.
type logView struct {
	Entries []moderation.Entry
	Total   int
	Actions []moderation.Action
	Action  string
	From    string
	To      string
	// CSV is the export's address, with the same filters.
	CSV string
	pageLinks
}

const logPageSize = 50

// logFilter reads the log's filters: an action and a period of days
// (Paris time), both optional.
func logFilter(c *gin.Context) (moderation.LogFilter, url.Values) {
	f := moderation.LogFilter{Action: moderation.Action(c.Query("action"))}
	if !slices.Contains(moderation.Actions(), f.Action) {
		f.Action = ""
	}
	q := url.Values{}
	if f.Action != "" {
		q.Set("action", string(f.Action))
	}
	if d, err := time.ParseInLocation("2006-01-02", c.Query("du"), i18n.Paris()); err == nil {
		f.From = d
		q.Set("du", c.Query("du"))
	}
	if d, err := time.ParseInLocation("2006-01-02", c.Query("au"), i18n.Paris()); err == nil {
		f.To = d.AddDate(0, 0, 1)
		q.Set("au", c.Query("au"))
	}
	return f, q
}

func (s *Server) moderationLog(c *gin.Context) {
	f, q := logFilter(c)
	pageNum := pageParam(c)
	f.Limit, f.Offset = logPageSize, (pageNum-1)*logPageSize
	entries, total, err := s.Moderation.Log(c.Request.Context(), currentUser(c).ID, f)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &logView{Entries: entries, Total: total, Actions: moderation.Actions(), Action: string(f.Action),
		From: q.Get("du"), To: q.Get("au"), CSV: "/admin/moderation.csv?" + q.Encode(),
		pageLinks: newPageLinks("/admin/moderation", q, pageNum, total, logPageSize)}
	s.render(c, http.StatusOK, "admin_moderation", s.page(c, localizer(c, s).T("admin.moderation.title"), v))
}

func (s *Server) moderationLogCSV(c *gin.Context) {
	f, _ := logFilter(c)
	t := currentTenant(c)
	name := "moderation-" + string(t.Slug) + "-" + time.Now().In(i18n.Paris()).Format("2006-01-02") + ".csv"
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	// The first write commits the 200; a failure before it is a normal
	// error page, a failure after it can only be logged and the download
	// cut short.
	w := &firstWrite{ResponseWriter: c.Writer}
	if err := s.Moderation.ExportCSV(c.Request.Context(), currentUser(c).ID, f, w); err != nil {
		if !w.started {
			c.Writer.Header().Del("Content-Disposition")
			s.renderError(c, err)
			return
		}
		logger(c).Error("moderation: CSV export cut short", "error", err)
		_ = c.Error(err)
	}
}

// firstWrite remembers whether anything was written.
type firstWrite struct {
	gin.ResponseWriter
	started bool
}

func (w *firstWrite) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

// atoiOr reads a whole number, or returns def.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
