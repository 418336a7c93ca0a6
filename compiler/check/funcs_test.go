package check

import (
	"testing"

	"github.com/sqlstream/sqlstream/compiler/funcs"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

// TestEveryOwnRuleExists keeps the checker's rules and the registry in step: a function
// marked OwnRule without a rule would be a nil call at its first use.
func TestEveryOwnRuleExists(t *testing.T) {
	own := map[string]bool{}
	for _, s := range funcs.Scalars() {
		if s.OwnRule {
			own[s.Name] = true
			if rules[s.Name] == nil {
				t.Errorf("%s is marked OwnRule but the checker has no rule for it", s.Name)
			}
		}
	}
	for name := range rules {
		if !own[name] {
			t.Errorf("the checker has a rule for %s, which the registry does not mark OwnRule", name)
		}
	}
}
