package tenant

import (
	"fmt"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/entraide/entraide/internal/configfile"
)

// Modules a portal can enable. A module that is not enabled answers 404.
var KnownModules = []string{
	"entraide",     // requests and offers of help
	"agenda",       // calendar of local events
	"referents",    // directory and map of référents
	"actualites",   // news feed and social-watch alerts
	"liens_utiles", // curated useful links
	"forum",        // discussion forum
	"profils",      // interest profiles
}

// Locales the platform ships translations for.
var KnownLocales = []string{"fr", "en"}

// Problem is one thing wrong in a portal's configuration file.
type Problem struct {
	File    string // path of the YAML file
	Field   string // dotted path of the field, empty for the whole file
	Message string
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Field, p.Message)
}

// Problems is every problem found in a configuration directory. It is an
// error so that callers can refuse to start on it.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in portal configuration:\n  %s", len(ps), strings.Join(lines, "\n  "))
}

// maxInterests is the most interests a portal lists: a longer list is
// hard to read on a phone.
const maxInterests = 40

var (
	codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	// Interest codes are stored among people's free tags (at most 30
	// characters), so they follow the same length.
	interestPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,29}$`)
	// Métropole 01-95 (20 is split into 2A/2B) and the overseas départements.
	departementPattern = regexp.MustCompile(`^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$`)
	hostPattern        = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// LoadDir reads every *.yaml file in dir. themeExists says whether a theme
// name is installed. It returns the portals sorted by slug, or every problem
// found across all files (never just the first).
func LoadDir(dir string, themeExists func(string) bool) ([]*Tenant, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list portal files in %s: %w", dir, err)
	}
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	if len(files) == 0 {
		return nil, Problems{{File: dir, Message: "no portal file (*.yaml) in this directory"}}
	}

	var (
		problems Problems
		tenants  []*Tenant
		slugs    = map[Slug]string{}
		hosts    = map[string]string{}
	)
	// Files are decoded in parallel (a deployment with a thousand portals
	// reads a thousand files at start, and YAML decoding is most of its
	// start time); the checks across files then run in file order, so the
	// problems come out in the same order every time.
	type loaded struct {
		t  *Tenant
		ps Problems
	}
	results := make([]loaded, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i].t, results[i].ps = loadFile(files[i], themeExists)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, file := range files {
		t, ps := results[i].t, results[i].ps
		problems = append(problems, ps...)
		if t == nil {
			continue
		}
		if other, dup := slugs[t.Slug]; dup && t.Slug != "" {
			problems = append(problems, Problem{file, "slug", fmt.Sprintf("%q is already the slug of %s", t.Slug, other)})
		}
		slugs[t.Slug] = file
		for i, h := range t.Hosts {
			if other, dup := hosts[h]; dup {
				problems = append(problems, Problem{file, fmt.Sprintf("hosts[%d]", i), fmt.Sprintf("%q is already a host of %s", h, other)})
			}
			hosts[h] = file
		}
		tenants = append(tenants, t)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	sort.Slice(tenants, func(i, j int) bool { return tenants[i].Slug < tenants[j].Slug })
	return tenants, nil
}

// loadFile reads and validates one portal file. It returns the portal even
// when it has problems (if it could be decoded), so that cross-file checks can
// still run and report everything at once.
func loadFile(file string, themeExists func(string) bool) (*Tenant, Problems) {
	var t Tenant
	fieldErrs, err := configfile.Decode(file, &t)
	if err != nil {
		return nil, Problems{{File: file, Message: err.Error()}}
	}
	var problems Problems
	malformed := map[string]bool{}
	for _, fe := range fieldErrs {
		problems = append(problems, Problem{file, fe.Field, fe.Message})
		malformed[fe.Field] = true
	}
	t.File = file
	// A field that could not be decoded was already reported; its zero
	// value would only add a confusing second message.
	for _, p := range t.validate(themeExists) {
		if !malformed[p.Field] {
			problems = append(problems, p)
		}
	}
	return &t, problems
}

func (t *Tenant) validate(themeExists func(string) bool) Problems {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{t.File, field, fmt.Sprintf(format, args...)})
	}

	if !t.Slug.Valid() {
		add("slug", "required: 2 to 40 lower-case letters, digits or _, starting with a letter (got %q)", t.Slug)
	}
	if strings.TrimSpace(t.Name) == "" {
		add("name", "required: the portal's name as residents will see it")
	}
	if !departementPattern.MatchString(t.Departement) {
		add("departement", "must be a département code in quotes, such as \"44\" or \"2A\" (got %q)", t.Departement)
	}
	if len(t.Hosts) == 0 {
		add("hosts", "at least one host name is required")
	}
	for i, h := range t.Hosts {
		norm := NormalizeHost(h)
		if norm != h || !hostPattern.MatchString(h) {
			add(fmt.Sprintf("hosts[%d]", i), "must be a lower-case host name without port or scheme, such as \"calvados.localhost\" (got %q)", h)
		}
	}
	if t.Theme == "" {
		add("theme", "required: the name of a theme in themes/")
	} else if themeExists != nil && !themeExists(t.Theme) {
		add("theme", "no theme named %q in the themes directory", t.Theme)
	}

	if !contains(KnownLocales, t.Locales.Default) {
		add("locales.default", "must be one of %s (got %q)", strings.Join(KnownLocales, ", "), t.Locales.Default)
	}
	if len(t.Locales.Enabled) == 0 {
		add("locales.enabled", "at least one locale is required")
	}
	for i, l := range t.Locales.Enabled {
		if !contains(KnownLocales, l) {
			add(fmt.Sprintf("locales.enabled[%d]", i), "must be one of %s (got %q)", strings.Join(KnownLocales, ", "), l)
		}
	}
	if t.Locales.Default != "" && len(t.Locales.Enabled) > 0 && !contains(t.Locales.Enabled, t.Locales.Default) {
		add("locales.default", "%q must also be listed in locales.enabled", t.Locales.Default)
	}

	seenModules := map[string]bool{}
	for i, m := range t.Modules {
		field := fmt.Sprintf("modules[%d]", i)
		switch {
		case !contains(KnownModules, m):
			add(field, "unknown module %q (known: %s)", m, strings.Join(KnownModules, ", "))
		case seenModules[m]:
			add(field, "module %q is listed twice", m)
		}
		seenModules[m] = true
	}

	if len(t.Categories) == 0 {
		add("categories", "at least one category of help is required")
	}
	seenCodes := map[string]bool{}
	for i, c := range t.Categories {
		field := fmt.Sprintf("categories[%d]", i)
		if !codePattern.MatchString(c.Code) {
			add(field+".code", "required: lower-case letters, digits or _ (got %q)", c.Code)
		} else if seenCodes[c.Code] {
			add(field+".code", "code %q is used twice", c.Code)
		}
		seenCodes[c.Code] = true
		for _, l := range t.Locales.Enabled {
			if strings.TrimSpace(c.Label[l]) == "" {
				add(fmt.Sprintf("%s.label.%s", field, l), "required for every enabled locale")
			}
			if strings.TrimSpace(c.Description[l]) == "" {
				add(fmt.Sprintf("%s.description.%s", field, l), "required for every enabled locale")
			}
		}
		for l, s := range c.Label {
			if len([]rune(s)) > 60 {
				add(fmt.Sprintf("%s.label.%s", field, l), "at most 60 characters (got %d)", len([]rune(s)))
			}
		}
		for l, s := range c.Description {
			if len([]rune(s)) > 300 {
				add(fmt.Sprintf("%s.description.%s", field, l), "at most 300 characters: keep it short and plain (got %d)", len([]rune(s)))
			}
		}
	}

	if len(t.Interests) > maxInterests {
		add("interests", "at most %d interests: people pick from this list (got %d)", maxInterests, len(t.Interests))
	}
	seenInterests := map[string]bool{}
	for i, in := range t.Interests {
		field := fmt.Sprintf("interests[%d]", i)
		if !interestPattern.MatchString(in.Code) {
			add(field+".code", "required: 2 to 30 lower-case letters, digits or _, starting with a letter (got %q)", in.Code)
		} else if seenInterests[in.Code] {
			add(field+".code", "code %q is used twice", in.Code)
		}
		seenInterests[in.Code] = true
		for _, l := range t.Locales.Enabled {
			if strings.TrimSpace(in.Label[l]) == "" {
				add(fmt.Sprintf("%s.label.%s", field, l), "required for every enabled locale")
			}
		}
		for l, s := range in.Label {
			if !contains(KnownLocales, l) {
				add(fmt.Sprintf("%s.label.%s", field, l), "unknown locale (known: %s)", strings.Join(KnownLocales, ", "))
			} else if len([]rune(s)) > 40 {
				add(fmt.Sprintf("%s.label.%s", field, l), "at most 40 characters (got %d)", len([]rune(s)))
			}
		}
	}

	if t.Rules.RequestExpiryDays < 1 || t.Rules.RequestExpiryDays > 365 {
		add("rules.request_expiry_days", "must be a number of days between 1 and 365 (got %d)", t.Rules.RequestExpiryDays)
	}
	if a := t.Email.FromAddress; a != "" {
		if parsed, err := mail.ParseAddress(a); err != nil || parsed.Address != a {
			add("email.from_address", "must be a plain email address such as \"entraide@calvados.fr\" (got %q)", a)
		}
	}
	if strings.ContainsAny(t.Email.FromName, "\r\n<>\"") {
		add("email.from_name", "must be a plain name, without line breaks, quotes or angle brackets")
	}
	if t.Rules.ResidentsCreateEvents && !contains(t.Modules, "agenda") {
		add("rules.residents_create_events", "needs the agenda module in modules: without it there is no calendar to add events to")
	}
	for i, w := range t.Rules.ForbiddenWords {
		if strings.TrimSpace(w) == "" {
			add(fmt.Sprintf("rules.forbidden_words[%d]", i), "must not be empty")
		}
	}
	for i, w := range t.Rules.FlagWords {
		if strings.TrimSpace(w) == "" {
			add(fmt.Sprintf("rules.flag_words[%d]", i), "must not be empty")
		}
	}
	checkLinks(t, seenCodes, add)
	return ps
}

// checkLinks checks the useful links: a title in every language, an https
// address (people are sent away from the portal: not in clear, and never
// to a script), a known theme.
func checkLinks(t *Tenant, categories map[string]bool, add func(field, format string, args ...any)) {
	seen := map[string]bool{}
	for i, l := range t.Links {
		field := fmt.Sprintf("links[%d]", i)
		for _, loc := range t.Locales.Enabled {
			if n := len([]rune(strings.TrimSpace(l.Title[loc]))); n == 0 || n > 100 {
				add(fmt.Sprintf("%s.title.%s", field, loc), "required for every enabled locale, at most 100 characters")
			}
		}
		for loc, d := range l.Description {
			if len([]rune(d)) > 300 {
				add(fmt.Sprintf("%s.description.%s", field, loc), "at most 300 characters: keep it short and plain (got %d)", len([]rune(d)))
			}
		}
		u, err := url.Parse(l.URL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil:
			add(field+".url", "must be a full https:// address (got %q)", l.URL)
		case seen[l.URL]:
			add(field+".url", "%q is listed twice", l.URL)
		}
		seen[l.URL] = true
		if l.Theme != "" && !categories[l.Theme] {
			add(field+".theme", "must be one of the portal's category codes, or empty for a general link (got %q)", l.Theme)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
