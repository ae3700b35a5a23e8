package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/entraide/entraide/internal/moderation"
	"github.com/gin-gonic/gin"
)

// The moderation API: the same queue, decisions and log as the référents'
// pages, through the same service and its scope checks.

func (s *Server) apiModerationRoutes(auth *gin.RouterGroup) {
	auth.GET("/moderation/queue", s.apiModerationQueue)
	auth.GET("/moderation/dashboard", s.apiModerationDashboard)
	auth.GET("/moderation/log", s.apiModerationLog)
	auth.GET("/moderation/posts/:id", s.apiModerationItem(moderation.KindPost))
	auth.GET("/moderation/messages/:id", s.apiModerationItem(moderation.KindMessage))
	auth.POST("/moderation/posts/:id/decisions", s.apiModerationDecide(moderation.KindPost))
	auth.POST("/moderation/messages/:id/decisions", s.apiModerationDecide(moderation.KindMessage))
	auth.GET("/moderation/events/:id", s.apiModerationItem(moderation.KindEvent))
	auth.POST("/moderation/events/:id/decisions", s.apiModerationDecide(moderation.KindEvent))
	auth.GET("/moderation/forum-threads/:id", s.apiModerationItem(moderation.KindForumThread))
	auth.GET("/moderation/forum-replies/:id", s.apiModerationItem(moderation.KindForumReply))
	auth.POST("/moderation/forum-threads/:id/decisions", s.apiModerationDecide(moderation.KindForumThread))
	auth.POST("/moderation/forum-replies/:id/decisions", s.apiModerationDecide(moderation.KindForumReply))
	auth.POST("/moderation/people/:id/lift", s.apiModerationLift)
}

type apiQueueEntry struct {
	Kind     string    `json:"kind"`
	ID       int64     `json:"id"`
	EPCI     string    `json:"epci"`
	Category string    `json:"category"`
	Since    time.Time `json:"since"`
	Why      []string  `json:"why"`
	Title    string    `json:"title"`
	Excerpt  string    `json:"excerpt"`
	Reports  int       `json:"reports"`
	Reasons  []string  `json:"reasons"`
}

func (s *Server) apiModerationQueue(c *gin.Context) {
	page := pageParam(c)
	f := moderation.Filter{Why: c.Query("why"), EPCI: c.Query("epci"), Category: c.Query("category"),
		Limit: queuePageSize, Offset: (page - 1) * queuePageSize}
	queue, err := s.moderationQueuePage(c, currentUser(c).ID, f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiQueueEntry, len(queue.entries))
	for i, e := range queue.entries {
		out[i] = apiQueueEntry{Kind: e.Kind, ID: e.ID, EPCI: e.EPCI, Category: e.Category, Since: e.Since, Why: e.Why,
			Title: e.Title, Excerpt: e.Excerpt, Reports: e.Reports, Reasons: e.Reasons}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "total": queue.total, "page": page})
}

type apiReportSeen struct {
	Reason    string    `json:"reason"`
	Details   string    `json:"details"`
	CreatedAt time.Time `json:"created_at"`
	Open      bool      `json:"open"`
}

func (s *Server) apiModerationItem(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c)
		if !ok {
			return
		}
		it, err := s.Moderation.Get(c.Request.Context(), currentUser(c).ID, kind, id)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		reports := make([]apiReportSeen, len(it.Reports))
		for i, r := range it.Reports {
			reports[i] = apiReportSeen{Reason: r.Reason, Details: r.Details, CreatedAt: r.CreatedAt, Open: r.Open}
		}
		actions := it.Applicable()
		if it.Own(currentUser(c).ID) {
			actions = nil
		}
		c.JSON(http.StatusOK, gin.H{
			"kind": it.Kind, "id": it.ID, "epci": it.EPCI, "category": it.Category, "since": it.Since, "why": it.Why,
			"title": it.Title, "body": it.Body, "commune": it.CommuneCode, "visibility": it.Visibility,
			"flags": it.Flags, "moderation_reason": it.ModerationReason, "created_at": it.CreatedAt,
			"person": gin.H{"id": it.PersonID, "name": it.PersonName, "suspended_until": it.PersonSuspendedUntil,
				"earlier_decisions": it.PersonDecisions},
			"reports": reports, "actions": actions,
		})
	}
}

