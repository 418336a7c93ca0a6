// Package compiler is the driver that strings the stages together:
// grammar.Parse → check.Check → codegen.Generate, returning every intermediate form.
package compiler

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sqlstream/sqlstream/compiler/check"
	"github.com/sqlstream/sqlstream/compiler/codegen"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/udf"
	"github.com/sqlstream/sqlstream/grammar"
)

// Result holds what one compilation produced. Go is the generated program (package main),
// gofmt-clean. Diags holds warnings even when compilation succeeded.
type Result struct {
	Filename string
	Source   []byte
	File     *grammar.File
	Plan     *plan.Program
	Go       []byte
	Explain  string // logical and physical plan as indented trees
	Diags    diag.List
}

// Options choose what Compile produces.
type Options struct {
	// Package generates a Go package of this name (sqlstream gen) instead of a main program.
	Package string
	// Dir is where Go functions' packages are loaded from (the Go module around it);
	// default: the SQL file's directory.
	Dir string
}

// Compile compiles one SQL file into a main program. When the returned list has errors,
// Result.Go is nil.
func Compile(filename string, src []byte) (*Result, diag.List) {
	return CompileWith(filename, src, Options{})
}

// CompileWith compiles one SQL file as opts say.
func CompileWith(filename string, src []byte, opts Options) (*Result, diag.List) {
	res := &Result{Filename: filename, Source: src}
	var errs diag.List
	f, err := grammar.Parse(filename, src)
	if err != nil {
		// Syntax errors only: checking the statements that parsed would report every use of
		// a broken declaration as unknown (see DESIGN.md).
		var list grammar.ErrorList
		if !errors.As(err, &list) {
			errs.Errorf(fileStart(filename), "%v", err)
			return res, errs
		}
		for _, perr := range list {
			errs.Errorf(perr.Position(), "%s", perr.Message())
		}
		return res, errs
	}
	res.File = f
	dir := opts.Dir
	if dir == "" {
		dir = filepath.Dir(filename)
	}
	prog, errs := check.Check(f, &lazyLoader{dir: dir})
	res.Diags = errs
	if errs.HasErrors() {
		return res, errs
	}
	if opts.Package == "" {
		for _, q := range prog.Queries {
			if q.Sink.Connector == "go" {
				errs.Errorf(q.Pos, "sink %q calls Go code (connector 'go'): it needs a query embedded in a Go program", q.Sink.Name).
					WithHelp("generate a Go package with sqlstream gen, or use the console, files or memory sink")
			}
		}
		if errs.HasErrors() {
			return res, errs
		}
	}
	prog.Filename = filename
	res.Plan = prog
	res.Explain = physical.Explain(prog)
	res.Go, err = generate(prog, filepath.Base(filename), codegen.Config{Package: opts.Package})
	if err != nil {
		errs.Errorf(fileStart(filename), "internal compiler error: %v", err)
		return res, errs
	}
	return res, errs
}

func fileStart(filename string) lexer.Position {
	return lexer.Position{Filename: filename, Line: 1, Column: 1}
}

// generate runs codegen, turning a panic (a compiler bug) into an error rather than a crash.
func generate(prog *plan.Program, source string, opts codegen.Config) (src []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return codegen.Generate(prog, source, opts)
}

// lazyLoader starts loading Go packages only when a CREATE FUNCTION asks for one.
type lazyLoader struct {
	dir string
	l   *udf.Loader
}

func (z *lazyLoader) Load(target string) (*udf.Func, error) {
	if z.l == nil {
		z.l = udf.NewLoader(z.dir)
	}
	return z.l.Load(target)
}
