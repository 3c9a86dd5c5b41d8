package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/fault"
)

// Codes of the consumer API. They extend adapter/fault's codes (which the API also answers with:
// XML_*, SIG_*, ROUTE_*, ...) and, like them, never change meaning.
const (
	// CodeValidation: a field of the request is missing or invalid; Problem.Field names it (400).
	CodeValidation fault.Code = "API_VALIDATION"
	// CodeMediaType: the body is not of the media type the endpoint takes (415).
	CodeMediaType fault.Code = "API_UNSUPPORTED_MEDIA_TYPE"
	// CodeUnauthenticated: no session, or it has expired or ended (401).
	CodeUnauthenticated fault.Code = "API_UNAUTHENTICATED"
	// CodeLoginFailed: unknown IIN or wrong password (401).
	CodeLoginFailed fault.Code = "API_LOGIN_FAILED"
	// CodeLoginLocked: too many failed logins for the IIN; try again after Retry-After (429).
	CodeLoginLocked fault.Code = "API_LOGIN_LOCKED"
	// CodeCSRF: a state-changing call without the session's X-CSRF-Token (403).
	CodeCSRF fault.Code = "API_CSRF"
	// CodeNotFound: no such route, or no such request of the session's consumer (404).
	CodeNotFound fault.Code = "API_NOT_FOUND"
	// CodeMethod: the route does not take the method (405).
	CodeMethod fault.Code = "API_METHOD_NOT_ALLOWED"
	// CodeState: the request's status does not allow the operation (409); e.g. signing a request
	// that was sent, or asking for the result before the answer.
	CodeState fault.Code = "API_REQUEST_STATE"
	// CodeSurveyAnswered: the request's survey was answered already (409).
	CodeSurveyAnswered fault.Code = "API_SURVEY_ANSWERED"
	// CodeDocumentMismatch: the signed document is not the request's draft (400).
	CodeDocumentMismatch fault.Code = "API_DOCUMENT_MISMATCH"
	// CodeNoTestKey: test mode has no test-PKI key for the session's consumer (409).
	CodeNoTestKey fault.Code = "API_NO_TEST_KEY"
	// CodeTooLarge: the body exceeds the limit (413).
	CodeTooLarge fault.Code = "API_BODY_TOO_LARGE"
	// CodeNotReady: a part of the system is not ready (503, /readyz).
	CodeNotReady fault.Code = "API_NOT_READY"
)

// codeInfo is a code's HTTP status and texts.
type codeInfo struct {
	status     int
	kk, ru, en string
}

var codes = map[fault.Code]codeInfo{
	CodeValidation:       {http.StatusBadRequest, "Сұрау салу деректері қате толтырылған", "Данные запроса заполнены неверно", "the request's data are invalid"},
	CodeMediaType:        {http.StatusUnsupportedMediaType, "Сұрау салу денесінің түрі қолдау көрсетілмейді", "Тип тела запроса не поддерживается", "unsupported media type"},
	CodeUnauthenticated:  {http.StatusUnauthorized, "Жүйеге кіру қажет", "Требуется вход в систему", "authentication required"},
	CodeLoginFailed:      {http.StatusUnauthorized, "ЖСН немесе құпиясөз қате", "Неверный ИИН или пароль", "wrong IIN or password"},
	CodeLoginLocked:      {http.StatusTooManyRequests, "Кіру әрекеттері тым көп, кейінірек қайталаңыз", "Слишком много попыток входа, повторите позже", "too many failed logins"},
	CodeCSRF:             {http.StatusForbidden, "Сұрау салу расталмады (CSRF токені жоқ немесе қате)", "Запрос не подтверждён (токен CSRF отсутствует или неверен)", "missing or wrong CSRF token"},
	CodeNotFound:         {http.StatusNotFound, "Табылмады", "Не найдено", "not found"},
	CodeMethod:           {http.StatusMethodNotAllowed, "Бұл әдіске рұқсат етілмейді", "Метод не разрешён", "method not allowed"},
	CodeState:            {http.StatusConflict, "Сұрау салудың мәртебесі бұл әрекетке мүмкіндік бермейді", "Статус запроса не позволяет выполнить это действие", "the request's status does not allow this"},
	CodeSurveyAnswered:   {http.StatusConflict, "Сауалнамаға жауап берілген", "На анкету уже даны ответы", "the survey was answered already"},
	CodeDocumentMismatch: {http.StatusBadRequest, "Қол қойылған құжат сұрау салумен сәйкес келмейді", "Подписанный документ не совпадает с запросом", "the signed document is not the request's draft"},
	CodeNoTestKey:        {http.StatusConflict, "Тұтынушының сынақ кілті жоқ", "Нет тестового ключа потребителя", "no test key for the consumer"},
	CodeTooLarge:         {http.StatusRequestEntityTooLarge, "Сұрау салу тым үлкен", "Запрос слишком велик", "request body is too large"},
	CodeNotReady:         {http.StatusServiceUnavailable, "Жүйе әзір емес", "Система не готова", "not ready"},
}

