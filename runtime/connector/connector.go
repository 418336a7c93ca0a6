// Package connector declares every connector's options: one spec per source or sink, shared by
// the compiler (checking WITH clauses) and generated programs (checking --set overrides).
//
// It holds no connector code, so importing it is cheap; the implementations live in the
// sub-packages, and a generated program imports only the ones its query uses.
package connector

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind tells sources from sinks and static tables (CREATE TABLE).
type Kind int

const (
	Source Kind = iota
	Sink
	Table
)

func (k Kind) String() string {
	switch k {
	case Sink:
		return "sink"
	case Table:
		return "table"
	}
	return "source"
}

// Option is one option of a connector.
type Option struct {
	Name     string
	Type     string // string, int, bool, duration or enum
	Default  string // "" when none
	Required bool
	// Enum are the allowed values of an enum, or the words a duration takes besides a
	// duration (a table's refresh: never, on_change).
	Enum []string
	Doc  string
	// Min and Max bound an int option, inclusive (Max 0: no upper bound): so an int option is
	// never negative unless its Min says so. A duration is never negative.
	Min, Max int64
	// Bytes is the length in bytes a string option must have (0: any).
	Bytes int
	// CompileTime options shape the generated code (the record format): --set cannot change them.
	CompileTime bool
	// ForLookup, on a database table's option: "yes" when only a lookup table (lookup =
	// true) takes it, "no" when only a loaded one does; "": both.
	ForLookup string
}

// TableRefusal is why table option o does not apply to a table whose lookup option is
// lookup, and what to do instead; "" when it applies. The compiler refuses it in the SQL
// and programs under --set, where it would otherwise be ignored.
func (o *Option) TableRefusal(lookup bool) (why, help string) {
	switch {
	case o.ForLookup == "yes" && !lookup:
		return fmt.Sprintf("option %s is for a lookup table", o.Name), "add lookup = true to look rows up in the database rather than load them, or remove it"
	case o.ForLookup == "no" && lookup:
		return fmt.Sprintf("option %s is for a loaded table; a lookup table is never loaded", o.Name), "bound how old a looked-up row may be with lookup_cache_ttl"
	}
	return "", ""
}

// Spec describes a connector.
type Spec struct {
	Name    string
	Kind    Kind
	Doc     string
	Options []Option
	// Package is the package under runtime/connector implementing the connector ("": Name).
	Package string
	// Formats are the values of the format option that another package implements (so only
	// programs using them link its library), or whose records reach the generated decoder in
	// another format than their name.
	Formats map[string]Format
	// Named are the values of a sink's format option whose records carry the column names,
	// so two output columns may not share a name.
	Named []string
	// Refused are options of the connector's other kind that this one does not take, with
	// why: a table refuses its files source's streaming options with a reason rather than
	// as unknown.
	Refused map[string]string
	// Schema, for a source whose columns are fixed, says which: the compiler checks the
	// declared columns against it, and hands them to the source in its rt.Endpoint.
	Schema *Schema
	// Typed is a source that makes its values rather than reading records: it hands them
	// over as typed rows (rt.Chunk.Rows, a Vector per declared column, in the Endpoint's
	// Columns order), which the generated code reads without decoding (format "typed").
	Typed bool
	// Columns: the connector is handed the declared columns in its rt.Endpoint (a database
	// table checks them against its result and selects them by name).
	Columns bool
}

// Schema is a source's fixed columns, per value of one of its options (the nexmark
// source's table): a source declares some of them, in any order.
type Schema struct {
	Option string
	Tables map[string][]Column
}

// Column is one column of a Schema; Type is the SQL type's name (BIGINT, STRING, TIMESTAMP).
type Column struct{ Name, Type string }

// nexmarkTables are the Nexmark tables' columns, named as the reference schema names them
// (runtime/connector/nexmark generates them in this order).
var nexmarkTables = map[string][]Column{
	"person": {{"id", "BIGINT"}, {"name", "STRING"}, {"emailAddress", "STRING"}, {"creditCard", "STRING"},
		{"city", "STRING"}, {"state", "STRING"}, {"dateTime", "TIMESTAMP"}, {"extra", "STRING"}},
	"auction": {{"id", "BIGINT"}, {"itemName", "STRING"}, {"description", "STRING"}, {"initialBid", "BIGINT"},
		{"reserve", "BIGINT"}, {"dateTime", "TIMESTAMP"}, {"expires", "TIMESTAMP"}, {"seller", "BIGINT"},
		{"category", "BIGINT"}, {"extra", "STRING"}},
	"bid": {{"auction", "BIGINT"}, {"bidder", "BIGINT"}, {"price", "BIGINT"}, {"channel", "STRING"},
		{"url", "STRING"}, {"dateTime", "TIMESTAMP"}, {"extra", "STRING"}},
}

