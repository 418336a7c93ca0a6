package grammar

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics, that every error it reports is positioned, at
// most maxErrors of them, and that whatever it accepts prints back to SQL that parses to the
// same AST.
func FuzzParse(f *testing.F) {
	for _, src := range corpus {
		f.Add(src)
	}
	for _, src := range []string{"", ";", "'", "\"", "`", "/*", "--", "SELECT", "INSERT INTO", "((((", "CASE WHEN", "\xff", "a.b.*", "\uFEFF", "'\\", "DROP; DROP; INSERT INTO x SELECT (", "CREATE SINK s CREATE SINK"} {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		f1, err := Parse("fuzz.sql", []byte(src))
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 || len(list) > maxErrors || f1 != nil {
				t.Fatalf("Parse(%q) returned %T %v with file %v", src, err, err, f1)
			}
			for _, e := range list {
				if pos := e.Position(); pos.Filename != "fuzz.sql" || pos.Line < 1 || pos.Column < 1 || pos.Offset > len(src) {
					t.Fatalf("Parse(%q): unpositioned error %q at %+v", src, e.Message(), pos)
				}
			}
			return
		}
		printed := f1.String()
		f2, err := Parse("printed.sql", []byte(printed))
		if err != nil {
			t.Fatalf("printed form does not parse: %v\ninput:   %q\nprinted: %q", err, src, printed)
		}
		if diff := cmp.Diff(f1, f2, ignorePos); diff != "" {
			t.Fatalf("round trip changed the AST of %q via %q:\n%s", src, printed, diff)
		}
	})
}
