-- The categories by revenue, with the milestones each has reached.
-- python runner.py db psql -f lesson4/4_categories_by_revenue.sql [-v topic=orders]
\ir _topic.sql
SELECT c.category, c.total, c.orders, c.avg, c.max,
       coalesce(string_agg('$' || (m.milestone / 1000)::int || 'K', ' ' ORDER BY m.milestone), '') AS milestones
FROM category_spending c LEFT JOIN category_milestones m USING (category)
GROUP BY c.category, c.total, c.orders, c.avg, c.max
ORDER BY c.total DESC, c.category;
