package welfare

import (
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
)

// IDKind is the kind of identity document a number belongs to (DOMAIN §4).
type IDKind uint8

// Identity number kinds.
const (
	// IDKindNone: no number recorded (the zero IDNumber).
	IDKindNone IDKind = iota
	// IDKindResident: 18-character citizen identity number (公民身份号码), GB 11643-1999.
	IDKindResident
	// IDKindHKMacaoTaiwanPermit: residence permit for Hong Kong, Macau and Taiwan residents
	// (港澳台居民居住证): resident format with address code 810000, 820000 or 830000.
	IDKindHKMacaoTaiwanPermit
	// IDKindForeignPermanent: foreigner's permanent residence ID (外国人永久居留身份证),
	// format issued since 2023-12-01: 18 characters starting with '9'.
	IDKindForeignPermanent
	// IDKindForeignPermanentOld: the earlier permanent residence number, 3 letters and
	// 12 digits, still valid until the card expires.
	IDKindForeignPermanentOld
)

var idKindNames = [...]string{"none", "resident", "hk_macao_taiwan_permit", "foreign_permanent", "foreign_permanent_old"}

var idKindChinese = [...]string{"无", "居民身份证", "港澳台居民居住证", "外国人永久居留身份证", "外国人永久居留身份证（旧版）"}

// String returns a stable English name, e.g. "resident".
func (k IDKind) String() string {
	if int(k) < len(idKindNames) {
		return idKindNames[k]
	}
	return fmt.Sprintf("IDKind(%d)", uint8(k))
}

// Chinese returns the document name used in generated documents.
func (k IDKind) Chinese() string {
	if int(k) < len(idKindChinese) {
		return idKindChinese[k]
	}
	return "未知"
}

// IDNumber is a normalised identity number (upper-case letters, 'X' check character).
// The zero value "" means none recorded: a child's identity never depends on having one.
//
// fmt, String and zap logging show only the masked form (Masked); use Full for storage
// and matching. Obtain values from ParseIDNumber: the methods read fields by position
// and assume a number that parsed.
//
// Formats accepted (DOMAIN §4):
//
//   - Resident ID (GB 11643-1999): 6-digit address code (not starting with 0), birth date
//     YYYYMMDD, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
//     Address codes 81xxxx, 82xxxx and 83xxxx are reserved for the permits below.
//   - Hong Kong/Macau/Taiwan residence permit: the same, with address code exactly
//     810000, 820000 or 830000.
//   - Foreigner's permanent residence ID, 2023 format: '9', 2-digit province code of the
//     accepting authority (first digit 1–8, as for province codes), 3-digit numeric
//     nationality code, birth date YYYYMMDD, 3-digit sequence (odd = male), MOD 11-2 check
//     character. The nationality code is not checked against a country list.
//   - Foreigner's permanent residence number, old format: 3 letters (nationality,
//     ISO 3166-1 alpha-3; not checked against a country list), 4-digit accepting-authority
//     code, birth date YYMMDD, 2 more digits. Only this structure and the birth date are
//     validated: no public source confirmed the last digits' meaning or a check
//     algorithm, so Sex reports false and a mistyped number may pass.
//
// Every birth date must be a real calendar date in the years 1900–2100.
type IDNumber string