// Format is how one value of a connector's format option is implemented.
type Format struct {
	Package string // "": the connector's
	Wire    string // the record format the generated decoder reads; "": the format's name
}

// Impl is the package implementing connector name of kind k with the given record format,
// and the format of the records it hands the generated decoder.
func Impl(k Kind, name, format string) (pkg, wire string) {
	pkg, wire = name, format
	s, ok := Lookup(k, name)
	if !ok {
		return pkg, wire
	}
	if s.Package != "" {
		pkg = s.Package
	}
	if f, ok := s.Formats[strings.ToLower(format)]; ok {
		if f.Package != "" {
			pkg = f.Package
		}
		if f.Wire != "" {
			wire = f.Wire
		}
	}
	return pkg, wire
}

var modeOption = Option{Name: "mode", Type: "enum", Default: "dropmalformed", Enum: []string{"dropmalformed", "failfast"},
	Doc: "what a malformed record does: dropmalformed skips, counts and reports it; failfast stops the program"}

var deadLetterOption = Option{Name: "dead_letter", Type: "string", CompileTime: true,
	Doc: "a declared sink that receives every malformed record (its source, path, line, reason and text) instead of a warning; the record is still left out of the query"}

// idleTimeoutOption is every source's: the engine, not the connector, applies it.
var idleTimeoutOption = Option{Name: "idle_timeout", Type: "duration",
	Doc: "a source that delivers no records for this long (wall clock) stops holding back the query's watermark, like Flink's idleness, until it delivers again (default: never)"}

// kafkaSecurity are the kafka connectors' options for secured clusters, Kafka's own names.
var kafkaSecurity = []Option{
	{Name: "security_protocol", Type: "enum", Default: "plaintext", Enum: []string{"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"},
		Doc: "how to talk to the brokers: plain, TLS, SASL, or SASL over TLS"},
	{Name: "sasl_mechanism", Type: "enum", Default: "PLAIN", Enum: []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}, Doc: "the SASL mechanism"},
	{Name: "sasl_username", Type: "string", Doc: "the SASL user"},
	{Name: "sasl_password", Type: "string", Doc: "the SASL password, or env:NAME to read it from the environment variable NAME (keeps it out of the SQL and the binary)"},
	{Name: "tls_ca_file", Type: "string", Doc: "a PEM file of the certificate authorities to trust (default: the system's)"},
}

// filesFormats are the files connector's record formats read by another package.
var filesFormats = map[string]Format{"parquet": {Package: "parquet", Wire: "json"}}

// filesFormat and filesRecords are the files source's options that say how a file's records
// are read, which a files table shares.
var filesFormat = Option{Name: "format", Type: "enum", Default: "text", Enum: []string{"text", "csv", "json", "parquet"}, CompileTime: true,
	Doc: "record format: text (one line = one STRING column), csv, json (one object per line), parquet (columns matched by name, schema checked per file)"}

var filesRecords = []Option{
	{Name: "header", Type: "bool", Default: "false", CompileTime: true, Doc: "csv: the first line of each file is a header and is skipped"},
	{Name: "delimiter", Type: "string", Default: ",", Bytes: 1, CompileTime: true, Doc: "csv: the field separator, one byte"},
	modeOption,
}

// tableStreaming is why a table refuses each streaming option of the files source.
var tableStreaming = map[string]string{
	"max_files_per_trigger": "a table reads all its files at every load, there are no triggers to spread them over",
	"max_file_age":          "a table reads all the files its path matches, however old",
	"latest_first":          "a table reads all its files at every load, in no particular order",
	"idle_timeout":          "a table is read whole when it loads; it never waits for more data",
	"dead_letter": "a table loads outside the query's batches, which is what a dead-letter sink writes by; " +
		"its malformed records are reported on stderr (mode = 'dropmalformed') or stop the program (mode = 'failfast')",
}

