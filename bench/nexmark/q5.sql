-- Nexmark q5, hot items: the auction with the most bids in each 10-second window sliding
-- every 2 seconds, as a chain of two aggregations (Spark 3.4's chained stateful operators):
-- bids per auction and window, then per window the largest count and, with max_by, an
-- auction that has it. The reference joins the two aggregations to list every auction that
-- reaches the maximum; of auctions that tie, this one names one.

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT window.start AS starttime, window.end AS endtime, max_by(auction, num) AS auction, max(num) AS num
FROM (SELECT window, auction, count(*) AS num
      FROM bid
      GROUP BY window(dateTime, INTERVAL '10' SECOND, INTERVAL '2' SECOND), auction) AuctionBids
GROUP BY window;
