package plan

import "github.com/sqlstream/sqlstream/compiler/sqltype"

// DeriveExpiry sets sj.Expiry from its ON condition, Spark's state value watermarks: n is
// the number of left columns, and the right side's columns follow them in the joined row.
// A condition R.y <= L.x + b (or <, or =) bounds the right rows that can still match a left
// row: once the watermark passes L.x + b, every later right row has its watermarked column y
// after it (earlier ones are dropped as late), so the left row expires at L.x + b. Likewise
// R.y >= L.x + a makes a right row expire at R.y - a when x is the left's watermarked
// column. Equality keys count as = conditions. Of several bounds on one side, the first
// found is kept, the tighter one where two bound the same column.
func (sj *StreamJoin) DeriveExpiry(left, right *Source, n int) {
	sj.Expiry = [2]*Expiry{}
	// bound takes R.y op L.x + c, y a right column (its own index) and x a left one.
	bound := func(op string, y, x int, c int64, cond Expr) {
		if (op == "<" || op == "<=" || op == "=") && y == right.Watermark {
			sj.offer(0, x, c, cond)
		}
		if (op == ">" || op == ">=" || op == "=") && x == left.Watermark {
			sj.offer(1, y, -c, cond)
		}
	}
	for _, c := range splitAnd(sj.Residual) {
		b, ok := c.(*Binary)
		if !ok {
			continue
		}
		lc, lo, ok1 := timeTerm(b.L)
		rc, ro, ok2 := timeTerm(b.R)
		if !ok1 || !ok2 || (lc < n) == (rc < n) {
			continue
		}
		op := b.Op
		if lc < n { // L.x + lo op R.y + ro: turn it round
			lc, lo, rc, ro = rc, ro, lc, lo
			op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}[op]
		}
		bound(op, lc-n, rc, ro-lo, c) // R.y + lo op L.x + ro
	}
	for i, lk := range sj.LeftKeys {
		if lw, ok := windowOf(lk); ok {
			// window(L.x) = window(R.y): a row's window ends before every later row of the
			// other side begins once the watermark passes its end.
			rw, ok := windowOf(sj.RightKeys[i])
			if !ok || lw.size != rw.size {
				continue
			}
			cond := &Binary{Op: "=", L: lk, R: sj.RightKeys[i], T: sqltype.Boolean}
			if rw.col == right.Watermark {
				sj.offerWindow(0, lw.col, lw.size, cond)
			}
			if lw.col == left.Watermark {
				sj.offerWindow(1, rw.col, rw.size, cond)
			}
			continue
		}
		x, lo, ok1 := timeTerm(lk)
		y, ro, ok2 := timeTerm(sj.RightKeys[i])
		if ok1 && ok2 {
			bound("=", y, x, lo-ro, &Binary{Op: "=", L: lk, R: sj.RightKeys[i], T: sqltype.Boolean})
		}
	}
}

// offerWindow keeps a side's expiry at the end of col's window of size, unless it has one.
func (sj *StreamJoin) offerWindow(side, col int, size int64, cond Expr) {
	if sj.Expiry[side] == nil {
		sj.Expiry[side] = &Expiry{Col: col, Window: size, Cond: cond}
	}
}

// window is a tumbling window of a column.
type window struct {
	col  int
	size int64
}

// windowOf reads e as window(col, size), tumbling.
func windowOf(e Expr) (window, bool) {
	c, ok := e.(*Call)
	if !ok || c.Name != "window" {
		return window{}, false
	}
	ref, ok := c.Args[0].(*ColRef)
	if !ok {
		return window{}, false
	}
	return window{ref.Idx, c.Args[1].(*Const).Int}, true
}

// offer keeps a side's expiry at col + off, unless it has one already: the tighter of two
// on the same column.
func (sj *StreamJoin) offer(side, col int, off int64, cond Expr) {
	e := sj.Expiry[side]
	switch {
	case e == nil:
		sj.Expiry[side] = &Expiry{Col: col, Offset: off, Cond: cond}
	case e.Col == col && off < e.Offset:
		e.Offset, e.Cond = off, cond
	}
}

// splitAnd lists the conjuncts of conds.
func splitAnd(conds []Expr) []Expr {
	var out []Expr
	for _, c := range conds {
		if b, ok := c.(*Binary); ok && b.Op == "AND" {
			out = append(out, splitAnd([]Expr{b.L, b.R})...)
			continue
		}
		out = append(out, c)
	}
	return out
}

// timeTerm reads e as a TIMESTAMP column plus a constant interval.
func timeTerm(e Expr) (col int, off int64, ok bool) {
	switch e := e.(type) {
	case *ColRef:
		return e.Idx, 0, e.T == sqltype.Timestamp
	case *Binary:
		if e.Op != "+" && e.Op != "-" {
			return 0, 0, false
		}
		x, k := e.L, e.R
		if c, isConst := x.(*Const); isConst && e.Op == "+" && c.T == sqltype.Interval {
			x, k = k, x
		}
		c, isConst := k.(*Const)
		if !isConst || c.T != sqltype.Interval || c.IsNull {
			return 0, 0, false
		}
		col, off, ok = timeTerm(x)
		if e.Op == "-" {
			return col, off - c.Int, ok
		}
		return col, off + c.Int, ok
	}
	return 0, 0, false
}
