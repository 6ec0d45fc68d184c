package welfare_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/childwelfare/liudong/welfare"
)

// idWithCheck appends the check character to 17 synthetic digits.
func idWithCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := welfare.CheckCharacter(first17)
	require.True(t, ok, "not 17 digits")
	return first17 + string(c)
}

// idWithWrongCheck appends a check character that does not match.
func idWithWrongCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := welfare.CheckCharacter(first17)
	require.True(t, ok)
	if c == '0' {
		return first17 + "1"
	}
	return first17 + "0"
}

func idDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

func TestParseIDNumberValid(t *testing.T) {
	foreign := idWithCheck(t, "93684020150607003") // synthetic: province 36, nationality 840
	leap := idWithCheck(t, "36012120000229001")
	tests := []struct {
		name   string
		in     string
		full   string
		kind   welfare.IDKind
		birth  time.Time
		sex    welfare.Sex
		hasSex bool
		region string
		masked string
	}{
		{"resident", "610122198310134420", "610122198310134420", welfare.IDKindResident, idDate(1983, 10, 13), welfare.SexFemale, true, "610122", "6101**********4420"},
		{"resident 2", "500154199301135886", "500154199301135886", welfare.IDKindResident, idDate(1993, 1, 13), welfare.SexFemale, true, "500154", "5001**********5886"},
		{"check X", "15000019970319108X", "15000019970319108X", welfare.IDKindResident, idDate(1997, 3, 19), welfare.SexFemale, true, "150000", "1500**********108X"},
		{"lower-case x and spaces", " 15000019970319108x\t", "15000019970319108X", welfare.IDKindResident, idDate(1997, 3, 19), welfare.SexFemale, true, "150000", "1500**********108X"},
		{"leap day, male", leap, leap, welfare.IDKindResident, idDate(2000, 2, 29), welfare.SexMale, true, "360121", "3601**********" + leap[14:]},
		{"Hong Kong permit", "810000199408230021", "810000199408230021", welfare.IDKindHKMacaoTaiwanPermit, idDate(1994, 8, 23), welfare.SexFemale, true, "810000", "8100**********0021"},
		{"Taiwan permit", "830000199201300022", "830000199201300022", welfare.IDKindHKMacaoTaiwanPermit, idDate(1992, 1, 30), welfare.SexFemale, true, "830000", "8300**********0022"},
		{"foreign 2023", foreign, foreign, welfare.IDKindForeignPermanent, idDate(2015, 6, 7), welfare.SexMale, true, "", "9368**********" + foreign[14:]},
		{"foreign old", "USA360115060712", "USA360115060712", welfare.IDKindForeignPermanentOld, idDate(2015, 6, 7), welfare.SexUnknown, false, "", "USA**********12"},
		{"foreign old lower-case", "usa360115060712 ", "USA360115060712", welfare.IDKindForeignPermanentOld, idDate(2015, 6, 7), welfare.SexUnknown, false, "", "USA**********12"},
		{"foreign old last century", "GBR110098123107", "GBR110098123107", welfare.IDKindForeignPermanentOld, idDate(1998, 12, 31), welfare.SexUnknown, false, "", "GBR**********07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := welfare.ParseIDNumber(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.full, n.Full())
			assert.False(t, n.IsZero())
			assert.Equal(t, tt.kind, n.Kind())

			birth, ok := n.BirthDate()
			require.True(t, ok)
			assert.True(t, tt.birth.Equal(birth), "birth %v", birth)
			_, off := birth.Zone()
			assert.Equal(t, 8*3600, off, "birth date is in UTC+8")

			sex, ok := n.Sex()
			assert.Equal(t, tt.hasSex, ok)
			assert.Equal(t, tt.sex, sex)

			region, ok := n.RegionCode()
			assert.Equal(t, tt.region != "", ok)
			assert.Equal(t, tt.region, region)

			assert.Equal(t, tt.masked, n.Masked())
			assert.Equal(t, tt.masked, n.String())
		})
	}
}

