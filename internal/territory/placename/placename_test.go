package placename_test

import (
	"testing"

	"github.com/entraide/entraide/internal/territory/placename"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nantes", "nantes"},
		{"NANTES", "nantes"},
		{"Saint-Herblain", "saint herblain"},
		{"L'Île-d'Yeu", "l ile d yeu"},
		{"L’ILE  D’YEU", "l ile d yeu"},
		{"Pont de Montvert - Sud Mont Lozère", "pont de montvert sud mont lozere"},
		{"Cricquebœuf", "cricqueboeuf"},
		{"ŒUVRE", "oeuvre"},
		{"Équemauville", "equemauville"},
		{"Cheylard-l'Évêque", "cheylard l eveque"},
		// Already decomposed input (an "e" followed by a combining acute
		// accent), as some keyboards and browsers send it.
		{"Lozere\u0301", "lozere"},
		{"  -Caen- ", "caen"},
		{"44800", "44800"},
		{"CA (CARENE)", "ca carene"},
		{"", ""},
		{"'-", ""},
	}
	for _, tc := range tests {
		if got := placename.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEPCIKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nantes Métropole", "nantes metropole"},
		{"CC de Nozay", "nozay"},
		{"CC du Pays d'Ancenis", "pays d ancenis"},
		{"CC d'Erdre et Gesvres", "erdre et gesvres"},
		{"CC de la Vallée", "vallee"},
		{"CA de l'Albigeois (C2A)", "albigeois"},
		{"CA de la Presqu'île de Guérande Atlantique (Cap Atlantique)", "presqu ile de guerande atlantique"},
		{"Communauté de communes du Pays de Blain", "pays de blain"},
		{"COMMUNAUTÉ D'AGGLOMÉRATION Redon", "redon"},
		{"Communauté urbaine de Dunkerque", "dunkerque"},
		{"CU Caen la Mer", "caen la mer"},
		// Only the opening legal form goes: "CC" inside a name stays.
		{"Cap Atlantique", "cap atlantique"},
		{"CCA Exemple", "cca exemple"},
		{"CC Dunes CC", "dunes cc"},
		{"CC de", ""},
		{"CC (X)", ""},
		{"(X)", "x"},
	}
	for _, tc := range tests {
		if got := placename.EPCIKey(tc.in); got != tc.want {
			t.Errorf("EPCIKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
