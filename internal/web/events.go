package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// eventRoutes mounts the calendar ("agenda" module): pages under /agenda,
// the portal's iCalendar feed at /agenda.ics (?theme= and ?territoire=
// narrow it) and a person's private feed of sign-ups. A portal without the
// module answers 404 on all of them.
func (s *Server) eventRoutes(portal *gin.RouterGroup) {
	portal.GET("/agenda.ics", s.requireModule("agenda"), s.cachePage, s.eventsFeed)
	ag := portal.Group("/agenda", s.requireModule("agenda"))
	ag.GET("", s.cachePage, s.eventsList)
	ag.GET("/nouveau", s.requireUser, s.newEventForm)
	ag.POST("/nouveau", s.requireUser, s.createEvent)
	ag.GET("/mes-inscriptions", s.requireUser, s.mySignups)
	ag.POST("/mes-inscriptions/adresse", s.requireUser, s.newFeedAddress)
	ag.GET("/prive/:file", s.privateFeed)
	ag.GET("/:id", s.cachePage, s.showEvent)
	ag.POST("/:id/inscription", s.requireUser, s.signUp)
	ag.POST("/:id/desinscription", s.requireUser, s.leaveEvent)
	ag.POST("/:id/annuler-date", s.requireUser, s.cancelEventDay)
}

// eventsView is the calendar page's data.
type eventsView struct {
	View     string // "semaine" or "mois"
	Day      string // any day of the period shown, 2006-01-02
	Theme    string
	EPCI     string
	Period   string
	Items    []eventItem
	EPCIs    []territory.EPCI
	PrevURL  string
	NextURL  string
	WeekURL  string
	MonthURL string
	FeedURL  string
	// CanCreate shows the link to the form.
	CanCreate bool
}

// eventItem is one occurrence in a list, with its time in words.
type eventItem struct {
	events.Listed
	WhenText string
}

func (s *Server) eventsList(c *gin.Context) {
	t := currentTenant(c)
	l := localizer(c, s)
	v := &eventsView{View: c.Query("vue"), Theme: c.Query("theme"), EPCI: c.Query("territoire"), EPCIs: s.Atlas.EPCIs(t.Departement)}
	if e := currentTerritory(c); e != nil && c.Request.URL.RawQuery == "" {
		v.EPCI = e.Code
	}
	if v.View != "mois" {
		v.View = "semaine"
	}
	day, err := time.ParseInLocation("2006-01-02", c.Query("date"), events.Paris)
	if err != nil {
		day = time.Now().In(events.Paris)
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, events.Paris)
	var from, to, prev, next time.Time
	if v.View == "mois" {
		from = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, events.Paris)
		to, prev, next = from.AddDate(0, 1, 0), from.AddDate(0, -1, 0), from.AddDate(0, 1, 0)
	} else {
		from = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		to, prev, next = from.AddDate(0, 0, 7), from.AddDate(0, 0, -7), from.AddDate(0, 0, 7)
	}
	v.Day = from.Format("2006-01-02")
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	list, err := s.Events.List(c.Request.Context(), events.Filter{From: from, To: to, Category: v.Theme, EPCI: v.EPCI, Viewer: viewer})
	if err != nil {
		s.renderError(c, err)
		return
	}
	for _, it := range list {
		v.Items = append(v.Items, eventItem{Listed: it, WhenText: whenText(l, it.When)})
	}
	v.Period = l.T("events.period", "From", l.Date(from), "To", l.Date(to.AddDate(0, 0, -1)))
	link := func(view string, d time.Time) string {
		q := url.Values{"vue": {view}, "date": {d.Format("2006-01-02")}}
		if v.Theme != "" {
			q.Set("theme", v.Theme)
		}
		if v.EPCI != "" {
			q.Set("territoire", v.EPCI)
		}
		return "/agenda?" + q.Encode()
	}
	v.PrevURL, v.NextURL = link(v.View, prev), link(v.View, next)
	v.WeekURL, v.MonthURL = link("semaine", from), link("mois", from)
	feed := url.Values{}
	if v.Theme != "" {
		feed.Set("theme", v.Theme)
	}
	if v.EPCI != "" {
		feed.Set("territoire", v.EPCI)
	}
	v.FeedURL = s.baseURL(c) + "/agenda.ics"
	if len(feed) > 0 {
		v.FeedURL += "?" + feed.Encode()
	}
	v.CanCreate = s.mayCreateEvents(c)
	s.render(c, http.StatusOK, "events", s.page(c, l.T("events.title"), v))
}

