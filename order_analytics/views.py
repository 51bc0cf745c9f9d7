"""The views in PostgreSQL (--sink postgres), derived from the registry: pure text, no database.

Each analysis event becomes a table in a schema named as the source topic: a state event keyed by
its analysis's key (upserted, the state after the last order), an alert or closed window by the
natural key its analysis.yml declares (`key:`), so that a row replayed after a crash is written once.
The event of an updating table's changes (segment_change) is written by the database itself: a
trigger compares the old and the new row of each upsert, which are the update-before and
update-after of the changelog (as order_analytics/console.py's Changelog does for the console).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from order_analytics.analyses import Analysis, registry
from order_analytics.outputs import outputs
from order_analytics.paths import DATA

# the customer_profile view: its columns, each from every customer table that has it
PROFILE = ("total", "orders", "tier", "frequency", "segment")
PROFILE_KEY = "customer_id"
DEAD_LETTERS = "dead_letters"
# The database's own column: when the row was last changed (a replayed, unchanged row keeps its time).
CHANGED_AT = "changed_at"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]   # (column, Flink SQL type)
    key: tuple[str, ...]
    query: str | None = None               # the Flink query that fills it; None: the database does
    position: str | None = None            # grows with each state of a key: an older state never overwrites a newer
    changes: tuple | None = None           # (table, {column: expression over OLD/NEW}, compared column)

    @property
    def through_view(self) -> bool:
        """Flink writes it through its writer view (writer_schema): a column is a reserved word."""
        return any(column in RESERVED for column, _ in self.columns)

    @property
    def written_columns(self) -> tuple[tuple[str, str], ...]:
        return tuple((written(column), kind) for column, kind in self.columns)

    @property
    def written_key(self) -> tuple[str, ...]:
        return tuple(map(written, self.key))

    def target(self, schema: str) -> str:
        """The relation Flink's JDBC connector writes: the table, or its writer view."""
        return f"{quoted(writer_schema(schema) if self.through_view else schema)}.{quoted(self.name)}"


def ddl_file(topic: str):
    """Where `--sql` leaves the PostgreSQL DDL of a topic's views, for `db psql -f`."""
    return DATA / "views" / f"{topic}.sql"


# PostgreSQL's reserved words that cannot name a column unquoted (pg_get_keywords(), catcode R or T,
# of PostgreSQL 15; tests/e2e/test_views.py compares them with the server's own list).
RESERVED = frozenset("""
all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column
concurrently constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from
full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime
localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning
right select session_user similar some symmetric table tablesample then to trailing true union unique user using
variadic verbose when where window with""".split())


def snake(field: str) -> str:
    """A JSON field as a column: customerId -> customer_id, gapMs -> gap_ms, order -> order."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", field).lower()


# Flink's JDBC connector writes column names unquoted (and cannot quote them: its named parameters
# would break), so a table with a column named by a reserved word ("order", "offset") keeps that name
# and Flink writes it through an updatable view that renames the column (order -> order_). The views
# live in a schema of their own, "flink/<topic>", so that the learner's schema holds only the tables
# and customer_profile; '/' is never in a Kafka topic's name, so it cannot be another topic's schema
# (nor ':', which the connector would take for one of its named parameters).
def writer_schema(schema: str) -> str:
    return f"flink/{schema}"


def written(column: str) -> str:
    """A column as Flink's JDBC connector names it: a reserved word gets a trailing underscore."""
    return f"{column}_" if column in RESERVED else column


def postgres_type(flink_type: str) -> str:
    flink_type = flink_type.replace(" ", "")
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", flink_type)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    return {"STRING": "text", "BIGINT": "bigint", "INT": "integer", "BOOLEAN": "boolean",
            "TIMESTAMP(3)": "timestamp(3)"}[flink_type]


