package resultdoc

import (
	"strconv"
	"strings"
	"time"

	"github.com/hooklift/gowsdl/soap"

	"github.com/shepgate/shepgate/generated/gcvp"
)

// bi is a text in the state language (Kazakh) and in Russian.
type bi struct{ kk, ru string }

// label is the usual "kk / ru" rendering of a short bilingual text.
func (b bi) label() string {
	if b.kk == b.ru {
		return b.kk
	}
	return b.kk + " / " + b.ru
}

// lines renders a longer bilingual text as two lines.
func (b bi) lines() string {
	if b.kk == b.ru {
		return b.kk
	}
	return b.kk + "\n" + b.ru
}

// The provider, as the forms of Order 485-ө-м name it (the Russian typo "по выплата" of the
// form corrected).
var gcvpName = bi{
	"Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігінің Зейнетақы төлеу жөніндегі мемлекеттік орталығы",
	"Государственный центр по выплате пенсий Министерства труда и социальной защиты населения Республики Казахстан",
}

var gcvpShort = bi{"«ЗТМО» РМҚК", "РГКП «ГЦВП»"}

var (
	lblUniqueNumber  = bi{"Бірегей нөмір", "Уникальный номер"}
	lblRequestNumber = bi{"Сұрау салудың нөмірі", "Номер запроса"}
	lblIssueDate     = bi{"Берілген күні", "Дата выдачи"}
	lblTime          = bi{"уақыты", "время"}
	lblService       = bi{"Электрондық мемлекеттік қызмет", "Электронная государственная услуга"}
	lblIIN           = bi{"ЖСН", "ИИН"}
	lblSIK           = bi{"ӘЖК", "СИК"}
	lblFullName      = bi{"Тегі, аты, әкесінің аты", "Фамилия, имя, отчество"}
	lblLastName      = bi{"Тегі", "Фамилия"}
	lblFirstName     = bi{"Аты", "Имя"}
	lblMiddleName    = bi{"Әкесінің аты", "Отчество"}
	lblBirthDate     = bi{"Туған күні", "Дата рождения"}
	lblPaymentKind   = bi{"Төлем түрі", "Вид выплаты"}
	lblDecision      = bi{"Шешім", "Решение"}
	lblDecisionNo    = bi{"Шешімнің нөмірі", "Номер решения"}
	lblDecisionDate  = bi{"Шешімнің күні", "Дата решения"}
	lblAmount        = bi{"Тағайындалған мөлшері (айына)", "Назначенный размер (в месяц)"}
	lblPeriod        = bi{"Төлеу кезеңі", "Период выплаты"}
	lblRefusalReason = bi{"Бас тарту себебі", "Причина отказа"}
	lblErrorCode     = bi{"Қате коды", "Код ошибки"}
	lblErrorText     = bi{"Қатенің сипаттамасы", "Описание ошибки"}
	lblStep          = bi{"Тексеру кезеңі", "Этап проверки"}
	lblIssuingOffice = bi{"Куәлікті берген филиал/бөлімше", "Филиал/Отделение, выдавший(ее) свидетельство"}
	lblRegistered    = bi{"Тіркелген күні", "Дата регистрации"}
	lblReceiptDate   = bi{"Алу күні", "Дата получения"}
	lblFIO           = bi{"Т.А.Ә.", "ФИО"}
	lblSNIS          = bi{"СНИС", "СНИС"}
	lblStmtPeriod    = bi{"Кезең", "Период"}
	lblTotal         = bi{"Барлығы", "Итого"}
	lblNoRows        = bi{"Көрсетілген кезеңде айналымдар жоқ", "За указанный период оборотов нет"}
	tenge            = bi{"теңге", "тенге"}
	lblPortalFormed  = bi{"Құжат Электрондық қызмет порталымен қалыптасқан", "Документ сформирован Порталом электронных услуг"}
	lblDuplicate     = bi{"ТЕЛНҰСҚА", "ДУБЛИКАТ"}
)

var (
	titleInfo    = bi{"Тағайындау (тағайындаудан бас тарту) туралы ақпарат", "Информация о назначении (отказе в назначении)"}
	titleRefusal = bi{"Электрондық мемлекеттік қызметті көрсетуден бас тарту", "Отказ в оказании электронной государственной услуги"}
	titleSIK     = bi{"Әлеуметтік жеке код беру туралы куәлік", "Свидетельство о присвоении социального индивидуального кода"}
	titleStmt    = bi{"Салымшының транзиттік шоттары бойынша айналымдар туралы анықтама", "Справка по оборотам по транзитным счетам вкладчика"}
	sectionTurns = bi{"Салымшының транзиттік шоттары бойынша айналымдар", "Обороты по транзитным счетам вкладчика"}
)

