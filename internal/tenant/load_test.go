package tenant_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/theme"
)

// validPortal is a portal file that passes every check. Each broken case
// below changes exactly one thing in it, so the problem it reports can only
// come from that change.
const validPortal = `slug: testportal
name: Portail de test
departement: "14"
hosts:
  - testportal.localhost
  - entraide.testportal.localhost
theme: calvados
locales:
  default: fr
  enabled: [fr, en]
modules: [entraide, agenda]
categories:
  - code: courses
    label: {fr: "Courses", en: "Shopping"}
    description: {fr: "On fait vos courses.", en: "We do your shopping."}
  - code: ecoute
    label: {fr: "Un appel pour parler", en: "A friendly call"}
    description: {fr: "Un bénévole vous appelle.", en: "A volunteer calls you."}
rules:
  services_must_be_free: true
  premoderation: false
  request_expiry_days: 30
  forbidden_words: ["RIB"]
`

// installedThemes stands in for theme.Set.Has so that these tests do not
// depend on the themes directory.
func installedThemes(name string) bool { return name == "calvados" || name == "lozere" }

// writeFiles writes each name → content pair into dir and returns the path
// of every file by name, so that tests can compare against Problem.File.
func writeFiles(t *testing.T, dir string, files map[string]string) map[string]string {
	t.Helper()
	paths := make(map[string]string, len(files))
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
		paths[name] = p
	}
	return paths
}

// replace applies one edit to the valid portal. It fails the test when the
// text to replace is missing, so that a typo in a case cannot silently leave
// the file valid and make the case test nothing.
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validPortal, old) {
		t.Fatalf("test bug: %q does not occur in the valid portal", old)
	}
	return strings.Replace(validPortal, old, new, 1)
}

// loadProblems runs LoadDir and insists that it failed with Problems.
func loadProblems(t *testing.T, dir string) tenant.Problems {
	t.Helper()
	tenants, err := tenant.LoadDir(dir, installedThemes)
	if err == nil {
		t.Fatalf("LoadDir(%s) = %d portal(s), nil error; want problems", dir, len(tenants))
	}
	if tenants != nil {
		t.Errorf("LoadDir returned %d portal(s) alongside an error; want nil", len(tenants))
	}
	var ps tenant.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("LoadDir error is %T (%v); want tenant.Problems", err, err)
	}
	if len(ps) == 0 {
		t.Fatalf("LoadDir returned an empty Problems")
	}
	return ps
}

// findProblem returns the first problem in file about field whose message
// contains word (any message when word is empty).
func findProblem(ps tenant.Problems, file, field, word string) (tenant.Problem, bool) {
	for _, p := range ps {
		if p.File == file && p.Field == field && strings.Contains(p.Message, word) {
			return p, true
		}
	}
	return tenant.Problem{}, false
}

func TestLoadDirDemoPortals(t *testing.T) {
	themes, err := theme.LoadDir("../../themes")
	if err != nil {
		t.Fatalf("theme.LoadDir(../../themes): %v", err)
	}
	tenants, err := tenant.LoadDir("../../tenants", themes.Has)
	if err != nil {
		t.Fatalf("LoadDir(../../tenants): %v", err)
	}

	var slugs []string
	for _, tn := range tenants {
		slugs = append(slugs, string(tn.Slug))
	}
	want := []string{"calvados", "lozere", "tousvoisins44"}
	if !slices.Equal(slugs, want) {
		t.Fatalf("slugs = %v, want %v (sorted)", slugs, want)
	}

	for _, tn := range tenants {
		t.Run(string(tn.Slug), func(t *testing.T) {
			if len(tn.Categories) < 6 {
				t.Errorf("%d categories, want at least 6", len(tn.Categories))
			}
			for i, c := range tn.Categories {
				for _, l := range []string{"fr", "en"} {
					if strings.TrimSpace(c.Label[l]) == "" {
						t.Errorf("categories[%d] (%s) has no %s label", i, c.Code, l)
					}
				}
			}
			host := string(tn.Slug) + ".localhost"
			if !slices.Contains(tn.Hosts, host) {
				t.Errorf("hosts = %v, want them to include %q", tn.Hosts, host)
			}
			if !themes.Has(tn.Theme) {
				t.Errorf("theme %q is not installed", tn.Theme)
			}
			if want := filepath.Join("../../tenants", string(tn.Slug)+".yaml"); tn.File != want {
				t.Errorf("File = %q, want %q", tn.File, want)
			}
		})
	}

	// Tous voisins 44 lists interests, "cuisine" among them: its residents
	// find each other through it.
	if _, ok := tenants[2].Interest("cuisine"); !ok || len(tenants[2].Interests) < 8 {
		t.Errorf("tousvoisins44: interests %v, want a list with cuisine", tenants[2].Interests)
	}

	// Calvados is the portal whose charter forbids any paid service.
	if !tenants[0].Rules.ServicesMustBeFree {
		t.Errorf("calvados: Rules.ServicesMustBeFree = false, want true")
	}
}

