// Package web serves the screens that people use, in Kazakh (the default) and Russian, from the
// same binary: the consumer's screens of the ten ГЦВП e-services (Order 140-ө, points 7–8 and
// Appendix 2; Order 485-ө-м, regulation 9 points 7–8 and regulation 10 points 8–9) and the ЦОН
// operator's workstation for service 10 (regulation 10, point 7).
//
// The screens are server-rendered html/template pages (templates/, embedded) with one small
// stylesheet and one vanilla script (static/, embedded); nothing is loaded from elsewhere
// (Content-Security-Policy 'self'). The script calls the JSON APIs of the same origin — the
// consumer API under /api/v1 (adapter/api) and the ЦОН operator API under /api/v1/con
// (adapter/tson) — with the session cookie those APIs set and their CSRF token in the
// X-CSRF-Token header; this package holds no session and no business logic of its own.
//
// Every label comes from one catalogue (messages.go) with a Kazakh and a Russian text; the
// language switch on every screen sets ?lang=kk|ru, kept in the sg_lang cookie.
//
// Screens (under Options.Prefix, /web by default):
//
//	/                         consumer sign-in: IIN and password (process 1)
//	/services                 choose one of the ten services (process 3)
//	/services/{serviceId}     fill in the request — the IIN from the registration, read-only; service 9:
//	                          the duplicate flag; service 10: «Указать период» with start and end
//	                          dates — and «сұрау салуды жіберу / отправить запрос»
//	/requests/{n}/sign        the document to sign and «қол қою / подписать»: in test mode the server
//	                          signs with the consumer's test key; otherwise the document is signed in a
//	                          NCALayer-style signer and the signed XML is pasted or uploaded
//	/requests/{n}             the status screen: IIN, request number, service type, status, deadline, the
//	                          recorded steps with their times against the regulation's norms, and
//	                          «мәртебені жаңарту / обновить статус»; when the answer has come:
//	                          «ашу / открыть», «сақтау / сохранить» (the PDF) and the survey
//	/requests/{n}/result      the result's fields on screen; save as PDF or signed XML
//	/requests/{n}/survey      the survey: two questions, three answers each (Appendix 6 / 5)
//	/requests                 the consumer's requests
//	/con/                     ЦОН operator sign-in (login and password)
//	/con/applications         the consumer's data, the period and a representative with a notarised
//	                          power of attorney; the operator's applications
//	/con/applications/{id}    the checks (ГБД ФЛ, ЕНИС), paper documents marked and scans attached,
//	                          the document signed and submitted, the status and ГЦВП's answer
//
// In test mode with Options.OperatorTestSigner, POST /con/test-sign signs the operator's
// document with the test PKI's operator key, standing in for the operator's NCALayer.
package web