var (
	outcomeAssigned = bi{"Тағайындалды", "Назначено"}
	outcomeRefused  = bi{"Тағайындаудан бас тартылды", "Отказано в назначении"}
)

// paymentKinds names the payment of services 1–8 (the wording of Order 140-ө's service
// names, as a noun phrase).
var paymentKinds = map[gcvp.PaymentKind]bi{
	gcvp.PaymentKindCHILDBIRTH_CHILDCARE_BENEFIT: {
		"Бала тууға және бала бір жасқа толғанға дейін оның күтімі жөніндегі жәрдемақылар",
		"Пособия на рождение ребенка и по уходу за ребенком до достижения им возраста одного года"},
	gcvp.PaymentKindPENSION_PAYMENTS: {
		"Мемлекеттік базалық зейнетақыны есепке ала отырып, Зейнетақы төлеу жөніндегі мемлекеттік орталықтан зейнетақы төлемдері",
		"Пенсионные выплаты из Государственного центра по выплате пенсий с учетом государственной базовой пенсионной выплаты"},
	gcvp.PaymentKindBASIC_PENSION: {
		"Мемлекеттік базалық зейнетақы төлемі", "Государственная базовая пенсионная выплата"},
	gcvp.PaymentKindDISABILITY_BENEFIT: {
		"Мүгедектігі бойынша мемлекеттік әлеуметтік жәрдемақы", "Государственное социальное пособие по инвалидности"},
	gcvp.PaymentKindSURVIVOR_BENEFIT: {
		"Асыраушысынан айрылу жағдайы бойынша мемлекеттік әлеуметтік жәрдемақы",
		"Государственное социальное пособие по случаю потери кормильца"},
	gcvp.PaymentKindAGE_BENEFIT: {
		"Жасына байланысты мемлекеттік әлеуметтік жәрдемақы", "Государственное социальное пособие по возрасту"},
	gcvp.PaymentKindSPECIAL_STATE_BENEFIT: {
		"Арнайы мемлекеттік жәрдемақы", "Специальное государственное пособие"},
	gcvp.PaymentKindSTATE_SPECIAL_BENEFIT: {
		"Мемлекеттік арнаулы жәрдемақы", "Государственное специальное пособие"},
}

// steps describes the steps of adapter/services at which a refusal is made.
var steps = map[string]bi{
	"A3_SIGNATURE_CHECK":    {"Сұрау салудың ЭЦҚ-сын тексеру", "Проверка ЭЦП запроса"},
	"A3_REQUEST_CHECK":      {"Сұрау салуды тексеру", "Проверка запроса"},
	"A6_CERT_STATUS":        {"ҰКО-да тіркеу куәлігінің мәртебесін тексеру", "Проверка статуса регистрационного свидетельства в НУЦ"},
	"A7_IIN_BINDING":        {"Сұрау салудағы және куәліктегі ЖСН-нің сәйкестігі", "Соответствие ИИН в запросе и в свидетельстве"},
	"A8_FIND_IIN":           {"ЖСН-ді іздеу", "Поиск ИИН"},
	"A9_FIND_SIK":           {"ӘЖК-ні іздеу", "Поиск СИК"},
	"A10_FIND_PAYMENT_INFO": {"Төлемдер туралы ақпаратты іздеу", "Поиск информации о выплатах"},
	"A11_ANSWER":            {"Жауапты қалыптастыру", "Формирование ответа"},
}

// The statement's columns (Order 485-ө-м, App. 4 to regulation 10), in order.
var stmtColumns = []bi{
	{"Түскен күні", "Дата поступления"},
	{"Жіберілген күні", "Дата отправки"},
	{"№", "№"},
	{"Құжат күні", "Дата документа"},
	{"КПП", "КПП"},
	{"Жіберуші", "Отправитель"},
	{"РИН", "РИН"},
	{"Алушы", "Получатель"},
	{"Сома, теңге", "Сумма, тенге"},
	{"Мәртебе", "Статус"},
	{"Кезең", "Период"},
}

