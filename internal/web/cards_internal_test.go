package web

import (
	"errors"
	"html/template"
	"testing"
)

// joinParts gives the parts in order, each on its own line, and stops at
// the first part that cannot be drawn, so that a page never shows a list
// with an item missing.
func TestJoinParts(t *testing.T) {
	broken := errors.New("the template failed")
	tests := []struct {
		name    string
		parts   []template.HTML
		failAt  int // -1: none fails
		want    template.HTML
		wantErr error
	}{
		{"none", nil, -1, "", nil},
		{"one", []template.HTML{"<li>a</li>"}, -1, "\n  <li>a</li>", nil},
		{"in order", []template.HTML{"<li>a</li>", "<li>b</li>", "<li>c</li>"}, -1, "\n  <li>a</li>\n  <li>b</li>\n  <li>c</li>", nil},
		{"a part fails", []template.HTML{"<li>a</li>", "<li>b</li>"}, 1, "", broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, err := joinParts(len(tt.parts), func(i int) (template.HTML, error) {
				calls++
				if i == tt.failAt {
					return "", broken
				}
				return tt.parts[i], nil
			})
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("joinParts = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if tt.failAt < 0 && calls != len(tt.parts) {
				t.Fatalf("%d parts drawn, want %d", calls, len(tt.parts))
			}
		})
	}
}
