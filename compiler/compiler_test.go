package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
)

// FuzzCompile feeds arbitrary text through the whole compiler: it must never panic, and a
// query it accepts must come out as Go that jennifer could format (so it at least parses).
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
	f.Fuzz(func(t *testing.T, src string) {
		res, errs := compiler.Compile("fuzz.sql", []byte(src))
		if errs.HasErrors() {
			if res.Go != nil {
				t.Fatalf("errors reported but Go generated")
			}
			for _, d := range errs {
				if d.Pos.Line < 1 || strings.TrimSpace(d.Msg) == "" {
					t.Fatalf("diagnostic without position or message: %+v", d)
				}
			}
			return
		}
		if len(res.Go) == 0 {
			t.Fatalf("no errors and no Go generated")
		}
	})
}
