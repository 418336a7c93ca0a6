CREATE SOURCE sales (region STRING, item STRING NOT NULL, qty INT NOT NULL, price DOUBLE)
WITH (connector = 'files', path = '/data/sales', format = 'csv', header = true);

CREATE SINK big WITH (connector = 'files', path = '/data/big', format = 'json');

INSERT INTO big
SELECT coalesce(region, 'unknown') AS region, upper(item) AS item, qty * price AS total,
       CASE WHEN qty >= 10 THEN 'bulk' ELSE 'retail' END AS kind
FROM sales
WHERE qty * price > 100 AND item LIKE 'a%';
