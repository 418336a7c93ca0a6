-- Nexmark q1, currency conversion: each bid's price in euros, as the reference does it
-- (0.908 * price).

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT auction, bidder, 0.908 * price AS price, dateTime, extra
FROM bid;
