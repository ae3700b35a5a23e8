package events_test

import (
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/events"
)

// at is a wall-clock moment in Paris.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, events.Paris)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

func days(ss ...string) []time.Time {
	out := make([]time.Time, len(ss))
	for i, s := range ss {
		out[i] = *day(s)
	}
	return out
}

// TestOccurrences unrolls recurrences in Paris time: wall-clock times kept
// across changes of daylight saving time, months without a 5th weekday
// skipped, exceptions removed (and counted, as RFC 5545 counts them).
func TestOccurrences(t *testing.T) {
	tests := []struct {
		name       string
		start, end string
		rec        events.Recurrence
		from, to   string // window, Paris; "" is wide open
		limit      int
		want       []string // starts, "2006-01-02 15:04 -0700"
	}{
		{
			name: "once", start: "2026-05-02 14:00", end: "2026-05-02 17:00",
			rec:  events.Recurrence{Freq: events.RecurNone},
			want: []string{"2026-05-02 14:00 +0200"},
		},
		{
			name: "once, outside the window", start: "2026-05-02 14:00", end: "2026-05-02 17:00",
			rec: events.Recurrence{Freq: events.RecurNone}, from: "2026-05-03 00:00", to: "2026-05-10 00:00",
		},
		{
			// Summer time starts on 29 March 2026: 18:00 stays 18:00,
			// the offset changes.
			name: "weekly across the spring change", start: "2026-03-17 18:00", end: "2026-03-17 20:00",
			rec:  events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"TU"}, Until: day("2026-04-07")},
			want: []string{"2026-03-17 18:00 +0100", "2026-03-24 18:00 +0100", "2026-03-31 18:00 +0200", "2026-04-07 18:00 +0200"},
		},
		{
			// Winter time starts on 25 October 2026. Every other week,
			// Monday and Thursday, counted from the first week.
			name: "every two weeks on two days across the autumn change", start: "2026-10-22 10:00", end: "2026-10-22 11:30",
			rec: events.Recurrence{Freq: events.RecurWeekly, Interval: 2, Weekdays: []string{"MO", "TH"}, Count: 5},
			want: []string{"2026-10-22 10:00 +0200", "2026-11-02 10:00 +0100", "2026-11-05 10:00 +0100",
				"2026-11-16 10:00 +0100", "2026-11-19 10:00 +0100"},
		},
		{
			// March, June, September and December 2026 have a 5th
			// Tuesday; April and May do not, and are skipped.
			name: "monthly on the 5th Tuesday", start: "2026-03-31 14:00", end: "2026-03-31 16:00",
			rec:  events.Recurrence{Freq: events.RecurMonthly, Interval: 1, MonthWeek: 5, Count: 4},
			want: []string{"2026-03-31 14:00 +0200", "2026-06-30 14:00 +0200", "2026-09-29 14:00 +0200", "2026-12-29 14:00 +0100"},
		},
		{
			name: "monthly on the last Friday, one cancelled", start: "2026-01-30 19:00", end: "2026-01-30 21:00",
			rec: events.Recurrence{Freq: events.RecurMonthly, Interval: 1, MonthWeek: events.LastWeek,
				Until: day("2026-05-31"), Exceptions: days("2026-03-27")},
			want: []string{"2026-01-30 19:00 +0100", "2026-02-27 19:00 +0100", "2026-04-24 19:00 +0200", "2026-05-29 19:00 +0200"},
		},
		{
			name: "monthly on the 2nd Tuesday, every other month", start: "2026-01-13 18:00", end: "2026-01-13 20:00",
			rec:  events.Recurrence{Freq: events.RecurMonthly, Interval: 2, MonthWeek: 2, Until: day("2026-09-30")},
			want: []string{"2026-01-13 18:00 +0100", "2026-03-10 18:00 +0100", "2026-05-12 18:00 +0200", "2026-07-14 18:00 +0200", "2026-09-08 18:00 +0200"},
		},
		{
			// A cancelled day still counts towards COUNT.
			name: "count includes cancelled days", start: "2026-06-01 09:00", end: "2026-06-01 10:00",
			rec:  events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"MO"}, Count: 3, Exceptions: days("2026-06-08")},
			want: []string{"2026-06-01 09:00 +0200", "2026-06-15 09:00 +0200"},
		},
		{
			name: "the until day is included", start: "2026-06-01 09:00", end: "2026-06-01 10:00",
			rec:  events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"MO"}, Until: day("2026-06-15")},
			want: []string{"2026-06-01 09:00 +0200", "2026-06-08 09:00 +0200", "2026-06-15 09:00 +0200"},
		},
		{
			name: "a window in the middle", start: "2026-01-13 18:00", end: "2026-01-13 20:00",
			rec:  events.Recurrence{Freq: events.RecurMonthly, Interval: 1, MonthWeek: 2, Count: 12},
			from: "2026-04-01 00:00", to: "2026-05-01 00:00",
			want: []string{"2026-04-14 18:00 +0200"},
		},
		{
			name: "an occurrence that started before the window overlaps it", start: "2026-06-01 22:00", end: "2026-06-02 02:00",
			rec:  events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"MO"}, Count: 3},
			from: "2026-06-09 00:00", to: "2026-06-10 00:00",
			want: []string{"2026-06-08 22:00 +0200"},
		},
		{
			name: "limit", start: "2026-06-01 09:00", end: "2026-06-01 10:00",
			rec:   events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"MO", "WE"}, Count: 10},
			limit: 2,
			want:  []string{"2026-06-01 09:00 +0200", "2026-06-03 09:00 +0200"},
		},
		{
			// 02:30 does not exist on 29 March 2026; RFC 5545 reads it
			// with the offset before the gap, which is 03:30 summer time.
			name: "a time that the spring change skips", start: "2026-03-22 02:30", end: "2026-03-22 04:00",
			rec:  events.Recurrence{Freq: events.RecurWeekly, Interval: 1, Weekdays: []string{"SU"}, Count: 3},
			want: []string{"2026-03-22 02:30 +0100", "2026-03-29 03:30 +0200", "2026-04-05 02:30 +0200"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := events.Event{Start: at(tc.start), End: at(tc.end), Recurrence: tc.rec}
			from, to := at("2000-01-01 00:00"), at("2100-01-01 00:00")
			if tc.from != "" {
				from, to = at(tc.from), at(tc.to)
			}
			got := ev.Occurrences(from, to, tc.limit)
			var starts []string
			for _, o := range got {
				starts = append(starts, o.Start.Format("2006-01-02 15:04 -0700"))
				if o.Day != o.Start.Format("2006-01-02") {
					t.Errorf("occurrence %s is named %s", o.Start, o.Day)
				}
				if wantLen := ev.End.Sub(ev.Start); o.End.Sub(o.Start) != wantLen && !strings.Contains(tc.name, "change") {
					t.Errorf("occurrence %s lasts %s, want %s", o.Start, o.End.Sub(o.Start), wantLen)
				}
			}
			if strings.Join(starts, ", ") != strings.Join(tc.want, ", ") {
				t.Fatalf("occurrences:\n got %v\nwant %v", starts, tc.want)
			}
		})
	}
}

// Occurrence finds the occurrence of a day, and only of a day that has one.
func TestOccurrenceOfADay(t *testing.T) {
	ev := events.Event{Start: at("2026-01-13 18:00"), End: at("2026-01-13 20:00"),
		Recurrence: events.Recurrence{Freq: events.RecurMonthly, Interval: 1, MonthWeek: 2, Count: 6, Exceptions: days("2026-03-10")}}
	for d, want := range map[string]bool{"2026-02-10": true, "2026-02-11": false, "2026-03-10": false, "2026-06-09": true, "2026-07-14": false, "pas une date": false} {
		if o, ok := ev.Occurrence(d); ok != want || ok && o.Start.Format("15:04") != "18:00" {
			t.Errorf("Occurrence(%s) = %v, %v; want %v", d, o.Start, ok, want)
		}
	}
}