// dbSinkOptions are the database sinks' options about the table.
var dbSinkOptions = []Option{
	{Name: "table", Type: "string", Doc: "the table to write, optionally schema.table (default: the sink's name)"},
	{Name: "key", Type: "string", Doc: "comma-separated output columns that identify a row (a window column stands for its _start and _end columns): " +
		"rows are upserted on them, so UPDATE mode needs it; with create_table they are the primary key, otherwise the table needs a primary key or unique index on them"},
	{Name: "create_table", Type: "bool", Default: "false", Doc: "create the table from the query's columns when it does not exist; an existing table is checked against them either way"},
}

// dsnOption is the postgres connectors' connection string.
var dsnOption = Option{Name: "dsn", Type: "string", Required: true, Doc: "the connection string (postgres://user:password@host:5432/db or key=value pairs), or env:NAME to read it from the environment variable NAME (keeps the password out of the SQL and the binary)"}

// retryTimeoutOption is the postgres connectors' bound on retrying a lost connection, after
// which then happens.
func retryTimeoutOption(then string) Option {
	return Option{Name: "retry_timeout", Type: "duration", Default: "1m", Doc: "how long a lost connection is retried, waiting 100ms doubling up to 5s, before " + then}
}

// dbTable is the spec of a database table connector, reading what, connected to as where
// says.
func dbTable(name, what string, where ...Option) *Spec {
	return &Spec{Name: name, Kind: Table, Columns: true, Refused: dbTableRefused,
		Doc: "the rows of " + what + ", read whole when the program starts and again as refresh says, or looked up per key (lookup = true); " +
			"the declared columns are checked against the result's names and types at every load",
		Options: slices.Concat(where, dbTableOptions)}
}

// dbTableRefused are the source options a database table refuses, with why.
var dbTableRefused = map[string]string{"idle_timeout": tableStreaming["idle_timeout"], "dead_letter": tableStreaming["dead_letter"]}

// dbTableOptions are the database tables' options about what they read and when.
var dbTableOptions = []Option{
	{Name: "table", Type: "string", Doc: "the table to read, optionally schema.table (give table or query; default: the table's name)"},
	{Name: "query", Type: "string", Doc: "a SELECT whose result is the table, instead of a table name: its columns are matched to the declared ones by name"},
	{Name: "refresh", Type: "duration", Default: "never", ForLookup: "no",
		Enum: []string{"never"},
		Doc: "when the table is read again, before a batch: never, or a duration such as '5 minutes', when that long has passed since the last load; " +
			"there is no on_change for a database: it cannot tell cheaply and reliably that a query's result changed (give the duration the data may lag)"},
	modeOption,
	{Name: "lookup", Type: "bool", Default: "false", CompileTime: true,
		Doc: "do not load the table: look the stream's keys up in the database, in one query per chunk for the keys the cache misses, as Flink's lookup join does; " +
			"the join needs ON table.<lookup_key> = <expression of the stream's columns>"},
	{Name: "lookup_key", Type: "string", CompileTime: true, ForLookup: "yes",
		Doc: "lookup: the declared column (one; STRING, INT or BIGINT) rows are looked up by, best the table's primary key or an indexed column; default: the first declared column"},
	{Name: "lookup_cache_rows", Type: "int", Default: "10000", Min: 0, ForLookup: "yes",
		Doc: "lookup: at most this many keys (found or not) are kept in the cache, the least recently used dropped first (Flink's lookup.partial-cache.max-rows); 0: no cache"},
	{Name: "lookup_cache_ttl", Type: "duration", Default: "0s", ForLookup: "yes",
		Doc: "lookup: a cached key is looked up again when it was fetched this long ago (Flink's lookup.partial-cache.expire-after-write); 0s: never expires"},
}

