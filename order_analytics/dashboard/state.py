"""The dashboard's state: the records of the result topics folded into what the page shows.

Pure: no Kafka, no web. The follower hands every record to `Board.apply`; the web app sends
`Board.snapshot()` to the page. Which topics exist, and what their records mean, comes from the
registry of analyses (order_analytics/analyses.py), so a new analysis shows up without a change here:

- a state event (no `when`/`for_each`, an upsert topic keyed by the analysis key) is a table of the
  latest fields per key; the tables of one key (customerId, category) are merged into one row per
  key, each field from the first analysis in registry order that has it (3A's total before the
  others'). Windowed events (a `window...` field, e.g. hourly) are not a key's current state.
- an alert event (`when` or `for_each`) is a line of the feed, in the seed's text; a `for_each`
  alert (a category's milestones) is also a set of values reached per key.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from decimal import Decimal

from order_analytics import analyses as registry_module
from order_analytics import console
from order_analytics.analyses import Analysis, Event
from order_analytics.pipeline import Identity, Pipeline
from order_analytics.settings import Settings

ALERTS_KEPT = 40           # the feed's length
RATE_WINDOW_S = 10         # orders/s: results in the last ten seconds
CUSTOMERS_SENT = 500       # rows of the customer table sent to the page (the biggest spenders)


@dataclass(frozen=True)
class Source:
    """One result topic: which analysis and event writes it."""
    topic: str
    analysis: Analysis
    event: Event

    @property
    def is_alert(self) -> bool:
        return self.event.is_alert

    @property
    def key(self) -> str:
        return self.analysis.key

    @property
    def windowed(self) -> bool:
        return any(name.startswith("window") for name in self.event.fields)


def sources(settings: Settings, source_topic: str, analyses: dict[str, Analysis] | None = None) -> list[Source]:
    """Every `--sink kafka` topic of every analysis over `source_topic`, in registry order."""
    pipeline = Pipeline(analyses=(), topic=source_topic)
    found = analyses if analyses is not None else registry_module.registry()
    return [Source(pipeline.result_topic(settings, event.topic), analysis, event)
            for analysis in found.values() for event in analysis.events if event.topic]


def _plain(value):
    """A JSON-ready value: money stays exact as its text ("1234.50")."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _uses_label(event: Event, element: str) -> bool:
    return "{" + element + ":label}" in event.text


