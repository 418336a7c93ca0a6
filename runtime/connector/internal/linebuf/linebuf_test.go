package linebuf

import (
	"context"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

// TestReadBeyondTheLinesReceived: an end offset past the lines received is an error; it
// used to hand out the lines there were and move the stream past the missing ones.
func TestReadBeyondTheLinesReceived(t *testing.T) {
	b := New("test")
	if err := b.Fill(strings.NewReader("a\nb\n")); err != nil {
		t.Fatal(err)
	}
	err := b.Read(context.Background(), nil, rt.CountOffset(5), func(*rt.Chunk) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "cannot read lines 0 to 5: 2 lines have been received") {
		t.Fatalf("Read past the end: %v", err)
	}
	var got string
	if err := b.Read(context.Background(), nil, rt.CountOffset(2), func(c *rt.Chunk) error { got += string(c.Data); return nil }); err != nil || got != "a\nb\n" {
		t.Errorf("then the lines: %q, %v", got, err)
	}
}
