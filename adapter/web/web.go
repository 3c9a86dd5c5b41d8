package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults of Options.
const (
	// DefaultPrefix is where the screens are mounted.
	DefaultPrefix = "/web"
	// DefaultAPIBase is the consumer API (adapter/api).
	DefaultAPIBase = "/api/v1"
	// DefaultOperatorAPIBase is the ЦОН operator API.
	DefaultOperatorAPIBase = "/api/v1/con"
	// LangCookie keeps the chosen language.
	LangCookie = "sg_lang"
	// maxSignBytes bounds a document posted to the operator's test signer.
	maxSignBytes = 1 << 20
)

// Options configure the screens.
type Options struct {
	// Prefix is the path the screens are mounted under; default DefaultPrefix.
	Prefix string
	// APIBase and OperatorAPIBase are the JSON APIs the screens call from the browser (same
	// origin); defaults DefaultAPIBase and DefaultOperatorAPIBase.
	APIBase, OperatorAPIBase string
	// TestMode shows the test-signature buttons: the consumer's ("the server signs with the test
	// key", POST {APIBase}/requests/{n}/test-signature) and, with OperatorTestSigner, the ЦОН
	// operator's. Never in production.
	TestMode bool
	// OperatorTestSigner signs the ЦОН operator's document in test mode (the test PKI's
	// operator-1 key), standing in for the operator's NCALayer; ignored unless TestMode.
	OperatorTestSigner *wssec.Signer
	// RootRedirect also answers GET / with a redirect to the consumer's sign-in screen.
	RootRedirect bool
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Web serves the screens.
type Web struct {
	opts   Options
	pages  map[string]*template.Template
	static fs.FS
	log    *slog.Logger
}

// page is one screen: its template and who uses it.
type page struct {
	name, file string
	operator   bool
}

var pageList = []page{
	{"login", "login.html", false},
	{"services", "services.html", false},
	{"request", "request.html", false},
	{"requests", "requests.html", false},
	{"sign", "sign.html", false},
	{"status", "status.html", false},
	{"result", "result.html", false},
	{"survey", "survey.html", false},
	{"con-login", "con_login.html", true},
	{"con-applications", "con_applications.html", true},
	{"con-application", "con_application.html", true},
}

// New checks opts and parses the templates.
func New(opts Options) (*Web, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	opts.Prefix = "/" + strings.Trim(opts.Prefix, "/")
	if opts.Prefix == "/" {
		return nil, errors.New("web: Options.Prefix must not be the root")
	}
	if opts.APIBase == "" {
		opts.APIBase = DefaultAPIBase
	}
	if opts.OperatorAPIBase == "" {
		opts.OperatorAPIBase = DefaultOperatorAPIBase
	}
	opts.APIBase = strings.TrimRight(opts.APIBase, "/")
	opts.OperatorAPIBase = strings.TrimRight(opts.OperatorAPIBase, "/")
	if !opts.TestMode {
		opts.OperatorTestSigner = nil
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := checkCatalogue(); err != nil {
		return nil, err
	}
	w := &Web{opts: opts, pages: map[string]*template.Template{}, log: opts.Logger.With("role", "web")}
	st, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	w.static = st
	for _, p := range pageList {
		t, err := template.New("layout.html").Funcs(template.FuncMap{
			"t": func(string) string { return "" }, // replaced per request (Clone + Funcs)
		}).ParseFS(templateFS, "templates/layout.html", "templates/"+p.file)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p.file, err)
		}
		w.pages[p.name] = t
	}
	return w, nil
}

// Prefix returns the path the screens are mounted under.
func (w *Web) Prefix() string { return w.opts.Prefix }

// Register mounts the screens on e.
func (w *Web) Register(e *echo.Echo) {
	p := w.opts.Prefix
	g := e.Group(p, w.headers)
	if w.opts.RootRedirect {
		e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, p+"/") })
	}
	e.GET(p, func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, p+"/") })
	g.GET("/", w.render("login"))
	g.GET("/services", w.render("services"))
	g.GET("/services/:service", w.render("request"))
	g.GET("/requests", w.render("requests"))
	g.GET("/requests/:n", w.render("status"))
	g.GET("/requests/:n/sign", w.render("sign"))
	g.GET("/requests/:n/result", w.render("result"))
	g.GET("/requests/:n/survey", w.render("survey"))
	g.GET("/con", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, p+"/con/") })
	g.GET("/con/", w.render("con-login"))
	g.GET("/con/applications", w.render("con-applications"))
	g.GET("/con/applications/:id", w.render("con-application"))
	if w.opts.OperatorTestSigner != nil {
		g.POST("/con/test-sign", w.operatorTestSign)
	}
	g.GET("/static/*", w.serveStatic)
}

// headers sets the security headers of every screen and static file.
func (w *Web) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

