package wsdl

// ШЭП service identifiers (requestInfo/serviceId) of the ten ГЦВП e-services of MoLSP Order
// No. 140-ө of 28.04.2011 (services 9 and 10 added by Order No. 485-ө-м of 20.12.2012), in the
// order of item 1 of Order 140-ө. The business documents they carry are in gcvp.wsdl.
const (
	// ServiceChildbirthChildcareBenefitInfo is service 1: information on the assignment (refusal)
	// of the benefits for childbirth and for child care up to one year.
	ServiceChildbirthChildcareBenefitInfo = "GCVP_CHILDBIRTH_CHILDCARE_BENEFIT_INFO"
	// ServicePensionPaymentsInfo is service 2: information on the assignment (refusal) of pension
	// payments from ГЦВП taking the state basic pension into account.
	ServicePensionPaymentsInfo = "GCVP_PENSION_PAYMENTS_INFO"
	// ServiceBasicPensionInfo is service 3: information on the assignment (refusal) of the state
	// basic pension payment.
	ServiceBasicPensionInfo = "GCVP_BASIC_PENSION_INFO"
	// ServiceDisabilityBenefitInfo is service 4: information on the assignment (refusal) of the
	// state social benefit for disability.
	ServiceDisabilityBenefitInfo = "GCVP_DISABILITY_BENEFIT_INFO"
	// ServiceSurvivorBenefitInfo is service 5: information on the assignment (refusal) of the
	// state social benefit for loss of breadwinner.
	ServiceSurvivorBenefitInfo = "GCVP_SURVIVOR_BENEFIT_INFO"
	// ServiceAgeBenefitInfo is service 6: information on the assignment (refusal) of the state
	// social benefit by age.
	ServiceAgeBenefitInfo = "GCVP_AGE_BENEFIT_INFO"
	// ServiceSpecialStateBenefitInfo is service 7: information on the assignment (refusal) of the
	// special state benefit («арнайы мемлекеттік жәрдемақы»).
	ServiceSpecialStateBenefitInfo = "GCVP_SPECIAL_STATE_BENEFIT_INFO"
	// ServiceStateSpecialBenefitInfo is service 8: information on the assignment (refusal) of the
	// state special benefit («мемлекеттік арнаулы жәрдемақы»).
	ServiceStateSpecialBenefitInfo = "GCVP_STATE_SPECIAL_BENEFIT_INFO"
	// ServiceSikIssue is service 9: assignment of a social individual code (SIK) or issue of a
	// duplicate certificate.
	ServiceSikIssue = "GCVP_SIK_ISSUE"
	// ServicePensionFundStatement is service 10: information on receipts and movements of an
	// accumulative pension fund contributor's funds (transit-account statement).
	ServicePensionFundStatement = "GCVP_PENSION_FUND_STATEMENT"
)

// External services that service 10 calls through ШЭП on the ЦОН channel.
const (
	// ServiceGbdflPersonByIIN is the ГБД ФЛ (state database "Natural persons") lookup of a
	// person by IIN; documents in gbdfl.wsdl.
	ServiceGbdflPersonByIIN = "GBDFL_PERSON_BY_IIN"
	// ServiceEnisPowerOfAttorney is the ЕНИС (unified notarial information system) check of a
	// notarised power of attorney; documents in enis.wsdl.
	ServiceEnisPowerOfAttorney = "ENIS_POWER_OF_ATTORNEY"
)

// Service describes one e-service: its number in item 1 of Order 140-ө (0 for external
// services), its ШЭП service identifier and its official names in Kazakh and Russian.
type Service struct {
	Number int
	ID     string
	NameKK string
	NameRU string
}

// The Kazakh names are those of item 1 of Order 140-ө (as amended by Order 485-ө-м). The
// Russian names of services 9 and 10 are those of Order 485-ө-м; for services 1–8 the Russian
// text is not part of the reference material and the names are an accurate translation in the
// style of the Russian service standards.
var services = []Service{
	{1, ServiceChildbirthChildcareBenefitInfo,
		"Бала тууға және бала бір жасқа толғанға дейін оның күтімі жөніндегі жәрдемақыларды тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) пособий на рождение ребенка и по уходу за ребенком до достижения им возраста одного года"},
	{2, ServicePensionPaymentsInfo,
		"Зейнетақы төлеу жөніндегі мемлекеттік орталықтан мемлекеттік базалық зейнетақыны есепке ала отырып, зейнетақы төлемдерін тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) пенсионных выплат из Государственного центра по выплате пенсий с учетом государственной базовой пенсионной выплаты"},
	{3, ServiceBasicPensionInfo,
		"Мемлекеттік базалық зейнетақы төлемдерін тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) государственной базовой пенсионной выплаты"},
	{4, ServiceDisabilityBenefitInfo,
		"Мүгедектігі бойынша мемлекеттік әлеуметтік жәрдемақыны тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) государственного социального пособия по инвалидности"},
	{5, ServiceSurvivorBenefitInfo,
		"Асыраушысынан айрылу жағдайы бойынша мемлекеттік әлеуметтік жәрдемақыны тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) государственного социального пособия по случаю потери кормильца"},
	{6, ServiceAgeBenefitInfo,
		"Жасына байланысты мемлекеттік әлеуметтік жәрдемақыны тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) государственного социального пособия по возрасту"},
	{7, ServiceSpecialStateBenefitInfo,
		"Арнайы мемлекеттік жәрдемақыны тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) специального государственного пособия"},
	{8, ServiceStateSpecialBenefitInfo,
		"Мемлекеттік арнаулы жәрдемақыны тағайындау (тағайындаудан бас тарту) туралы ақпарат алу",
		"Получение информации о назначении (отказе в назначении) государственного специального пособия"},
	{9, ServiceSikIssue,
		"Әлеуметтік жеке код беру (телнұсқа беру)",
		"Присвоение (выдача дубликата) социального индивидуального кода"},
	{10, ServicePensionFundStatement,
		"Жинақтаушы зейнетақы қоры салымшысы қаражатының түсуі және қозғалысы туралы ақпарат беру",
		"Выдача информации о поступлении и движении средств вкладчика накопительного пенсионного фонда"},
}

var externalServices = []Service{
	{0, ServiceGbdflPersonByIIN,
		"«Жеке тұлғалар» мемлекеттік деректер базасынан ЖСН бойынша жеке тұлға туралы мәліметтер",
		"Сведения о физическом лице по ИИН из государственной базы данных «Физические лица»"},
	{0, ServiceEnisPowerOfAttorney,
		"Бірыңғай нотариаттық ақпараттық жүйеден сенімхат туралы мәліметтер",
		"Сведения о доверенности из Единой нотариальной информационной системы"},
}

// Services returns the ten ГЦВП e-services in the order of Order 140-ө (a fresh copy).
func Services() []Service {
	return append([]Service(nil), services...)
}

// ExternalServices returns the services of other state bodies that shepgate calls through
// ШЭП (ГБД ФЛ and ЕНИС), a fresh copy.
func ExternalServices() []Service {
	return append([]Service(nil), externalServices...)
}

// ServiceByID finds a ГЦВП or external service by its ШЭП service identifier.
func ServiceByID(id string) (Service, bool) {
	for _, list := range [][]Service{services, externalServices} {
		for _, s := range list {
			if s.ID == id {
				return s, true
			}
		}
	}
	return Service{}, false
}