// The legal-equivalence clause of the statement form (Law of 7 January 2003 No. 370-II,
// art. 7 p. 1).
var legalClause = bi{
	"Осы құжат «Электрондық құжат және электрондық цифрлық қолтаңба туралы» 2003 жылғы 7 қаңтардағы Қазақстан Республикасы Заңының 7-бабының 1-тармағына сәйкес қағаз жеткізгіштегі құжатпен бірдей.",
	"Данный документ согласно пункту 1 статьи 7 ЗРК от 7 января 2003 года «Об электронном документе и электронной цифровой подписи» равнозначен документу на бумажном носителе.",
}

// The barcode footnote of the forms, and how to check the barcodes.
var (
	barcodeHeading = bi{"Тексеруге арналған штрих-кодтар", "Штрих-коды для проверки"}
	barcodeNote    = bi{
		"*штрих-код «ЗТМО» ААЖ-дан алынған және «ЗТМО» электрондық-цифрлық қолтаңбасымен қол қойылған деректерді ұстайды",
		"*штрих-код содержит данные, полученные из АИС «ГЦВП» и подписанные электронно-цифровой подписью «ГЦВП»",
	}
	barcodeHowTo = bi{
		"Тексеру: барлық QR-кодтарды оқып (әрқайсысы «SHEPGATE-QR1 n/N» деп басталады), нөмірлері бойынша біріктіріңіз де, ЗТМО-ның ЭЦҚ-сын тексеріңіз, мысалы: shepgate verify --roots roots.pem құжат.pdf",
		"Проверка: считайте все QR-коды (каждый начинается с «SHEPGATE-QR1 n/N»), соберите их по номерам и проверьте ЭЦП ГЦВП, например: shepgate verify --roots roots.pem документ.pdf",
	}
)

// pageOf is the footer's "page N of M" (fpdf replaces {nb}).
func pageOf(n int) string {
	return "{nb} беттің " + strconv.Itoa(n) + "-беті / Стр. " + strconv.Itoa(n) + " из {nb}"
}

// FormatTiyn writes an amount in tiyn as tenge, the way Kazakh and Russian texts do:
// groups of three digits separated by no-break spaces and a decimal comma, always with
// two decimals ("1 234 567,89"; "-0,05"). It uses integer arithmetic only.
func FormatTiyn(v gcvp.Tiyn) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u // two's complement: also right for the most negative value
	}
	whole, frac := strconv.FormatUint(u/100, 10), u%100
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteRune('\u00A0')
		}
		b.WriteRune(d)
	}
	b.WriteByte(',')
	b.WriteByte(byte('0' + frac/10))
	b.WriteByte(byte('0' + frac%10))
	return b.String()
}

// dateText writes an xsd:date as DD.MM.YYYY; an absent date is "".
func dateText(d soap.XSDDate) string {
	t := d.ToGoTime()
	if t.Year() <= 1 {
		return ""
	}
	return t.Format("02.01.2006")
}

// dateTimeOf returns an xsd:dateTime in loc (nil: its own zone), and whether it is present.
func dateTimeOf(d soap.XSDDateTime, loc *time.Location) (time.Time, bool) {
	t := d.ToGoTime()
	if t.Year() <= 1 {
		return time.Time{}, false
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t, true
}

// periodText writes a from–to period; either end may be absent.
func periodText(from, to soap.XSDDate) string {
	f, t := dateText(from), dateText(to)
	switch {
	case f != "" && t != "":
		return f + " – " + t
	case f != "":
		return f + " бастап / с " + f
	case t != "":
		return t + " дейін / по " + t
	}
	return ""
}

// yearMonthText writes YYYY-MM as MM.YYYY (anything else as it is).
func yearMonthText(ym *gcvp.YearMonth) string {
	if ym == nil {
		return ""
	}
	s := string(*ym)
	if len(s) == 7 && s[4] == '-' {
		return s[5:] + "." + s[:4]
	}
	return s
}

// fullName joins the parts of a name that are present.
func fullName(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// clean makes a value printable by the embedded font: control characters other than line
// feeds, and characters outside the Basic Multilingual Plane (the font's CMap covers only
// it), become U+FFFD.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7F || r > 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' {
			return ' '
		}
		if (r < 0x20 && r != '\n') || r == 0x7F || r > 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			return '\uFFFD'
		}
		return r
	}, s)
}
