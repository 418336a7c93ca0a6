-- The generator source's typed rows counted and summed per user (1000 users) into the
-- blackhole sink: measures the source's row path, not Nexmark. An aggregation keeps the
-- output small, so that a 10M-row batch measures the rows rather than collecting them.

CREATE SOURCE gen (ts TIMESTAMP, user STRING, n BIGINT)
WITH (connector = 'generator', num_rows = 10000000, rows_per_second = 1000000, cardinality = 1000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT user, count(*) AS rows, sum(n) AS total, max(ts) AS latest
FROM gen
GROUP BY user
OUTPUT MODE UPDATE;
