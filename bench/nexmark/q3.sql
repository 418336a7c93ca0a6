-- Nexmark q3, local item suggestion: the auctions in category 10 of sellers in Oregon, Idaho
-- or California, a join of the person and auction streams (sources of one generator see one
-- event stream: an auction's seller is a person already generated). As the reference (a
-- regular join in Flink), it keeps every person and auction: no watermark bounds it.

CREATE SOURCE auction (id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING)
WITH (connector = 'nexmark', table = 'auction', events = 10000000);
CREATE SOURCE person (id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING,
  dateTime TIMESTAMP, extra STRING)
WITH (connector = 'nexmark', table = 'person', events = 10000000);

CREATE SINK out WITH (connector = 'blackhole');

INSERT INTO out
SELECT P.name, P.city, P.state, A.id
FROM auction A JOIN person P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
