package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sqlstream/sqlstream/compiler/gobuild"
	"github.com/sqlstream/sqlstream/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sqlstream": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// goEnv returns the Go settings the programs that scripts build need (the script sandbox has
// no HOME, so go would not find its caches).
func goEnv(t *testing.T) map[string]string {
	env := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT", "GOFLAGS", "GOPROXY"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		env[k] = strings.TrimSpace(string(out))
	}
	return env
}

// TestScripts runs the CLI as a user would, from testdata/script/*.txtar. The golden
// package's -update flag rewrites the scripts' expected output.
func TestScripts(t *testing.T) {
	env := goEnv(t)
	cache := t.TempDir()
	root, err := gobuild.Root()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       golden.Update(),
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			for k, v := range env {
				e.Setenv(k, v)
			}
			e.Setenv("PATH", os.Getenv("PATH"))
			e.Setenv("SQLSTREAM_CACHE", cache)
			e.Setenv("SQLSTREAM_ROOT", root) // for scripts that make a module of their own
			return nil
		},
	})
}

const lineLengths = `CREATE SOURCE lines (value STRING)
WITH (connector = 'files', path = '/tmp/text', format = 'text');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out
SELECT length(value) AS len, count(*) AS count
FROM lines
GROUP BY len
OUTPUT MODE UPDATE;
`

// workdir writes line_lengths.sql and an input directory in a new directory.
func workdir(t *testing.T) (dir, sql, in string) {
	dir = t.TempDir()
	sql, in = filepath.Join(dir, "line_lengths.sql"), filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "a.txt"), []byte("abc\nde\n"), 0o644)
	if err := os.WriteFile(sql, []byte(lineLengths), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SQLSTREAM_CACHE", filepath.Join(dir, "cache"))
	return dir, sql, in
}

// TestRunWithOwnStreams runs the program as a child process, as run does for a caller that
// passes its own streams, and returns the program's exit status.
func TestRunWithOwnStreams(t *testing.T) {
	_, sql, in := workdir(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", sql, "--", "--trigger", "available-now", "--set", "lines.path=" + in}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "|  3|    1|") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"run", sql, "--", "--set", "lines.pth=x"}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `did you mean "path"`) {
		t.Fatalf("bad program flag: exit %d, want the program's 2\nstderr:\n%s", code, &stderr)
	}
}
