package runtime

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/connector"
)

// flags are a generated program's command-line options.
type flags struct {
	trigger  *Trigger
	set      map[string]map[string]string // endpoint → option → value
	timeout  time.Duration
	progress string
}

type usageError struct{ error }

type setList []string

func (s *setList) String() string     { return strings.Join(*s, ",") }
func (s *setList) Set(v string) error { *s = append(*s, v); return nil }

func parseFlags(p Program, args []string, stderr io.Writer) (*flags, error) {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	trigger := fs.String("trigger", "", "override every query's trigger: available-now, once, or an interval such as 2s")
	var sets setList
	fs.Var(&sets, "set", "override a connector option, as `endpoint.option=value` (repeatable)")
	timeout := fs.Duration("timeout", 0, "stop after this long; the batch in progress completes (0: run until stopped)")
	progress := fs.String("progress", "none", "per-batch progress on stderr: text, json or none")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [flags]\n\nRuns the streaming queries compiled from %s.\n\nflags:\n", p.Name, p.Name)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nendpoints for --set: %s\n", strings.Join(endpointNames(p), ", "))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, usageError{err}
		}
		return nil, usageError{err}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	f := &flags{set: map[string]map[string]string{}, timeout: *timeout, progress: *progress}
	switch *progress {
	case "text", "json", "none":
	default:
		return nil, fmt.Errorf("--progress: expected text, json or none, got %q", *progress)
	}
	switch t := strings.ToLower(*trigger); t {
	case "":
	case "available-now", "availablenow", "available_now":
		f.trigger = &Trigger{Kind: TriggerAvailableNow}
	case "once":
		f.trigger = &Trigger{Kind: TriggerOnce}
	default:
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("--trigger: expected available-now, once or a positive duration such as 2s, got %q", *trigger)
		}
		f.trigger = &Trigger{Kind: TriggerInterval, Interval: d}
	}
	for _, s := range sets {
		if err := f.addSet(p, s); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	return f, nil
}

// addSet validates one --set endpoint.option=value against the connector's option spec.
func (f *flags) addSet(p Program, s string) error {
	kv := strings.SplitN(s, "=", 2)
	dot := strings.IndexByte(kv[0], '.')
	if len(kv) != 2 || dot <= 0 {
		return errors.New("expected endpoint.option=value, e.g. lines.path=/data")
	}
	name, opt, value := kv[0][:dot], strings.ToLower(kv[0][dot+1:]), kv[1]
	ep, kind, ok := findEndpoint(p, name)
	if !ok {
		msg := fmt.Sprintf("no source or sink named %q", name)
		if c := connector.Closest(name, endpointNames(p)); c != "" {
			return fmt.Errorf("%s (did you mean %q?)", msg, c)
		}
		return fmt.Errorf("%s (endpoints: %s)", msg, strings.Join(endpointNames(p), ", "))
	}
	spec, ok := connector.Lookup(kind, ep.Connector)
	if !ok {
		return fmt.Errorf("unknown connector %q", ep.Connector)
	}
	if err := spec.Validate(opt, value); err != nil {
		return err
	}
	if o := spec.Option(opt); o.CompileTime && value != ep.Options[o.Name] {
		return fmt.Errorf("option %s shapes the generated code and is fixed at compile time; change it in the SQL and rebuild", o.Name)
	}
	if f.set[ep.Name] == nil {
		f.set[ep.Name] = map[string]string{}
	}
	f.set[ep.Name][spec.Option(opt).Name] = value
	return nil
}

func findEndpoint(p Program, name string) (Endpoint, connector.Kind, bool) {
	for _, q := range p.Queries {
		if strings.EqualFold(q.Source.Name, name) {
			return q.Source, connector.Source, true
		}
		if strings.EqualFold(q.Sink.Name, name) {
			return q.Sink, connector.Sink, true
		}
	}
	return Endpoint{}, 0, false
}

func endpointNames(p Program) []string {
	seen := map[string]bool{}
	var names []string
	for _, q := range p.Queries {
		for _, n := range []string{q.Source.Name, q.Sink.Name} {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}
