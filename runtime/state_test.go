package runtime

import (
	"math"
	"testing"
)

func TestStateRoundTripAndDamage(t *testing.T) {
	var e StateEncoder
	e.Bool(true)
	e.Int64(math.MinInt64)
	e.Int32(-7)
	e.Float64(math.Inf(-1))
	e.Len(2) // a set of two strings
	e.String("héllo")
	e.String("")
	read := func(b []byte) (*StateDecoder, bool) {
		d := NewStateDecoder(b)
		ok := d.Bool() && d.Int64() == math.MinInt64 && d.Int32() == -7 && math.IsInf(d.Float64(), -1) &&
			d.Len() == 2 && d.String() == "héllo" && d.String() == ""
		return d, ok
	}
	if d, ok := read(e.buf); !ok || d.Err() != nil {
		t.Fatalf("round trip: %v", d.Err())
	}
	for cut := range len(e.buf) {
		if d, _ := read(e.buf[:cut]); d.Err() == nil {
			t.Errorf("a snapshot cut at %d bytes reads without error", cut)
		}
	}
	if d, _ := read(append(e.buf[:len(e.buf):len(e.buf)], 0)); d.Err() == nil {
		t.Error("trailing bytes must be an error")
	}
	// A damaged count cannot make the decoder allocate beyond the snapshot.
	d := NewStateDecoder([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	if n := d.Len(); n != 0 || d.Err() == nil {
		t.Errorf("count %d, err %v", n, d.Err())
	}
}
