package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shepgate/shepgate/adapter/tson"
	"github.com/shepgate/shepgate/adapter/web"
)

// TestOperatorStatement plays a ЦОН operator in headless Chromium, in Russian: sign in, enter
// the consumer's data and a representative's notarised power of attorney, check them in ГБД ФЛ
// and ЕНИС, mark the paper documents and attach their scans, sign (test mode) and submit, and
// refresh until ГЦВП's answer is there; a screenshot of every screen.
func TestOperatorStatement(t *testing.T) {
	sys := startSystem(t)
	if !serves(t, sys.srv.URL+tson.BasePath+"/session") {
		t.Fatalf("adapter/server does not mount the ЦОН operator API (%s, package adapter/tson) yet: "+
			"wire tson.New(...).Register(e) into server.Start (with the CON sender at the gateway) for the operator's screens", tson.BasePath)
	}
	ru := func(key string) string { return web.T(web.LangRU, key) }
	poa := fixturePoA
	ctx := newBrowser(t)

	run(t, ctx, "open the operator's sign-in", chromedp.Navigate(sys.url+"/web/con/?lang=ru"), chromedp.WaitVisible(chromedp.CSS("#con-login-form")))
	if got := textOf(t, ctx, "h1"); got != ru("con.login.title") {
		t.Fatalf("operator sign-in title %q, want Russian %q", got, ru("con.login.title"))
	}
	shot(t, ctx, "operator-01-sign-in")
	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#login"), tson.TestOperatorLogin),
		chromedp.SendKeys(chromedp.CSS("#password"), tson.TestOperatorPassword),
		chromedp.Click(chromedp.CSS("#con-login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#app-form")))
	waitText(t, ctx, "#who", func(s string) bool { return strings.Contains(s, tson.TestOperatorLogin) }, "the signed-in operator")

	// The consumer's data, the period and the representative's notarised power of attorney.
	run(t, ctx, "enter the application",
		chromedp.SetValue(chromedp.CSS("#c-iin"), poa.Principal.IIN),
		chromedp.SetValue(chromedp.CSS("#c-last"), poa.Principal.Last),
		chromedp.SetValue(chromedp.CSS("#c-first"), poa.Principal.First),
		chromedp.SetValue(chromedp.CSS("#p-from"), poa.PeriodFrom),
		chromedp.SetValue(chromedp.CSS("#p-to"), poa.PeriodTo),
		chromedp.Click(chromedp.CSS("#has-rep")),
		chromedp.WaitVisible(chromedp.CSS("#rep")),
		chromedp.SetValue(chromedp.CSS("#r-iin"), poa.Representative.IIN),
		chromedp.SetValue(chromedp.CSS("#r-last"), poa.Representative.Last),
		chromedp.SetValue(chromedp.CSS("#r-first"), poa.Representative.First),
		chromedp.SetValue(chromedp.CSS("#r-middle"), poa.Representative.Middle),
		chromedp.Click(chromedp.CSS("#poa-notarised")),
		chromedp.WaitVisible(chromedp.CSS("#poa")),
		chromedp.SetValue(chromedp.CSS("#poa-number"), poa.Number),
		chromedp.SetValue(chromedp.CSS("#poa-issued"), poa.IssueDate),
		chromedp.SetValue(chromedp.CSS("#poa-notary"), poa.Notary),
	)
	run(t, ctx, "validity", chromedp.SetValue(chromedp.CSS("#poa-until"), poa.ValidUntil))
	shot(t, ctx, "operator-02-new-application")
	run(t, ctx, "register the application", chromedp.Click(chromedp.CSS("#create")), chromedp.WaitVisible(chromedp.CSS("#checks")))
	waitText(t, ctx, "#a-status", func(s string) bool { return s == ru("cst.DRAFT") }, "a new application")
	if got := textOf(t, ctx, "#a-consumer"); !strings.Contains(got, poa.Principal.IIN) || !strings.Contains(got, poa.Principal.Last) {
		t.Errorf("the application shows consumer %q", got)
	}
	shot(t, ctx, "operator-03-application")

	// The checks: ГБД ФЛ and ЕНИС through the gateway.
	run(t, ctx, "check the consumer", chromedp.Click(chromedp.CSS("#run-consumer")))
	waitText(t, ctx, "#check-consumer .result", func(s string) bool { return strings.HasPrefix(s, ru("chk.PASSED")) }, "the ГБД ФЛ check")
	run(t, ctx, "check the power of attorney", chromedp.Click(chromedp.CSS("#run-poa")))
	waitText(t, ctx, "#check-poa .result", func(s string) bool { return strings.HasPrefix(s, ru("chk.PASSED")) }, "the ЕНИС check")
	shot(t, ctx, "operator-04-checks")

	// Paper documents marked, scans attached.
	dir := t.TempDir()
	for i, kind := range []string{"IDENTITY_DOCUMENT", "POWER_OF_ATTORNEY"} {
		name := filepath.Join(dir, strings.ToLower(kind)+".png")
		writeScan(t, name, uint8(60*i))
		run(t, ctx, "attach "+kind,
			chromedp.SetValue(chromedp.CSS("#doc-kind"), kind),
			chromedp.SetUploadFiles(chromedp.CSS("#doc-file"), []string{name}),
			chromedp.Click(chromedp.CSS("#attach")))
		waitText(t, ctx, "#docs tbody", func(s string) bool { return strings.Contains(s, ru("doc."+kind)) }, "the attached "+kind)
	}
	docs := textOf(t, ctx, "#docs tbody")
	if !strings.Contains(docs, "identity_document.png") || !strings.Contains(docs, ru("common.yes")) {
		t.Errorf("the documents table shows %q", docs)
	}
	shot(t, ctx, "operator-05-documents")

	// The document to sign; signed with the operator's test key and submitted.
	run(t, ctx, "show the document", chromedp.Click(chromedp.CSS("#show-doc")), chromedp.WaitVisible(chromedp.CSS("#con-document")))
	waitText(t, ctx, "#con-document", func(s string) bool {
		return strings.Contains(s, "StatementRequest") && strings.Contains(s, poa.Principal.IIN)
	}, "the document to sign")
	if got := textOf(t, ctx, "#test-sign-submit"); got != ru("con.testSign") {
		t.Errorf("sign button %q, want %q", got, ru("con.testSign"))
	}
	shot(t, ctx, "operator-06-sign")
	run(t, ctx, "sign and submit", chromedp.Click(chromedp.CSS("#test-sign-submit")))
	waitText(t, ctx, "#a-status", func(s string) bool { return s == ru("cst.SUBMITTED") || s == ru("cst.ANSWERED") }, "the submitted application")
	shot(t, ctx, "operator-07-submitted")

	// Status: refresh until ГЦВП's answer is there.
	for start := time.Now(); ; {
		s := textOf(t, ctx, "#a-status")
		if s == ru("cst.ANSWERED") {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("still %q after refreshing for 90 s%s", s, pageAlert(ctx))
		}
		time.Sleep(300 * time.Millisecond)
		run(t, ctx, "refresh", chromedp.Click(chromedp.CSS("#con-refresh")))
	}
	kind := waitText(t, ctx, "#r-kind", func(s string) bool { return s != "" && s != "—" }, "ГЦВП's answer")
	if kind != ru("kind.STATEMENT") {
		t.Fatalf("answer %q, want the statement (%q)%s", kind, ru("kind.STATEMENT"), pageAlert(ctx))
	}
	if got := textOf(t, ctx, "#r-number"); got == "" || got == "—" {
		t.Error("the statement has no unique number on screen")
	}
	if got := textOf(t, ctx, "#r-signer"); got == "" || got == "—" {
		t.Error("the answer does not say who signed it")
	}
	shot(t, ctx, "operator-08-answer")
	xml, _ := download(t, ctx, "#r-open")
	if !bytes.Contains(xml, []byte("SignatureValue")) || !bytes.Contains(xml, []byte(poa.Principal.IIN)) {
		t.Errorf("the result is not ГЦВП's signed document for the consumer: %.200q", xml)
	}

	run(t, ctx, "the applications", chromedp.Navigate(sys.url+"/web/con/applications"), chromedp.WaitVisible(chromedp.CSS("#apps")))
	waitText(t, ctx, "#apps tbody", func(s string) bool { return strings.Contains(s, ru("cst.ANSWERED")) }, "the list of applications")
	shot(t, ctx, "operator-09-applications")
}

