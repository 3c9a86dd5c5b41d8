package resultdoc

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/shepgate/shepgate/adapter/xmlsafe"
)

// Prefix starts every barcode payload; the digit is the format version.
const Prefix = "SHEPGATE-QR1"

// ChunkBytes is how many bytes of the compressed document one barcode carries: 850 bytes
// are 1275 Base45 characters plus a header of at most 38, which fit a QR code of version
// maxQRVersion at error-correction level M.
const ChunkBytes = 850

// maxQRVersion is the largest QR version a chunk needs (tested): 113 modules, 121 with the
// quiet zone, 0.33 mm a module at Render's 40 mm.
const maxQRVersion = 24

// MaxXMLBytes bounds the document Join reassembles (the inflated size), so that a hostile
// PDF cannot make a verifier inflate a deflate bomb. It is xmlsafe's default input limit.
var MaxXMLBytes = xmlsafe.DefaultLimits.MaxBytes

// maxChunks bounds the number of barcodes of one document.
const maxChunks = 9999

// Errors of Join, to be tested with errors.Is. Every error Join returns wraps one of them
// and names the chunk concerned.
var (
	// ErrNotBarcode: a payload does not start with Prefix and a well-formed header.
	ErrNotBarcode = errors.New("not a shepgate result-document barcode")
	// ErrMixedSets: chunks of different documents (identifiers or counts differ).
	ErrMixedSets = errors.New("barcodes of different documents")
	// ErrDuplicateChunk: the same chunk number occurs twice.
	ErrDuplicateChunk = errors.New("duplicate barcode")
	// ErrMissingChunk: a chunk number between 1 and the count is absent.
	ErrMissingChunk = errors.New("missing barcode")
	// ErrCorrupt: a chunk's data is not valid Base45, the reassembled data does not inflate,
	// or the inflated document does not match the set identifier.
	ErrCorrupt = errors.New("corrupt barcode data")
	// ErrTooLarge: the reassembled document exceeds MaxXMLBytes.
	ErrTooLarge = errors.New("barcoded document too large")
)

// Barcodes splits a signed XML document into the payloads of its barcodes, in order. The
// document is compressed with raw DEFLATE (RFC 1951), cut into ChunkBytes-byte pieces, and
// every piece becomes one payload:
//
//	SHEPGATE-QR1 <n>/<N> <ID> <Base45 of piece n>
//
// n counts from 1 to N; ID is the first 8 bytes of the SHA-256 of signedXML in upper-case
// hex, the same in every chunk of the set. Every character is in the QR alphanumeric set
// (Base45, RFC 9285), so the payloads encode in QR alphanumeric mode, 5.5 bits a character.
func Barcodes(signedXML []byte) ([][]byte, error) {
	if len(signedXML) == 0 {
		return nil, errors.New("resultdoc: barcodes of an empty document")
	}
	if len(signedXML) > MaxXMLBytes {
		return nil, fmt.Errorf("resultdoc: %w: %d bytes, limit %d", ErrTooLarge, len(signedXML), MaxXMLBytes)
	}
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("resultdoc: deflate: %w", err)
	}
	if _, err := w.Write(signedXML); err != nil {
		return nil, fmt.Errorf("resultdoc: deflate: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("resultdoc: deflate: %w", err)
	}
	data := z.Bytes()
	n := (len(data) + ChunkBytes - 1) / ChunkBytes
	if n > maxChunks {
		return nil, fmt.Errorf("resultdoc: %w: %d barcodes, limit %d", ErrTooLarge, n, maxChunks)
	}
	id := setID(signedXML)
	out := make([][]byte, 0, n)
	for i := range n {
		piece := data[i*ChunkBytes : min((i+1)*ChunkBytes, len(data))]
		out = append(out, []byte(fmt.Sprintf("%s %d/%d %s %s", Prefix, i+1, n, id, base45Encode(piece))))
	}
	return out, nil
}

