-- Spark's ad example as a LEFT OUTER JOIN of two watermarked streams: explain shows each
-- side's derived expiry; the code keeps both sides' rows by key, drops late ones, and emits
-- an impression with a NULL click once it expires unmatched.
CREATE SOURCE impressions (ad_id BIGINT, impression_time TIMESTAMP, campaign STRING,
  WATERMARK FOR impression_time AS impression_time - INTERVAL '2' HOUR)
WITH (connector = 'files', path = '/data/impressions', format = 'json');
CREATE SOURCE clicks (ad_id BIGINT, click_time TIMESTAMP, WATERMARK FOR click_time AS click_time - INTERVAL '3' HOUR)
WITH (connector = 'files', path = '/data/clicks', format = 'json');
CREATE SINK out WITH (connector = 'files', path = '/data/out', format = 'json');

INSERT INTO out
SELECT i.ad_id, i.campaign, c.click_time
FROM impressions i LEFT JOIN clicks c
  ON i.ad_id = c.ad_id AND c.click_time BETWEEN i.impression_time AND i.impression_time + INTERVAL '1' HOUR
WHERE i.campaign <> 'muted';
