package web

import (
	"errors"
	"math"
	"strconv"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/rules"
	"github.com/gin-gonic/gin"
)

// form is a submitted form: what the person typed (shown back on error,
// never lost) and a translated message per field in error.
type form struct {
	values map[string]string
	errors map[string]string
	order  []string
}

// readForm keeps the named fields of the request's form.
func readForm(c *gin.Context, fields ...string) *form {
	f := &form{values: map[string]string{}, errors: map[string]string{}}
	for _, name := range fields {
		f.values[name] = c.PostForm(name)
	}
	return f
}

func (f *form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.values[name]
}

func (f *form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.errors[name]
}

// fail records a message for a field (or "" for the whole form).
func (f *form) fail(field, message string) {
	if _, dup := f.errors[field]; !dup {
		f.order = append(f.order, field)
	}
	f.errors[field] = message
}

func (f *form) ok() bool { return len(f.errors) == 0 }

// fieldError is one line of the error summary at the top of a form.
type fieldError struct{ Field, Message string }

// Summary lists the errors in the order they were found, for the box at the
// top of the form whose links lead to each field.
func (f *form) Summary() []fieldError {
	if f == nil {
		return nil
	}
	out := make([]fieldError, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, fieldError{k, f.errors[k]})
	}
	return out
}

// fieldView is what the "field" template needs to draw one labelled input
// with its hint and error tied to it for screen readers.
type fieldView struct {
	ID, Name, Type, Label, Hint, Value, Error, Autocomplete string
	Required                                                bool
}

// Field builds the view of one input of the page's form. Passwords are never
// written back into the page.
func (p *Page) Field(name, typ, labelID, hintID, autocomplete string, required bool) fieldView {
	v := fieldView{ID: p.FieldID(name), Name: name, Type: typ, Label: p.L.T(labelID), Autocomplete: autocomplete, Required: required}
	if hintID != "" {
		v.Hint = p.L.T(hintID)
	}
	if typ != "password" {
		v.Value = p.Form.Value(name)
	}
	v.Error = p.Form.Error(name)
	return v
}

// applyError turns a service error into messages on the form; it reports
// false for errors that are not the person's to fix.
func (s *Server) applyError(c *gin.Context, f *form, err error) bool {
	l := localizer(c, s)
	var fe invalid.Fields
	var th *account.Throttled
	var refused *rules.Refused
	switch {
	case errors.As(err, &fe):
		for field, id := range fe {
			f.fail(field, l.T(id))
		}
	case errors.As(err, &refused):
		for _, fd := range refused.Findings {
			f.fail(fd.Field, l.T(fd.MessageID, "Match", fd.Match))
		}
	case errors.As(err, &th):
		f.fail("", l.N("login.throttled", int(math.Max(1, math.Ceil(th.RetryIn.Minutes())))))
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(th.RetryIn.Seconds()))))
	case errors.Is(err, account.ErrBadLink):
		f.fail("", l.T("link.bad"))
	default:
		return false
	}
	return true
}
