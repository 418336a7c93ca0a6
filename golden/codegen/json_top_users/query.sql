CREATE SOURCE events (user STRING NOT NULL, url STRING, bytes BIGINT, ts TIMESTAMP)
WITH (connector = 'files', path = '/data/events', format = 'json', max_files_per_trigger = 10);

CREATE SINK top WITH (connector = 'console', num_rows = 10);

INSERT INTO top
SELECT user, count(*) AS hits, count(DISTINCT url) AS pages, sum(bytes) AS bytes, avg(bytes) AS mean
FROM events
WHERE url IS NOT NULL
GROUP BY user
HAVING count(*) > 1
ORDER BY bytes DESC
LIMIT 10
OUTPUT MODE COMPLETE;
