package runtime

import (
	"bytes"
	"strings"
	"testing"
)

// TestASCII puts one non-ASCII byte at every offset of buffers around the 8- and 32-byte
// steps of ASCII.
func TestASCII(t *testing.T) {
	for n := range 70 {
		b := []byte(strings.Repeat("a", n))
		if !ASCII(b) {
			t.Fatalf("%d ASCII bytes: not ASCII", n)
		}
		for at := range n {
			b[at] = 0x80
			if ASCII(b) {
				t.Fatalf("%d bytes with 0x80 at %d: ASCII", n, at)
			}
			b[at] = 'a'
		}
	}
}

// TestBlank agrees with bytes.TrimSpace on every first byte, and on Unicode white space.
func TestBlank(t *testing.T) {
	recs := [][]byte{nil, {}, []byte(" \t\r"), []byte("\u00a0\u2003"), []byte("\u00a0x"), []byte(" {}")}
	for c := range 256 {
		recs = append(recs, []byte{byte(c)}, []byte{byte(c), 'x'}, []byte{byte(c), ' '})
	}
	for _, rec := range recs {
		if got, want := Blank(rec), len(bytes.TrimSpace(rec)) == 0; got != want {
			t.Errorf("Blank(%q) = %v, want %v", rec, got, want)
		}
	}
}
