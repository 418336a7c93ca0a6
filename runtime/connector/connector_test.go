package connector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateAndDidYouMean(t *testing.T) {
	files, ok := Lookup(Source, "FILES")
	if !ok {
		t.Fatal("files source")
	}
	for _, c := range []struct{ key, value, want string }{
		{"path", "/x", ""},
		{"PATH", "/x", ""},
		{"pth", "/x", `unknown option "pth" for the files source (did you mean "path"?)`},
		{"max_file_per_trigger", "1", `did you mean "max_files_per_trigger"?`},
		{"zzzzzz", "1", "(options: path, format,"},
		{"max_files_per_trigger", "x", "expected an integer"},
		{"header", "TRUE", ""},
		{"header", "yes", "expected true or false"},
		{"mode", "FailFast", ""},
		{"mode", "permissive", "expected one of 'dropmalformed', 'failfast'"},
		{"max_files_per_trigger", "0", `option max_files_per_trigger: expected an integer of at least 1, got "0"`},
		{"max_files_per_trigger", "1", ""},
		{"delimiter", "ab", `option delimiter: expected a string of one byte, got "ab"`},
		{"delimiter", "", "expected a string of one byte"},
		{"delimiter", "|", ""},
		{"max_file_age", "-1s", "expected a duration such as 5s, 1h30m or '5 minutes', not negative"},
		{"max_file_age", "0s", ""},
		{"path", "", "expected a non-empty string"},
	} {
		_, err := files.Validate(c.key, c.value)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s=%s: %v", c.key, c.value, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: got %v, want %q", c.key, c.value, err, c.want)
		}
	}
	if !files.Option("format").CompileTime || files.Option("path").CompileTime {
		t.Error("format is fixed at compile time, path is not")
	}
}

func TestResolve(t *testing.T) {
	files, _ := Lookup(Source, "files")
	got, err := files.Resolve(map[string]string{"PATH": "/in"})
	if err != nil {
		t.Fatal(err)
	}
	if got["path"] != "/in" || got["format"] != "text" || got["mode"] != "dropmalformed" || got["header"] != "false" {
		t.Errorf("resolved %v", got)
	}
	if _, ok := got["max_files_per_trigger"]; ok {
		t.Error("an option without default stays absent")
	}
	if _, err := files.Resolve(map[string]string{}); err == nil || !strings.Contains(err.Error(), `needs option "path"`) {
		t.Errorf("missing path: %v", err)
	}
	if _, err := files.Resolve(map[string]string{"path": "/in", "nope": "1"}); err == nil {
		t.Error("unknown option")
	}
}

func TestSpecs(t *testing.T) {
	want := map[string]bool{"source files": true, "source rate": true, "sink console": true, "sink memory": true, "sink files": true, "table files": true, "sink postgres": true, "sink sqlite": true}
	for _, s := range All() {
		delete(want, s.Kind.String()+" "+s.Name)
		if s.Doc == "" {
			t.Errorf("%s: no doc", s.Name)
		}
		for _, o := range s.Options {
			if o.Doc == "" {
				t.Errorf("%s.%s: no doc", s.Name, o.Name)
			}
			if o.Default != "" {
				if _, err := o.Check(o.Default); err != nil {
					t.Errorf("%s.%s: default: %v", s.Name, o.Name, err)
				}
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("missing specs %v", want)
	}
	if _, ok := Lookup(Sink, "rate"); ok {
		t.Error("rate is not a sink")
	}
	if Closest("ab", []string{"xy", "abc"}) != "abc" || Closest("ab", []string{"xy"}) != "" || Closest("pth", []string{"path"}) != "path" {
		t.Error("Closest")
	}
}

// TestCheckCanonical: both the compiler and --set store what Check returns, so a bool and an
// enum mean the same however they are spelt.
func TestCheckCanonical(t *testing.T) {
	files, _ := Lookup(Source, "files")
	kafka, _ := Lookup(Source, "kafka")
	table, _ := Lookup(Table, "files")
	for _, c := range []struct {
		spec        *Spec
		key, v, out string
	}{
		{files, "header", "TRUE", "true"},
		{files, "header", "False", "false"},
		{files, "format", "CSV", "csv"},
		{kafka, "sasl_mechanism", "scram-sha-256", "SCRAM-SHA-256"},
		{files, "path", "/In", "/In"},
		{files, "max_file_age", "168h", "168h"},
		{files, "max_file_age", "7 days", "168h0m0s"},
		{table, "refresh", "ON_CHANGE", "on_change"},
		{table, "refresh", "Never", "never"},
		{table, "refresh", "5 minutes", "5m0s"},
		{table, "refresh", "1 hour 30 minutes", "1h30m0s"},
		{table, "refresh", "90s", "90s"},
	} {
		if got, err := c.spec.Validate(c.key, c.v); err != nil || got != c.out {
			t.Errorf("%s=%s: got %q, %v; want %q", c.key, c.v, got, err, c.out)
		}
	}
}

// TestTableOptions: a files table takes the files source's reading options and refresh, and
// refuses the streaming ones with why rather than as unknown.
func TestTableOptions(t *testing.T) {
	table, ok := Lookup(Table, "FILES")
	if !ok {
		t.Fatal("files table")
	}
	got, err := table.Resolve(map[string]string{"path": "/d", "format": "CSV", "header": "TRUE"})
	if err != nil {
		t.Fatal(err)
	}
	if got["refresh"] != "never" || got["mode"] != "dropmalformed" || got["format"] != "csv" || got["header"] != "true" || got["delimiter"] != "," {
		t.Errorf("resolved %v", got)
	}
	for _, c := range []struct{ key, value, want string }{
		{"max_files_per_trigger", "1", "option max_files_per_trigger is not for a files table: a table reads all its files at every load"},
		{"MAX_FILE_AGE", "1h", "option max_file_age is not for a files table"},
		{"dead_letter", "bad", "option dead_letter is not for a files table: a table loads outside the query's batches"},
		{"refresh", "sometimes", `option refresh: expected 'never', 'on_change' or a duration such as 5s, 1h30m or '5 minutes', not negative, got "sometimes"`},
		{"refresh", "-5 minutes", "not negative"},
		{"refresh", "", "expected 'never'"},
		{"refres", "never", `did you mean "refresh"?`},
	} {
		if _, err := table.Validate(c.key, c.value); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: got %v, want %q", c.key, c.value, err, c.want)
		}
	}
	if pkg, wire := Impl(Table, "files", "parquet"); pkg != "parquet" || wire != "json" {
		t.Errorf("a parquet table: package %s, records %s; want the parquet package's JSON lines", pkg, wire)
	}
	if _, ok := Lookup(Source, "files"); !ok || table.Option("format").CompileTime != true {
		t.Error("the table's format shapes its generated decoder")
	}
	if us, err := IntervalMicros("1 hour 30 minutes"); err != nil || us != 5400e6 {
		t.Errorf("IntervalMicros: %d, %v", us, err)
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		kind              Kind
		conn, key, v, err string
	}{
		{Source, "rate", "rows_per_second", "0", "at least 1"},
		{Source, "rate", "num_rows", "-1", "at least 0"},
		{Source, "generator", "seed", "-7", ""},
		{Source, "generator", "cardinality", "0", "at least 1"},
		{Source, "generator", "disorder", "-5s", "not negative"},
		{Source, "socket", "port", "0", "from 1 to 65535"},
		{Source, "socket", "port", "65536", "from 1 to 65535"},
		{Source, "socket", "port", "9999", ""},
		{Source, "kafka", "max_offsets_per_trigger", "-1", "at least 0"},
		{Sink, "console", "num_rows", "-1", "at least 0"},
		{Sink, "console", "num_rows", "0", ""},
	} {
		s, _ := Lookup(c.kind, c.conn)
		_, err := s.Validate(c.key, c.v)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s %s=%s: got %v, want %q", c.conn, c.key, c.v, err, c.err)
		}
	}
}

