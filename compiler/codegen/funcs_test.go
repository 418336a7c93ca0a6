package codegen

import (
	"testing"

	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/compiler/plan"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

// TestEveryBuiltinHasCode keeps code generation and the registry in step: every function a
// plan can call has a Go function or an emitter (not both), and every aggregate function an
// accumulator.
func TestEveryBuiltinHasCode(t *testing.T) {
	special := map[string]bool{}
	for _, s := range funcs.Scalars() {
		_, emitted := emitters[s.Name]
		switch {
		case s.Rewritten && emitted:
			t.Errorf("%s has an emitter, but the checker rewrites it", s.Name)
		case s.Rewritten:
		case s.Go != "" && emitted:
			t.Errorf("%s has both a Go function and an emitter", s.Name)
		case s.Go == "" && !emitted:
			t.Errorf("%s has neither a Go function nor an emitter", s.Name)
		}
		special[s.Name] = emitted
	}
	for name := range emitters {
		if !special[name] {
			t.Errorf("the emitter of %s is for no function of the registry", name)
		}
	}
	used := map[plan.AggFunc]bool{}
	for _, a := range funcs.Aggregates() {
		for _, f := range []plan.AggFunc{a.Func, a.StarFunc, a.Distinct} {
			if f == "" {
				continue
			}
			used[f] = true
			if _, ok := accumulators[f]; !ok {
				t.Errorf("%s has no accumulator for %s", a.Names[0], f)
			}
		}
	}
	for f := range accumulators {
		if !used[f] {
			t.Errorf("the accumulator of %s is for no aggregate of the registry", f)
		}
	}
}
