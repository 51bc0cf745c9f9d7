-- Every alert of the last hour (by when its row was written), newest first.
-- python runner.py db psql -f lesson4/5_alerts_last_hour.sql [-v topic=orders]
\ir _topic.sql
SELECT changed_at, kind, key, detail FROM (
  SELECT changed_at, 'tier change' AS kind, customer_id AS key, previous_tier || ' -> ' || tier AS detail FROM tier_changes
  UNION ALL
  SELECT changed_at, 'frequency change', customer_id, frequency || ' at order #' || "order" FROM frequency_changes
  UNION ALL
  SELECT changed_at, 'segment change', customer_id, previous_segment || ' -> ' || segment FROM segment_changes
  UNION ALL
  SELECT changed_at, 'milestone', category, '$' || (milestone / 1000)::int || 'K' FROM category_milestones
  UNION ALL
  SELECT changed_at, 'high-value order', customer_id, order_id || ': ' || amount FROM high_value_orders
  UNION ALL
  SELECT changed_at, 'rapid order', customer_id, order_id || ': ' || round(gap_ms / 1000.0, 1) || ' s' FROM rapid_orders
) alerts
WHERE changed_at > now() - interval '1 hour'
ORDER BY changed_at DESC, kind, key
LIMIT 20;
