-- Convert CSV logs landing in a directory to Parquet, one folder per day (Hive-style
-- partitions that Spark, DuckDB and Trino read as a table):
--
--   mkdir -p /tmp/logs && printf '2024-01-01 12:00:00,ann,GET,120.5\n' > /tmp/logs/a.csv
--   sqlstream run examples/parquet_convert.sql -- --trigger available-now --checkpoint /tmp/logs-cp
--   ls /tmp/logs-parquet/day=2024-01-01/
--
-- With --checkpoint, a restarted program converts only new files, and each row lands in the
-- output exactly once.

CREATE SOURCE logs (ts TIMESTAMP, user STRING, method STRING, ms DOUBLE)
WITH (connector = 'files', path = '/tmp/logs', format = 'csv');

CREATE SINK parquet WITH (connector = 'files', path = '/tmp/logs-parquet', format = 'parquet',
                          partition_by = 'day');

INSERT INTO parquet
SELECT ts, user, method, ms, CAST(ts AS DATE) AS day
FROM logs;
