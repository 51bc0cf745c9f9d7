-- The ten biggest customers: their total, orders, tier, frequency and segment.
-- python runner.py db psql -f lesson4/1_top_customers.sql [-v topic=orders]
\ir _topic.sql
SELECT customer_id, total, orders, tier, frequency, segment
FROM customer_profile
ORDER BY total DESC, customer_id
LIMIT 10;