class Board:
    """What the page shows, updated record by record; thread-safe (one follower, many readers)."""

    def __init__(self, sources: list[Source], source_topic: str, hint: list[str] | None = None,
                 clock=time.time):
        self.source_topic = source_topic
        self.hint = hint or []
        self._clock = clock
        self._lock = threading.Lock()
        self._sources = {s.topic: s for s in sources}
        self._tables: dict[str, dict] = {s.topic: {} for s in sources if not s.is_alert}
        self._reached: dict = defaultdict(lambda: defaultdict(set))   # (key column, key) -> element -> values
        self._alerts: deque = deque(maxlen=ALERTS_KEPT)
        self._alert_counts: Counter = Counter()
        self._recent: dict[str, deque] = {s.topic: deque() for s in sources if not s.is_alert}
        self._records = 0
        self._present: set[str] = set()
        self._kafka_ok: bool | None = None     # None: not asked yet
        self._kafka_message = ""
        self._lag: dict[Identity, int] = {}
        self._input_rate: float | None = None
        self.version = 0

    # --- what the follower reports -------------------------------------------------------------

    def apply(self, topic: str, key: bytes | None, value: bytes | None, timestamp_ms: int | None = None) -> None:
        """One record of a result topic (JSON key and value as written by the job)."""
        source = self._sources.get(topic)
        if source is None:
            return
        fields = json.loads(value, parse_float=Decimal) if value is not None else None
        keys = json.loads(key, parse_float=Decimal) if key is not None else {}
        key_value = keys.get(source.key) if isinstance(keys, dict) else None
        if key_value is None and fields is not None:
            key_value = fields.get(source.key)
        when_ms = timestamp_ms if timestamp_ms and timestamp_ms > 0 else int(self._clock() * 1000)
        with self._lock:
            self._records += 1
            self._present.add(topic)
            if source.is_alert:
                self._alert(source, key_value, fields, when_ms)
            elif key_value is not None:
                table = self._tables[topic]
                if fields is None:       # a tombstone: the key is gone
                    table.pop(key_value, None)
                else:
                    table[key_value] = fields
                    recent = self._recent[topic]
                    recent.append(when_ms)
                    while recent and recent[0] <= self._clock() * 1000 - RATE_WINDOW_S * 1000:
                        recent.popleft()
            self.version += 1

    def _alert(self, source: Source, key_value, fields: dict | None, when_ms: int) -> None:
        if fields is None:
            return
        event = source.event
        if event.for_each and key_value is not None:
            element = event.for_each[0]
            if element in fields:
                self._reached[source.key, key_value][element].add(Decimal(str(fields[element])))
        try:
            text = console.render(event.text, fields)  # the seed's line, as the console prints it
        except (KeyError, ValueError, IndexError):  # a record that does not fit its declared text
            text = f"{event.kind}: {json.dumps(_plain(fields), ensure_ascii=False)}"
        self._alerts.appendleft({"kind": event.kind, "analysis": source.analysis.id, "key": key_value,
                                 "text": text, "time": when_ms})
        self._alert_counts[event.kind] += 1

    def topics_present(self, topics: set[str]) -> None:
        """The result topics that exist on the broker (created by a job, maybe still empty)."""
        with self._lock:
            if not topics <= self._present:
                self._present |= topics & set(self._sources)
                self.version += 1

    def kafka(self, ok: bool, message: str = "") -> None:
        with self._lock:
            if (ok, message if not ok else "") != (self._kafka_ok, self._kafka_message):
                self._kafka_ok, self._kafka_message = ok, message if not ok else ""
                self.version += 1

    def lag(self, lags: dict[Identity, int], input_rate: float | None = None) -> None:
        """The consumer lag of each job reading the source topic (its identity -> orders behind)."""
        with self._lock:
            if lags != self._lag or input_rate != self._input_rate:
                self._lag, self._input_rate = dict(lags), input_rate
                self.version += 1

    # --- what the page shows -------------------------------------------------------------------

    def _rows(self, key: str) -> dict:
        """One row per key value, merged from every state table of that key (first one wins)."""
        rows: dict = {}
        for topic, table in self._tables.items():
            source = self._sources[topic]
            if source.key != key or source.windowed:
                continue
            for key_value, fields in table.items():
                row = rows.setdefault(key_value, {key: key_value})
                for name, value in fields.items():
                    row.setdefault(name, value)
        for (column, key_value), reached in self._reached.items():
            if column == key and key_value in rows:
                for element, values in reached.items():
                    event = next(s.event for s in self._sources.values() if s.event.for_each
                                 and s.event.for_each[0] == element)
                    label = console.milestone_label if _uses_label(event, element) else str
                    rows[key_value][element + "s"] = [label(v) for v in sorted(values)]
        return rows

    def _rate(self, now_ms: int) -> float:
        """Orders/s: each state topic gets one result per order, so the busiest one counts them."""
        since = now_ms - RATE_WINDOW_S * 1000
        best = 0
        for times in self._recent.values():
            while times and times[0] <= since:
                times.popleft()
            best = max(best, sum(1 for t in times if since < t <= now_ms))
        return round(best / RATE_WINDOW_S, 1)

    def snapshot(self) -> dict:
        now_ms = int(self._clock() * 1000)
        with self._lock:
            customers = self._rows("customerId")
            categories = self._rows("category")
            tiers: dict[str, list] = defaultdict(list)
            for row in customers.values():
                if "tier" in row:
                    tiers[row["tier"]].append(Decimal(str(row.get("total", 0))))
            ranked = sorted(customers.values(), key=lambda r: (-Decimal(str(r.get("total", 0))), str(r["customerId"])))
            by_total = sorted(categories.values(), key=lambda r: (-Decimal(str(r.get("total", 0))), str(r["category"])))
            running = {job.label: lag for job, lag in self._lag.items() if not job.bounded}
            state_topics = [t for t, s in self._sources.items() if not s.is_alert]
            return {
                "topic": self.source_topic,
                "version": self.version,
                "now": now_ms,
                "kafka": {"ok": self._kafka_ok, "message": self._kafka_message},
                "empty": self._records == 0,
                "hint": self.hint,
                "topics": {"present": sorted(self._present), "expected": sorted(self._sources)},
                "kpis": {
                    "orders": sum(int(r.get("orders", 0)) for r in categories.values()) if categories
                    else sum(int(r.get("orders", 0)) for r in customers.values()),
                    "revenue": _plain(sum((Decimal(str(r.get("total", 0))) for r in categories.values()),
                                          Decimal("0.00"))),
                    "customers": len(customers),
                    "categories": len(categories),
                    "rate": self._rate(now_ms),
                    "input_rate": self._input_rate,
                    "lag": min(running.values()) if running else (min(self._lag.values()) if self._lag else None),
                    "lags": dict(sorted((job.label, lag) for job, lag in self._lag.items())),
                    "results": self._records,
                },
                # tiers in the order of their lowest total (REGULAR, VIP, PREMIUM)
                "tiers": [{"tier": tier, "count": len(totals)}
                          for tier, totals in sorted(tiers.items(), key=lambda item: min(item[1]))],
                "customers": {"count": len(customers), "rows": [_plain_row(r) for r in ranked[:CUSTOMERS_SENT]],
                              "segments": any("segment" in r for r in customers.values())},
                "categories": [_plain_row(r) for r in by_total],
                # newest first by the time of the result (topics are read side by side, not in time order)
                "alerts": sorted((dict(a) for a in self._alerts), key=lambda a: -a["time"]),
                "alert_counts": dict(self._alert_counts),
                "alert_kinds": [s.event.kind for s in self._sources.values() if s.is_alert],
                "state_topics": len([t for t in state_topics if t in self._present]),
            }


def _plain_row(row: dict) -> dict:
    return {name: _plain(value) for name, value in row.items()}
