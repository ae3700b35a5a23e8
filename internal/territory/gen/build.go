package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/entraide/entraide/internal/territory/placename"
)

// source is the reference data as read from @etalab/decoupage-administratif's
// data directory, keeping only the fields the atlas needs.
type source struct {
	Version      string // "@etalab/decoupage-administratif@6.0.0"
	Departements []srcDepartement
	Communes     []srcCommune
	EPCIs        []srcEPCI
}

type srcDepartement struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
}

type srcCommune struct {
	Code         string   `json:"code"`
	Nom          string   `json:"nom"`
	Type         string   `json:"type"`
	Departement  string   `json:"departement"`
	CodesPostaux []string `json:"codesPostaux"`
	Population   int      `json:"population"`
	// ChefLieu is, for a delegated or associated commune, the current
	// commune it is part of.
	ChefLieu string `json:"chefLieu"`
}

type srcEPCI struct {
	Code    string      `json:"code"`
	Nom     string      `json:"nom"`
	Type    string      `json:"type"`
	Membres []srcMember `json:"membres"`
}

type srcMember struct {
	Code string `json:"code"` // INSEE code of the commune
}

// output is the content of territories.json. Its field names are the ones
// package territory decodes.
type output struct {
	Source       string
	Departements []outDepartement
	EPCIs        []outEPCI
	Communes     []outCommune
}

type outDepartement struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type outEPCI struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Slug     string   `json:"slug"`
	Communes []string `json:"communes"`
	// Neighbours are the SIRENs of the bordering EPCIs, sorted; filled in
	// by linkNeighbours.
	Neighbours []string `json:"neighbours"`
}

type outCommune struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Postcodes   []string `json:"postcodes"`
	Population  int      `json:"population"`
	Departement string   `json:"departement"`
	EPCI        string   `json:"epci"`
}

// build selects the départements' current communes and their EPCIs from
// src. previousSlugs maps an EPCI's SIREN to the slug it had in the file
// being replaced: an EPCI keeps its slug when it is renamed or when the
// slug rules change, because the slug is in URLs people have bookmarked.
func build(src source, departements []string, previousSlugs map[string]string) (output, error) {
	out := output{Source: src.Version}

	wanted := make(map[string]bool, len(departements))
	for _, d := range departements {
		wanted[d] = true
	}
	for _, d := range src.Departements {
		if wanted[d.Code] {
			out.Departements = append(out.Departements, outDepartement{Code: d.Code, Name: d.Nom})
		}
	}
	if len(out.Departements) != len(wanted) {
		var missing []string
		for d := range wanted {
			if !slices.ContainsFunc(out.Departements, func(o outDepartement) bool { return o.Code == d }) {
				missing = append(missing, d)
			}
		}
		slices.Sort(missing)
		return output{}, fmt.Errorf("département(s) %s not in the reference data", strings.Join(missing, ", "))
	}

	// A commune belongs to at most one EPCI; the index covers every
	// département because an EPCI may straddle a border.
	epciOf := make(map[string]string)
	for _, e := range src.EPCIs {
		for _, m := range e.Membres {
			if other, ok := epciOf[m.Code]; ok && other != e.Code {
				return output{}, fmt.Errorf("commune %s is a member of two EPCIs, %s and %s", m.Code, other, e.Code)
			}
			epciOf[m.Code] = e.Code
		}
	}

	members := make(map[string][]string) // EPCI SIREN → selected communes
	seen := make(map[string]bool)
	var orphans []string
	for _, c := range src.Communes {
		// Delegated and associated communes, and Paris/Lyon/Marseille
		// arrondissements, are parts of a current commune; some even share
		// its code.
		if c.Type != "commune-actuelle" || !wanted[c.Departement] {
			continue
		}
		if seen[c.Code] {
			return output{}, fmt.Errorf("commune %s %s appears twice", c.Code, c.Nom)
		}
		seen[c.Code] = true
		epci := epciOf[c.Code]
		if epci == "" && !exemptFromEPCI(c.Code) {
			orphans = append(orphans, fmt.Sprintf("%s %s (%s)", c.Code, c.Nom, c.Departement))
		}
		if epci != "" {
			members[epci] = append(members[epci], c.Code)
		}
		postcodes := slices.Clone(c.CodesPostaux)
		slices.Sort(postcodes)
		out.Communes = append(out.Communes, outCommune{
			Code: c.Code, Name: c.Nom, Postcodes: slices.Compact(postcodes),
			Population: c.Population, Departement: c.Departement, EPCI: epci,
		})
	}
	if len(orphans) > 0 {
		return output{}, fmt.Errorf("commune(s) with no EPCI: %s", strings.Join(orphans, "; "))
	}

	for _, e := range src.EPCIs {
		codes := members[e.Code]
		if len(codes) == 0 {
			continue
		}
		slices.Sort(codes)
		out.EPCIs = append(out.EPCIs, outEPCI{Code: e.Code, Name: e.Nom, Kind: e.Type, Communes: codes})
	}

	slices.SortFunc(out.Departements, func(a, b outDepartement) int { return cmp.Compare(a.Code, b.Code) })
	slices.SortFunc(out.EPCIs, func(a, b outEPCI) int { return cmp.Compare(a.Code, b.Code) })
	slices.SortFunc(out.Communes, func(a, b outCommune) int { return cmp.Compare(a.Code, b.Code) })

	if err := assignSlugs(out.EPCIs, out.Communes, previousSlugs); err != nil {
		return output{}, err
	}
	return out, nil
}

