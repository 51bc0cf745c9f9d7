-- The records the analyses set aside, by reason: how many, and where the latest one is.
-- python runner.py db psql -f lesson4/6_bad_records_by_reason.sql [-v topic=orders]
\ir _topic.sql
-- "offset" is a reserved word of SQL: quoted.
SELECT error AS reason, count(*) AS records, max(seen_at) AS latest,
       (array_agg('partition ' || "partition" || ', offset ' || "offset" ORDER BY seen_at DESC))[1] AS latest_at
FROM dead_letters
GROUP BY error
ORDER BY records DESC, reason;
