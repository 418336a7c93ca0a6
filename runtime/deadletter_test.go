package runtime_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
)

// withDeadLetter adds a memory dead-letter sink named bad to p's query.
func withDeadLetter(p rt.Program) rt.Program {
	p.Queries[0].Sources[0].DeadLetter = &rt.DeadLetter{
		Sink: rt.Endpoint{Name: "bad", Connector: "memory", Options: map[string]string{}},
		Open: memory.OpenSink,
	}
	return p
}

// TestDeadLetterInInputOrder reads files of several chunks, so that parallel workers find
// the malformed records: the dead-letter sink gets each once, per batch, in input order,
// in the table named after the query's writer; stderr gets one line per batch.
func TestDeadLetterInInputOrder(t *testing.T) {
	dir := t.TempDir()
	var big strings.Builder
	var want [][]any
	lines := 0
	for big.Len() < 3*rt.ChunkSize {
		lines++
		if lines%5000 == 0 {
			fmt.Fprintf(&big, "BAD %d\n", lines)
			want = append(want, []any{int64(0), "lines", filepath.Join(dir, "f02.txt"), int64(lines), "starts with BAD", fmt.Sprintf("BAD %d", lines)})
			continue
		}
		big.WriteString("some ordinary line of text\n")
	}
	writeFiles(t, dir, big.String(), "ok\nBAD last\r\n")
	want = append(want, []any{int64(1), "lines", filepath.Join(dir, "f01.txt"), int64(2), "starts with BAD", "BAD last"})
	_, errs, err := run(t, withDeadLetter(program(dir, "1", "")), "--trigger", "available-now")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	defer memory.Drop("out.dead_letter")
	if diff := cmp.Diff(want, memory.Table("out.dead_letter")); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	wantErr := fmt.Sprintf("warning: batch 0: %d malformed records of source lines sent to dead-letter sink bad\n"+
		"warning: batch 1: 1 malformed records of source lines sent to dead-letter sink bad\n", len(want)-1)
	if errs != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errs, wantErr)
	}
}

// TestDeadLetterRefusesFailfast: --set cannot make a source with a dead-letter sink failfast.
func TestDeadLetterRefusesFailfast(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\n")
	_, _, err := run(t, withDeadLetter(program(dir, "", "")), "--trigger", "once", "--set", "lines.mode=failfast")
	if err == nil || !strings.Contains(err.Error(), "mode = 'failfast' stops at the first malformed record, so its dead_letter sink bad would never receive one") {
		t.Errorf("got %v", err)
	}
}