var specs = []*Spec{
	{Name: "files", Kind: Source, Doc: "new files in a directory, each read once, oldest first", Formats: filesFormats,
		Options: slices.Concat([]Option{
			{Name: "path", Type: "string", Required: true, Doc: "the directory to watch, or a glob of files such as /data/*.csv"},
			filesFormat,
			{Name: "max_files_per_trigger", Type: "int", Min: 1, Doc: "at most this many new files per batch (default: all)"},
			{Name: "max_file_age", Type: "duration", Default: "0s", Doc: "ignore (with a warning) files modified this much before the newest file read, like Spark's maxFileAge (e.g. 168h): bounds the set of files a long run remembers; 0s: no limit"},
		}, filesRecords, []Option{deadLetterOption, idleTimeoutOption})},
	{Name: "files", Kind: Table, Doc: "every file of a directory (or glob), read whole when the program starts and again as refresh says; " +
		"the files source's rule holds: a file is written under a name starting with \".\" or \"_\" and renamed into place, so a load never reads one half-written",
		Formats: filesFormats, Refused: tableStreaming,
		Options: slices.Concat([]Option{
			{Name: "path", Type: "string", Required: true, Doc: "the directory whose files make the table, or a glob of files such as /data/*.csv"},
			filesFormat,
		}, filesRecords, []Option{
			{Name: "refresh", Type: "duration", Default: "never", Enum: []string{"never", "on_change"},
				Doc: "when the table is read again, before a batch: never; on_change, when its files (their names, sizes or modification times) changed; " +
					"or a duration such as '5 minutes', when that long has passed since the last load; the new version replaces the old one between batches"},
		})},
	{Name: "rate", Kind: Source, Typed: true, Doc: "generates rows (timestamp TIMESTAMP, value BIGINT) at a fixed rate, like Spark's rate source", Options: []Option{
		{Name: "rows_per_second", Type: "int", Default: "1", Min: 1, Doc: "rows generated per second"},
		{Name: "num_rows", Type: "int", Default: "0", Doc: "stop after this many rows (0: never); makes a finite demo input"},
		idleTimeoutOption,
	}},
	{Name: "generator", Kind: Source, Package: "rate", Typed: true, Doc: "synthetic rows of the declared columns on the rate source's schedule, for demos and benchmarks: " +
		"TIMESTAMP is the row's time, DATE its day, BIGINT/INT 0 to cardinality-1, STRING <column>_<n>, DOUBLE 0-100, BOOLEAN; never NULL; " +
		"the same seed gives the same rows", Options: []Option{
		{Name: "rows_per_second", Type: "int", Default: "1000", Min: 1, Doc: "rows generated per second"},
		{Name: "num_rows", Type: "int", Default: "0", Doc: "stop after this many rows (0: never); with --trigger available-now all of them at once"},
		{Name: "seed", Type: "int", Default: "1", Min: math.MinInt64, Doc: "the seed of the values"},
		{Name: "cardinality", Type: "int", Default: "100", Min: 1, Doc: "distinct values of each BIGINT, INT and STRING column"},
		{Name: "disorder", Type: "duration", Default: "0s", Doc: "move each row's timestamp back by up to this much, for late-data demos"},
		idleTimeoutOption,
	}},
	{Name: "nexmark", Kind: Source, Schema: &Schema{Option: "table", Tables: nexmarkTables}, Typed: true,
		Doc: "the events of the Nexmark benchmark from its standard generator (Apache Beam's): per 50 events 1 person, 3 auctions and 46 bids; " +
			"a source reads one table, declaring some of its columns as the reference names them; sources with the same events, events_per_second and seed " +
			"see one event stream (bids name existing auctions and people)", Options: []Option{
			{Name: "table", Type: "enum", Required: true, Enum: []string{"person", "auction", "bid"}, CompileTime: true,
				Doc: "the table read: person(id, name, emailAddress, creditCard, city, state, dateTime, extra), " +
					"auction(id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra) or " +
					"bid(auction, bidder, price, channel, url, dateTime, extra)"},
			{Name: "events", Type: "int", Default: "0", Doc: "stop after this many events over the three tables (0: never); with --trigger available-now all of them"},
			{Name: "events_per_second", Type: "int", Default: "0", Doc: "events generated per second over the three tables (0: as fast as the query reads them, at most 1048576 a batch; dateTimes are then spaced as at 10000)"},
			{Name: "seed", Type: "int", Default: "0", Min: math.MinInt64, Doc: "the seed of the values; 0 draws event n's values from a java.util.Random seeded with n, as the reference does"},
			idleTimeoutOption,
		}},
	{Name: "socket", Kind: Source, Doc: "lines read from a TCP server, one row each (Spark's socket source); reconnects with backoff", Options: []Option{
		{Name: "host", Type: "string", Default: "localhost", Doc: "the server to connect to"},
		{Name: "port", Type: "int", Required: true, Min: 1, Max: 65535, Doc: "its port"},
		idleTimeoutOption,
	}},
	{Name: "stdin", Kind: Source, Doc: "lines of the program's standard input, one row each; the end of the input ends the query", Options: []Option{
		idleTimeoutOption,
	}},
	{Name: "kafka", Kind: Source, Formats: map[string]Format{"text": {Wire: "json"}, "json": {Wire: "json"}, "bytes": {Wire: "json"}}, Doc: "records of Kafka topics (committed records only), read by offset range so that a checkpoint replays a batch exactly; " +
		"each record is a row with its key, partition, offset, timestamp and topic, and its value: a value column (formats text, csv, bytes) or the fields of a JSON object (format json)", Options: append([]Option{
		{Name: "brokers", Type: "string", Required: true, Doc: "the bootstrap brokers, host:port, comma-separated"},
		{Name: "topic", Type: "string", Doc: "the topic to read, or a comma-separated list (give topic or topic_pattern)"},
		{Name: "topic_pattern", Type: "string", Doc: "a regular expression (Go syntax) that whole topic names match; new matching topics are read as they appear"},
		{Name: "starting_offsets", Type: "string", Default: "latest", Doc: "where a query without a checkpoint starts: earliest, latest, or per-partition JSON such as " +
			`{"topic":{"0":23,"1":-2}} (-2: earliest, -1: latest; partitions not named start at earliest)`},
		{Name: "max_offsets_per_trigger", Type: "int", Default: "0", Doc: "at most about this many offsets per batch, split across partitions by backlog as in Spark (0: no limit)"},
		{Name: "format", Type: "enum", Default: "text", Enum: []string{"text", "json", "csv", "bytes"}, CompileTime: true,
			Doc: "record value format: text (a STRING value), json (an object whose fields are columns), csv (a CSV line), bytes (a BYTES value)"},
		modeOption,
		deadLetterOption,
		{Name: "missing_topic", Type: "enum", Default: "error", Enum: []string{"error", "wait"}, Doc: "a topic that does not exist at start: an error, or wait until it is created"},
		idleTimeoutOption,
	}, kafkaSecurity...)},
	{Name: "console", Kind: Sink, Doc: "prints each batch as a table, like Spark's console sink", Options: []Option{
		{Name: "num_rows", Type: "int", Default: "20", Doc: "rows shown per batch"},
		{Name: "truncate", Type: "bool", Default: "true", Doc: "cut cells longer than 20 characters"},
	}},
	{Name: "memory", Kind: Sink, Doc: "keeps every batch in memory, for tests and embedding", Options: []Option{
		{Name: "name", Type: "string", Doc: "the table name to read it by (default: the sink's name)"},
	}},
	{Name: "blackhole", Kind: Sink, Doc: "counts each batch's rows and discards them, for benchmarks; reports the count on stderr at the end"},
	{Name: "go", Kind: Sink, Doc: "calls Go code with each batch's typed rows: a query embedded with sqlstream gen takes the callback when it is constructed"},
	{Name: "files", Kind: Sink, Doc: "writes one file per batch into a directory (append mode)",
		Formats: map[string]Format{"parquet": {Package: "parquet"}}, Named: []string{"json", "csv", "parquet"}, Options: []Option{
			{Name: "path", Type: "string", Required: true, Doc: "the output directory (created if missing)"},
			{Name: "format", Type: "enum", Default: "json", Enum: []string{"json", "csv", "text", "parquet"}, CompileTime: true,
				Doc: "json lines, csv, text (one STRING column, a line per row) or parquet (snappy)"},
			{Name: "partition_by", Type: "string", Doc: "comma-separated output columns, each once and not all of them: rows go to Hive-style folders col=value/... and the files hold the other columns"},
			{Name: "header", Type: "bool", Default: "true", Doc: "csv: write a header line"},
		}},
	{Name: "postgres", Kind: Sink, Doc: "writes each batch into a PostgreSQL table in one transaction, exactly once: APPEND inserts (COPY for large batches), " +
		"UPDATE upserts on the key, COMPLETE replaces the table's rows; a lost connection is retried with backoff",
		Options: slices.Concat([]Option{
			dsnOption,
		}, dbSinkOptions, []Option{
			retryTimeoutOption("the batch fails (uncommitted: the next attempt writes it)"),
		})},
	{Name: "sqlite", Kind: Sink, Doc: "writes each batch into a table of an SQLite database file (WAL mode, so readers are not blocked) in one transaction, exactly once: " +
		"APPEND inserts, UPDATE upserts on the key, COMPLETE replaces the table's rows",
		Options: slices.Concat([]Option{
			{Name: "path", Type: "string", Required: true, Doc: "the database file (created if missing)"},
		}, dbSinkOptions)},
	dbTable("postgres", "a PostgreSQL table or query", dsnOption,
		retryTimeoutOption("the load or the lookup fails, which stops the program")),
	dbTable("sqlite", "a table or query of an SQLite database file", Option{Name: "path", Type: "string", Required: true, Doc: "the database file; it must exist"}),
	{Name: "kafka", Kind: Sink, Named: []string{"json"}, Doc: "writes each output row as one record to a Kafka topic", Options: append([]Option{
		{Name: "brokers", Type: "string", Required: true, Doc: "the bootstrap brokers, host:port, comma-separated"},
		{Name: "topic", Type: "string", Required: true, Doc: "the topic to write to; it must exist"},
		{Name: "format", Type: "enum", Default: "json", Enum: []string{"json", "csv", "text"}, Doc: "record value: a JSON object, a CSV line, or text (one STRING column)"},
		{Name: "key_column", Type: "string", Doc: "the output column whose value (as text) becomes the record key; NULL is no key (default: no key)"},
		{Name: "guarantee", Type: "enum", Default: "at-least-once", Enum: []string{"at-least-once", "exactly-once"},
			Doc: "at-least-once: a batch replayed after a failure is written again; exactly-once: each batch is one transaction, written once for read_committed consumers"},
		{Name: "transactional_id", Type: "string", Doc: "exactly-once: the transactional ID, also the group holding the last batch written (default: sqlstream-<sink name>-<topic>)"},
	}, kafkaSecurity...)},
}

