package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/shepgate/shepgate/adapter/envelope"
	"github.com/shepgate/shepgate/adapter/fault"
	"github.com/shepgate/shepgate/adapter/pki"
	"github.com/shepgate/shepgate/adapter/portal"
	"github.com/shepgate/shepgate/adapter/resultdoc"
	"github.com/shepgate/shepgate/adapter/server"
	"github.com/shepgate/shepgate/adapter/services"
	"github.com/shepgate/shepgate/adapter/store"
	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
	"github.com/shepgate/shepgate/wsdl"
)

func cmdClient(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("client needs a subcommand: services or request")
	}
	switch args[0] {
	case "services":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(wsdl.Services())
	case "request":
		return clientRequest(args[1:], stdout, stderr)
	}
	return usagef("unknown client subcommand %q", args[0])
}

// summary is what `client request` prints.
type summary struct {
	RequestNumber string `json:"requestNumber"`
	ServiceID     string `json:"serviceId"`
	IIN           string `json:"iin"`
	SignedAs      string `json:"signedAs"`
	Status        string `json:"status"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Outcome       string `json:"outcome,omitempty"`
	RefusalCode   string `json:"refusalCode,omitempty"`
	RefusalStep   string `json:"refusalStep,omitempty"`
	MessageID     string `json:"messageId,omitempty"`
	SessionID     string `json:"sessionId,omitempty"`
	ResultSigner  string `json:"resultSigner,omitempty"`
	ResultFile    string `json:"resultFile,omitempty"`
	PDFFile       string `json:"pdfFile,omitempty"`
	Channel       string `json:"channel"`
	// RequestID is the ШЭП messageId of the REQUEST (async channel): ГЦВП's handle.
	RequestID string `json:"requestId,omitempty"`
	// Steps are the steps ГЦВП recorded for the request (read from the local store).
	Steps []stepSummary `json:"steps,omitempty"`
}

// stepSummary is one recorded step.
type stepSummary struct {
	Step       string `json:"step"`
	NameKK     string `json:"nameKk,omitempty"`
	NameRU     string `json:"nameRu,omitempty"`
	Attempt    int    `json:"attempt"`
	StartedAt  string `json:"startedAt"`
	DurationMS int64  `json:"durationMs"`
	NormMS     int64  `json:"normMs,omitempty"`
	Outcome    string `json:"outcome"`
	Code       string `json:"code,omitempty"`
}

// recordedSteps reads ГЦВП's steps of a request from the store in dataDir (the CLI runs beside
// the server it plays the consumer of); none when the store cannot be read.
func recordedSteps(ctx context.Context, dataDir, id string) []stepSummary {
	st, err := store.OpenSQLite(ctx, filepath.Join(dataDir, "shepgate.db"))
	if err != nil {
		return nil
	}
	defer st.Close()
	steps, err := st.Steps(ctx, id)
	if err != nil {
		return nil
	}
	out := make([]stepSummary, 0, len(steps))
	for _, s := range steps {
		info, _ := services.InfoOf(services.Step(s.Step))
		out = append(out, stepSummary{Step: s.Step, NameKK: info.NameKK, NameRU: info.NameRU, Attempt: s.Attempt,
			StartedAt: s.Started.Format(time.RFC3339Nano), DurationMS: s.Ended.Sub(s.Started).Milliseconds(),
			NormMS: s.NormMS, Outcome: s.Outcome, Code: s.Code})
	}
	return out
}

func clientRequest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("client request", stderr)
	service := fs.String("service", "", "service identifier (see `shepgate client services`) (required)")
	iinValue := fs.String("iin", "", "the consumer's IIN (required)")
	as := fs.String("as", "", "test-PKI certificate to sign with (default: the consumer of --iin in pki.json)")
	srv := fs.String("server", "http://127.0.0.1:8080", "base URL of the gateway")
	data := fs.String("data", "./var", "data directory of the server (portal credentials)")
	dir := fs.String("pki", "", "test PKI directory (default DATA/pki)")
	out := fs.String("out", "", "directory to write the signed result into")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the answer")
	envOnly := fs.Bool("envelope-only", false, "print the signed SOAP envelope instead of sending it (to post it with curl)")
	duplicate := fs.Bool("duplicate", false, "service 9: ask for a duplicate of the SIK certificate")
	from := fs.String("from", "", "service 10: first day of the period (YYYY-MM-DD; default: 1 January of last year)")
	to := fs.String("to", "", "service 10: last day of the period (YYYY-MM-DD; default: 31 December of last year)")
	channelName := fs.String("channel", "async", "ШЭП channel: async (REQUEST, then wait for the RESPONSE, as the portal does) or sync")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *service == "" || *iinValue == "" {
		return usagef("client request needs --service and --iin")
	}
	if _, ok := wsdl.ServiceByID(*service); !ok {
		return usagef("client request: unknown service %q (see `shepgate client services`)", *service)
	}
	if *dir == "" {
		*dir = filepath.Join(*data, "pki")
	}
	p, err := pki.Load(*dir)
	if err != nil {
		return err
	}
	name := *as
	if name == "" {
		name = pki.NameConsumerGood
		for _, e := range p.Entries() {
			if e.IIN == *iinValue && e.Role == pki.RoleConsumer {
				name = e.Name
				break
			}
		}
	}
	key, cert, err := p.KeyPair(name)
	if err != nil {
		return err
	}
	creds, err := server.LoadCredentials(*data)
	if err != nil {
		return err
	}
	client, err := server.NewPortalClient(p, *srv+"/shep/sync", creds, xmlsafe.DefaultLimits, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	number := uuid.NewString()
	var doc *etree.Element
	now := time.Now()
	switch *service {
	case wsdl.ServiceSikIssue:
		doc, err = portal.NewSikRequest(*iinValue, number, *duplicate, now)
	case wsdl.ServicePensionFundStatement:
		pf, pt := time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(now.Year()-1, 12, 31, 0, 0, 0, 0, time.UTC)
		if *from != "" {
			if pf, err = time.Parse(time.DateOnly, *from); err != nil {
				return usagef("--from: %v", err)
			}
		}
		if *to != "" {
			if pt, err = time.Parse(time.DateOnly, *to); err != nil {
				return usagef("--to: %v", err)
			}
		}
		doc, err = portal.NewStatementRequest(*iinValue, number, pf, pt, now)
	default:
		doc, err = portal.NewInfoRequest(*service, *iinValue, number, now)
	}
	if err != nil {
		return err
	}
	if err := (&wssec.Signer{Key: key, Cert: cert}).SignElement(doc); err != nil {
		return err
	}
	if *envOnly {
		env, err := client.Envelope(*service, doc)
		if err != nil {
			return err
		}
		_, err = stdout.Write(env)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	sum := summary{RequestNumber: number, ServiceID: *service, IIN: *iinValue, SignedAs: name, Channel: *channelName}
	var ans *portal.Answer
	switch *channelName {
	case "sync":
		ans, err = client.Submit(ctx, *service, doc)
	case "async":
		sum.RequestID, err = client.SendAsync(ctx, *service, doc)
		if err == nil {
			ans, err = client.Await(ctx, *service, sum.RequestID, 200*time.Millisecond)
		}
	default:
		return usagef("--channel must be async or sync, not %q", *channelName)
	}
	if err != nil {
		sum.Status = "FAULT"
		sum.RefusalCode = string(fault.CodeOf(err))
		sum.StatusMessage = err.Error()
		printJSON(stdout, sum)
		return fmt.Errorf("request failed: %w", err)
	}
	sum.Status, sum.StatusMessage = ans.Status.Code, ans.Status.Message
	sum.MessageID, sum.SessionID = ans.MessageID, ans.SessionID
	sum.ResultSigner = ans.Signer.Subject.CommonName
	switch {
	case ans.Info != nil && ans.Info.Decision != nil && ans.Info.Decision.Outcome != nil:
		sum.Outcome = string(*ans.Info.Decision.Outcome)
	case ans.Sik != nil:
		sum.Outcome = "ISSUED"
		if ans.Sik.Duplicate != nil && bool(*ans.Sik.Duplicate) {
			sum.Outcome = "DUPLICATE"
		}
	case ans.Statement != nil:
		sum.Outcome = "STATEMENT"
	case ans.Refusal != nil:
		sum.RefusalCode, sum.RefusalStep = ans.Refusal.Code, ans.Refusal.Step
	}
	if *out != "" {
		if sum.ResultFile, sum.PDFFile, err = writeResult(*out, number, ans.Document); err != nil {
			return err
		}
	}
	if sum.RequestID != "" {
		sum.Steps = recordedSteps(ctx, *data, sum.RequestID)
	}
	printJSON(stdout, sum)
	return nil
}

// Kazakhstan has one time zone, UTC+5, since 1 March 2024: results are printed in it.
var kazakhstan = time.FixedZone("UTC+5", 5*3600)

// writeResult writes the ГЦВП-signed document as XML and as the PDF of the approved form, whose
// barcodes carry the same signed bytes.
func writeResult(dir, number string, el *etree.Element) (xmlPath, pdfPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("--out: %w", err)
	}
	raw, err := envelope.SerializeElement(el)
	if err != nil {
		return "", "", err
	}
	xmlPath = filepath.Join(dir, number+".xml")
	if err := os.WriteFile(xmlPath, raw, 0o644); err != nil {
		return "", "", fmt.Errorf("--out: %w", err)
	}
	pdf, err := resultdoc.RenderSigned(raw, resultdoc.Options{Location: kazakhstan})
	if err != nil {
		return "", "", fmt.Errorf("render the result: %w", err)
	}
	pdfPath = filepath.Join(dir, number+".pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		return "", "", fmt.Errorf("--out: %w", err)
	}
	return xmlPath, pdfPath, nil
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
