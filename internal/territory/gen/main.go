// Command gen writes internal/territory/data/territories.json, the atlas of
// communes and EPCIs that package territory embeds, from the official
// reference data published as the npm package @etalab/decoupage-administratif.
// `make territories` installs the package and runs it:
//
//	go run ./internal/territory/gen -src build/npm/node_modules/@etalab/decoupage-administratif/data \
//		-geo ../shared/data/geo -tenants tenants -out internal/territory/data/territories.json
//
// Only the départements of the configured portals are kept, so that the
// binary carries a few hundred kilobytes instead of the whole country. Run it
// again after adding a portal or upgrading the package; it fails, naming the
// commune, if a current commune belongs to no EPCI.
//
// It also writes which EPCIs border each other, computed from the 2018
// commune outlines in -geo (one communes-<département>-*.geojson file per
// département; see adjacency.go for when two communes border each other,
// and linkNeighbours for how 2018 communes map to today's). The outlines
// are read here only: the server never needs them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	srcDir := flag.String("src", "", "the package's data directory (with communes.json, epci.json, departements.json)")
	tenantsDir := flag.String("tenants", "tenants", "directory of portal files whose départements to keep")
	deps := flag.String("departements", "", "comma-separated département codes to keep, instead of reading -tenants")
	geoDir := flag.String("geo", "", "directory of commune outlines, communes-<département>-*.geojson (2018 boundaries)")
	outPath := flag.String("out", "internal/territory/data/territories.json", "file to write")
	flag.Parse()
	if err := run(*srcDir, *tenantsDir, *deps, *geoDir, *outPath); err != nil {
		fmt.Fprintln(os.Stderr, "territory gen:", err)
		os.Exit(1)
	}
}

func run(srcDir, tenantsDir, depList, geoDir, outPath string) error {
	if srcDir == "" {
		return errors.New("-src is required")
	}
	if geoDir == "" {
		return errors.New("-geo is required: EPCI neighbours are computed from the commune outlines")
	}
	var departements []string
	var err error
	if depList != "" {
		for _, d := range strings.Split(depList, ",") {
			if d = strings.TrimSpace(d); d != "" {
				departements = append(departements, d)
			}
		}
	} else if departements, err = tenantDepartements(tenantsDir); err != nil {
		return err
	}
	if len(departements) == 0 {
		return errors.New("no département to keep")
	}

	src, err := readSource(srcDir)
	if err != nil {
		return err
	}
	previous, err := previousSlugs(outPath)
	if err != nil {
		return err
	}
	out, err := build(src, departements, previous)
	if err != nil {
		return err
	}
	start := time.Now()
	outlines, err := readOutlines(geoDir, departements)
	if err != nil {
		return err
	}
	stats, outlineEPCIs, err := linkNeighbours(&out, src, outlines)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	maps, err := buildMaps(departements, outlines, outlineEPCIs)
	if err != nil {
		return err
	}
	mapData, err := json.Marshal(maps)
	if err != nil {
		return err
	}
	mapPath := filepath.Join(filepath.Dir(outPath), "maps.json")
	if err := writeAtomically(mapPath, append(mapData, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes): the EPCI maps of %d départements\n", mapPath, len(mapData)+1, len(maps))

	data, err := encode(out)
	if err != nil {
		return err
	}
	if err := writeAtomically(outPath, data); err != nil {
		return err
	}
	codes := make([]string, len(out.Departements))
	for i, d := range out.Departements {
		codes[i] = d.Code
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes): départements %s, %d communes, %d EPCIs, from %s\n",
		outPath, len(data), strings.Join(codes, ", "), len(out.Communes), len(out.EPCIs), out.Source)
	fmt.Fprintf(os.Stderr, "neighbours: %d communes of 2018 outlined in %s, %d of them mapped through communes nouvelles "+
		"(%d by delegated or associated communes, %d by successorsSince2018) and %d split since, %d now outside the départements; "+
		"%d commune adjacencies (%d by shared vertices, %d by the %.0f m fallback), %d pairs of neighbouring EPCIs; %s\n",
		stats.outlines, geoDir, stats.delegated+stats.merged, stats.delegated, stats.merged, stats.split, stats.elsewhere,
		stats.shared+stats.tolerated, stats.shared, stats.tolerated, nearTolerance, stats.neighbours, elapsed.Round(time.Millisecond))
	return nil
}

