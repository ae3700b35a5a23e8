// Package invalid is how a capability says what is wrong with what a person
// typed: a message id per form field, which the web layer translates and
// shows next to the field, keeping everything else the person typed.
package invalid

import (
	"sort"
	"strings"
)

// Fields maps a form field to the id of the message that explains what is
// wrong with it ("" is the form as a whole). It is an error so services can
// return it; errors.As finds it.
type Fields map[string]string

func (f Fields) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return "invalid input (" + strings.Join(parts, ", ") + ")"
}
