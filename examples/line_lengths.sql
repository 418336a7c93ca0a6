-- The course example of Spark Structured Streaming: text files appear in a directory; count
-- the lines of each length, printing the changed counts every two seconds.
--
--   go run ./examples/cmd/genlines -dir /tmp/text &
--   sqlstream run examples/line_lengths.sql
--
-- Point it elsewhere without recompiling: ./ll --set lines.path=/data/text

CREATE SOURCE lines (value STRING)
WITH (connector = 'files', path = '/tmp/text', format = 'text');

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT length(value) AS len, count(*) AS count
FROM lines
GROUP BY len
OUTPUT MODE UPDATE
TRIGGER EVERY '2 seconds';
