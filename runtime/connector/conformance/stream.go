package conformance

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// Stream numbers the records a harness writes to a stream source (a socket, a pipe), one
// line each, so that record k is line k+1 of Origin.
type Stream struct {
	Origin string
	n      int
}

// Write writes n more records to w and returns them.
func (s *Stream) Write(t *testing.T, w io.Writer, n int) []string {
	t.Helper()
	var b strings.Builder
	out := make([]string, n)
	for i := range out {
		// about 100 bytes a record, so a big batch spans several chunks
		out[i] = fmt.Sprintf("record %d %s", s.n, strings.Repeat("x", 80))
		b.WriteString(out[i])
		b.WriteByte('\n')
		s.n++
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		t.Fatalf("writing %d records: %v", n, err)
	}
	return out
}

// Locate is Source.Locate for the records of Write.
func (s *Stream) Locate(line string) (string, int64) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", 0
	}
	k, _ := strconv.ParseInt(f[1], 10, 64)
	return s.Origin, k + 1
}
