// Package sqltype defines sqlstream's SQL types, their spellings, and the implicit widening
// rules (INT → BIGINT → DOUBLE) that the checker applies to expressions.
package sqltype

import "strings"

// Type is a SQL type. Nullability is tracked beside it, not in it.
type Type int

const (
	// Null is the type of the NULL literal; it widens to any type.
	Null Type = iota
	Boolean
	Int
	BigInt
	Double
	String
	Bytes
	Timestamp
	Date
	Interval
	// Window is an event-time window [start, end) of a GROUP BY window(...): held as its start
	// in microseconds; its column knows the size.
	Window
)

var names = [...]string{
	Null: "NULL", Boolean: "BOOLEAN", Int: "INT", BigInt: "BIGINT", Double: "DOUBLE",
	String: "STRING", Bytes: "BYTES", Timestamp: "TIMESTAMP", Date: "DATE", Interval: "INTERVAL",
	Window: "STRUCT<start: TIMESTAMP, end: TIMESTAMP>",
}

func (t Type) String() string {
	if int(t) < len(names) {
		return names[t]
	}
	return "UNKNOWN"
}

// Column types a CREATE SOURCE may declare, in the order documentation lists them.
var Declarable = []Type{Boolean, Int, BigInt, Double, String, Bytes, Timestamp, Date}

var spellings = map[string]Type{
	"BOOLEAN": Boolean, "BOOL": Boolean,
	"INT": Int, "INTEGER": Int, "INT32": Int,
	"BIGINT": BigInt, "LONG": BigInt, "INT64": BigInt,
	"DOUBLE": Double, "FLOAT": Double, "FLOAT64": Double, "REAL": Double,
	"STRING": String, "VARCHAR": String, "TEXT": String, "CHAR": String,
	"BYTES": Bytes, "BINARY": Bytes, "VARBINARY": Bytes,
	"TIMESTAMP": Timestamp,
	"DATE":      Date,
}

// Parse maps a type name as written in SQL (any case, with synonyms) to a Type.
func Parse(name string) (Type, bool) {
	t, ok := spellings[strings.ToUpper(name)]
	return t, ok
}

// Spellings lists every accepted type name, for "did you mean" hints and the reference.
func Spellings() []string {
	out := make([]string, 0, len(spellings))
	for k := range spellings {
		out = append(out, k)
	}
	return out
}

// IsNumeric reports INT, BIGINT and DOUBLE.
func (t Type) IsNumeric() bool { return t == Int || t == BigInt || t == Double }

// IsIntegral reports INT and BIGINT.
func (t Type) IsIntegral() bool { return t == Int || t == BigInt }

// Orderable reports whether values of t can be compared with < and >.
func (t Type) Orderable() bool { return t != Interval && t != Null }

// Common returns the type both a and b widen to implicitly, if any: equal types, NULL with
// anything, and INT → BIGINT → DOUBLE. Everything else needs a CAST.
func Common(a, b Type) (Type, bool) {
	switch {
	case a == b:
		return a, true
	case a == Null:
		return b, true
	case b == Null:
		return a, true
	case a.IsNumeric() && b.IsNumeric():
		return max(a, b), true
	}
	return Null, false
}

// CanCast reports whether CAST(x AS to) is allowed for x of type from (Spark's Cast rules,
// minus the types sqlstream does not have).
func CanCast(from, to Type) bool {
	if from == to || from == Null || from == String || to == String {
		return true
	}
	switch to {
	case Boolean, Int, BigInt, Double:
		return from == Boolean || from.IsNumeric() || (from == Timestamp && to != Boolean)
	case Timestamp:
		return from.IsNumeric() || from == Date
	case Date:
		return from == Timestamp
	}
	return false
}
