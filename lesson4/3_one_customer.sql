-- One customer's whole profile: the state, then every alert about them, oldest first.
-- python runner.py db psql -f lesson4/3_one_customer.sql -v customer=customer_002 [-v topic=orders]
\ir _topic.sql
-- "order" (of frequency_changes) is a reserved word of SQL: quoted.
\if :{?customer}
\else
  \set customer customer_001
\endif
SELECT p.*, s.avg, s.max, s.favorite_category, s.favorite_share
FROM customer_profile p LEFT JOIN customer_segments s USING (customer_id)
WHERE customer_id = :'customer';

SELECT kind, detail, changed_at FROM (
  SELECT 'tier change' AS kind, previous_tier || ' -> ' || tier AS detail, changed_at
  FROM tier_changes WHERE customer_id = :'customer'
  UNION ALL
  SELECT 'frequency change', frequency || ' at order #' || "order", changed_at
  FROM frequency_changes WHERE customer_id = :'customer'
  UNION ALL
  SELECT 'segment change', previous_segment || ' -> ' || segment || ' at order #' || orders, changed_at
  FROM segment_changes WHERE customer_id = :'customer'
  UNION ALL
  SELECT 'high-value order', order_id || ': ' || amount || ' (' || category || ')', changed_at
  FROM high_value_orders WHERE customer_id = :'customer'
  UNION ALL
  SELECT 'rapid order', order_id || ': ' || round(gap_ms / 1000.0, 1) || ' s after the previous', changed_at
  FROM rapid_orders WHERE customer_id = :'customer'
) alerts
ORDER BY changed_at, kind, detail;
