package configfile

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

type item struct {
	Code  string            `mapstructure:"code"`
	Label map[string]string `mapstructure:"label"`
}

type doc struct {
	Name  string   `mapstructure:"name"`
	Count int      `mapstructure:"count"`
	Tags  []string `mapstructure:"tags"`
	Inner struct {
		On bool `mapstructure:"on"`
	} `mapstructure:"inner"`
	Items []item `mapstructure:"items"`
	File  string `mapstructure:"-"`
}

func TestDecodeReportsEveryField(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       map[string]string // field → message
	}{
		{"valid", "name: a\ncount: 2\ntags: [x, y]\ninner: {on: true}\nitems: [{code: c, label: {fr: l}}]\n", map[string]string{}},
		{"three wrong types at once", "name: 14\ncount: \"deux\"\ntags: \"x,y\"\n", map[string]string{
			"name":  "malformed value: expected text (write it in quotes), got a whole number",
			"count": "malformed value: expected a whole number, got text",
			"tags":  "malformed value: source data must be an array or slice, got string",
		}},
		{"unknown keys at every depth, with a wrong type beside them", "nmae: a\ncount: x\ninner: {of: true}\nitems: [{code: c}, {code: d, colour: red}]\n", map[string]string{
			"nmae":            "unknown field (check its spelling)",
			"inner.of":        "unknown field (check its spelling)",
			"items[1].colour": "unknown field (check its spelling)",
			"count":           "malformed value: expected a whole number, got text",
		}},
		{"a map accepts any key", "items: [{code: c, label: {fr: a, xx: b}}]\n", map[string]string{}},
		{"a hidden field cannot be set", "file: /etc/passwd\n", map[string]string{"file": "unknown field (check its spelling)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var d doc
			errs, err := Decode(path, &d)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range errs {
				got[e.Field] = e.Message
			}
			if !reflect.DeepEqual(got, tc.want) {
				keys := func(m map[string]string) []string {
					var k []string
					for x := range m {
						k = append(k, x)
					}
					sort.Strings(k)
					return k
				}
				t.Fatalf("problems = %v\nwant      %v\n(got %q)", keys(got), keys(tc.want), got)
			}
		})
	}
}

func TestDecodeRefusesNonYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.yaml")
	if err := os.WriteFile(path, []byte("name: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var d doc
	if _, err := Decode(path, &d); err == nil {
		t.Fatal("invalid YAML accepted")
	}
	if _, err := Decode(filepath.Join(t.TempDir(), "missing.yaml"), &d); err == nil {
		t.Fatal("missing file accepted")
	}
}
