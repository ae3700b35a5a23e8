package events

import "testing"

// TestEscapeText covers RFC 5545's TEXT escapes, the dropped control
// characters, and text that needs nothing (returned as it is).
func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Atelier cuisine à Saint-Herblain", "Atelier cuisine à Saint-Herblain"},
		{"Café, thé; gâteaux", `Café\, thé\; gâteaux`},
		{`C:\dossier`, `C:\\dossier`},
		{"ligne 1\nligne 2", `ligne 1\nligne 2`},
		{"ligne 1\r\nligne 2", `ligne 1\nligne 2`},
		{"a\rb", "ab"},
		{"tab\tici", "tab\tici"},
		{"bip\x07\x7fbop", "bipbop"},
		{"fin,", `fin\,`},
		{"«\u00a0Noël\u00a0», 2 €", `«` + "\u00a0" + `Noël` + "\u00a0" + `»\, 2 €`},
	}
	for _, tc := range tests {
		if got := escapeText(tc.in); got != tc.want {
			t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
