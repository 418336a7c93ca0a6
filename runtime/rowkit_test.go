package runtime

import (
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
