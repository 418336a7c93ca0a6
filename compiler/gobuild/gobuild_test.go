package gobuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const hello = `package main

import rt "github.com/sqlstream/sqlstream/runtime"

func main() {
	_ = rt.Append
	println("hello from a generated program")
}
`

func TestBuildFromAnyDirectoryOffline(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("GOPROXY", "off") // a warm module cache is all it needs
	opts := Options{CacheDir: t.TempDir()}
	if err := Build(context.Background(), []byte(hello), "prog", opts); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("./prog").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hello from a generated program") {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestCachedReusesTheBinary(t *testing.T) {
	opts := Options{CacheDir: t.TempDir()}
	first, err := Cached(context.Background(), []byte(hello), opts)
	if err != nil {
		t.Fatal(err)
	}
	st1, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Cached(context.Background(), []byte(hello), opts)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(second)
	if first != second || !st1.ModTime().Equal(st2.ModTime()) {
		t.Errorf("second build did not reuse %s", first)
	}
	other, err := Cached(context.Background(), []byte(strings.Replace(hello, "hello", "bye", 1)), opts)
	if err != nil || other == first {
		t.Errorf("a different program must get its own binary: %s, %v", other, err)
	}
}

func TestBrokenSourceIsAnInternalCompilerError(t *testing.T) {
	opts := Options{CacheDir: t.TempDir()}
	err := Build(context.Background(), []byte("package main\n\nfunc main() { undefined() }\n"), filepath.Join(t.TempDir(), "x"), opts)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "internal compiler error") || !strings.Contains(msg, "undefined: undefined") {
		t.Errorf("unexpected message:\n%s", msg)
	}
	i := strings.Index(msg, "kept at ")
	kept := strings.Fields(msg[i+len("kept at "):])[0]
	if _, err := os.Stat(strings.TrimSuffix(kept, ";")); err != nil {
		t.Errorf("the generated source should be kept: %v", err)
	}
}

func TestRootFindsTheCheckout(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "runtime", "api.go")); err != nil {
		t.Errorf("root %s is not the sqlstream checkout", root)
	}
	t.Setenv("SQLSTREAM_ROOT", t.TempDir())
	if _, err := Root(); err == nil {
		t.Error("a SQLSTREAM_ROOT without sqlstream's go.mod must be refused")
	}
}
