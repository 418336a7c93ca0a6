-- Event time without input files: the generator source makes click events whose timestamps
-- arrive up to 30 seconds out of order. With a 10-second watermark, windows are written once
-- when they are final, and clicks later than the watermark are dropped and counted:
--
--   sqlstream run examples/late_data.sql -- --progress text --timeout 30s
--
-- The progress lines show the watermark, the windows in state and the late rows dropped.

CREATE SOURCE clicks (ts TIMESTAMP, user STRING, ms DOUBLE,
                      WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)
WITH (connector = 'generator', rows_per_second = 200, cardinality = 20, disorder = '30s');

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT window.start AS start, window.end AS end, count(*) AS clicks,
       approx_count_distinct(user) AS users, round(avg(ms), 1) AS avg_ms
FROM clicks
GROUP BY window(ts, INTERVAL '5' SECOND)
TRIGGER EVERY '2 seconds';