// Lookup finds the connector name of kind k.
func Lookup(k Kind, name string) (*Spec, bool) {
	for _, s := range specs {
		if s.Kind == k && strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return nil, false
}

// All lists every connector, sources first.
func All() []*Spec { return specs }

// Resolve checks a connector's options as a whole: every key is an option of s with a valid
// value, and every required option is present. It returns a copy of opts with the option names
// in their spec spelling and the defaults of the missing options filled in.
func (s *Spec) Resolve(opts map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(s.Options))
	for k, v := range opts {
		v, err := s.Validate(k, v)
		if err != nil {
			return nil, err
		}
		out[s.Option(k).Name] = v
	}
	for _, o := range s.Options {
		if _, ok := out[o.Name]; ok {
			continue
		}
		if o.Required {
			return nil, fmt.Errorf("the %s %s needs option %q (%s)", s.Name, s.Kind, o.Name, o.Doc)
		}
		if o.Default != "" {
			out[o.Name] = o.Default
		}
	}
	return out, nil
}

// Option returns the option called name, or nil.
func (s *Spec) Option(name string) *Option {
	for i := range s.Options {
		if strings.EqualFold(s.Options[i].Name, name) {
			return &s.Options[i]
		}
	}
	return nil
}

// Refusal says why s does not take option name, when it is one of the options of s's
// other kind that it refuses (a table's streaming options).
func (s *Spec) Refusal(name string) (string, bool) {
	why, ok := s.Refused[strings.ToLower(name)]
	return why, ok
}

