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
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/atomicfile"
)

const modulePath = "github.com/sqlstream/sqlstream"

// linkedDirs are the directories of the sqlstream module that generated programs import;
// their sources are part of a build's cache key when building against a checkout.
var linkedDirs = []string{"runtime"}

// buildEnv is added to the environment of every go command gobuild runs: the build module
// is resolved on its own (-mod=mod, no workspace), and it is not a VCS checkout.
var buildEnv = []string{"GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off"}

// Options tune a build. The zero value is ready to use.
type Options struct {
	// Dir overrides where builds happen: build directories (and the binaries Cached keeps)
	// go to Dir/build/<hash>. Default: $SQLSTREAM_CACHE, else sqlstream under
	// os.UserCacheDir ($XDG_CACHE_HOME or ~/.cache on Linux).
	Dir string
	// Modules are the Go modules (path → directory) of functions the program calls
	// (CREATE FUNCTION); the build replaces them with those directories, and their sources
	// are part of the cache key.
	Modules map[string]string
}

func (o Options) cacheDir() (string, error) {
	if o.Dir != "" {
		return filepath.Abs(o.Dir)
	}
	if d := os.Getenv("SQLSTREAM_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for builds (set SQLSTREAM_CACHE): %w", err)
	}
	return filepath.Join(d, "sqlstream"), nil
}

// Build compiles src, a generated program (package main), into the executable out; out is
// relative to the current directory.
//
// The build module reaches the sqlstream packages the program links (runtime/...) in one
// of two ways:
//
//   - From a checkout: $SQLSTREAM_ROOT if set, else the module holding this package's source
//     file (runtime.Caller), which is how `go run ./cmd/sqlstream`, `go build` and `go test`
//     work. The build module gets `replace github.com/sqlstream/sqlstream => <checkout>`, the
//     checkout's go line, require, exclude and replace directives and its go.sum, so no
//     network is needed once the module cache is warm.
//   - From a release: when sqlstream was installed with `go install ...@vX` and its sources
//     are not a checkout, the build module requires exactly vX (debug.ReadBuildInfo). The
//     first build may need the module proxy and checksum database; later ones are offline.
//
// Builds happen in <cache>/build/<key> (see [Options.Dir]), where key hashes src, the build
// module's go.mod and go.sum, the contents of the checkout's runtime/ sources and the
// toolchain (go env GOVERSION GOOS GOARCH ...). The directory stays the same between builds of an unchanged program, so
// Go's build cache makes rebuilds fast. Directories unused for a few days are removed now
// and then. A go build failure in the generated source is reported as an internal compiler
// error that names the kept source file.
func Build(ctx context.Context, src []byte, out string, opts Options) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write the program to %s: it is a directory", out)
	}
	dir, err := prepare(ctx, src, opts)
	if err != nil {
		return err
	}
	return goBuild(ctx, dir, abs)
}

// Cached returns the path of an executable built from src as by [Build], building it only
// when src, the sqlstream sources it links or the Go toolchain changed since it was last
// built: the binary is kept in the build directory. The path is stable for the same inputs;
// callers must not modify or remove the file.
func Cached(ctx context.Context, src []byte, opts Options) (string, error) {
	dir, err := prepare(ctx, src, opts)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "program"+exeSuffix())
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	// Build into a private directory and rename, so a concurrent run never sees half a binary.
	tmp, err := os.MkdirTemp(dir, ".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := goBuild(ctx, dir, filepath.Join(tmp, "program"+exeSuffix())); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "program"+exeSuffix()), bin); err != nil {
		return "", err
	}
	return bin, nil
}

func exeSuffix() string {
	if goruntime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// prepare returns the build directory for src, creating it when it does not exist yet. Its
// name hashes everything the binary depends on, so its contents never change once written
// (the go command may tidy go.mod and go.sum in place; that is fine).
func prepare(ctx context.Context, src []byte, opts Options) (string, error) {
	gobin, err := goCommand()
	if err != nil {
		return "", err
	}
	cache, err := opts.cacheDir()
	if err != nil {
		return "", err
	}
	s, err := locate()
	if err != nil {
		return "", err
	}
	mod, err := s.module(opts.Modules)
	if err != nil {
		return "", err
	}
	toolchain, err := goEnv(ctx, gobin, s.dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, part := range [][]byte{src, mod.gomod, mod.gosum, mod.stamp, toolchain} {
		fmt.Fprintf(h, "%d\n", len(part))
		h.Write(part)
	}
	builds := filepath.Join(cache, "build")
	dir := filepath.Join(builds, hex.EncodeToString(h.Sum(nil))[:32])
	main := filepath.Join(dir, "main.go")
	if _, err := os.Stat(main); err == nil {
		now := time.Now()
		os.Chtimes(dir, now, now) // mark as used, for trimming
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create build directory: %w", err)
	}
	// main.go last: its presence says the directory is complete.
	for _, f := range []struct {
		name string
		data []byte
	}{{"go.mod", mod.gomod}, {"go.sum", mod.gosum}, {"main.go", src}} {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data); err != nil {
			return "", err
		}
	}
	trim(builds, dir)
	return dir, nil
}

// trimAge is how long a build directory may stay unused before trim removes it.
const trimAge = 5 * 24 * time.Hour

// trim removes the build directories not used for trimAge, at most once a day.
func trim(builds, keep string) {
	stamp := filepath.Join(builds, ".trimmed")
	if fi, err := os.Stat(stamp); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	os.WriteFile(stamp, nil, 0o644)
	entries, _ := os.ReadDir(builds)
	for _, e := range entries {
		p := filepath.Join(builds, e.Name())
		if !e.IsDir() || p == keep {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > trimAge {
			os.RemoveAll(p)
		}
	}
}

// source is where the build module gets sqlstream from: a checkout to replace it with
// (version == ""), or a released version (dir, when known, is its module cache copy).
type source struct {
	dir     string
	version string
}

// WriteModule writes into dir the go.mod and go.sum of a module whose packages are
// generated programs, resolving sqlstream as [Build] does; tests use it to build many
// programs with one go build.
func WriteModule(dir string) error {
	src, err := locate()
	if err != nil {
		return err
	}
	m, err := src.module(nil)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), m.gomod, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), m.gosum, 0o644)
}

