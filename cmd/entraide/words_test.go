package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDir copies a directory and everything under it into a temporary one.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s no longer contains %q; update the test", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A portal's words naming a message that does not exist, and a theme
// override replacing no template, stop `tenant check` and `serve` with the
// file and the field (or the theme and the file) named.
func TestTenantCheckWordsAndThemeTemplates(t *testing.T) {
	shippedDirs(t)
	tenants, themes := copyDir(t, "../../tenants"), copyDir(t, "../../themes")
	replaceIn(t, filepath.Join(tenants, "tousvoisins44.yaml"), "id: post.kinds.demande", "id: post.kinds.besoin")
	if err := os.MkdirAll(filepath.Join(themes, "lozere", "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(themes, "lozere", "templates", "acceuil.html"), []byte(`{{define "content"}}{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tenants, themes, want string
	}{
		{"words", tenants, "../../themes", filepath.Join(tenants, "tousvoisins44.yaml") + `: words[1].id: unknown message "post.kinds.besoin"`},
		{"theme template", "../../tenants", themes, `theme "lozere"`},
	} {
		for _, cmd := range [][]string{{"tenant", "check"}, {"serve"}} {
			t.Run(tc.name+" "+strings.Join(cmd, " "), func(t *testing.T) {
				t.Setenv("ENTRAIDE_TENANTS_DIR", tc.tenants)
				t.Setenv("ENTRAIDE_THEMES_DIR", tc.themes)
				t.Setenv("ENTRAIDE_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
				var out, errOut bytes.Buffer
				if err := run(context.Background(), cmd, &out, &errOut); !errors.Is(err, errExit) {
					t.Fatalf("error = %v, want the exit-1 error; output:\n%s", err, errOut.String())
				}
				if !strings.Contains(errOut.String(), tc.want) {
					t.Fatalf("output lacks %q:\n%s", tc.want, errOut.String())
				}
			})
		}
	}
}
