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

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/moderation"
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
//     database floor of the pages that read posts.
//   - GET /queue/:schema runs the moderation queue's query
//     (moderation.QueueQuery) for a référent's reach given in the
//     address, and draws its rows the same way: the queue's floor.
//   - POST /write/:schema stores the form's post with the statement the
//     form runs (help.InsertQuery), and answers as the form does, with a
//     redirect to the post: the floor of the form, which writes. The list's
//     query, which only reads, is no floor for it.
//
// They run in their own process (entraide-bench floor), as the real server
// does, so both compete with the load generator alike.

// floorCmd serves the floors until killed.
func floorCmd(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	dbURL := fs.String("database-url", "", "the benchmark's database")
	page := fs.String("page", "", "the captured page /static serves")
	schemas := fs.String("schemas", "", "comma-separated schemas the floors may query and write to")
	maxConns := fs.Int("max-conns", 16, "connections per schema pool (the server's db_max_conns)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*page)
	if err != nil {
		return err
	}
	ctx := context.Background()
	pools := map[string]*pgxpool.Pool{}
	for _, schema := range strings.Split(*schemas, ",") {
		pool, err := schemaPool(ctx, *dbURL, schema, int32(*maxConns))
		if err != nil {
			return err
		}
		defer pool.Close()
		pools[schema] = pool
	}
	e, err := floorRoutes(body, pools)
	if err != nil {
		return err
	}
	addr := os.Getenv("ENTRAIDE_HTTP_ADDR")
	srv := &http.Server{Addr: addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(os.Stderr, "floor listening on", addr)
	return srv.ListenAndServe()
}

// schemaPool is a pool whose connections are set to schema once.
func schemaPool(ctx context.Context, dbURL, schema string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return pgxpool.NewWithConfig(ctx, cfg)
}

// floorRoutes are the floors: page is what /static serves, pools the
// schemas the others may read and write, by name.
func floorRoutes(body []byte, pools map[string]*pgxpool.Pool) (*gin.Engine, error) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, err
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
		page, _ := strconv.Atoi(c.DefaultQuery("page", "1"))
		f := help.Filter{Kind: c.Query("type"), Category: c.Query("categorie"), EPCI: c.Query("territoire"),
			Query: c.Query("q"), Near: c.Query("near"), Page: page}
		sql, args := help.ListQuery(f)
		// The page's statement alone, or after db.KeptPlanSQL in the same
		// implicit transaction when the page sends that too.
		serveRows(c, pools, help.RunsKeptPlan(f), sql, args, func(v []any) floorRow {
			return floorRow{Title: v[3].(string), Text: v[4].(string), Place: v[5].(string), Created: v[18].(time.Time)}
		})
	})
	e.GET("/queue/:schema", func(c *gin.Context) {
		// The référent's reach is given, where the page reads it from
		// the portal's grants (held in memory by authz).
		r := authz.Reach{Anywhere: c.Query("partout") != "", EPCIs: splitList(c.Query("epci")), Categories: splitList(c.Query("categorie"))}
		sql, args := moderation.QueueQuery(r, moderation.Filter{Limit: queuePageSize})
		serveRows(c, pools, false, sql, args, func(v []any) floorRow {
			return floorRow{Title: v[6].(string), Text: v[7].(string), Place: v[2].(string), Created: v[4].(time.Time)}
		})
	})
	e.POST("/write/:schema", func(c *gin.Context) {
		pool, ok := pools[c.Param("schema")]
		if !ok {
			c.Status(http.StatusNotFound)
			return
		}
		// The form's own fields, as the page reads them; the author and
		// the commune's EPCI are given, where the page reads them from the
		// session and the portal's atlas. No rules, no rights, no
		// moderation: those are the platform's cost.
		author, err := strconv.ParseInt(c.Query("auteur"), 10, 64)
		if err != nil {
			c.String(http.StatusBadRequest, "auteur: %v", err)
			return
		}
		d := help.Draft{Kind: c.PostForm("kind"), Category: c.PostForm("category"), Title: c.PostForm("title"),
			Description: c.PostForm("description"), CommuneCode: c.PostForm("commune_code"), Modes: c.PostFormArray("modes"),
			WhenKind: c.PostForm("when")}
		sql, args := help.InsertQuery(d, c.Query("epci"), help.VisibilityVisible, []string{}, author, time.Now().Add(floorExpiry))
		rows, _ := pool.Query(c, sql, args...) // its error comes back from CollectOneRow
		id, err := pgx.CollectOneRow(rows, func(row pgx.CollectableRow) (int64, error) {
			v, err := row.Values()
			if err != nil {
				return 0, err
			}
			return v[0].(int64), nil
		})
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.Redirect(http.StatusSeeOther, "/annonces/"+strconv.FormatInt(id, 10)+"?fait=publiee")
	})
	return e, nil
}

// queuePageSize is how many entries a page of the moderation queue lists
// (internal/web's queuePageSize).
const queuePageSize = 20

// floorExpiry is how long a post written by the write floor stays open; the
// page's comes from the portal's rules, and either is one timestamp.
const floorExpiry = 30 * 24 * time.Hour

// serveRows runs sql on the pool of the schema in the address, after
// db.KeptPlanSQL in the same implicit transaction when kept, and draws its
// rows, each read by row, into floorPage.
func serveRows(c *gin.Context, pools map[string]*pgxpool.Pool, kept bool, sql string, args []any, row func([]any) floorRow) {
	pool, ok := pools[c.Param("schema")]
	if !ok {
		c.Status(http.StatusNotFound)
		return
	}
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
		list = append(list, row(v))
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
}

// splitList reads a comma-separated list; "" is none.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type floorRow struct {
	Title, Text, Place string
	Created            time.Time
}

var floorPage = template.Must(template.New("floor").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Annonces</title></head><body><main><ul>
{{range .}}<li><h2>{{.Title}}</h2><p>{{.Text}}</p><p>{{.Place}}, {{.Created.Format "02/01/2006"}}</p></li>
{{end}}</ul></main></body></html>`))
