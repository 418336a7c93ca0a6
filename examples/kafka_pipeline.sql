-- Per-user totals from JSON events in a Kafka topic, written to another topic as they
-- change (keyed by user, so a compacted topic keeps the latest total per user).
--
-- With the in-process test broker (no Kafka installation needed):
--
--   go run ./examples/cmd/kafkabroker -events 1000 &     # localhost:9092, topics events and counts
--   sqlstream run examples/kafka_pipeline.sql -- --trigger available-now --checkpoint /tmp/kafka-cp
--
-- With a real broker, create the topics and point the query at it:
--
--   kafka-topics.sh --create --topic events --partitions 3 --bootstrap-server broker:9092
--   kafka-topics.sh --create --topic counts --partitions 3 --bootstrap-server broker:9092
--   sqlstream run examples/kafka_pipeline.sql -- --set events.brokers=broker:9092 --set counts.brokers=broker:9092 --checkpoint /var/lib/counts
--
-- Read the result with any client, e.g. kcat -C -b localhost:9092 -t counts -K' => '.

CREATE SOURCE events (user STRING, amount BIGINT, partition INT, timestamp TIMESTAMP)
WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'events', format = 'json',
      starting_offsets = 'earliest');

CREATE SINK counts WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'counts',
                         key_column = 'user');

INSERT INTO counts
SELECT user, count(*) AS events, sum(amount) AS total, max(timestamp) AS last_seen
FROM events
GROUP BY user
OUTPUT MODE UPDATE;
