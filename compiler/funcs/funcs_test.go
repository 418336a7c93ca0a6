package funcs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler/sqltype"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

// TestScalarsAreConsistent checks what the stages rely on: Params agree with the arity, the
// letters are known, and an entry is typed one way only.
func TestScalarsAreConsistent(t *testing.T) {
	for _, s := range Scalars() {
		switch {
		case s.Params != "" && s.OwnRule:
			t.Errorf("%s has both Params and its own rule", s.Name)
		case s.Params != "" && (s.Min != len(s.Params) || s.Max != len(s.Params)):
			t.Errorf("%s takes %d to %d arguments but has %d Params", s.Name, s.Min, s.Max, len(s.Params))
		case s.Rewritten && (!s.OwnRule || s.Go != ""):
			t.Errorf("%s is rewritten by the checker: it needs its own rule and no Go", s.Name)
		case s.Internal && len(s.Aliases) > 0:
			t.Errorf("internal %s has SQL aliases", s.Name)
		case !s.OwnRule && !s.Internal && s.Result == sqltype.Null:
			t.Errorf("%s is typed by Params but has no Result", s.Name)
		case s.Regexp && s.Min < 2:
			t.Errorf("%s takes its pattern second but may have fewer arguments", s.Name)
		}
		for _, k := range s.Params {
			if !strings.ContainsRune("sidnLtD", k) {
				t.Errorf("%s has the unknown parameter kind %q", s.Name, k)
			}
		}
	}
	for _, name := range Names() {
		if _, _, _, ok := Arity(name); !ok {
			t.Errorf("Arity does not know %s", name)
		}
	}
	if _, ok := Lookup("format_number_int"); ok {
		t.Errorf("an internal function has a SQL name")
	}
	if s := Call("format_number_int"); s == nil || !s.MayFail {
		t.Errorf("Call does not find the internal format_number_int: %+v", s)
	}
}

// TestGoFunctionsExist parses runtime/sqlfn: every function the registry names exists, takes
// one parameter per argument and, when the function may fail, returns a second result.
func TestGoFunctionsExist(t *testing.T) {
	dir := filepath.Join("..", "..", "runtime", "sqlfn")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	type sig struct{ params, results int }
	sigs := map[string]sig{}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				sigs[fd.Name.Name] = sig{fieldCount(fd.Type.Params), fieldCount(fd.Type.Results)}
			}
		}
	}
	for _, s := range Scalars() {
		if s.Go == "" || strings.Contains(s.Go, ".") {
			continue
		}
		got, ok := sigs[s.Go]
		switch {
		case !ok:
			t.Errorf("%s calls sqlfn.%s, which does not exist", s.Name, s.Go)
		case !s.Internal && s.Max >= 0 && got.params != s.Max:
			t.Errorf("%s takes up to %d arguments, but sqlfn.%s has %d parameters", s.Name, s.Max, s.Go, got.params)
		case s.MayFail != (got.results == 2):
			t.Errorf("%s: MayFail is %v, but sqlfn.%s returns %d results", s.Name, s.MayFail, s.Go, got.results)
		}
	}
}

func fieldCount(fl *ast.FieldList) int {
	if fl == nil {
		return 0
	}
	n := 0
	for _, f := range fl.List {
		n += max(len(f.Names), 1)
	}
	return n
}

func TestAggregatesAreConsistent(t *testing.T) {
	for _, a := range Aggregates() {
		switch {
		case len(a.Names) == 0 || a.Func == "" || a.Type == nil:
			t.Errorf("aggregate %v lacks a name, a Func or a Type", a.Names)
		case a.Star != (a.StarFunc != ""):
			t.Errorf("%s: Star and StarFunc disagree", a.Names[0])
		case a.IgnoreNulls && a.Distinct != "":
			t.Errorf("%s takes an ignoreNulls flag, which DISTINCT does not", a.Names[0])
		}
	}
	if min, max, agg, _ := Arity("first_value"); min != 1 || max != 2 || !agg {
		t.Errorf("Arity(first_value) = %d, %d, %v; want 1, 2, true", min, max, agg)
	}
	if Builtin("no_such_function") || !Builtin("mean") || !Builtin("lcase") {
		t.Errorf("Builtin is wrong about a name")
	}
}
