// Package udf loads the Go functions that CREATE FUNCTION names and maps their signatures to
// SQL types, so generated code can call them directly; loads are cached in memory and on disk.
package udf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"

	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// Func is a Go function usable as a SQL scalar function.
type Func struct {
	ImportPath string
	Package    string // the package's name, which the import path need not end with
	Name       string
	Params     []Type
	Result     Type
	Err        bool // the function also returns an error
	// Module is the Go module that holds the package (its path and directory), for building
	// a program that links it.
	ModulePath, ModuleDir string
}

// Type is a Go parameter or result type and the SQL type it stands for.
type Type struct {
	Go  string // bool, int32, int, int64, float64, string, []byte, time.Time
	SQL sqltype.Type
}

var goTypes = map[string]sqltype.Type{
	"bool": sqltype.Boolean, "int32": sqltype.Int, "int": sqltype.BigInt, "int64": sqltype.BigInt,
	"float64": sqltype.Double, "string": sqltype.String, "[]byte": sqltype.Bytes, "time.Time": sqltype.Timestamp,
}

// Error is a problem with a function, with a hint where one is known.
type Error struct {
	Msg, Help string
}

func (e *Error) Error() string { return e.Msg }

// Loader loads packages relative to Dir (the module of the SQL file's Go program).
type Loader struct {
	Dir string
	// CacheDir holds loaded signatures between runs; "" disables the disk cache.
	CacheDir string

	mu   sync.Mutex
	pkgs map[string]map[string]*Func // import path → exported functions
	errs map[string]error
}

// NewLoader returns a loader for the Go module around dir, caching under the user cache
// directory.
func NewLoader(dir string) *Loader {
	cache := ""
	if d, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(d, "sqlstream", "udf")
	}
	return &Loader{Dir: dir, CacheDir: cache}
}

// Load resolves target, written 'import/path.Func'.
func (l *Loader) Load(target string) (*Func, error) {
	dot := strings.LastIndexByte(target, '.')
	if dot <= 0 || dot == len(target)-1 || strings.Contains(target[dot:], "/") {
		return nil, &Error{Msg: fmt.Sprintf("%q is not a Go function", target), Help: "write the import path and the function: 'example.com/mod/pkg.Func'"}
	}
	path, name := target[:dot], target[dot+1:]
	funcs, err := l.pkg(path)
	if err != nil {
		return nil, err
	}
	f, ok := funcs[name]
	if !ok {
		if bad, ok := funcs["\x00"+name]; ok {
			return nil, &Error{Msg: bad.Name, Help: "wrap it in a function whose parameters and result are among these types"}
		}
		return nil, &Error{Msg: fmt.Sprintf("package %s has no exported function %s", path, name),
			Help: "the function must be declared at package level with an exported (capitalised) name"}
	}
	return f, nil
}

// pkg returns the exported functions of path: usable ones by name, unusable ones under
// "\x00"+name with the reason as Name.
func (l *Loader) pkg(path string) (map[string]*Func, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.pkgs[path]; ok {
		return f, nil
	}
	if err, ok := l.errs[path]; ok {
		return nil, err
	}
	funcs, err := l.load(path)
	if l.pkgs == nil {
		l.pkgs, l.errs = map[string]map[string]*Func{}, map[string]error{}
	}
	if err != nil {
		l.errs[path] = err
		return nil, err
	}
	l.pkgs[path] = funcs
	return funcs, nil
}

