-- The rate source's typed rows counted per last digit of their value into the blackhole
-- sink: measures the source's row path, not Nexmark (see generator.sql).

CREATE SOURCE gen (timestamp TIMESTAMP, value BIGINT)
WITH (connector = 'rate', num_rows = 10000000, rows_per_second = 1000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT value % 10 AS digit, count(*) AS rows, max(timestamp) AS latest
FROM gen
GROUP BY value % 10
OUTPUT MODE UPDATE;
