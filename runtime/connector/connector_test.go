package connector

import (
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
		{"mode", "permissive", "expected one of dropmalformed, failfast"},
	} {
		err := files.Validate(c.key, c.value)
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
	want := map[string]bool{"source files": true, "source rate": true, "sink console": true, "sink memory": true, "sink files": true}
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
				if err := o.Check(o.Default); err != nil {
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
