package sqlfn

import (
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

func TestStringFunctions(t *testing.T) {
	eq := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for s, want := range map[string]int32{"": 0, "abc": 3, "é日本😀": 4, "a\xffb": 3,
		"exactly8": 8, "sixteen bytes ok": 16, "seventeen bytes!!": 17, "eight.. é": 9, "abcdefg\xff": 8, "0123456789abcdef日本": 18} {
		if got := Length(s); got != want {
			t.Errorf("Length(%q) = %d, want %d", s, got, want)
		}
	}
	// a non-ASCII letter or an invalid byte at every offset of every length around the words
	for n := range 40 {
		for at := range n {
			for _, c := range []string{"é", "\xff"} {
				s := strings.Repeat("a", at) + c + strings.Repeat("a", n-at-1)
				if got, want := Length(s), int32(utf8.RuneCountInString(s)); got != want {
					t.Errorf("Length(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
	if LengthIn("ab", true) != 2 || LengthIn("é日", false) != 2 {
		t.Error("LengthIn: the byte count in an ASCII chunk, else Length")
	}
	eq("Lower", Lower("AbC"), "abc")
	eq("Lower", Lower("ÀÉÎ ΟΔΟΣ Σ"), "àéî οδος σ")
	eq("Lower", Lower("İ"), "i\u0307")
	eq("Lower", Lower("a\xffB"), "a\xffb")
	eq("Upper", Upper("straße ﬁx"), "STRASSE FIX")
	eq("Upper", Upper("abc"), "ABC")
	eq("Upper", Upper("日本"), "日本")
	eq("InitCap", InitCap("hello WORLD-foo  bar"), "Hello World-foo  Bar")
	eq("InitCap", InitCap(" émile zola"), " Émile Zola")
	eq("InitCap", InitCap(""), "")
	eq("InitCap", InitCap("ǆemal"), "ǅemal")
	eq("Trim", Trim("  a b \t "), "a b \t")
	eq("LTrim", LTrim("  a  "), "a  ")
	eq("RTrim", RTrim("  a  "), "  a")
	eq("TrimChars", TrimChars("xyaxbyx", "xy"), "axb")
	eq("TrimChars", TrimChars("ab", ""), "ab")
	eq("LTrimChars", LTrimChars("ééaé", "é"), "aé")
	eq("RTrimChars", RTrimChars("ééaé", "é"), "ééa")
	eq("Replace", Replace("abcabc", "b", "XY"), "aXYcaXYc")
	eq("Replace", Replace("abc", "", "X"), "abc")
	eq("Replace", Replace("abc", "abc", ""), "")
	eq("Reverse", Reverse("ab日😀"), "😀日ba")
	eq("Reverse", Reverse(""), "")
	eq("Reverse", Reverse("a\xffb"), "b\xffa")
}

func TestInStrLocate(t *testing.T) {
	for _, c := range []struct {
		s, sub string
		want   int32
	}{
		{"hello", "l", 3}, {"hello", "z", 0}, {"hello", "", 1}, {"", "", 1}, {"", "a", 0},
		{"日本語", "語", 3}, {"aé", "é", 2},
	} {
		if got := InStr(c.s, c.sub); got != c.want {
			t.Errorf("InStr(%q, %q) = %d, want %d", c.s, c.sub, got, c.want)
		}
	}
	for _, c := range []struct {
		sub, s string
		pos    int32
		want   int32
	}{
		{"a", "banana", 1, 2}, {"a", "banana", 3, 4}, {"a", "banana", 7, 0}, {"a", "banana", 0, 0},
		{"a", "banana", -1, 0}, {"", "abc", 2, 1}, {"語", "日本語語", 4, 4}, {"x", "abc", 100, 0},
	} {
		if got := Locate(c.sub, c.s, c.pos); got != c.want {
			t.Errorf("Locate(%q, %q, %d) = %d, want %d", c.sub, c.s, c.pos, got, c.want)
		}
	}
}

// substringRef is Spark's UTF8String.substringSQL, transcribed over runes.
func substringRef(s string, pos, length int32) string {
	r := []rune(s)
	n := int64(len(r))
	var start int64
	if pos > 0 {
		start = int64(pos) - 1
	} else if pos < 0 {
		start = n + int64(pos)
	}
	end := start + int64(length)
	end = min(max(end, math.MinInt32), math.MaxInt32)
	start = max(start, 0)
	if start >= end {
		return ""
	}
	if start >= n {
		return ""
	}
	return string(r[start:min(end, n)])
}

func TestSubstring(t *testing.T) {
	for _, c := range []struct {
		s        string
		pos, len int32
		want     string
	}{
		{"hello", 1, 3, "hel"}, {"hello", 0, 3, "hel"}, {"hello", 2, 100, "ello"},
		{"hello", -3, 2, "ll"}, {"hello", -7, 3, "h"}, {"hello", -10, 7, "he"},
		{"hello", 6, 1, ""}, {"hello", 3, 0, ""}, {"hello", 3, -1, ""},
		{"日本語テキスト", 2, 3, "本語テ"}, {"日本語", -1, 5, "語"}, {"", 1, 1, ""},
		{"hello", math.MinInt32, math.MaxInt32, "hell"}, {"hello", math.MinInt32 + 5, 3, ""}, {"hello", 2, math.MaxInt32, "ello"},
	} {
		if got := Substring(c.s, c.pos, c.len); got != c.want {
			t.Errorf("Substring(%q, %d, %d) = %q, want %q", c.s, c.pos, c.len, got, c.want)
		}
	}
	for _, c := range []struct {
		s    string
		pos  int32
		want string
	}{{"hello", 2, "ello"}, {"hello", 0, "hello"}, {"hello", -2, "lo"}, {"hello", -9, "hello"}, {"日本語", 3, "語"}, {"ab", 5, ""}} {
		if got := SubstringFrom(c.s, c.pos); got != c.want {
			t.Errorf("SubstringFrom(%q, %d) = %q, want %q", c.s, c.pos, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"", "a", "héllo", "日本語", "abcdefgh", "😀x😀"}
	for range 20000 {
		s := words[rng.IntN(len(words))] + words[rng.IntN(len(words))]
		pos, length := int32(rng.IntN(25)-12), int32(rng.IntN(25)-5)
		if rng.IntN(20) == 0 {
			length = math.MaxInt32 - int32(rng.IntN(3))
		}
		if got, want := Substring(s, pos, length), substringRef(s, pos, length); got != want {
			t.Fatalf("Substring(%q, %d, %d) = %q, want %q", s, pos, length, got, want)
		}
	}
}

func TestPadRepeatSplit(t *testing.T) {
	for _, c := range []struct {
		s     string
		n     int32
		pad   string
		left  string
		right string
	}{
		{"hi", 5, "ab", "abahi", "hiaba"},
		{"hello", 3, "x", "hel", "hel"},
		{"hi", 5, "", "hi", "hi"},
		{"hi", -1, "x", "", ""},
		{"hi", 0, "x", "", ""},
		{"日本", 5, "語x", "語x語日本", "日本語x語"},
		{"", 3, "ab", "aba", "aba"},
	} {
		l, ok1 := LPad(c.s, c.n, c.pad)
		r, ok2 := RPad(c.s, c.n, c.pad)
		if l != c.left || r != c.right || !ok1 || !ok2 {
			t.Errorf("pad(%q, %d, %q) = %q, %q; want %q, %q", c.s, c.n, c.pad, l, r, c.left, c.right)
		}
	}
	if _, ok := LPad("", math.MaxInt32, "日本"); ok {
		t.Error("LPad beyond MaxStringBytes")
	}
	if got, ok := Repeat("ab", 3); got != "ababab" || !ok {
		t.Errorf("Repeat = %q", got)
	}
	if got, ok := Repeat("ab", -1); got != "" || !ok {
		t.Errorf("Repeat(-1) = %q", got)
	}
	if _, ok := Repeat("abc", math.MaxInt32); ok {
		t.Error("Repeat beyond MaxStringBytes")
	}
	for _, c := range []struct {
		s, d string
		n    int32
		want string
		ok   bool
	}{
		{"a,b,c", ",", 1, "a", true}, {"a,b,c", ",", 3, "c", true}, {"a,b,c", ",", 4, "", true},
		{"a,b,c", ",", -1, "c", true}, {"a,b,c", ",", -3, "a", true}, {"a,b,c", ",", -4, "", true},
		{"a,b,c", ",", 0, "", false}, {"a,,c", ",", 2, "", true}, {",a", ",", 1, "", true},
		{"a||b||", "||", 3, "", true}, {"a||b||", "||", 2, "b", true}, {"abc", "", 1, "abc", true},
		{"abc", "", 2, "", true}, {"abc", "", -1, "abc", true}, {"", ",", 1, "", true}, {"abc", "x", 1, "abc", true},
	} {
		got, ok := SplitPart(c.s, c.d, c.n)
		if got != c.want || ok != c.ok {
			t.Errorf("SplitPart(%q, %q, %d) = %q, %v; want %q, %v", c.s, c.d, c.n, got, ok, c.want, c.ok)
		}
	}
}

func TestRounding(t *testing.T) {
	for _, c := range []struct {
		x      float64
		digits int32
		up     float64
		even   float64
	}{
		{2.5, 0, 3, 2}, {-2.5, 0, -3, -2}, {3.5, 0, 4, 4}, {1.005, 2, 1.01, 1.0}, {1.015, 2, 1.02, 1.02},
		{1.25, 1, 1.3, 1.2}, {-1.25, 1, -1.3, -1.2}, {1250, -2, 1300, 1200}, {1350, -2, 1400, 1400},
		{0.4, 0, 0, 0}, {123.456, 5, 123.456, 123.456}, {5e-324, 2, 0, 0}, {1e300, -301, 0, 0},
		{9.5e300, -301, 1e301, 1e301}, {1.7976931348623157e308, -308, math.Inf(1), math.Inf(1)},
		{0.125, 2, 0.13, 0.12}, {2.675, 2, 2.68, 2.68}, {1e20, 0, 1e20, 1e20},
	} {
		if got := RoundHalfUp(c.x, c.digits); got != c.up {
			t.Errorf("RoundHalfUp(%v, %d) = %v, want %v", c.x, c.digits, got, c.up)
		}
		if got := BRound(c.x, c.digits); got != c.even {
			t.Errorf("BRound(%v, %d) = %v, want %v", c.x, c.digits, got, c.even)
		}
	}
	if got := RoundHalfUp(-0.4, 0); math.Signbit(got) {
		t.Error("round(-0.4) must be +0.0 (BigDecimal has no negative zero)")
	}
	if got := RoundHalfUp(-0.004, 2); got != 0 || math.Signbit(got) {
		t.Errorf("round(-0.004, 2) = %v", got)
	}
	if !math.IsNaN(RoundHalfUp(math.NaN(), 2)) || !math.IsInf(RoundHalfUp(math.Inf(-1), 0), -1) {
		t.Error("NaN/Inf must pass through")
	}
	for _, c := range []struct {
		x      int64
		digits int32
		up     int64
		even   int64
	}{
		{1250, -2, 1300, 1200}, {-1250, -2, -1300, -1200}, {1249, -2, 1200, 1200}, {15, -1, 20, 20},
		{25, -1, 30, 20}, {7, 0, 7, 7}, {7, 3, 7, 7}, {5, -1, 10, 0}, {4, -1, 0, 0}, {123, -25, 0, 0},
		{math.MaxInt64, -1, -9223372036854775806, -9223372036854775806},
		{math.MinInt64, -19, 8446744073709551616, 8446744073709551616},
		{4_000_000_000_000_000_000, -19, 0, 0},
	} {
		if got := RoundInt64(c.x, c.digits); got != c.up {
			t.Errorf("RoundInt64(%d, %d) = %d, want %d", c.x, c.digits, got, c.up)
		}
		if got := BRoundInt64(c.x, c.digits); got != c.even {
			t.Errorf("BRoundInt64(%d, %d) = %d, want %d", c.x, c.digits, got, c.even)
		}
	}
}

// roundRef is BigDecimal(Double.toString(x)).setScale(d, HALF_UP).doubleValue() via math/big.
func roundRef(x float64, d int32) float64 {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs32(d))), nil))
	if d >= 0 {
		r.Mul(r, scale)
	} else {
		r.Quo(r, scale)
	}
	neg := r.Sign() < 0
	r.Abs(r)
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	res := new(big.Rat).SetInt(q)
	if d >= 0 {
		res.Quo(res, scale)
	} else {
		res.Mul(res, scale)
	}
	f, _ := res.Float64()
	if neg {
		f = -f
	}
	return f + 0
}

func abs32(d int32) int32 {
	if d < 0 {
		return -d
	}
	return d
}

func TestRoundHalfUpProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var x float64
		switch rng.IntN(3) {
		case 0:
			x = float64(rng.IntN(200000)-100000) / 1000 // many exact halves
		case 1:
			x = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(30)-10))
		default:
			x = math.Float64frombits(rng.Uint64())
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
		}
		d := int32(rng.IntN(12) - 4)
		if got, want := RoundHalfUp(x, d), roundRef(x, d); got != want && !(got == 0 && want == 0) {
			t.Fatalf("RoundHalfUp(%v, %d) = %v, want %v", x, d, got, want)
		}
	}
}

