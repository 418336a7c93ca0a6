package compiler_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/internal/randsql"
)

// FuzzCompile feeds arbitrary text through the whole compiler: it must never panic, and a
// query it accepts must come out as Go that type-checks against the runtime packages (what
// go build would compile; golden/compile_test.go builds and vets a sample on every run).
func FuzzCompile(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*.sql")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("CREATE SOURCE s (a INT, b STRING) WITH (connector = 'files', path = '/x', format = 'csv');\n" +
		"CREATE SINK o WITH (connector = 'console');\n" +
		"INSERT INTO o SELECT b, sum(a), count(DISTINCT a) FROM s WHERE a BETWEEN 1 AND 9 AND b LIKE 'x%' GROUP BY b HAVING sum(a) > 2 ORDER BY 2 DESC LIMIT 3;")
	// Every function of the registry, with NULLs and with extreme constants for arguments.
	for _, name := range funcs.Names() {
		lo, _, agg, _ := funcs.Arity(name)
		for _, arg := range []string{"NULL", "-9223372036854775807", "'('"} {
			args := strings.TrimSuffix(strings.Repeat(arg+", ", lo), ", ")
			q := fmt.Sprintf("INSERT INTO o SELECT %s(%s) AS x FROM t;", name, args)
			if agg {
				q = fmt.Sprintf("INSERT INTO o SELECT s, %s(%s) AS x FROM t GROUP BY s OUTPUT MODE UPDATE;", name, args)
			}
			f.Add(randsql.Schema + "CREATE SINK o WITH (connector = 'console');\n" + q)
		}
	}
	warmUp(f)
	f.Fuzz(func(t *testing.T, src string) { compileAndCheck(t, src) })
}

// warmUp type-checks the runtime packages and the connectors' libraries (by way of the
// examples, which use them all) before the first input: in a fuzzing worker under coverage
// instrumentation that takes many seconds, and an input that takes over ten is taken for a
// hung worker.
func warmUp(f *testing.F) {
	files, _ := filepath.Glob("../examples/*.sql")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if res, errs := compiler.Compile(file, src); !errs.HasErrors() {
			typeCheck(res.Go) // TestExamplesCompile reports errors
		}
	}
}

// FuzzGenerated turns the fuzzer's bytes into the choices of a random query
// (internal/randsql) instead of its characters, so that coverage guidance explores what the
// grammar can say: NULL, extreme constants, every operator and function in every clause.
func FuzzGenerated(f *testing.F) {
	for i := range 32 {
		f.Add([]byte(fmt.Sprintf("seed %d: %x", i, i*0x9e3779b9)))
	}
	warmUp(f)
	f.Fuzz(func(t *testing.T, b []byte) { compileAndCheck(t, randsql.FromBytes(b).File(4)) })
}

// TestRandomQueries compiles a few thousand random queries on every run: each is rejected
// with positioned diagnostics, or its Go type-checks. golden/random_test.go also builds and
// runs a sample.
func TestRandomQueries(t *testing.T) {
	accepted := 0
	const n = 2000
	for seed := range uint64(n) {
		if compileAndCheck(t, randsql.FromSeed(seed).File(4)) {
			accepted++
		}
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
	// The generator is useful only while it writes queries the checker accepts.
	if accepted < n/4 {
		t.Errorf("only %d of %d random queries were accepted", accepted, n)
	}
}

// compileAndCheck compiles src: a query with errors must have positioned diagnostics and no
// Go; a query without must produce Go that type-checks. It reports whether src was accepted.
func compileAndCheck(t *testing.T, src string) bool {
	t.Helper()
	res, errs := compiler.Compile("fuzz.sql", []byte(src))
	if errs.HasErrors() {
		if res.Go != nil {
			t.Fatalf("errors reported but Go generated")
		}
		for _, d := range errs {
			if d.Pos.Line < 1 || strings.TrimSpace(d.Msg) == "" {
				t.Fatalf("diagnostic without position or message: %+v\n%s", d, src)
			}
		}
		return false
	}
	if len(res.Go) == 0 {
		t.Fatalf("no errors and no Go generated")
	}
	if err := typeCheck(res.Go); err != nil {
		t.Fatalf("the generated Go does not compile: %v\n%s\n%s", err, src, res.Go)
	}
	return true
}

// The source importer type-checks the runtime packages once, but asks the go command where
// a package is on every import; importCache answers repeated imports itself, so after the
// first input a check costs only the generated file.
var (
	checkMu   sync.Mutex
	checkFset = token.NewFileSet()
	checkImp  = importCache{importer.ForCompiler(checkFset, "source", nil).(types.ImporterFrom), map[string]*types.Package{}}
)

type importCache struct {
	types.ImporterFrom
	pkgs map[string]*types.Package
}

func (c importCache) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if p := c.pkgs[path]; p != nil {
		return p, nil
	}
	p, err := c.ImporterFrom.ImportFrom(path, dir, mode)
	if err == nil {
		c.pkgs[path] = p
	}
	return p, err
}

