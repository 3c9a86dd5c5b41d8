// Package fault holds shepgate's stable error codes and the error type that carries them.
//
// Every refusal that shepgate gives — a SOAP Fault on the ШЭП channels, a signed refusal of a
// ГЦВП service, an application/problem+json answer of the HTTP API — names one of the codes
// below. Codes are part of the public contract: they never change meaning and are never reused.
// Each code has a message in Kazakh and in Russian (the regulations require both) and an
// English one for logs.
package fault

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code.
type Code string

// Class tells who is at fault, which decides the SOAP faultcode (Client or Server) and the
// HTTP status of an answer.
type Class int

const (
	// Client means the request was wrong; sending it again unchanged fails again.
	Client Class = iota
	// Server means shepgate or a system behind it failed; the same request may succeed later.
	Server
)

// XML input (adapter/xmlsafe).
const (
	XMLMalformed     Code = "XML_MALFORMED"
	XMLDoctype       Code = "XML_DOCTYPE"
	XMLDuplicateAttr Code = "XML_DUPLICATE_ATTR"
	XMLTooLarge      Code = "XML_TOO_LARGE"
	XMLTooDeep       Code = "XML_TOO_DEEP"
	XMLTooMany       Code = "XML_TOO_MANY_ELEMENTS"
)

// SOAP envelope and ШЭП message structure (adapter/envelope).
const (
	EnvNotSOAP        Code = "ENV_NOT_SOAP"
	EnvNoBody         Code = "ENV_NO_BODY"
	EnvUnknownHeader  Code = "ENV_MUST_UNDERSTAND"
	MsgInvalid        Code = "MSG_INVALID"
	MsgReplay         Code = "MSG_REPLAY"
	MsgDateSkew       Code = "MSG_DATE_SKEW"
	MsgUnknownService Code = "MSG_UNKNOWN_SERVICE"
)

// Signatures (adapter/wssec).
const (
	SigMissing        Code = "SIG_MISSING"
	SigMalformed      Code = "SIG_MALFORMED"
	SigDigestMismatch Code = "SIG_DIGEST_MISMATCH"
	SigInvalid        Code = "SIG_INVALID"
	SigWrapped        Code = "SIG_WRAPPED"
	SigAlgUnsupported Code = "SIG_ALG_UNSUPPORTED"
	SigAlgWeak        Code = "SIG_ALG_WEAK"
)

// Certificates (adapter/wssec chain checks, adapter/certstatus, sender and IIN binding).
const (
	CertMalformed         Code = "CERT_MALFORMED"
	CertUntrusted         Code = "CERT_UNTRUSTED"
	CertExpired           Code = "CERT_EXPIRED"
	CertNotYetValid       Code = "CERT_NOT_YET_VALID"
	CertRevoked           Code = "CERT_REVOKED"
	CertStatusUnknown     Code = "CERT_STATUS_UNKNOWN"
	CertStatusUnavailable Code = "CERT_STATUS_UNAVAILABLE"
	CertIINMismatch       Code = "CERT_IIN_MISMATCH"
	CertSenderMismatch    Code = "CERT_SENDER_MISMATCH"
)

// Gateway (adapter/gateway).
const (
	AuthUnknownSender Code = "AUTH_UNKNOWN_SENDER"
	AuthBadPassword   Code = "AUTH_BAD_PASSWORD"
	RouteUnavailable  Code = "ROUTE_UNAVAILABLE"
	RouteBadAnswer    Code = "ROUTE_BAD_ANSWER"
)

// ГЦВП services (adapter/provider, adapter/services): refusals of the regulations.
const (
	SvcIINInvalid       Code = "SVC_IIN_INVALID"
	SvcIINNotFound      Code = "SVC_IIN_NOT_FOUND"
	SvcSIKNotRegistered Code = "SVC_SIK_NOT_REGISTERED"
	SvcNoPaymentInfo    Code = "SVC_NO_PAYMENT_INFO"
	SvcRequestInvalid   Code = "SVC_REQUEST_INVALID"
)

