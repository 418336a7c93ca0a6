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