func TestParseIDNumberInvalid(t *testing.T) {
	tests := []struct {
		name, in, why string
	}{
		{"empty", "", "empty"},
		{"only space", " \t ", "empty"},
		{"too short", "61012219831013442", "wrong length"},
		{"too long", "6101221983101344200", "wrong length"},
		{"full-width digits", "６１０１２２１９８３１０１３４４２０", "wrong length"},
		{"check character", "15000019970319128X", "check character"},
		{"last char wrong", "61012219831013442Z", "unexpected character"},
		{"letter inside", "6101221983101344A0", "unexpected character"},
		{"X inside", "6101221983101344X0", "unexpected character"},
		{"space inside", "610122 98310134420", "unexpected character"},
		{"address code zero", idWithCheck(t, "01012219831013442"), "must not begin with zero"},
		{"permit-range address", idWithCheck(t, "81123419940823002"), "residence permits"},
		{"Macau permit-range address", idWithCheck(t, "82010019940823002"), "residence permits"},
		{"not a leap year", idWithCheck(t, "61012219830229442"), "birth date"},
		{"1900 not leap", idWithCheck(t, "61012219000229442"), "birth date"},
		{"before 1900", idWithCheck(t, "61012218991231442"), "birth date"},
		{"after 2100", idWithCheck(t, "61012221010101442"), "birth date"},
		{"month 13", idWithCheck(t, "61012219831301442"), "birth date"},
		{"month 0", idWithCheck(t, "61012219830001442"), "birth date"},
		{"day 0", idWithCheck(t, "61012219831000442"), "birth date"},
		{"April 31", idWithCheck(t, "61012219830431442"), "birth date"},
		{"foreign wrong check", idWithWrongCheck(t, "93684020150607003"), "check character"},
		{"foreign province 0", idWithCheck(t, "90684020150607003"), "province code"},
		{"foreign province 9", idWithCheck(t, "99684020150607003"), "province code"},
		{"foreign bad date", idWithCheck(t, "93684020150230003"), "birth date"},
		{"old digit in letters", "US1360115060712", "three letters and twelve digits"},
		{"old letter in digits", "USA36011506071A", "three letters and twelve digits"},
		{"old non-ASCII", "ÜSA360115060712"[:15], "three letters and twelve digits"},
		{"old bad date", "USA360115023012", "birth date"},
		{"old month 0", "USA360115000712", "birth date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := welfare.ParseIDNumber(tt.in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, welfare.ErrInvalidIDNumber))
			assert.True(t, n.IsZero())
			assert.Contains(t, err.Error(), tt.why)
			assertNoIDDigits(t, tt.in, err)
		})
	}
}

// assertNoIDDigits checks that an error repeats no digit at all, hence no part of in.
func assertNoIDDigits(t *testing.T, in string, err error) {
	t.Helper()
	msg := err.Error()
	assert.False(t, strings.ContainsAny(msg, "0123456789"), "error message holds digits: %q", msg)
	if s := strings.TrimSpace(in); len(s) >= 3 {
		assert.NotContains(t, msg, s)
	}
}

// Every single-character corruption of the valid vectors either parses or fails with a
// message holding no digit.
func TestParseIDNumberErrorsNeverHoldDigits(t *testing.T) {
	valid := []string{
		"610122198310134420", "500154199301135886", "15000019970319108X",
		"810000199408230021", "830000199201300022", idWithCheck(t, "93684020150607003"),
		"USA360115060712",
	}
	const repl = "0123456789XxAz -*é"
	failures := 0
	for _, v := range valid {
		for i := range len(v) {
			for _, r := range repl {
				in := v[:i] + string(r) + v[i+1:]
				if _, err := welfare.ParseIDNumber(in); err != nil {
					failures++
					require.ErrorIs(t, err, welfare.ErrInvalidIDNumber)
					assertNoIDDigits(t, in, err)
				}
			}
		}
	}
	assert.Greater(t, failures, 1000)
}

