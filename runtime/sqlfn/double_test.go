package sqlfn

import (
	"math"
	"slices"
	"testing"
)

func TestDoubleOrder(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	otherNaN := math.Float64frombits(0xfff8000000000abc) // a negative NaN with a payload
	negZero := math.Copysign(0, -1)
	// Spark's order, ascending: NaN is the largest value and equals itself.
	asc := []float64{math.Inf(-1), -1.5, negZero, 0, 2, math.MaxFloat64, inf, nan, otherNaN}
	for i, a := range asc {
		for j, b := range asc {
			ia, ib := rank(i, asc), rank(j, asc)
			if got, want := DoubleEq(a, b), ia == ib; got != want {
				t.Errorf("DoubleEq(%v, %v) = %v", a, b, got)
			}
			if got, want := DoubleLess(a, b), ia < ib; got != want {
				t.Errorf("DoubleLess(%v, %v) = %v", a, b, got)
			}
			if got, want := DoubleLessEq(a, b), ia <= ib; got != want {
				t.Errorf("DoubleLessEq(%v, %v) = %v", a, b, got)
			}
			want := 0
			if ia < ib {
				want = -1
			} else if ia > ib {
				want = 1
			}
			if got := CompareDouble(a, b); got != want {
				t.Errorf("CompareDouble(%v, %v) = %d", a, b, got)
			}
		}
	}
	s := []float64{nan, 1, inf, negZero, nan, -inf}
	slices.SortFunc(s, CompareDouble)
	if !math.IsInf(s[0], -1) || s[1] != 0 || s[2] != 1 || !math.IsInf(s[3], 1) || !math.IsNaN(s[4]) || !math.IsNaN(s[5]) {
		t.Errorf("sorted: %v", s)
	}
}

// rank is a's place in Spark's order: -0.0 ties with 0.0, every NaN with every NaN.
func rank(i int, asc []float64) int {
	switch a := asc[i]; {
	case a != a:
		return 100
	case a == 0:
		return 2
	}
	return i
}

func TestDoubleKey(t *testing.T) {
	otherNaN := math.Float64frombits(0xfff8000000000abc)
	if DoubleKey(math.NaN()) != DoubleKey(otherNaN) {
		t.Error("two NaNs make two keys")
	}
	if DoubleKey(math.Copysign(0, -1)) != DoubleKey(0) || math.Signbit(KeyDouble(DoubleKey(math.Copysign(0, -1)))) {
		t.Error("-0.0 is not the key 0.0")
	}
	for _, f := range []float64{1.5, -2, math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64} {
		if KeyDouble(DoubleKey(f)) != f {
			t.Errorf("%v does not survive a key", f)
		}
	}
	if !math.IsNaN(KeyDouble(DoubleKey(otherNaN))) {
		t.Error("NaN does not survive a key")
	}
	set := map[uint64]struct{}{}
	for _, f := range []float64{math.NaN(), otherNaN, 0, math.Copysign(0, -1), 1} {
		set[DoubleKey(f)] = struct{}{}
	}
	if len(set) != 3 {
		t.Errorf("distinct NaN, NaN, 0.0, -0.0, 1.0: %d values, want 3", len(set))
	}
	var h, h2 HLL
	h.AddFloat(math.NaN())
	h2.AddFloat(otherNaN)
	h.Merge(h2)
	if h.Count() != 1 {
		t.Errorf("approx_count_distinct of two NaNs: %d", h.Count())
	}
}
