// Command sqlstream compiles streaming SQL into Go programs: check, explain, build and run.
//
// Usage: sqlstream <check|explain|build|run|version> FILE [flags]; see sqlstream help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `sqlstream compiles streaming SQL (Spark Structured Streaming's model) into Go programs.

usage:
  sqlstream check FILE               report every problem in FILE
  sqlstream explain FILE             print the logical and physical plan of each query
  sqlstream build FILE [-o BIN]      compile FILE into the executable BIN (default: FILE without .sql)
  sqlstream run FILE [-- FLAGS...]   build into a cache and run; FLAGS go to the program
  sqlstream version                  print the version

examples:
  sqlstream check examples/line_lengths.sql
  sqlstream build examples/line_lengths.sql -o ll && ./ll --trigger available-now --set lines.path=/data
  sqlstream run examples/quickstart.sql -- --timeout 5s

program flags (of every built program): --trigger available-now|once|2s, --set endpoint.option=value,
--timeout 1h, --progress text|json|none; run a program with -h for details.
`

// run is the whole CLI; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "sqlstream", version())
		return 0
	case "check", "explain", "build", "run":
	default:
		fmt.Fprintf(stderr, "sqlstream: unknown command %q\n\n%s", verb, usage)
		return 2
	}
	fs := flag.NewFlagSet("sqlstream "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output executable (build)")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	// Flags may come before or after FILE; for run, everything after "--" is the program's.
	var progArgs []string
	for i, a := range rest {
		if a == "--" {
			rest, progArgs = rest[:i], rest[i+1:]
			break
		}
	}
	var files []string
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "sqlstream %s: expected one SQL file, got %d\n", verb, len(files))
		return 2
	}
	if verb != "build" && *out != "" {
		fmt.Fprintf(stderr, "sqlstream %s: -o is for build\n", verb)
		return 2
	}
	if verb != "run" && len(progArgs) > 0 {
		fmt.Fprintf(stderr, "sqlstream %s: program flags after -- are for run\n", verb)
		return 2
	}
	path := files[0]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "sqlstream: %v\n", err)
		return 1
	}
	res, errs := compiler.Compile(path, src)
	diag.Render(stderr, errs, src)
	if errs.HasErrors() {
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch verb {
	case "explain":
		fmt.Fprint(stdout, res.Explain)
	case "build":
		bin := *out
		if bin == "" {
			bin = strings.TrimSuffix(filepath.Base(path), ".sql")
		}
		if err := gobuild.Build(ctx, res.Go, bin, gobuild.Options{}); err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return 1
		}
	case "run":
		stop() // the program handles SIGINT/SIGTERM itself: it gets them from the terminal's process group
		bin, err := gobuild.Cached(context.Background(), res.Go, gobuild.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return 1
		}
		return execute(bin, progArgs, stdin, stdout, stderr)
	}
	return 0
}

// execute runs the built program, passing on signals, and returns its exit code.
func execute(bin string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "sqlstream: %v\n", err)
		return 1
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				// A terminal's Ctrl-C reaches the whole process group, the program included;
				// only pass on what was sent to sqlstream alone.
				if s != os.Interrupt {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	fmt.Fprintf(stderr, "sqlstream: %v\n", err)
	return 1
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
