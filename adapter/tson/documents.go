package tson

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// Kinds of the documents a consumer presents at a ЦОН (SubmittedDocument/kind).
const (
	KindIdentity        = "IDENTITY_DOCUMENT" // удостоверение личности / паспорт
	KindPowerOfAttorney = "POWER_OF_ATTORNEY" // the power of attorney (any certification)
	KindApplication     = "APPLICATION"       // the consumer's written application
	KindOther           = "OTHER"
)

// Kinds lists the document kinds the API accepts.
var Kinds = []string{KindIdentity, KindPowerOfAttorney, KindApplication, KindOther}

// Scan types: what the first bytes of a file must be.
var scanTypes = []struct {
	contentType, ext string
	magic            []byte
}{
	{"application/pdf", ".pdf", []byte("%PDF-")},
	{"image/png", ".png", []byte("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", ".jpg", []byte("\xff\xd8\xff")},
}

func (c *CON) uploadDocument(ec echo.Context) error {
	op := operatorOf(ec)
	id := ec.Param("id")
	unlock := c.apps.lock(id)
	defer unlock()
	a, err := c.owned(id, op)
	if err != nil {
		return c.problem(ec, err)
	}
	if a.Status != StatusDraft {
		return c.problem(ec, newError(CodeState, "application %s is %s; scans are added to a DRAFT", a.ID, a.Status))
	}
	if len(a.Documents) >= c.opts.MaxDocuments {
		return c.problem(ec, newError(CodeState, "application %s already has %d scans, the most allowed", a.ID, len(a.Documents)))
	}
	mt, params, _ := mime.ParseMediaType(ec.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return c.problem(ec, newError(CodeUnsupportedMedia, "the body must be multipart/form-data, not %q", mt))
	}
	body := http.MaxBytesReader(ec.Response(), ec.Request().Body, c.opts.MaxScanBytes+maxJSONBytes)
	doc, tmp, err := c.readUpload(multipart.NewReader(body, params["boundary"]), c.apps.files(id))
	if tmp != "" {
		defer os.Remove(tmp)
	}
	if err != nil {
		return c.problem(ec, err)
	}
	doc.ID, doc.UploadedAt = uuid.NewString(), c.now()
	if err := os.Rename(tmp, c.scanPath(id, doc)); err != nil {
		return c.problem(ec, fmt.Errorf("tson: store scan: %w", err))
	}
	a.Documents = append(a.Documents, doc)
	a.Updated = c.now()
	if err := c.apps.put(a); err != nil {
		os.Remove(c.scanPath(id, doc))
		return c.problem(ec, err)
	}
	c.log.Info("scan added", "operator", op.Login, "application", id, "kind", doc.Kind, "size", doc.Size, "sha256", doc.SHA256)
	return ec.JSON(http.StatusCreated, doc)
}

func (c *CON) scanPath(appID string, d Document) string {
	ext := ".bin"
	for _, t := range scanTypes {
		if t.contentType == d.ContentType {
			ext = t.ext
		}
	}
	return filepath.Join(c.apps.files(appID), "scan-"+d.ID+ext)
}

// readUpload reads the parts kind, paperPresented and file; the file goes to a temporary file
// in dir while its SHA-256 is computed.
func (c *CON) readUpload(mr *multipart.Reader, dir string) (Document, string, error) {
	var d Document
	var v validator
	var kind, paper string
	var haveKind, havePaper bool
	tmp := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return d, tmp, newError(CodeScanTooLarge, "the upload exceeds %d bytes", c.opts.MaxScanBytes)
			}
			v.add("", "the multipart body cannot be read: "+err.Error(), "Сұрау салу денесі оқылмады", "Тело запроса не читается")
			return d, tmp, v.err()
		}
		switch part.FormName() {
		case "kind":
			kind, haveKind = readField(part), true
		case "paperPresented":
			paper, havePaper = readField(part), true
		case "file":
			if tmp != "" {
				v.add("file", "is given twice; one scan per upload", "Бір жүктеуде бір ғана файл", "Один файл на одну загрузку")
				return d, tmp, v.err()
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return d, tmp, fmt.Errorf("tson: scans directory: %w", err)
			}
			f, err := os.CreateTemp(dir, ".upload-*")
			if err != nil {
				return d, tmp, fmt.Errorf("tson: store scan: %w", err)
			}
			tmp = f.Name()
			d.FileName = cleanFileName(part.FileName())
			h := sha256.New()
			n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, c.opts.MaxScanBytes+1))
			cerr := f.Close()
			switch {
			case tooLarge(err) || n > c.opts.MaxScanBytes:
				return d, tmp, newError(CodeScanTooLarge, "the scan exceeds %d bytes", c.opts.MaxScanBytes)
			case err != nil:
				v.add("file", "cannot be read: "+err.Error(), "Файл оқылмады", "Файл не читается")
				return d, tmp, v.err()
			case cerr != nil:
				return d, tmp, fmt.Errorf("tson: store scan: %w", cerr)
			}
			d.Size, d.SHA256 = n, hex.EncodeToString(h.Sum(nil))
		default:
			name := part.FormName()
			v.add(name, "is not a field of this upload (kind, paperPresented, file)", "Бұл жүктеуде мұндай өріс жоқ", "Такого поля в загрузке нет")
		}
		part.Close()
	}
	switch {
	case !haveKind || kind == "":
		v.required("kind")
	case !slices.Contains(Kinds, kind):
		v.add("kind", fmt.Sprintf("%q is not one of %s", kind, strings.Join(Kinds, ", ")),
			"Құжат түрі белгісіз", "Неизвестный вид документа")
	}
	d.Kind = kind
	switch {
	case !havePaper || paper == "":
		v.required("paperPresented")
	case paper == "true":
		d.PaperPresented = true
	case paper == "false":
	default:
		v.add("paperPresented", fmt.Sprintf("%q is not true or false", paper), "Мәні true немесе false болуы тиіс", "Значение должно быть true или false")
	}
	if tmp == "" {
		v.required("file")
	} else if d.Size == 0 {
		v.add("file", "is empty", "Файл бос", "Файл пуст")
	}
	if d.FileName == "" && tmp != "" {
		v.add("file", "has no file name", "Файлдың атауы жоқ", "У файла нет имени")
	}
	if err := v.err(); err != nil {
		return d, tmp, err
	}
	ct, err := sniff(tmp)
	if err != nil {
		return d, tmp, err
	}
	d.ContentType = ct
	return d, tmp, nil
}

