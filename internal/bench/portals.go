// Package bench measures how fast and how far one deployment goes: it
// generates portals, drives the real server over loopback at fixed
// concurrency, measures floors on the same machine in the same run, and
// writes the results (build/bench/). `make bench` runs it through
// cmd/entraide-bench; it is never part of `make test`.
package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Portal is one portal the benchmark serves: a demo portal or a generated one.
type Portal struct {
	Slug        string `json:"slug"`
	Host        string `json:"host"`
	Departement string `json:"departement"`
	Generated   bool   `json:"generated"`
}

// templatePortal is the demo portal every generated one copies: it has every
// module, so every page the benchmark asks for exists on every portal.
const templatePortal = "tousvoisins44.yaml"

// generatedDepartements are the départements whose territory data ships
// with the platform; generated portals take them in turn.
var generatedDepartements = []string{"14", "44", "48"}

// GeneratedSlug is the slug of the i-th generated portal (from 1):
// bench0001, …, bench1000. The number is the portal's rank, which the
// "tenant #1 versus tenant #1,000" figure compares.
func GeneratedSlug(i int) string { return fmt.Sprintf("bench%04d", i) }

// WritePortals fills dst with the demo portals of src and n generated
// portals copied from the demo portal with every module, each with its own
// slug, name, host and sender. Portal i lives in département
// generatedDepartements[i%3], so #1 and #1,000 share one (the same map and
// communes): what differs between them is only their rank.
func WritePortals(src, dst string, n int) ([]Portal, error) {
	if err := os.RemoveAll(dst); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var portals []Portal
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			return nil, err
		}
		slug, host, dep := fieldOf(b, "slug"), firstHost(b), fieldOf(b, "departement")
		portals = append(portals, Portal{Slug: slug, Host: host, Departement: dep})
	}
	tmpl, err := os.ReadFile(filepath.Join(src, templatePortal))
	if err != nil {
		return nil, fmt.Errorf("bench: the generated portals copy %s: %w", templatePortal, err)
	}
	for i := 1; i <= n; i++ {
		p := Portal{Slug: GeneratedSlug(i), Departement: generatedDepartements[i%len(generatedDepartements)], Generated: true}
		p.Host = p.Slug + ".localhost"
		body := string(tmpl)
		body = replaceLine(body, "slug", p.Slug)
		body = replaceLine(body, "name", fmt.Sprintf("Portail d'essai n° %d", i))
		body = replaceLine(body, "departement", fmt.Sprintf("%q", p.Departement))
		body = hostsBlock.ReplaceAllString(body, "hosts:\n  - "+p.Host+"\n")
		body = replaceLine(body, "  from_address", fmt.Sprintf("%q", "entraide@"+p.Host))
		if err := os.WriteFile(filepath.Join(dst, p.Slug+".yaml"), []byte(body), 0o644); err != nil {
			return nil, err
		}
		portals = append(portals, p)
	}
	return portals, nil
}

var hostsBlock = regexp.MustCompile(`(?m)^hosts:\n(?:  - .*\n)+`)

// replaceLine sets the top-level (or indented, when key starts with
// spaces) YAML key to value.
func replaceLine(body, key, value string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `: .*$`)
	return re.ReplaceAllLiteralString(body, key+": "+value)
}

func fieldOf(b []byte, key string) string {
	m := regexp.MustCompile(`(?m)^` + key + `: *(.*)$`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return strings.Trim(strings.TrimSpace(string(m[1])), `"`)
}

func firstHost(b []byte) string {
	m := regexp.MustCompile(`(?m)^hosts:\n  - (.*)$`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}