// Validate checks one option value as given in SQL or with --set, and returns it in its
// canonical spelling (see Option.Check).
func (s *Spec) Validate(name, value string) (string, error) {
	o := s.Option(name)
	if o == nil {
		if why, ok := s.Refusal(name); ok {
			return "", fmt.Errorf("option %s is not for a %s %s: %s", strings.ToLower(name), s.Name, s.Kind, why)
		}
		names := make([]string, len(s.Options))
		for i, o := range s.Options {
			names[i] = o.Name
		}
		msg := fmt.Sprintf("unknown option %q for the %s %s", name, s.Name, s.Kind)
		if c := Closest(name, names); c != "" {
			return "", fmt.Errorf("%s (did you mean %q?)", msg, c)
		}
		return "", fmt.Errorf("%s (options: %s)", msg, strings.Join(names, ", "))
	}
	return o.Check(value)
}

// Check is the one validator of an option value: the compiler checks WITH clauses with it and
// generated programs their --set overrides. It returns value in its canonical spelling (an
// enum's as the spec spells it, a bool's in lower case); the error names the option and says
// what is allowed.
func (o *Option) Check(value string) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("option %s: expected %s, got %q", o.Name, o.Allowed(), value)
	}
	switch o.Type {
	case "int":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < o.Min || o.Max > 0 && n > o.Max {
			return bad()
		}
	case "bool":
		if v := strings.ToLower(value); v == "true" || v == "false" {
			return v, nil
		}
		return bad()
	case "duration":
		for _, e := range o.Enum {
			if strings.EqualFold(e, value) {
				return e, nil
			}
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			// SQL's spelling, as in INTERVAL '5 minutes', becomes Go's, which the
			// connectors parse.
			us, ierr := IntervalMicros(value)
			if ierr != nil || strings.TrimSpace(value) == "" {
				return bad()
			}
			d = time.Duration(us) * time.Microsecond
			value = d.String()
		}
		if d < 0 {
			return bad()
		}
	case "enum":
		for _, e := range o.Enum {
			if strings.EqualFold(e, value) {
				return e, nil
			}
		}
		return bad()
	default:
		if o.Bytes > 0 && len(value) != o.Bytes || o.Required && value == "" {
			return bad()
		}
	}
	return value, nil
}

