package web

import (
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// Pages are made for slow mobile connections: HTML, CSS, SVG and JSON go
// out gzip-compressed to every client that accepts it (all browsers do),
// which divides their size by about four.

// BestSpeed: `make bench` found the default level spending a fifth of the
// server's time on the home page compressing it; the fastest level
// compresses these small pages nearly as well (a few hundred bytes more
// per page) for a third of the work.
//
// klauspost/compress rather than the standard library's compress/gzip:
// at that level the standard one still took about a sixth of the server's
// time on a signed-in list page (pprof, `make bench -profile`), and this
// one compresses an 11 KB list page in less than half the time, to within
// a few dozen bytes of the same size. Its output is plain gzip. Pages the
// page cache keeps are compressed once, by the standard library.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// compressible are the content types worth compressing; images other than
// SVG and fonts (woff2) are compressed already.
var compressible = []string{"text/html", "text/css", "text/plain", "image/svg+xml", "application/json", "application/javascript", "text/javascript"}

// compress gzips the response when the client accepts it and the content
// type gains from it. Caches are told that the answer depends on
// Accept-Encoding.
func compress(c *gin.Context) {
	c.Header("Vary", "Accept-Encoding")
	if c.Request.Method == "HEAD" || !acceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.Next()
		return
	}
	w := &gzipWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer w.close()
	c.Next()
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}

// gzipWriter decides at the first byte of the body, when the status and
// content type are known, whether to compress.
type gzipWriter struct {
	gin.ResponseWriter
	decided bool
	gz      *gzip.Writer
}

func (w *gzipWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	ct := h.Get("Content-Type")
	ok := h.Get("Content-Encoding") == "" && w.Status() != 204 && w.Status() != 304
	if ok {
		ok = false
		for _, t := range compressible {
			if strings.HasPrefix(ct, t) {
				ok = true
				break
			}
		}
	}
	if !ok {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	// The compressed bytes differ from the plain ones: a strong ETag would
	// claim they are the same.
	if etag := h.Get("ETag"); strings.HasPrefix(etag, `"`) {
		h.Set("ETag", "W/"+etag)
	}
	w.gz = gzipWriters.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

func (w *gzipWriter) Write(p []byte) (int, error) {
	w.decide()
	if w.gz == nil {
		return w.ResponseWriter.Write(p)
	}
	return w.gz.Write(p)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *gzipWriter) Flush() {
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

func (w *gzipWriter) close() {
	if w.gz == nil {
		return
	}
	_ = w.gz.Close()
	gzipWriters.Put(w.gz)
	w.gz = nil
}