func TestMath(t *testing.T) {
	if Mod(int32(-7), 3) != -1 || Mod(int64(7), -3) != 1 || Mod(int64(5), 0) != 0 || Mod(int64(math.MinInt64), -1) != 0 {
		t.Error("Mod")
	}
	if Pmod(int32(-7), 3) != 2 || Pmod(int64(7), 3) != 1 || Pmod(int64(-7), -3) != -1 || PmodDouble(-7, 3) != 2 {
		t.Error("Pmod")
	}
	if AbsInt32(math.MinInt32) != math.MinInt32 || AbsInt32(-3) != 3 || AbsInt64(-4) != 4 {
		t.Error("Abs")
	}
	if Floor(-1.5) != -2 || Ceil(-1.5) != -1 || Floor(math.NaN()) != 0 || Ceil(1e300) != math.MaxInt64 || Floor(math.Inf(-1)) != math.MinInt64 {
		t.Error("Floor/Ceil")
	}
	if FloorDiv(-1, 1000000) != -1 || FloorDiv(1, 1000000) != 0 || FloorDiv(-2000000, 1000000) != -2 {
		t.Error("FloorDiv")
	}
	if Pow(2, 10) != 1024 || !math.IsNaN(Pow(1, math.NaN())) || !math.IsNaN(Pow(-1, math.Inf(1))) || Pow(math.NaN(), 0) != 1 {
		t.Error("Pow")
	}
	if !math.IsNaN(Sqrt(-1)) || Sqrt(4) != 2 || Exp(0) != 1 {
		t.Error("Sqrt/Exp")
	}
	for _, f := range []func(float64) (float64, bool){Ln, Log10, Log2} {
		if _, ok := f(0); ok {
			t.Error("log(0) must be NULL")
		}
		if _, ok := f(-1); ok {
			t.Error("log(-1) must be NULL")
		}
	}
	if v, ok := Log10(1000); !ok || v != 3 {
		t.Error("Log10")
	}
	if v, ok := Log2(8); !ok || v != 3 {
		t.Error("Log2")
	}
	if v, ok := Log(2, 8); !ok || math.Abs(v-3) > 1e-15 {
		t.Error("Log")
	}
	if _, ok := Log(1, 0); ok {
		t.Error("Log(1, 0) must be NULL")
	}
	if _, ok := Log1p(-1); ok {
		t.Error("Log1p(-1) must be NULL")
	}
	if Sign(-3) != -1 || Sign(2) != 1 || Sign(0) != 0 || !math.Signbit(Sign(math.Copysign(0, -1))) || !math.IsNaN(Sign(math.NaN())) {
		t.Error("Sign")
	}
}

