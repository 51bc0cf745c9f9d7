"""What the user asked for (a Request, from the runner's options), worked out once (a Choice):
the settings, the pipeline, and where it starts (a retained checkpoint, or empty state from an offset)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from order_analytics import analyses, checkpoints, settings
from order_analytics.paths import ROOT
from order_analytics.pipeline import Pipeline


@dataclass(frozen=True)
class Request:
    """What the user asked for (the runner's options)."""
    jobs: list[str]
    variant: str = "udf"
    sink: str = "print"
    topic: str | None = None
    bounded: bool = False
    startup: str | None = None        # --from; None: continue, else the config's default
    fresh: bool = False
    output_format: str = "text"
    config: Path | None = None
    overrides: list[str] = field(default_factory=list)
    command: str = ""                 # as typed, for the --sql header


@dataclass(frozen=True)
class Choice:
    """The request worked out once: settings, the pipeline, and why it starts where it does."""
    settings: settings.Settings
    pipeline: Pipeline
    start: str                        # the start, in words

    @property
    def resuming(self) -> bool:
        return self.pipeline.resume_from is not None


def choose(request: Request) -> Choice:
    config = settings.load(request.config, request.overrides)
    topic = settings.name(request.topic, "--topic") if request.topic else config.kafka.topic
    # empty state reads from earliest unless told otherwise, or totals would restart from zero at the
    # committed offsets (the seed's "orders=1" trap); a bounded run always starts over (sql/settings.sql.j2)
    startup = request.startup or ("earliest" if request.bounded or request.fresh else config.kafka.startup)
    pipeline = Pipeline(analyses.select(request.jobs), variant=request.variant, sink=request.sink, topic=topic,
                        bounded=request.bounded, startup=startup)
    checkpoint = None
    if not (request.startup or request.fresh or request.bounded):
        checkpoint = checkpoints.latest(pipeline.checkpoint_dir(config))
    if checkpoint:
        where = checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint
        start = f"continuing from checkpoint {where}"
        pipeline = dataclasses.replace(pipeline, resume_from=checkpoint)
    else:
        reason = (" (bounded: a fresh analysis of the topic)" if request.bounded
                  else " (--from given: the last run's checkpoint is not used)" if request.startup
                  else " (--fresh)" if request.fresh else "")
        start = f"starting with empty state, reading from {startup}{reason}"
    return Choice(config, pipeline, start)
