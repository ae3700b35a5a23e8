package events

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is one iCalendar feed (RFC 5545): the portal's, a theme's, a
// territory's, or a person's own sign-ups.
type Calendar struct {
	// Name is shown by calendar apps (X-WR-CALNAME).
	Name string
	// Host makes UIDs unique and stable: "event-12@tousvoisins44.fr".
	Host string
	// BaseURL is the portal's address, without the trailing slash, for
	// each event's URL.
	BaseURL string
	// Events are published whole: a recurring one with its RRULE and
	// EXDATEs, for the calendar app to unroll.
	Events []Event
	// Occurrences are published one by one (a person's sign-ups), each
	// with a UID of its own.
	Occurrences []Mine
	// Category names a category code; Commune a commune code. Both may
	// be nil (the codes are written instead).
	Category func(code string) string
	Commune  func(code string) string
}

// The calendar's fixed parts. Europe/Paris has followed the EU rule
// (last Sunday of March at 02:00, last Sunday of October at 03:00) since
// 1996; a VTIMEZONE with those two rules is what calendar apps expect.
const (
	icalTimeFormat = "20060102T150405"
	vtimezoneParis = "BEGIN:VTIMEZONE\r\n" +
		"TZID:Europe/Paris\r\n" +
		"X-LIC-LOCATION:Europe/Paris\r\n" +
		"BEGIN:DAYLIGHT\r\n" +
		"TZOFFSETFROM:+0100\r\n" +
		"TZOFFSETTO:+0200\r\n" +
		"TZNAME:CEST\r\n" +
		"DTSTART:19700329T020000\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
		"END:DAYLIGHT\r\n" +
		"BEGIN:STANDARD\r\n" +
		"TZOFFSETFROM:+0200\r\n" +
		"TZOFFSETTO:+0100\r\n" +
		"TZNAME:CET\r\n" +
		"DTSTART:19701025T030000\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
		"END:STANDARD\r\n" +
		"END:VTIMEZONE\r\n"
)

