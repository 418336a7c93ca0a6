package sqlfn

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func TestSubstringLikeSpark(t *testing.T) {
	for _, c := range []struct {
		s        string
		pos, len int32
		want     string
	}{
		{"Spark SQL", 5, 1, "k"}, {"Spark SQL", 0, 3, "Spa"}, {"Spark SQL", 1, 3, "Spa"},
		{"Spark SQL", -3, 2, "SQ"}, {"Spark SQL", -20, 3, ""}, {"Spark SQL", 20, 3, ""},
		{"Spark SQL", 2, 0, ""}, {"Spark SQL", 2, -1, ""}, {"naïve café", 3, 4, "ïve "},
		{"日本語", -1, 5, "語"}, {"", 1, 1, ""},
	} {
		if got := Substring(c.s, c.pos, c.len); got != c.want {
			t.Errorf("substring(%q, %d, %d) = %q, want %q", c.s, c.pos, c.len, got, c.want)
		}
	}
	if got := SubstringFrom("naïve", 3); got != "ïve" {
		t.Errorf("SubstringFrom: %q", got)
	}
	if got := SubstringFrom("abc", -2); got != "bc" {
		t.Errorf("SubstringFrom negative: %q", got)
	}
}

func TestStringFunctions(t *testing.T) {
	if Length("café") != 4 || Length("") != 0 || Length("日本") != 2 {
		t.Error("Length counts characters")
	}
	if Trim("  a b \t") != "a b \t" || LTrim("  x ") != "x " || RTrim(" x  ") != " x" {
		t.Error("trim removes spaces only")
	}
}

func TestRounding(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int32
		want float64
	}{
		{2.5, 0, 3}, {-2.5, 0, -3}, {1.005, 2, 1.01}, {1234.5, -2, 1200}, {0.125, 1, 0.1},
		{2.25, 1, 2.3}, {1.5e-10, 3, 0}, {123.456, 5, 123.456}, {-0.5, 0, -1}, {0.49999999999999994, 0, 0},
	} {
		if got := RoundHalfUp(c.x, c.d); got != c.want {
			t.Errorf("round(%v, %d) = %v, want %v", c.x, c.d, got, c.want)
		}
	}
	if !math.IsNaN(RoundHalfUp(math.NaN(), 1)) {
		t.Error("NaN")
	}
	for _, c := range []struct{ x, want int64 }{{1250, 1300}, {1249, 1200}, {-1250, -1300}, {5, 5}} {
		if got := RoundInt64(c.x, -2); c.x != 5 && got != c.want {
			t.Errorf("RoundInt64(%d, -2) = %d, want %d", c.x, got, c.want)
		}
	}
	if RoundInt64(5, 1) != 5 {
		t.Error("positive digits keep integers")
	}
	if Floor(-1.5) != -2 || Ceil(-1.5) != -1 || Floor(math.Inf(1)) != math.MaxInt64 || Ceil(math.NaN()) != 0 {
		t.Error("floor/ceil")
	}
}

func TestArithmetic(t *testing.T) {
	if Mod(int64(-7), 2) != -1 || Mod(int64(7), -2) != 1 || Mod(int32(5), 0) != 0 || Mod(int64(math.MinInt64), -1) != 0 {
		t.Error("Mod follows Java's remainder")
	}
	if FloorDiv(-1, 1000000) != -1 || FloorDiv(1, 1000000) != 0 {
		t.Error("FloorDiv")
	}
	if DoubleToInt32(1e12) != math.MaxInt32 || DoubleToInt64(-1e300) != math.MinInt64 || DoubleToInt32(-2.9) != -2 {
		t.Error("double to int saturates and truncates")
	}
}

func TestCasts(t *testing.T) {
	for s, want := range map[string]int64{"12": 12, " -3 ": -3, "1.9": 1, "-1.9": -1, ".5": 0} {
		if got, ok := CastToInt64(s); !ok || got != want {
			t.Errorf("CAST(%q AS BIGINT) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "x", "1e3", "9223372036854775808", "1.x"} {
		if v, ok := CastToInt64(s); ok {
			t.Errorf("CAST(%q AS BIGINT) = %d, want NULL", s, v)
		}
	}
	if _, ok := CastToInt32("3000000000"); ok {
		t.Error("INT range")
	}
	for s, want := range map[string]bool{"TRUE": true, " yes": true, "1": true, "f": false, "No": false} {
		if got, ok := CastToBoolean(s); !ok || got != want {
			t.Errorf("CAST(%q AS BOOLEAN)", s)
		}
	}
	if _, ok := CastToBoolean("maybe"); ok {
		t.Error("maybe is not a boolean")
	}
	if f, ok := CastToDouble("Infinity"); !ok || !math.IsInf(f, 1) {
		t.Error("Infinity")
	}
	if d, ok := CastToDate("2024-01-02 23:59:59"); !ok || d != 19724 {
		t.Errorf("date of a timestamp: %d %v", d, ok)
	}
}

func TestLikeAgainstRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "é", "%", "_", `\%`, `\_`, `\\`}
	subjects := []string{"", "a", "ab", "ba", "é", "aé", "%", "_", `\`, "abab", "aaa", "b%a", "é_é"}
	for range 3000 {
		var p strings.Builder
		for range r.IntN(5) {
			p.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		l, err := CompileLike(p.String())
		if err != nil {
			t.Fatalf("%q: %v", p.String(), err)
		}
		re := regexp.MustCompile("^(?s:" + likeToRegexp(p.String()) + ")$")
		for _, s := range subjects {
			if got, want := l.Match(s), re.MatchString(s); got != want {
				t.Fatalf("%q LIKE %q = %v, want %v", s, p.String(), got, want)
			}
		}
	}
	if _, err := CompileLike(`ab\`); err == nil {
		t.Error("a trailing escape is an error")
	}
}

func likeToRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		switch c := p[i]; c {
		case '\\':
			b.WriteString(regexp.QuoteMeta(string(p[i+1])))
			i += 2
			continue
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			j := i + 1
			for j < len(p) && p[j] >= 0x80 && p[j] < 0xC0 {
				j++
			}
			b.WriteString(regexp.QuoteMeta(p[i:j]))
			i = j
			continue
		}
		i++
	}
	return b.String()
}