// The fixture power of attorney (testdata/people.json, powersOfAttorney): ӘБІЛҰЛЫ ҚАНАТ may ask
// for СӘРСЕНБАЕВ НҰРЛАН's statement; on the ЦОН channel ГЦВП answers it with the statement for
// the fixtures' statement period.
var fixturePoA = struct {
	Number, IssueDate, ValidUntil, Notary string
	Principal, Representative             person
	PeriodFrom, PeriodTo                  string
}{
	Number: "2024-НД-000101", IssueDate: "2024-01-10", ValidUntil: "2027-01-09", Notary: "ЖАҚСЫЛЫҚОВА ГҮЛМИРА СЕРІКҚЫЗЫ",
	Principal:      person{"790227333112", "СӘРСЕНБАЕВ", "НҰРЛАН", ""},
	Representative: person{"880512310210", "ӘБІЛҰЛЫ", "ҚАНАТ", "ЗАҺИДҰЛЫ"},
	PeriodFrom:     "2024-01-01", PeriodTo: "2024-12-31",
}

type person struct{ IIN, Last, First, Middle string }

// writeScan writes a small PNG "scan".
func writeScan(t *testing.T, path string, shade uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 60, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 60; x++ {
			img.SetGray(x, y, color.Gray{Y: shade + uint8((x+y)%32)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
