-- Nexmark q0, pass-through: every bid, unchanged (measures the source, decoder and sink).
--
--   go test ./bench/nexmark -bench .

CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING)
WITH (connector = 'nexmark', table = 'bid', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT auction, bidder, price, dateTime, extra
FROM bid;
