package welfare

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Services and stores wrap them with %w; callers test with errors.Is.
// Messages never carry personal data.
var (
	// ErrNotFound reports that a record does not exist (or is outside the caller's scope
	// in a way that must not reveal its existence).
	ErrNotFound = errors.New("welfare: not found")
	// ErrConflict reports a stale version in an optimistic update.
	ErrConflict = errors.New("welfare: version conflict")
	// ErrDuplicate reports that a record with the same identity number already exists.
	ErrDuplicate = errors.New("welfare: duplicate identity number")
	// ErrOutOfScope reports that the acting staff member may not perform the call on
	// that record or region.
	ErrOutOfScope = errors.New("welfare: out of the actor's scope")
	// ErrInvalid is matched by every *ValidationError.
	ErrInvalid = errors.New("welfare: invalid input")
	// ErrInvalidIDNumber reports an identity number that fails format or check-character
	// validation. The number itself is never part of the message.
	ErrInvalidIDNumber = errors.New("welfare: invalid identity number")
	// ErrTransition reports a lifecycle transition the current state does not allow.
	ErrTransition = errors.New("welfare: lifecycle transition not allowed")
)

// FieldError names one invalid field and the rule it broke. It never holds the value.
type FieldError struct {
	Field string // dotted path, e.g. "Guardians[0].Phone"
	Rule  string // e.g. "required", "idnumber", "lte"
	Param string // rule parameter, if any
}

func (f FieldError) String() string {
	if f.Param != "" {
		return fmt.Sprintf("%s: %s=%s", f.Field, f.Rule, f.Param)
	}
	return f.Field + ": " + f.Rule
}

// ValidationError lists every invalid field of one input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return "welfare: invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every *ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Has reports whether field failed (any rule).
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