// Pre-built errors keep the invalid path cheap and the messages free of any input
// character (and of digits at all), so no part of a number can leak through an error.
var (
	errIDEmpty      = fmt.Errorf("%w: empty (use the zero IDNumber for none recorded)", ErrInvalidIDNumber)
	errIDLength     = fmt.Errorf("%w: wrong length (want eighteen characters, or fifteen for the old foreign permanent residence format)", ErrInvalidIDNumber)
	errIDChars      = fmt.Errorf("%w: unexpected character (want seventeen digits and a digit or X)", ErrInvalidIDNumber)
	errIDOldChars   = fmt.Errorf("%w: unexpected character (old foreign permanent residence format is three letters and twelve digits)", ErrInvalidIDNumber)
	errIDAddress    = fmt.Errorf("%w: address code must not begin with zero", ErrInvalidIDNumber)
	errIDPermitCode = fmt.Errorf("%w: address codes of Hong Kong, Macau and Taiwan are used only by their residence permits, with the region's own code", ErrInvalidIDNumber)
	errIDProvince   = fmt.Errorf("%w: accepting-authority province code of a foreign permanent residence ID is not a province code", ErrInvalidIDNumber)
	errIDBirth      = fmt.Errorf("%w: birth date is not a real calendar date between the years nineteen hundred and twenty-one hundred", ErrInvalidIDNumber)
	errIDCheck      = fmt.Errorf("%w: check character does not match", ErrInvalidIDNumber)
)

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 of GB 11643-1999.
var idWeights = [17]uint16{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (weighted sum mod 11) to the check character.
const idCheckChars = "10X98765432"

// idOldFormatLastYear is the last year the old foreign format was issued (the 2023
// format replaced it from 2023-12-01); it resolves the old format's 2-digit year.
const idOldFormatLastYear = 2023

// ParseIDNumber trims surrounding space, upper-cases, and validates s as one of the
// formats described at IDNumber. An empty s is an error: callers use the zero IDNumber
// for "none recorded". Errors wrap ErrInvalidIDNumber and say why the number failed,
// never what it was. Upper-case input does not allocate.
func ParseIDNumber(s string) (IDNumber, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 18:
		return parseID18(s)
	case 15:
		return parseID15(s)
	case 0:
		return "", errIDEmpty
	}
	return "", errIDLength
}

func parseID18(s string) (IDNumber, error) {
	var sum uint
	for i := range 17 {
		c := s[i] - '0'
		if c > 9 {
			return "", errIDChars
		}
		sum += uint(c) * uint(idWeights[i])
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return "", errIDChars
	}
	switch s[0] {
	case '0':
		return "", errIDAddress
	case '9':
		if s[1] < '1' || s[1] > '8' {
			return "", errIDProvince
		}
	case '8':
		if s[1] >= '1' && s[1] <= '3' && s[2:6] != "0000" {
			return "", errIDPermitCode
		}
	}
	if !idValidDate(idNum4(s[6:10]), idNum2(s[10:12]), idNum2(s[12:14])) {
		return "", errIDBirth
	}
	if idCheckChars[sum%11] != last {
		return "", errIDCheck
	}
	if s[17] == 'x' {
		s = s[:17] + "X" // the only allocation, for lower-case input
	}
	return IDNumber(s), nil
}

func parseID15(s string) (IDNumber, error) {
	lower := false
	for i := range 3 {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			lower = true
		default:
			return "", errIDOldChars
		}
	}
	for i := 3; i < 15; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", errIDOldChars
		}
	}
	if !idValidDate(idOldYear(idNum2(s[7:9])), idNum2(s[9:11]), idNum2(s[11:13])) {
		return "", errIDBirth
	}
	if lower {
		s = strings.ToUpper(s)
	}
	return IDNumber(s), nil
}

// idOldYear resolves the old format's 2-digit year: 00–23 are 2000–2023, the rest
// 1924–1999. A holder over 100 when the old format ended would be misread as a child;
// no such holder is expected in a children's programme.
func idOldYear(yy int) int {
	if 2000+yy <= idOldFormatLastYear {
		return 2000 + yy
	}
	return 1900 + yy
}

// idNum2 and idNum4 read digits already known to be ASCII digits.
func idNum2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func idNum4(s string) int { return idNum2(s[:2])*100 + idNum2(s[2:]) }

func idValidDate(y, m, d int) bool {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := 31
	switch m {
	case 4, 6, 9, 11:
		days = 30
	case 2:
		days = 28
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			days = 29
		}
	}
	return d <= days
}

