package sqlfn

import (
	"strconv"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// Timestamps are microseconds since the Unix epoch; every function here works in UTC.

func utc(us int64) time.Time { return time.UnixMicro(us).UTC() }

// Year, Month, Day, Hour, Minute and Second extract a field of a timestamp.
func Year(us int64) int32   { return int32(utc(us).Year()) }
func Month(us int64) int32  { return int32(utc(us).Month()) }
func Day(us int64) int32    { return int32(utc(us).Day()) }
func Hour(us int64) int32   { return int32(utc(us).Hour()) }
func Minute(us int64) int32 { return int32(utc(us).Minute()) }
func Second(us int64) int32 { return int32(utc(us).Second()) }

// DateTrunc truncates a timestamp to unit: year, quarter, month, week (to Monday), day,
// hour, minute, second, millisecond or microsecond (any case; Spark's date_trunc). An unknown
// unit gives NULL (ok false).
func DateTrunc(unit string, us int64) (int64, bool) {
	t := utc(us)
	var r time.Time
	switch strings.ToLower(unit) {
	case "year", "yyyy", "yy":
		r = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		r = time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "month", "mon", "mm":
		r = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "week":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		r = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "day", "dd":
		r = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case "hour":
		r = t.Truncate(time.Hour)
	case "minute":
		r = t.Truncate(time.Minute)
	case "second":
		r = t.Truncate(time.Second)
	case "millisecond":
		r = t.Truncate(time.Millisecond)
	case "microsecond":
		return us, true
	default:
		return 0, false
	}
	return r.UnixMicro(), true
}

// UnixTimestamp is the timestamp in whole seconds since the epoch (rounded down).
func UnixTimestamp(us int64) int64 { return FloorDiv(us, 1_000_000) }

// FromUnixtime formats seconds since the epoch with a Spark (Java) pattern; the default
// pattern is "yyyy-MM-dd HH:mm:ss".
func FromUnixtime(secs int64, pattern string) string {
	return DateFormat(secs*1_000_000, pattern)
}

// DateFormat formats a timestamp with a Spark (Java DateTimeFormatter) pattern such as
// "yyyy-MM-dd HH:mm:ss.SSS". Letters it does not know are copied as they are.
func DateFormat(us int64, pattern string) string {
	t := utc(us)
	out := t.Format(goLayout(pattern))
	// Fractions go in after Go's formatting, which knows them only right after a '.'.
	ms := t.Nanosecond() / 1_000_000
	micros := t.Nanosecond() / 1_000
	out = strings.ReplaceAll(out, microsMark, pad(micros, 6))
	return strings.ReplaceAll(out, millisMark, pad(ms, 3))
}

// Marks stand for fractions of a second in a layout until DateFormat fills them in.
const millisMark, microsMark = "\ue000", "\ue001"

func pad(n, width int) string {
	s := strings.Repeat("0", width) + strconv.Itoa(n)
	return s[len(s)-width:]
}

// ToTimestamp parses s as a timestamp: with no pattern, as CAST does; with one, by that Spark
// pattern. Text that does not match gives NULL.
func ToTimestamp(s, pattern string) (int64, bool) {
	if pattern == "" {
		return codec.ParseTimestamp([]byte(s))
	}
	layout := strings.NewReplacer("."+microsMark, ".000000", "."+millisMark, ".000").Replace(goLayout(pattern))
	t, err := time.Parse(layout, strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.UnixMicro(), true
}

// javaFields maps Java pattern letters (by run) to Go layout elements.
var javaFields = []struct{ java, golang string }{
	{"yyyy", "2006"}, {"yy", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"}, {"M", "1"},
	{"dd", "02"}, {"d", "2"}, {"HH", "15"}, {"hh", "03"}, {"h", "3"}, {"mm", "04"}, {"m", "4"},
	{"ss", "05"}, {"s", "5"}, {"SSSSSS", microsMark}, {"SSS", millisMark}, {"a", "PM"},
	{"EEEE", "Monday"}, {"EEE", "Mon"}, {"XXX", "Z07:00"}, {"Z", "-0700"}, {"z", "MST"},
}

// goLayout translates a Java date-time pattern into a Go layout; text in single quotes is
// literal.
func goLayout(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		if p[i] == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				b.WriteString(p[i+1:])
				break
			}
			b.WriteString(p[i+1 : i+1+j])
			i += j + 2
			continue
		}
		matched := false
		for _, f := range javaFields {
			if strings.HasPrefix(p[i:], f.java) {
				b.WriteString(f.golang)
				i += len(f.java)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(p[i])
			i++
		}
	}
	return b.String()
}

// WindowStart is the start of the last window (of the given slide) that begins at or before
// ts: windows start at multiples of slide since the epoch, as in Spark.
func WindowStart(ts, slide int64) int64 { return ts - (ts%slide+slide)%slide }
