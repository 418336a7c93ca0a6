package codegen

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"
)

// prune deletes local variables that are assigned but never read, with the assignments to
// them (and range variables never read: a join's loop over matches whose columns the query
// does not use). Expressions are compiled to a value and a NULL flag together; when the consumer of a
// CASE or a shared sub-expression reads only one of the two, the other would be an unused
// variable, which Go rejects. Generated expressions have no side effects, so dropping the
// assignment is safe. It repeats until nothing changes, since a removal can leave another
// variable unread.
func prune(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	for changed := true; changed; {
		changed = false
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			if unread := unreadLocals(fn.Body); len(unread) > 0 && dropAssignments(fn.Body, unread) {
				changed = true
			}
		}
	}
	dropUnusedImports(fset, f)
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unreadLocals finds the objects of variables declared in body that are never read.
func unreadLocals(body *ast.BlockStmt) map[*ast.Object]bool {
	declared := map[*ast.Object]bool{}
	read := map[*ast.Object]bool{}
	lhs := map[*ast.Ident]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, e := range n.Lhs {
				if id, ok := e.(*ast.Ident); ok {
					lhs[id] = true
					if n.Tok == token.DEFINE && id.Obj != nil && id.Obj.Decl == n {
						declared[id.Obj] = true
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok && id.Obj != nil {
						lhs[id] = true
						declared[id.Obj] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				lhs[id] = true
				if id.Obj != nil && len(n.Values) == 0 {
					declared[id.Obj] = true
				}
			}
		case *ast.Ident:
			if !lhs[n] && n.Obj != nil {
				read[n.Obj] = true
			}
		}
		return true
	})
	out := map[*ast.Object]bool{}
	for o := range declared {
		if !read[o] && o.Name != "_" {
			out[o] = true
		}
	}
	return out
}

// dropAssignments removes the declarations of and assignments to the unread variables, and
// reports whether it changed anything (so that a variable it cannot remove ends the loop
// instead of repeating it forever; the type check then reports it).
func dropAssignments(body *ast.BlockStmt, unread map[*ast.Object]bool) bool {
	changed := false
	isUnread := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && id.Obj != nil && unread[id.Obj]
	}
	var fix func(list []ast.Stmt) []ast.Stmt
	fix = func(list []ast.Stmt) []ast.Stmt {
		out := list[:0]
		for _, s := range list {
			switch s := s.(type) {
			case *ast.AssignStmt:
				if len(s.Lhs) == len(s.Rhs) {
					var l, r []ast.Expr
					for i := range s.Lhs {
						if !isUnread(s.Lhs[i]) {
							l, r = append(l, s.Lhs[i]), append(r, s.Rhs[i])
						}
					}
					changed = changed || len(l) < len(s.Lhs)
					if len(l) == 0 {
						continue
					}
					s.Lhs, s.Rhs = l, r
					break
				}
				// v, ok := f(): the unread ones become _, and the statement goes when all are.
				named := 0
				for i, e := range s.Lhs {
					if isUnread(e) {
						s.Lhs[i] = ast.NewIdent("_")
						changed = true
					} else if e.(*ast.Ident).Name != "_" {
						named++
					}
				}
				if named == 0 {
					continue
				}
			case *ast.DeclStmt:
				if g, ok := s.Decl.(*ast.GenDecl); ok && len(g.Specs) == 1 {
					if v, ok := g.Specs[0].(*ast.ValueSpec); ok && len(v.Names) == 1 && len(v.Values) == 0 && isUnread(v.Names[0]) {
						changed = true
						continue
					}
				}
			case *ast.BlockStmt:
				s.List = fix(s.List)
			case *ast.IfStmt:
				s.Body.List = fix(s.Body.List)
				if e, ok := s.Else.(*ast.BlockStmt); ok {
					e.List = fix(e.List)
				}
				if e, ok := s.Else.(*ast.IfStmt); ok {
					fix([]ast.Stmt{e})
				}
			case *ast.ForStmt:
				s.Body.List = fix(s.Body.List)
			case *ast.LabeledStmt:
				fix([]ast.Stmt{s.Stmt})
			case *ast.RangeStmt:
				// for k, v := range x: an unread v goes, an unread k becomes _ (or goes with v).
				if s.Value != nil && isUnread(s.Value) {
					s.Value, changed = nil, true
				}
				if s.Key != nil && isUnread(s.Key) {
					s.Key, changed = ast.NewIdent("_"), true
				}
				if k, ok := s.Key.(*ast.Ident); ok && k.Name == "_" && s.Value == nil {
					s.Key, s.Tok = nil, token.ILLEGAL
				}
				s.Body.List = fix(s.Body.List)
			case *ast.SwitchStmt:
				for _, c := range s.Body.List {
					cc := c.(*ast.CaseClause)
					cc.Body = fix(cc.Body)
				}
			}
			out = append(out, s)
		}
		return out
	}
	body.List = fix(body.List)
	return changed
}

// dropUnusedImports removes the imports that pruning left unused.
func dropUnusedImports(fset *token.FileSet, f *ast.File) {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	var unused []*ast.ImportSpec
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if !used[name] {
			unused = append(unused, imp)
		}
	}
	for _, imp := range unused {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		astutil.DeleteNamedImport(fset, f, name, p)
	}
}