// locate finds the sqlstream sources to build against; see [Build].
func locate() (source, error) {
	if r := os.Getenv("SQLSTREAM_ROOT"); r != "" {
		abs, err := filepath.Abs(r)
		if err != nil {
			return source{}, err
		}
		if !isRoot(abs) {
			return source{}, fmt.Errorf("SQLSTREAM_ROOT=%s is not a sqlstream checkout: it has no go.mod for module %s", r, modulePath)
		}
		return source{dir: abs}, nil
	}
	dir := callerRoot()
	if dir != "" && !inModuleCache(dir) {
		return source{dir: dir}, nil
	}
	if v := installedVersion(); v != "" {
		return source{dir: dir, version: v}, nil
	}
	if dir != "" {
		return source{dir: dir}, nil
	}
	return source{}, errors.New("cannot find the sqlstream sources to build programs against " +
		"(this sqlstream binary has neither a release version nor its source path); " +
		"set SQLSTREAM_ROOT to a checkout of " + modulePath)
}

// Root returns the sqlstream checkout that programs are built against: $SQLSTREAM_ROOT if
// set, else the module that holds this package's source file.
func Root() (string, error) {
	s, err := locate()
	if err != nil {
		return "", err
	}
	if s.dir == "" {
		return "", fmt.Errorf("sqlstream %s was installed without its sources; set SQLSTREAM_ROOT to a checkout", s.version)
	}
	return s.dir, nil
}

// callerRoot returns the root of the module this source file belongs to, or "" when the
// binary does not know the file's path (-trimpath) or the file is gone.
func callerRoot() string {
	_, file, _, ok := goruntime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if isRoot(dir) {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// inModuleCache reports whether dir is a module cache copy (named module@version) rather
// than a checkout.
func inModuleCache(dir string) bool {
	return strings.Contains(filepath.Base(dir), "@")
}

func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && moduleLine(b) == modulePath
}

// installedVersion returns sqlstream's version when it was built from a released module
// (go install ...@vX): not "(devel)", and not a local VCS stamp with uncommitted changes.
func installedVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path != modulePath {
		return ""
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" || strings.Contains(v, "+dirty") {
		return ""
	}
	return v
}

// buildModule is the content of the build directory besides main.go, and a stamp of the
// sqlstream sources it links when they come from a checkout that can change.
type buildModule struct {
	gomod, gosum, stamp []byte
}

func (s source) module(extra map[string]string) (buildModule, error) {
	var own, sum []byte
	if s.dir != "" {
		var err error
		if own, err = os.ReadFile(filepath.Join(s.dir, "go.mod")); err != nil {
			return buildModule{}, err
		}
		if sum, err = os.ReadFile(filepath.Join(s.dir, "go.sum")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return buildModule{}, err
		}
	}
	goLine := goDirective(own)
	if goLine == "" {
		goLine = "1.26"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Generated by sqlstream: builds one program.\n\nmodule sqlstreamapp\n\ngo %s\n\n", goLine)
	if s.version != "" {
		fmt.Fprintf(&b, "require %s %s\n", modulePath, s.version)
	} else {
		fmt.Fprintf(&b, "require %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", modulePath, modulePath, s.dir)
	}
	// sqlstream's own requirements (and replacements, which only a main module's go.mod
	// applies), so the program links the versions sqlstream was tested with and the go.sum
	// copied below covers them.
	if d := directives(own, s.dir); d != "" {
		b.WriteString("\n" + d)
	}
	// The modules of Go functions the queries call, from their directories.
	paths := make([]string, 0, len(extra))
	for p := range extra {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", p, p, extra[p])
		if more, err := os.ReadFile(filepath.Join(extra[p], "go.sum")); err == nil {
			sum = append(append(sum, '\n'), more...)
		}
	}
	m := buildModule{gomod: []byte(b.String()), gosum: sum}
	if s.version == "" {
		stamp, err := sourceStamp(s.dir, linkedDirs)
		if err != nil {
			return buildModule{}, err
		}
		m.stamp = stamp
	}
	for _, p := range paths {
		stamp, err := sourceStamp(extra[p], []string{"."})
		if err != nil {
			return buildModule{}, err
		}
		m.stamp = append(m.stamp, stamp...)
	}
	return m, nil
}

// sourceStamp hashes the paths and contents of the non-test files under each of dirs (relative
// to root), skipping testdata and hidden directories.
func sourceStamp(root string, dirs []string) ([]byte, error) {
	h := sha256.New()
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := e.Name()
			if e.IsDir() {
				if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, "_test.go") || !e.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
			h.Write(data)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read sqlstream sources: %w", err)
		}
	}
	return h.Sum(nil), nil
}

