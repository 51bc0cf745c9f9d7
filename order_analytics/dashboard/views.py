"""What the dashboard reads from the views in PostgreSQL (`--sink postgres`), where they exist:
one customer's profile by id, and the freshness of the views (the age of the newest change).

Each read is one psql call (a few milliseconds): no driver to install, and nothing is held open
while the database is down; the page then says that the views are not there.
"""
from __future__ import annotations

from datetime import datetime, timezone

from order_analytics import views
from order_analytics.errors import UserError
from order_analytics.infra import database


class Views:
    def __init__(self, target: database.Database, schema: str):
        self.target, self.schema = target, schema
        self.tables = [t.name for t in views.every_table()] + [views.DEAD_LETTERS]

    def _name(self, table: str) -> str:
        return f"{views.quoted(self.schema)}.{views.quoted(table)}"

    def customer(self, customer_id: str) -> dict | None:
        """The customer's row of customer_profile with its segment's detail; None if it has none.
        Raises UserError when the views are not there."""
        literal = "'" + customer_id.replace("'", "''") + "'"
        rows = database.query(self.target, f"SELECT p.*, s.avg, s.max, s.favorite_category, s.favorite_share "
                                           f"FROM {self._name('customer_profile')} p "
                                           f"LEFT JOIN {self._name('customer_segments')} s USING (customer_id) "
                                           f"WHERE customer_id = {literal}")
        return rows[0] if rows else None

    def freshness(self) -> dict:
        """When the newest row of any table changed, and how long ago; `ok` False when no views exist."""
        newest = " UNION ALL ".join(f"SELECT max(changed_at) AS t FROM {self._name(t)}" for t in self.tables)
        try:
            [row] = database.query(self.target, f"SELECT to_char(max(t) AT TIME ZONE 'UTC', "
                                                f"'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS newest FROM ({newest}) changes")
        except UserError:
            return {"ok": False, "schema": self.schema, "message": f"no views of '{self.schema}' in {self.target.shown}"}
        if row["newest"] is None:
            return {"ok": True, "schema": self.schema, "newest": None, "age_s": None}
        changed = datetime.strptime(row["newest"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        return {"ok": True, "schema": self.schema, "newest": row["newest"],
                "age_s": round((datetime.now(timezone.utc) - changed).total_seconds(), 1)}
