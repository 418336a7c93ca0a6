-- Nexmark q2, selection: the bids on every 123rd auction, as the reference selects them
-- (MOD(auction, 123) = 0).

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT auction, price
FROM bid
WHERE auction % 123 = 0;
