-- Nexmark q7, highest bid: per 10-second window, the bid with the highest price. The
-- reference aggregates the maximum and joins the bids back to it (every bid at that price);
-- max_by picks the winning bid's columns in the same aggregation (one bid per window: of
-- bids that tie, the first one seen).

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT window.start AS starttime, window.end AS endtime, max(price) AS price, max_by(auction, price) AS auction,
  max_by(bidder, price) AS bidder, max_by(dateTime, price) AS dateTime, max_by(extra, price) AS extra
FROM bid
GROUP BY window(dateTime, INTERVAL '10' SECOND);