// ГЦВП services 9 (SIK issuance) and 10 (pension-fund statement): refusals of Order 485-ө-м.
const (
	SvcRequestNumberReused Code = "SVC_REQUEST_NUMBER_REUSED"
	SvcPeriodInvalid       Code = "SVC_PERIOD_INVALID"
	SvcNoMovements         Code = "SVC_NO_MOVEMENTS"
	SvcNotOperator         Code = "SVC_NOT_OPERATOR"
)

// Internal.
const (
	Internal Code = "INTERNAL"
)

// Text is a code's description in the three languages shepgate speaks.
type Text struct {
	KK, RU, EN string
	Class      Class
}

var texts = map[Code]Text{
	XMLMalformed:     {"XML құжаты дұрыс құрылмаған", "XML-документ сформирован неверно", "XML is not well-formed", Client},
	XMLDoctype:       {"DOCTYPE жариялауына тыйым салынған", "Объявление DOCTYPE запрещено", "DOCTYPE declarations are forbidden", Client},
	XMLDuplicateAttr: {"Элементте атрибут қайталанады", "Атрибут элемента повторяется", "an element repeats an attribute", Client},
	XMLTooLarge:      {"Хабарлама тым үлкен", "Сообщение слишком велико", "message is too large", Client},
	XMLTooDeep:       {"XML тым терең кірістірілген", "Слишком глубокая вложенность XML", "XML is nested too deeply", Client},
	XMLTooMany:       {"XML элементтері тым көп", "Слишком много элементов XML", "XML has too many elements", Client},

	EnvNotSOAP:        {"Хабарлама SOAP 1.1 конверті емес", "Сообщение не является конвертом SOAP 1.1", "message is not a SOAP 1.1 envelope", Client},
	EnvNoBody:         {"SOAP конвертінде Body жоқ", "В конверте SOAP нет Body", "SOAP envelope has no Body", Client},
	EnvUnknownHeader:  {"Міндетті тақырып түсінілмеді", "Обязательный заголовок не поддерживается", "a mustUnderstand header is not understood", Client},
	MsgInvalid:        {"ШЭП хабарламасының құрылымы қате", "Неверная структура сообщения ШЭП", "ШЭП message structure is invalid", Client},
	MsgReplay:         {"Хабарлама идентификаторы бұрын қолданылған", "Идентификатор сообщения уже использовался", "messageId was already used", Client},
	MsgDateSkew:       {"Хабарлама күні рұқсат етілген аралықтан тыс", "Дата сообщения вне допустимого интервала", "messageDate is outside the allowed window", Client},
	MsgUnknownService: {"Сервис идентификаторы белгісіз", "Неизвестный идентификатор сервиса", "unknown serviceId", Client},

	SigMissing:        {"Қолтаңба жоқ", "Подпись отсутствует", "signature is missing", Client},
	SigMalformed:      {"Қолтаңба құрылымы қате", "Неверная структура подписи", "signature is malformed", Client},
	SigDigestMismatch: {"Қол қойылған деректер өзгертілген", "Подписанные данные изменены", "signed data was altered (digest mismatch)", Client},
	SigInvalid:        {"Қолтаңба жарамсыз", "Подпись недействительна", "signature value does not verify", Client},
	SigWrapped:        {"Қолтаңба басқа элементке сілтейді", "Подпись ссылается не на тот элемент", "signature does not cover the element in use (wrapping)", Client},
	SigAlgUnsupported: {"Қолтаңба алгоритміне қолдау көрсетілмейді", "Алгоритм подписи не поддерживается", "signature algorithm is not supported", Client},
	SigAlgWeak:        {"Қолтаңба алгоритмі әлсіз", "Алгоритм подписи слишком слаб", "signature or digest algorithm is too weak", Client},

	CertMalformed:         {"Сертификат оқылмады", "Сертификат не читается", "certificate cannot be parsed", Client},
	CertUntrusted:         {"Сертификат сенімді куәландырушы орталықпен берілмеген", "Сертификат выдан недоверенным удостоверяющим центром", "certificate does not chain to a trusted root", Client},
	CertExpired:           {"Сертификаттың қолданылу мерзімі өтті", "Срок действия сертификата истёк", "certificate has expired", Client},
	CertNotYetValid:       {"Сертификат әлі күшіне енбеген", "Сертификат ещё не действует", "certificate is not yet valid", Client},
	CertRevoked:           {"Сертификат кері қайтарылған", "Сертификат отозван", "certificate is revoked", Client},
	CertStatusUnknown:     {"ҰКО сертификатты білмейді", "НУЦ не знает этот сертификат", "certificate status is unknown to the CA", Client},
	CertStatusUnavailable: {"Сертификат мәртебесін тексеру мүмкін болмады", "Не удалось проверить статус сертификата", "certificate status could not be checked", Server},
	CertIINMismatch:       {"Сертификаттағы ЖСН сұраудағы ЖСН-мен сәйкес келмейді", "ИИН в сертификате не совпадает с ИИН в запросе", "IIN in the certificate does not match the request", Client},
	CertSenderMismatch:    {"Сертификат жіберушіге тиесілі емес", "Сертификат не принадлежит отправителю", "certificate does not belong to the sender", Client},

	AuthUnknownSender: {"Жіберуші тіркелмеген", "Отправитель не зарегистрирован", "unknown senderId", Client},
	AuthBadPassword:   {"Жіберушінің құпиясөзі қате", "Неверный пароль отправителя", "wrong sender password", Client},
	RouteUnavailable:  {"Қызмет берушінің жүйесі қолжетімсіз", "Система поставщика услуги недоступна", "the service provider is unavailable", Server},
	RouteBadAnswer:    {"Қызмет берушінің жауабы оқылмады немесе расталмады", "Ответ поставщика услуги не читается или не подтверждён", "the peer's answer is unreadable or not authentic", Server},

	SvcIINInvalid:       {"ЖСН қате", "ИИН указан неверно", "IIN is malformed", Client},
	SvcIINNotFound:      {"ЖСН «ЗТМО» ААЖ-да табылмады", "ИИН не найден в АИС ГЦВП", "IIN not found in the ГЦВП system", Client},
	SvcSIKNotRegistered: {"ӘЖК тіркелмеген", "СИК не зарегистрирован", "no SIK is registered for the IIN", Client},
	SvcNoPaymentInfo:    {"Төлемдер туралы ақпарат жоқ", "Сведения о выплатах отсутствуют", "no information on payments", Client},
	SvcRequestInvalid:   {"Сұрау салу қате толтырылған", "Запрос заполнен неверно", "service request is invalid", Client},

	SvcRequestNumberReused: {"Сұрау салу нөмірі басқа сұрау салуда қолданылған", "Номер запроса уже использован в другом запросе", "the request number was already used for another request", Client},
	SvcPeriodInvalid:       {"Кезең қате көрсетілген", "Период указан неверно", "the statement period is invalid", Client},
	SvcNoMovements:         {"Көрсетілген кезеңде салымшы қаражатының түсуі және қозғалысы туралы ақпарат жоқ", "Сведения о поступлении и движении средств вкладчика за указанный период отсутствуют", "no receipts or movements of the contributor's funds in the period", Client},
	SvcNotOperator:         {"Қол қоюшы ХҚКО-ның тіркелген операторы емес", "Подписавший не является зарегистрированным оператором ЦОН", "the signer is not a registered ЦОН operator", Client},

	Internal: {"Ішкі қате", "Внутренняя ошибка", "internal error", Server},
}

// TextOf returns the texts of a code; an unregistered code gets the texts of Internal.
func TextOf(c Code) Text {
	if t, ok := texts[c]; ok {
		return t
	}
	return texts[Internal]
}

// Known reports whether c is a registered code.
func Known(c Code) bool { _, ok := texts[c]; return ok }

// Codes returns every registered code (for documentation and tests).
func Codes() []Code {
	out := make([]Code, 0, len(texts))
	for c := range texts {
		out = append(out, c)
	}
	return out
}

// Error is an error with a stable code. Detail is an English explanation for logs and for the
// errorData of a fault; it must never contain secrets.
type Error struct {
	Code   Code
	Detail string
	Err    error
}

// New returns an *Error with a formatted detail.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error that wraps err.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), Err: err}
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return Internal
}