// goDirective returns the version of a go.mod's go directive.
func goDirective(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := fields(line); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// moduleLine returns the module path a go.mod declares.
func moduleLine(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := fields(line); len(f) == 2 && f[0] == "module" {
			if p, err := strconv.Unquote(f[1]); err == nil {
				return p
			}
			return f[1]
		}
	}
	return ""
}

// fields splits a go.mod line into fields, dropping a // comment.
func fields(line string) []string {
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return strings.Fields(line)
}

// directives returns the require, exclude and replace directives of a go.mod, in block or
// single-line form, with the relative paths of local replacements made absolute (they are
// relative to root, the directory of that go.mod).
func directives(gomod []byte, root string) string {
	var out strings.Builder
	block := ""
	for _, line := range strings.Split(string(gomod), "\n") {
		f := fields(line)
		switch {
		case block != "":
			if len(f) == 1 && f[0] == ")" {
				block = ""
				out.WriteString(")\n")
			} else if len(f) > 0 {
				out.WriteString("\t" + entry(block, f, root) + "\n")
			}
		case len(f) >= 2 && (f[0] == "require" || f[0] == "exclude" || f[0] == "replace"):
			if f[1] == "(" {
				block = f[0]
				out.WriteString(f[0] + " (\n")
			} else {
				out.WriteString(f[0] + " " + entry(f[0], f[1:], root) + "\n")
			}
		}
	}
	return out.String()
}

// entry returns one directive's fields as a line, making a local replacement's relative
// path absolute.
func entry(verb string, f []string, root string) string {
	if i := slices.Index(f, "=>"); verb == "replace" && i >= 0 && len(f) == i+2 {
		if t := f[i+1]; strings.HasPrefix(t, "./") || strings.HasPrefix(t, "../") {
			f = append(slices.Clone(f[:i+1]), filepath.Join(root, t))
		}
	}
	return strings.Join(f, " ")
}

// goCommand finds the go command.
func goCommand() (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("the go command is not on PATH: sqlstream builds programs with Go 1.26 or newer (https://go.dev/dl)")
	}
	return gobin, nil
}

// goEnv describes the toolchain and target that go build uses in dir.
func goEnv(ctx context.Context, gobin, dir string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, gobin, "env", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64")
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = os.TempDir()
	}
	cmd.Env = append(os.Environ(), buildEnv...)
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("go env failed: %s", firstLines(exit.Stderr, 5))
		}
		return nil, fmt.Errorf("go env failed: %w", err)
	}
	return out, nil
}

// goBuild runs go build in dir. Errors in the generated source are a compiler bug and are
// reported as such; other failures (a missing module, no network) are reported as they are.
func goBuild(ctx context.Context, dir, out string) error {
	gobin, err := goCommand()
	if err != nil {
		return err
	}
	// -w leaves out the DWARF tables: linking them is a third of a warm rebuild, and stack
	// traces, panics and pprof do not need them (only a source-level debugger would).
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-ldflags=-w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), buildEnv...)
	output, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("build interrupted: %w", ctx.Err())
	}
	if generatedCodeError(output) {
		return fmt.Errorf("internal compiler error: generated code does not compile; the generated source is kept at %s; please report it\n%s",
			filepath.Join(dir, "main.go"), firstLines(output, 20))
	}
	return fmt.Errorf("go build failed in %s (%v):\n%s", dir, err, firstLines(output, 20))
}

// generatedCodeError reports whether go build's output blames main.go itself rather than
// module resolution or the environment.
func generatedCodeError(output []byte) bool {
	for _, env := range []string{"go.sum", "go.mod", "GOPROXY", "GOFLAGS", "module lookup disabled", "dial tcp", "verifying module", "toolchain"} {
		if bytes.Contains(output, []byte(env)) {
			return false
		}
	}
	for _, line := range strings.Split(string(output), "\n") {
		if strings.HasPrefix(line, "./main.go:") || strings.HasPrefix(line, "main.go:") {
			return true
		}
	}
	return false
}

// firstLines returns up to n lines of out, skipping go build's "# package" headers.
func firstLines(out []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(l, "# ") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}
