package server

import (
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/provider"
	"github.com/shepgate/shepgate/wsdl"
)

var soapAddress = regexp.MustCompile(`(<soap:address\s+location=")[^"]*(")`)

// registerWSDL answers GET <endpoint>?wsdl on every SOAP endpoint with its WSDL, its
// soap:address set to the URL it was fetched from.
func registerWSDL(e *echo.Echo) {
	for path, name := range map[string]string{
		gateway.SyncPath:  "shep-sync",
		provider.SyncPath: "shep-sync",
	} {
		e.GET(path, func(c echo.Context) error {
			if _, ok := c.QueryParams()["wsdl"]; !ok {
				return c.String(http.StatusMethodNotAllowed, "POST a SOAP 1.1 envelope here, or GET ?wsdl for the contract\n")
			}
			doc, ok := wsdl.Document(name)
			if !ok {
				return c.String(http.StatusNotFound, "no WSDL\n")
			}
			url := c.Scheme() + "://" + c.Request().Host + c.Request().URL.Path
			doc = soapAddress.ReplaceAll(doc, []byte("${1}"+url+"${2}"))
			return c.Blob(http.StatusOK, "text/xml; charset=utf-8", doc)
		})
	}
}
