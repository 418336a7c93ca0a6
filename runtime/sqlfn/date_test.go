package sqlfn

import (
	"math"
	"testing"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

func mustDate(t *testing.T, s string) int32 {
	t.Helper()
	d, ok := CastToDate(s)
	if !ok {
		t.Fatalf("bad date %q", s)
	}
	return d
}

func mustTS(t *testing.T, s string) int64 {
	t.Helper()
	us, ok := CastToTimestamp(s)
	if !ok {
		t.Fatalf("bad timestamp %q", s)
	}
	return us
}

func TestMakeDate(t *testing.T) {
	tests := []struct {
		y, m, d int32
		want    string // "" for NULL
	}{
		{2024, 2, 29, "2024-02-29"},
		{2023, 2, 29, ""},
		{2024, 2, 30, ""},
		{1900, 2, 29, ""}, // not a leap year
		{2000, 2, 29, "2000-02-29"},
		{2024, 13, 1, ""},
		{2024, 0, 1, ""},
		{2024, 1, 0, ""},
		{2024, 4, 31, ""},
		{1969, 12, 31, "1969-12-31"},
		{1, 1, 1, "0001-01-01"},
		{math.MaxInt32, 1, 1, ""}, // beyond DATE's range
	}
	for _, tt := range tests {
		d, ok := MakeDate(tt.y, tt.m, tt.d)
		got := ""
		if ok {
			got = codec.FormatDate(d)
		}
		if got != tt.want {
			t.Errorf("make_date(%d, %d, %d) = %q, want %q", tt.y, tt.m, tt.d, got, tt.want)
		}
	}
	if d, _ := MakeDate(1969, 12, 31); d != -1 {
		t.Errorf("1969-12-31 is day %d", d)
	}
}

func TestDateFields(t *testing.T) {
	tests := []struct {
		date                      string
		dow, wd, doy, week, quart int32
		last                      string
	}{
		{"1970-01-01", 5, 3, 1, 1, 1, "1970-01-31"},  // a Thursday
		{"2021-01-01", 6, 4, 1, 53, 1, "2021-01-31"}, // ISO week 53 of 2020
		{"2024-12-30", 2, 0, 365, 1, 4, "2024-12-31"},
		{"2024-12-31", 3, 1, 366, 1, 4, "2024-12-31"},
		{"2024-02-10", 7, 5, 41, 6, 1, "2024-02-29"},
		{"1900-02-01", 5, 3, 32, 5, 1, "1900-02-28"},
		{"1969-12-31", 4, 2, 365, 1, 4, "1969-12-31"},
		{"2024-05-01", 4, 2, 122, 18, 2, "2024-05-31"},
	}
	for _, tt := range tests {
		d := mustDate(t, tt.date)
		if got := DayOfWeek(d); got != tt.dow {
			t.Errorf("dayofweek(%s) = %d, want %d", tt.date, got, tt.dow)
		}
		if got := WeekDay(d); got != tt.wd {
			t.Errorf("weekday(%s) = %d, want %d", tt.date, got, tt.wd)
		}
		if got := DayOfYear(d); got != tt.doy {
			t.Errorf("dayofyear(%s) = %d, want %d", tt.date, got, tt.doy)
		}
		if got := WeekOfYear(d); got != tt.week {
			t.Errorf("weekofyear(%s) = %d, want %d", tt.date, got, tt.week)
		}
		if got := Quarter(d); got != tt.quart {
			t.Errorf("quarter(%s) = %d, want %d", tt.date, got, tt.quart)
		}
		if got := codec.FormatDate(LastDay(d)); got != tt.last {
			t.Errorf("last_day(%s) = %s, want %s", tt.date, got, tt.last)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	d := mustDate(t, "2024-02-28")
	if got := codec.FormatDate(DateAdd(d, 1)); got != "2024-02-29" {
		t.Errorf("date_add = %s", got)
	}
	if got := codec.FormatDate(DateSub(d, 59)); got != "2023-12-31" {
		t.Errorf("date_sub = %s", got)
	}
	if got := codec.FormatDate(DateAdd(mustDate(t, "1970-01-02"), -2)); got != "1969-12-31" {
		t.Errorf("date_add across the epoch = %s", got)
	}
	if DateAdd(math.MaxInt32, 1) != math.MinInt32 || DateSub(math.MinInt32, 1) != math.MaxInt32 {
		t.Error("date_add and date_sub wrap like Spark's int arithmetic")
	}
	if got := DateDiff(mustDate(t, "2024-03-01"), mustDate(t, "2023-03-01")); got != 366 {
		t.Errorf("datediff over a leap day = %d", got)
	}
	if got := DateDiff(mustDate(t, "1969-12-31"), mustDate(t, "1970-01-02")); got != -2 {
		t.Errorf("datediff backwards = %d", got)
	}
	for _, tt := range []struct {
		from string
		n    int32
		want string
	}{
		{"2024-01-31", 1, "2024-02-29"},
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"1970-01-15", -1, "1969-12-15"},
		{"2024-05-15", -17, "2022-12-15"},
		{"2019-02-28", 1, "2019-03-28"}, // Spark 3: a month end does not stay one
	} {
		got, ok := AddMonths(mustDate(t, tt.from), tt.n)
		if !ok || codec.FormatDate(got) != tt.want {
			t.Errorf("add_months(%s, %d) = %s, want %s", tt.from, tt.n, codec.FormatDate(got), tt.want)
		}
	}
	if _, ok := AddMonths(0, math.MaxInt32); ok {
		t.Error("add_months beyond DATE's range is NULL")
	}
}

func TestMonthsBetween(t *testing.T) {
	tests := []struct {
		t1, t2 string
		round  bool
		want   float64
	}{
		// Spark's documented examples.
		{"1997-02-28 10:30:00", "1996-10-30", true, 3.94959677},
		{"1997-02-28 10:30:00", "1996-10-30", false, 3.9495967741935485},
		{"2024-03-31", "2024-02-29", true, 1},          // both month ends
		{"2024-03-15 23:00:00", "2024-01-15", true, 2}, // the same day: the time does not count
		{"2024-01-01", "2024-01-02", true, -0.03225806},
		{"1969-12-01 12:00:00", "1970-01-02", true, -1.01612903},
	}
	for _, tt := range tests {
		if got := MonthsBetween(mustTS(t, tt.t1), mustTS(t, tt.t2), tt.round); got != tt.want {
			t.Errorf("months_between(%s, %s, %v) = %v, want %v", tt.t1, tt.t2, tt.round, got, tt.want)
		}
	}
}

func TestEpochConversions(t *testing.T) {
	if v, ok := TimestampSeconds(1230219000); !ok || codec.FormatTimestamp(v) != "2008-12-25 15:30:00" {
		t.Errorf("timestamp_seconds = %s", codec.FormatTimestamp(v))
	}
	if v, ok := TimestampSeconds(-1); !ok || codec.FormatTimestamp(v) != "1969-12-31 23:59:59" {
		t.Errorf("timestamp_seconds(-1) = %s", codec.FormatTimestamp(v))
	}
	if _, ok := TimestampSeconds(math.MaxInt64 / 1000); ok {
		t.Error("timestamp_seconds overflow is NULL")
	}
	if v, ok := TimestampSecondsDouble(-1.5); !ok || v != -1_500_000 {
		t.Errorf("timestamp_seconds(-1.5) = %d", v)
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, ok := TimestampSecondsDouble(x); ok {
			t.Errorf("timestamp_seconds(%v) is NULL", x)
		}
	}
	if v, ok := TimestampSecondsDouble(1e300); !ok || v != math.MaxInt64 {
		t.Errorf("timestamp_seconds(1e300) saturates as Java does: %d", v)
	}
	if v, ok := TimestampMillis(-1); !ok || v != -1000 {
		t.Errorf("timestamp_millis(-1) = %d", v)
	}
	if _, ok := TimestampMillis(math.MinInt64 / 10); ok {
		t.Error("timestamp_millis overflow is NULL")
	}
	for _, tt := range []struct{ us, secs, millis int64 }{
		{0, 0, 0}, {-1, -1, -1}, {-1000, -1, -1}, {-1001, -1, -2}, {1_999_999, 1, 1999}, {-1_000_000, -1, -1000},
	} {
		if s, m := UnixTimestamp(tt.us), UnixMillis(tt.us); s != tt.secs || m != tt.millis {
			t.Errorf("unix_seconds/millis(%d) = %d, %d, want %d, %d", tt.us, s, m, tt.secs, tt.millis)
		}
	}
	if DateOf(-1) != -1 || DateOf(0) != 0 || DateOf(microsPerDay-1) != 0 {
		t.Error("DateOf rounds down")
	}
}

func TestToDateAndMakeTimestamp(t *testing.T) {
	tests := []struct{ s, pattern, want string }{
		{"2024-02-29", "", "2024-02-29"},
		{"2023-02-29", "", ""},
		{"2016-12-31 23:59:59", "", "2016-12-31"},
		{"29/02/2024", "dd/MM/yyyy", "2024-02-29"},
		{"2024-02-29 23:59", "yyyy-MM-dd HH:mm", "2024-02-29"},
		{"31/02/2024", "dd/MM/yyyy", ""},
		{"nonsense", "dd/MM/yyyy", ""},
		{"nonsense", "", ""},
	}
	for _, tt := range tests {
		d, ok := ToDate(tt.s, tt.pattern)
		got := ""
		if ok {
			got = codec.FormatDate(d)
		}
		if got != tt.want {
			t.Errorf("to_date(%q, %q) = %q, want %q", tt.s, tt.pattern, got, tt.want)
		}
	}
	ts := []struct {
		y, mo, d, h, mi int32
		sec             float64
		want            string
	}{
		{2014, 12, 28, 6, 30, 45.887, "2014-12-28 06:30:45.887"},
		{2019, 6, 30, 23, 59, 60, "2019-07-01 00:00:00"},
		{2019, 6, 30, 23, 59, 60.5, ""},
		{2019, 6, 30, 23, 59, 59.9999999, "2019-07-01 00:00:00"},
		{2019, 13, 1, 0, 0, 0, ""},
		{2019, 2, 29, 0, 0, 0, ""},
		{2019, 6, 30, 24, 0, 0, ""},
		{2019, 6, 30, 0, 60, 0, ""},
		{2019, 6, 30, 0, 0, -1, ""},
		{2019, 6, 30, 0, 0, math.NaN(), ""},
		{1969, 12, 31, 23, 59, 59.5, "1969-12-31 23:59:59.5"},
		{300000, 1, 1, 0, 0, 0, ""},
	}
	for _, tt := range ts {
		v, ok := MakeTimestamp(tt.y, tt.mo, tt.d, tt.h, tt.mi, tt.sec)
		got := ""
		if ok {
			got = codec.FormatTimestamp(v)
		}
		if got != tt.want {
			t.Errorf("make_timestamp(%d, %d, %d, %d, %d, %v) = %q, want %q", tt.y, tt.mo, tt.d, tt.h, tt.mi, tt.sec, got, tt.want)
		}
	}
}

func TestMoreStringFunctions(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int32
		l, r string
	}{
		{"Spark SQL", 3, "Spa", "SQL"},
		{"é€x", 5, "é€x", "é€x"},
		{"é€x", 2, "é€", "€x"},
		{"abc", 0, "", ""},
		{"abc", -1, "", ""},
		{"abc", math.MinInt32, "", ""},
		{"", 3, "", ""},
	} {
		if l, r := Left(tt.s, tt.n), Right(tt.s, tt.n); l != tt.l || r != tt.r {
			t.Errorf("left/right(%q, %d) = %q, %q, want %q, %q", tt.s, tt.n, l, r, tt.l, tt.r)
		}
	}
	if ASCII("222") != 50 || ASCII("") != 0 || ASCII("é!") != 233 {
		t.Error("ascii")
	}
	for n, want := range map[int64]string{65: "A", 256 + 65: "A", -1: "", 0: "\x00", 233: "é", 256: "\x00"} {
		if got := Chr(n); got != want {
			t.Errorf("chr(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tt := range []struct{ s, from, to, want string }{
		{"AaBbCc", "abc", "123", "A1B2C3"},
		{"abc", "aab", "xyz", "xzc"}, // the first a counts, but the second takes its place in to
		{"abc", "ab", "x", "xc"},
		{"abc", "", "xyz", "abc"},
		{"héllo", "é", "e", "hello"},
	} {
		if got := Translate(tt.s, tt.from, tt.to); got != tt.want {
			t.Errorf("translate(%q, %q, %q) = %q, want %q", tt.s, tt.from, tt.to, got, tt.want)
		}
	}
	if OctetLength("é") != 2 || BitLength("é") != 16 || OctetLength("") != 0 {
		t.Error("octet_length, bit_length")
	}
	if TrimChars("xxaxbxx", "x") != "axb" {
		t.Error("btrim with characters")
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tt := range []struct {
		x    float64
		d    int32
		want string
	}{
		{12332.123456, 4, "12,332.1235"}, // Spark's documented example
		{12332.123456, 0, "12,332"},
		{0.125, 2, "0.12"}, // an exact tie rounds to even
		{0.375, 2, "0.38"}, // an exact tie rounds to even
		{2.675, 2, "2.67"}, // 2.675 is 2.67499999... in binary
		{-1234567.5, 0, "-1,234,568"},
		{-0.001, 2, "-0.00"},
		{999.999, 2, "1,000.00"},
		{100, 1, "100.0"},
		{math.NaN(), 2, "NaN"},
		{math.Inf(-1), 2, "-∞"},
	} {
		if got, ok := FormatNumber(tt.x, tt.d); !ok || got != tt.want {
			t.Errorf("format_number(%v, %d) = %q, want %q", tt.x, tt.d, got, tt.want)
		}
	}
	if _, ok := FormatNumber(1, -1); ok {
		t.Error("a negative d is NULL")
	}
	for _, tt := range []struct {
		n    int64
		d    int32
		want string
	}{
		{0, 0, "0"}, {-123456, 2, "-123,456.00"}, {math.MinInt64, 0, "-9,223,372,036,854,775,808"}, {1000, 1, "1,000.0"},
	} {
		if got, ok := FormatNumberInt(tt.n, tt.d); !ok || got != tt.want {
			t.Errorf("format_number(%d, %d) = %q, want %q", tt.n, tt.d, got, tt.want)
		}
	}
	if s, _ := FormatNumber(1.5, 100000); len(s) != 2+maxFractionDigits {
		t.Errorf("%d characters: decimals are capped at %d", len(s), maxFractionDigits)
	}
}
