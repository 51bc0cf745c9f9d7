-- How many customers are in each tier, and in each segment, with what they spent.
-- python runner.py db psql -f lesson4/2_customers_per_tier_and_segment.sql [-v topic=orders]
\ir _topic.sql
SELECT tier, count(*) AS customers, sum(total) AS revenue, round(avg(total), 2) AS avg_total
FROM customer_profile
GROUP BY tier
ORDER BY min(total);

SELECT coalesce(segment, '(segments not run)') AS segment, count(*) AS customers,
       sum(total) AS revenue, round(avg(orders), 1) AS avg_orders
FROM customer_profile
GROUP BY segment
ORDER BY customers DESC, segment;
