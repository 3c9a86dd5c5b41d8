package tson

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Codes of the ЦОН workstation API. They extend adapter/fault's codes (which the API also
// answers with: SIG_*, CERT_*, ROUTE_*, SVC_IIN_INVALID, ...) and, like them, never change
// meaning.
const (
	// CodeInputInvalid: the request body or a parameter is invalid; Problem.Errors says which
	// field and what is wrong (HTTP 400).
	CodeInputInvalid fault.Code = "CON_INPUT_INVALID"
	// CodeUnsupportedMedia: the body is not of the media type the endpoint takes (HTTP 415).
	CodeUnsupportedMedia fault.Code = "CON_UNSUPPORTED_MEDIA_TYPE"
	// CodeAuthRequired: no session, or it has expired or ended (HTTP 401).
	CodeAuthRequired fault.Code = "CON_AUTH_REQUIRED"
	// CodeLoginFailed: unknown login, wrong password or inactive operator (HTTP 401).
	CodeLoginFailed fault.Code = "CON_LOGIN_FAILED"
	// CodeLoginLocked: too many failed logins; wait and try again (HTTP 429).
	CodeLoginLocked fault.Code = "CON_LOGIN_LOCKED"
	// CodeCSRFInvalid: a state-changing call without the session's CSRF token (HTTP 403).
	CodeCSRFInvalid fault.Code = "CON_CSRF_INVALID"
	// CodeNotFound: no such application, document or route for this operator (HTTP 404).
	CodeNotFound fault.Code = "CON_NOT_FOUND"
	// CodeState: the step is not possible in the application's state (HTTP 409).
	CodeState fault.Code = "CON_APPLICATION_STATE"
	// CodeScanTooLarge: the scan exceeds the size limit (HTTP 413).
	CodeScanTooLarge fault.Code = "CON_SCAN_TOO_LARGE"
	// CodeScanType: the scan is not a PDF, PNG or JPEG file (HTTP 415).
	CodeScanType fault.Code = "CON_SCAN_TYPE"
	// CodeSignerNotOperator: the document is not signed by the logged-in operator (HTTP 403).
	CodeSignerNotOperator fault.Code = "CON_SIGNER_NOT_OPERATOR"
	// CodeDocumentMismatch: the signed document is not the application's document (HTTP 422).
	CodeDocumentMismatch fault.Code = "CON_DOCUMENT_MISMATCH"

	// Refusals of the checks (process 4 of the ЦОН channel, "the data cannot be obtained").
	// They are recorded on the application, which becomes REFUSED.

	// CodeConsumerNotFound: ГБД ФЛ does not know the consumer's IIN.
	CodeConsumerNotFound fault.Code = "CON_CONSUMER_NOT_FOUND"
	// CodeConsumerDeceased: ГБД ФЛ records the consumer as deceased.
	CodeConsumerDeceased fault.Code = "CON_CONSUMER_DECEASED"
	// CodeConsumerDataInvalid: ГБД ФЛ's data of the consumer are unreadable or incomplete.
	CodeConsumerDataInvalid fault.Code = "CON_CONSUMER_DATA_INVALID"
	// CodeConsumerMismatch: the names entered are not the consumer's names in ГБД ФЛ.
	CodeConsumerMismatch fault.Code = "CON_CONSUMER_DATA_MISMATCH"
	// CodePoANotFound: ЕНИС has no power of attorney with the number.
	CodePoANotFound fault.Code = "CON_POA_NOT_FOUND"
	// CodePoAExpired: the power of attorney's validity ended.
	CodePoAExpired fault.Code = "CON_POA_EXPIRED"
	// CodePoARevoked: the power of attorney was revoked.
	CodePoARevoked fault.Code = "CON_POA_REVOKED"
	// CodePoANotValid: ЕНИС says the power of attorney is not in force (not yet, for example).
	CodePoANotValid fault.Code = "CON_POA_NOT_VALID"
	// CodePoAMismatch: the power of attorney is another principal's or another representative's.
	CodePoAMismatch fault.Code = "CON_POA_MISMATCH"
	// CodePoAScope: the power of attorney does not grant obtaining this information.
	CodePoAScope fault.Code = "CON_POA_SCOPE"
)