func (w *Web) serveStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	if name == "" || strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	raw, err := fs.ReadFile(w.static, name)
	if err != nil {
		return echo.ErrNotFound
	}
	ct := mime.TypeByExtension(name[strings.LastIndex(name, "."):])
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, ct, raw)
}

// langOf returns the screen's language: ?lang= (kept in a cookie), else the cookie, else kk.
func (w *Web) langOf(c echo.Context) string {
	if l := c.QueryParam("lang"); l == LangKK || l == LangRU {
		c.SetCookie(&http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if ck, err := c.Cookie(LangCookie); err == nil && (ck.Value == LangKK || ck.Value == LangRU) {
		return ck.Value
	}
	return LangKK
}

// ServiceView is a service as the screens show it.
type ServiceView struct {
	Number int
	ID     string
	Name   string
}

// pageData is what a template sees.
type pageData struct {
	Page, Lang, Prefix, APIBase, OperatorAPIBase string
	// Operator marks the ЦОН operator's screens.
	Operator bool
	TestMode bool
	// OperatorTestSign: the operator's test signer is mounted.
	OperatorTestSign bool
	// LangURL maps each language to this screen's URL in it.
	LangURL map[string]string
	// Params are the path's parameters (service, n, id).
	Params map[string]string
	// Services lists the ten services; Service is the one in the path (request screen).
	Services []ServiceView
	Service  *ServiceView
	// Catalogue is this language's catalogue for the scripts (JSON).
	Catalogue template.JS
	// DocKinds are the kinds of documents the ЦОН operator attaches.
	DocKinds []string
}

func (w *Web) render(name string) echo.HandlerFunc {
	var operator bool
	for _, p := range pageList {
		if p.name == name {
			operator = p.operator
		}
	}
	return func(c echo.Context) error {
		lang := w.langOf(c)
		d := pageData{Page: name, Lang: lang, Prefix: w.opts.Prefix, APIBase: w.opts.APIBase,
			OperatorAPIBase: w.opts.OperatorAPIBase, Operator: operator, TestMode: w.opts.TestMode,
			OperatorTestSign: w.opts.OperatorTestSigner != nil, Params: map[string]string{},
			LangURL: map[string]string{}, DocKinds: docKinds}
		for _, n := range c.ParamNames() {
			d.Params[n] = c.Param(n)
		}
		for _, l := range []string{LangKK, LangRU} {
			q := url.Values{}
			for k, v := range c.QueryParams() {
				if k != "lang" {
					q[k] = v
				}
			}
			q.Set("lang", l)
			d.LangURL[l] = c.Request().URL.Path + "?" + q.Encode()
		}
		for _, s := range wsdl.Services() {
			v := ServiceView{Number: s.Number, ID: s.ID, Name: s.NameKK}
			if lang == LangRU {
				v.Name = s.NameRU
			}
			d.Services = append(d.Services, v)
			if s.ID == d.Params["service"] {
				d.Service = &v
			}
		}
		if name == "request" && d.Service == nil {
			return echo.NewHTTPError(http.StatusNotFound, "no service "+d.Params["service"])
		}
		cat, err := json.Marshal(catalogueFor(lang))
		if err != nil {
			return err
		}
		d.Catalogue = template.JS(cat)
		t, err := w.pages[name].Clone()
		if err != nil {
			return err
		}
		t.Funcs(template.FuncMap{"t": func(key string) string { return T(lang, key) }})
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
			w.log.Error("render", "page", name, "err", err)
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	}
}

// operatorTestSign signs the ЦОН operator's document with the test key (test mode only): the
// browser posts the document it fetched from the operator API and gets it back signed
// (enveloped XMLDSig), as NCALayer would give it. Only application/xml bodies are taken, so a
// page of another origin cannot post one without a CORS preflight.
func (w *Web) operatorTestSign(c echo.Context) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationXML && mt != echo.MIMETextXML {
		return problem(c, http.StatusUnsupportedMediaType, fault.New(fault.EnvNotSOAP, "the body must be application/xml, not %q", mt))
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxSignBytes))
	if err != nil {
		return problem(c, http.StatusRequestEntityTooLarge, fault.New(fault.XMLTooLarge, "the document exceeds %d bytes", maxSignBytes))
	}
	out, err := w.opts.OperatorTestSigner.SignBytes(raw, xmlsafe.DefaultLimits)
	if err != nil {
		return problem(c, http.StatusBadRequest, err)
	}
	w.log.Info("operator document signed with the test key", "bytes", len(out))
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", out)
}

// problem answers err as application/problem+json with its stable code and kk/ru texts.
func problem(c echo.Context, status int, err error) error {
	code := fault.CodeOf(err)
	t := fault.TextOf(code)
	detail := err.Error()
	var fe *fault.Error
	if errors.As(err, &fe) {
		detail = fe.Detail
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	return json.NewEncoder(c.Response()).Encode(map[string]any{
		"title": t.EN, "status": status, "detail": detail, "code": string(code), "titleKk": t.KK, "titleRu": t.RU,
	})
}
