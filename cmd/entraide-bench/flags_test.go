package main

import (
	"strings"
	"testing"
)

// Flags the run cannot work with are refused at once, saying which, rather
// than after a seed of many minutes.
func TestParseFlagsRefusesWhatCannotRun(t *testing.T) {
	tests := []struct {
		name string
		args []string
		bad  string // the flag named in the error; "" when accepted
	}{
		{"defaults", nil, ""},
		{"one generated portal", []string{"-tenants", "1"}, "-tenants"},
		{"two generated portals, no room for the mixed traffic", []string{"-tenants", "2"}, "-tenants"},
		{"three generated portals", []string{"-tenants", "3"}, ""},
		{"one connection", []string{"-db-max-conns", "1"}, "-db-max-conns"},
		{"a level that is not a number", []string{"-concurrency", "1,huit"}, "-concurrency"},
		{"no clients", []string{"-concurrency", "0"}, "-concurrency"},
		{"an unreadable pattern", []string{"-only", "(POST"}, "-only"},
		{"a smaller pool", []string{"-db-max-conns", "4", "-concurrency", "32"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args)
			if tc.bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o.dbMaxConns < 2 || o.tenants < 3 || len(o.concurrency) == 0 {
					t.Fatalf("accepted but unusable: %+v", o)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("got %v, want an error naming %s", err, tc.bad)
			}
		})
	}
}
