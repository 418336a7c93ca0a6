-- Per-user totals of JSON events, upserted into a PostgreSQL table as they change, exactly
-- once across crashes (each batch is one transaction that also records its id in
-- _sqlstream_batches).
--
-- Against a local server (any PostgreSQL 12+; on Debian: apt-get install postgresql):
--
--   createdb shop
--   export SHOP_DSN='postgres://localhost/shop?sslmode=disable'
--   mkdir -p /tmp/events && for i in $(seq 1000); do echo "{\"user\":\"u$((i % 7))\",\"amount\":$i}"; done > /tmp/events/1.json
--   sqlstream run examples/postgres_totals.sql -- --checkpoint /tmp/totals-cp --set events.path=/tmp/events
--   psql shop -c 'SELECT * FROM totals ORDER BY "user"'
--
-- Kill it with kill -9 and run it again on the same checkpoint: no event is counted twice.
-- The same into an SQLite file (no server): connector = 'sqlite', path = 'totals.db'
-- instead of the dsn.

CREATE SOURCE events (user STRING, amount BIGINT)
WITH (connector = 'files', path = '/tmp/events', format = 'json');

CREATE SINK totals
WITH (connector = 'postgres', dsn = 'env:SHOP_DSN', table = 'totals', key = 'user', create_table = true);

INSERT INTO totals
SELECT user, count(*) AS events, sum(amount) AS total
FROM events
GROUP BY user
OUTPUT MODE UPDATE;
