package gobuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tiny is shaped like a generated program: package main linking sqlstream's runtime.
const tiny = `package main

import (
	"fmt"

	rt "github.com/sqlstream/sqlstream/runtime"
)

func main() {
	_ = rt.Append
	fmt.Println("hello from a built program")
}
`

// offline makes every go command the test starts fail if it needs the network.
func offline(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOSUMDB", "off")
}

func TestBuildFromAnotherDirectoryOffline(t *testing.T) {
	offline(t)
	t.Chdir(t.TempDir())
	if err := Build(context.Background(), []byte(tiny), "prog", Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("./prog").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := string(out); got != "hello from a built program\n" {
		t.Errorf("output %q", got)
	}
}

func TestCachedReusesTheBinary(t *testing.T) {
	offline(t)
	opts := Options{Dir: t.TempDir()}
	ctx := context.Background()
	first, err := Cached(ctx, []byte(tiny), opts)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(first, old, old); err != nil {
		t.Fatal(err)
	}
	second, err := Cached(ctx, []byte(tiny), opts)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Fatalf("second build went to %s, want the cached %s", second, first)
	}
	if fi, err := os.Stat(second); err != nil || !fi.ModTime().Equal(old) {
		t.Fatalf("cached binary was rebuilt (mtime %v, want %v; %v)", fi.ModTime(), old, err)
	}
	if out, err := exec.Command(second).CombinedOutput(); err != nil || !strings.Contains(string(out), "hello") {
		t.Fatalf("cached binary: %v\n%s", err, out)
	}

	// Another program is another binary; no temporary files are left behind.
	other, err := Cached(ctx, []byte(strings.Replace(tiny, "hello", "bye", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Fatal("a different source reused the cached binary")
	}
	for _, bin := range []string{first, other} {
		entries, _ := os.ReadDir(filepath.Dir(bin))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".tmp-") {
				t.Errorf("left behind: %s", filepath.Join(filepath.Dir(bin), e.Name()))
			}
		}
	}
}

func TestBrokenSourceIsAnInternalCompilerError(t *testing.T) {
	offline(t)
	src := []byte(strings.Replace(tiny, `_ = rt.Append`, `undefined()`, 1))
	err := Build(context.Background(), src, filepath.Join(t.TempDir(), "prog"), Options{Dir: t.TempDir()})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	const want = "internal compiler error: generated code does not compile; the generated source is kept at "
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "; please report it\n") {
		t.Fatalf("error does not say what happened:\n%s", msg)
	}
	kept, _, _ := strings.Cut(strings.TrimPrefix(msg, want), ";")
	if got, err := os.ReadFile(kept); err != nil || string(got) != string(src) {
		t.Errorf("generated source not kept at %s: %v", kept, err)
	}
	if !strings.Contains(msg, "main.go:10:2: undefined: undefined") {
		t.Errorf("compiler output missing:\n%s", msg)
	}
	if n := strings.Count(msg, "\n"); n > 22 {
		t.Errorf("%d lines: only the first lines of the compiler output belong in the message", n)
	}
}

func TestNoGoCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Build(context.Background(), []byte(tiny), filepath.Join(t.TempDir(), "prog"), Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "the go command is not on PATH") {
		t.Fatalf("got %v", err)
	}
}

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "compiler", "gobuild", "gobuild.go")); err != nil {
		t.Errorf("Root() = %s, not this checkout: %v", root, err)
	}

	t.Setenv("SQLSTREAM_ROOT", t.TempDir())
	if _, err := Root(); err == nil || !strings.Contains(err.Error(), "SQLSTREAM_ROOT") {
		t.Errorf("a SQLSTREAM_ROOT without sqlstream's go.mod: got %v", err)
	}
}

// fakeRoot writes a minimal sqlstream checkout: what prepare reads, no buildable code.
func fakeRoot(t *testing.T) string {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                 "module github.com/sqlstream/sqlstream // the module\n\ngo 1.26.0\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => ../a\n",
		"go.sum":                 "example.com/a v1.0.0 h1:x\n",
		"runtime/engine.go":      "package runtime\n",
		"runtime/engine_test.go": "package runtime\n",
		"compiler/compiler.go":   "package compiler\n",
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestRuntimeChangesInvalidate checks the build directory (and so the cached binary) depends
// on the runtime's sources, and on nothing else of the checkout.
func TestRuntimeChangesInvalidate(t *testing.T) {
	root := fakeRoot(t)
	t.Setenv("SQLSTREAM_ROOT", root)
	opts := Options{Dir: t.TempDir()}
	ctx := context.Background()
	dir := func() string {
		t.Helper()
		d, err := prepare(ctx, []byte(tiny), opts)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	edit := func(name string) {
		t.Helper()
		p := filepath.Join(root, name)
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, append(b, "// edited\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first := dir()
	gomod, _ := os.ReadFile(filepath.Join(first, "go.mod"))
	for _, want := range []string{"go 1.26.0\n", "replace github.com/sqlstream/sqlstream => " + root + "\n",
		"require example.com/a v1.0.0\n", "replace example.com/a => " + filepath.Join(root, "../a") + "\n"} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("build go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if sum, _ := os.ReadFile(filepath.Join(first, "go.sum")); string(sum) != "example.com/a v1.0.0 h1:x\n" {
		t.Errorf("go.sum not copied: %q", sum)
	}
	if again := dir(); again != first {
		t.Errorf("same inputs, another directory: %s, %s", first, again)
	}
	edit("runtime/engine_test.go")
	edit("compiler/compiler.go")
	if again := dir(); again != first {
		t.Errorf("tests or the compiler changed the build directory")
	}
	edit("runtime/engine.go")
	if again := dir(); again == first {
		t.Errorf("editing the runtime kept the build directory")
	}
}

func TestDirectives(t *testing.T) {
	gomod := `module github.com/sqlstream/sqlstream

go 1.26.0 // language

require (
	example.com/a v1.0.0
	example.com/b v0.2.0 // indirect
)

require example.com/c v1.1.0
exclude example.com/d v0.1.0
replace (
	example.com/e => ./fork/e
	example.com/f v1.0.0 => example.com/g v1.0.1
)
`
	want := `require (
	example.com/a v1.0.0
	example.com/b v0.2.0
)
require example.com/c v1.1.0
exclude example.com/d v0.1.0
replace (
	example.com/e => /src/fork/e
	example.com/f v1.0.0 => example.com/g v1.0.1
)
`
	if got := directives([]byte(gomod), "/src"); got != want {
		t.Errorf("directives:\n%s\nwant:\n%s", got, want)
	}
	if got := goDirective([]byte(gomod)); got != "1.26.0" {
		t.Errorf("go directive %q", got)
	}
	if got := moduleLine([]byte("// x\nmodule \"github.com/sqlstream/sqlstream\"\r\n")); got != modulePath {
		t.Errorf("module line %q", got)
	}
}
