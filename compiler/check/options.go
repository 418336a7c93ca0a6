package check

import (
	"strconv"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/grammar"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type checkedOptions struct {
	connector string
	values    map[string]string // every option, defaults filled in
	ok        bool              // the connector is known and its options are valid
}

// options validates a WITH clause against the connector's option spec (the same spec the
// generated program checks --set overrides against).
func (c *checker) options(owner, kind string, at grammar.Ident, with []*grammar.Option) checkedOptions {
	out := checkedOptions{values: map[string]string{}}
	k := connector.Source
	if kind == "sink" {
		k = connector.Sink
	}
	var conn *grammar.Option
	given := map[string]*grammar.Option{}
	for _, o := range with {
		name := strings.ToLower(o.Key.Name)
		if prev := given[name]; prev != nil {
			c.errs.Errorf(o.Key.Pos, "option %q is given twice", o.Key.Name).WithEnd(o.Key.EndPos).
				WithHelp("the first is at line %d", prev.Key.Pos.Line)
			continue
		}
		given[name] = o
		if name == "connector" {
			conn = o
		}
	}
	if conn == nil {
		c.errs.Errorf(at.Pos, "%s %q has no connector", kind, owner).WithEnd(at.EndPos).
			WithHelp("add WITH (connector = '%s', ...); connectors: %s", map[string]string{"source": "files", "sink": "console"}[kind], strings.Join(connector.Names(k), ", "))
		return out
	}
	name := literalString(conn.Value)
	spec, ok := connector.Lookup(k, name)
	if !ok {
		d := c.errs.Errorf(conn.Value.Pos, "unknown %s connector %q", kind, name).WithEnd(conn.Value.EndPos)
		if s := diag.Closest(name, connector.Names(k)); s != "" {
			d.WithHelp("did you mean %q?", s)
		} else {
			d.WithHelp("%s connectors: %s", kind, strings.Join(connector.Names(k), ", "))
		}
		return out
	}
	out.connector = spec.Name
	out.ok = true
	names := make([]string, 0, len(spec.Options))
	for _, o := range spec.Options {
		names = append(names, o.Name)
	}
	suggested := map[string]bool{}
	for _, o := range with {
		name := strings.ToLower(o.Key.Name)
		if name == "connector" || given[name] != o {
			continue
		}
		opt := spec.Option(name)
		if opt == nil {
			d := c.errs.Errorf(o.Key.Pos, "unknown option %q for the %s %s", o.Key.Name, spec.Name, kind).WithEnd(o.Key.EndPos)
			if s := diag.Closest(o.Key.Name, names); s != "" {
				suggested[s] = true
				d.WithHelp("did you mean %q?", s)
			} else {
				d.WithHelp("options of %s: %s", spec.Name, strings.Join(names, ", "))
			}
			out.ok = false
			continue
		}
		v := literalString(o.Value)
		if msg := checkValue(opt, o.Value); msg != "" {
			c.errs.Errorf(o.Value.Pos, "option %s: %s", opt.Name, msg).WithEnd(o.Value.EndPos).WithHelp("%s", optionHelp(opt))
			out.ok = false
			continue
		}
		out.values[opt.Name] = v
	}
	for _, opt := range spec.Options {
		if _, ok := out.values[opt.Name]; ok {
			continue
		}
		if opt.Required {
			out.ok = false
			if !suggested[opt.Name] { // else the misspelt option's "did you mean" says it
				c.errs.Errorf(at.Pos, "the %s %s needs option %q", spec.Name, kind, opt.Name).WithEnd(at.EndPos).
					WithHelp("add %s = ... to the WITH clause: %s", opt.Name, opt.Doc)
			}
			continue
		}
		if opt.Default != "" {
			out.values[opt.Name] = opt.Default
		}
	}
	return out
}

// literalString is an option value as the runtime receives it.
func literalString(l *grammar.Literal) string {
	if l == nil {
		return ""
	}
	if l.Kind == grammar.LitBool {
		return strings.ToLower(l.Text)
	}
	return l.Text
}

// checkValue reports what is wrong with a value for opt, or "".
func checkValue(opt *connector.Option, l *grammar.Literal) string {
	v := literalString(l)
	switch opt.Type {
	case "int":
		if l.Kind != grammar.LitInt {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || l.Kind != grammar.LitString {
				return "expected an integer, got " + describe(l)
			}
		}
	case "bool":
		if l.Kind != grammar.LitBool && v != "true" && v != "false" {
			return "expected true or false, got " + describe(l)
		}
	case "duration":
		if _, err := time.ParseDuration(v); err != nil {
			return "expected a duration such as '5s', got " + describe(l)
		}
	case "enum":
		for _, e := range opt.Enum {
			if strings.EqualFold(e, v) {
				return ""
			}
		}
		return "expected one of " + quoteAll(opt.Enum) + ", got " + describe(l)
	default:
		if l.Kind != grammar.LitString {
			return "expected a string, got " + describe(l)
		}
	}
	return ""
}

func describe(l *grammar.Literal) string {
	if l.Kind == grammar.LitString {
		return strconv.Quote(l.Text)
	}
	return l.Text
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ", ")
}

func optionHelp(opt *connector.Option) string {
	if len(opt.Enum) > 0 {
		return opt.Name + " is one of " + quoteAll(opt.Enum)
	}
	return opt.Name + ": " + opt.Doc
}
