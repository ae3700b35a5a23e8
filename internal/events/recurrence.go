package events

import (
	"slices"
	"time"

	// The binary must know Europe/Paris even on a machine without the
	// system's zone database (a bare container): occurrences move with
	// daylight saving time.
	_ "time/tzdata"
)

// Paris is the time zone of every portal: events are entered, shown and
// repeated in it.
var Paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata: cannot fail
	}
	return loc
}

// Recurrences an event may have.
const (
	RecurNone    = "aucune"
	RecurWeekly  = "hebdomadaire"
	RecurMonthly = "mensuelle"
)

// Weekdays are the RFC 5545 codes of the days, Monday first (the week
// starts on Monday in France, and in the RRULEs we write: WKST=MO).
var Weekdays = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

// LastWeek is the MonthWeek of "the last <weekday> of the month".
const LastWeek = -1

// Recurrence says how an event repeats. The weekday of a monthly event is
// the weekday of its first day.
type Recurrence struct {
	Freq string // RecurNone, RecurWeekly or RecurMonthly
	// Interval: every Interval weeks or months, 1 or more.
	Interval int
	// Weekdays of a weekly event, RFC 5545 codes (MO…SU).
	Weekdays []string
	// MonthWeek of a monthly event: 1 to 5 (the 1st to the 5th such
	// weekday of the month; months without a 5th are skipped), or LastWeek.
	MonthWeek int
	// Until is the last day it may happen (inclusive), a date at midnight
	// UTC as read from a date column; nil when Count ends it.
	Until *time.Time
	// Count is the number of occurrences, cancelled ones included (as
	// RFC 5545 counts them); 0 when Until ends it.
	Count int
	// Exceptions are cancelled days, dates at midnight UTC.
	Exceptions []time.Time
}

// Occurrence is one time an event happens.
type Occurrence struct {
	Start, End time.Time // in Paris time
	// Day is its day in Paris, "2006-01-02": it names the occurrence in
	// sign-ups and links.
	Day string
}

// maxScan bounds the days a recurrence is unrolled over: an event ends
// within two years of its start, so this is never reached by a valid one.
const maxScan = 5 * 366

// dayFormat writes and reads the days that name occurrences.
const dayFormat = "2006-01-02"

// civil is the day of t in Paris, as a date at midnight UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.In(Paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// expand returns the occurrences of an event starting at start and ending
// at end (its first occurrence) that overlap [from, to), in order, at most
// limit of them (0: no limit). Each occurrence keeps the wall-clock times of
// the first in Paris: a workshop at 18:00 stays at 18:00 across a change
// of daylight saving time.
func expand(start, end time.Time, r Recurrence, from, to time.Time, limit int) []Occurrence {
	first := civil(start)
	var out []Occurrence
	if r.Freq == RecurNone || r.Freq == "" {
		if o := occurrenceAt(start, end, first); o.End.After(from) && o.Start.Before(to) {
			out = append(out, o)
		}
		return out
	}
	n := 0
	for _, day := range candidates(first, r) {
		if r.Until != nil && day.After(*r.Until) {
			break
		}
		if r.Count > 0 && n >= r.Count {
			break
		}
		n++
		if slices.ContainsFunc(r.Exceptions, func(x time.Time) bool { return x.Equal(day) }) {
			continue
		}
		o := occurrenceAt(start, end, day)
		if !o.Start.Before(to) {
			break
		}
		if o.End.After(from) {
			out = append(out, o)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// occurrenceAt is the occurrence on day (a date at midnight UTC) of an
// event whose first occurrence is [start, end): the same wall-clock times
// in Paris, and the same number of days between start and end.
func occurrenceAt(start, end, day time.Time) Occurrence {
	s, e := start.In(Paris), end.In(Paris)
	endOffset := int(civil(e).Sub(civil(s)).Hours()/24 + 0.5)
	y, m, d := day.Date()
	st := time.Date(y, m, d, s.Hour(), s.Minute(), s.Second(), 0, Paris)
	ey, em, ed := day.AddDate(0, 0, endOffset).Date()
	en := time.Date(ey, em, ed, e.Hour(), e.Minute(), e.Second(), 0, Paris)
	if !en.After(st) {
		// Only when a change of time swallows the wall-clock end.
		en = st.Add(e.Sub(s))
	}
	return Occurrence{Start: st, End: en, Day: day.Format(dayFormat)}
}

// candidates lists, in order, the days the rule r yields from first on,
// within maxScan days. Exceptions, Until and Count are the caller's.
func candidates(first time.Time, r Recurrence) []time.Time {
	interval := max(r.Interval, 1)
	last := first.AddDate(0, 0, maxScan)
	var out []time.Time
	switch r.Freq {
	case RecurWeekly:
		offsets := weekdayOffsets(r.Weekdays)
		monday := first.AddDate(0, 0, -mondayIndex(first.Weekday()))
		for w := monday; !w.After(last); w = w.AddDate(0, 0, 7*interval) {
			for _, off := range offsets {
				if d := w.AddDate(0, 0, off); !d.Before(first) && !d.After(last) {
					out = append(out, d)
				}
			}
		}
	case RecurMonthly:
		wd := first.Weekday()
		for m := 0; ; m += interval {
			month := time.Date(first.Year(), first.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			if month.After(last) {
				break
			}
			if d, ok := nthWeekday(month.Year(), month.Month(), wd, r.MonthWeek); ok && !d.Before(first) {
				out = append(out, d)
			}
		}
	}
	return out
}

// mondayIndex is the place of a weekday in a week that starts on Monday.
func mondayIndex(d time.Weekday) int { return (int(d) + 6) % 7 }

// weekdayOffsets turns RFC 5545 day codes into sorted offsets from Monday.
func weekdayOffsets(codes []string) []int {
	var out []int
	for i, c := range Weekdays {
		if slices.Contains(codes, c) {
			out = append(out, i)
		}
	}
	return out
}

// weekdayCode is the RFC 5545 code of a weekday.
func weekdayCode(d time.Weekday) string { return Weekdays[mondayIndex(d)] }

// nthWeekday is the n-th (1 to 5, or LastWeek) weekday wd of a month; ok
// is false when the month has no such day (a 5th Tuesday, say).
func nthWeekday(year int, month time.Month, wd time.Weekday, n int) (time.Time, bool) {
	if n == LastWeek {
		lastDay := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
		back := (int(lastDay.Weekday()) - int(wd) + 7) % 7
		return lastDay.AddDate(0, 0, -back), true
	}
	firstDay := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	ahead := (int(wd) - int(firstDay.Weekday()) + 7) % 7
	d := firstDay.AddDate(0, 0, ahead+7*(n-1))
	if n < 1 || d.Month() != month {
		return time.Time{}, false
	}
	return d, true
}