// Allowed says what values o takes, for error messages and the reference.
func (o *Option) Allowed() string {
	switch o.Type {
	case "int":
		switch {
		case o.Max > 0:
			return fmt.Sprintf("an integer from %d to %d", o.Min, o.Max)
		case o.Min > math.MinInt64:
			return fmt.Sprintf("an integer of at least %d", o.Min)
		}
		return "an integer"
	case "bool":
		return "true or false"
	case "duration":
		d := "a duration such as 5s, 1h30m or '5 minutes', not negative"
		if len(o.Enum) > 0 {
			q := make([]string, len(o.Enum))
			for i, e := range o.Enum {
				q[i] = "'" + e + "'"
			}
			d = strings.Join(q, ", ") + " or " + d
		}
		return d
	case "enum":
		q := make([]string, len(o.Enum))
		for i, e := range o.Enum {
			q[i] = "'" + e + "'"
		}
		return "one of " + strings.Join(q, ", ")
	}
	switch {
	case o.Bytes == 1:
		return "a string of one byte"
	case o.Bytes > 0:
		return fmt.Sprintf("a string of %d bytes", o.Bytes)
	case o.Required:
		return "a non-empty string"
	}
	return "a string"
}

var unitMicros = map[string]int64{
	"MICROSECOND": 1, "MICROSECONDS": 1, "US": 1,
	"MILLISECOND": 1000, "MILLISECONDS": 1000, "MS": 1000,
	"SECOND": 1e6, "SECONDS": 1e6, "S": 1e6, "SEC": 1e6, "SECS": 1e6,
	"MINUTE": 60e6, "MINUTES": 60e6, "MIN": 60e6, "MINS": 60e6, "M": 60e6,
	"HOUR": 3600e6, "HOURS": 3600e6, "H": 3600e6,
	"DAY": 86400e6, "DAYS": 86400e6, "D": 86400e6,
	"WEEK": 7 * 86400e6, "WEEKS": 7 * 86400e6,
}

// IntervalMicros reads an interval as SQL spells it, '10 minutes', '1 hour 30 minutes' or
// '2s', as microseconds: the compiler's INTERVAL literals and the duration options.
func IntervalMicros(text string) (int64, error) {
	fields := strings.Fields(text)
	if len(fields) == 1 {
		// "2s", "500ms": split the number from its unit.
		f := fields[0]
		i := strings.IndexFunc(f, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' })
		if i <= 0 {
			return 0, strconv.ErrSyntax
		}
		fields = []string{f[:i], f[i:]}
	}
	if len(fields)%2 != 0 {
		return 0, strconv.ErrSyntax
	}
	var total int64
	for i := 0; i < len(fields); i += 2 {
		n, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return 0, err
		}
		u, ok := unitMicros[strings.ToUpper(fields[i+1])]
		if !ok {
			return 0, strconv.ErrSyntax
		}
		total += int64(n * float64(u))
	}
	return total, nil
}

// PartitionBy resolves a files sink's partition_by against the query's output columns: the
// indexes of the columns it names, in its order. Each must be an output column, named once,
// and some column must be left for the files to hold.
func PartitionBy(value string, cols []string) ([]int, error) {
	idx, err := columnList("partition_by", value, cols)
	if err == nil && len(idx) > 0 && len(idx) == len(cols) {
		return nil, errors.New("partition_by: every column is a partition column, which leaves the files empty; leave at least one out")
	}
	return idx, err
}

// Key resolves a database sink's key option against the query's output columns: the indexes
// of the comma-separated columns it names, in its order, each once.
func Key(value string, cols []string) ([]int, error) { return columnList("key", value, cols) }

