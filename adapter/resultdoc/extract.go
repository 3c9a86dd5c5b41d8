package resultdoc

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/shepgate/shepgate/adapter/wssec"
	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// MaxPDFBytes bounds the PDF ExtractBarcodes reads.
var MaxPDFBytes = 64 << 20

// maxImagePixels bounds one decoded image (Render's are about 500×500).
const maxImagePixels = 4096 * 4096

// ErrNoBarcodes: ExtractBarcodes found no image in the PDF.
var ErrNoBarcodes = errors.New("no barcode images in the PDF")

// ExtractBarcodes reads the barcodes back out of a PDF that Render produced, without
// external tools: it walks the file's objects, decodes every image XObject (DeviceGray or
// DeviceRGB, 8 bits per component, FlateDecode with or without PNG/TIFF predictors, as
// fpdf writes PNG images) and reads it as a QR code with gozxing. Every image must be a QR
// code (Render puts no other image in a document); one that is not is an error naming its
// object. The payloads come back sorted by their chunk number, ready for Join.
func ExtractBarcodes(pdf []byte) ([][]byte, error) {
	if len(pdf) > MaxPDFBytes {
		return nil, fmt.Errorf("resultdoc: PDF of %d bytes, limit %d", len(pdf), MaxPDFBytes)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errors.New("resultdoc: not a PDF (no %PDF- header)")
	}
	objs, err := scanObjects(pdf)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: reading the PDF: %w", err)
	}
	reader := qrcode.NewQRCodeReader()
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	var out [][]byte
	for _, o := range objs {
		d := o.dict()
		if d == nil || d["Subtype"] != pdfName("Image") {
			continue
		}
		if len(out) >= maxChunks {
			return nil, fmt.Errorf("resultdoc: more than %d images in the PDF", maxChunks)
		}
		img, err := decodeImage(d, o.stream)
		if err != nil {
			return nil, fmt.Errorf("resultdoc: image object %d: %w", o.num, err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			return nil, fmt.Errorf("resultdoc: image object %d: %w", o.num, err)
		}
		res, err := reader.Decode(bmp, hints)
		if err != nil {
			// Not pixel-exact (a PDF re-encoded by another tool): try the general detector.
			res, err = reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
		}
		if err != nil {
			return nil, fmt.Errorf("resultdoc: image object %d is not a readable QR code: %w", o.num, err)
		}
		out = append(out, []byte(res.GetText()))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resultdoc: %w", ErrNoBarcodes)
	}
	slices.SortStableFunc(out, func(a, b []byte) int { return chunkNumber(a) - chunkNumber(b) })
	return out, nil
}

// chunkNumber is a payload's n, or 0 when it has none (Join reports it).
func chunkNumber(p []byte) int {
	f := strings.SplitN(string(p), " ", 3)
	if len(f) < 2 {
		return 0
	}
	num, _, _ := strings.Cut(f[1], "/")
	n, _ := strconv.Atoi(num)
	return n
}

// decodeImage turns an image XObject into an image.Gray.
func decodeImage(d pdfDict, data []byte) (*image.Gray, error) {
	w, _ := d["Width"].(int)
	h, _ := d["Height"].(int)
	if w <= 0 || h <= 0 || w*h > maxImagePixels || w > maxImagePixels/h {
		return nil, fmt.Errorf("image size %d×%d out of bounds", w, h)
	}
	if bpc, _ := d["BitsPerComponent"].(int); bpc != 8 {
		return nil, fmt.Errorf("unsupported BitsPerComponent %v", d["BitsPerComponent"])
	}
	var colors int
	switch d["ColorSpace"] {
	case pdfName("DeviceGray"):
		colors = 1
	case pdfName("DeviceRGB"):
		colors = 3
	default:
		return nil, fmt.Errorf("unsupported ColorSpace %v", d["ColorSpace"])
	}
	filter := d["Filter"]
	if a, ok := filter.([]any); ok && len(a) == 1 {
		filter = a[0]
	}
	parms, _ := d["DecodeParms"].(pdfDict)
	if a, ok := d["DecodeParms"].([]any); ok && len(a) == 1 {
		parms, _ = a[0].(pdfDict)
	}
	rowLen := w * colors
	var raw []byte
	switch filter {
	case nil:
		raw = data
	case pdfName("FlateDecode"):
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("FlateDecode: %w", err)
		}
		limit := int64(h) * int64(rowLen+1)
		raw, err = io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, fmt.Errorf("FlateDecode: %w", err)
		}
		if int64(len(raw)) > limit {
			return nil, errors.New("FlateDecode: more data than the image holds")
		}
	default:
		return nil, fmt.Errorf("unsupported Filter %v", filter)
	}
	pix, err := unpredict(raw, parms, w, h, colors)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if colors == 1 {
		copy(img.Pix, pix)
		return img, nil
	}
	for i := range w * h {
		r, g, b := int(pix[3*i]), int(pix[3*i+1]), int(pix[3*i+2])
		img.Pix[i] = uint8((299*r + 587*g + 114*b) / 1000)
	}
	return img, nil
}