func (s *Server) apiModerationDecide(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c)
		if !ok {
			return
		}
		var b struct {
			Action string `json:"action"`
			Reason string `json:"reason"`
			Title  string `json:"title"`
			Days   int    `json:"days"`
		}
		if !s.bindJSON(c, &b) {
			return
		}
		err := s.Moderation.Decide(c.Request.Context(), currentUser(c).ID, moderation.Decision{Kind: kind, ID: id,
			Action: moderation.Action(b.Action), Reason: b.Reason, Title: b.Title, Days: b.Days}, s.baseURL(c))
		s.apiDecided(c, err)
	}
}

func (s *Server) apiModerationLift(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	s.apiDecided(c, s.Moderation.LiftSuspension(c.Request.Context(), currentUser(c).ID, id, b.Reason, s.baseURL(c)))
}

// apiDecided answers a decision: 200 when saved, saying whether the
// people concerned were told.
func (s *Server) apiDecided(c *gin.Context, err error) {
	var ne *moderation.NotifyError
	if err != nil && !errors.As(err, &ne) {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"saved": true, "notified": ne == nil})
}

func (s *Server) apiModerationDashboard(c *gin.Context) {
	d, err := s.Moderation.Dashboard(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	counts := func(list []moderation.Count) []gin.H {
		out := make([]gin.H, len(list))
		for i, x := range list {
			out[i] = gin.H{"code": x.Code, "waiting": x.N}
		}
		return out
	}
	medians := func(list []moderation.Median) []gin.H {
		out := make([]gin.H, len(list))
		for i, m := range list {
			out[i] = gin.H{"code": m.Code, "median_seconds": int64(m.Median.Seconds()), "decisions": m.Decisions}
		}
		return out
	}
	c.JSON(http.StatusOK, gin.H{
		"waiting": d.Waiting, "by_epci": counts(d.ByEPCI), "by_category": counts(d.ByCategory),
		"days": moderation.MedianDays, "median_seconds": int64(d.Overall.Median.Seconds()), "decisions": d.Overall.Decisions,
		"median_by_epci": medians(d.MedianByEPCI), "median_by_category": medians(d.MedianByCategory),
	})
}

type apiLogEntry struct {
	ID            int64     `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	Moderator     string    `json:"moderator"`
	Action        string    `json:"action"`
	TargetKind    string    `json:"target_kind"`
	TargetID      int64     `json:"target_id"`
	TargetLabel   string    `json:"target_label"`
	PersonID      int64     `json:"person_id"`
	Person        string    `json:"person"`
	EPCI          string    `json:"epci"`
	Category      string    `json:"category"`
	Reason        string    `json:"reason"`
	Detail        string    `json:"detail"`
	WaitedSeconds *int64    `json:"waited_seconds"`
	ReportsClosed int       `json:"reports_closed"`
}

func (s *Server) apiModerationLog(c *gin.Context) {
	f, _ := logFilter(c)
	page := pageParam(c)
	f.Limit, f.Offset = logPageSize, (page-1)*logPageSize
	entries, total, err := s.Moderation.Log(c.Request.Context(), currentUser(c).ID, f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiLogEntry, len(entries))
	for i, e := range entries {
		out[i] = apiLogEntry{ID: e.ID, CreatedAt: e.CreatedAt, Moderator: e.ModeratorName, Action: string(e.Action),
			TargetKind: e.TargetKind, TargetID: e.TargetID, TargetLabel: e.TargetLabel, PersonID: e.PersonID,
			Person: e.PersonName, EPCI: e.EPCI, Category: e.Category, Reason: e.Reason, Detail: e.Detail,
			ReportsClosed: e.ReportsClosed}
		if e.Waited != nil {
			w := int64(e.Waited.Seconds())
			out[i].WaitedSeconds = &w
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "total": total, "page": page})
}
