"""A pipeline: which analyses run how, and every name that follows from it.

Another set of analyses, variant, sink or topic is another pipeline (its state does not fit), so
each has its own consumer group, checkpoint folder and console topic, all named here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from order_analytics.analyses import Analysis, job_name
from order_analytics.settings import Settings


PREFIX = "lesson3"  # of the Flink job's name and its checkpoint folder's
# Where results go, in the order a set of them is named ('kafka-postgres', whatever the command's order).
SINKS = ("print", "kafka", "postgres", "blackhole")
_SINK = "|".join(SINKS)
_IDENTITY = re.compile(rf"(?P<jobs>.+?)-(?P<variant>udf|builtin)-(?P<sink>(?:{_SINK})(?:-(?:{_SINK}))*)"
                       r"(?P<bounded>-bounded)?-(?P<topic>[A-Za-z0-9._-]+)")


@dataclass(frozen=True)
class Identity:
    """What makes a pipeline another pipeline, in the names it leaves behind (its consumer group,
    checkpoint folder, console topic): `all-udf-kafka-orders`, `3a-3c-builtin-print-bounded-t`.
    `str()` writes it; `parse` reads such a name back (the one place that does)."""
    jobs: str                         # `all`, or the ids joined by '-' (analyses.job_name)
    variant: str
    sink: str
    bounded: bool
    topic: str

    @property
    def label(self) -> str:
        """The identity without its topic: how the dashboard names a job over its topic."""
        return f"{self.jobs}-{self.variant}-{self.sink}{'-bounded' if self.bounded else ''}"

    @property
    def job_ids(self) -> list[str]:
        return self.jobs.split("-")

    def __str__(self) -> str:
        return f"{self.label}-{self.topic}"

    @classmethod
    def parse(cls, text: str, prefix: str = "") -> Identity | None:
        """The identity in `text` after `prefix` (e.g. `lesson3-` of a checkpoint folder), or None."""
        match = _IDENTITY.fullmatch(text.removeprefix(prefix)) if text.startswith(prefix) else None
        if not match:
            return None
        return cls(match["jobs"], match["variant"], match["sink"], bool(match["bounded"]), match["topic"])


@dataclass(frozen=True)
class Pipeline:
    analyses: tuple[Analysis, ...]
    variant: str = "udf"              # udf | builtin
    sink: str = "print"               # print | kafka | postgres | blackhole, or several joined by '-'
    topic: str = "orders"
    bounded: bool = False
    startup: str = "group-offsets"    # earliest | latest | group-offsets
    resume_from: Path | None = None   # a retained checkpoint to continue from
    partitions: int | None = None     # the source topic's, where known (a run looks them up)

    @property
    def sinks(self) -> tuple[str, ...]:
        return tuple(self.sink.split("-"))

    @property
    def identity(self) -> Identity:
        return Identity(job_name(self.analyses), self.variant, self.sink, self.bounded, self.topic)

    @property
    def name(self) -> str:
        """The Flink job's name, and its checkpoint folder's."""
        return f"{PREFIX}-{self.identity}"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic}.dlq"

    def group_id(self, settings: Settings) -> str:
        return f"{settings.kafka.group_id_prefix}-{self.identity}"

    def checkpoint_dir(self, settings: Settings) -> Path:
        return settings.checkpoint.dir / self.name

    def console_topic(self, settings: Settings) -> str:
        """Where a console run's result rows go, for `python runner.py` to print."""
        return f"{settings.kafka.results_prefix}.console.{self.identity}"

    def result_topic(self, settings: Settings, output: str) -> str:
        """A `--sink kafka` topic. It names the source topic, so that pipelines over different
        topics never write into each other's results."""
        return f"{settings.kafka.results_prefix}.{self.topic}.{output}"
