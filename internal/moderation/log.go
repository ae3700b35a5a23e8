package moderation

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/jackc/pgx/v5"
)

// Entry is one decision of the log.
type Entry struct {
	ID            int64
	CreatedAt     time.Time
	ModeratorID   int64 // 0 once the account is deleted
	ModeratorName string
	Action        Action
	TargetKind    string
	TargetID      int64
	// TargetLabel is the post's title or the person's name at the time.
	TargetLabel string
	PersonID    int64
	PersonName  string
	EPCI        string
	Category    string
	Reason      string
	Detail      string
	// Waited is how long the item had waited, for decisions that took it
	// out of the queue.
	Waited        *time.Duration
	ReportsClosed int
}

// LogFilter narrows the log. Zero fields do not filter.
type LogFilter struct {
	From, To time.Time
	Action   Action
	Limit    int
	Offset   int
}

// MaxLog is the most entries one Log call returns; the CSV export reads
// the log in pages of this size.
const MaxLog = 1000

// Log returns decisions, newest first, and how many match in all. Only a
// person who may view_audit (the département admin) reads it.
func (s *Service) Log(ctx context.Context, viewerID int64, f LogFilter) ([]Entry, int, error) {
	ok, err := s.authz.Can(ctx, viewerID, authz.ActViewAudit, authz.Target{})
	if err != nil {
		return nil, 0, fmt.Errorf("moderation: check log reader: %w", err)
	}
	if !ok {
		return nil, 0, ErrForbidden
	}
	f.Limit = min(max(f.Limit, 1), MaxLog)
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	var out []Entry
	total := 0
	err = s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = collectEntries(ctx, tx, &total, logSQL, from, to, string(f.Action), f.Limit, max(f.Offset, 0))
		return err
	})
	return out, total, err
}

// ExportCSV writes the whole log matching f (its Limit and Offset are
// ignored) as CSV for a spreadsheet: UTF-8 with a byte order mark and
// semicolons, as French spreadsheet software expects, one decision per
// line, newest first.
func (s *Service) ExportCSV(ctx context.Context, viewerID int64, f LogFilter, w io.Writer) error {
	// The first page is read before anything is written, so that a
	// refusal or a failure leaves the response untouched.
	f.Limit, f.Offset = MaxLog, 0
	entries, _, err := s.Log(ctx, viewerID, f)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write([]string{"id", "date", "moderateur", "action", "objet", "objet_id", "titre_ou_nom",
		"personne_id", "personne", "epci", "categorie", "raison", "detail", "attente_secondes", "signalements_clos"}); err != nil {
		return err
	}
	for {
		for _, e := range entries {
			waited := ""
			if e.Waited != nil {
				waited = strconv.FormatInt(int64(e.Waited.Seconds()), 10)
			}
			row := []string{strconv.FormatInt(e.ID, 10), e.CreatedAt.UTC().Format(time.RFC3339), e.ModeratorName,
				string(e.Action), e.TargetKind, strconv.FormatInt(e.TargetID, 10), e.TargetLabel,
				strconv.FormatInt(e.PersonID, 10), e.PersonName, e.EPCI, e.Category, e.Reason, e.Detail, waited,
				strconv.Itoa(e.ReportsClosed)}
			for i := range row {
				row[i] = defuse(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(entries) < MaxLog {
			return nil
		}
		f.Offset += MaxLog
		if entries, _, err = s.Log(ctx, viewerID, f); err != nil {
			return err
		}
	}
}

// defuse keeps a spreadsheet from reading a cell typed by someone (a title,
// a reason) as a formula: such a cell starts with an apostrophe.
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// Count is a number of items for one EPCI or category.
type Count struct {
	Code string
	N    int
}

// Median is the median time to a decision over some decisions.
type Median struct {
	Code      string
	Median    time.Duration
	Decisions int
}

// Dashboard is what a moderator sees of their queue and their pace.
type Dashboard struct {
	// Waiting counts the items waiting within reach, by EPCI and by
	// category, largest first.
	ByEPCI     []Count
	ByCategory []Count
	Waiting    int
	// Overall is the median time from entering the queue to a decision
	// over MedianDays days, within reach; then by EPCI and by category.
	Overall          Median
	MedianByEPCI     []Median
	MedianByCategory []Median
}

// MedianDays is the period the dashboard's medians cover.
const MedianDays = 30

// Dashboard returns the queue sizes and decision times within
// moderatorID's reach.
func (s *Service) Dashboard(ctx context.Context, moderatorID int64) (Dashboard, error) {
	r, err := s.reach(ctx, moderatorID)
	if err != nil {
		return Dashboard{}, err
	}
	var d Dashboard
	err = s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		if err := queueSizes(ctx, tx, r, &d); err != nil {
			return err
		}
		return medians(ctx, tx, r, &d)
	})
	if err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

func queueSizes(ctx context.Context, tx pgx.Tx, r authz.Reach, d *Dashboard) error {
	rows, err := tx.Query(ctx, queueSizesSQL, reachArgs(r)...)
	if err != nil {
		return fmt.Errorf("moderation: queue sizes: %w", err)
	}
	var byEPCI bool
	var epci, category string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&byEPCI, &epci, &category, &n}, func() error {
		if byEPCI {
			d.ByEPCI = append(d.ByEPCI, Count{Code: epci, N: n})
			d.Waiting += n
		} else {
			d.ByCategory = append(d.ByCategory, Count{Code: category, N: n})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("moderation: read queue sizes: %w", err)
	}
	for _, list := range [][]Count{d.ByEPCI, d.ByCategory} {
		slices.SortFunc(list, func(a, b Count) int { return cmp.Or(b.N-a.N, strings.Compare(a.Code, b.Code)) })
	}
	return nil
}

func medians(ctx context.Context, tx pgx.Tx, r authz.Reach, d *Dashboard) error {
	rows, err := tx.Query(ctx, medianSQL, append(reachArgs(r), MedianDays)...)
	if err != nil {
		return fmt.Errorf("moderation: medians: %w", err)
	}
	var grouping int
	var epci, category string
	var seconds float64
	var n int
	_, err = pgx.ForEachRow(rows, []any{&grouping, &epci, &category, &seconds, &n}, func() error {
		m := Median{Median: time.Duration(seconds * float64(time.Second)).Round(time.Minute), Decisions: n}
		switch grouping {
		case groupedByEPCI:
			m.Code = epci
			d.MedianByEPCI = append(d.MedianByEPCI, m)
		case groupedByCategory:
			m.Code = category
			d.MedianByCategory = append(d.MedianByCategory, m)
		default:
			d.Overall = m
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("moderation: read medians: %w", err)
	}
	for _, list := range [][]Median{d.MedianByEPCI, d.MedianByCategory} {
		slices.SortFunc(list, func(a, b Median) int { return strings.Compare(a.Code, b.Code) })
	}
	return nil
}

// GROUPING(epci, category) of medianSQL's rows: a bit is set for a column
// the row is not grouped by.
const (
	groupedByEPCI     = 1
	groupedByCategory = 2
)