// codeInfo is a code's HTTP status and texts.
type codeInfo struct {
	status     int
	kk, ru, en string
}

var codes = map[fault.Code]codeInfo{
	CodeInputInvalid:      {http.StatusBadRequest, "Сұрау салу деректері қате толтырылған", "Данные запроса заполнены неверно", "the request's data are invalid"},
	CodeUnsupportedMedia:  {http.StatusUnsupportedMediaType, "Сұрау салу денесінің түрі қолдау көрсетілмейді", "Тип тела запроса не поддерживается", "unsupported media type"},
	CodeAuthRequired:      {http.StatusUnauthorized, "Жүйеге кіру қажет", "Требуется вход в систему", "authentication required"},
	CodeLoginFailed:       {http.StatusUnauthorized, "Логин немесе құпиясөз қате", "Неверный логин или пароль", "wrong login or password"},
	CodeLoginLocked:       {http.StatusTooManyRequests, "Кіру әрекеттері тым көп, кейінірек қайталаңыз", "Слишком много попыток входа, повторите позже", "too many failed logins"},
	CodeCSRFInvalid:       {http.StatusForbidden, "Сұрау салу расталмады (CSRF)", "Запрос не подтверждён (CSRF)", "missing or wrong CSRF token"},
	CodeNotFound:          {http.StatusNotFound, "Табылмады", "Не найдено", "not found"},
	CodeState:             {http.StatusConflict, "Өтінішің осы күйінде бұл әрекет мүмкін емес", "Действие невозможно в текущем состоянии заявки", "not possible in the application's state"},
	CodeScanTooLarge:      {http.StatusRequestEntityTooLarge, "Сканерленген құжат тым үлкен", "Скан документа слишком велик", "the scan is too large"},
	CodeScanType:          {http.StatusUnsupportedMediaType, "Сканерленген құжат PDF, PNG немесе JPEG болуы тиіс", "Скан документа должен быть в формате PDF, PNG или JPEG", "the scan is not PDF, PNG or JPEG"},
	CodeSignerNotOperator: {http.StatusForbidden, "Құжатқа жүйеге кірген оператор қол қоймаған", "Документ подписан не вошедшим в систему оператором", "the document is not signed by the logged-in operator"},
	CodeDocumentMismatch:  {http.StatusUnprocessableEntity, "Қол қойылған құжат өтініштің құжатымен сәйкес келмейді", "Подписанный документ не совпадает с документом заявки", "the signed document is not the application's document"},

	CodeConsumerNotFound:    {http.StatusOK, "Тұтынушының деректері ЖТ МДБ-да жоқ, деректерді алу мүмкін емес", "Данные потребителя отсутствуют в ГБД ФЛ, получение данных невозможно", "the consumer is not in ГБД ФЛ"},
	CodeConsumerDeceased:    {http.StatusOK, "ЖТ МДБ деректері бойынша тұтынушы қайтыс болған", "По данным ГБД ФЛ потребитель умер", "ГБД ФЛ records the consumer as deceased"},
	CodeConsumerDataInvalid: {http.StatusOK, "ЖТ МДБ-дан тұтынушының деректерін алу мүмкін емес: деректер қате", "Невозможно получить данные потребителя из ГБД ФЛ: данные некорректны", "ГБД ФЛ's data of the consumer are invalid"},
	CodeConsumerMismatch:    {http.StatusOK, "Енгізілген деректер ЖТ МДБ-дағы тұтынушының деректерімен сәйкес келмейді", "Введённые данные не совпадают с данными потребителя в ГБД ФЛ", "the names entered differ from ГБД ФЛ's"},
	CodePoANotFound:         {http.StatusOK, "Сенімхаттың деректері БНАЖ-да жоқ, деректерді алу мүмкін емес", "Данные доверенности отсутствуют в ЕНИС, получение данных невозможно", "ЕНИС has no such power of attorney"},
	CodePoAExpired:          {http.StatusOK, "Сенімхаттың қолданылу мерзімі өткен", "Срок действия доверенности истёк", "the power of attorney has expired"},
	CodePoARevoked:          {http.StatusOK, "Сенімхат кері қайтарылған", "Доверенность отменена", "the power of attorney was revoked"},
	CodePoANotValid:         {http.StatusOK, "Сенімхат күшінде емес", "Доверенность не действует", "the power of attorney is not in force"},
	CodePoAMismatch:         {http.StatusOK, "Сенімхат басқа сенім білдірушіге немесе өкілге берілген", "Доверенность выдана другим доверителем или другому представителю", "the power of attorney names another principal or representative"},
	CodePoAScope:            {http.StatusOK, "Сенімхат бұл ақпаратты алуға өкілеттік бермейді", "Доверенность не даёт полномочий на получение этих сведений", "the power of attorney does not grant this power"},
}

