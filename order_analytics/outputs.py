"""An analysis's events as the tables a sink writes: the columns of each and the query that fills it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from order_analytics.analyses import Analysis, Event


@dataclass(frozen=True)
class Output:
    """One event of an analysis as a `--sink kafka` table: its columns and the query that fills it."""
    event: Event
    table: str
    columns: list[tuple[str, str]]
    query: str


def outputs(analysis: Analysis) -> list[Output]:
    """The analysis's events as rows of their own: the alerts where they happen (`when`, one row per
    `for_each` element), the state after every order; each with the event's fields as columns."""
    result = []
    for event in (e for e in analysis.events if e.topic):
        types = dict(analysis.columns)
        source = analysis.name
        if event.for_each:
            element, array = event.for_each
            types[element] = re.fullmatch(r"ARRAY<(.*)>", types[array]).group(1)
            source += f" CROSS JOIN UNNEST({array}) AS crossed (`{element}`)"
        columns = [(name, types[column]) for name, column in event.fields.items()]
        select = ", ".join(f"`{column}` AS `{name}`" for name, column in event.fields.items())
        where = f" WHERE {event.when}" if event.when else ""
        result.append(Output(event, f"{event.topic}_topic", columns, f"SELECT {select} FROM {source}{where}"))
    return result
