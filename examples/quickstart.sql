-- The quickstart: no files, no set-up. The built-in rate source produces rows with a
-- timestamp and a growing value; this query counts them per value modulo 5 and prints the
-- whole result table every second.
--
--   go run ./cmd/sqlstream run examples/quickstart.sql -- --timeout 5s

CREATE SOURCE ticks (timestamp TIMESTAMP, value BIGINT)
WITH (connector = 'rate', rows_per_second = 20);

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT value % 5 AS bucket, count(*) AS rows, min(value) AS first, max(value) AS last
FROM ticks
GROUP BY bucket
ORDER BY bucket
OUTPUT MODE COMPLETE
TRIGGER EVERY '1 second';
