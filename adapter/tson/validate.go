package tson

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shepgate/shepgate/adapter/iin"
)

// Limits on text fields, in characters.
const (
	maxName      = 100
	maxLogin     = 64
	maxPassword  = 72 // bcrypt reads at most 72 bytes
	maxPoANumber = 64 // as ЕНИС (mocks/enis.MaxNumberLength)
	maxNotary    = 200
	maxFileName  = 255
)

// PensionSystemStart is the first day of the accumulative pension system (as
// services.PensionSystemStart): a statement period cannot begin before it.
var PensionSystemStart = time.Date(1998, time.January, 1, 0, 0, 0, 0, time.UTC)

// kzZone is Kazakhstan's time (UTC+5), which decides what "today" is.
var kzZone = time.FixedZone("UTC+5", 5*60*60)

// today is the calendar day of t in Kazakhstan, at midnight UTC.
func today(t time.Time) time.Time {
	t = t.In(kzZone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// validator collects field errors.
type validator struct{ fields []FieldError }

func (v *validator) add(field, en, kk, ru string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: en, MessageKK: kk, MessageRU: ru})
}

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &inputError{fields: v.fields}
}

func (v *validator) required(field string) {
	v.add(field, "is required", "Міндетті өріс толтырылмаған", "Обязательное поле не заполнено")
}

// text checks a required or optional free text: no control characters, at most max characters.
func (v *validator) text(field, s string, required bool, max int) bool {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			v.required(field)
			return false
		}
		return true
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8", "Мәтін UTF-8 кодтауында емес", "Текст не в кодировке UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(field, fmt.Sprintf("has more than %d characters", max),
			fmt.Sprintf("%d таңбадан аспауы тиіс", max), fmt.Sprintf("Не более %d символов", max))
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "contains control characters", "Басқару таңбалары бар", "Содержит управляющие символы")
	default:
		return true
	}
	return false
}

// name checks a person's name: letters (Cyrillic, Kazakh, Latin), spaces, hyphens and apostrophes.
func (v *validator) name(field, s string, required bool) {
	if !v.text(field, s, required, maxName) || strings.TrimSpace(s) == "" {
		return
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' && r != '’' {
			v.add(field, fmt.Sprintf("contains %q: a name has only letters, spaces, hyphens and apostrophes", r),
				"Атында тек әріптер, бос орындар, сызықшалар және апострофтар болуы мүмкін",
				"Имя может содержать только буквы, пробелы, дефисы и апострофы")
			return
		}
	}
}

// iin checks an IIN (12 digits, date of birth, check digit).
func (v *validator) iin(field, s string) bool {
	if s == "" {
		v.required(field)
		return false
	}
	if err := iin.Validate(s); err != nil {
		v.add(field, "is not a valid IIN: "+strings.TrimPrefix(err.Error(), "SVC_IIN_INVALID: "),
			"ЖСН қате (12 цифр, туған күні және бақылау разряды)", "ИИН указан неверно (12 цифр, дата рождения и контрольный разряд)")
		return false
	}
	return true
}

// date parses a required or optional calendar date YYYY-MM-DD.
func (v *validator) date(field, s string, required bool) (time.Time, bool) {
	if s == "" {
		if required {
			v.required(field)
			return time.Time{}, false
		}
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.add(field, fmt.Sprintf("%q is not a date YYYY-MM-DD", s), "Күн ЖЖЖЖ-АА-КК пішімінде болуы тиіс", "Дата должна быть в формате ГГГГ-ММ-ДД")
		return time.Time{}, false
	}
	return t, true
}

func (v *validator) notFuture(field string, t, now time.Time) {
	if t.After(today(now)) {
		v.add(field, fmt.Sprintf("%s is in the future", t.Format(time.DateOnly)), "Күн болашақта болмауы тиіс", "Дата не может быть в будущем")
	}
}
