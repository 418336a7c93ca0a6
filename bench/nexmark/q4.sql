-- Nexmark q4, average price per category: the winning (highest) bid of each auction among
-- the bids made before it expired, then the average of those per category, as Beam's
-- Query4 over windows of the auctions' closing times. A chain of stateful operators: a join
-- of two streams, an aggregation over it, an aggregation over that. The auction's event time
-- is its expiry (auctions last under a second here: the generator's horizon of 100 auctions
-- in flight), so an auction's winning bid is final once the watermark passes its expiry; the
-- reference (Flink) keeps every auction and revises the averages instead.

CREATE SOURCE auction (id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING,
  WATERMARK FOR expires AS expires - INTERVAL '1' SECOND)
WITH (connector = 'nexmark', table = 'auction', events = 10000000);
CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT window.start AS starttime, category, avg(final) AS avg_price, count(*) AS auctions
FROM (SELECT A.id, A.category, A.expires, max(B.price) AS final
      FROM auction A JOIN bid B
        ON A.id = B.auction AND B.dateTime BETWEEN A.expires - INTERVAL '1' SECOND AND A.expires
      WHERE B.dateTime >= A.dateTime
      GROUP BY A.id, A.category, A.expires) Q
GROUP BY window(Q.expires, INTERVAL '10' SECOND), Q.category;
