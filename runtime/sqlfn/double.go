package sqlfn

import "math"

// DOUBLE values compare as in Spark, not as IEEE 754: NaN equals NaN and is larger than every
// other value (+Inf included), and -0.0 equals 0.0. Generated code calls these for DOUBLE
// operands only; the other types keep Go's operators.

// DoubleEq is a = b.
func DoubleEq(a, b float64) bool { return a == b || a != a && b != b }

// DoubleLess is a < b: only a NaN is above +Inf.
func DoubleLess(a, b float64) bool { return a < b || b != b && a == a }

// DoubleLessEq is a <= b.
func DoubleLessEq(a, b float64) bool { return a <= b || b != b }

// CompareDouble orders a and b for ORDER BY: -1, 0 or +1, with NaN last (ascending).
func CompareDouble(a, b float64) int {
	switch {
	case DoubleLess(a, b):
		return -1
	case DoubleLess(b, a):
		return 1
	}
	return 0
}

// canonicalNaN is the one NaN a key holds, whatever bits the input's NaN had.
const canonicalNaN = 0x7ff8000000000001

// DoubleKey is the form of a DOUBLE in a group key or DISTINCT set: its bits, with every NaN
// made one and -0.0 made 0.0, so that Go's == on keys is Spark's grouping equality (Go's
// float64 == would put each NaN in a group of its own).
func DoubleKey(f float64) uint64 {
	switch {
	case f != f:
		return canonicalNaN
	case f == 0:
		return 0
	}
	return math.Float64bits(f)
}

// KeyDouble is the DOUBLE a DoubleKey holds.
func KeyDouble(k uint64) float64 { return math.Float64frombits(k) }
