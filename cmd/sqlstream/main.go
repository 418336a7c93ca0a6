// Command sqlstream compiles streaming SQL into Go programs: check reports problems, explain
// prints plans, build writes a binary and run builds into a cache and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
	"github.com/sqlstream/sqlstream/runtime/checkpoint"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the SQL has errors, a file is missing, a build failed
	exitUsage = 2 // bad command line
)

// command is one verb of the CLI.
type command struct {
	name    string
	args    string // after the name in the usage line
	summary string
	help    string // what sqlstream help NAME adds below the usage line
}

var commands = []command{
	{"check", "FILE", "report every problem in FILE; silent when there is none", `
Check parses and type-checks FILE and applies the streaming rules (output modes, watermarks).
Every problem is reported as file:line:col with the source line, a caret and a hint. Warnings
are printed but do not fail the check. Exit status: 0 without errors, 1 with errors.

examples:
  sqlstream check examples/line_lengths.sql
  sqlstream check query.sql && echo fine
`},
	{"explain", "FILE", "print the logical and physical plan of each query", `
Explain compiles FILE and prints, for each INSERT INTO, its logical plan (Scan, Filter,
Project, Aggregate, Sink) and how the generated program executes it.

examples:
  sqlstream explain examples/line_lengths.sql
`},
	{"build", "FILE [-o BIN]", "compile FILE into a standalone executable", `
Build compiles FILE into the executable BIN: by default the base name of FILE without .sql,
in the current directory; when BIN is a directory the executable is written into it.
Building needs the go command (Go 1.26 or newer); it works offline once Go's module cache
holds sqlstream's dependencies.

flags:
  -o BIN   the executable to write

examples:
  sqlstream build examples/line_lengths.sql -o ll
  ./ll --trigger available-now --set lines.path=/data/text
`},
	{"run", "FILE [-- PROGRAM FLAGS...]", "build FILE into a cache and run it", `
Run compiles FILE, builds it into sqlstream's cache (rebuilt only when the query, sqlstream or
Go changed) and runs it with PROGRAM FLAGS. The program's input, output and exit status are
run's; SIGINT and SIGTERM stop it after the batch in progress.

Program flags: --trigger available-now|once|2s, --set endpoint.option=value, --timeout 1h,
--progress text|json|none, --checkpoint DIR, --http :4040 (metrics and a web UI);
"sqlstream run FILE -- -h" lists them.

examples:
  sqlstream run examples/quickstart.sql -- --timeout 5s
  sqlstream run examples/line_lengths.sql -- --trigger available-now --set lines.path=/data/text
`},
	{"gen", "FILE [-o OUT.go] [-pkg NAME]", "generate a Go package that embeds FILE's queries (for go generate)", `
Gen writes one Go file into your package: per query an exported row type (nullable columns
as sql.Null[T]), and a program type named after FILE with New...(opts...) and Run(ctx).
A sink with connector = 'go' becomes a typed callback passed to New..., per batch (Spark's
foreachBatch) or per row; a memory sink gets a ...Table() method. The file compiles against
sqlstream's runtime package only.

flags:
  -o OUT.go   the file to write (default: FILE's base name with _gen.go, in the current directory)
  -pkg NAME   the package clause (default: $GOPACKAGE as set by go generate, else the package of
              the other .go files in OUT's directory, else the directory's name)

examples:
  //go:generate sqlstream gen -o lengths_gen.go line_lengths.sql
  sqlstream gen -pkg lengths -o internal/lengths/gen.go line_lengths.sql
`},
	{"checkpoint", "DIR", "print what a checkpoint holds: last batch, offsets, state, watermark", `
Checkpoint reads the checkpoint directory DIR without changing it and prints, per query, the
last committed batch with its source offsets, the state size and watermark after it, and a
batch that was planned but not committed (a restart replays it). DIR is what --checkpoint
was given (one sub-directory per query) or one query's checkpoint.

examples:
  sqlstream checkpoint /var/lib/myquery/checkpoint
`},
	{"version", "", "print sqlstream's version", `
examples:
  sqlstream version
`},
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func (c *command) usageLine() string {
	return strings.TrimSpace("usage: sqlstream " + c.name + " " + c.args)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "sqlstream compiles streaming SQL (Spark Structured Streaming's model) into Go programs.\n\n")
	fmt.Fprint(w, "usage: sqlstream <command> [arguments]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-32s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprint(w, `
examples:
  sqlstream check examples/line_lengths.sql
  sqlstream build examples/line_lengths.sql -o ll && ./ll --trigger available-now --set lines.path=/data/text
  sqlstream run examples/quickstart.sql -- --timeout 5s

Run "sqlstream help <command>" for more about a command.
`)
}

// run is the whole CLI; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			usage(stdout)
			return exitOK
		}
		c := lookup(rest[0])
		if c == nil || len(rest) > 1 {
			fmt.Fprintf(stderr, "sqlstream help: unknown command %q\nRun \"sqlstream help\" for the list.\n", strings.Join(rest, " "))
			return exitUsage
		}
		fmt.Fprint(stdout, c.usageLine()+"\n"+c.help)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "sqlstream: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	return c.run(rest, stdin, stdout, stderr)
}

// run parses the command's arguments and carries it out.
func (c *command) run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sqlstream "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, help goes to stdout
	fs.Usage = func() {}
	var out, pkg *string
	switch c.name {
	case "build", "gen":
		out = fs.String("o", "", "")
	}
	if c.name == "gen" {
		pkg = fs.String("pkg", "", "")
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sqlstream %s: %s\n%s\nRun \"sqlstream help %s\" for details.\n", c.name, fmt.Sprintf(format, a...), c.usageLine(), c.name)
		return exitUsage
	}
	// Everything after "--" belongs to the program (run); flags may come before or after FILE.
	var progArgs []string
	dashdash := false
	for i, a := range args {
		if a == "--" {
			args, progArgs, dashdash = args[:i], args[i+1:], true
			break
		}
	}
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, c.usageLine()+"\n"+c.help)
				return exitOK
			}
			if c.name == "run" {
				return bad("%v (the program's flags go after --: sqlstream run FILE -- --trigger once)", err)
			}
			return bad("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		operands = append(operands, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if c.name == "version" {
		if len(operands) > 0 || dashdash {
			return bad("unexpected arguments")
		}
		fmt.Fprintln(stdout, "sqlstream", version())
		return exitOK
	}
	if c.name == "checkpoint" {
		if len(operands) != 1 || dashdash {
			return bad("expected one checkpoint directory")
		}
		infos, err := checkpoint.Inspect(operands[0])
		if err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return exitFail
		}
		for _, info := range infos {
			info.Write(stdout)
		}
		return exitOK
	}
	switch {
	case len(operands) != 1:
		return bad("expected one SQL file, got %d", len(operands))
	case dashdash && c.name != "run":
		return bad("only run takes program flags after --")
	}
	path := operands[0]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "sqlstream: %v\n", err)
		return exitFail
	}
	var opts compiler.Options
	if c.name == "gen" {
		if *out == "" {
			*out = strings.TrimSuffix(filepath.Base(path), ".sql") + "_gen.go"
		}
		opts.Package = packageName(*pkg, *out)
	}
	res, diags := compiler.CompileWith(path, src, opts)
	diag.Render(stderr, diags, src) // warnings too, for every command
	if diags.HasErrors() {
		return exitFail
	}
	// Until the program runs, SIGINT and SIGTERM cancel compiling and building.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch c.name {
	case "explain":
		fmt.Fprint(stdout, res.Explain)
	case "gen":
		if err := os.WriteFile(*out, res.Go, 0o644); err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return exitFail
		}
	case "build":
		bin := *out
		if bin == "" {
			bin = programName(path)
		} else if fi, err := os.Stat(bin); err == nil && fi.IsDir() {
			bin = filepath.Join(bin, programName(path))
		}
		if err := gobuild.Build(ctx, res.Go, bin, gobuild.Options{Modules: res.Plan.Modules}); err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return exitFail
		}
	case "run":
		bin, err := gobuild.Cached(ctx, res.Go, gobuild.Options{Modules: res.Plan.Modules})
		if err != nil {
			fmt.Fprintf(stderr, "sqlstream: %v\n", err)
			return exitFail
		}
		stop()
		return execute(bin, programName(path), progArgs, stdin, stdout, stderr)
	}
	return exitOK
}

// packageName is the package clause for a file generated at out: the -pkg flag, $GOPACKAGE
// (go generate sets it), the package of the Go files already beside out, or the directory's
// name.
func packageName(flagValue, out string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("GOPACKAGE"); p != "" {
		return p
	}
	dir := filepath.Dir(out)
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if f == out || strings.HasSuffix(f, "_test.go") {
			continue
		}
		if pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly); err == nil {
			return pf.Name.Name
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "main"
	}
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, strings.ToLower(filepath.Base(abs)))
	if name == "" || !token.IsIdentifier(name) {
		return "main"
	}
	return name
}

// programName is the default executable name for the SQL file path.
func programName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), ".sql")
	if goruntime.GOOS == "windows" {
		name += ".exe"
	}
	return name
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
