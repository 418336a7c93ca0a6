-- A typed source: the generator hands its rows over as typed columns, which the fused loop
-- reads without a decoder; the column the query does not read (x) is marked Unread.
CREATE SOURCE clicks (ts TIMESTAMP, user STRING, bytes BIGINT, x DOUBLE)
WITH (connector = 'generator', rows_per_second = 1000, cardinality = 50);

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT user, count(*) AS clicks, sum(bytes) AS total
FROM clicks
WHERE bytes > 10
GROUP BY user
OUTPUT MODE UPDATE;
