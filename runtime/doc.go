// Package runtime is the engine every generated sqlstream program links: the micro-batch
// trigger loop, the Source/Sink contracts, record-error policy and the helpers generated code calls.
//
// Generated code imports it as rt. Everything whose shape depends on a query's schema is
// generated; everything that is the same for every query lives here and is tested once.
//
// # Running a program
//
// A generated main calls [Main] with a [Program]: one [QuerySpec] per INSERT INTO. [Main]
// wraps [Run], which can be called in-process (tests, embedding). Every query runs
// concurrently in its own micro-batch loop; an error in one stops them all and the program
// exits with code 1. SIGINT or SIGTERM stops every query after its batch in progress and
// exits 0; a second signal exits at once with code 130. Bad flags exit with code 2.
//
// The flags of a generated program:
//
//	--trigger available-now|once|<duration>   override every query's TRIGGER clause
//	--set <endpoint>.<option>=<value>        override a connector option (repeatable), checked
//	                                         against the connector's option spec as in SQL;
//	                                         options that shape the generated code (the files
//	                                         source's format, header, delimiter) cannot change
//	--timeout <duration>                     stop after that long (the batch in progress
//	                                         completes), exit 0: Spark's awaitTermination(timeout)
//	--progress text|json|none                one line per batch on stderr (default none); json
//	                                         is Spark's StreamingQueryProgress ([Progress])
//	--http [host]:port                       serve /metrics, /api/v1/progress, /api/v1/queries,
//	                                         /healthz and the web UI (/); :PORT is 127.0.0.1 only
//
// # Batches
//
// Each trigger asks every source of the query, in order, for the end offset of its new data
// ([Source.Next]). If none has any, TRIGGER ONCE and AVAILABLE NOW stop, the default trigger polls again after 100 ms,
// and an interval trigger waits for its next tick. Otherwise the engine reads the batch
// ([Source.Read] on each source with new data, in order, Chunk.Source saying which) as
// chunks of about 1 MiB of whole lines, hands them to GOMAXPROCS workers
// (one [Worker] each, from [Query.NewWorker]), then calls [Query.Finish] and [Sink.Write]
// with the batch id (from 0). Triggers follow Spark: the default runs the next batch as soon
// as the previous ends; an interval trigger starts batches on multiples of the interval and
// skips the ticks a slow batch overran; ONCE runs one batch over everything available at
// start, ignoring per-trigger limits; AVAILABLE NOW processes everything available at start in
// as many batches as the limits (max_files_per_trigger) make, then stops.
//
// Chunk.Data is valid only during Worker.Process: the buffer goes back to a pool afterwards,
// so generated code copies (strings.Clone) whatever it keeps, such as group keys.
//
// # Malformed records
//
// A record the generated decoder cannot read is handed to [RecordErrors.Bad] with its file
// and line. Under the source option mode = 'dropmalformed' (the default) it is skipped and
// reported as "warning: <file>:<line>: malformed record skipped: <reason>" on stderr, at most
// 10 per batch followed by a count; under mode = 'failfast' it stops the program with
// "<file>:<line>: malformed record: <reason>".
//
// # Static tables
//
// A query's [TableSpec]s (CREATE TABLE) are loaded before its first batch: a fresh source over
// all the files the table's path matches, every chunk handed to a [TableBuilder], whose Done
// installs the version. Before each later batch the table's refresh option may reload it
// (never, on_change, or after a duration); a load error stops the program. See Static tables
// in docs/DESIGN.md.
//
// # Connectors
//
// Package runtime/connector declares every connector's options (the compiler checks WITH
// clauses against them, the engine checks --set). The implementations are separate packages
// so that a binary links only those its queries use; each exports
//
//	func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error)
//	func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error)
//
// and receives the endpoint's options with --set applied and defaults filled in.
//
//   - connector/files: a source reading the new files of a directory (or glob), each once,
//     oldest modification time first. Files must be moved into the directory complete
//     (written elsewhere or under a name starting with "." or "_", which the source ignores,
//     then renamed): a file written in place may be read half-written. Also a sink writing one
//     part-<batch>-<query>.json|csv file per batch, atomically (dot-file, then rename).
//   - connector/rate: Spark's rate source, (timestamp, value) rows at rows_per_second;
//     num_rows makes it finite.
//   - connector/console: Spark's console sink (Dataset.show layout).
//   - connector/memory: keeps the output in memory, readable with memory.Table(name).
package runtime
