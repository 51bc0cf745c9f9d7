"""Result rows -> the seed's console lines (text) or one JSON object a line (json). Pure formatting.

A row is one row of an analysis's view, tagged with the analysis id; what it means (which events,
their fields and text) is in that analysis's analysis.yml.
"""
from __future__ import annotations

import json
import string
from decimal import Decimal

from order_analytics.analyses import Analysis, Event, registry

MILESTONE_NAMES = ((Decimal(1_000_000), "M"), (Decimal(1_000), "K"))


def banner(analyses: tuple[Analysis, ...]) -> str:
    return "\n".join("\n".join(a.banner) + "\n" for a in analyses)


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def milestone_label(milestone: Decimal) -> str:
    """$1K, $5K, $10K, $50K, $100K, $1M: the seed's names for revenue milestones."""
    for size, suffix in MILESTONE_NAMES:
        if milestone >= size:
            return f"${(milestone / size).normalize():f}{suffix}"
    return f"${milestone.normalize():f}"


def gap(ms: int) -> str:
    """A gap between two orders as a person says it: 45s, 3m 12s, 2m 0.5s."""
    minutes, seconds = divmod(Decimal(ms) / 1000, 60)
    seconds = f"{seconds.normalize():f}s"
    return f"{minutes}m {seconds}" if minutes else seconds


class _Formatter(string.Formatter):
    """str.format with the project's money rule: every amount with two decimals; `:label` names a
    milestone, `:gap` a time between orders in milliseconds, `:minute` and `:clock` a window bound,
    `:percent` a share."""

    def format_field(self, value, format_spec):
        if format_spec == "label":
            return milestone_label(Decimal(value))
        if format_spec == "gap":
            return gap(value)
        if format_spec == "minute":  # 2025-11-24T10:00:00Z -> 2025-11-24 10:00
            return f"{value[:10]} {value[11:16]}"
        if format_spec == "clock":  # 2025-11-24T11:00:00Z -> 11:00
            return value[11:16]
        if format_spec == "percent":  # 0.58 -> 58%
            return f"{value * 100:.0f}%"
        if isinstance(value, Decimal) and not format_spec:
            return money(value)
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()


def render(template: str, fields: dict) -> str:
    """An event's text (its `text:` in analysis.yml) with its fields, as the console prints it."""
    return _FORMAT.format(template, **fields)


def _whole(amount: Decimal):
    """A milestone as the contract writes it: 1000, not 1000.00 (cents only when it has them)."""
    return int(amount) if amount == amount.to_integral_value() else amount


class Changelog:
    """Rows of an updating table (`changelog:` in analysis.yml) arrive as changes (debezium-json):
    update-before and update-after images, per order or per bundle of orders. The console shows
    each update-after, with the compared column's value in the row shown before it for the same
    key: `previous_<column>` and `<column>_changed`."""

    def __init__(self):
        self._shown: dict[tuple, object] = {}

    def row(self, change: dict) -> dict | None:
        """The row to show for one change; None for an update-before (its update-after follows)."""
        row = change["after"]
        if row is None:
            return None
        analysis = registry()[row["analysis"]]
        column = analysis.changelog
        key = (analysis.id, row[analysis.key])
        previous = self._shown.get(key)
        self._shown[key] = row[column]
        return {**row, f"previous_{column}": previous,
                f"{column}_changed": previous is not None and previous != row[column]}


def _occurrences(event: Event, row: dict) -> list[dict]:
    """The rows of one event in a result row: none, one, or one per array element."""
    if event.when is not None and not row[event.when]:
        return []
    if event.for_each is None:
        return [row]
    element, column = event.for_each
    return [{**row, element: value} for value in row[column] or []]


def events(row: dict) -> list[dict]:
    """The contract's JSON objects for one result row, in the order the analysis declares."""
    analysis = registry()[row["analysis"]]
    result = []
    for event in analysis.events:
        for values in _occurrences(event, row):
            fields = {name: values[column] for name, column in event.fields.items()}
            fields.update({name: _whole(fields[name]) for name in event.whole})
            result.append({"job": analysis.id, "kind": event.kind, **fields})
    return result


def _json_value(value) -> str:
    """JSON text of a value; money stays exact (a Decimal is written as its 2-decimal number)."""
    if isinstance(value, Decimal):
        return money(value)
    return json.dumps(value, ensure_ascii=False)


def json_line(fields: dict) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{_json_value(v)}" for k, v in fields.items()) + "}"


def text(event: dict) -> str:
    """The seed's line for one event."""
    declared = next(e for e in registry()[event["job"]].events if e.kind == event["kind"])
    return render(declared.text, event)


def lines(row: dict, output_format: str) -> list[str]:
    render = json_line if output_format == "json" else text
    return [render(event) for event in events(row)]
