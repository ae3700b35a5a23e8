package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/theme"
)

// Templates come from a layered file system, as in gitea: the embedded
// defaults at the bottom, a theme's overrides (themes/<name>/templates/) on
// top. A theme replaces a default template by shipping a file of the same
// name; whatever it does not ship falls back to the default.

// layeredFS is a read-only file system whose first layer holding a name wins.
type layeredFS []fs.FS

func (l layeredFS) Open(name string) (fs.File, error) {
	for _, layer := range l {
		f, err := layer.Open(name)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir merges the layers' listings, so that fs.Glob sees every template
// once whichever layer it comes from.
func (l layeredFS) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	found := false
	for _, layer := range l {
		entries, err := fs.ReadDir(layer, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for _, e := range entries {
			if _, ok := seen[e.Name()]; !ok {
				seen[e.Name()] = e
			}
		}
	}
	if !found {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// memFS is a flat directory of files held in memory: a theme's overrides,
// read once when the theme was loaded.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	if name == "." {
		return &memDir{fs: m}, nil
	}
	body, ok := m[name]
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(body), info: memInfo{name: name, size: int64(len(body))}}, nil
}

func (m memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(m))
	for n, body := range m {
		out = append(out, fs.FileInfoToDirEntry(memInfo{name: n, size: int64(len(body))}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

type memFile struct {
	*bytes.Reader
	info memInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type memDir struct{ fs memFS }

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{name: ".", dir: true}, nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *memDir) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return path.Base(i.name) }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

// defaultTemplates is the embedded templates/ directory.
func defaultTemplates() fs.FS {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		panic(err) // the directory is embedded: it exists
	}
	return sub
}

// sharedTemplates are parsed into every page; the other files are pages.
var sharedTemplates = []string{"layout.html", "partials.html"}

// TemplateNames lists the default templates a theme may override.
func TemplateNames() []string {
	names, _ := fs.Glob(defaultTemplates(), "*.html")
	return names
}

// parseViews parses every page of a template file system, each with the
// shared layout. Escaping is done here too (html/template would otherwise
// do it on first use), so that a template that cannot be made safe stops
// the start rather than a request.
func parseViews(fsys fs.FS) (*views, error) {
	layout, err := template.New("layout").Funcs(funcs).ParseFS(fsys, sharedTemplates...)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, f := range files {
		if isShared(f) {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		// Executing without data escapes every template reachable from the
		// layout; the nil data makes execution itself fail, which is fine.
		var terr *template.Error
		if err := t.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &terr) {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		v.pages[strings.TrimSuffix(f, ".html")] = t
	}
	return v, nil
}

func isShared(name string) bool {
	for _, s := range sharedTemplates {
		if s == name {
			return true
		}
	}
	return false
}

// look is what the pages are drawn with: the themes and, per theme, its
// parsed templates. It is replaced as a whole when themes are reloaded, so
// a request sees either the old look or the new one, never a mix.
type look struct {
	themes *theme.Set
	// views per theme key; themes without overrides share the defaults.
	views    map[string]*views
	defaults *views
}

// viewsFor returns the templates of a theme (nil: the defaults).
func (l *look) viewsFor(th *theme.Theme) *views {
	if th != nil {
		if v, ok := l.views[th.Key]; ok {
			return v
		}
	}
	return l.defaults
}

// newLook checks every theme's overrides against the default templates and
// parses them. Problems name the theme and the file.
func newLook(set *theme.Set) (*look, error) {
	base := defaultTemplates()
	defaults, err := parseViews(base)
	if err != nil {
		return nil, fmt.Errorf("web: default templates: %w", err)
	}
	known := map[string]bool{}
	for _, n := range TemplateNames() {
		known[n] = true
	}
	l := &look{themes: set, views: map[string]*views{}, defaults: defaults}
	var problems []string
	for _, key := range set.Keys() {
		th, _ := set.Get(key)
		if len(th.Templates) == 0 {
			continue
		}
		bad := false
		names := make([]string, 0, len(th.Templates))
		for n := range th.Templates {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !known[n] {
				problems = append(problems, fmt.Sprintf("theme %q (%s): templates/%s: no default template has this name, so it would replace nothing (known: %s)",
					key, th.Dir, n, strings.Join(TemplateNames(), ", ")))
				bad = true
			}
		}
		if bad {
			continue
		}
		v, err := parseViews(layeredFS{memFS(th.Templates), base})
		if err != nil {
			problems = append(problems, fmt.Sprintf("theme %q (%s): templates: %v", key, th.Dir, err))
			continue
		}
		l.views[key] = v
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d problem(s) in theme templates:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return l, nil
}

// CheckThemes parses every theme's template overrides as serving would,
// for `entraide tenant check`.
func CheckThemes(set *theme.Set) error {
	_, err := newLook(set)
	return err
}
