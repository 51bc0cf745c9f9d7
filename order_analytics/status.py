"""`python runner.py status`: the broker, the local Flink cluster, and every pipeline with state
(a folder under checkpoint.dir): its last checkpoint, its consumer group's lag, the dead letters of
its topic, whether it runs now, and the command that continues it. Broker down is shown, not an error.

The parsing and the wording are pure (`parse`, `describe`); `report` gathers the facts.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from order_analytics import analyses, checkpoints
from order_analytics.errors import UserError
from order_analytics.monitor import age, rerun_command, size
from order_analytics.paths import ROOT
from order_analytics.pipeline import PREFIX, Identity, Pipeline

def parse(folder_name: str) -> Pipeline | None:
    """The pipeline a checkpoint folder belongs to (Pipeline.name is its name), or None."""
    identity = Identity.parse(folder_name, f"{PREFIX}-")
    if identity is None:
        return None
    try:
        chosen = analyses.select(identity.job_ids)
    except UserError:
        return None
    return Pipeline(chosen, variant=identity.variant, sink=identity.sink, topic=identity.topic,
                    bounded=identity.bounded)


def resume_command(pipeline: Pipeline, config_args: list[str]) -> str:
    """The command that continues `pipeline` from its last checkpoint."""
    jobs = [a.id for a in pipeline.analyses]
    if analyses.job_name(pipeline.analyses) == analyses.ALL:
        jobs = [analyses.ALL]
    words = [*jobs, "--topic", pipeline.topic]
    words += ["--variant", pipeline.variant] if pipeline.variant != "udf" else []
    words += [word for sink in pipeline.sinks if sink != "print" for word in ("--sink", sink)]
    return rerun_command(words + config_args)


@dataclass(frozen=True)
class Facts:
    """What was found about one pipeline. None: not known (the broker is down, say)."""
    folder: Path
    pipeline: Pipeline | None
    checkpoint: Path | None = None
    checkpoint_age_s: float | None = None
    checkpoint_bytes: int | None = None
    group: str | None = None
    lag: int | None = None
    committed: dict | None = None     # partition -> offset
    topic_records: int | None = None
    dead_letters: int | None = None
    kafka_up: bool = True
    running_at: str | None = None     # the job's page in a web UI, when it runs now


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def describe(facts: Facts, config_args: list[str]) -> list[str]:
    """The lines of one pipeline."""
    pipeline = facts.pipeline
    if pipeline is None:
        return [f"  {facts.folder.name}: not a pipeline folder of this project (left alone)"]
    jobs = " ".join(a.id for a in pipeline.analyses)
    lines = [f"  {jobs} over '{pipeline.topic}' ({pipeline.variant}, sink {pipeline.sink})   [{facts.folder.name}]"]
    if facts.checkpoint:
        lines.append(f"    last checkpoint: {age(facts.checkpoint_age_s)} ago, {size(facts.checkpoint_bytes)}: "
                     f"{_where(facts.checkpoint)}")
    else:
        lines.append("    last checkpoint: none complete (the next run starts with empty state)")
    if not facts.kafka_up:
        lines.append(f"    consumer group {facts.group}: not known while Kafka is down")
    elif facts.topic_records is None:
        lines.append(f"    consumer group {facts.group}: topic '{pipeline.topic}' does not exist (any more)")
    elif facts.lag is None:
        lines.append(f"    consumer group {facts.group}: no offsets committed; the topic holds {facts.topic_records} records")
    else:
        where = ", ".join(f"partition {p} at {o}" for p, o in sorted((facts.committed or {}).items()) if o is not None)
        lines.append(f"    consumer group {facts.group}: {facts.lag} records behind the end of '{pipeline.topic}' "
                     f"({where})")
    if facts.kafka_up:
        count = "none" if not facts.dead_letters else str(facts.dead_letters)
        lines.append(f"    dead letters: {count} on {pipeline.dead_letter_topic} (from every pipeline over "
                     f"'{pipeline.topic}')")
    if facts.running_at:
        lines.append(f"    running now: {facts.running_at}")
    else:
        lines.append(f"    continue: {resume_command(pipeline, config_args)}")
    return lines


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _running_jobs(settings) -> dict[str, str]:
    """{job name: its page} of the jobs running now: on the local cluster and in runners' mini-clusters."""
    from order_analytics.infra import flink_rest, ports

    addresses = [f"{flink_rest.HOST}:{port}" for port in range(settings.console.web_ui_port,
                                                                 settings.console.web_ui_port + flink_rest.PORT_RANGE)
                 if not ports.free(port)]
    if settings.cluster and settings.cluster not in addresses:
        addresses.append(settings.cluster)
    running = {}
    for address in addresses:
        try:
            jobs = flink_rest.get(address, "/jobs/overview", 1.0)["jobs"]
        except (OSError, ValueError, KeyError):
            continue
        for job in jobs:
            if job.get("state") == "RUNNING":
                running[job["name"]] = flink_rest.job_page(address, job["jid"])
    return running


def gather(folder: Path, settings, client_config: dict | None, running: dict[str, str]) -> Facts:
    from order_analytics.infra import kafka_offsets

    pipeline = parse(folder.name)
    if pipeline is None:
        return Facts(folder, None)
    checkpoint = checkpoints.latest(folder)
    facts = dict(folder=folder, pipeline=pipeline, group=pipeline.group_id(settings),
                 running_at=running.get(pipeline.name), kafka_up=client_config is not None)
    if checkpoint:
        facts.update(checkpoint=checkpoint, checkpoint_age_s=time.time() - (checkpoint / "_metadata").stat().st_mtime,
                     checkpoint_bytes=_bytes(checkpoint))
    if client_config is not None:
        try:
            offsets = kafka_offsets.read(client_config, pipeline.topic, facts["group"], timeout_s=5)
            dead = kafka_offsets.read(client_config, pipeline.dead_letter_topic, timeout_s=5)
        except Exception:  # the broker went away while we asked
            facts["kafka_up"] = False
        else:
            if offsets is not None:
                facts.update(topic_records=offsets.records, lag=offsets.lag, committed=offsets.committed)
            facts["dead_letters"] = dead.records if dead else 0
    return Facts(**facts)


def report(settings, config_args: list[str]) -> list[str]:
    """Every line of `python runner.py status`."""
    from order_analytics.connection import KafkaUnavailable, from_environment
    from order_analytics.infra import broker
    from order_analytics import local_cluster

    connection = from_environment()
    if connection.embedded:
        up = broker.answers()
        lines = [f"Kafka: {broker.status()}" + ("" if up else " (start it: python runner.py kafka start)")]
    else:
        try:
            connection.check(timeout_s=5)
            up = True
            lines = [f"Kafka: {connection.bootstrap} (CNFL_KAFKA_BROKER) answers"]
        except KafkaUnavailable as error:
            up = False
            lines = [f"Kafka: {error}"]
    lines.append(f"Flink cluster: {local_cluster.status()}")
    folders = sorted(path for path in settings.checkpoint.dir.glob("*") if path.is_dir()) \
        if settings.checkpoint.dir.is_dir() else []
    if not folders:
        lines.append(f"Pipelines: none has state in {_where(settings.checkpoint.dir)} yet "
                     f"(run one: python runner.py {next(iter(analyses.registry()))})")
        return lines
    running = _running_jobs(settings)
    lines.append(f"Pipelines with state in {_where(settings.checkpoint.dir)} ({len(folders)}):")
    client_config = connection.client_config() if up else None
    for folder in folders:
        lines += describe(gather(folder, settings, client_config, running), config_args)
    return lines
