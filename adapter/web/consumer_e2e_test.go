package web_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shepgate/shepgate/adapter/api"
	"github.com/shepgate/shepgate/adapter/web"
	"github.com/shepgate/shepgate/wsdl"
)

// consumerIIN is ӘБІЛҰЛЫ ҚАНАТ, whose service 3 request is answered with the information
// (testdata/people.json).
const consumerIIN = "880512310210"

// TestConsumerService3 plays a consumer in headless Chromium, in Kazakh: sign in, choose
// service 3, fill in and send, sign (test mode), refresh the status until done, open the
// result, save the PDF and answer the survey; a screenshot of every screen.
func TestConsumerService3(t *testing.T) {
	sys := startSystem(t)
	ctx := newBrowser(t)
	kk := func(key string) string { return web.T(web.LangKK, key) }
	var svc3 wsdl.Service
	for _, s := range wsdl.Services() {
		if s.Number == 3 {
			svc3 = s
		}
	}

	// Sign in; the language switch shows the same screen in Russian and back.
	run(t, ctx, "open the sign-in screen", chromedp.Navigate(sys.url+"/web/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got := textOf(t, ctx, "h1"); got != kk("login.title") {
		t.Fatalf("sign-in title %q, want Kazakh %q (Kazakh is the default)", got, kk("login.title"))
	}
	run(t, ctx, "switch to Russian", chromedp.Click(chromedp.CSS("#lang-ru")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got := textOf(t, ctx, "h1"); got != web.T(web.LangRU, "login.title") {
		t.Fatalf("after the switch, title %q, want Russian %q", got, web.T(web.LangRU, "login.title"))
	}
	shot(t, ctx, "consumer-01-sign-in-ru")
	run(t, ctx, "switch back to Kazakh", chromedp.Click(chromedp.CSS("#lang-kk")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	shot(t, ctx, "consumer-01-sign-in-kk")
	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#iin"), consumerIIN),
		chromedp.SendKeys(chromedp.CSS("#password"), api.TestPassword(consumerIIN)),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#services")))

	// Choose the service.
	if got := textOf(t, ctx, "h1"); got != kk("services.title") {
		t.Fatalf("services title %q, want %q", got, kk("services.title"))
	}
	waitText(t, ctx, "#who", func(s string) bool { return strings.Contains(s, consumerIIN) }, "the signed-in consumer")
	if n := len(wsdl.Services()); !strings.Contains(textOf(t, ctx, "#services"), svc3.NameKK) || n != 10 {
		t.Fatalf("the services screen lacks service 3's Kazakh name (or there are %d services)", n)
	}
	shot(t, ctx, "consumer-02-services")
	run(t, ctx, "order service 3", chromedp.Click(chromedp.CSS("#order-3")), chromedp.WaitVisible(chromedp.CSS("#request-form")))

	// Fill in: the IIN comes from the registration and cannot be changed.
	var iinValue string
	for start := time.Now(); iinValue == "" && time.Since(start) < 20*time.Second; time.Sleep(100 * time.Millisecond) {
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#req-iin")))
		if err != nil {
			t.Fatalf("read the IIN: %v", err)
		}
		iinValue = v
	}
	if iinValue != consumerIIN {
		t.Fatalf("the request form shows IIN %q, want %s", iinValue, consumerIIN)
	}
	if readonly, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('req-iin').readOnly`)); err != nil || !readonly {
		t.Fatal("the IIN field can be edited")
	}
	if got := textOf(t, ctx, "#service-name"); !strings.Contains(got, svc3.NameKK) {
		t.Fatalf("the request form names %q, want service 3", got)
	}
	if got := textOf(t, ctx, "#send"); got != kk("request.send") {
		t.Fatalf("send button %q, want %q", got, kk("request.send"))
	}
	shot(t, ctx, "consumer-03-fill-in")
	run(t, ctx, "send the request", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS("#document")))

	// Sign: the document to sign is shown; in test mode the server signs with the test key.
	waitText(t, ctx, "#document", func(s string) bool { return strings.Contains(s, consumerIIN) && strings.HasPrefix(s, "<") },
		"the document to sign")
	number := textOf(t, ctx, "#sign-number")
	if number == "" {
		t.Fatal("no request number on the sign screen")
	}
	if got := textOf(t, ctx, "#sign-test"); got != kk("sign.submit") {
		t.Fatalf("sign button %q, want %q", got, kk("sign.submit"))
	}
	shot(t, ctx, "consumer-04-sign")
	run(t, ctx, "sign", chromedp.Click(chromedp.CSS("#sign-test")), chromedp.WaitVisible(chromedp.CSS("#refresh")))

	// Status: refresh until ГЦВП's answer is there.
	status := ""
	done := kk("st.DONE")
	for start := time.Now(); status != done; {
		status = waitText(t, ctx, "#st-status", func(s string) bool { return s != "" }, "the status")
		for _, bad := range []string{kk("st.REFUSED"), kk("st.FAILED")} {
			if status == bad {
				t.Fatalf("the request ended %q%s", status, pageAlert(ctx))
			}
		}
		if status == done {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("still %q after refreshing for 90 s", status)
		}
		time.Sleep(300 * time.Millisecond)
		run(t, ctx, "refresh", chromedp.Click(chromedp.CSS("#refresh")))
	}
	for sel, want := range map[string]string{"#st-iin": consumerIIN, "#st-number": number, "#st-service": svc3.NameKK} {
		if got := textOf(t, ctx, sel); got != want {
			t.Errorf("status screen %s = %q, want %q", sel, got, want)
		}
	}
	if got := textOf(t, ctx, "#st-deadline"); got == "" || got == "—" {
		t.Error("the status screen shows no deadline")
	}
	if got := textOf(t, ctx, "#refresh"); got != kk("status.refresh") {
		t.Errorf("refresh button %q, want %q", got, kk("status.refresh"))
	}
	if steps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#steps tbody tr').length`)); err != nil || steps == 0 {
		t.Error("the status screen lists no recorded steps")
	}
	steptext := textOf(t, ctx, "#steps")
	if !strings.Contains(steptext, kk("status.withinNorm")) && !strings.Contains(steptext, kk("status.overNorm")) {
		t.Errorf("the steps are not compared with their norms: %q", steptext)
	}
	for sel, key := range map[string]string{"#open": "status.open", "#save": "status.save"} {
		if got := textOf(t, ctx, sel); got != kk(key) {
			t.Errorf("button %s = %q, want %q", sel, got, kk(key))
		}
	}
	shot(t, ctx, "consumer-05-status-done")

	// Save: the PDF.
	pdf, name := download(t, ctx, "#save")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the saved file %q is not a PDF: %q…", name, pdf[:min(len(pdf), 16)])
	}
	if len(pdf) < 1000 {
		t.Fatalf("the saved PDF has only %d bytes", len(pdf))
	}

	// Open: the result on screen.
	run(t, ctx, "open the result", chromedp.Click(chromedp.CSS("#open")), chromedp.WaitVisible(chromedp.CSS("#result")))
	res := waitText(t, ctx, "#result", func(s string) bool { return s != "" && s != kk("common.loading") }, "the result")
	if !strings.Contains(res, consumerIIN) {
		t.Errorf("the result on screen does not show the consumer's IIN: %q", res)
	}
	if got := waitText(t, ctx, "#res-status", func(s string) bool { return s != "" }, "the result's status"); got != done {
		t.Errorf("result screen status %q, want %q", got, done)
	}
	shot(t, ctx, "consumer-06-result")

	// The survey.
	run(t, ctx, "open the survey", chromedp.Navigate(sys.url+"/web/requests/"+number+"/survey"), chromedp.WaitVisible(chromedp.CSS("#survey-form")))
	form := textOf(t, ctx, "#survey-form")
	for _, key := range []string{"survey.q1", "survey.q2", "survey.a1", "survey.a2", "survey.a3"} {
		if !strings.Contains(form, kk(key)) {
			t.Errorf("the survey lacks %s %q", key, kk(key))
		}
	}
	shot(t, ctx, "consumer-07-survey")
	run(t, ctx, "answer the survey",
		chromedp.Click(chromedp.CSS("#q1-3")), chromedp.Click(chromedp.CSS("#q2-2")),
		chromedp.Click(chromedp.CSS("#survey-submit")), chromedp.WaitVisible(chromedp.CSS("#survey-thanks")))
	if got := textOf(t, ctx, "#survey-thanks"); got != kk("survey.thanks") {
		t.Errorf("after the survey %q, want %q", got, kk("survey.thanks"))
	}
	shot(t, ctx, "consumer-08-survey-sent")

	// My requests.
	run(t, ctx, "my requests", chromedp.Navigate(sys.url+"/web/requests"), chromedp.WaitVisible(chromedp.CSS("#requests")))
	waitText(t, ctx, "#requests tbody", func(s string) bool { return strings.Contains(s, number) && strings.Contains(s, done) }, "my requests")
	shot(t, ctx, "consumer-09-requests")
}
