package plan_test

import (
	"math"
	"testing"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"

	_ "github.com/sqlstream/sqlstream/golden"
)

func num(t sqltype.Type, i int64) *plan.Const { return &plan.Const{T: t, Int: i} }

// TestFold checks folding against Spark's non-ANSI results, which the generated code has at
// run time: integers wrap, casts from DOUBLE saturate, NULL operands give NULL.
func TestFold(t *testing.T) {
	cases := []struct {
		name string
		e    plan.Expr
		want plan.Const
	}{
		{"INT + wraps", &plan.Binary{Op: "+", L: num(sqltype.Int, math.MaxInt32), R: num(sqltype.Int, 1), T: sqltype.Int},
			plan.Const{T: sqltype.Int, Int: math.MinInt32}},
		{"BIGINT * wraps", &plan.Binary{Op: "*", L: num(sqltype.BigInt, math.MaxInt64), R: num(sqltype.BigInt, 2), T: sqltype.BigInt},
			plan.Const{T: sqltype.BigInt, Int: -2}},
		{"- of INT's minimum", &plan.Unary{Op: "-", X: num(sqltype.Int, math.MinInt32)},
			plan.Const{T: sqltype.Int, Int: math.MinInt32}},
		{"NULL operand", &plan.Binary{Op: "-", L: num(sqltype.Int, 1), R: &plan.Const{T: sqltype.Int, IsNull: true}, T: sqltype.Int},
			plan.Const{T: sqltype.Int, IsNull: true}},
		{"BIGINT to INT keeps the low bits", &plan.Cast{X: num(sqltype.BigInt, 1<<31), To: sqltype.Int},
			plan.Const{T: sqltype.Int, Int: math.MinInt32}},
		{"DOUBLE to INT saturates", &plan.Cast{X: &plan.Const{T: sqltype.Double, Float: 1e20}, To: sqltype.Int},
			plan.Const{T: sqltype.Int, Int: math.MaxInt32}},
		{"DOUBLE NaN to BIGINT is 0", &plan.Cast{X: &plan.Const{T: sqltype.Double, Float: math.NaN()}, To: sqltype.BigInt},
			plan.Const{T: sqltype.BigInt}},
		{"TIMESTAMP to INT: seconds, rounded down", &plan.Cast{X: num(sqltype.Timestamp, -1), To: sqltype.Int},
			plan.Const{T: sqltype.Int, Int: -1}},
		{"INT to TIMESTAMP", &plan.Cast{X: num(sqltype.Int, 2), To: sqltype.Timestamp},
			plan.Const{T: sqltype.Timestamp, Int: 2000000}},
		{"DATE to TIMESTAMP", &plan.Cast{X: num(sqltype.Date, 1), To: sqltype.Timestamp},
			plan.Const{T: sqltype.Timestamp, Int: 86400000000}},
		{"TIMESTAMP to DATE, rounded down", &plan.Cast{X: num(sqltype.Timestamp, -1), To: sqltype.Date},
			plan.Const{T: sqltype.Date, Int: -1}},
		{"BOOLEAN to DOUBLE", &plan.Cast{X: &plan.Const{T: sqltype.Boolean, Bool: true}, To: sqltype.Double},
			plan.Const{T: sqltype.Double, Float: 1}},
		{"DOUBLE to BOOLEAN", &plan.Cast{X: &plan.Const{T: sqltype.Double, Float: 0.5}, To: sqltype.Boolean},
			plan.Const{T: sqltype.Boolean, Bool: true}},
		{"NULL cast", &plan.Cast{X: &plan.Const{T: sqltype.Null, IsNull: true}, To: sqltype.Date},
			plan.Const{T: sqltype.Date, IsNull: true}},
		{"NOT", &plan.Unary{Op: "NOT", X: &plan.Const{T: sqltype.Boolean}},
			plan.Const{T: sqltype.Boolean, Bool: true}},
	}
	for _, c := range cases {
		got, ok := plan.Fold(c.e).(*plan.Const)
		if !ok || *got != c.want {
			t.Errorf("%s: Fold(%s) = %v, want %+v", c.name, c.e, plan.Fold(c.e), c.want)
		}
	}
	// What is left for run time stays as it is.
	for _, e := range []plan.Expr{
		&plan.Cast{X: &plan.Const{T: sqltype.String, Str: "7"}, To: sqltype.Int},
		&plan.Binary{Op: "/", L: &plan.Const{T: sqltype.Double, Float: 1}, R: &plan.Const{T: sqltype.Double}, T: sqltype.Double},
		&plan.Binary{Op: "+", L: &plan.ColRef{T: sqltype.Int}, R: num(sqltype.Int, 1), T: sqltype.Int},
	} {
		if got := plan.Fold(e); got != e {
			t.Errorf("Fold(%s) = %s, want it unchanged", e, got)
		}
	}
}