// TextOf returns a code's texts in Kazakh, Russian and English: the API's own codes, else
// adapter/fault's.
func TextOf(c fault.Code) fault.Text {
	if i, ok := codes[c]; ok {
		return fault.Text{KK: i.kk, RU: i.ru, EN: i.en, Class: fault.Client}
	}
	return fault.TextOf(c)
}

// Problem is an application/problem+json answer (RFC 9457), the shape of portal.Problem with
// the fields that failed validation.
type Problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail,omitempty"`
	Code    string `json:"code"`
	TitleKK string `json:"titleKk"`
	TitleRU string `json:"titleRu"`
	// Errors lists every invalid field (CON_INPUT_INVALID).
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError says what is wrong with one field: Message in English (with details), MessageKK
// and MessageRU for the operator.
type FieldError struct {
	Field     string `json:"field"`
	Message   string `json:"message"`
	MessageKK string `json:"messageKk"`
	MessageRU string `json:"messageRu"`
}

// inputError is a CON_INPUT_INVALID error with its field errors.
type inputError struct{ fields []FieldError }

func (e *inputError) Error() string {
	msg := string(CodeInputInvalid)
	for _, f := range e.fields {
		msg += "; " + f.Field + ": " + f.Message
	}
	return msg
}

// upstreamError marks an error of a system behind the gateway or of the gateway itself: the
// operator is not at fault, whatever the class of its code (HTTP 502).
type upstreamError struct{ err error }

func (e *upstreamError) Error() string { return e.err.Error() }
func (e *upstreamError) Unwrap() error { return e.err }

func upstream(err error) error {
	if err == nil {
		return nil
	}
	return &upstreamError{err}
}

// problemOf turns err into a Problem.
func problemOf(err error) Problem {
	var ie *inputError
	if errors.As(err, &ie) {
		t := TextOf(CodeInputInvalid)
		return Problem{Type: problemType(CodeInputInvalid), Title: t.EN, Status: http.StatusBadRequest, Code: string(CodeInputInvalid),
			TitleKK: t.KK, TitleRU: t.RU, Errors: ie.fields, Detail: fmt.Sprintf("%d invalid field(s)", len(ie.fields))}
	}
	code := fault.CodeOf(err)
	t := TextOf(code)
	status := http.StatusBadRequest
	if i, ok := codes[code]; ok {
		status = i.status
	} else if code == fault.Internal {
		status = http.StatusInternalServerError
	} else if t.Class == fault.Server {
		status = http.StatusBadGateway
	}
	var ue *upstreamError
	if errors.As(err, &ue) && code != fault.Internal {
		status = http.StatusBadGateway
	}
	detail := ""
	var fe *fault.Error
	if errors.As(err, &fe) && code != fault.Internal {
		detail = fe.Detail // as portal.WriteProblem: never the wrapped error (addresses, paths)
	}
	return Problem{Type: problemType(code), Title: t.EN, Status: status, Detail: detail, Code: string(code), TitleKK: t.KK, TitleRU: t.RU}
}

func problemType(c fault.Code) string { return "urn:shepgate:fault:" + string(c) }

// writeProblem answers err as application/problem+json; errors without a code are logged and
// answered as INTERNAL without their text.
func writeProblem(c echo.Context, log *slog.Logger, err error) error {
	p := problemOf(err)
	if p.Status >= 500 {
		log.Error("con request failed", "method", c.Request().Method, "path", c.Path(), "code", p.Code, "err", err)
	} else {
		log.Info("con request refused", "method", c.Request().Method, "path", c.Path(), "code", p.Code, "err", err)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(p.Status, p)
}

// newError returns a *fault.Error with one of the API's codes.
func newError(code fault.Code, format string, args ...any) error {
	return fault.New(code, format, args...)
}
