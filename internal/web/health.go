package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is alive; it touches nothing else, so a slow
// database never gets a healthy process restarted.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether this instance can serve: the database answers, and
// Redis too when one is configured. It names no portal.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	status := http.StatusOK
	body := gin.H{"database": "ok", "redis": "not configured (single instance)"}
	if err := s.DB.Ping(ctx); err != nil {
		logger(c).Error("readiness: database unreachable", "error", err)
		status, body["database"] = http.StatusServiceUnavailable, "unreachable"
	}
	if s.KV.Shared() {
		body["redis"] = "ok"
		if err := s.KV.Ping(ctx); err != nil {
			logger(c).Error("readiness: redis unreachable", "error", err)
			status, body["redis"] = http.StatusServiceUnavailable, "unreachable"
		}
	}
	body["status"] = map[bool]string{true: "ready", false: "not ready"}[status == http.StatusOK]
	c.JSON(status, body)
}