// columnList resolves option's comma-separated list of output columns (case-insensitive)
// into their indexes, in its order; a column unknown or named twice is an error.
func columnList(option, value string, cols []string) ([]int, error) {
	var idx []int
	for _, name := range strings.Split(value, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		j := slices.IndexFunc(cols, func(c string) bool { return strings.EqualFold(c, name) })
		switch {
		case j < 0:
			msg := fmt.Sprintf("%s: the query has no column %q (its columns: %s)", option, name, strings.Join(cols, ", "))
			if c := Closest(name, cols); c != "" {
				msg += fmt.Sprintf("; did you mean %q?", c)
			}
			return nil, errors.New(msg)
		case slices.Contains(idx, j):
			return nil, fmt.Errorf("%s: column %q is listed twice", option, name)
		}
		idx = append(idx, j)
	}
	return idx, nil
}

// DuplicateName finds the first output column whose name (case-insensitive) an earlier one
// has: the indexes of both, or -1, -1.
func DuplicateName(cols []string) (first, dup int) {
	for j := range cols {
		for i := range j {
			if strings.EqualFold(cols[i], cols[j]) {
				return i, j
			}
		}
	}
	return -1, -1
}

// WritesNames reports whether sink s, with its options resolved, writes the column names
// into its records.
func (s *Spec) WritesNames(opts map[string]string) bool {
	return slices.ContainsFunc(s.Named, func(f string) bool { return strings.EqualFold(f, opts["format"]) })
}

// CheckColumns checks the options of sink s (resolved) that depend on the query's output
// columns, as the compiler does for the SQL: for --set overrides.
func (s *Spec) CheckColumns(opts map[string]string, cols []string) error {
	if s.Option("partition_by") != nil {
		if _, err := PartitionBy(opts["partition_by"], cols); err != nil {
			return err
		}
	}
	if s.Option("key") != nil {
		if _, err := Key(opts["key"], cols); err != nil {
			return err
		}
	}
	if i, j := DuplicateName(cols); j >= 0 && s.WritesNames(opts) {
		return fmt.Errorf("the %s sink writes column names with format %s, and columns %d and %d are both named %q; alias one in the SQL",
			s.Name, opts["format"], i+1, j+1, cols[j])
	}
	return nil
}

// Int reads an int option (already validated), or def when absent.
func Int(opts map[string]string, name string, def int64) int64 {
	if v, ok := opts[name]; ok && v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// Duration reads a duration option, or def when absent.
func Duration(opts map[string]string, name string, def time.Duration) time.Duration {
	if v, ok := opts[name]; ok && v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// Bool reads a bool option, or def when absent.
func Bool(opts map[string]string, name string, def bool) bool {
	if v, ok := opts[name]; ok && v != "" {
		return strings.EqualFold(v, "true")
	}
	return def
}

// Names lists connector names of kind k, sorted.
func Names(k Kind) []string {
	var n []string
	for _, s := range specs {
		if s.Kind == k {
			n = append(n, s.Name)
		}
	}
	sort.Strings(n)
	return n
}

// Closest is the candidate nearest to name (case-insensitive Levenshtein distance), for "did
// you mean" hints: within two edits, and within one for names of up to three characters, so
// short names do not suggest unrelated ones. "" if none.
func Closest(name string, candidates []string) string {
	best, bestD := "", 3
	if len([]rune(name)) <= 3 {
		bestD = 2
	}
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func distance(sa, sb string) int {
	a, b := []rune(sa), []rune(sb)
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// SinkFeedsSource reports whether a files sink writing into sinkDir writes where a files
// source reading sourcePath (a directory, or a glob of files in one) reads: into the same
// directory or one inside it, so that the query would read its own output, forever. Paths
// are compared cleaned and absolute, following the symlinks that exist.
func SinkFeedsSource(sourcePath, sinkDir string) bool {
	dir := sourcePath
	if strings.ContainsAny(dir, "*?[") {
		dir = filepath.Dir(dir)
	}
	rel, err := filepath.Rel(realPath(dir), realPath(sinkDir))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath is p made absolute, with the symlinks of its longest existing prefix followed
// (the sink creates its directory, so it may not exist yet).
func realPath(p string) string {
	p, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	for cur, rest := p, ""; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest, cur = filepath.Join(filepath.Base(cur), rest), parent
	}
}
