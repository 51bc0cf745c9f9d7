"""A pipeline: which analyses run how, and every name that follows from it.

Another set of analyses, variant, sink or topic is another pipeline (its state does not fit), so
each has its own consumer group, checkpoint folder and console topic, all named here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lesson3.analyses import Analysis, job_name
from lesson3.settings import Settings


@dataclass(frozen=True)
class Pipeline:
    analyses: tuple[Analysis, ...]
    variant: str = "udf"              # udf | builtin
    sink: str = "print"               # print | kafka | blackhole
    topic: str = "orders"
    bounded: bool = False
    startup: str = "group-offsets"    # earliest | latest | group-offsets
    resume_from: Path | None = None   # a retained checkpoint to continue from
    partitions: int | None = None     # the source topic's, where known (a run looks them up)

    @property
    def identity(self) -> str:
        return (f"{job_name(self.analyses)}-{self.variant}-{self.sink}{'-bounded' if self.bounded else ''}"
                f"-{self.topic}")

    @property
    def name(self) -> str:
        """The Flink job's name, and its checkpoint folder's."""
        return f"lesson3-{self.identity}"

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
