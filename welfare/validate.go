package welfare

import (
	"errors"
	"strings"

	"github.com/go-playground/validator/v10"
)

// NewValidator returns the library's validator: struct tags plus the custom tags
// "idnumber" (ParseIDNumber accepts it), "regioncode" (6, 9 or 12 digits) and "mobile"
// (a mainland mobile number, 11 digits starting with 1). Its Struct method returns a
// *ValidationError. Build one and share it; it caches struct metadata.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	must := func(err error) {
		if err != nil {
			panic(err) // only on a programming error in the tag names below
		}
	}
	must(v.RegisterValidation("idnumber", func(fl validator.FieldLevel) bool {
		_, err := ParseIDNumber(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("regioncode", func(fl validator.FieldLevel) bool {
		return ValidRegionCode(fl.Field().String())
	}))
	must(v.RegisterValidation("mobile", func(fl validator.FieldLevel) bool {
		return validMobile(fl.Field().String())
	}))
	return &Validator{v: v}
}

// Validator wraps the shared *validator.Validate so that every failure is a
// *ValidationError without field values.
type Validator struct{ v *validator.Validate }

// Engine exposes the underlying validator, e.g. for another package's custom tags.
func (v *Validator) Engine() *validator.Validate { return v.v }

// Struct validates s.
func (v *Validator) Struct(s any) error {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) {
		return err
	}
	out := &ValidationError{}
	for _, fe := range errs {
		out.Fields = append(out.Fields, FieldError{Field: fieldPath(fe.Namespace()), Rule: fe.Tag(), Param: fe.Param()})
	}
	return out
}

// fieldPath drops the top-level type name: "Child.Guardians[0].Phone" → "Guardians[0].Phone".
func fieldPath(ns string) string {
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		return ns[i+1:]
	}
	return ns
}

func validMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