// CheckCharacter computes the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') of the
// first 17 characters of an 18-character number; false if first17 is not 17 ASCII digits.
func CheckCharacter(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	var sum uint
	for i := range 17 {
		c := first17[i] - '0'
		if c > 9 {
			return 0, false
		}
		sum += uint(c) * uint(idWeights[i])
	}
	return idCheckChars[sum%11], true
}

// IsZero reports whether no number is recorded.
func (n IDNumber) IsZero() bool { return n == "" }

// Kind returns the kind of a number that parsed; IDKindNone for the zero value or a
// string of no known shape.
func (n IDNumber) Kind() IDKind {
	s := string(n)
	switch len(s) {
	case 18:
		switch {
		case s[0] == '9':
			return IDKindForeignPermanent
		case s[0] == '8' && s[1] >= '1' && s[1] <= '3' && s[2:6] == "0000":
			return IDKindHKMacaoTaiwanPermit
		}
		return IDKindResident
	case 15:
		return IDKindForeignPermanentOld
	}
	return IDKindNone
}

// BirthDate returns the birth date at 00:00 Beijing time (UTC+8). Every supported format
// carries one. The old foreign format has a 2-digit year, read as 2000–2023 for 00–23 (it
// was last issued in 2023) and 1924–1999 otherwise. False for the zero value.
func (n IDNumber) BirthDate() (time.Time, bool) {
	s := string(n)
	var y, m, d int
	switch n.Kind() {
	case IDKindResident, IDKindHKMacaoTaiwanPermit, IDKindForeignPermanent:
		y, m, d = idNum4(s[6:10]), idNum2(s[10:12]), idNum2(s[12:14])
	case IDKindForeignPermanentOld:
		y, m, d = idOldYear(idNum2(s[7:9])), idNum2(s[9:11]), idNum2(s[11:13])
	default:
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, Beijing()), true
}

// Sex returns the sex encoded by the sequence digit (odd = male) of the 18-character
// formats. False for the zero value and the old foreign format, whose digits' meaning no
// public source confirmed.
func (n IDNumber) Sex() (Sex, bool) {
	switch n.Kind() {
	case IDKindResident, IDKindHKMacaoTaiwanPermit, IDKindForeignPermanent:
		if (n[16]-'0')%2 == 1 {
			return SexMale, true
		}
		return SexFemale, true
	}
	return SexUnknown, false
}

// RegionCode returns the 6-digit address code (地址码) of a resident ID or a
// Hong Kong/Macau/Taiwan permit (810000, 820000 or 830000). Foreign formats carry none.
func (n IDNumber) RegionCode() (string, bool) {
	switch n.Kind() {
	case IDKindResident, IDKindHKMacaoTaiwanPermit:
		return string(n[:6]), true
	}
	return "", false
}

// Masked returns the number with its middle hidden: the first 4 and last 4 characters of
// an 18-character number are kept (3601**********1234); of the old 15-character format
// the 3 nationality letters and the last 2 digits (USA**********12). Birth dates are
// always hidden; any other shape is hidden entirely. "" for the zero value.
func (n IDNumber) Masked() string {
	s := string(n)
	front, back := 0, 0
	switch len(s) {
	case 0:
		return ""
	case 18:
		front, back = 4, 4
	case 15:
		front, back = 3, 2
	}
	b := make([]byte, len(s))
	for i := range b {
		c := s[i]
		if i >= front && i < len(s)-back || c >= 0x80 {
			c = '*'
		}
		b[i] = c
	}
	return string(b)
}

// String returns Masked(): fmt and logs never show the full number.
func (n IDNumber) String() string { return n.Masked() }

// Format implements fmt.Formatter so that every verb, including %d and %#v, prints the
// masked form rather than the underlying string.
func (n IDNumber) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
	default:
		verb = 's'
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), n.Masked())
}

// Full returns the full number, for storage and matching only.
func (n IDNumber) Full() string { return string(n) }

// MarshalLogObject implements zapcore.ObjectMarshaler: the masked number and its kind.
func (n IDNumber) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("masked", n.Masked())
	enc.AddString("kind", n.Kind().String())
	return nil
}
