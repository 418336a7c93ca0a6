package codec

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseBool reads true or false (any case), as Spark's CSV reader does.
func ParseBool(b []byte) (bool, bool) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.EqualFold(b, []byte("true")):
		return true, true
	case bytes.EqualFold(b, []byte("false")):
		return false, true
	}
	return false, false
}

// ParseInt64 reads a decimal integer (surrounding spaces allowed).
func ParseInt64(b []byte) (int64, bool) {
	// fast path: plain digits
	if n := len(b); n > 0 && n < 19 {
		var v int64
		i := 0
		neg := b[0] == '-'
		if neg || b[0] == '+' {
			i = 1
		}
		if i < n {
			for ; i < n; i++ {
				c := b[i]
				if c < '0' || c > '9' {
					goto slow
				}
				v = v*10 + int64(c-'0')
			}
			if neg {
				v = -v
			}
			return v, true
		}
	}
slow:
	v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return v, err == nil
}

// ParseInt32 reads a decimal integer within INT's range.
func ParseInt32(b []byte) (int32, bool) {
	v, ok := ParseInt64(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// ParseFloat64 reads a number (strconv syntax, also NaN and Inf spellings).
func ParseFloat64(b []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	return v, err == nil || isRange(err)
}

var layouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTimestamp reads 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±hh:mm]' as microseconds
// since the epoch; without a zone the time is UTC.
func ParseTimestamp(b []byte) (int64, bool) {
	s := strings.TrimSpace(string(b))
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// ParseDate reads 'YYYY-MM-DD' as days since the epoch.
func ParseDate(b []byte) (int32, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false
	}
	return int32(t.Unix() / 86400), true
}
