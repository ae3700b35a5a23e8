package news

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The news feed as Atom (RFC 4287), for feed readers: one entry per item,
// its text as escaped HTML. Ids are tag URIs (RFC 4151) on the portal's
// host, so they stay the same whatever the address the feed is read from.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Author    atomPerson  `xml:"author"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// Feed describes the portal a feed is for.
type Feed struct {
	// Title is the feed's name, such as "Tous voisins 44 : actualités".
	Title string
	// Host is the portal's main host name, for the ids; BaseURL its
	// address, for the links.
	Host    string
	BaseURL string
	// Author is who the feed is from when an item has no author left.
	Author string
	// Since is the year the portal opened, for the tag URIs.
	Since int
}

// WriteAtom writes items as an Atom feed.
func WriteAtom(w io.Writer, f Feed, items []Item) error {
	tag := fmt.Sprintf("tag:%s,%d:", f.Host, f.Since)
	updated := time.Unix(0, 0).UTC()
	feed := atomFeed{
		ID:    tag + "actualites",
		Title: f.Title,
		Links: []atomLink{
			{Rel: "self", Href: f.BaseURL + "/actualites.atom", Type: "application/atom+xml"},
			{Rel: "alternate", Href: f.BaseURL + "/actualites", Type: "text/html"},
		},
		Author: atomPerson{Name: f.Author},
	}
	for _, it := range items {
		if it.UpdatedAt.After(updated) {
			updated = it.UpdatedAt
		}
		author := it.AuthorName
		if author == "" {
			author = f.Author
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID:        tag + "actualites/" + strconv.FormatInt(it.ID, 10),
			Title:     it.Title,
			Updated:   it.UpdatedAt.UTC().Format(time.RFC3339),
			Published: it.PublishedAt.UTC().Format(time.RFC3339),
			Author:    atomPerson{Name: author},
			Link:      atomLink{Rel: "alternate", Href: f.BaseURL + "/actualites/" + strconv.FormatInt(it.ID, 10), Type: "text/html"},
			Content:   atomContent{Type: "html", Body: string(it.HTML())},
		})
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(feed); err != nil {
		return fmt.Errorf("news: atom: %w", err)
	}
	return enc.Close()
}