// typeCheck type-checks one generated file as package main (or the embedded package).
func typeCheck(src []byte) error {
	checkMu.Lock()
	defer checkMu.Unlock()
	f, err := parser.ParseFile(checkFset, "gen.go", src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	conf := types.Config{Importer: checkImp}
	_, err = conf.Check(f.Name.Name, checkFset, []*ast.File{f}, nil)
	return err
}

// TestExamplesCompile keeps every example in examples/ free of errors and its Go compilable.
func TestExamplesCompile(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.sql")
	if len(files) < 4 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, errs := compiler.Compile(filepath.Base(f), src)
		if errs.HasErrors() {
			t.Errorf("%s: %v", f, errs.Err())
			continue
		}
		if err := typeCheck(res.Go); err != nil {
			t.Errorf("%s: the generated Go does not compile: %v", f, err)
		}
	}
}

// TestByteOrderMarkDiagnostics checks that a file saved with a byte order mark compiles and
// that a caret on its first line still points at the right column.
func TestByteOrderMarkDiagnostics(t *testing.T) {
	src := "\uFEFFCREATE SINK o WITH (connector = 'console');\nINSERT INTO o SELECT 1 AS x FROM nowhere;\n"
	_, errs := compiler.Compile("bom.sql", []byte(src))
	var b strings.Builder
	diag.Render(&b, errs, []byte(src))
	if want := "bom.sql:2:34: error: unknown source \"nowhere\""; !strings.Contains(b.String(), want) {
		t.Errorf("got\n%s\nwant %s", b.String(), want)
	}
	src = "\uFEFFCREATE SINK WITH (connector = 'console');\n"
	_, errs = compiler.Compile("bom.sql", []byte(src))
	b.Reset()
	diag.Render(&b, errs, []byte(src))
	want := "bom.sql:1:13: error: unexpected \"WITH\": expected a sink name\n" +
		"   1 | CREATE SINK WITH (connector = 'console');\n" +
		"     |             ^\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestDatabaseTablesImportTheirDriverOnly: a program with an SQLite table links
// modernc.org/sqlite's connector and not pgx's, and one with a PostgreSQL lookup table the
// other way round (compile time is a feature).
func TestDatabaseTablesImportTheirDriverOnly(t *testing.T) {
	const pkg = "github.com/sqlstream/sqlstream/runtime/connector/"
	for conn, opts := range map[string]string{"sqlite": "path = '/tmp/u.db'", "postgres": "dsn = 'env:DB', lookup = true"} {
		src := fmt.Sprintf(`CREATE SOURCE e (user STRING) WITH (connector = 'files', path = '/tmp/e', format = 'json');
CREATE TABLE u (id STRING, name STRING) WITH (connector = '%s', %s);
CREATE SINK o WITH (connector = 'console');
INSERT INTO o SELECT e.user, u.name FROM e LEFT JOIN u ON u.id = e.user;`, conn, opts)
		res, errs := compiler.Compile("q.sql", []byte(src))
		if errs.HasErrors() {
			t.Fatal(errs.Err())
		}
		f, err := parser.ParseFile(token.NewFileSet(), "main.go", res.Go, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		var imports []string
		for _, im := range f.Imports {
			if p := strings.Trim(im.Path.Value, `"`); strings.HasPrefix(p, pkg) {
				imports = append(imports, strings.TrimPrefix(p, pkg))
			}
		}
		other := map[string]string{"sqlite": "postgres", "postgres": "sqlite"}[conn]
		if !slices.Contains(imports, conn) || slices.Contains(imports, other) {
			t.Errorf("a program with a %s table imports the connectors %v", conn, imports)
		}
		if err := typeCheck(res.Go); err != nil {
			t.Errorf("%s: the generated Go does not compile: %v", conn, err)
		}
	}
}
