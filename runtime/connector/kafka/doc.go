// Package kafka is the Kafka connector: a source that reads the records of Kafka topics by
// offset range, so that a checkpointed query replays a batch exactly, and a sink that writes
// each output row as one record, at least once or, with transactions, exactly once. It speaks
// the Kafka protocol with franz-go (kgo, kadm) and needs Kafka 0.11 or later.
//
// # Source options
//
//   - brokers (required): the bootstrap brokers, host:port, comma-separated.
//   - topic: one topic, or a comma-separated list. topic_pattern: a Go regular expression
//     that whole topic names must match (it is anchored at both ends; internal topics such
//     as __consumer_offsets are never listed). Exactly one of the two must be given.
//   - starting_offsets (default latest): where a query without a checkpoint starts:
//     earliest, latest, or per-partition JSON as in Spark, {"topicA":{"0":23,"1":-2}}, where
//     -2 is the partition's earliest offset and -1 its latest. A topic of the JSON must be
//     one the source reads; a partition it does not name starts at its earliest offset. The
//     offsets are resolved once, when the source opens, and kept in the checkpoint (see
//     below). A query that resumes from a checkpoint goes on where it stopped instead.
//   - max_offsets_per_trigger (default 0, no limit): a batch takes at most about this many
//     offsets (Spark's maxOffsetsPerTrigger): the limit is split across the partitions in
//     proportion to their backlog, each share rounded down but at least 1, so a batch may
//     take a few more offsets than the limit when many partitions have a small backlog.
//     TRIGGER ONCE ignores it.
//   - format (text, json, csv or bytes; default text; fixed at compile time): how the
//     record value is read, see the wire format below.
//   - mode (dropmalformed or failfast): what a record the decoder rejects does.
//   - missing_topic (error or wait; default error): a topic of option topic that does not
//     exist when the source opens (or a topic_pattern that matches none) is an error naming
//     the topic and the brokers; with wait the source says once on stderr that it waits, and
//     reads the topic from its earliest offset once it is created.
//
// OpenSource fails when the brokers cannot be reached (it waits up to 20 seconds for an
// answer).
//
// # Offsets
//
// A batch's end offset (rt.Offset) is the next offset to read of every partition the source
// knows, as JSON with topics sorted by name and partitions by number, so equal positions have
// equal bytes: {"orders":{"0":123,"1":45}}. Next lists the partitions and their ends at each
// trigger; partitions added to a topic and new topics matching topic_pattern are seen within
// about a second and read from their earliest offset. A partition's end is its last stable
// offset: the high watermark, or the first offset of the oldest transaction still open, since
// the source reads committed records only (read_committed), as Kafka's transactional consumers
// do. Next returns nil when no partition has new records, and also while the brokers do not
// answer, saying so once on stderr, for up to two minutes before it fails (at once under a
// bounded trigger). A partition whose end is below the source's position was deleted and
// created again: the source says so once and reads it from its earliest offset (a topic
// created again that has grown past the position goes unnoticed). After Freeze
// (TRIGGER ONCE and AVAILABLE NOW) Next never goes past the ends at the time of the call, nor
// reads partitions created since, so the run ends.
//
// Read(start, end) fetches every partition from its offset in start to its offset in end with
// plain Fetch requests at exact offsets, several partitions at once, and emits them partition
// after partition (topic, then partition order), each in offset order; it stops at end
// whatever was produced since. It depends on (start, end) alone, except for the first batch of
// a query, whose start is nil: that batch starts at the resolved starting_offsets, which the
// source keeps as its checkpointed state (rt.StatefulSource), so that a replay after a restart
// reads the same records. A partition missing from start (new since), or whose offset in end
// is below the one in start (created again), is read from its earliest offset. A fetch that
// fails (leader moved, broker restarting) is retried, up to ten times in a row with backoff,
// before Read fails. Offsets without a record (compacted topics, aborted transactions,
// transaction markers) are skipped. Records deleted by retention before they were read are
// lost: the source says so once on stderr and goes on from the partition's earliest offset.
// The source does not join a consumer group nor commit offsets to Kafka: its position lives in
// the query's checkpoint.
//
// # Wire format
//
// The generated decoder reads JSON lines: the source hands it chunks of '\n'-separated
// records, one JSON object per record on one line (see AppendRecord):
//
//	{"key":"k1","partition":0,"offset":17,"timestamp":"2024-05-06T07:08:09.123000Z","topic":"orders","value":"..."}
//
// key is a JSON string (invalid UTF-8 as U+FFFD) or null; timestamp is the record's
// timestamp (create or log-append time, milliseconds) in RFC 3339 with microseconds, UTC,
// or null when the record has none; headers are not passed on. The value depends on the
// format:
//
//   - text: "value" is the value as a JSON string (invalid UTF-8 as U+FFFD), or null for
//     a null value (a tombstone).
//   - csv: no JSON: the value itself is the line the generated CSV decoder reads (line
//     breaks inside it become spaces; a tombstone is a blank line, which is skipped). The
//     metadata columns are not available in this format.
//   - bytes: "value" is the value in standard base64, which is how the JSON decoder reads
//     a BYTES column: lossless, whatever its bytes.
//   - json: the value must be a JSON object; its fields follow the metadata fields in the
//     same object (a field named like a metadata field wins, as the last value of a
//     repeated key does). Line breaks in it become spaces (a raw line break inside a string,
//     which JSON forbids, becomes a tab, which it forbids too). A null, empty or blank value
//     gives the metadata fields alone, so the value's columns are NULL. A value that is not
//     a JSON object is passed on as it is, on one line and without the metadata, so that
//     the decoder reports it as malformed.
//
// A chunk holds about rt.ChunkSize bytes of one partition, and consecutive offsets only:
// Origin is "kafka <topic>/<partition>" and Line the offset of its first record, so a
// malformed record is reported as "kafka orders/0:17" with its offset.
//
// # Sink options
//
//   - brokers (required), topic (required): the topic must exist; the sink does not create
//     it.
//   - format (json, csv or text; default json): the record value is the row as a JSON
//     object, as a CSV line (no header), or, for text, the query's one STRING column (NULL
//     as an empty value).
//   - key_column: the output column whose value, as text (as the console shows it),
//     becomes the record key, which picks the partition (Kafka's murmur2 hash); a NULL gives
//     a record without a key. Without it records have no key.
//   - guarantee (at-least-once or exactly-once; default at-least-once), and
//     transactional_id (default sqlstream-<sink name>-<topic>).
//
// Write produces one record per row and returns once the brokers acknowledged them all (an
// error names the topic). All output modes are accepted: update and complete write the
// batch's changed rows, or the whole result, as new records each batch, which with a
// key_column and a compacted topic keeps the latest row per key.
//
// # Delivery guarantees
//
// at-least-once: records are produced with the idempotent producer, so broker retries do
// not duplicate them, but a batch that the engine replays after a failure (it was written
// and the program stopped before the checkpoint committed it) is produced again.
//
// exactly-once: each batch is one Kafka transaction under the transactional ID. With its
// records the transaction commits the offset batchID+1, with the run's ID (the checkpoint's
// id) as metadata, for the consumer group named by the transactional ID on partition 0 of
// the topic. Before writing a batch the sink fetches that offset: when it shows this run
// wrote the batch already, the batch is skipped. So, together with a checkpoint and a
// replayable source, every batch appears exactly once to read_committed consumers
// (read_uncommitted ones also see the records of aborted attempts). Opening the sink fences
// a previous producer with the same transactional ID and aborts its open transaction, so
// two queries must not share one. A run without a checkpoint has a fresh run ID each time,
// so it never skips another run's batches. The group shows up in Kafka's consumer group
// tools with that one committed offset.
//
// # Secured clusters
//
// security_protocol (plaintext, ssl, sasl_plaintext, sasl_ssl), sasl_mechanism (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512), sasl_username, sasl_password (or env:NAME to read it from
// the environment, so it is neither in the SQL nor in the binary) and tls_ca_file apply to
// both the source and the sink.
package kafka
