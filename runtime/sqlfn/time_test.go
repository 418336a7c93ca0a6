package sqlfn

import "testing"

func TestTimeFunctions(t *testing.T) {
	ts, _ := ToTimestamp("2024-03-15 13:45:30.250", "")
	if Year(ts) != 2024 || Month(ts) != 3 || Day(ts) != 15 || Hour(ts) != 13 || Minute(ts) != 45 || Second(ts) != 30 {
		t.Error("fields")
	}
	for unit, want := range map[string]string{
		"year": "2024-01-01 00:00:00", "quarter": "2024-01-01 00:00:00", "MONTH": "2024-03-01 00:00:00",
		"week": "2024-03-11 00:00:00", "day": "2024-03-15 00:00:00", "hour": "2024-03-15 13:00:00",
		"minute": "2024-03-15 13:45:00", "second": "2024-03-15 13:45:30",
	} {
		got, ok := DateTrunc(unit, ts)
		if !ok || DateFormat(got, "yyyy-MM-dd HH:mm:ss") != want {
			t.Errorf("date_trunc(%s) = %s", unit, DateFormat(got, "yyyy-MM-dd HH:mm:ss"))
		}
	}
	if _, ok := DateTrunc("fortnight", ts); ok {
		t.Error("an unknown unit is NULL")
	}
	if got := DateFormat(ts, "dd/MM/yy 'at' hh:mm a, SSS"); got != "15/03/24 at 01:45 PM, 250" {
		t.Errorf("date_format: %s", got)
	}
	if UnixTimestamp(ts) != 1710510330 || FromUnixtime(0, "yyyy-MM-dd HH:mm:ss") != "1970-01-01 00:00:00" {
		t.Error("unix time")
	}
	if v, ok := ToTimestamp("15.03.2024 13:45", "dd.MM.yyyy HH:mm"); !ok || DateFormat(v, "yyyy-MM-dd HH:mm") != "2024-03-15 13:45" {
		t.Error("to_timestamp with a pattern")
	}
	if _, ok := ToTimestamp("garbage", "yyyy"); ok {
		t.Error("garbage parsed")
	}
}

func TestRegexpFunctions(t *testing.T) {
	re := MustCompileRegexp(`(\d+)-(\d+)`)
	if v, ok := RegexpExtract(re, "a 10-20 b", 2); !ok || v != "20" {
		t.Errorf("extract: %q %v", v, ok)
	}
	if v, ok := RegexpExtract(re, "none", 1); !ok || v != "" {
		t.Errorf("no match is empty: %q", v)
	}
	if _, ok := RegexpExtract(re, "1-2", 3); ok {
		t.Error("a group beyond the pattern is NULL")
	}
	if RegexpReplace(re, "1-2 and 3-4", "$2:$1") != "2:1 and 4:3" {
		t.Error("replace")
	}
	if ConcatWS("-", []string{"a", "", "c"}, []bool{false, true, false}) != "a-c" {
		t.Error("concat_ws skips NULL")
	}
}

func TestMomentsMergeLikeOnePass(t *testing.T) {
	var all, a, b Moments
	for i, x := range []float64{2, 4, 4, 4, 5, 5, 7, 9} {
		all.Add(x)
		if i%3 == 0 {
			a.Add(x)
		} else {
			b.Add(x)
		}
	}
	a.Merge(b)
	if a.N != 8 || a.StddevPop() != 2 || all.StddevPop() != 2 || abs(a.VarSamp()-32.0/7) > 1e-12 {
		t.Errorf("merged %+v, one pass %+v", a, all)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestHLLEstimates(t *testing.T) {
	for _, n := range []int{0, 1, 100, 10000, 200000} {
		var a, b HLL
		for i := range n {
			if i%2 == 0 {
				a.AddInt(int64(i))
				a.AddInt(int64(i)) // duplicates do not count
			} else {
				b.AddString(IntToString(int64(i)) + "x")
			}
		}
		a.Merge(b)
		got := float64(a.Count())
		if n == 0 && got != 0 || n > 0 && (got < float64(n)*0.94 || got > float64(n)*1.06) {
			t.Errorf("n=%d: estimate %v", n, got)
		}
	}
}

// TestFormatsFromData: date_format, from_unixtime and to_timestamp take their pattern from
// a column as well; no pattern text may panic (a format Go does not know is copied or fails
// to parse, giving NULL).
func TestFormatsFromData(t *testing.T) {
	for _, p := range []string{"(", "'", "''", "'unclosed", "yyyy'", "SSSSSSSSS", "\\", "%", "\xff\xfe", "EEEEEEEE", "a'b'c", ""} {
		_ = DateFormat(1_700_000_000_123_456, p)
		_ = FromUnixtime(-1, p)
		if _, ok := ToTimestamp("2024-01-02", p); ok && p == "(" {
			t.Errorf("ToTimestamp with pattern %q parsed a date", p)
		}
	}
}
