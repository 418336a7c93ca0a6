package runtime

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// flags are a generated program's command-line options.
type flags struct {
	trigger  *Trigger
	set      map[string]map[string]string // endpoint → option → value
	timeout  time.Duration
	progress string
	// checkpoint is the root of the queries' checkpoints; retain how many batches they keep.
	checkpoint string
	retain     int
	// asyncProgress writes the checkpoint's logs off the batches' critical path.
	asyncProgress bool
	// http is the address --http serves the metrics and the web UI on ("": none), with a
	// bare :PORT made 127.0.0.1:PORT.
	http string
}

// usageError is a bad command line; it has been printed with a usage hint, and Main exits
// with code 2.
type usageError struct{ error }

type setList []string

func (s *setList) String() string     { return strings.Join(*s, ",") }
func (s *setList) Set(v string) error { *s = append(*s, v); return nil }

// parseFlags reads a generated program's flags. Errors are printed to stderr.
func parseFlags(p Program, args []string, stderr io.Writer) (*flags, error) {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	trigger := fs.String("trigger", "", "run every query with this `trigger` instead of its SQL TRIGGER clause:\n"+
		"available-now (what is there at start, in as many batches as max_files_per_trigger\nallows, then stop), "+
		"once (one batch of everything there at start), or an interval\nsuch as 2s or 500ms")
	var sets setList
	fs.Var(&sets, "set", "override a connector option, as `endpoint.option=value`; repeatable. The option is\n"+
		"checked as in the SQL WITH clause")
	timeout := fs.Duration("timeout", 0, "stop after this `duration`, once the batch in progress completes, and exit 0\n(0: run until stopped)")
	progress := fs.String("progress", "none", "report every batch on stderr: `text`, json (one object per line) or none")
	checkpointDir := fs.String("checkpoint", "", "keep each query's progress under `dir`/<query>, and resume from it when it exists:\n"+
		"a restarted program neither loses nor repeats the files sink's output (default: the\n"+
		"INSERT's checkpoint option, else none; see sqlstream checkpoint to inspect one)")
	httpAddr := fs.String("http", "", "serve Prometheus /metrics, the progress API (/api/v1/progress, /api/v1/queries) and\n"+
		"a live web UI at `addr`, such as :4040 (127.0.0.1 only; name another interface,\n"+
		"e.g. 0.0.0.0:4040, to serve beyond this host)")
	asyncProgress := fs.Bool("async-progress", false, "write the checkpoint's offset and commit logs in the background, as Spark's\n"+
		"asyncProgressTrackingEnabled: a batch no longer waits for their fsyncs, and a restart\n"+
		"may run the last batches again (stateless queries into at-least-once sinks only)")
	retain := fs.Int("checkpoint-retain", checkpoint.DefaultRetain, "how many batches of logs and state snapshots a checkpoint keeps")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [flags]\n\nRuns the streaming queries compiled from %s until they finish or are stopped\n"+
			"(SIGINT/SIGTERM: after the batch in progress; a second signal aborts).\n\nFlags (-x and --x both work):\n", p.Name, p.Name)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nEndpoints for --set:\n")
		for _, e := range endpoints(p) {
			fmt.Fprintf(stderr, "  %s (%s %s)\n", e.name, e.connector, e.kind)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err} // the flag package has printed it and the usage
	}
	bad := func(format string, a ...any) error {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "%s: %v\nRun %s -h for the flags.\n", p.Name, err, p.Name)
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, bad("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	f := &flags{set: map[string]map[string]string{}, timeout: *timeout, progress: *progress, checkpoint: *checkpointDir, retain: *retain,
		asyncProgress: *asyncProgress}
	if *httpAddr != "" {
		addr, err := httpAddress(*httpAddr)
		if err != nil {
			return nil, bad("--http: %w", err)
		}
		f.http = addr
	}
	if *retain < 1 {
		return nil, bad("--checkpoint-retain: must be at least 1, got %d", *retain)
	}
	switch *progress {
	case "text", "json", "none":
	default:
		return nil, bad("--progress: expected text, json or none, got %q", *progress)
	}
	if *timeout < 0 {
		return nil, bad("--timeout: must not be negative, got %v", *timeout)
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
			return nil, bad("--trigger: expected available-now, once or a positive duration such as 2s, got %q", *trigger)
		}
		f.trigger = &Trigger{Kind: TriggerInterval, Interval: d}
	}
	for _, s := range sets {
		if err := f.addSet(p, s); err != nil {
			return nil, bad("--set %s: %w", s, err)
		}
	}
	if err := f.checkSets(p); err != nil {
		return nil, bad("--set: %w", err)
	}
	return f, nil
}

