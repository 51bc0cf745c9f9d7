"""The registry of analyses: every folder under analyses/ (or $ANALYSES_DIR) with an analysis.yml is one.

Everything that lists analyses asks here: the runner's JOB choices and --help, the banners, the
script's views and sinks, the console, the benchmark and the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from order_analytics.errors import UsageError
from order_analytics.paths import ANALYSES, STEPS

ALL = "all"  # the lesson's four jobs, the analyses marked `in_all`


@dataclass(frozen=True)
class Event:
    """One kind of output line of an analysis: which row columns make its fields, and its text."""
    kind: str
    fields: dict[str, str]          # JSON field -> column of the view (or the for_each element)
    text: str                       # the seed's console line, a str.format template over the fields
    topic: str | None               # its topic with --sink kafka (None: the console's alone)
    when: str | None = None         # a BOOLEAN column: the event exists only where it is true
    for_each: tuple[str, str] | None = None  # (element name, ARRAY column): one event per element
    whole: tuple[str, ...] = ()     # money fields written without cents in JSON (milestones)
    append: bool = False            # a result that is never updated (a closed window)
    key: tuple[str, ...] = ()       # the fields that name one alert or window (--sink postgres: its table's key)
    table: str | None = None        # its table with --sink postgres, when it has no topic

    @property
    def is_alert(self) -> bool:
        """Alerts happen at some orders; the others are the state after every order."""
        return self.when is not None or self.for_each is not None

    @property
    def appends(self) -> bool:
        """Written to an append-only topic (alerts, closed windows), else to an upsert topic: the
        latest row per key, compacted."""
        return self.is_alert or self.append


@dataclass(frozen=True)
class Analysis:
    id: str                          # what users type: 3a
    name: str                        # its folder, its view and its template: customer_totals
    title: str
    help: str
    banner: tuple[str, ...]
    key: str                         # the column its state is keyed by (customerId, category)
    needs: tuple[str, ...]           # shared steps in sql/ it reads besides valid_orders
    columns: dict[str, str]          # the view's columns -> Flink SQL types
    events: tuple[Event, ...]
    position: str | None = None      # a column that grows with each result of a key (see order_analytics/printed.py)
    in_all: bool = False
    windows: bool = False            # event-time windows: exact watermarks needed
    dead_letters: str | None = None  # a view of the orders it could not count (error, record_value, ...)
    changelog: str | None = None     # an updating table: the column whose change between update-before
                                     # and update-after the console announces
    template: str = ""               # its view: the folder's one .sql.j2 file, relative to the analyses' root
    model: Path | None = None        # its rule for the tests' model (tests/model.py): the folder's model.py

    @property
    def row_columns(self) -> dict[str, str]:
        """The columns of a row of its changes: the view's, and for an updating table the compared
        column's value before the change (order_analytics/console.py, Changelog; order_analytics/views.py)."""
        if not self.changelog:
            return self.columns
        return {**self.columns, f"previous_{self.changelog}": self.columns[self.changelog],
                f"{self.changelog}_changed": "BOOLEAN"}


def _event(raw: dict) -> Event:
    fields = raw["fields"]
    for_each = raw.get("for_each")
    return Event(kind=raw["kind"], fields=fields if isinstance(fields, dict) else {f: f for f in fields},
                 text=raw["text"], topic=raw.get("topic"), when=raw.get("when"),
                 for_each=next(iter(for_each.items())) if for_each else None, whole=tuple(raw.get("whole", ())),
                 append=bool(raw.get("append", False)), key=tuple(raw.get("key", ())), table=raw.get("table"))


def _template(folder: Path) -> str:
    views = sorted(folder.glob("*.sql.j2"))
    if len(views) != 1:
        raise UsageError(f"{folder} must hold one view (a .sql.j2 file), not {len(views)}")
    return f"{folder.name}/{views[0].name}"


def _analysis(folder: Path) -> Analysis:
    raw = yaml.safe_load((folder / "analysis.yml").read_text(encoding="utf-8"))
    return Analysis(id=str(raw["id"]), name=folder.name, title=raw["title"], help=raw["help"],
                    banner=tuple(raw["banner"]), key=raw["key"], needs=tuple(raw.get("needs", ())),
                    columns=dict(raw["columns"]), events=tuple(_event(e) for e in raw["events"]),
                    position=raw.get("position"), in_all=bool(raw.get("in_all", False)),
                    windows=bool(raw.get("windows", False)), dead_letters=raw.get("dead_letters"),
                    changelog=raw.get("changelog"), template=_template(folder),
                    model=folder / "model.py" if (folder / "model.py").is_file() else None)


@cache
def registry() -> dict[str, Analysis]:
    """Every analysis by id, in the order of their ids."""
    found = [_analysis(folder) for folder in ANALYSES.iterdir() if (folder / "analysis.yml").is_file()]
    for analysis in found:
        missing = [step for step in analysis.needs if not (STEPS / f"{step}.sql.j2").is_file()]
        if missing:
            raise UsageError(f"analyses/{analysis.name}/analysis.yml needs '{missing[0]}', which is no step "
                             f"in {STEPS}: name a file there (without .sql.j2)")
    return {analysis.id: analysis for analysis in sorted(found, key=lambda a: a.id)}


def choices() -> list[str]:
    return [*registry(), ALL]


def select(jobs: list[str]) -> tuple[Analysis, ...]:
    """The analyses that JOB arguments name (`all` = the lesson's four), once each, in registry order."""
    known = registry()
    unknown = [job for job in jobs if job not in known and job != ALL]
    if unknown or not jobs:
        raise UsageError(f"unknown job '{unknown[0] if unknown else ''}': choose one or more of "
                         f"{', '.join(choices())}")
    wanted = {a.id for a in known.values() if a.in_all} if ALL in jobs else set()
    wanted |= set(jobs) - {ALL}
    return tuple(a for a in known.values() if a.id in wanted)


def job_name(analyses: tuple[Analysis, ...]) -> str:
    """How a selection is named in pipeline names: `all` for the lesson's four, else the ids."""
    ids = [a.id for a in analyses]
    return ALL if set(ids) == {a.id for a in registry().values() if a.in_all} else "-".join(ids)
