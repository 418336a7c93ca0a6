-- An aggregation over an aggregation (Spark 3.4's chained stateful operators): clicks per user
-- per 10 minutes, then per hour the user windows and their clicks, by window_time(window), the
-- end of each 10-minute window less a microsecond. Both stages run under the source's one
-- watermark (20 minutes behind): a 10-minute window leaves the first stage once the watermark
-- passes its end, and an hour leaves the second once it passes the hour's end. Batches 2, 5
-- and 7 have no new data: they run because the next watermark finalises groups (12:39:59
-- the 12:00 windows of the first stage, 13:05 the 12:00 hour, 14:25 the 13:00 hour). 12:02 in
-- the third file comes after the 12:00-12:10 window was emitted: late, dropped and counted.
CREATE SOURCE clicks (user_id BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '20' MINUTE)
WITH (connector = 'files', path = '/data/clicks', format = 'json', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT window.start AS hour, window.end AS until, count(*) AS user_windows, sum(n) AS clicks, max(n) AS busiest
FROM (SELECT window, user_id, count(*) AS n
      FROM clicks
      GROUP BY window(ts, INTERVAL '10' MINUTE), user_id) per_user
GROUP BY window(window_time(per_user.window), INTERVAL '1' HOUR);