func TestPartitionByAndNames(t *testing.T) {
	cols := []string{"day", "user", "n"}
	if idx, err := PartitionBy(" day , USER", cols); err != nil || len(idx) != 2 || idx[0] != 0 || idx[1] != 1 {
		t.Errorf("got %v, %v", idx, err)
	}
	for v, want := range map[string]string{
		"usr":        `no column "usr" (its columns: day, user, n); did you mean "user"?`,
		"day,Day":    `column "Day" is listed twice`,
		"n,day,user": "every column is a partition column",
		"zzz, n":     `no column "zzz"`,
		"user,,":     "",
		"":           "",
	} {
		_, err := PartitionBy(v, cols)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%q: got %v, want %q", v, err, want)
		}
	}
	if i, j := DuplicateName([]string{"id", "x", "X"}); i != 1 || j != 2 {
		t.Errorf("DuplicateName: %d %d", i, j)
	}
	if _, j := DuplicateName(cols); j >= 0 {
		t.Error("no duplicate")
	}
	files, _ := Lookup(Sink, "files")
	kafka, _ := Lookup(Sink, "kafka")
	dup := []string{"id", "ID"}
	if err := files.CheckColumns(map[string]string{"format": "json"}, dup); err == nil || !strings.Contains(err.Error(), `columns 1 and 2 are both named "ID"; alias one`) {
		t.Errorf("files json: %v", err)
	}
	if err := files.CheckColumns(map[string]string{"format": "text"}, []string{"v"}); err != nil {
		t.Errorf("files text: %v", err)
	}
	if err := kafka.CheckColumns(map[string]string{"format": "csv"}, dup); err != nil {
		t.Errorf("kafka csv writes no names: %v", err)
	}
	if err := kafka.CheckColumns(map[string]string{"format": "json"}, dup); err == nil {
		t.Error("kafka json writes names")
	}
}

func TestSinkFeedsSource(t *testing.T) {
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in")
	os.Mkdir(in, 0o755)
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		src, sink string
		want      bool
	}{
		{in, in, true},
		{in, in + "/", true},
		{in, filepath.Join(in, "out"), true},
		{in, filepath.Join(in, "a", "..", "b", "new"), true},
		{filepath.Join(in, "*.csv"), in, true},
		{in, link, true},                            // the symlink is followed
		{link, filepath.Join(in, "out", "x"), true}, // and the prefix that exists is resolved
		{in, tmp, false},
		{in, filepath.Join(tmp, "in2"), false},
		{in, filepath.Join(tmp, "out"), false},
	} {
		if got := SinkFeedsSource(c.src, c.sink); got != c.want {
			t.Errorf("source %s, sink %s: got %v", c.src, c.sink, got)
		}
	}
}
