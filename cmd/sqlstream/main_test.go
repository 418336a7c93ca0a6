package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sqlstream/sqlstream/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sqlstream": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI as a user would, from testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT", "GOFLAGS", "GOPROXY"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	cache := t.TempDir()
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: golden.Update(),
		Setup: func(env *testscript.Env) error {
			// go build inside the scripts needs the real Go caches (the sandbox has no HOME).
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("PATH", os.Getenv("PATH"))
			env.Setenv("SQLSTREAM_CACHE", cache)
			return nil
		},
	})
}