func TestCheckCharacter(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		ok   bool
	}{
		{"61012219831013442", '0', true},
		{"50015419930113588", '6', true},
		{"15000019970319108", 'X', true},
		{"15000019970319128", '2', true},
		{"81000019940823002", '1', true},
		{"83000019920130002", '2', true},
		{"6101221983101344", 0, false},
		{"610122198310134420", 0, false},
		{"6101221983101344X", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := welfare.CheckCharacter(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestIDNumberZero(t *testing.T) {
	var n welfare.IDNumber
	assert.True(t, n.IsZero())
	assert.Equal(t, welfare.IDKindNone, n.Kind())
	_, ok := n.BirthDate()
	assert.False(t, ok)
	_, ok = n.Sex()
	assert.False(t, ok)
	_, ok = n.RegionCode()
	assert.False(t, ok)
	assert.Equal(t, "", n.Masked())
	assert.Equal(t, "", n.String())
	assert.Equal(t, "", n.Full())
	assert.Equal(t, "", fmt.Sprint(n))
}

func TestIDKindString(t *testing.T) {
	assert.Equal(t, "none", welfare.IDKindNone.String())
	assert.Equal(t, "resident", welfare.IDKindResident.String())
	assert.Equal(t, "hk_macao_taiwan_permit", welfare.IDKindHKMacaoTaiwanPermit.String())
	assert.Equal(t, "foreign_permanent", welfare.IDKindForeignPermanent.String())
	assert.Equal(t, "foreign_permanent_old", welfare.IDKindForeignPermanentOld.String())
	assert.Equal(t, "IDKind(9)", welfare.IDKind(9).String())
	assert.Equal(t, "居民身份证", welfare.IDKindResident.Chinese())
}

func TestIDNumberMaskingUnknownShapes(t *testing.T) {
	// Values built by conversion rather than parsing are hidden entirely.
	assert.Equal(t, "*****", welfare.IDNumber("12345").Masked())
	assert.Equal(t, "***", welfare.IDNumber("中").Masked())
	assert.Equal(t, welfare.IDKindNone, welfare.IDNumber("12345").Kind())
}

func TestIDNumberNeverPrintsFull(t *testing.T) {
	n, err := welfare.ParseIDNumber("610122198310134420")
	require.NoError(t, err)
	full, middle := n.Full(), n.Full()[4:14]
	outputs := []string{
		fmt.Sprint(n), fmt.Sprintf("%v", n), fmt.Sprintf("%s", n), fmt.Sprintf("%q", n),
		fmt.Sprintf("%d", n), fmt.Sprintf("%#v", n), fmt.Sprintf("%+v", n), fmt.Sprintf("%x", n),
		fmt.Sprintf("%30s|", n), fmt.Sprintf("%v", struct{ ID welfare.IDNumber }{n}),
		fmt.Sprintf("%+v", &struct{ ID welfare.IDNumber }{n}), fmt.Sprintf("%v", []welfare.IDNumber{n}),
	}
	for _, out := range outputs {
		assert.NotContains(t, out, full)
		assert.NotContains(t, out, middle)
		assert.NotContains(t, out, "1983")
	}
	assert.Equal(t, `"6101**********4420"`, fmt.Sprintf("%q", n))
	assert.Equal(t, "            6101**********4420|", fmt.Sprintf("%30s|", n))

	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	log.Info("record", zap.Object("id", n), zap.Stringer("s", n), zap.Any("any", n))
	require.Equal(t, 1, logs.Len())
	fields := logs.All()[0].ContextMap()
	assert.Equal(t, map[string]any{"masked": "6101**********4420", "kind": "resident"}, fields["id"])
	assert.Equal(t, "6101**********4420", fields["s"])
	assert.NotContains(t, fmt.Sprint(fields), middle)
}

func TestParseIDNumberAllocations(t *testing.T) {
	inputs := []string{"610122198310134420", "15000019970319108X", "810000199408230021", idWithCheck(t, "93684020150607003"), "USA360115060712"}
	for _, in := range inputs {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := welfare.ParseIDNumber(in); err != nil {
				panic(err)
			}
		})
		assert.Zero(t, allocs, in)
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{
		"610122198310134420", "500154199301135886", "15000019970319108X", "15000019970319108x",
		"15000019970319128X", "810000199408230021", "830000199201300022", "936840201506070030",
		"USA360115060712", "usa360115060712", "", " ", "0", "81123419940823002X", "ÜSA36011506071",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := welfare.ParseIDNumber(s)
		if err != nil {
			if !errors.Is(err, welfare.ErrInvalidIDNumber) {
				t.Fatalf("error does not wrap ErrInvalidIDNumber: %v", err)
			}
			if strings.ContainsAny(err.Error(), "0123456789") {
				t.Fatalf("error message holds digits: %q", err)
			}
			return
		}
		full := n.Full()
		again, err := welfare.ParseIDNumber(full)
		if err != nil || again != n {
			t.Fatalf("Full() does not re-parse to the same value: %v", err)
		}
		if n.Kind() == welfare.IDKindNone {
			t.Fatal("parsed number has no kind")
		}
		if _, ok := n.BirthDate(); !ok {
			t.Fatal("parsed number has no birth date")
		}
		m := n.Masked()
		if len(m) != len(full) || m != n.String() {
			t.Fatalf("masked form has the wrong length or differs from String")
		}
		front, back := 4, 4
		if len(full) == 15 {
			front, back = 3, 2
		}
		if strings.Trim(m[front:len(m)-back], "*") != "" {
			t.Fatalf("masked form shows middle characters")
		}
		if m[:front] != full[:front] || m[len(m)-back:] != full[len(full)-back:] {
			t.Fatalf("masked form does not keep the ends")
		}
	})
}

// benchIDInputs are 18-character numbers, so the bare check-character loop runs over the
// same inputs.
var benchIDInputs = []string{
	"610122198310134420", "500154199301135886", "15000019970319108X",
	"810000199408230021", "830000199201300022", "936840201506070030",
}

var benchIDSink int

func BenchmarkParseIDNumber(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n, err := welfare.ParseIDNumber(benchIDInputs[i%len(benchIDInputs)])
		if err != nil {
			b.Fatal(err)
		}
		benchIDSink += len(n)
	}
}

// BenchmarkCheckCharacterLoop is the baseline: a bare loop computing and comparing the
// check character, with no other validation.
func BenchmarkCheckCharacterLoop(b *testing.B) {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := benchIDInputs[i%len(benchIDInputs)]
		sum := 0
		for j := range 17 {
			sum += int(s[j]-'0') * weights[j]
		}
		if "10X98765432"[sum%11] == s[17] {
			benchIDSink++
		}
	}
}

func ExampleParseIDNumber() {
	n, err := welfare.ParseIDNumber(" 15000019970319108x ")
	if err != nil {
		panic(err)
	}
	birth, _ := n.BirthDate()
	sex, _ := n.Sex()
	region, _ := n.RegionCode()
	fmt.Println(n, n.Kind(), birth.Format(time.DateOnly), sex, region)

	_, err = welfare.ParseIDNumber("15000019970319128X")
	fmt.Println(errors.Is(err, welfare.ErrInvalidIDNumber))
	fmt.Println(err)
	// Output:
	// 1500**********108X resident 1997-03-19 female 150000
	// true
	// welfare: invalid identity number: check character does not match
}