// mayCreateEvents says whether the signed-in person may open the event
// form: anyone where residents may propose events, else référents and
// admins. The service checks again, against the event's commune and theme.
func (s *Server) mayCreateEvents(c *gin.Context) bool {
	if currentUser(c) == nil {
		return false
	}
	return currentTenant(c).Rules.ResidentsCreateEvents || s.organiser(c)
}

// organiser says whether the signed-in person holds a role that may
// organise events somewhere (référents, admins).
func (s *Server) organiser(c *gin.Context) bool {
	grants, err := s.Authz.RolesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		logger(c).Error("authz: roles for the event link", "error", err)
		return false
	}
	for _, g := range grants {
		switch g.Role {
		case authz.RoleReferentTerritoire, authz.RoleReferentThematique, authz.RoleAdminDepartement:
			return true
		}
	}
	return false
}

// eventFormView is the data of the event form.
type eventFormView struct {
	Choices []territory.Commune
	// Pending: the person's events wait for a moderator.
	Pending bool
}

var eventFields = []string{"category", "title", "description", "commune", "commune_code", "address", "online", "online_url",
	"day", "start_time", "end_time", "end_day", "capacity", "accessibility", "organiser_name", "organiser_url",
	"recurrence", "interval", "month_week", "until", "count"}

func (s *Server) newEventForm(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	if !s.mayCreateEvents(c) {
		s.renderError(c, errForbidden)
		return
	}
	u := currentUser(c)
	f := &form{values: map[string]string{"recurrence": events.RecurNone, "interval": "1"}, errors: map[string]string{}}
	if cm, ok := s.Atlas.Commune(u.CommuneCode); ok {
		f.values["commune"], f.values["commune_code"] = cm.Name, cm.Code
	}
	s.renderEventForm(c, http.StatusOK, f, nil)
}

func (s *Server) renderEventForm(c *gin.Context, status int, f *form, choices []territory.Commune) {
	l := localizer(c, s)
	p := s.page(c, l.T("events.new.title"), &eventFormView{Choices: choices, Pending: !s.organiser(c)})
	p.Form = f
	s.render(c, status, "events_new", p)
}

func (s *Server) createEvent(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	l := localizer(c, s)
	f := readForm(c, eventFields...)
	f.values["weekdays"] = strings.Join(c.PostFormArray("weekdays"), ",")
	code, choices, problem := s.findCommune(c, f.Value("commune"), f.Value("commune_code"))
	if problem != "" {
		f.fail("commune", l.T(problem))
	}
	d := events.Draft{
		Category: f.Value("category"), Title: f.Value("title"), Description: f.Value("description"), CommuneCode: code,
		Address: f.Value("address"), Online: f.Value("online") != "", OnlineURL: f.Value("online_url"),
		Day: f.Value("day"), StartTime: f.Value("start_time"), EndTime: f.Value("end_time"), EndDay: f.Value("end_day"),
		Capacity: formInt(f.Value("capacity"), 0), Accessibility: f.Value("accessibility"),
		OrganiserName: f.Value("organiser_name"), OrganiserURL: f.Value("organiser_url"),
		Recurrence: f.Value("recurrence"), Interval: formInt(f.Value("interval"), 1), Weekdays: c.PostFormArray("weekdays"),
		MonthWeek: formInt(f.Value("month_week"), 0), Until: f.Value("until"), Count: formInt(f.Value("count"), 0),
	}
	if f.ok() {
		ev, err := s.Events.Create(c.Request.Context(), currentUser(c).ID, d)
		switch {
		case err == nil:
			notice := "evenement-publie"
			if ev.Visibility == events.VisibilityPending {
				notice = "evenement-en-attente"
			}
			c.Redirect(http.StatusSeeOther, "/agenda/"+strconv.FormatInt(ev.ID, 10)+"?fait="+notice)
			return
		case errors.Is(err, events.ErrNotAllowed):
			s.renderError(c, errForbidden)
			return
		case !s.applyError(c, f, err):
			s.renderError(c, err)
			return
		}
	}
	s.renderEventForm(c, http.StatusUnprocessableEntity, f, choices)
}

// formInt reads an optional whole number typed in a form: empty is def,
// anything else that is not a number is -1, which the service refuses
// with the field's own message.
func formInt(s string, def int) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// eventView is an event page's data.
type eventView struct {
	Event       events.Event
	Commune     string
	Recurrence  string
	Next        []occurrenceView
	CanManage   bool
	Mine        bool
	PlaceText   string
	FirstWhen   string
	CapacityTxt string
}