// exemptFromEPCI reports whether a current commune may belong to no EPCI.
// The law (code général des collectivités territoriales, article
// L5210-1-1) exempts the four single-commune islands. The overseas
// collectivities (975 and above) have no EPCI either but are not listed:
// a portal there would first need to decide what replaces the EPCI.
func exemptFromEPCI(commune string) bool {
	switch commune {
	case "22016", // Île-de-Bréhat
		"29083", // Île-de-Sein
		"29155", // Ouessant
		"85113": // L'Île-d'Yeu
		return true
	}
	return false
}

// assignSlugs gives every EPCI a slug unique within each of its
// départements. An EPCI keeps its previous slug if it had one; otherwise
// the slug comes from its name. When names collide, every EPCI that has no
// previous slug gets its SIREN appended, so that the result depends neither
// on the order of the input nor on which EPCI came first.
func assignSlugs(epcis []outEPCI, communes []outCommune, previous map[string]string) error {
	depOf := make(map[string]string, len(communes))
	for _, c := range communes {
		depOf[c.Code] = c.Departement
	}
	kept := make([]bool, len(epcis))
	for i := range epcis {
		if s := previous[epcis[i].Code]; s != "" {
			epcis[i].Slug, kept[i] = s, true
		} else {
			epcis[i].Slug = nameSlug(epcis[i].Name, epcis[i].Code)
		}
	}

	// Two rounds at most: the first appends SIRENs to colliding new slugs,
	// the second only checks (a SIREN suffix cannot collide again unless a
	// previous slug was made to look like one).
	for round := 0; round < 2; round++ {
		collisions := slugCollisions(epcis, depOf)
		if len(collisions) == 0 {
			return nil
		}
		for _, group := range collisions {
			keptInGroup := 0
			for _, i := range group {
				if kept[i] {
					keptInGroup++
				}
			}
			if round == 1 || keptInGroup > 1 {
				names := make([]string, len(group))
				for j, i := range group {
					names[j] = fmt.Sprintf("%s %q", epcis[i].Code, epcis[i].Name)
				}
				return fmt.Errorf("EPCIs %s share the slug %q in a département; rename one in the previous output or remove it", strings.Join(names, ", "), epcis[group[0]].Slug)
			}
			for _, i := range group {
				if !kept[i] {
					epcis[i].Slug = nameSlug(epcis[i].Name, epcis[i].Code) + "-" + epcis[i].Code
				}
			}
		}
	}
	return nil
}

// slugCollisions returns the groups of EPCIs (as indexes) that share a slug
// within some département, in a stable order.
func slugCollisions(epcis []outEPCI, depOf map[string]string) [][]int {
	type key struct{ dep, slug string }
	bySlug := make(map[key][]int)
	var keys []key
	for i, e := range epcis {
		deps := make(map[string]bool)
		for _, c := range e.Communes {
			deps[depOf[c]] = true
		}
		for d := range deps {
			k := key{d, e.Slug}
			if len(bySlug[k]) == 0 {
				keys = append(keys, k)
			}
			bySlug[k] = append(bySlug[k], i)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.dep, b.dep), cmp.Compare(a.slug, b.slug))
	})
	var groups [][]int
	for _, k := range keys {
		if g := bySlug[k]; len(g) > 1 {
			groups = append(groups, g)
		}
	}
	return groups
}

// nameSlug derives a slug from an EPCI's name: the words placename.EPCIKey
// keeps, joined by hyphens. "CC du Pays d'Ancenis" gives "pays-d-ancenis",
// "Nantes Métropole" gives "nantes-metropole".
func nameSlug(name, siren string) string {
	words := placename.EPCIKey(name)
	if words == "" {
		return "epci-" + siren
	}
	return strings.ReplaceAll(words, " ", "-")
}