// checkSets checks, with the --set overrides applied, the sink options that depend on the
// query's columns, as the compiler checked them in the SQL. (That a files sink does not write
// where its source reads is checked when the query starts, for embedded programs too.)
func (f *flags) checkSets(p Program) error {
	for _, q := range p.Queries {
		if spec, ok := connector.Lookup(connector.Sink, q.Sink.Connector); ok && f.set[q.Sink.Name] != nil {
			sink := f.merged(q.Sink, connector.Sink)
			names := make([]string, len(q.Columns))
			for i, c := range q.Columns {
				names[i] = c.Name
			}
			if err := spec.CheckColumns(sink, names); err != nil {
				return fmt.Errorf("sink %s: %w", q.Sink.Name, err)
			}
		}
	}
	return nil
}

// merged is e's options with the defaults of its spec and the --set overrides.
func (f *flags) merged(e Endpoint, kind connector.Kind) map[string]string {
	o := map[string]string{}
	if spec, ok := connector.Lookup(kind, e.Connector); ok {
		for _, opt := range spec.Options {
			if opt.Default != "" {
				o[opt.Name] = opt.Default
			}
		}
	}
	for k, v := range e.Options {
		o[k] = v
	}
	for k, v := range f.set[e.Name] {
		o[k] = v
	}
	return o
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
		var names []string
		for _, e := range endpoints(p) {
			names = append(names, e.name)
		}
		msg := fmt.Sprintf("no source, sink or table named %q", name)
		if c := connector.Closest(name, names); c != "" {
			return fmt.Errorf("%s (did you mean %q?)", msg, c)
		}
		return fmt.Errorf("%s (endpoints: %s)", msg, strings.Join(names, ", "))
	}
	spec, ok := connector.Lookup(kind, ep.Connector)
	if !ok {
		return fmt.Errorf("unknown connector %q", ep.Connector)
	}
	value, err := spec.Validate(opt, value)
	if err != nil {
		return err
	}
	if o := spec.Option(opt); o.CompileTime {
		cur, ok := ep.Options[o.Name]
		if !ok {
			cur = o.Default
		}
		if !strings.EqualFold(value, cur) {
			return fmt.Errorf("%s is fixed at compile time (it shapes the generated decoder): change it in the SQL and rebuild", o.Name)
		}
	}
	// lookup is fixed at compile time, so the SQL's is the table's.
	if why, help := spec.Option(opt).TableRefusal(strings.EqualFold(ep.Options["lookup"], "true")); why != "" {
		return fmt.Errorf("table %s: %s: %s", ep.Name, why, help)
	}
	if f.set[ep.Name] == nil {
		f.set[ep.Name] = map[string]string{}
	}
	f.set[ep.Name][spec.Option(opt).Name] = value
	return nil
}

func findEndpoint(p Program, name string) (Endpoint, connector.Kind, bool) {
	for _, q := range p.Queries {
		for _, s := range q.Sources {
			if strings.EqualFold(s.Endpoint.Name, name) {
				return s.Endpoint, connector.Source, true
			}
		}
		for _, e := range q.sinks() {
			if strings.EqualFold(e.Name, name) {
				return e, connector.Sink, true
			}
		}
		for _, t := range q.Tables {
			if strings.EqualFold(t.Name, name) {
				e := t.Source
				e.Name = t.Name
				return e, connector.Table, true
			}
		}
	}
	return Endpoint{}, 0, false
}

type endpointInfo struct {
	name, connector string
	kind            connector.Kind
}

// endpoints lists the sources and sinks of p, sorted by name.
func endpoints(p Program) []endpointInfo {
	seen := map[string]bool{}
	var out []endpointInfo
	for _, q := range p.Queries {
		var eps []endpointInfo
		for _, s := range q.Sources {
			eps = append(eps, endpointInfo{s.Endpoint.Name, s.Endpoint.Connector, connector.Source})
		}
		for _, s := range q.sinks() {
			eps = append(eps, endpointInfo{s.Name, s.Connector, connector.Sink})
		}
		for _, t := range q.Tables {
			eps = append(eps, endpointInfo{t.Name, t.Source.Connector, connector.Table})
		}
		for _, e := range eps {
			if !seen[e.name] {
				seen[e.name] = true
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
