package iin

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Known IINs, each check digit computed by hand:
//
//	900101300017  9·1+0·2+0·3+1·4+0·5+1·6+3·7+0·8+0·9+0·10+1·11 = 51, 51 mod 11 = 7
//	850314400005  first pass 8+10+0+12+5+24+28 = 87 → 10; second pass
//	              8·3+5·4+0·5+3·6+1·7+4·8+4·9 = 137, 137 mod 11 = 5
//	050720600429  0+10+0+28+10+0+42+0+0+40+22 = 152, 152 mod 11 = 9
//	991231100070  9+18+3+8+15+6+7+0+0+0+77 = 143, 143 mod 11 = 0
//	90010130080?  first pass 120 → 10, second pass 27+6+8+27+8 = 76 → 10: never issued
//	900101300811  first pass 131 → 10, second pass 78 mod 11 = 1
func TestValidate(t *testing.T) {
	tests := []struct {
		name, in string
		detail   string // substring of the fault detail; "" means valid
	}{
		{"valid 1990 male", "900101300017", ""},
		{"valid second pass", "850314400005", ""},
		{"valid 2005 female", "050720600429", ""},
		{"valid 1899 male", "991231100070", ""},
		{"valid after skipped serial", "900101300811", ""},
		{"short", "90010130001", "12 digits"},
		{"long", "9001013000170", "12 digits"},
		{"empty", "", "12 digits"},
		{"letter", "90010130001X", "non-digit"},
		{"space", "9001 1300017", "non-digit"},
		{"cyrillic letter", "90010130001О", "non-digit character at position 12"},
		{"arabic-indic digit", "90010130001٧", "non-digit"},
		{"century 0", "900101000017", "century"},
		{"century 7", "900101700017", "century"},
		{"month 13", "901301300017", "calendar date"},
		{"day 0", "900100300017", "calendar date"},
		{"Feb 30", "900230300017", "calendar date"},
		{"Feb 29 non-leap 1900", "000229300010", "calendar date"},
		{"wrong check digit", "900101300018", "check digit is 8, expected 7"},
		{"second pass wrong", "850314400004", "expected 5"},
		{"both passes 10", "900101300800", "cannot be computed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.in)
			if tt.detail == "" {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tt.in, err)
				}
				if !Valid(tt.in) {
					t.Fatalf("Valid(%q) = false", tt.in)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%q) = nil, want error containing %q", tt.in, tt.detail)
			}
			if fault.CodeOf(err) != fault.SvcIINInvalid {
				t.Errorf("code = %s, want %s", fault.CodeOf(err), fault.SvcIINInvalid)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not contain %q", err, tt.detail)
			}
			if Valid(tt.in) {
				t.Errorf("Valid(%q) = true", tt.in)
			}
		})
	}
}

func TestBirthDateAndSex(t *testing.T) {
	tests := []struct {
		in    string
		birth string
		sex   Gender
	}{
		{"900101300017", "1990-01-01", Male},
		{"850314400005", "1985-03-14", Female},
		{"050720600429", "2005-07-20", Female},
		{"991231100070", "1899-12-31", Male},
	}
	for _, tt := range tests {
		d, err := BirthDate(tt.in)
		if err != nil {
			t.Fatalf("BirthDate(%s): %v", tt.in, err)
		}
		if got := d.Format(time.DateOnly); got != tt.birth {
			t.Errorf("BirthDate(%s) = %s, want %s", tt.in, got, tt.birth)
		}
		s, err := Sex(tt.in)
		if err != nil || s != tt.sex {
			t.Errorf("Sex(%s) = %v, %v, want %v", tt.in, s, err, tt.sex)
		}
	}
	if _, err := BirthDate("900101300018"); fault.CodeOf(err) != fault.SvcIINInvalid {
		t.Errorf("BirthDate of invalid IIN: %v", err)
	}
	if _, err := Sex("x"); fault.CodeOf(err) != fault.SvcIINInvalid {
		t.Errorf("Sex of invalid IIN: %v", err)
	}
}

func TestMake(t *testing.T) {
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		birth  string
		female bool
		serial int
		want   string
	}{
		{"1990-01-01", false, 1, "900101300017"},
		{"1985-03-14", true, 0, "850314400005"},
		{"2005-07-20", true, 42, "050720600429"},
		{"1899-12-31", false, 7, "991231100070"},
		{"1990-01-01", false, 80, "900101300811"}, // serial 80 is never issued: skipped to 81
	}
	for _, tt := range tests {
		got, err := Make(date(tt.birth), tt.female, tt.serial)
		if err != nil || got != tt.want {
			t.Errorf("Make(%s, %v, %d) = %q, %v, want %q", tt.birth, tt.female, tt.serial, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		birth  string
		serial int
	}{{"1799-12-31", 1}, {"2100-01-01", 1}, {"1990-01-01", -1}, {"1990-01-01", 10000}} {
		if _, err := Make(date(bad.birth), false, bad.serial); err == nil {
			t.Errorf("Make(%s, %d) succeeded", bad.birth, bad.serial)
		}
	}
	// Every serial of a day either yields a valid IIN or is skipped.
	seen := map[string]bool{}
	for s := 0; s < 10000; s += 37 {
		v, err := Make(date("1977-11-05"), s%2 == 0, s)
		if err != nil {
			t.Fatalf("Make serial %d: %v", s, err)
		}
		if !Valid(v) {
			t.Fatalf("Make serial %d gave invalid %s", s, v)
		}
		seen[v] = true
	}
	if len(seen) < 250 {
		t.Errorf("Make produced only %d distinct IINs", len(seen))
	}
}

func TestBIN(t *testing.T) {
	b, err := MakeBIN(time.Date(1999, 4, 1, 0, 0, 0, 0, time.UTC), 1234)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b, "990440") || !ValidBIN(b) {
		t.Fatalf("MakeBIN = %s, not a valid BIN", b)
	}
	for _, bad := range []string{"", "990440012345x", "991340012340", "990410012340"} {
		if ValidBIN(bad) {
			t.Errorf("ValidBIN(%q) = true", bad)
		}
	}
}

func TestFromCertificate(t *testing.T) {
	tests := []struct {
		serial string
		want   string
		ok     bool
	}{
		{"IIN900101300017", "900101300017", true},
		{"iin900101300017", "900101300017", true},
		{"BIN990440012345", "", false},
		{"IIN90010130001", "", false},
		{"IIN90010130001A", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		c := &x509.Certificate{Subject: pkix.Name{SerialNumber: tt.serial}}
		got, ok := FromCertificate(c)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromCertificate(%q) = %q, %v, want %q, %v", tt.serial, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := FromCertificate(nil); ok {
		t.Error("FromCertificate(nil) ok")
	}
}