// setID identifies a document's barcode set.
func setID(signedXML []byte) string {
	sum := sha256.Sum256(signedXML)
	return strings.ToUpper(hex.EncodeToString(sum[:8]))
}

// chunk is one parsed payload.
type chunk struct {
	n, total int
	id       string
	data     []byte
}

// parseChunk reads one payload; i is its position among Join's arguments (for errors).
func parseChunk(i int, p []byte) (chunk, error) {
	s := string(p)
	f := strings.SplitN(s, " ", 4)
	if len(f) != 4 || f[0] != Prefix {
		return chunk{}, fmt.Errorf("resultdoc: barcode #%d: %w (starts %q)", i+1, ErrNotBarcode, head(s, 20))
	}
	num, tot, ok := strings.Cut(f[1], "/")
	n, err1 := strconv.Atoi(num)
	total, err2 := strconv.Atoi(tot)
	if !ok || err1 != nil || err2 != nil || total < 1 || total > maxChunks || n < 1 || n > total ||
		strconv.Itoa(n) != num || strconv.Itoa(total) != tot {
		return chunk{}, fmt.Errorf("resultdoc: barcode #%d: %w: bad number %q", i+1, ErrNotBarcode, head(f[1], 20))
	}
	if len(f[2]) != 16 || strings.ToUpper(f[2]) != f[2] {
		return chunk{}, fmt.Errorf("resultdoc: barcode #%d (%d/%d): %w: bad identifier %q", i+1, n, total, ErrNotBarcode, head(f[2], 20))
	}
	if _, err := hex.DecodeString(f[2]); err != nil {
		return chunk{}, fmt.Errorf("resultdoc: barcode #%d (%d/%d): %w: bad identifier %q", i+1, n, total, ErrNotBarcode, f[2])
	}
	data, err := base45Decode(f[3])
	if err != nil {
		return chunk{}, fmt.Errorf("resultdoc: barcode %d/%d: %w: %w", n, total, ErrCorrupt, err)
	}
	if len(data) == 0 || len(data) > ChunkBytes {
		return chunk{}, fmt.Errorf("resultdoc: barcode %d/%d: %w: %d data bytes", n, total, ErrCorrupt, len(data))
	}
	return chunk{n: n, total: total, id: f[2], data: data}, nil
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Join reassembles the signed XML document from the payloads Barcodes made (or
// ExtractBarcodes read back). The payloads may come in any order, but they must all belong to
// one set (same identifier and count), every number from 1 to the count must occur exactly
// once, and the reassembled document must inflate, fit in MaxXMLBytes and hash to the set's
// identifier. Errors wrap ErrNotBarcode, ErrMixedSets, ErrDuplicateChunk, ErrMissingChunk,
// ErrCorrupt or ErrTooLarge.
//
// The identifier only detects damage and mix-ups: whoever alters the document can recompute
// it. Authenticity is the business of the document's own signature (wssec.VerifyElement).
func Join(payloads [][]byte) ([]byte, error) {
	if len(payloads) == 0 {
		return nil, fmt.Errorf("resultdoc: %w: no barcodes at all", ErrMissingChunk)
	}
	if len(payloads) > maxChunks {
		return nil, fmt.Errorf("resultdoc: %w: %d barcodes, limit %d", ErrTooLarge, len(payloads), maxChunks)
	}
	chunks := make([]chunk, 0, len(payloads))
	for i, p := range payloads {
		c, err := parseChunk(i, p)
		if err != nil {
			return nil, err
		}
		if len(chunks) > 0 && (c.id != chunks[0].id || c.total != chunks[0].total) {
			return nil, fmt.Errorf("resultdoc: %w: barcode %d/%d of document %s next to %d/%d of document %s",
				ErrMixedSets, c.n, c.total, c.id, chunks[0].n, chunks[0].total, chunks[0].id)
		}
		chunks = append(chunks, c)
	}
	slices.SortStableFunc(chunks, func(a, b chunk) int { return a.n - b.n })
	total := chunks[0].total
	var missing []string
	want := 1
	for i, c := range chunks {
		if i > 0 && c.n == chunks[i-1].n {
			return nil, fmt.Errorf("resultdoc: %w: barcode %d/%d occurs more than once", ErrDuplicateChunk, c.n, total)
		}
		for ; want < c.n; want++ {
			missing = append(missing, strconv.Itoa(want))
		}
		want = c.n + 1
	}
	for ; want <= total; want++ {
		missing = append(missing, strconv.Itoa(want))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("resultdoc: %w: %s of %d (have %d)", ErrMissingChunk, abbreviate(missing), total, len(chunks))
	}
	var z bytes.Buffer
	for i, c := range chunks {
		if i < len(chunks)-1 && len(c.data) != ChunkBytes {
			return nil, fmt.Errorf("resultdoc: barcode %d/%d: %w: %d data bytes, want %d", c.n, total, ErrCorrupt, len(c.data), ChunkBytes)
		}
		z.Write(c.data)
	}
	r := flate.NewReader(&z)
	defer r.Close()
	xmlDoc, err := io.ReadAll(io.LimitReader(r, int64(MaxXMLBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("resultdoc: %w: inflating the reassembled data: %w", ErrCorrupt, err)
	}
	if len(xmlDoc) > MaxXMLBytes {
		return nil, fmt.Errorf("resultdoc: %w: more than %d bytes once inflated", ErrTooLarge, MaxXMLBytes)
	}
	if id := setID(xmlDoc); id != chunks[0].id {
		return nil, fmt.Errorf("resultdoc: %w: the reassembled document hashes to %s, the barcodes say %s", ErrCorrupt, id, chunks[0].id)
	}
	return xmlDoc, nil
}

// abbreviate lists at most 10 numbers.
func abbreviate(nums []string) string {
	if len(nums) > 10 {
		return strings.Join(nums[:10], ", ") + fmt.Sprintf(" and %d more", len(nums)-10)
	}
	return strings.Join(nums, ", ")
}

// base45Alphabet is RFC 9285's alphabet: the 45 characters of QR alphanumeric mode.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// base45Encode encodes data as RFC 9285 Base45.
func base45Encode(data []byte) string {
	var b strings.Builder
	b.Grow((len(data)+1)/2*3 + 1)
	for i := 0; i+1 < len(data); i += 2 {
		n := int(data[i])<<8 | int(data[i+1])
		b.WriteByte(base45Alphabet[n%45])
		b.WriteByte(base45Alphabet[n/45%45])
		b.WriteByte(base45Alphabet[n/2025])
	}
	if len(data)%2 == 1 {
		n := int(data[len(data)-1])
		b.WriteByte(base45Alphabet[n%45])
		b.WriteByte(base45Alphabet[n/45])
	}
	return b.String()
}

// base45Decode decodes RFC 9285 Base45, refusing characters outside the alphabet, a length
// of 1 modulo 3 and groups that overflow.
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("base45: length %d is 1 modulo 3", len(s))
	}
	val := func(i int) (int, error) {
		v := strings.IndexByte(base45Alphabet, s[i])
		if v < 0 {
			return 0, fmt.Errorf("base45: character %q at %d is not in the alphabet", s[i], i)
		}
		return v, nil
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		c, err := val(i)
		if err != nil {
			return nil, err
		}
		d, err := val(i + 1)
		if err != nil {
			return nil, err
		}
		if i+2 == len(s) {
			n := c + d*45
			if n > 0xFF {
				return nil, fmt.Errorf("base45: final group at %d overflows a byte", i)
			}
			out = append(out, byte(n))
			break
		}
		e, err := val(i + 2)
		if err != nil {
			return nil, err
		}
		n := c + d*45 + e*2025
		if n > 0xFFFF {
			return nil, fmt.Errorf("base45: group at %d overflows two bytes", i)
		}
		out = append(out, byte(n>>8), byte(n))
	}
	return out, nil
}
