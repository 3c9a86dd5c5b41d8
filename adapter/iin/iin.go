// Package iin validates and builds Kazakhstan individual identification numbers (ЖСН / ИИН)
// and business identification numbers (БСН / БИН).
//
// An IIN has 12 digits:
//
//	YYMMDD  date of birth
//	C       century and sex: 1/2 born in the 1800s, 3/4 in the 1900s, 5/6 in the 2000s;
//	        odd is male, even is female
//	NNNN    serial number
//	K       check digit
//
// The check digit is the weighted sum of the first 11 digits with weights 1..11, modulo 11.
// When that is 10, a second pass uses the weights 3,4,5,6,7,8,9,10,11,1,2; when the second
// pass gives 10 too, the number is invalid (such serials are never issued). A BIN uses the same
// check digit over a different layout (see MakeBIN).
package iin

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Length is the number of digits of an IIN and of a BIN.
const Length = 12

// Gender is the sex encoded in the 7th digit of an IIN.
type Gender int

const (
	// Male is encoded by an odd 7th digit (1, 3, 5).
	Male Gender = iota + 1
	// Female is encoded by an even 7th digit (2, 4, 6).
	Female
)

// String returns "male" or "female".
func (g Gender) String() string {
	switch g {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

var (
	weights1 = [11]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	weights2 = [11]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}
)

// CheckDigit computes the check digit of the first 11 digits of an IIN or BIN. ok is false when
// first11 is not 11 ASCII digits or when both passes give 10 (no valid number has this prefix).
func CheckDigit(first11 string) (digit int, ok bool) {
	if len(first11) != 11 || !allDigits(first11) {
		return 0, false
	}
	sum := func(w [11]int) int {
		s := 0
		for i := 0; i < 11; i++ {
			s += int(first11[i]-'0') * w[i]
		}
		return s % 11
	}
	k := sum(weights1)
	if k == 10 {
		k = sum(weights2)
	}
	if k == 10 {
		return 0, false
	}
	return k, true
}

// Validate reports why s is not a valid IIN. It returns nil for a valid IIN and otherwise a
// *fault.Error with code fault.SvcIINInvalid whose detail names the problem: length,
// non-digit character, century digit, date of birth or check digit.
func Validate(s string) error {
	runes := []rune(s)
	if len(runes) != Length {
		return fault.New(fault.SvcIINInvalid, "IIN must have %d digits, got %d characters", Length, len(runes))
	}
	for i, r := range runes {
		if r < '0' || r > '9' {
			return fault.New(fault.SvcIINInvalid, "IIN has a non-digit character at position %d", i+1)
		}
	}
	if _, err := birthDate(s); err != nil {
		return err
	}
	k, ok := CheckDigit(s[:11])
	if !ok {
		return fault.New(fault.SvcIINInvalid, "IIN check digit cannot be computed (both passes give 10)")
	}
	if int(s[11]-'0') != k {
		return fault.New(fault.SvcIINInvalid, "IIN check digit is %c, expected %d", s[11], k)
	}
	return nil
}

// Valid reports whether s is a valid IIN.
func Valid(s string) bool { return Validate(s) == nil }

// birthDate decodes the date of birth of s, which must be 12 digits.
func birthDate(s string) (time.Time, error) {
	var century int
	switch s[6] {
	case '1', '2':
		century = 1800
	case '3', '4':
		century = 1900
	case '5', '6':
		century = 2000
	default:
		return time.Time{}, fault.New(fault.SvcIINInvalid, "IIN century/sex digit (7th) is %c, expected 1-6", s[6])
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	t := time.Date(century+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if mm < 1 || mm > 12 || dd < 1 || t.Month() != time.Month(mm) || t.Day() != dd {
		return time.Time{}, fault.New(fault.SvcIINInvalid, "IIN date of birth %s is not a calendar date", s[:6])
	}
	return t, nil
}

// BirthDate returns the date of birth (UTC midnight) of a valid IIN.
func BirthDate(s string) (time.Time, error) {
	if err := Validate(s); err != nil {
		return time.Time{}, err
	}
	return birthDate(s)
}

// Sex returns the sex encoded in a valid IIN.
func Sex(s string) (Gender, error) {
	if err := Validate(s); err != nil {
		return 0, err
	}
	if (s[6]-'0')%2 == 1 {
		return Male, nil
	}
	return Female, nil
}

// Make builds a valid IIN for a person born on birth (its year must be 1800..2099) with the
// given sex and serial (0..9999). A serial whose check digit would be 10 in both passes is
// never issued, so Make skips to the next serial; the serial actually used is the 8th-11th
// digits of the result. It fails when birth is out of range or no serial from serial to 9999
// gives a valid number.
func Make(birth time.Time, female bool, serial int) (string, error) {
	y := birth.Year()
	if y < 1800 || y > 2099 {
		return "", fmt.Errorf("iin: birth year %d is outside 1800..2099", y)
	}
	if serial < 0 || serial > 9999 {
		return "", fmt.Errorf("iin: serial %d is outside 0..9999", serial)
	}
	c := 1 + 2*((y-1800)/100)
	if female {
		c++
	}
	prefix := fmt.Sprintf("%02d%02d%02d%d", y%100, int(birth.Month()), birth.Day(), c)
	for ; serial <= 9999; serial++ {
		first := fmt.Sprintf("%s%04d", prefix, serial)
		if k, ok := CheckDigit(first); ok {
			return fmt.Sprintf("%s%d", first, k), nil
		}
	}
	return "", fmt.Errorf("iin: no valid serial from the requested one to 9999 for %s", prefix)
}

// MakeBIN builds a valid BIN of a resident legal entity (head organisation) registered in the
// month of registered, with the given serial (0..99999): YYMM, 4 (resident legal entity),
// 0 (head organisation), five serial digits, check digit. Serials whose check digit would be
// 10 in both passes are skipped as in Make.
func MakeBIN(registered time.Time, serial int) (string, error) {
	if serial < 0 || serial > 99999 {
		return "", fmt.Errorf("iin: BIN serial %d is outside 0..99999", serial)
	}
	prefix := fmt.Sprintf("%02d%02d40", registered.Year()%100, int(registered.Month()))
	for ; serial <= 99999; serial++ {
		first := fmt.Sprintf("%s%05d", prefix, serial)
		if k, ok := CheckDigit(first); ok {
			return fmt.Sprintf("%s%d", first, k), nil
		}
	}
	return "", fmt.Errorf("iin: no valid BIN serial from the requested one to 99999 for %s", prefix)
}

// ValidBIN reports whether s is a well-formed BIN: 12 digits, a month 01..12 in the 3rd-4th
// digits, an entity type 4, 5 or 6 in the 5th digit and a correct check digit.
func ValidBIN(s string) bool {
	if len(s) != Length || !allDigits(s) {
		return false
	}
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	if mm < 1 || mm > 12 || s[4] < '4' || s[4] > '6' {
		return false
	}
	k, ok := CheckDigit(s[:11])
	return ok && int(s[11]-'0') == k
}

// FromCertificate returns the IIN carried by a certificate of the Kazakh НУЦ: the subject
// SERIALNUMBER attribute (2.5.4.5) of the form "IIN123456789012". ok is false when the
// certificate has no such attribute or it is not "IIN" followed by 12 digits. The check digit
// is not verified: callers that need a valid IIN call Validate on the result.
func FromCertificate(cert *x509.Certificate) (string, bool) {
	if cert == nil {
		return "", false
	}
	sn := strings.TrimSpace(cert.Subject.SerialNumber)
	if len(sn) != 3+Length || !strings.EqualFold(sn[:3], "IIN") || !allDigits(sn[3:]) {
		return "", false
	}
	return sn[3:], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
