-- The windowed aggregation of the latency bench (BenchmarkKafkaWindow): a count per
-- one-second tumbling window of the records' Kafka timestamps, in UPDATE mode, so that every
-- batch writes the windows it changed. The brokers are set by the bench.
CREATE SOURCE ev (timestamp TIMESTAMP, WATERMARK FOR timestamp AS timestamp - INTERVAL '1' SECOND)
WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'in', format = 'text', starting_offsets = 'latest');

CREATE SINK out WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'out', format = 'json');

INSERT INTO out
SELECT window.start AS start, count(*) AS n
FROM ev
GROUP BY window(timestamp, INTERVAL '1' SECOND)
OUTPUT MODE UPDATE;
