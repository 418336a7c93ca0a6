package plan

// Flatten inlines a chain of row-at-a-time steps into expressions over the chain's input
// columns: the filter conditions in order, and one expression per output column. A column
// computed once and used several times becomes the same Expr value in every place, so code
// generation can compute it once.
func Flatten(in []Column, steps []Step) (filters []Expr, cols []Expr) {
	cols = make([]Expr, len(in))
	for i, c := range in {
		cols[i] = &ColRef{Idx: i, Name: c.Name, T: c.Type, Null: c.Nullable}
	}
	for _, s := range steps {
		switch s := s.(type) {
		case *Filter:
			filters = append(filters, Subst(s.Cond, cols))
		case *Project:
			next := make([]Expr, len(s.Exprs))
			for i, e := range s.Exprs {
				next[i] = Subst(e, cols)
			}
			cols = next
		}
	}
	return filters, cols
}

// Subst replaces each column reference in e by the expression defining that column.
func Subst(e Expr, cols []Expr) Expr {
	sub := func(x Expr) Expr { return Subst(x, cols) }
	switch e := e.(type) {
	case *ColRef:
		return cols[e.Idx]
	case *Const:
		return e
	case *Binary:
		c := *e
		c.L, c.R = sub(e.L), sub(e.R)
		return Fold(&c) // an inlined column can make the operands constant
	case *Unary:
		c := *e
		c.X = sub(e.X)
		return Fold(&c)
	case *IsNull:
		c := *e
		c.X = sub(e.X)
		return &c
	case *In:
		c := *e
		c.X = sub(e.X)
		c.List = substAll(e.List, cols)
		return &c
	case *Like:
		c := *e
		c.X, c.Pattern = sub(e.X), sub(e.Pattern)
		return &c
	case *Case:
		c := *e
		c.Whens = make([]When, len(e.Whens))
		for i, w := range e.Whens {
			c.Whens[i] = When{Cond: sub(w.Cond), Result: sub(w.Result)}
		}
		if e.Else != nil {
			c.Else = sub(e.Else)
		}
		return &c
	case *Cast:
		c := *e
		c.X = sub(e.X)
		return Fold(&c)
	case *Call:
		c := *e
		c.Args = substAll(e.Args, cols)
		return &c
	}
	panic("plan.Subst: unknown expression type")
}

func substAll(es []Expr, cols []Expr) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = Subst(e, cols)
	}
	return out
}

// Walk calls fn for e and every expression below it, parents first.
func Walk(e Expr, fn func(Expr)) {
	fn(e)
	switch e := e.(type) {
	case *Binary:
		Walk(e.L, fn)
		Walk(e.R, fn)
	case *Unary:
		Walk(e.X, fn)
	case *IsNull:
		Walk(e.X, fn)
	case *In:
		Walk(e.X, fn)
		for _, x := range e.List {
			Walk(x, fn)
		}
	case *Like:
		Walk(e.X, fn)
		Walk(e.Pattern, fn)
	case *Case:
		for _, w := range e.Whens {
			Walk(w.Cond, fn)
			Walk(w.Result, fn)
		}
		if e.Else != nil {
			Walk(e.Else, fn)
		}
	case *Cast:
		Walk(e.X, fn)
	case *Call:
		for _, x := range e.Args {
			Walk(x, fn)
		}
	}
}