// readField reads a small form value (at most 256 bytes are kept).
func readField(p *multipart.Part) string {
	b, _ := io.ReadAll(io.LimitReader(p, 256))
	return strings.TrimSpace(string(b))
}

func tooLarge(err error) bool {
	var me *http.MaxBytesError
	return errors.As(err, &me)
}

// sniff returns the scan's type from its first bytes: PDF, PNG or JPEG, else CON_SCAN_TYPE.
func sniff(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("tson: read scan: %w", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	for _, t := range scanTypes {
		if bytes.HasPrefix(head[:n], t.magic) {
			return t.contentType, nil
		}
	}
	return "", newError(CodeScanType, "the file starts with %q", head[:n])
}

// cleanFileName keeps the base name of an uploaded file, without control characters and at
// most maxFileName characters (it is shown and signed, never used as a path).
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = name[strings.LastIndex(name, "/")+1:]
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\uFFFD' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > maxFileName {
		name = string(r[:maxFileName])
	}
	return name
}

func (c *CON) listDocuments(ec echo.Context) error {
	a, err := c.owned(ec.Param("id"), operatorOf(ec))
	if err != nil {
		return c.problem(ec, err)
	}
	return ec.JSON(http.StatusOK, map[string]any{"documents": a.Documents})
}

// getDocumentScan returns a scan as it was uploaded.
func (c *CON) getDocumentScan(ec echo.Context) error {
	a, err := c.owned(ec.Param("id"), operatorOf(ec))
	if err != nil {
		return c.problem(ec, err)
	}
	i := slices.IndexFunc(a.Documents, func(d Document) bool { return d.ID == ec.Param("doc") })
	if i < 0 {
		return c.problem(ec, newError(CodeNotFound, "application %s has no document %q", a.ID, ec.Param("doc")))
	}
	d := a.Documents[i]
	raw, err := os.ReadFile(c.scanPath(a.ID, d))
	if err != nil {
		return c.problem(ec, fmt.Errorf("tson: read scan: %w", err))
	}
	h := ec.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.FileName}))
	return ec.Blob(http.StatusOK, d.ContentType, raw)
}
