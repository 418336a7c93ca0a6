-- Nexmark q8, monitor new users: the people who opened an auction in the 10-second window in
-- which they registered, as a window join of the person and auction streams. The reference
-- groups each side by (id, window) first and joins the groups; sqlstream joins the rows on
-- equal windows (one row per auction such a person opened in the window), and the watermark
-- evicts each window's rows once it has passed.

CREATE SOURCE person (id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING,
  dateTime TIMESTAMP, extra STRING, WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH (connector = 'nexmark', table = 'person', events = 10000000);
CREATE SOURCE auction (id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH (connector = 'nexmark', table = 'auction', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT P.id, P.name, P.dateTime
FROM person P JOIN auction A
  ON P.id = A.seller AND window(P.dateTime, INTERVAL '10' SECOND) = window(A.dateTime, INTERVAL '10' SECOND);