// Problem is an application/problem+json answer (RFC 9457) with a stable code and its texts in
// Kazakh and Russian.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// TitleKK and TitleRU are the code's texts in Kazakh and Russian.
	TitleKK string `json:"titleKk"`
	TitleRU string `json:"titleRu"`
	// Field names the invalid input field (API_VALIDATION).
	Field string `json:"field,omitempty"`
}

// apiError is an error answered as a Problem.
type apiError struct {
	code   fault.Code
	status int // 0: the code's
	field  string
	detail string
	err    error
	// retryAfter is the Retry-After header in seconds (0: none).
	retryAfter int
}

func (e *apiError) Error() string {
	msg := string(e.code)
	if e.field != "" {
		msg += " (" + e.field + ")"
	}
	if e.detail != "" {
		msg += ": " + e.detail
	}
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

func (e *apiError) Unwrap() error { return e.err }

func newError(code fault.Code, detail string) *apiError { return &apiError{code: code, detail: detail} }

func invalid(field, detail string) *apiError {
	return &apiError{code: CodeValidation, field: field, detail: detail}
}

func notFound(detail string) *apiError { return newError(CodeNotFound, detail) }

// problemOf turns any error into the Problem answered for it: an *apiError with its code, a
// *fault.Error with shepgate's code (400 for the caller's faults, 502 for a system behind the
// portal), anything else an INTERNAL 500.
func problemOf(err error) (Problem, int) {
	var ae *apiError
	if errors.As(err, &ae) {
		if info, ok := codes[ae.code]; ok {
			status := info.status
			if ae.status != 0 {
				status = ae.status
			}
			return Problem{Type: "urn:shepgate:api:" + string(ae.code), Title: info.en, Status: status, Detail: ae.detail,
				Code: string(ae.code), TitleKK: info.kk, TitleRU: info.ru, Field: ae.field}, status
		}
		t := fault.TextOf(ae.code)
		status := ae.status
		if status == 0 {
			status = statusOfFault(ae.code)
		}
		return Problem{Type: "urn:shepgate:fault:" + string(ae.code), Title: t.EN, Status: status, Detail: ae.detail,
			Code: string(ae.code), TitleKK: t.KK, TitleRU: t.RU, Field: ae.field}, status
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return problemOf(notFound("no such route"))
		case http.StatusMethodNotAllowed:
			return problemOf(newError(CodeMethod, "the route does not take this method"))
		case http.StatusRequestEntityTooLarge:
			return problemOf(newError(CodeTooLarge, "the body exceeds the limit"))
		case http.StatusUnsupportedMediaType:
			return problemOf(newError(CodeMediaType, "unsupported media type"))
		}
	}
	code := fault.CodeOf(err)
	t := fault.TextOf(code)
	status := statusOfFault(code)
	detail := ""
	var fe *fault.Error
	if errors.As(err, &fe) {
		detail = fe.Detail
	}
	if code == fault.Internal {
		status, detail = http.StatusInternalServerError, ""
	}
	return Problem{Type: "urn:shepgate:fault:" + string(code), Title: t.EN, Status: status, Detail: detail,
		Code: string(code), TitleKK: t.KK, TitleRU: t.RU}, status
}

// statusOfFault is the HTTP status of one of adapter/fault's codes: 400 for what the caller
// can change, 502 for a system behind the portal.
func statusOfFault(code fault.Code) int {
	switch {
	case code == fault.Internal:
		return http.StatusInternalServerError
	case code == fault.XMLTooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.TextOf(code).Class == fault.Server:
		return http.StatusBadGateway
	}
	return http.StatusBadRequest
}

// writeProblem answers err as application/problem+json; internal errors are logged, never shown.
func writeProblem(c echo.Context, log *slog.Logger, err error) error {
	p, status := problemOf(err)
	if status >= 500 {
		log.Error("api", "method", c.Request().Method, "path", c.Path(), "code", p.Code, "err", err)
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(status, p)
}
