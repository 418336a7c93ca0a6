-- Nexmark q5, hot items: the auctions with the most bids in each 10-second window sliding
-- every 2 seconds, as a chain of two aggregations (Spark 3.4's chained stateful operators):
-- bids per auction and window, then per window the largest count and the auctions bid on.
-- The reference joins the first aggregation with the second to name the auctions that reach
-- the maximum; a join of two streams cannot read an aggregation yet, so this one stops at the
-- count, which is most of the work (each bid counts in five windows).

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT window.start AS starttime, window.end AS endtime, max(num) AS maxn, count(*) AS auctions
FROM (SELECT window, auction, count(*) AS num
      FROM bid
      GROUP BY window(dateTime, INTERVAL '10' SECOND, INTERVAL '2' SECOND), auction) AuctionBids
GROUP BY window;
