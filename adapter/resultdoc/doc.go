// Package resultdoc draws the result documents that a consumer opens and saves (Order 140-ө,
// point 8: «ашу» / «сақтау», "in Adobe Acrobat form"): PDFs on A4 in Kazakh and Russian of
// the ГЦВП-signed answers of the ten e-services, each carrying the signed XML itself in QR
// codes so that anyone can verify it offline.
//
// # Documents
//
//   - *gcvp.InfoResponse (services 1–8): the information on the assignment (refusal of
//     assignment) of a payment: person, IIN, SIK, payment kind, outcome, decision number and
//     date, monthly amount (tiyn printed as tenge with integer arithmetic), period, refusal
//     reason.
//   - *gcvp.Refusal: the regulation's action 4, ГЦВП's signed refusal: code, kk/ru texts,
//     step.
//   - *gcvp.SikResponse (service 9): «Әлеуметтік жеке код беру туралы куәлік / Свидетельство о
//     присвоении социального индивидуального кода», by the form of Order 485-ө-м (App. 4 to
//     regulation 9).
//   - *gcvp.StatementResponse (service 10): «Справка по оборотам по транзитным счетам
//     вкладчика» by the form of Order 485-ө-м (App. 4 to regulation 10), in landscape, its
//     eleven columns repeated at the top of every page.
//
// Every page has a header (ГЦВП's name in both languages, the unique and request numbers and
// the issue date and time on the first page; a one-line reminder on the others) and a footer
// with "page N of M" and the barcode set's identifier. Text is set in DejaVu Sans (embedded,
// subset by fpdf, fonts/LICENSE), which covers Cyrillic and the Kazakh letters
// ә ғ қ ң ө ұ ү һ і; its ToUnicode map is rewritten into a conforming one, so that the text
// can be searched, copied and extracted.
//
// # Barcodes
//
// The forms carry a barcode that "contains the data taken from the АИС ГЦВП and signed with
// the ЭЦП of ГЦВП". Here it is the signed document itself — the exact bytes of the business
// document with its enveloped XMLDSig and the signer's certificate in KeyInfo — not a summary:
// ГЦВП signs once, and the verifier checks that very signature and gets the whole document
// to compare with the printed text. Barcodes compresses it with raw DEFLATE (a statement's
// rows shrink about 15 times), cuts it into ChunkBytes-byte pieces and writes each as
//
//	SHEPGATE-QR1 <n>/<N> <ID> <Base45 data>
//
// (ID: 16 hex digits of the document's SHA-256), all in the QR alphanumeric character set. Each
// piece is a QR code at error-correction level M (15 % of the symbol may be lost), version 24 or
// less, printed 40 mm wide (0.33 mm a module) in a grid after the document's text, with a
// kk/ru caption saying how to verify. Join puts the pieces together again, whatever the order
// they were read in, and reports missing, duplicate, foreign or damaged pieces with distinct
// errors; ExtractBarcodes reads the QR images back out of a PDF made by Render without
// external tools; VerifyPDF does both and checks the signature with wssec.
//
// Sizes (tests, RSA-2048 test PKI): an answer of services 1–9 or a refusal is about 3.5 KB
// signed and takes 3 barcodes (the certificate and the signature value, 2 KB of Base64, do
// not compress) on a one-page PDF of about 75 KB, most of it the two font subsets. A
// statement takes one barcode per about 35 rows: the tests' 1000 rows (senders that wrap on two
// lines) are 420 KB of signed XML, 28 barcodes and a 53-page PDF of about 500 KB, rendered in
// about 0.5 s and verified back (ExtractBarcodes, Join, signature) in about 0.16 s on a
// 2-core EPYC; a one-page document renders in about 50 ms.
package resultdoc
