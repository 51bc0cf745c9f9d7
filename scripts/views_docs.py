#!/usr/bin/env python3
"""Refresh docs/views.md: every Lesson 4 query (lesson4/*.sql) with its real output.

    .venv/bin/python scripts/views_docs.py [--topic T] [--count N]

Sends N seeded orders (producer --seed 42) to a topic of their own, runs every analysis on them with
`--sink postgres --bounded`, then each query with `python runner.py db psql -f`, and writes the page.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted(p for p in (ROOT / "lesson4").glob("[0-9]*.sql"))
PAGE = ROOT / "docs" / "views.md"
INTRO = """# Lesson 4: queryable views in PostgreSQL

`python runner.py JOB... --sink postgres` keeps every analysis event as a table in PostgreSQL, in a
schema named as the source topic (`"orders".customer_totals`), written by the Flink job itself through
Flink's JDBC connector; `python runner.py db psql` opens psql on it (`db start|stop|status` run the
embedded server, Debian's PostgreSQL 15 under `.data/postgres`; `VIEWS_DATABASE_URL` names another).
`make views` runs the producer and `all alerts segments --sink postgres` live, so the queries below
change as you run them again.

- State tables (`customer_totals`, `vip_tiers`, `order_frequency`, `category_spending`,
  `customer_segments`) hold the state after the last order of each key, upserted by the key.
- Alert and window tables (`tier_changes`, `frequency_changes`, `category_milestones`,
  `high_value_orders`, `rapid_orders`, `hourly_customers`) have a natural key (`analysis.yml`: `key:`),
  so a row Flink writes again after a crash lands on itself; `dead_letters` is keyed by
  `(partition, offset)`.
- `segment_changes` is written by the database: a trigger on `customer_segments` compares the old and
  new row of each upsert (the changelog's update-before and update-after), keyed by customer and order count;
  like the console's, a change is between two states the job wrote (Flink writes a customer's newest state
  per bundle of orders, so two changes within one bundle show as one).
- Every table has `changed_at`, when its row last changed; a row written again unchanged keeps it, and
  an older state replayed after a restart never overwrites a newer one (a trigger compares `orders`).
- `customer_profile` is a view: one row per customer, `total, orders, tier, frequency, segment`,
  NULL where an analysis did not run.
- Faults: after kill -9 of the runner, the same command continues from the last checkpoint and
  replays what no checkpoint covered; the replayed rows land on their own keys, so the tables end
  exact with no row twice. A run that starts while the database does not answer ends at once:
  exit 3 and one line naming the database and the fix (its password never printed).
- Not handled yet: the database going away during a run. Flink's JDBC connector (4.0.0-2.0, built
  for Flink 2.0) does not reconnect inside its retries, and its `close()` throws the failed flush
  again while Flink cleans the failed task up, which Flink 2.2.1 treats as fatal for the
  TaskManager (`FATAL - exception in exception handler` in Flink's log): the mini-cluster then has
  no slot left to restart the job on. Stop the runner (Ctrl-C) and run the same command once the
  database is back: it continues from the last checkpoint, exact as after kill -9.
- Cost: `python -m bench.run --jobs all --variants udf --sink postgres --label sink-postgres`
  against the same with `--sink blackhole` (no figure measured yet).
- Column names are the events' JSON fields in snake case. Two are reserved words of SQL, quoted in
  a query: `"order"` (`frequency_changes`) and `"offset"` (`dead_letters`). Flink's JDBC connector
  does not quote names, so it writes these two tables through views in the schema `"flink/orders"`
  that rename the column (`order_`, `offset_`); the tables and their triggers are the same.

Each query runs with `python runner.py db psql -f lesson4/FILE.sql` (`-v topic=NAME` for another
source topic than `orders`). The outputs below are real: `{command}` made this page from
{count} seeded orders (`python -m producer --seed 42 --bad-ratio 0.02`), topic `{topic}`.
"""


def run(*argv: str, **kwargs) -> str:
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=600, **kwargs)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed: {done.stderr.strip()[-1000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default=f"lesson4-docs-{int(time.time())}")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    run("-m", "producer", "--count", str(args.count), "--seed", "42", "--customers", "25", "--bad-ratio", "0.02",
        "--topic", args.topic)
    run("runner.py", "all", "alerts", "hourly", "segments", "--sink", "postgres", "--bounded", "--topic", args.topic)
    parts = [INTRO.format(command="python scripts/views_docs.py", count=args.count, topic=args.topic)]
    for query in QUERIES:
        output = run("runner.py", "db", "psql", "-v", f"topic={args.topic}", "-v", "customer=customer_002",
                     "-f", str(query.relative_to(ROOT)))
        parts.append(f"## {query.name}\n\n```sql\n{query.read_text().strip()}\n```\n\n```\n{output.rstrip()}\n```\n")
    PAGE.write_text("\n".join(parts))
    print(f"wrote {PAGE}")


if __name__ == "__main__":
    main()