def analysis_tables(analysis: Analysis, outputs: list) -> list[Table]:
    """The tables of one analysis: one per event with a topic (`outputs`: order_analytics.outputs.outputs of it),
    and one for the changes of an updating table."""
    result = []
    for output in outputs:
        event = output.event
        columns = tuple((snake(name), kind) for name, kind in output.columns)
        if event.appends:
            if not event.key:
                raise ValueError(f"{analysis.name}: event {event.kind} needs a natural `key:` (analysis.yml)")
            result.append(Table(event.topic, columns, tuple(map(snake, event.key)), output.query))
        else:
            position = next((snake(n) for n, c in event.fields.items() if c == analysis.position), None)
            result.append(Table(event.topic, columns, (snake(analysis.key),), output.query, position))
    if analysis.changelog:
        result.append(_changes(analysis, result))
    return result


def _changes(analysis: Analysis, tables: list[Table]) -> Table:
    """The table of an updating table's changes, keyed by the key and the position at the change."""
    compared = analysis.changelog
    event = next(e for e in analysis.events if e.when == f"{compared}_changed")
    state = next(t for t, e in zip(tables, (e for e in analysis.events if e.topic)) if compared in e.fields.values())
    state_event = next(e for e in analysis.events if e.topic == state.name)
    column_of = {view_column: snake(name) for name, view_column in state_event.fields.items()}
    types = analysis.row_columns
    fields = {**event.fields, analysis.position: analysis.position}
    columns = tuple((snake(name), types[column]) for name, column in fields.items())
    values = {snake(name): f"OLD.{quoted(column_of[compared])}" if column == f"previous_{compared}"
              else f"NEW.{quoted(column_of[column])}" for name, column in fields.items()}
    return Table(event.table or f"{event.kind}s", columns, (snake(analysis.key), snake(analysis.position)),
                 changes=(state.name, values, column_of[compared]))


def dead_letter_table() -> Table:
    return Table(DEAD_LETTERS, (("error", "STRING"), ("raw", "STRING"), ("partition", "INT"), ("offset", "BIGINT"),
                                ("seen_at", "TIMESTAMP(3)")), ("partition", "offset"),
                 "SELECT error, record_value, `partition`, `offset`, CAST(proc_time AS TIMESTAMP(3)) FROM dead_letters")


def every_table() -> list[Table]:
    """The tables of every analysis in the registry: all exist,
    so that customer_profile always reads, NULL where an analysis did not run."""
    return [table for analysis in registry().values() for table in analysis_tables(analysis, outputs(analysis))]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_ddl(schema: str, table: Table) -> str:
    name = f"{quoted(schema)}.{quoted(table.name)}"
    columns = [f"  {quoted(column)} {postgres_type(kind)}" for column, kind in table.columns]
    columns.append(f"  {CHANGED_AT} timestamptz NOT NULL DEFAULT clock_timestamp()")
    columns.append(f"  PRIMARY KEY ({', '.join(map(quoted, table.key))})")
    argument = _literal(table.position) if table.position else ""
    lines = [f"CREATE TABLE IF NOT EXISTS {name} (\n" + ",\n".join(columns) + "\n);",
             f"CREATE OR REPLACE TRIGGER keep BEFORE UPDATE ON {name}\n"
             f"  FOR EACH ROW EXECUTE FUNCTION {quoted(schema)}.keep({argument});"]
    return "\n".join(lines)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _changes_ddl(schema: str, table: Table) -> str:
    state, values, compared = table.changes
    function = f"{quoted(schema)}.{quoted(state + '_' + table.name)}"
    columns = ", ".join(map(quoted, values))
    return (f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  INSERT INTO {quoted(schema)}.{quoted(table.name)} ({columns})\n"
            f"  VALUES ({', '.join(values.values())}) ON CONFLICT DO NOTHING;\n"
            f"  RETURN NULL;\n"
            f"END $$;\n"
            f"CREATE OR REPLACE TRIGGER {quoted(table.name)} AFTER UPDATE ON {quoted(schema)}.{quoted(state)}\n"
            f"  FOR EACH ROW WHEN (OLD.{quoted(compared)} IS DISTINCT FROM NEW.{quoted(compared)})\n"
            f"  EXECUTE FUNCTION {function}();")


