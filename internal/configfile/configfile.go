// Package configfile reads the strict YAML files people write by hand (a
// portal in tenants/, a theme manifest) with viper, and reports every
// mistake with the dotted path of its field: unknown keys, which are
// usually typos, and values of the wrong type.
package configfile

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// FieldError is one mistake in a file. Field is empty when the whole file
// is at fault (it is not valid YAML).
type FieldError struct {
	Field   string
	Message string
}

// Decode reads the YAML file into out (a pointer to a struct with
// mapstructure tags). Values are decoded exactly: 14 is not "14", and a
// string is not a list. It returns every mistake in the fields, with out
// holding whatever could be decoded, or an error when the file cannot be
// read or is not YAML at all.
func Decode(file string, out any) ([]FieldError, error) {
	v := viper.New()
	v.SetConfigFile(file)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var problems []FieldError
	// Unknown keys are found by walking the document against the struct,
	// because mapstructure stops listing them once a value fails to decode.
	for _, k := range unknownKeys(v.AllSettings(), reflect.TypeOf(out).Elem(), "") {
		problems = append(problems, FieldError{k, "unknown field (check its spelling)"})
	}
	err := v.Unmarshal(out, func(c *mapstructure.DecoderConfig) {
		c.WeaklyTypedInput = false
		// viper's default hooks would split "a,b" into a list and parse
		// strings as durations; a hand-written file says what it means.
		c.DecodeHook = nil
	})
	if err != nil {
		problems = append(problems, decodeErrors(err)...)
	}
	return problems, nil
}

// decodeErrors turns mapstructure's joined errors into one error per field.
func decodeErrors(err error) []FieldError {
	var out []FieldError
	var walk func(error)
	walk = func(e error) {
		// A join holds one error per field; look into it before asking
		// errors.As, which would stop at the first field.
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		if de, ok := e.(*mapstructure.DecodeError); ok {
			out = append(out, FieldError{de.Name(), "malformed value: " + plain(de.Unwrap())})
			return
		}
		// viper wraps the join once ("decoding failed due to…: %w").
		if inner := errors.Unwrap(e); inner != nil {
			walk(inner)
			return
		}
		out = append(out, FieldError{"", "malformed value: " + e.Error()})
	}
	walk(err)
	return out
}

// plain says what was expected in the words of someone editing YAML, not
// of Go's type system.
func plain(err error) string {
	var ue *mapstructure.UnconvertibleTypeError
	if !errors.As(err, &ue) {
		return err.Error()
	}
	return fmt.Sprintf("expected %s, got %s", kindWords(ue.Expected.Kind(), true), kindWords(reflect.ValueOf(ue.Value).Kind(), false))
}

func kindWords(k reflect.Kind, expected bool) string {
	switch k {
	case reflect.String:
		if expected {
			return "text (write it in quotes)"
		}
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a section of fields"
	case reflect.Invalid:
		return "nothing"
	default:
		return k.String()
	}
}

// unknownKeys lists the keys of raw that no field of typ accepts, as
// dotted paths ("rules.bogus", "categories[2].colour").
func unknownKeys(raw map[string]any, typ reflect.Type, prefix string) []string {
	fields := map[string]reflect.Type{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		fields[strings.ToLower(tag)] = f.Type
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var out []string
	for _, k := range keys {
		ft, ok := fields[strings.ToLower(k)]
		path := prefix + k
		if !ok {
			out = append(out, path)
			continue
		}
		switch {
		case ft.Kind() == reflect.Struct:
			if m, ok := raw[k].(map[string]any); ok {
				out = append(out, unknownKeys(m, ft, path+".")...)
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			if items, ok := raw[k].([]any); ok {
				for i, item := range items {
					if m, ok := item.(map[string]any); ok {
						out = append(out, unknownKeys(m, ft.Elem(), fmt.Sprintf("%s[%d].", path, i))...)
					}
				}
			}
		}
	}
	return out
}
