package resultdoc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"
)

// RFC 9285 §4.3 examples.
func TestBase45(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"AB", "BB8"}, {"Hello!!", "%69 VD92EX0"}, {"base-45", "UJCLQE7W581"}, {"ietf!", "QED8WEX0"}, {"", ""},
	} {
		if got := base45Encode([]byte(c.in)); got != c.out {
			t.Errorf("encode %q = %q, want %q", c.in, got, c.out)
		}
		got, err := base45Decode(c.out)
		if err != nil || string(got) != c.in {
			t.Errorf("decode %q = %q, %v", c.out, got, err)
		}
	}
	for _, bad := range []string{"GGW", "ZZ", "A", "AB#", "abc"} {
		if _, err := base45Decode(bad); err == nil {
			t.Errorf("decode %q: no error", bad)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		got, err := base45Decode(base45Encode(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %d bytes: %v", n, err)
		}
	}
}

// randomXML is incompressible enough to need many chunks.
func randomXML(n int) []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	b.WriteString("<doc>")
	for b.Len() < n {
		fmt.Fprintf(&b, "<v>%x</v>", rng.Uint64())
	}
	b.WriteString("</doc>")
	return b.Bytes()
}

func cloneChunks(c [][]byte) [][]byte {
	out := make([][]byte, len(c))
	for i := range c {
		out[i] = bytes.Clone(c[i])
	}
	return out
}

func nextBase45(c byte) byte {
	i := strings.IndexByte(base45Alphabet, c)
	return base45Alphabet[(i+1)%45]
}

func TestBarcodesAndJoin(t *testing.T) {
	doc := randomXML(20_000)
	chunks, err := Barcodes(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 5 {
		t.Fatalf("%d chunks for 20 KB of random hex", len(chunks))
	}
	id := setID(doc)
	for i, c := range chunks {
		prefix := fmt.Sprintf("SHEPGATE-QR1 %d/%d %s ", i+1, len(chunks), id)
		if !bytes.HasPrefix(c, []byte(prefix)) {
			t.Fatalf("chunk %d starts %q", i+1, c[:40])
		}
		for _, r := range string(c) {
			if !strings.ContainsRune(base45Alphabet, r) && r != 'Q' {
				t.Fatalf("chunk %d holds %q, outside the QR alphanumeric set", i+1, r)
			}
		}
		if len(c) > len(prefix)+ChunkBytes/2*3 {
			t.Fatalf("chunk %d is %d characters", i+1, len(c))
		}
	}
	// Any order.
	shuffled := cloneChunks(chunks)
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got, err := Join(shuffled)
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("Join of shuffled chunks: %v", err)
	}
	one, err := Barcodes([]byte("<a/>"))
	if err != nil || len(one) != 1 {
		t.Fatalf("tiny document: %d chunks, %v", len(one), err)
	}
	if got, err := Join(one); err != nil || string(got) != "<a/>" {
		t.Fatalf("Join tiny: %q %v", got, err)
	}
	if _, err := Barcodes(nil); err == nil {
		t.Error("Barcodes(nil): no error")
	}
}

func TestJoinErrors(t *testing.T) {
	doc := randomXML(8_000)
	chunks, err := Barcodes(doc)
	if err != nil {
		t.Fatal(err)
	}
	n := len(chunks)
	other, _ := Barcodes(randomXML(8_001))
	cases := []struct {
		name   string
		in     [][]byte
		target error
		msg    string
	}{
		{"none", nil, ErrMissingChunk, "no barcodes"},
		{"missing middle", append(cloneChunks(chunks[:1]), chunks[2:]...), ErrMissingChunk, fmt.Sprintf("missing barcode: 2 of %d", n)},
		{"missing last", chunks[:n-1], ErrMissingChunk, fmt.Sprintf("missing barcode: %d of %d", n, n)},
		{"duplicate", append(cloneChunks(chunks), chunks[1]), ErrDuplicateChunk, fmt.Sprintf("barcode 2/%d occurs more than once", n)},
		{"mixed", append(cloneChunks(chunks[:1]), other[1:]...), ErrMixedSets, "different documents"},
		{"foreign", append(cloneChunks(chunks), []byte("https://egov.kz")), ErrNotBarcode, "barcode #" + fmt.Sprint(n+1)},
		{"zero", [][]byte{[]byte("SHEPGATE-QR1 0/3 0123456789ABCDEF AB")}, ErrNotBarcode, "bad number"},
		{"past count", [][]byte{[]byte("SHEPGATE-QR1 4/3 0123456789ABCDEF AB")}, ErrNotBarcode, "bad number"},
		{"leading zero", [][]byte{[]byte("SHEPGATE-QR1 01/3 0123456789ABCDEF AB")}, ErrNotBarcode, "bad number"},
		{"bad id", [][]byte{[]byte("SHEPGATE-QR1 1/1 XYZ AB")}, ErrNotBarcode, "bad identifier"},
		{"bad base45", [][]byte{[]byte("SHEPGATE-QR1 1/1 0123456789ABCDEF abc")}, ErrCorrupt, "not in the alphabet"},
		{"short chunk", func() [][]byte {
			c := cloneChunks(chunks)
			c[0] = c[0][:len(c[0])-3]
			return c
		}(), ErrCorrupt, "data bytes"},
		{"wrong id", func() [][]byte {
			c := cloneChunks(chunks)
			for i := range c {
				c[i] = bytes.Replace(c[i], []byte(setID(doc)), []byte("0000000000000000"), 1)
			}
			return c
		}(), ErrCorrupt, "hashes to"},
	}
	for _, c := range cases {
		_, err := Join(c.in)
		if !errors.Is(err, c.target) {
			t.Errorf("%s: %v, want %v", c.name, err, c.target)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %q lacks %q", c.name, err, c.msg)
		}
	}
}

// A deflate bomb in well-formed chunks stops at MaxXMLBytes.
func TestJoinBoundsTheInflatedSize(t *testing.T) {
	old := MaxXMLBytes
	MaxXMLBytes = 1 << 20
	defer func() { MaxXMLBytes = old }()
	big := bytes.Repeat([]byte("a"), 1<<20)
	chunks, err := Barcodes(big)
	if err != nil {
		t.Fatal(err)
	}
	MaxXMLBytes = 1<<20 - 1
	if _, err := Join(chunks); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Join past the limit: %v", err)
	}
	if _, err := Barcodes(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Barcodes past the limit: %v", err)
	}
}

// A full chunk fits a QR code of version 24 or less at level M (the size doc.go promises).
func TestFullChunkQRVersion(t *testing.T) {
	chunks, err := Barcodes(randomXML(20_000))
	if err != nil {
		t.Fatal(err)
	}
	q, err := qrcode.New(string(chunks[0]), qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full chunk: %d characters, QR version %d (%d modules)", len(chunks[0]), q.VersionNumber, 17+4*q.VersionNumber)
	if q.VersionNumber > maxQRVersion {
		t.Errorf("version %d, want at most %d", q.VersionNumber, maxQRVersion)
	}
}
