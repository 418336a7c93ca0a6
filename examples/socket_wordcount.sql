-- Spark's streaming word count: words of the lines a TCP server sends, counted as they
-- arrive.
--
--   nc -lk 9999                                       # in one terminal; type lines into it
--   sqlstream run examples/socket_wordcount.sql       # in another
--
-- The source reconnects when the server goes away; with --trigger available-now the query
-- ends when the server closes the connection.

CREATE SOURCE lines (value STRING)
WITH (connector = 'socket', host = 'localhost', port = 9999);

CREATE SINK out WITH (connector = 'console');

-- explode(split(...)) makes one row per word (split takes a regular expression).
CREATE VIEW words AS
SELECT explode(split(lower(value), '[^\\p{L}\\p{N}'']+')) AS word
FROM lines;

INSERT INTO out
SELECT word, count(*) AS count
FROM words
WHERE word <> ''
GROUP BY word
ORDER BY count DESC, word
LIMIT 20
OUTPUT MODE COMPLETE;