func (l *Loader) load(path string) (map[string]*Func, error) {
	// A cheap listing first: the files decide whether the disk cache is still valid.
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedModule, Dir: l.Dir}
	list, err := packages.Load(cfg, path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("cannot load package %s: %v", path, err)}
	}
	if len(list) != 1 || len(list[0].Errors) > 0 || len(list[0].GoFiles) == 0 {
		msg := "not found"
		if len(list) == 1 && len(list[0].Errors) > 0 {
			msg = list[0].Errors[0].Msg
		}
		return nil, &Error{Msg: fmt.Sprintf("cannot load package %s: %s", path, msg),
			Help: "the package must be importable from the Go module that holds the SQL file (go get it, or check the path)"}
	}
	key := cacheKey(path, list[0].GoFiles)
	if funcs, ok := l.readCache(key); ok {
		return funcs, nil
	}
	cfg.Mode |= packages.NeedTypes
	full, err := packages.Load(cfg, path)
	if err != nil || len(full) != 1 || full[0].Types == nil {
		return nil, &Error{Msg: fmt.Sprintf("cannot type-check package %s: %v", path, err)}
	}
	if len(full[0].Errors) > 0 {
		return nil, &Error{Msg: fmt.Sprintf("package %s does not compile: %s", path, full[0].Errors[0].Msg)}
	}
	p := full[0]
	funcs := map[string]*Func{}
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		fn, ok := scope.Lookup(name).(*types.Func)
		if !ok || !fn.Exported() {
			continue
		}
		f, reason := signature(fn.Type().(*types.Signature))
		if reason != "" {
			funcs["\x00"+name] = &Func{Name: fmt.Sprintf("%s.%s cannot be called from SQL: %s", path, name, reason)}
			continue
		}
		f.ImportPath, f.Package, f.Name = path, p.Types.Name(), name
		if p.Module != nil {
			f.ModulePath, f.ModuleDir = p.Module.Path, p.Module.Dir
		}
		funcs[name] = f
	}
	l.writeCache(key, funcs)
	return funcs, nil
}

// signature maps a Go signature to SQL types, or says why it cannot.
func signature(sig *types.Signature) (*Func, string) {
	if sig.TypeParams().Len() > 0 {
		return nil, "it is generic"
	}
	if sig.Variadic() {
		return nil, "it is variadic"
	}
	f := &Func{}
	for i := range sig.Params().Len() {
		t, ok := mapType(sig.Params().At(i).Type())
		if !ok {
			return nil, fmt.Sprintf("parameter %d has type %s; parameters must be bool, int32, int, int64, float64, string, []byte or time.Time", i+1, sig.Params().At(i).Type())
		}
		f.Params = append(f.Params, t)
	}
	res := sig.Results()
	switch {
	case res.Len() == 0 || res.Len() > 2:
		return nil, fmt.Sprintf("it returns %d values; it must return one value, optionally followed by an error", res.Len())
	case res.Len() == 2 && res.At(1).Type().String() != "error":
		return nil, fmt.Sprintf("its second result is %s; only an error may follow the value", res.At(1).Type())
	}
	t, ok := mapType(res.At(0).Type())
	if !ok {
		return nil, fmt.Sprintf("it returns %s; results must be bool, int32, int, int64, float64, string, []byte or time.Time", res.At(0).Type())
	}
	f.Result, f.Err = t, res.Len() == 2
	return f, ""
}

func mapType(t types.Type) (Type, bool) {
	s := types.TypeString(t, nil)
	if st, ok := goTypes[s]; ok {
		return Type{Go: s, SQL: st}, true
	}
	return Type{}, false
}

func cacheKey(path string, files []string) string {
	h := sha256.New()
	fmt.Fprintln(h, "udf v1", path)
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	for _, f := range sorted {
		b, err := os.ReadFile(f)
		if err != nil {
			return ""
		}
		fmt.Fprintln(h, f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (l *Loader) readCache(key string) (map[string]*Func, bool) {
	if l.CacheDir == "" || key == "" {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(l.CacheDir, key+".json"))
	if err != nil {
		return nil, false
	}
	var funcs map[string]*Func
	if json.Unmarshal(b, &funcs) != nil {
		return nil, false
	}
	return funcs, true
}

func (l *Loader) writeCache(key string, funcs map[string]*Func) {
	if l.CacheDir == "" || key == "" {
		return
	}
	b, err := json.Marshal(funcs)
	if err != nil || os.MkdirAll(l.CacheDir, 0o755) != nil {
		return
	}
	tmp := filepath.Join(l.CacheDir, key+".tmp")
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, filepath.Join(l.CacheDir, key+".json"))
	}
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