func TestLoadDirValidPortal(t *testing.T) {
	// The broken cases rely on the base file being valid; this proves it and
	// that every field is decoded where it belongs.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"testportal.yaml": validPortal})
	tenants, err := tenant.LoadDir(dir, installedThemes)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	if len(tenants) != 1 {
		t.Fatalf("got %d portals, want 1", len(tenants))
	}
	tn := tenants[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Slug", tn.Slug, tenant.Slug("testportal")},
		{"Name", tn.Name, "Portail de test"},
		{"Departement", tn.Departement, "14"},
		{"Hosts", strings.Join(tn.Hosts, ","), "testportal.localhost,entraide.testportal.localhost"},
		{"Theme", tn.Theme, "calvados"},
		{"Locales.Default", tn.Locales.Default, "fr"},
		{"Locales.Enabled", strings.Join(tn.Locales.Enabled, ","), "fr,en"},
		{"Modules", strings.Join(tn.Modules, ","), "entraide,agenda"},
		{"len(Categories)", len(tn.Categories), 2},
		{"Categories[1].Code", tn.Categories[1].Code, "ecoute"},
		{"Categories[1].Label.en", tn.Categories[1].Label["en"], "A friendly call"},
		{"Categories[0].Description.fr", tn.Categories[0].Description["fr"], "On fait vos courses."},
		{"Rules.ServicesMustBeFree", tn.Rules.ServicesMustBeFree, true},
		{"Rules.Premoderation", tn.Rules.Premoderation, false},
		{"Rules.RequestExpiryDays", tn.Rules.RequestExpiryDays, 30},
		{"Rules.ForbiddenWords", strings.Join(tn.Rules.ForbiddenWords, ","), "RIB"},
		{"Rules.ResidentsCreateEvents", tn.Rules.ResidentsCreateEvents, false},
		{"File", tn.File, filepath.Join(dir, "testportal.yaml")},
		{"Schema()", tn.Schema(), "tenant_testportal"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestLoadDirBrokenPortal(t *testing.T) {
	tests := []struct {
		name  string
		yaml  func(t *testing.T) string
		field string
		word  string // a word the message must contain; empty: any message
	}{
		{
			name:  "unknown top-level key",
			yaml:  func(t *testing.T) string { return validPortal + "colour: blue\n" },
			field: "colour",
			word:  "unknown field",
		},
		{
			name: "unknown nested key",
			yaml: func(t *testing.T) string {
				return replace(t, "  premoderation: false\n", "  premoderation: false\n  bogus: 1\n")
			},
			field: "rules.bogus",
			word:  "unknown field",
		},
		{
			// A string where a list is expected is a mistake, not a
			// comma-separated list: viper's default hooks would split it.
			name: "hosts as one comma-separated string",
			yaml: func(t *testing.T) string {
				return replace(t, "hosts:\n  - testportal.localhost\n  - entraide.testportal.localhost\n", "hosts: \"testportal.localhost,other.localhost\"\n")
			},
			field: "hosts",
			word:  "malformed",
		},
		{
			name: "malformed number",
			yaml: func(t *testing.T) string {
				return replace(t, "request_expiry_days: 30", `request_expiry_days: "trente"`)
			},
			field: "rules.request_expiry_days",
			word:  "malformed",
		},
		{
			// YAML reads an unquoted 14 as a number; "01" would even lose its
			// leading zero, so the file must quote it.
			name:  "unquoted departement",
			yaml:  func(t *testing.T) string { return replace(t, `departement: "14"`, "departement: 14") },
			field: "departement",
			word:  "quotes",
		},
		{
			name:  "departement that does not exist",
			yaml:  func(t *testing.T) string { return replace(t, `departement: "14"`, `departement: "99"`) },
			field: "departement",
			word:  `"99"`,
		},
		{
			name:  "slug with capitals and punctuation",
			yaml:  func(t *testing.T) string { return replace(t, "slug: testportal", `slug: "Calvados!"`) },
			field: "slug",
			word:  "Calvados!",
		},
		{
			name:  "missing name",
			yaml:  func(t *testing.T) string { return replace(t, "name: Portail de test\n", "") },
			field: "name",
			word:  "required",
		},
		{
			name: "host with a port",
			yaml: func(t *testing.T) string {
				return replace(t, "  - testportal.localhost\n", "  - testportal.localhost:8080\n")
			},
			field: "hosts[0]",
			word:  "without port",
		},
		{
			name: "host with capitals",
			yaml: func(t *testing.T) string {
				return replace(t, "  - testportal.localhost\n", "  - TestPortal.localhost\n")
			},
			field: "hosts[0]",
			word:  "lower-case",
		},
		{
			name: "host with a scheme",
			yaml: func(t *testing.T) string {
				return replace(t, "  - entraide.testportal.localhost\n", "  - https://entraide.testportal.localhost\n")
			},
			field: "hosts[1]",
			word:  "scheme",
		},
		{
			name:  "theme that is not installed",
			yaml:  func(t *testing.T) string { return replace(t, "theme: calvados", "theme: nosuchtheme") },
			field: "theme",
			word:  "nosuchtheme",
		},
		{
			name: "unknown module",
			yaml: func(t *testing.T) string {
				return replace(t, "modules: [entraide, agenda]", "modules: [entraide, agenda, chat]")
			},
			field: "modules[2]",
			word:  `unknown module "chat"`,
		},
		{
			name: "module listed twice",
			yaml: func(t *testing.T) string {
				return replace(t, "modules: [entraide, agenda]", "modules: [entraide, entraide]")
			},
			field: "modules[1]",
			word:  "twice",
		},
		{
			name: "malformed residents_create_events",
			yaml: func(t *testing.T) string {
				return replace(t, "  premoderation: false\n", "  premoderation: false\n  residents_create_events: peut-être\n")
			},
			field: "rules.residents_create_events",
			word:  "malformed",
		},
		{
			name: "residents_create_events without the agenda module",
			yaml: func(t *testing.T) string {
				return replace(t, "modules: [entraide, agenda]\nc", "modules: [entraide]\nc") + "  residents_create_events: true\n"
			},
			field: "rules.residents_create_events",
			word:  "agenda",
		},
		{
			name:  "duplicate category code",
			yaml:  func(t *testing.T) string { return replace(t, "code: ecoute", "code: courses") },
			field: "categories[1].code",
			word:  "twice",
		},
		{
			name: "category without the en label while en is enabled",
			yaml: func(t *testing.T) string {
				return replace(t, `label: {fr: "Courses", en: "Shopping"}`, `label: {fr: "Courses"}`)
			},
			field: "categories[0].label.en",
			word:  "required",
		},
		{
			name: "useful link in clear http",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:", strings.Replace(`links:
  - title: {fr: "Service public", en: "Public services"}
    url: "https://www.service-public.fr/"
rules:`, "https://www", "http://www", 1))
			},
			field: "links[0].url",
			word:  "https",
		},
		{
			name: "useful link to a script",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:", strings.Replace(`links:
  - title: {fr: "Service public", en: "Public services"}
    url: "https://www.service-public.fr/"
rules:`, "https://www.service-public.fr/", "javascript:alert(1)", 1))
			},
			field: "links[0].url",
			word:  "https",
		},
		{
			name: "useful link under an unknown theme",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:", strings.Replace(`links:
  - title: {fr: "Service public", en: "Public services"}
    url: "https://www.service-public.fr/"
rules:`, "  - title:", "  - theme: bricolage\n    title:", 1))
			},
			field: "links[0].theme",
			word:  "category",
		},
		{
			name: "useful link without its English title",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:", strings.Replace(`links:
  - title: {fr: "Service public", en: "Public services"}
    url: "https://www.service-public.fr/"
rules:`, `, en: "Public services"`, "", 1))
			},
			field: "links[0].title.en",
			word:  "required",
		},
		{
			name: "category label longer than 60 characters",
			yaml: func(t *testing.T) string {
				return replace(t, `en: "Shopping"`, `en: "`+strings.Repeat("é", 61)+`"`)
			},
			field: "categories[0].label.en",
			word:  "60",
		},
		{
			name: "default locale not enabled",
			yaml: func(t *testing.T) string {
				return replace(t, "  default: fr\n  enabled: [fr, en]", "  default: en\n  enabled: [fr]")
			},
			field: "locales.default",
			word:  "locales.enabled",
		},
		{
			name:  "unknown locale",
			yaml:  func(t *testing.T) string { return replace(t, "enabled: [fr, en]", "enabled: [fr, en, de]") },
			field: "locales.enabled[2]",
			word:  `"de"`,
		},
		{
			name: "request expiry of zero days",
			yaml: func(t *testing.T) string {
				return replace(t, "request_expiry_days: 30", "request_expiry_days: 0")
			},
			field: "rules.request_expiry_days",
			word:  "between 1 and 365",
		},
		{
			name: "request expiry of more than a year",
			yaml: func(t *testing.T) string {
				return replace(t, "request_expiry_days: 30", "request_expiry_days: 400")
			},
			field: "rules.request_expiry_days",
			word:  "(got 400)",
		},
		{
			name: "empty forbidden word",
			yaml: func(t *testing.T) string {
				return replace(t, `forbidden_words: ["RIB"]`, `forbidden_words: ["RIB", " "]`)
			},
			field: "rules.forbidden_words[1]",
			word:  "empty",
		},
		{
			name: "empty flag word",
			yaml: func(t *testing.T) string {
				return replace(t, `forbidden_words: ["RIB"]`, `forbidden_words: ["RIB"]
  flag_words: ["whatsapp", ""]`)
			},
			field: "rules.flag_words[1]",
			word:  "empty",
		},
		{
			name: "interest with a bad code",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:\n", `interests:
  - code: Cuisine
    label: {fr: "Cuisine", en: "Cooking"}
rules:
`)
			},
			field: "interests[0].code",
			word:  "lower-case",
		},
		{
			name: "interest listed twice",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:\n", `interests:
  - code: cuisine
    label: {fr: "Cuisine", en: "Cooking"}
  - code: cuisine
    label: {fr: "Cuisiner", en: "Cooking"}
rules:
`)
			},
			field: "interests[1].code",
			word:  "twice",
		},
		{
			name: "interest without an English label",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:\n", `interests:
  - code: jardin
    label: {fr: "Jardin"}
rules:
`)
			},
			field: "interests[0].label.en",
			word:  "every enabled locale",
		},
		{
			name: "interest with an unknown key",
			yaml: func(t *testing.T) string {
				return replace(t, "rules:\n", `interests:
  - code: jardin
    label: {fr: "Jardin", en: "Garden"}
    age: 30
rules:
`)
			},
			field: "interests[0].age",
			word:  "unknown field",
		},
		{
			name:  "invalid YAML syntax",
			yaml:  func(t *testing.T) string { return replace(t, "theme: calvados\n", "theme: [calvados\n") },
			field: "",
			word:  "YAML",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFiles(t, dir, map[string]string{"testportal.yaml": tc.yaml(t)})["testportal.yaml"]
			ps := loadProblems(t, dir)
			if _, ok := findProblem(ps, file, tc.field, tc.word); !ok {
				t.Errorf("no problem with File %q, Field %q and a message containing %q; got:\n%v",
					file, tc.field, tc.word, ps)
			}
		})
	}
}

func TestLoadDirCrossFileProblems(t *testing.T) {
	// other is a second valid portal; each case edits it to clash with the
	// valid portal in a.yaml. It sorts after a.yaml, so it is the file that
	// the clash is reported against.
	other := func(t *testing.T, old, new string) string {
		t.Helper()
		s := replace(t, "slug: testportal", "slug: other")
		s = strings.Replace(s, "  - testportal.localhost\n  - entraide.testportal.localhost\n",
			"  - other.localhost\n  - entraide.other.localhost\n", 1)
		if !strings.Contains(s, old) {
			t.Fatalf("test bug: %q does not occur in the second portal", old)
		}
		return strings.Replace(s, old, new, 1)
	}
	tests := []struct {
		name  string
		b     func(t *testing.T) string
		field string
		word  string
	}{
		{
			name:  "same slug",
			b:     func(t *testing.T) string { return other(t, "slug: other", "slug: testportal") },
			field: "slug",
			word:  "a.yaml",
		},
		{
			name: "shared host",
			b: func(t *testing.T) string {
				return other(t, "  - entraide.other.localhost\n", "  - testportal.localhost\n")
			},
			field: "hosts[1]",
			word:  `"testportal.localhost" is already a host of`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := writeFiles(t, dir, map[string]string{
				"a.yaml": validPortal,
				"b.yaml": tc.b(t),
			})
			ps := loadProblems(t, dir)
			if _, ok := findProblem(ps, paths["b.yaml"], tc.field, tc.word); !ok {
				t.Errorf("no problem with File %q, Field %q and a message containing %q; got:\n%v",
					paths["b.yaml"], tc.field, tc.word, ps)
			}
			if _, ok := findProblem(ps, paths["b.yaml"], tc.field, paths["a.yaml"]); !ok {
				t.Errorf("the clash does not name the first file %q; got:\n%v", paths["a.yaml"], ps)
			}
			for _, p := range ps {
				if p.File == paths["a.yaml"] {
					t.Errorf("problem reported against the first, valid file: %v", p)
				}
			}
		})
	}
}

func TestLoadDirEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	// A file with another extension is not a portal and must not count.
	writeFiles(t, dir, map[string]string{"README.md": "not a portal"})
	ps := loadProblems(t, dir)
	if len(ps) != 1 || ps[0].File != dir || !strings.Contains(ps[0].Message, "no portal file") {
		t.Errorf("problems = %v, want one problem for %q saying there is no portal file", ps, dir)
	}
}

func TestLoadDirReadsYmlAndSortsBySlug(t *testing.T) {
	// File names sort the other way round from slugs, so a result in slug
	// order proves LoadDir sorts rather than keeping the directory order.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml": replace(t, "slug: testportal", "slug: zeta"),
		"b.yml": strings.Replace(replace(t, "slug: testportal", "slug: alpha"),
			"  - testportal.localhost\n  - entraide.testportal.localhost\n", "  - alpha.localhost\n", 1),
	})
	tenants, err := tenant.LoadDir(dir, installedThemes)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	var slugs []tenant.Slug
	for _, tn := range tenants {
		slugs = append(slugs, tn.Slug)
	}
	if want := []tenant.Slug{"alpha", "zeta"}; !slices.Equal(slugs, want) {
		t.Errorf("slugs = %v, want %v", slugs, want)
	}
}

func TestLoadDirReportsEveryProblem(t *testing.T) {
	t.Run("three mistakes in one file", func(t *testing.T) {
		dir := t.TempDir()
		s := replace(t, "slug: testportal", "slug: X")
		s = strings.Replace(s, `departement: "14"`, `departement: "99"`, 1)
		s = strings.Replace(s, "request_expiry_days: 30", "request_expiry_days: 0", 1)
		file := writeFiles(t, dir, map[string]string{"p.yaml": s})["p.yaml"]
		ps := loadProblems(t, dir)
		if len(ps) < 3 {
			t.Errorf("got %d problem(s), want at least 3:\n%v", len(ps), ps)
		}
		for _, field := range []string{"slug", "departement", "rules.request_expiry_days"} {
			if _, ok := findProblem(ps, file, field, ""); !ok {
				t.Errorf("no problem for field %q; got:\n%v", field, ps)
			}
		}
	})

	t.Run("two broken files", func(t *testing.T) {
		dir := t.TempDir()
		paths := writeFiles(t, dir, map[string]string{
			"a.yaml": replace(t, "theme: calvados", "theme: nosuchtheme"),
			"b.yaml": strings.Replace(replace(t, "slug: testportal", "slug: other"),
				"  - testportal.localhost\n  - entraide.testportal.localhost\n", "  - other.localhost\n", 1) +
				"colour: blue\n",
		})
		ps := loadProblems(t, dir)
		if _, ok := findProblem(ps, paths["a.yaml"], "theme", ""); !ok {
			t.Errorf("no theme problem for %s; got:\n%v", paths["a.yaml"], ps)
		}
		if _, ok := findProblem(ps, paths["b.yaml"], "colour", ""); !ok {
			t.Errorf("no colour problem for %s; got:\n%v", paths["b.yaml"], ps)
		}
	})
}

func TestProblemsError(t *testing.T) {
	ps := tenant.Problems{
		{File: "tenants/a.yaml", Field: "slug", Message: "required"},
		{File: "tenants/b.yaml", Field: "hosts[1]", Message: "already a host"},
		{File: "tenants", Message: "no portal file"},
	}
	got := ps.Error()
	lines := strings.Split(got, "\n")
	want := []string{
		"3 problem(s) in portal configuration:",
		"tenants/a.yaml: slug: required",
		"tenants/b.yaml: hosts[1]: already a host",
		"tenants: no portal file",
	}
	if len(lines) != len(want) {
		t.Fatalf("Error() has %d line(s), want %d:\n%s", len(lines), len(want), got)
	}
	for i := range want {
		if strings.TrimSpace(lines[i]) != want[i] {
			t.Errorf("line %d = %q, want %q", i, strings.TrimSpace(lines[i]), want[i])
		}
	}
}
