package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/help"
	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The floors are what the machine can do at best, measured in the same run
// as the real pages so that the ratio between them says how much the
// platform costs, whatever the machine:
//
//   - GET /static serves a page captured from the real server (the list
//     page), compressed once at start: the HTTP stack's limit.
//   - GET /list/:schema runs the list page's query (help.ListQuery: the
//     very text and arguments the page runs) with the same parameters, on a pool whose
//     connections are set to that schema once, with pgx's statement cache
//     (and db.KeptPlanSQL before it when the page sends it), and renders
//     the rows into a plain template. No middleware: no
//     sessions, no rate limit, no compression, no transaction. The
//     database floor.
//
// They run in their own process (entraide-bench floor), as the real server
// does, so both compete with the load generator alike.

// floorCmd serves the floors until killed.
func floorCmd(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	dbURL := fs.String("database-url", "", "the benchmark's database")
	page := fs.String("page", "", "the captured page /static serves")
	schemas := fs.String("schemas", "", "comma-separated schemas /list/:schema may query")
	maxConns := fs.Int("max-conns", 16, "connections per schema pool (the server's db_max_conns)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*page)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return err
	}
	ctx := context.Background()
	pools := map[string]*pgxpool.Pool{}
	for _, schema := range strings.Split(*schemas, ",") {
		cfg, err := pgxpool.ParseConfig(*dbURL)
		if err != nil {
			return err
		}
		cfg.MaxConns = int32(*maxConns)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		pools[schema] = pool
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	e.GET("/static", func(c *gin.Context) {
		if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
			c.Header("Content-Encoding", "gzip")
			c.Data(http.StatusOK, "text/html; charset=utf-8", gz.Bytes())
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", body)
	})
	e.GET("/list/:schema", func(c *gin.Context) {
		pool, ok := pools[c.Param("schema")]
		if !ok {
			c.Status(http.StatusNotFound)
			return
		}
		page, _ := strconv.Atoi(c.DefaultQuery("page", "1"))
		f := help.Filter{Kind: c.Query("type"), Category: c.Query("categorie"), EPCI: c.Query("territoire"),
			Query: c.Query("q"), Near: c.Query("near"), Page: page}
		sql, args := help.ListQuery(f)
		// The page's statement alone, or after db.KeptPlanSQL in the same
		// implicit transaction when the page sends that too.
		kept := help.RunsKeptPlan(f)
		b := &pgx.Batch{}
		if kept {
			b.Queue(db.KeptPlanSQL)
		}
		b.Queue(sql, args...)
		br := pool.SendBatch(c, b)
		defer br.Close()
		if kept {
			if _, err := br.Exec(); err != nil {
				c.String(http.StatusInternalServerError, err.Error())
				return
			}
		}
		rows, err := br.Query()
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		var list []floorRow
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				rows.Close()
				c.String(http.StatusInternalServerError, err.Error())
				return
			}
			list = append(list, floorRow{Title: v[3].(string), Description: v[4].(string), Commune: v[5].(string), Created: v[18].(time.Time)})
		}
		if err := rows.Err(); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		if err := floorPage.Execute(c.Writer, list); err != nil {
			c.Error(err)
		}
	})
	addr := os.Getenv("ENTRAIDE_HTTP_ADDR")
	srv := &http.Server{Addr: addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(os.Stderr, "floor listening on", addr)
	return srv.ListenAndServe()
}

type floorRow struct {
	Title, Description, Commune string
	Created                     time.Time
}

var floorPage = template.Must(template.New("floor").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Annonces</title></head><body><main><ul>
{{range .}}<li><h2>{{.Title}}</h2><p>{{.Description}}</p><p>{{.Commune}}, {{.Created.Format "02/01/2006"}}</p></li>
{{end}}</ul></main></body></html>`))