// writeAtomically writes beside the target and renames, so that a failed
// run never leaves half a file to be embedded.
func writeAtomically(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// tenantDepartements returns the sorted, distinct `departement:` values of
// the portal files in dir. It reads that one top-level key line by line
// rather than decoding the YAML: the files are validated by package tenant,
// and the generator should not depend on the server's configuration code.
func tenantDepartements(dir string) ([]string, error) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, matches...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no portal file (*.yaml) in %s", dir)
	}
	var deps []string
	for _, f := range files {
		d, err := fileDepartement(f)
		if err != nil {
			return nil, err
		}
		deps = append(deps, d)
	}
	slices.Sort(deps)
	return slices.Compact(deps), nil
}

func fileDepartement(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), "departement:")
		if !ok {
			continue
		}
		if hash := strings.Index(value, "#"); hash >= 0 {
			value = value[:hash]
		}
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		if value == "" {
			return "", fmt.Errorf("%s: empty departement", path)
		}
		return value, nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return "", fmt.Errorf("%s: no top-level departement key", path)
}

// readSource reads the three data files and the package version from the
// package.json beside the data directory, so that the output says which
// edition of the reference data it was built from.
func readSource(dir string) (source, error) {
	var src source
	var pkg struct{ Name, Version string }
	for _, f := range []struct {
		path string
		into any
	}{
		{filepath.Join(dir, "..", "package.json"), &pkg},
		{filepath.Join(dir, "departements.json"), &src.Departements},
		{filepath.Join(dir, "communes.json"), &src.Communes},
		{filepath.Join(dir, "epci.json"), &src.EPCIs},
	} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return source{}, err
		}
		if err := json.Unmarshal(data, f.into); err != nil {
			return source{}, fmt.Errorf("%s: %w", f.path, err)
		}
	}
	if pkg.Name == "" || pkg.Version == "" {
		return source{}, fmt.Errorf("%s: no name or version", filepath.Join(dir, "..", "package.json"))
	}
	src.Version = pkg.Name + "@" + pkg.Version
	return src, nil
}

// previousSlugs returns each EPCI's slug in the file about to be replaced,
// or nothing if there is no such file yet.
func previousSlugs(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var prev struct {
		EPCIs []outEPCI `json:"epcis"`
	}
	if err := json.Unmarshal(data, &prev); err != nil {
		return nil, fmt.Errorf("%s (the previous output, read to keep its slugs): %w", path, err)
	}
	slugs := make(map[string]string, len(prev.EPCIs))
	for _, e := range prev.EPCIs {
		slugs[e.Code] = e.Slug
	}
	return slugs, nil
}

// encode returns out as JSON with one département, EPCI or commune per
// line, so that a data update reads as a short diff.
func encode(out output) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keeps "d'Ancenis" and any "&" readable
	b.WriteString("{\n\"source\": ")
	if err := enc.Encode(out.Source); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1) // Encode ends every value with a newline
	b.WriteString(",\n")
	if err := encodeList(&b, enc, "departements", out.Departements, ",\n"); err != nil {
		return nil, err
	}
	if err := encodeList(&b, enc, "epcis", out.EPCIs, ",\n"); err != nil {
		return nil, err
	}
	if err := encodeList(&b, enc, "communes", out.Communes, "\n"); err != nil {
		return nil, err
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// encodeList writes `"name": [` and then one item per line.
func encodeList[T any](b *bytes.Buffer, enc *json.Encoder, name string, items []T, after string) error {
	fmt.Fprintf(b, "%q: [\n", name)
	for i, item := range items {
		if err := enc.Encode(item); err != nil {
			return err
		}
		if i < len(items)-1 {
			b.Truncate(b.Len() - 1)
			b.WriteString(",\n")
		}
	}
	b.WriteString("]" + after)
	return nil
}
