package server

import (
	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/gateway"
	"github.com/shepgate/shepgate/adapter/provider"
	"github.com/shepgate/shepgate/wsdl"
)

// registerWSDL answers GET <endpoint>?wsdl on the gateway's and ГЦВП's SOAP endpoints.
func registerWSDL(e *echo.Echo) {
	for path, name := range map[string]string{
		gateway.SyncPath:   "shep-sync",
		gateway.AsyncPath:  "shep-async",
		provider.SyncPath:  "shep-sync",
		provider.AsyncPath: "shep-async",
	} {
		e.GET(path, echo.WrapHandler(wsdl.Handler(name)))
	}
}
