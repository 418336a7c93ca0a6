-- Orders enriched from PostgreSQL: each order's customer is looked up per key (the customers
-- table may be too large to load; one query per chunk for the keys the cache misses), and
-- its country's region comes from a small table loaded at start and reloaded every minute.
--
-- Against a local server (any PostgreSQL 12+; on Debian: apt-get install postgresql):
--
--   createdb shop
--   export SHOP_DSN='postgres://localhost/shop?sslmode=disable'
--   psql shop -c "CREATE TABLE customers (id bigint PRIMARY KEY, name text, country text)" \
--     -c "INSERT INTO customers SELECT i, 'customer ' || i, (ARRAY['DE','FR','US'])[1 + i % 3] FROM generate_series(1, 100000) i" \
--     -c "CREATE TABLE regions (country text PRIMARY KEY, region text)" \
--     -c "INSERT INTO regions VALUES ('DE', 'EMEA'), ('FR', 'EMEA'), ('US', 'AMER')"
--   mkdir -p /tmp/orders && for i in $(seq 1000); do echo "{\"customer\":$((i * 137 % 150000)),\"amount\":$i}"; done > /tmp/orders/1.json
--   sqlstream run examples/postgres_enrich.sql -- --trigger available-now --set orders.path=/tmp/orders
--
-- Customers 100001 and up are not in the table: the LEFT JOIN keeps their orders with NULLs.
-- The same from an SQLite file: connector = 'sqlite', path = 'shop.db' instead of the dsn.

CREATE SOURCE orders (customer BIGINT, amount BIGINT)
WITH (connector = 'files', path = '/tmp/orders', format = 'json');

CREATE TABLE customers (id BIGINT, name STRING, country STRING)
WITH (connector = 'postgres', dsn = 'env:SHOP_DSN', lookup = true, lookup_key = 'id',
      lookup_cache_rows = 50000, lookup_cache_ttl = '10 minutes');

CREATE TABLE regions (country STRING, region STRING)
WITH (connector = 'postgres', dsn = 'env:SHOP_DSN', query = 'SELECT country, region FROM regions', refresh = '1 minute');

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT o.customer, c.name, r.region, o.amount
FROM orders o
LEFT JOIN customers c ON c.id = o.customer
LEFT JOIN regions r ON r.country = c.country;
