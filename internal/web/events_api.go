package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/gin-gonic/gin"
)

// eventsAPIRoutes adds the calendar to the JSON API (agenda module), with
// the same service, rules and messages as the pages.
func (s *Server) eventsAPIRoutes(api, auth *gin.RouterGroup) {
	api.GET("/events", s.requireModule("agenda"), s.apiListEvents)
	api.GET("/events/:id", s.requireModule("agenda"), s.apiGetEvent)
	auth.POST("/events", s.requireModule("agenda"), s.apiCreateEvent)
	auth.POST("/events/:id/signups", s.requireModule("agenda"), s.apiSignUp)
	auth.DELETE("/events/:id/signups/:day", s.requireModule("agenda"), s.apiLeaveEvent)
}

// apiEventsWindow is the longest period one list may cover.
const apiEventsWindow = 93 * 24 * time.Hour

type apiOccurrence struct {
	Day        string    `json:"day"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Registered *int      `json:"registered,omitempty"`
	Waiting    *int      `json:"waiting,omitempty"`
	Mine       string    `json:"my_signup,omitempty"`
}

type apiRecurrence struct {
	Freq       string   `json:"freq"`
	Interval   int      `json:"interval"`
	Weekdays   []string `json:"weekdays,omitempty"`
	MonthWeek  int      `json:"month_week,omitempty"`
	Until      string   `json:"until,omitempty"`
	Count      int      `json:"count,omitempty"`
	Exceptions []string `json:"exceptions,omitempty"`
}

type apiEvent struct {
	ID            int64           `json:"id"`
	URL           string          `json:"url"`
	Category      string          `json:"category"`
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	Commune       apiPlace        `json:"commune"`
	EPCI          string          `json:"epci"`
	Address       string          `json:"address,omitempty"`
	Online        bool            `json:"online"`
	OnlineURL     string          `json:"online_url,omitempty"`
	Start         time.Time       `json:"start"`
	End           time.Time       `json:"end"`
	Capacity      *int            `json:"capacity"`
	Accessibility string          `json:"accessibility,omitempty"`
	Organiser     *apiPlace       `json:"organiser,omitempty"` // name and URL (as Code) of a relayed event
	Recurrence    apiRecurrence   `json:"recurrence"`
	Visibility    string          `json:"visibility"`
	Cancelled     bool            `json:"cancelled"`
	Author        string          `json:"author"`
	Occurrences   []apiOccurrence `json:"occurrences,omitempty"`
}

func (s *Server) apiEventOf(c *gin.Context, e events.Event) apiEvent {
	days := func(ts []time.Time) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.Format("2006-01-02")
		}
		return out
	}
	r := apiRecurrence{Freq: e.Recurrence.Freq, Interval: e.Recurrence.Interval, Weekdays: e.Recurrence.Weekdays,
		MonthWeek: e.Recurrence.MonthWeek, Count: e.Recurrence.Count, Exceptions: days(e.Recurrence.Exceptions)}
	if e.Recurrence.Until != nil {
		r.Until = e.Recurrence.Until.Format("2006-01-02")
	}
	out := apiEvent{ID: e.ID, URL: s.baseURL(c) + "/agenda/" + strconv.FormatInt(e.ID, 10), Category: e.Category, Title: e.Title,
		Description: e.Description, Commune: apiPlace{e.CommuneCode, s.communeName(e.CommuneCode)}, EPCI: e.EPCICode,
		Address: e.Address, Online: e.Online, OnlineURL: e.OnlineURL, Start: e.Start, End: e.End, Capacity: e.Capacity,
		Accessibility: e.Accessibility, Recurrence: r, Visibility: e.Visibility, Cancelled: e.CancelledAt != nil, Author: e.AuthorName}
	if e.Relayed() {
		out.Organiser = &apiPlace{Code: e.OrganiserURL, Name: e.OrganiserName}
	}
	return out
}

// apiEventsFail answers an events error: field errors and rule refusals
// as 422, a closed date as 409, the rest as the pages do.
func (s *Server) apiEventsFail(c *gin.Context, err error) {
	l := localizer(c, s)
	switch {
	case errors.Is(err, events.ErrClosed):
		c.AbortWithStatusJSON(http.StatusConflict, gin.H{"error": gin.H{
			"status": http.StatusConflict, "title": l.T("events.signup.closed"), "message": l.T("events.signup.closed"),
		}})
	case errors.Is(err, events.ErrNotFound):
		s.renderError(c, errNotFound)
	case errors.Is(err, events.ErrNotAllowed):
		s.renderError(c, errForbidden)
	default:
		s.apiFail(c, err)
	}
}

func (s *Server) apiListEvents(c *gin.Context) {
	today := time.Now().In(events.Paris)
	from := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, events.Paris)
	to := from.AddDate(0, 0, 31)
	fields := map[string]string{}
	if v := c.Query("from"); v != "" {
		d, err := time.ParseInLocation("2006-01-02", v, events.Paris)
		if err != nil {
			fields["from"] = "events.error.day"
		}
		from, to = d, d.AddDate(0, 0, 31)
	}
	if v := c.Query("to"); v != "" {
		d, err := time.ParseInLocation("2006-01-02", v, events.Paris)
		if err != nil || !d.After(from) || d.Sub(from) > apiEventsWindow {
			fields["to"] = "events.error.day"
		}
		to = d
	}
	if len(fields) > 0 {
		s.apiFail(c, invalid.Fields(fields))
		return
	}
	f := events.Filter{From: from, To: to, Category: c.Query("theme"), EPCI: c.Query("epci")}
	if u := currentUser(c); u != nil {
		f.Viewer = u.ID
	}
	list, err := s.Events.List(c.Request.Context(), f)
	if err != nil {
		s.apiEventsFail(c, err)
		return
	}
	out := make([]apiEvent, len(list))
	for i, it := range list {
		out[i] = s.apiEventOf(c, it.Event)
		out[i].Occurrences = []apiOccurrence{{Day: it.When.Day, Start: it.When.Start, End: it.When.End}}
	}
	c.JSON(http.StatusOK, gin.H{"events": out, "from": from.Format("2006-01-02"), "to": to.Format("2006-01-02")})
}

func (s *Server) apiGetEvent(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	e, err := s.Events.Get(c.Request.Context(), id, viewer)
	if err != nil {
		s.apiEventsFail(c, err)
		return
	}
	att, err := s.Events.Attendance(c.Request.Context(), id, viewer)
	if err != nil {
		s.apiEventsFail(c, err)
		return
	}
	out := s.apiEventOf(c, e)
	for _, o := range s.Events.Next(e, nextShown) {
		a := att[o.Day]
		ao := apiOccurrence{Day: o.Day, Start: o.Start, End: o.End, Registered: &a.Registered, Waiting: &a.Waiting}
		if a.Mine != nil {
			ao.Mine = a.Mine.Status
		}
		out.Occurrences = append(out.Occurrences, ao)
	}
	c.JSON(http.StatusOK, out)
}

type apiEventDraft struct {
	Category      string        `json:"category"`
	Title         string        `json:"title"`
	Description   string        `json:"description"`
	Commune       string        `json:"commune"`
	Address       string        `json:"address"`
	Online        bool          `json:"online"`
	OnlineURL     string        `json:"online_url"`
	Day           string        `json:"day"`
	StartTime     string        `json:"start_time"`
	EndTime       string        `json:"end_time"`
	EndDay        string        `json:"end_day"`
	Capacity      int           `json:"capacity"`
	Accessibility string        `json:"accessibility"`
	OrganiserName string        `json:"organiser_name"`
	OrganiserURL  string        `json:"organiser_url"`
	Recurrence    apiRecurrence `json:"recurrence"`
}

func (s *Server) apiCreateEvent(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	var d apiEventDraft
	if !s.bindJSON(c, &d) {
		return
	}
	e, err := s.Events.Create(c.Request.Context(), currentUser(c).ID, events.Draft{
		Category: d.Category, Title: d.Title, Description: d.Description, CommuneCode: d.Commune, Address: d.Address,
		Online: d.Online, OnlineURL: d.OnlineURL, Day: d.Day, StartTime: d.StartTime, EndTime: d.EndTime, EndDay: d.EndDay,
		Capacity: d.Capacity, Accessibility: d.Accessibility, OrganiserName: d.OrganiserName, OrganiserURL: d.OrganiserURL,
		Recurrence: d.Recurrence.Freq, Interval: d.Recurrence.Interval, Weekdays: d.Recurrence.Weekdays,
		MonthWeek: d.Recurrence.MonthWeek, Until: d.Recurrence.Until, Count: d.Recurrence.Count, Exceptions: d.Recurrence.Exceptions,
	})
	if err != nil {
		s.apiEventsFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.apiEventOf(c, e))
}

func (s *Server) apiSignUp(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var b struct {
		Day string `json:"day"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	su, err := s.Events.SignUp(c.Request.Context(), currentUser(c).ID, id, b.Day)
	if err != nil {
		s.apiEventsFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"event_id": su.EventID, "day": su.Day, "status": su.Status, "position": su.Position})
}

func (s *Server) apiLeaveEvent(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	if err := s.Events.Leave(c.Request.Context(), currentUser(c).ID, id, c.Param("day"), s.baseURL(c)); err != nil {
		s.apiEventsFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
