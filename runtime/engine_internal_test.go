package runtime

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestExitCodes(t *testing.T) {
	p := Program{Name: "q.sql"}
	var b strings.Builder
	if exitCode(p, nil, &b) != 0 || exitCode(p, flag.ErrHelp, &b) != 0 {
		t.Error("success and -h exit 0")
	}
	_, err := parseFlags(p, []string{"--nope"}, io.Discard)
	if exitCode(p, err, &b) != 2 || b.Len() != 0 {
		t.Errorf("unknown flag: exit %d, printed %q", exitCode(p, err, &b), b.String())
	}
	if exitCode(p, errors.New("boom"), &b) != 1 || b.String() != "q.sql: boom\n" {
		t.Errorf("error: %q", b.String())
	}
}

func TestNextTriggerSkipsMissedTicks(t *testing.T) {
	base := time.Unix(1000, 0)
	for _, c := range []struct {
		now  time.Duration
		want time.Duration
	}{{0, 2 * time.Second}, {1500 * time.Millisecond, 2 * time.Second}, {2 * time.Second, 4 * time.Second}, {7 * time.Second, 8 * time.Second}} {
		if got := nextTrigger(base.Add(c.now), 2*time.Second).Sub(base); got != c.want {
			t.Errorf("now +%v: next at +%v, want +%v", c.now, got, c.want)
		}
	}
}

func TestReadLinesDropsByteOrderMark(t *testing.T) {
	var got []string
	err := ReadLines(strings.NewReader("\ufeffhé\nx\n"), "f", func(c *Chunk) error {
		got = append(got, string(c.Data))
		return nil
	})
	if err != nil || strings.Join(got, "") != "hé\nx\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestSetIsCheckedAgainstTheQuery: --set values pass the option validator and then the rules
// that depend on the query's columns, and a files sink may not be pointed into its source.
func TestSetIsCheckedAgainstTheQuery(t *testing.T) {
	p := Program{Name: "q.sql", Queries: []QuerySpec{{
		Name:    "out",
		Sources: []SourceSpec{{Endpoint: Endpoint{Name: "lines", Connector: "files", Options: map[string]string{"path": "in", "format": "text"}}}},
		Sink:    Endpoint{Name: "out", Connector: "kafka", Options: map[string]string{"brokers": "b:1", "topic": "t", "format": "csv"}},
		Columns: []Column{{Name: "id", Type: "BIGINT"}, {Name: "ID", Type: "BIGINT"}},
	}}}
	for _, c := range []struct{ set, want string }{
		{"out.format=JSON", `--set: sink out: the kafka sink writes column names with format json, and columns 1 and 2 are both named "ID"; alias one in the SQL`},
		{"lines.max_files_per_trigger=-3", `--set lines.max_files_per_trigger=-3: option max_files_per_trigger: expected an integer of at least 1, got "-3"`},
		{"out.format=text", ""},
	} {
		_, err := parseFlags(p, []string{"--set", c.set}, io.Discard)
		if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
			t.Errorf("--set %s: got %v, want %q", c.set, err, c.want)
		}
	}
	f, err := parseFlags(p, []string{"--set", "out.format=Json", "--set", "out.format=csv"}, io.Discard)
	if err != nil || f.set["out"]["format"] != "csv" {
		t.Errorf("the last --set counts, canonically spelt: %v, %v", f, err)
	}

	src := Endpoint{Name: "lines", Connector: "files", Options: map[string]string{"path": t.TempDir()}}
	sink := Endpoint{Name: "out", Connector: "files", Options: map[string]string{"path": src.Options["path"] + "/sub/../x"}}
	if err := feedsSource(src, sink); err == nil || !strings.Contains(err.Error(), "the query would read its own output forever; point the sink elsewhere (--set out.path=DIR)") {
		t.Errorf("sink inside its source: %v", err)
	}
	sink.Options = map[string]string{"path": src.Options["path"] + "-out"}
	if err := feedsSource(src, sink); err != nil {
		t.Errorf("a sibling directory: %v", err)
	}
}