func TestCasts(t *testing.T) {
	for _, c := range []struct {
		s  string
		v  int64
		ok bool
	}{
		{"42", 42, true}, {" -42\t", -42, true}, {"+7", 7, true}, {"1.9", 1, true}, {"-1.9", -1, true},
		{".5", 0, true}, {"1.", 1, true}, {"1.x", 0, false}, {"1e3", 0, false}, {"", 0, false},
		{"-", 0, false}, {"+", 0, false}, {"abc", 0, false}, {"9223372036854775807", math.MaxInt64, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775808", math.MinInt64, true},
		{"-9223372036854775809", 0, false}, {"99999999999999999999", 0, false}, {"1 2", 0, false},
		{"\u00a01", 0, false}, {"0x10", 0, false}, {"1_000", 0, false},
	} {
		v, ok := CastToInt64(c.s)
		if v != c.v || ok != c.ok {
			t.Errorf("CastToInt64(%q) = %d, %v; want %d, %v", c.s, v, ok, c.v, c.ok)
		}
	}
	if _, ok := CastToInt32("2147483648"); ok {
		t.Error("INT overflow")
	}
	if v, ok := CastToInt32("-2147483648.99"); !ok || v != math.MinInt32 {
		t.Error("INT min")
	}
	for _, c := range []struct {
		s  string
		v  float64
		ok bool
	}{
		{"1.5", 1.5, true}, {" 2 ", 2, true}, {"1e3", 1000, true}, {"1.5d", 1.5, true}, {"2f", 2, true},
		{"Infinity", math.Inf(1), true}, {"-Infinity", math.Inf(-1), true}, {"inf", math.Inf(1), true},
		{"-INF", math.Inf(-1), true}, {"0x1p4", 16, true}, {"1e400", math.Inf(1), true}, {"abc", 0, false},
		{"", 0, false}, {"1_0", 0, false}, {"1.5.5", 0, false}, {"infinit", 0, false},
	} {
		v, ok := CastToDouble(c.s)
		if v != c.v || ok != c.ok {
			t.Errorf("CastToDouble(%q) = %v, %v; want %v, %v", c.s, v, ok, c.v, c.ok)
		}
	}
	for _, s := range []string{"NaN", "nan", " -NaN "} {
		if v, ok := CastToDouble(s); !ok || !math.IsNaN(v) {
			t.Errorf("CastToDouble(%q) = %v, %v", s, v, ok)
		}
	}
	for s, want := range map[string]int{"t": 1, "TRUE": 1, " yes ": 1, "Y": 1, "1": 1, "f": 0, "False": 0, "no": 0, "N": 0, "0": 0, "2": -1, "": -1, "truee": -1, "ye": -1} {
		v, ok := CastToBoolean(s)
		got := -1
		if ok {
			got = int(BoolToInt(v))
		}
		if got != want {
			t.Errorf("CastToBoolean(%q) = %v, %v", s, v, ok)
		}
	}
	for _, c := range []struct {
		f   float64
		i32 int32
		i64 int64
	}{
		{1.9, 1, 1}, {-1.9, -1, -1}, {math.NaN(), 0, 0}, {1e10, math.MaxInt32, 10000000000},
		{-1e10, math.MinInt32, -10000000000}, {1e19, math.MaxInt32, math.MaxInt64}, {math.Inf(-1), math.MinInt32, math.MinInt64},
	} {
		if DoubleToInt32(c.f) != c.i32 || DoubleToInt64(c.f) != c.i64 {
			t.Errorf("DoubleToInt(%v) = %d, %d", c.f, DoubleToInt32(c.f), DoubleToInt64(c.f))
		}
	}
	if us, ok := CastToTimestamp(" 2024-01-02 03:04:05.5 "); !ok || TimestampToString(us) != "2024-01-02 03:04:05.5" {
		t.Errorf("CastToTimestamp: %d %v", us, ok)
	}
	for s, want := range map[string]string{"2024-01-02": "2024-01-02", "2024-1-2": "2024-01-02", "2024-01-02T23:30:00-05:00": "2024-01-02", "2024-01-02 junk": "2024-01-02", "2024-01": "2024-01-01", "2024": "2024-01-01"} {
		d, ok := CastToDate(s)
		if !ok || DateToString(d) != want {
			t.Errorf("CastToDate(%q) = %v %v", s, DateToString(d), ok)
		}
	}
	for _, s := range []string{"2024-02-30", "2024/01/02", "24-01-02", "2024-01-02x"} {
		if _, ok := CastToDate(s); ok {
			t.Errorf("CastToDate(%q) accepted", s)
		}
	}
	if IntToString(-5) != "-5" || BoolToString(true) != "true" || DoubleToString(1e7) != "1.0E7" || DateToString(0) != "1970-01-01" {
		t.Error("to string")
	}
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true}, {"abc", "abcd", false}, {"a%", "abc", true}, {"a%", "ba", false},
		{"%c", "abc", true}, {"%b%", "abc", true}, {"%b%", "ac", false}, {"a_c", "abc", true},
		{"a_c", "a日c", true}, {"a_c", "ac", false}, {"%", "", true}, {"_", "", false}, {"", "", true},
		{"", "a", false}, {`a\%`, "a%", true}, {`a\%`, "ab", false}, {`a\_`, "a_", true}, {`a\\`, `a\`, true},
		{"A%", "abc", false}, {"a%c", "ac", true}, {"ab%bc", "abc", false}, {"a%b%c", "aXbYc", true},
		{"%a_b%", "xxaYbzz", true}, {"_%_", "a", false}, {"_%_", "ab", true}, {"a%", "a\nb", true},
		{"%\n%", "a\nb", true}, {"%%%a", "ba", true}, {"__", "日本", true}, {"%_本", "日本", true},
	} {
		l, err := CompileLike(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := l.Match(c.s); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pattern, got, c.want)
		}
		var cache Patterns
		if l, err := cache.Like(c.pattern); err != nil || l.Match(c.s) != c.want {
			t.Errorf("Patterns.Like(%q) on %q: %v", c.pattern, c.s, err)
		}
	}
	for _, bad := range []string{`a\`, `\a`, `%\x%`} {
		if _, err := CompileLike(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
		var cache Patterns
		if _, err := cache.Like(bad); err == nil {
			t.Errorf("Patterns.Like(%q): want an error", bad)
		}
	}
	l, err := CompileLikeEscape("50#%%", '#')
	if err != nil || !l.Match("50%!") || l.Match("500") {
		t.Errorf("ESCAPE '#': %v", err)
	}
}

// likeRegexp is the reference: Spark turns LIKE into exactly this regular expression.
func likeRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '\\':
			i++
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func TestLikeProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	patAtoms := []string{"a", "b", "%", "_", `\%`, `\_`, `\\`, "ab"}
	strAtoms := []string{"a", "b", "%", "_", `\`, "\n"}
	for range 30000 {
		var p, s strings.Builder
		for range rng.IntN(7) {
			p.WriteString(patAtoms[rng.IntN(len(patAtoms))])
		}
		for range rng.IntN(9) {
			s.WriteString(strAtoms[rng.IntN(len(strAtoms))])
		}
		l, err := CompileLike(p.String())
		if err != nil {
			t.Fatalf("%q: %v", p.String(), err)
		}
		if got, want := l.Match(s.String()), likeRegexp(p.String()).MatchString(s.String()); got != want {
			t.Fatalf("%q LIKE %q = %v, regexp says %v", s.String(), p.String(), got, want)
		}
	}
	// multi-byte characters and invalid UTF-8 in the subject
	patAtoms = []string{"é", "日", "%", "_", "x"}
	strAtoms = []string{"é", "日", "x", "\xff", "\xe6\x97"}
	for range 30000 {
		var p, s strings.Builder
		for range rng.IntN(6) {
			p.WriteString(patAtoms[rng.IntN(len(patAtoms))])
		}
		for range rng.IntN(8) {
			s.WriteString(strAtoms[rng.IntN(len(strAtoms))])
		}
		l, _ := CompileLike(p.String())
		if got, want := l.Match(s.String()), likeRegexp(p.String()).MatchString(s.String()); got != want {
			t.Fatalf("%q LIKE %q = %v, regexp says %v", s.String(), p.String(), got, want)
		}
	}
}

func TestLikeIsLinear(t *testing.T) {
	l := MustCompileLike("%a%a%a%a%a%a%a%a%a%b")
	s := strings.Repeat("a", 5000)
	if l.Match(s) {
		t.Fatal("matched")
	}
}

func FuzzLike(f *testing.F) {
	f.Add("a%b_c", "aXbYc")
	f.Add(`\%%_`, "%日")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		l, err := CompileLike(pattern)
		if err != nil {
			return
		}
		l.Match(s)
	})
}

func BenchmarkLike(b *testing.B) {
	l := MustCompileLike("%abc%x_z%")
	s := "some fairly long string with abc in it and then xyz at the end"
	for range b.N {
		l.Match(s)
	}
}

func BenchmarkRoundHalfUp(b *testing.B) {
	for range b.N {
		RoundHalfUp(1234.56789, 2)
	}
}

func FuzzStrings(f *testing.F) {
	f.Add("héllo wörld", "l", int32(2), int32(3))
	f.Add("\xff\xfe日", "", int32(-1), int32(-5))
	f.Fuzz(func(t *testing.T, s, sub string, a, b int32) {
		if got, want := Substring(s, a, b), substringRef(strings.ToValidUTF8(s, "\ufffd"), a, b); strings.ToValidUTF8(got, "\ufffd") != want && isValid(s) {
			t.Fatalf("Substring(%q, %d, %d) = %q, want %q", s, a, b, got, want)
		}
		SubstringFrom(s, a)
		Lower(s)
		Upper(s)
		InitCap(s)
		Reverse(s)
		InStr(s, sub)
		Locate(sub, s, a)
		Replace(s, sub, "x")
		SplitPart(s, sub, a)
		TrimChars(s, sub)
		LPad(s, a%1000, sub)
		RPad(s, b%1000, sub)
		Repeat(sub, a%100)
		CastToInt64(s)
		CastToDouble(s)
		CastToBoolean(s)
		CastToTimestamp(s)
		CastToDate(s)
		x := math.Float64frombits(uint64(a)<<32 | uint64(uint32(b)))
		RoundHalfUp(x, b%400)
		BRound(x, a%400)
		RoundInt64(int64(a)<<32|int64(b), b%25)
	})
}

func isValid(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

func TestPatternsCache(t *testing.T) {
	var p Patterns
	re, err := p.Regexp(`^a(\d+)$`)
	if err != nil || !re.MatchString("a12") {
		t.Fatalf("Regexp: %v", err)
	}
	if again, _ := p.Regexp(`^a(\d+)$`); again != re {
		t.Error("a cached pattern is compiled again")
	}
	for _, bad := range []string{"(", "a[", `\`, "x{2,1}"} {
		if re, err := p.Regexp(bad); err == nil || re != nil {
			t.Errorf("Regexp(%q): want an error, got %v", bad, re)
		} else if !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("Regexp(%q): the error %q does not name the pattern", bad, err)
		}
	}
	// The cache stays bounded however many distinct patterns the data holds, and a pattern
	// the data's buffer held is not aliased by the key.
	buf := []byte("p0000")
	for i := range 10 * maxPatterns {
		copy(buf[1:], strconv.Itoa(10000 + i)[1:])
		s := unsafeString(buf)
		if _, err := p.Regexp(s); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Like(s + "%"); err != nil {
			t.Fatal(err)
		}
		if len(p.re) > maxPatterns || len(p.like) > maxPatterns {
			t.Fatalf("after %d patterns the cache holds %d regexps and %d LIKE patterns", i+1, len(p.re), len(p.like))
		}
	}
	for k, re := range p.re {
		if re.String() != k {
			t.Errorf("key %q maps to %q: the key aliases a reused buffer", k, re)
		}
	}
	if _, err := p.Like(`a\`); err == nil {
		t.Error(`Like("a\\"): want an error`)
	}
}

// unsafeString is how generated code views input bytes: the string changes with the buffer.
func unsafeString(b []byte) string { return unsafe.String(&b[0], len(b)) }
