package events_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/entraide/entraide/internal/events"
	"github.com/teambition/rrule-go"
)

func sampleCalendar() events.Calendar {
	updated := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	monthly := events.Event{ID: 12, Category: "loisirs", Title: "Atelier cuisine, 2e mardi ; venez !",
		Description: "On cuisine ensemble des recettes simples.\nApportez un tablier. " + strings.Repeat("Légumes de saison, épices et desserts. ", 4),
		CommuneCode: "44109", Address: "12 rue de la Paix", Start: at("2026-01-13 18:00"), End: at("2026-01-13 20:00"),
		Accessibility: "Salle de plain-pied, boucle magnétique.",
		Recurrence: events.Recurrence{Freq: events.RecurMonthly, Interval: 1, MonthWeek: 2, Until: day("2026-06-30"),
			Exceptions: days("2026-04-14")},
		CreatedAt: updated, UpdatedAt: updated}
	weekly := events.Event{ID: 13, Category: "ecoute", Title: "Café des voisins",
		Description: "Un café pour discuter, chaque semaine.", CommuneCode: "44109", Online: true, OnlineURL: "https://visio.exemple.fr/cafe",
		Start: at("2026-03-17 10:00"), End: at("2026-03-17 11:00"),
		Recurrence: events.Recurrence{Freq: events.RecurWeekly, Interval: 2, Weekdays: []string{"TU", "FR"}, Count: 6},
		CreatedAt:  updated, UpdatedAt: updated}
	once := events.Event{ID: 14, Category: "loisirs", Title: "Pique-nique", Description: "Un pique-nique au parc, tout le monde est invité.",
		CommuneCode: "44109", Start: at("2026-07-04 12:00"), End: at("2026-07-04 15:00"), CreatedAt: updated, UpdatedAt: updated,
		Recurrence: events.Recurrence{Freq: events.RecurNone}}
	return events.Calendar{Name: "Tous voisins 44, agenda", Host: "tousvoisins44.localhost", BaseURL: "https://tousvoisins44.localhost",
		Events: []events.Event{monthly, weekly, once},
		Occurrences: []events.Mine{{Event: monthly, When: events.Occurrence{Start: at("2026-02-10 18:00"), End: at("2026-02-10 20:00"), Day: "2026-02-10"},
			Status: events.StatusWaiting}},
		Category: func(code string) string { return map[string]string{"loisirs": "Loisirs", "ecoute": "Écoute"}[code] },
		Commune:  func(string) string { return "Nantes" }}
}

// The feed is valid RFC 5545 as a real iCalendar library reads it: CRLF
// lines of at most 75 octets, escaped text, Europe/Paris times, and
// recurrences that the library unrolls to exactly our occurrences
// (exception removed, daylight saving time kept).
func TestICSParsedBack(t *testing.T) {
	cal := sampleCalendar()
	raw := cal.ICS()
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare line break: %q", i+1, line)
		}
	}
	if !bytes.HasSuffix(raw, []byte("END:VCALENDAR\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("not CRLF throughout")
	}
	for _, want := range []string{"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris", "DTSTART;TZID=Europe/Paris:20260113T180000",
		"RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20260630T215959Z", "EXDATE;TZID=Europe/Paris:20260414T180000",
		"RRULE:FREQ=WEEKLY;WKST=MO;INTERVAL=2;BYDAY=TU,FR;COUNT=6", "UID:event-12@tousvoisins44.localhost",
		"UID:event-12-20260210@tousvoisins44.localhost", "DTSTAMP:20260105T093000Z", "STATUS:TENTATIVE"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("feed lacks %q", want)
		}
	}

	parsed, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v\n%s", err, raw)
	}
	if got := len(parsed.Children); got != 5 { // VTIMEZONE and four VEVENTs
		t.Fatalf("%d components, want 5", got)
	}
	byUID := map[string]ical.Event{}
	for _, ev := range parsed.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		byUID[uid] = ev
		if ev.Props.Get(ical.PropDateTimeStamp) == nil {
			t.Errorf("%s has no DTSTAMP", uid)
		}
	}
	for _, want := range cal.Events {
		uid := "event-" + itoa(want.ID) + "@tousvoisins44.localhost"
		ev, ok := byUID[uid]
		if !ok {
			t.Fatalf("no event %s", uid)
		}
		// Text comes back exactly, escaping and folding undone.
		if s, _ := ev.Props.Text(ical.PropSummary); s != want.Title {
			t.Errorf("SUMMARY = %q, want %q", s, want.Title)
		}
		if d, _ := ev.Props.Text(ical.PropDescription); !strings.HasPrefix(d, want.Description) {
			t.Errorf("DESCRIPTION = %q, want it to start with %q", d, want.Description)
		}
		start, err := ev.DateTimeStart(nil)
		if err != nil || !start.Equal(want.Start) || start.Location().String() != "Europe/Paris" {
			t.Fatalf("DTSTART = %v (%v), want %v in Europe/Paris", start, err, want.Start)
		}
		var got []time.Time
		set, err := ev.RecurrenceSet(events.Paris)
		if err != nil {
			t.Fatal(err)
		}
		if set == nil {
			got = []time.Time{start}
		} else {
			// go-ical also adds each EXDATE as an RDATE (its bug); the
			// RRULE and EXDATEs it parsed are what we check, through the
			// rrule library it uses.
			exact := &rrule.Set{}
			exact.RRule(set.GetRRule())
			for _, x := range set.GetExDate() {
				exact.ExDate(x)
			}
			got = exact.All()
		}
		wantOcc := want.Occurrences(at("2000-01-01 00:00"), at("2100-01-01 00:00"), 0)
		if len(got) != len(wantOcc) {
			t.Fatalf("%s: the library unrolls %d occurrences, we do %d:\n%v\n%v", uid, len(got), len(wantOcc), got, wantOcc)
		}
		for i := range got {
			if !got[i].Equal(wantOcc[i].Start) || got[i].In(events.Paris).Format("15:04") != want.Start.Format("15:04") {
				t.Errorf("%s occurrence %d: library %v, ours %v", uid, i, got[i], wantOcc[i].Start)
			}
		}
	}
	// The monthly workshop: the library skips the cancelled 14 April and
	// keeps 18:00 after the change to summer time.
	set, _ := byUID["event-12@tousvoisins44.localhost"].RecurrenceSet(events.Paris)
	exact := &rrule.Set{}
	exact.RRule(set.GetRRule())
	for _, x := range set.GetExDate() {
		exact.ExDate(x)
	}
	var names []string
	for _, o := range exact.All() {
		names = append(names, o.In(events.Paris).Format("2006-01-02 15:04 -0700"))
	}
	if want := "2026-01-13 18:00 +0100, 2026-02-10 18:00 +0100, 2026-03-10 18:00 +0100, 2026-05-12 18:00 +0200, 2026-06-09 18:00 +0200"; strings.Join(names, ", ") != want {
		t.Fatalf("monthly workshop unrolled by the library:\n got %s\nwant %s", strings.Join(names, ", "), want)
	}
	if loc, _ := byUID["event-13@tousvoisins44.localhost"].Props.Text(ical.PropLocation); loc != "https://visio.exemple.fr/cafe" {
		t.Fatalf("online LOCATION = %q", loc)
	}
	if loc, _ := byUID["event-12@tousvoisins44.localhost"].Props.Text(ical.PropLocation); loc != "12 rue de la Paix, Nantes" {
		t.Fatalf("LOCATION = %q", loc)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
