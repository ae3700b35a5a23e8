// The race detector makes sync.Pool drop items on purpose, so allocation
// counts only mean something without it.

//go:build !race

package rules_test

import (
	"testing"

	"github.com/entraide/entraide/internal/rules"
)

// Checking a post that passes allocates nothing: the scratch memory comes
// back from the Set's pool and a quote is a piece of the post itself.
func TestCheckAllocations(t *testing.T) {
	set := rules.New(calvados)
	field := rules.Field{Name: "description", Text: longPost}
	if n := testing.AllocsPerRun(100, func() { set.Check(field) }); n != 0 {
		t.Errorf("Check of an accepted post: %v allocations, want 0", n)
	}
	refused := rules.Field{Name: "description", Text: "10 € de l'heure, votre RIB"}
	if n := testing.AllocsPerRun(100, func() { set.Check(refused) }); n > 1 {
		t.Errorf("Check of a refused post: %v allocations, want 1 (the findings)", n)
	}
}