// unpredict undoes a FlateDecode predictor (ISO 32000-1 §7.4.4.4): none, TIFF 2 or PNG.
func unpredict(raw []byte, parms pdfDict, w, h, colors int) ([]byte, error) {
	pred, _ := parms["Predictor"].(int)
	if c, ok := parms["Colors"].(int); ok && c != colors {
		return nil, fmt.Errorf("DecodeParms /Colors %d for %d components", c, colors)
	}
	if b, ok := parms["BitsPerComponent"].(int); ok && b != 8 {
		return nil, fmt.Errorf("DecodeParms /BitsPerComponent %d", b)
	}
	if c, ok := parms["Columns"].(int); ok && c != w {
		return nil, fmt.Errorf("DecodeParms /Columns %d for width %d", c, w)
	}
	rowLen := w * colors
	switch {
	case pred <= 1:
		if len(raw) < rowLen*h {
			return nil, fmt.Errorf("image data of %d bytes, want %d", len(raw), rowLen*h)
		}
		return raw[:rowLen*h], nil
	case pred == 2:
		if len(raw) < rowLen*h {
			return nil, fmt.Errorf("image data of %d bytes, want %d", len(raw), rowLen*h)
		}
		out := slices.Clone(raw[:rowLen*h])
		for y := range h {
			row := out[y*rowLen : (y+1)*rowLen]
			for x := colors; x < rowLen; x++ {
				row[x] += row[x-colors]
			}
		}
		return out, nil
	case pred >= 10 && pred <= 15:
		if len(raw) < (rowLen+1)*h {
			return nil, fmt.Errorf("PNG-predicted data of %d bytes, want %d", len(raw), (rowLen+1)*h)
		}
		out := make([]byte, rowLen*h)
		prev := make([]byte, rowLen)
		for y := range h {
			in := raw[y*(rowLen+1) : (y+1)*(rowLen+1)]
			row := out[y*rowLen : (y+1)*rowLen]
			if err := unfilterRow(in[0], in[1:], prev, row, colors); err != nil {
				return nil, fmt.Errorf("row %d: %w", y, err)
			}
			prev = row
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported Predictor %d", pred)
	}
}

// unfilterRow undoes one PNG filter (RFC 2083 §6) with bpp bytes per pixel.
func unfilterRow(filter byte, in, prev, out []byte, bpp int) error {
	for i := range in {
		var a, b, c int
		if i >= bpp {
			a = int(out[i-bpp])
			c = int(prev[i-bpp])
		}
		b = int(prev[i])
		x := int(in[i])
		switch filter {
		case 0:
		case 1:
			x += a
		case 2:
			x += b
		case 3:
			x += (a + b) / 2
		case 4:
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				x += a
			case pb <= pc:
				x += b
			default:
				x += c
			}
		default:
			return fmt.Errorf("unknown PNG filter %d", filter)
		}
		out[i] = byte(x)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Verified is the outcome of VerifyPDF.
type Verified struct {
	// XML is the signed document reassembled from the barcodes, byte for byte what ГЦВП
	// signed.
	XML []byte
	// Document is XML decoded into its generated type (*gcvp.InfoResponse, *gcvp.Refusal,
	// *gcvp.SikResponse or *gcvp.StatementResponse).
	Document any
	// Signature is the verifier's result: the signed element, the signer's certificate and
	// its chain.
	Signature *wssec.Verified
}

// VerifyPDF checks a result document offline: it reads the barcodes out of pdf
// (ExtractBarcodes), reassembles the signed XML (Join), verifies its enveloped signature
// and the signer's chain with v (wssec.Verifier.VerifyElement on the root) and decodes the
// verified document. It does not decide whom to trust beyond v's roots: callers that
// expect ГЦВП must check Signature.Cert themselves (for instance pin its fingerprint), and
// may compare Document with what the PDF shows.
func VerifyPDF(pdf []byte, v *wssec.Verifier) (*Verified, error) {
	if v == nil {
		return nil, errors.New("resultdoc: VerifyPDF needs a Verifier")
	}
	payloads, err := ExtractBarcodes(pdf)
	if err != nil {
		return nil, err
	}
	signed, err := Join(payloads)
	if err != nil {
		return nil, err
	}
	doc, err := xmlsafe.Parse(signed, xmlsafe.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: the barcoded document: %w", err)
	}
	ver, err := v.VerifyElement(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("resultdoc: the barcoded document's signature: %w", err)
	}
	decoded, err := Decode(signed)
	if err != nil {
		return nil, err
	}
	return &Verified{XML: signed, Document: decoded, Signature: ver}, nil
}