// ICS writes the calendar as an iCalendar document: CRLF line endings,
// lines folded at 75 octets, text escaped, times in Europe/Paris.
func (c Calendar) ICS() []byte {
	var w icalWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Entraide//Agenda//FR")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.prop("X-WR-CALNAME", escapeText(c.Name))
	w.line("X-WR-TIMEZONE:Europe/Paris")
	w.buf.WriteString(vtimezoneParis)
	for _, ev := range c.Events {
		c.event(&w, ev, fmt.Sprintf("event-%d@%s", ev.ID, c.Host), Occurrence{Start: ev.Start, End: ev.End}, true, "")
	}
	for _, m := range c.Occurrences {
		status := ""
		if m.Status == StatusWaiting {
			status = "TENTATIVE"
		}
		c.event(&w, m.Event, fmt.Sprintf("event-%d-%s@%s", m.Event.ID, strings.ReplaceAll(m.When.Day, "-", ""), c.Host), m.When, false, status)
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

// event writes one VEVENT: the whole event when whole, else the one
// occurrence o.
func (c Calendar) event(w *icalWriter, ev Event, uid string, o Occurrence, whole bool, status string) {
	w.line("BEGIN:VEVENT")
	w.prop("UID", uid)
	w.prop("DTSTAMP", ev.UpdatedAt.UTC().Format(icalTimeFormat)+"Z")
	w.prop("CREATED", ev.CreatedAt.UTC().Format(icalTimeFormat)+"Z")
	w.prop("LAST-MODIFIED", ev.UpdatedAt.UTC().Format(icalTimeFormat)+"Z")
	w.prop("DTSTART;TZID=Europe/Paris", o.Start.In(Paris).Format(icalTimeFormat))
	w.prop("DTEND;TZID=Europe/Paris", o.End.In(Paris).Format(icalTimeFormat))
	if whole && ev.Recurring() {
		w.prop("RRULE", rrule(ev))
		for _, x := range ev.Recurrence.Exceptions {
			ex := occurrenceAt(ev.Start, ev.End, x)
			w.prop("EXDATE;TZID=Europe/Paris", ex.Start.Format(icalTimeFormat))
		}
	}
	w.prop("SUMMARY", escapeText(ev.Title))
	desc := ev.Description
	if ev.Accessibility != "" {
		desc += "\n\n" + ev.Accessibility
	}
	if ev.Relayed() {
		desc += "\n\n" + ev.OrganiserName + " " + ev.OrganiserURL
	}
	w.prop("DESCRIPTION", escapeText(strings.TrimSpace(desc)))
	if loc := c.location(ev); loc != "" {
		w.prop("LOCATION", escapeText(loc))
	}
	if c.Category != nil {
		w.prop("CATEGORIES", escapeText(c.Category(ev.Category)))
	}
	w.prop("URL;VALUE=URI", c.BaseURL+"/agenda/"+strconv.FormatInt(ev.ID, 10))
	switch {
	case ev.CancelledAt != nil:
		w.prop("STATUS", "CANCELLED")
	case status != "":
		w.prop("STATUS", status)
	default:
		w.prop("STATUS", "CONFIRMED")
	}
	w.line("END:VEVENT")
}

// location is where the event happens, in words.
func (c Calendar) location(ev Event) string {
	if ev.Online {
		return ev.OnlineURL
	}
	commune := ev.CommuneCode
	if c.Commune != nil {
		commune = c.Commune(ev.CommuneCode)
	}
	if ev.Address != "" {
		return ev.Address + ", " + commune
	}
	return commune
}

// rrule writes an event's recurrence as an RFC 5545 RRULE value. The
// weekday of a monthly event is its first day's. UNTIL is in UTC, as the
// RFC requires when DTSTART has a TZID: the last second of the last day in
// Paris.
func rrule(ev Event) string {
	r := ev.Recurrence
	var b strings.Builder
	switch r.Freq {
	case RecurWeekly:
		b.WriteString("FREQ=WEEKLY;WKST=MO")
	case RecurMonthly:
		b.WriteString("FREQ=MONTHLY")
	}
	if r.Interval > 1 {
		fmt.Fprintf(&b, ";INTERVAL=%d", r.Interval)
	}
	switch r.Freq {
	case RecurWeekly:
		b.WriteString(";BYDAY=" + strings.Join(r.Weekdays, ","))
	case RecurMonthly:
		fmt.Fprintf(&b, ";BYDAY=%d%s", r.MonthWeek, weekdayCode(ev.Start.In(Paris).Weekday()))
	}
	if r.Until != nil {
		u := *r.Until
		last := time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, 0, Paris)
		b.WriteString(";UNTIL=" + last.UTC().Format(icalTimeFormat) + "Z")
	}
	if r.Count > 0 {
		fmt.Fprintf(&b, ";COUNT=%d", r.Count)
	}
	return b.String()
}

// icalWriter builds the document line by line.
type icalWriter struct{ buf bytes.Buffer }

func (w *icalWriter) prop(name, value string) { w.line(name + ":" + value) }

// line writes one content line, folded so that no line is longer than 75
// octets (RFC 5545 §3.1): the rest continues on lines that start with a
// space. A UTF-8 character is never cut.
func (w *icalWriter) line(s string) {
	const limit = 75
	first := true
	for len(s) > 0 {
		room := limit
		if !first {
			room-- // the leading space counts
			w.buf.WriteByte(' ')
		}
		if len(s) <= room {
			w.buf.WriteString(s)
			break
		}
		cut := room
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n")
		s = s[cut:]
		first = false
	}
	w.buf.WriteString("\r\n")
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon, comma and line breaks. Other control characters are dropped.
// Every character it changes is ASCII, so it works on bytes and copies the
// runs between them whole: a feed escapes every title and description of
// the portal's events on each request.
func escapeText(s string) string {
	special := func(c byte) bool { return c == '\\' || c == ';' || c == ',' || c < 0x20 || c == 0x7f }
	i := 0
	for i < len(s) && !special(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == ';':
			b.WriteString(`\;`)
		case c == ',':
			b.WriteString(`\,`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			// CRLF is one line break; a lone CR is dropped like the
			// other control characters.
			if i+1 < len(s) && s[i+1] == '\n' {
				b.WriteString(`\n`)
				i++
			}
		case c < 0x20 && c != '\t', c == 0x7f:
			// not allowed in a content line
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
