package web

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/theme"
)

// look is the current themes and templates.
func (s *Server) look() *look { return s.looks.Load() }

// ReloadThemes reads the themes directory again, checks it as at start and
// parses every theme's templates, then swaps them in at once. On any
// problem the running look stays and the error names the theme and token
// or file. The server calls it on SIGHUP and, in development, when a file
// of the themes directory changes.
func (s *Server) ReloadThemes() error {
	if s.ThemesDir == "" {
		return fmt.Errorf("web: no themes directory to reload from")
	}
	set, err := theme.LoadDir(s.ThemesDir)
	if err != nil {
		return err
	}
	var missing []string
	for _, t := range s.Tenants.All() {
		if !set.Has(t.Theme) {
			missing = append(missing, fmt.Sprintf("%s: theme: no theme named %q in %s", t.File, t.Theme, s.ThemesDir))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("themes not reloaded:\n  %s", strings.Join(missing, "\n  "))
	}
	l, err := newLook(set)
	if err != nil {
		return err
	}
	s.looks.Store(l)
	// Stored pages were drawn with the old look.
	s.Pages.Clear()
	return nil
}

// WatchThemes reloads the themes whenever a file under the themes directory
// changes, checking every interval until ctx ends: in development a
// designer sees an edit on the next page load, without a rebuild.
func (s *Server) WatchThemes(ctx context.Context, every time.Duration) {
	last := themesStamp(s.ThemesDir)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		stamp := themesStamp(s.ThemesDir)
		if stamp == last {
			continue
		}
		last = stamp
		if err := s.ReloadThemes(); err != nil {
			s.Log.Error("themes changed but were not reloaded", "error", err)
			continue
		}
		s.Log.Info("themes reloaded", "dir", s.ThemesDir)
	}
}

// themesStamp sums up the names, sizes and times of every file under dir.
func themesStamp(dir string) string {
	var b strings.Builder
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a file that vanished mid-walk changes the stamp anyway
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}