def _writer_view_ddl(schema: str, table: Table) -> str:
    """The view Flink writes a table through: every column of the event, a reserved word renamed.
    PostgreSQL updates such a view itself, an upsert's ON CONFLICT included, and the table's
    triggers fire as for a write to the table."""
    columns = ", ".join(quoted(c) if c == written(c) else f"{quoted(c)} AS {quoted(written(c))}" for c, _ in table.columns)
    return (f"CREATE OR REPLACE VIEW {table.target(schema)} AS\n"
            f"SELECT {columns}\nFROM {quoted(schema)}.{quoted(table.name)};")


def profile_ddl(schema: str, tables: list[Table]) -> str:
    """customer_profile: every customer any customer table knows, each column from the tables that have it."""
    keyed = [t for t in tables if t.key == (PROFILE_KEY,)]
    alias = {t.name: f"t{i}" for i, t in enumerate(keyed, 1)}
    customers = "\n  UNION ".join(f"SELECT {PROFILE_KEY} FROM {quoted(schema)}.{quoted(t.name)}" for t in keyed)
    picked = []
    for column in PROFILE:
        having = [f"{alias[t.name]}.{quoted(column)}" for t in keyed if column in dict(t.columns)]
        picked.append(f"COALESCE({', '.join(having)}) AS {quoted(column)}" if len(having) > 1 else
                      f"{having[0] if having else 'NULL'} AS {quoted(column)}")
    joins = "".join(f"\nLEFT JOIN {quoted(schema)}.{quoted(t.name)} {alias[t.name]} USING ({PROFILE_KEY})"
                    for t in keyed)
    return (f"CREATE OR REPLACE VIEW {quoted(schema)}.customer_profile AS\n"
            f"SELECT {PROFILE_KEY},\n  " + ",\n  ".join(picked) + "\n"
            f"FROM (\n  {customers}\n) customers{joins};")


KEEP = """CREATE OR REPLACE FUNCTION {schema}.keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a row written again as it was (Flink replays after a restart) keeps its time
  NEW.changed_at := OLD.changed_at;
  IF NEW IS NOT DISTINCT FROM OLD THEN
    RETURN NULL;
  END IF;
  -- a state older than the one held (replayed from the last checkpoint) never overwrites it
  IF TG_NARGS > 0 AND (to_jsonb(NEW) ->> TG_ARGV[0])::numeric < (to_jsonb(OLD) ->> TG_ARGV[0])::numeric THEN
    RETURN NULL;
  END IF;
  NEW.changed_at := clock_timestamp();
  RETURN NEW;
END $$;"""


def database_script(schema: str, tables: list[Table]) -> str:
    """The PostgreSQL DDL of the schema: idempotent, so every run can run it first."""
    tables = [*tables, dead_letter_table()]
    parts = [f"-- The views of the topic \"{schema}\" (rendered by python runner.py from analyses/*/analysis.yml).",
             f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)};", KEEP.format(schema=quoted(schema))]
    parts += [_table_ddl(schema, table) for table in tables]
    parts += [_changes_ddl(schema, table) for table in tables if table.changes]
    writers = [_writer_view_ddl(schema, table) for table in tables if table.through_view and table.query]
    if writers:
        parts += [f"CREATE SCHEMA IF NOT EXISTS {quoted(writer_schema(schema))};", *writers]
    parts.append(profile_ddl(schema, tables))
    return "\n\n".join(parts) + "\n"


def empty_script(schema: str, tables: list[Table]) -> str:
    """Empties the tables of a run that starts with empty state: they hold its state, not an older one's."""
    return f"TRUNCATE {', '.join(f'{quoted(schema)}.{quoted(t.name)}' for t in tables)};\n"