// occurrenceView is one date of the event page, with its places.
type occurrenceView struct {
	events.Occurrence
	WhenText string
	events.Attendance
	Left int
	Full bool
}

// nextShown is how many dates an event page lists.
const nextShown = 8

func (s *Server) showEvent(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	l := localizer(c, s)
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	ctx := c.Request.Context()
	ev, err := s.Events.Get(ctx, id, viewer)
	if errors.Is(err, events.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	att, err := s.Events.Attendance(ctx, id, viewer)
	if err != nil {
		s.renderError(c, err)
		return
	}
	manage, err := s.Events.MayManage(ctx, viewer, ev)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &eventView{Event: ev, Commune: s.communeName(ev.CommuneCode), Recurrence: recurrenceText(l, ev), CanManage: manage,
		Mine: viewer != 0 && viewer == ev.AuthorID, FirstWhen: whenText(l, events.Occurrence{Start: ev.Start, End: ev.End})}
	if ev.Capacity == nil {
		v.CapacityTxt = l.T("events.capacity.none")
	} else {
		v.CapacityTxt = l.N("events.capacity.each", *ev.Capacity)
	}
	if ev.CancelledAt == nil {
		for _, o := range s.Events.Next(ev, nextShown) {
			a := att[o.Day]
			ov := occurrenceView{Occurrence: o, WhenText: whenText(l, o), Attendance: a, Full: a.Full(ev.Capacity)}
			if ev.Capacity != nil {
				ov.Left = a.Left(*ev.Capacity)
			}
			v.Next = append(v.Next, ov)
		}
	}
	s.render(c, http.StatusOK, "events_show", s.page(c, ev.Title, v))
}

// dayAction runs one of the sign-up actions of an event page and comes
// back to the page with its notice.
func (s *Server) dayAction(c *gin.Context, act func(userID, id int64, day string) (string, error)) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	notice, err := act(currentUser(c).ID, id, c.PostForm("day"))
	switch {
	case errors.Is(err, events.ErrNotFound):
		s.renderError(c, errNotFound)
	case errors.Is(err, events.ErrNotAllowed):
		s.renderError(c, errForbidden)
	case errors.Is(err, events.ErrClosed):
		c.Redirect(http.StatusSeeOther, "/agenda/"+strconv.FormatInt(id, 10)+"?fait=inscription-fermee")
	case err != nil:
		s.renderError(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/agenda/"+strconv.FormatInt(id, 10)+"?fait="+notice)
	}
}

func (s *Server) signUp(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	s.dayAction(c, func(userID, id int64, day string) (string, error) {
		su, err := s.Events.SignUp(c.Request.Context(), userID, id, day)
		if su.Status == events.StatusWaiting {
			return "liste-attente", err
		}
		return "inscrit", err
	})
}

func (s *Server) leaveEvent(c *gin.Context) {
	s.dayAction(c, func(userID, id int64, day string) (string, error) {
		return "desinscrit", s.Events.Leave(c.Request.Context(), userID, id, day, s.baseURL(c))
	})
}

func (s *Server) cancelEventDay(c *gin.Context) {
	s.dayAction(c, func(userID, id int64, day string) (string, error) {
		return "date-annulee", s.Events.CancelDay(c.Request.Context(), userID, id, day, s.baseURL(c))
	})
}

// mySignupsView is the page of a person's sign-ups.
type mySignupsView struct {
	Items   []mySignupItem
	HasFeed bool
	// FeedURL is shown once, right after it is made.
	FeedURL string
}

type mySignupItem struct {
	events.Mine
	WhenText string
}

func (s *Server) mySignups(c *gin.Context) { s.renderMySignups(c, "") }

func (s *Server) renderMySignups(c *gin.Context, feedURL string) {
	l := localizer(c, s)
	u := currentUser(c)
	mine, err := s.Events.Upcoming(c.Request.Context(), u.ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	has, err := s.Events.HasFeed(c.Request.Context(), u.ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &mySignupsView{HasFeed: has, FeedURL: feedURL}
	for _, m := range mine {
		v.Items = append(v.Items, mySignupItem{Mine: m, WhenText: whenText(l, m.When)})
	}
	s.render(c, http.StatusOK, "events_mine", s.page(c, l.T("events.mine.title"), v))
}

// newFeedAddress makes the person's private calendar address and shows it
// once: it goes in the page, never in a redirect or a log.
func (s *Server) newFeedAddress(c *gin.Context) {
	token, err := s.Events.NewFeedToken(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.renderMySignups(c, s.baseURL(c)+"/agenda/prive/"+token+".ics")
}

// eventsFeed is the portal's iCalendar feed, whole or for one theme or
// one territory.
func (s *Server) eventsFeed(c *gin.Context) {
	t := currentTenant(c)
	l := localizer(c, s)
	theme, epci := c.Query("theme"), c.Query("territoire")
	list, err := s.Events.Feed(c.Request.Context(), theme, epci)
	if err != nil {
		s.renderError(c, err)
		return
	}
	name := l.T("events.feed.name", "Portal", t.Name)
	var parts []string
	if theme != "" {
		parts = append(parts, s.categoryLabel(c, theme))
	}
	if epci != "" {
		if e, ok := s.Atlas.EPCI(epci); ok {
			parts = append(parts, e.Name)
		}
	}
	if len(parts) > 0 {
		name = l.T("events.feed.name.filtered", "Portal", t.Name, "Filter", strings.Join(parts, ", "))
	}
	s.writeCalendar(c, events.Calendar{Name: name, Events: list})
}

// privateFeed is a person's own sign-ups, at a secret address: calendar
// apps cannot sign in.
func (s *Server) privateFeed(c *gin.Context) {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok {
		s.renderError(c, errNotFound)
		return
	}
	owner, err := s.Events.FeedOwner(c.Request.Context(), token)
	if errors.Is(err, events.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	mine, err := s.Events.ForFeed(c.Request.Context(), owner)
	if err != nil {
		s.renderError(c, err)
		return
	}
	t := currentTenant(c)
	c.Header("Cache-Control", "private, no-store")
	s.writeCalendar(c, events.Calendar{Name: localizer(c, s).T("events.feed.name.mine", "Portal", t.Name), Occurrences: mine})
}

func (s *Server) writeCalendar(c *gin.Context, cal events.Calendar) {
	cal.Host = currentTenant(c).Hosts[0]
	cal.BaseURL = s.baseURL(c)
	cal.Category = func(code string) string { return s.categoryLabel(c, code) }
	cal.Commune = s.communeName
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", cal.ICS())
}

// categoryLabel is a category's label in the request's language.
func (s *Server) categoryLabel(c *gin.Context, code string) string {
	for _, cat := range currentTenant(c).Categories {
		if cat.Code == code {
			return cat.Label.In(localizer(c, s).Lang)
		}
	}
	return code
}

// clock writes a time of day as people of the language do: "18 h 00",
// "6:00 pm".
func clock(l *i18n.Localizer, t time.Time) string {
	t = t.In(events.Paris)
	if l.Lang == "en" {
		return t.Format("3:04 pm")
	}
	return strconv.Itoa(t.Hour()) + " h " + t.Format("04")
}

// whenText writes an occurrence in words: "mardi 10 mars 2026, 18 h 00,
// jusqu'à 20 h 00".
func whenText(l *i18n.Localizer, o events.Occurrence) string {
	start := l.T("events.weekday."+events.Weekdays[(int(o.Start.In(events.Paris).Weekday())+6)%7]) + " " + l.Date(o.Start) + ", " + clock(l, o.Start)
	end := clock(l, o.End)
	if o.End.In(events.Paris).Format("2006-01-02") != o.Start.In(events.Paris).Format("2006-01-02") {
		end = l.Date(o.End) + ", " + end
	}
	return l.T("events.time.range", "Start", start, "End", end)
}

// recurrenceText says in words how an event comes back; "" when it does not.
func recurrenceText(l *i18n.Localizer, ev events.Event) string {
	r := ev.Recurrence
	var text string
	switch r.Freq {
	case events.RecurWeekly:
		days := make([]string, len(r.Weekdays))
		for i, d := range r.Weekdays {
			days[i] = l.T("events.weekday." + d)
		}
		text = l.N("events.rec.weekly", r.Interval, "Days", strings.Join(days, ", "))
	case events.RecurMonthly:
		day := l.T("events.weekday." + events.Weekdays[(int(ev.Start.Weekday())+6)%7])
		text = l.N("events.rec.monthly", r.Interval, "Nth", l.T("events.nth."+strconv.Itoa(r.MonthWeek)), "Day", day)
	default:
		return ""
	}
	if r.Until != nil {
		text += ", " + l.T("events.rec.until", "Date", l.Date(r.Until))
	}
	if r.Count > 0 {
		text += ", " + l.N("events.rec.count", r.Count)
	}
	return text
}
