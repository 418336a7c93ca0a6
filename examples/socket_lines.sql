-- Lines from a TCP server, counted as they arrive (Spark's socket source example):
--
--   nc -lk 9999                                   # in one terminal; type lines into it
--   sqlstream run examples/socket_lines.sql       # in another
--
-- The source reconnects when the server goes away; with --trigger available-now the query
-- ends when the server closes the connection.

CREATE SOURCE lines (value STRING)
WITH (connector = 'socket', host = 'localhost', port = 9999);

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT lower(trim(value)) AS line, count(*) AS count
FROM lines
WHERE trim(value) <> ''
GROUP BY 1
ORDER BY count DESC, line
LIMIT 20
OUTPUT MODE COMPLETE;
