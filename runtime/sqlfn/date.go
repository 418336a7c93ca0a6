package sqlfn

import (
	"math"
	"time"
)

// Dates are days since 1970-01-01 in the proleptic Gregorian calendar, as in Spark 3.

const (
	microsPerDay    = 86_400_000_000
	microsPerSecond = 1_000_000
)

func civil(d int32) time.Time { return time.Unix(int64(d)*86_400, 0).UTC() }

// days is the date of t, which must be at midnight UTC; ok is false outside DATE's range.
func days(t time.Time) (int32, bool) {
	d := FloorDiv(t.Unix(), 86_400)
	if d < math.MinInt32 || d > math.MaxInt32 {
		return 0, false
	}
	return int32(d), true
}

// DateOf is the date of a timestamp (CAST(ts AS DATE), in UTC).
func DateOf(us int64) int32 { return int32(FloorDiv(us, microsPerDay)) }

// DateAdd is date_add(d, n): n days later. Like Spark's int
// addition it wraps on overflow.
func DateAdd(d, n int32) int32 { return d + n }

// DateSub is date_sub(d, n): n days earlier, wrapping like DateAdd.
func DateSub(d, n int32) int32 { return d - n }

// DateDiff is datediff(end, start): the days from start to end.
func DateDiff(end, start int32) int32 { return end - start }

// MakeDate is make_date(y, m, d); a date that does not exist (2023-02-29, month 13) is NULL
// (ok false), as in Spark's non-ANSI mode.
func MakeDate(y, m, d int32) (int32, bool) {
	if m < 1 || m > 12 || d < 1 || d > daysIn(int(y), time.Month(m)) {
		return 0, false
	}
	return days(time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC))
}

func daysIn(y int, m time.Month) int32 {
	return int32(time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day())
}

// MakeTimestamp is make_timestamp(y, mo, d, h, mi, sec) in UTC; sec may have a fraction
// (rounded to microseconds). sec = 60 with no fraction is the next minute, as in Spark; any
// field out of range gives NULL.
func MakeTimestamp(y, mo, d, h, mi int32, sec float64) (int64, bool) {
	if math.IsNaN(sec) || sec < 0 || sec >= 61 {
		return 0, false
	}
	us := int64(math.Round(sec * microsPerSecond))
	whole := us / microsPerSecond
	switch {
	case whole == 60 && us%microsPerSecond == 0:
	case whole >= 60:
		return 0, false
	}
	day, ok := MakeDate(y, mo, d)
	if !ok || h < 0 || h > 23 || mi < 0 || mi > 59 {
		return 0, false
	}
	midnight, ok := mulExact(int64(day), microsPerDay)
	of := (int64(h)*3600+int64(mi)*60)*microsPerSecond + us
	if !ok || midnight > math.MaxInt64-of {
		return 0, false // beyond TIMESTAMP's range (about 290,000 years)
	}
	return midnight + of, true
}

// DayOfWeek is dayofweek(d): 1 for Sunday to 7 for Saturday.
func DayOfWeek(d int32) int32 { return int32(civil(d).Weekday()) + 1 }

// WeekDay is weekday(d): 0 for Monday to 6 for Sunday.
func WeekDay(d int32) int32 { return (int32(civil(d).Weekday()) + 6) % 7 }

// DayOfYear is dayofyear(d), from 1.
func DayOfYear(d int32) int32 { return int32(civil(d).YearDay()) }

// WeekOfYear is weekofyear(d): the ISO 8601 week, which starts on Monday; week 1 is the one
// with the year's first Thursday, so early January can be in week 52 or 53.
func WeekOfYear(d int32) int32 {
	_, w := civil(d).ISOWeek()
	return int32(w)
}

// Quarter is quarter(d), 1 to 4.
func Quarter(d int32) int32 { return (int32(civil(d).Month())-1)/3 + 1 }

// LastDay is last_day(d): the last day of d's month.
func LastDay(d int32) int32 {
	t := civil(d)
	return d + daysIn(t.Year(), t.Month()) - int32(t.Day())
}

// AddMonths is add_months(d, n): n months later, the day clamped to the end of a shorter
// month (2024-01-31 plus one month is 2024-02-29), as Java's LocalDate.plusMonths. A result
// outside DATE's range is NULL (ok false).
func AddMonths(d, n int32) (int32, bool) {
	t := civil(d)
	m := int64(t.Year())*12 + int64(t.Month()-1) + int64(n)
	y, mo := int(FloorDiv(m, 12)), time.Month(m-FloorDiv(m, 12)*12+1)
	day := min(int32(t.Day()), daysIn(y, mo))
	return days(time.Date(y, mo, int(day), 0, 0, 0, 0, time.UTC))
}

// MonthsBetween is months_between(t1, t2, roundOff), Spark's (and Hive's) rule: whole months
// when both days of the month are equal or both are the last of their month; otherwise the
// difference counts 31-day months, with the time of day in seconds, rounded to 8 digits
// when roundOff.
func MonthsBetween(t1, t2 int64, roundOff bool) float64 {
	d1, d2 := DateOf(t1), DateOf(t2)
	c1, c2 := civil(d1), civil(d2)
	monthDiff := float64((c1.Year()*12 + int(c1.Month())) - (c2.Year()*12 + int(c2.Month())))
	if c1.Day() == c2.Day() || (LastDay(d1) == d1 && LastDay(d2) == d2) {
		return monthDiff
	}
	secs1 := (t1 - int64(d1)*microsPerDay) / microsPerSecond
	secs2 := (t2 - int64(d2)*microsPerDay) / microsPerSecond
	secsDiff := int64(c1.Day()-c2.Day())*86_400 + secs1 - secs2
	diff := monthDiff + float64(secsDiff)/(31*86_400)
	if roundOff {
		return javaRound(diff*1e8) / 1e8
	}
	return diff
}

// javaRound is Java's Math.round(double) as a double: the nearest integer, halves up.
func javaRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	return float64(DoubleToInt64(math.Floor(x + 0.5)))
}

// ToDate is to_date(s, pattern): with no pattern, as CAST(s AS DATE); with one, the date of
// the timestamp the Spark pattern reads. Text that does not match gives NULL.
func ToDate(s, pattern string) (int32, bool) {
	if pattern == "" {
		return CastToDate(s)
	}
	us, ok := ToTimestamp(s, pattern)
	if !ok {
		return 0, false
	}
	return DateOf(us), true
}

// TimestampSeconds is timestamp_seconds(n) for an integer n; NULL (ok false) when it
// overflows, where Spark fails the query.
func TimestampSeconds(n int64) (int64, bool) { return mulExact(n, microsPerSecond) }

// TimestampSecondsDouble is timestamp_seconds(x) for a DOUBLE: truncated to microseconds,
// NULL for NaN and infinities (Spark's rule), saturating as Java's double to long does.
func TimestampSecondsDouble(x float64) (int64, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return DoubleToInt64(x * microsPerSecond), true
}

// TimestampMillis is timestamp_millis(n); NULL when it overflows.
func TimestampMillis(n int64) (int64, bool) { return mulExact(n, 1000) }

func mulExact(a, b int64) (int64, bool) {
	if a > math.MaxInt64/b || a < math.MinInt64/b {
		return 0, false
	}
	return a * b, true
}

// UnixMillis is unix_millis: the timestamp in whole milliseconds since the epoch, rounded
// down (as Spark's floorDiv); unix_seconds is UnixTimestamp.
func UnixMillis(us int64) int64 { return FloorDiv(us, 1000) }
