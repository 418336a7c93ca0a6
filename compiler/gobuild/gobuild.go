// Package gobuild turns a generated Go program into a binary: it writes the source into a
// module that requires sqlstream (a replace to the checkout when run from source) and runs go build.
package gobuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
)

const modulePath = "github.com/sqlstream/sqlstream"

// Options tune a build.
type Options struct {
	// CacheDir holds build directories and cached binaries; default: the user cache dir.
	CacheDir string
}

func (o Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	if d := os.Getenv("SQLSTREAM_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set SQLSTREAM_CACHE): %w", err)
	}
	return filepath.Join(d, "sqlstream"), nil
}

// Build compiles src (a package main) into the executable out.
func Build(ctx context.Context, src []byte, out string, opts Options) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	dir, err := prepare(src, opts)
	if err != nil {
		return err
	}
	return goBuild(ctx, dir, abs)
}

// Cached returns a binary built from src, building it only when src, sqlstream's runtime or
// the Go version changed since the last build.
func Cached(ctx context.Context, src []byte, opts Options) (string, error) {
	dir, err := prepare(src, opts)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "program")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp := bin + ".tmp"
	if err := goBuild(ctx, dir, tmp); err != nil {
		return "", err
	}
	return bin, os.Rename(tmp, bin)
}

// prepare writes the build module for src into a directory named by a hash of everything
// the binary depends on, so Go's build cache and our binary cache stay valid across runs.
func prepare(src []byte, opts Options) (string, error) {
	cache, err := opts.cacheDir()
	if err != nil {
		return "", err
	}
	gomod, gosum, stamp, err := moduleFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(src)
	h.Write(gomod)
	h.Write(gosum)
	h.Write(stamp)
	h.Write([]byte(goruntime.Version()))
	dir := filepath.Join(cache, "build", hex.EncodeToString(h.Sum(nil))[:24])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for name, data := range map[string][]byte{"main.go": src, "go.mod": gomod, "go.sum": gosum} {
		if err := writeIfChanged(filepath.Join(dir, name), data); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

// moduleFiles returns the go.mod and go.sum of the build module, and a stamp that changes
// whenever the sqlstream sources the binary links change.
func moduleFiles() (gomod, gosum, stamp []byte, err error) {
	root, err := Root()
	if err != nil {
		if v := installedVersion(); v != "" {
			// Installed with go install: require the same release (needs it in the module cache).
			return []byte("module sqlstreamapp\n\ngo 1.26\n\nrequire " + modulePath + " " + v + "\n"), nil, []byte(v), nil
		}
		return nil, nil, nil, err
	}
	own, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, nil, nil, err
	}
	gosum, err = os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, err
	}
	var b strings.Builder
	b.WriteString("module sqlstreamapp\n\ngo 1.26\n\nrequire " + modulePath + " v0.0.0-00010101000000-000000000000\n\n")
	b.WriteString("replace " + modulePath + " => " + root + "\n")
	// The checkout's requirements, so the build resolves the same versions offline.
	if req := requireBlock(string(own)); req != "" {
		b.WriteString("\n" + req)
	}
	stamp, err = sourceStamp(filepath.Join(root, "runtime"))
	return []byte(b.String()), gosum, stamp, err
}

// requireBlock extracts the require directives of a go.mod.
func requireBlock(gomod string) string {
	var out strings.Builder
	in := false
	for _, line := range strings.Split(gomod, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case in:
			out.WriteString(line + "\n")
			if t == ")" {
				in = false
			}
		case strings.HasPrefix(t, "require ("):
			in = true
			out.WriteString(line + "\n")
		case strings.HasPrefix(t, "require "):
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

// sourceStamp hashes the names, sizes and modification times of the .go files under dir.
func sourceStamp(dir string) ([]byte, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return h.Sum(nil), err
}

// Root finds the sqlstream checkout to build against: $SQLSTREAM_ROOT, else the module this
// package's source file belongs to.
func Root() (string, error) {
	if r := os.Getenv("SQLSTREAM_ROOT"); r != "" {
		if isRoot(r) {
			return filepath.Abs(r)
		}
		return "", fmt.Errorf("SQLSTREAM_ROOT=%s is not a sqlstream checkout (no go.mod for %s)", r, modulePath)
	}
	_, file, _, ok := goruntime.Caller(0)
	if ok && filepath.IsAbs(file) {
		for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
			if isRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", errors.New("cannot find the sqlstream sources to build against; set SQLSTREAM_ROOT to a checkout")
}

func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module "+modulePath+"\n") ||
		err == nil && strings.Contains(string(b), "module "+modulePath+"\n")
}

func installedVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path != modulePath || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

// goBuild runs go build in dir; a failure is a compiler bug, reported as such.
func goBuild(ctx context.Context, dir, out string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return errors.New("the go command is not on PATH: sqlstream needs Go 1.26 or newer to build programs")
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(output.String()), "\n")
		if len(lines) > 20 {
			lines = append(lines[:20], "...")
		}
		return fmt.Errorf("internal compiler error: generated code does not compile (%v); the generated source is kept at %s; please report it\n%s",
			err, filepath.Join(dir, "main.go"), strings.Join(lines, "\n"))
	}
	return nil
}
