package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"

	"github.com/beevik/etree"
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/channel"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// SubmitPath is where the portal role accepts a consumer's signed request document:
// POST /portal/services/{serviceId}/requests with the signed XML as the body.
const SubmitPath = "/portal/services/:service/requests"

// Handler is the portal role as an HTTP server: the consumer's side (a browser or another
// program) posts the request document it has signed, the portal sends it through the gateway and
// answers with ГЦВП's signed document. The consumer's private key never reaches the portal.
type Handler struct {
	Client *Client
	// Services are the serviceIds the portal offers.
	Services []string
	Logger   *slog.Logger
}

// Register mounts the handler on e.
func (h *Handler) Register(e *echo.Echo) {
	e.POST(SubmitPath, h.submit)
}

// Problem is an application/problem+json answer (RFC 9457) with shepgate's stable code.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// TitleKK and TitleRU are the code's texts in Kazakh and Russian.
	TitleKK string `json:"titleKk"`
	TitleRU string `json:"titleRu"`
}

// WriteProblem answers err as application/problem+json.
func WriteProblem(c echo.Context, err error) error {
	code := fault.CodeOf(err)
	t := fault.TextOf(code)
	status := http.StatusBadRequest
	if t.Class == fault.Server {
		status = http.StatusBadGateway
	}
	detail := ""
	var fe *fault.Error
	if errors.As(err, &fe) {
		detail = fe.Detail
	}
	p := Problem{Type: "urn:shepgate:fault:" + string(code), Title: t.EN, Status: status, Detail: detail,
		Code: string(code), TitleKK: t.KK, TitleRU: t.RU}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(status, p) // echo keeps the content type set above
}

func (h *Handler) submit(c echo.Context) error {
	service := c.Param("service")
	if !slices.Contains(h.Services, service) {
		return WriteProblem(c, fault.New(fault.MsgUnknownService, "the portal offers no service %q", service))
	}
	raw, err := channel.ReadBody(c.Request().Body, h.Client.Hop.MaxBytes())
	if err != nil {
		return WriteProblem(c, err)
	}
	doc, err := xmlsafe.Parse(raw, h.Client.Hop.Limits)
	if err != nil {
		return WriteProblem(c, err)
	}
	ans, err := h.Client.Submit(c.Request().Context(), service, doc.Root())
	if err != nil {
		if fault.CodeOf(err) == fault.Internal {
			h.logger().Error("portal submit", "service", service, "err", err)
		}
		return WriteProblem(c, err)
	}
	out := etree.NewDocument()
	out.SetRoot(ans.Document.Copy())
	body, err := out.WriteToBytes()
	if err != nil {
		return WriteProblem(c, err)
	}
	hd := c.Response().Header()
	hd.Set("Shep-Status-Code", ans.Status.Code)
	hd.Set("Shep-Message-Id", ans.MessageID)
	hd.Set("Shep-Session-Id", ans.SessionID)
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", body)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
