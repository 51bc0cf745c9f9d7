"""While a job runs: one line that says why nothing comes (and what to do), and a status line.

The pure part (`Hint`, `StatusLine`) turns samples of the job into lines to print and is tested
alone; `Live` takes the samples (Flink's REST API, the broker's offsets, the console's counts) in
a thread of its own, so a slow answer never holds up the results.
"""
from __future__ import annotations

import dataclasses
import shlex
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable

from order_analytics.infra import flink_rest, kafka_offsets
from order_analytics.infra.kafka_offsets import TopicOffsets

IDLE_AFTER_S = 10.0   # nothing read this long while the source runs: say why
POLL_S = 1.0


@dataclass(frozen=True)
class Sample:
    """One look at a running job. None: not known (yet)."""
    at: float                         # time.monotonic()
    running: bool = False             # the job's source task is running
    read: int | None = None           # records the source has read
    lag: int | None = None            # records behind the end of the topic
    checkpoint: dict | None = None    # the last completed: {'id', 'at' (epoch s), 'size' (bytes)}
    results: int | None = None        # result rows shown on the console
    bad: int | None = None            # bad records set aside
    wall: float = 0.0                 # time.time(), for the checkpoint's age


@dataclass(frozen=True)
class Context:
    """What the lines name: the pipeline's topic and group, and how to run it again."""
    topic: str
    group: str
    rerun: str                        # `python runner.py ...` as typed
    start: str = "group-offsets"      # where it started reading, when it did not continue from a checkpoint
    resuming: bool = False
    checkpointed: bool = True


def explain_idle(context: Context, offsets: TopicOffsets | None, lag: int | None) -> tuple[str, str] | None:
    """Why a running job reads nothing: (kind, the line to print), or None when the topic does not say."""
    if offsets is None:
        return None  # the broker does not answer: the result reader says so already
    producer = f"python -m producer --topic {context.topic}"
    if offsets.records == 0:
        return "empty", (f"Waiting for orders: topic '{context.topic}' is empty. Start the producer in another "
                         f"terminal: {producer}")
    if lag not in (0, None):
        return None  # records wait but none are read yet: starting up, or the web UI shows where it hangs
    committed = {p: o for p, o in sorted(offsets.committed.items()) if o is not None}
    where = (", ".join(f"partition {p} at {o}" for p, o in committed.items()) if committed
             else "none committed yet; Flink commits them at each checkpoint")
    again = f"to count the topic again: {context.rerun} --from earliest (or --fresh)"
    if context.start == "latest" and not context.resuming:
        return "at_end", (f"Waiting for orders: reading '{context.topic}' from its end (--from latest), so only "
                          f"orders sent from now on show ({producer}); {again}")
    return "at_end", (f"Waiting for orders: this pipeline has read all {offsets.records} records of "
                      f"'{context.topic}' up to its end (group {context.group}: {where}). New orders show as "
                      f"they come ({producer}); {again}")


class Hint:
    """Says once why nothing is read; again only when the reason changes."""

    def __init__(self, context: Context, idle_after_s: float = IDLE_AFTER_S):
        self.context, self.idle_after_s = context, idle_after_s
        self._read: int | None = None
        self._since: float | None = None     # when the source last read something, or started running
        self._checked = False                # this quiet spell was looked at
        self._said: str | None = None

    def observe(self, sample: Sample, offsets: Callable[[], TopicOffsets | None]) -> str | None:
        if not sample.running or sample.read is None:
            self._since, self._read = None, None
            return None
        if self._since is None or sample.read != self._read:
            self._since, self._read, self._checked = sample.at, sample.read, False
            return None
        if self._checked or sample.at - self._since < self.idle_after_s:
            return None
        self._checked = True
        found = explain_idle(self.context, offsets(), sample.lag)
        if found is None or found[0] == self._said:
            return None
        self._said = found[0]
        return found[1]


def size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024


def age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}min"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def status_line(previous: Sample, current: Sample, checkpointed: bool = True) -> str:
    """`Status: 5.0 orders/s read, 5.0 results/s, lag 0, last checkpoint 12s ago (17.0 KB), 0 bad records`."""
    span = max(current.at - previous.at, 1e-9)

    def rate(now, before) -> str:
        return "?" if now is None or before is None else f"{(now - before) / span:.1f}"

    parts = [f"{rate(current.read, previous.read)} orders/s read"]
    if current.results is not None:
        parts.append(f"{rate(current.results, previous.results)} results/s")
    parts.append(f"lag {current.lag if current.lag is not None else '?'}")
    if current.checkpoint:
        parts.append(f"last checkpoint {age(current.wall - current.checkpoint['at'])} ago "
                     f"({size(current.checkpoint['size'])})")
    else:
        parts.append("no checkpoint yet" if checkpointed else "no checkpoints (bounded run)")
    if current.bad is not None:
        parts.append(f"{current.bad} bad records")
    return "Status: " + ", ".join(parts)


class StatusLine:
    """A status line every `every_s` seconds (0: never)."""

    def __init__(self, every_s: float, checkpointed: bool = True):
        self.every_s, self.checkpointed = every_s, checkpointed
        self._last: Sample | None = None

    def due(self, sample: Sample) -> bool:
        if self._last is None and self.every_s > 0:
            self._last = sample
        return self._last is not None and sample.at - self._last.at >= self.every_s

    def observe(self, sample: Sample) -> str | None:
        if not self.due(sample):
            return None
        line, self._last = status_line(self._last, sample, self.checkpointed), sample
        return line


class Live:
    """Looks at the running job every second, in a thread, and prints the hint and the status line."""

    def __init__(self, metrics, context: Context, status_every_s: float, offsets: Callable[[], TopicOffsets | None],
                 counts: Callable[[], tuple[int | None, int | None]], say: Callable[[str], None]):
        self._metrics, self._offsets, self._counts, self._say = metrics, offsets, counts, say
        self._hint = Hint(context)
        self._status = StatusLine(status_every_s, context.checkpointed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lesson3-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def sample(self) -> Sample:
        results, bad = self._counts()
        at, wall = time.monotonic(), time.time()
        try:
            sources = self._metrics.sources()
            running = bool(sources) and all(vertex["status"] == "RUNNING" for vertex in sources)
            read = sum(vertex["metrics"].get("read-records", 0) for vertex in sources) if sources else None
            lag = None
            if running:
                pending = [self._metrics.pending_records(vertex["id"]) for vertex in sources]
                lag = None if None in pending else sum(pending)
            checkpoint = self._metrics.checkpoint()
        except (OSError, ValueError, KeyError, IndexError):  # the REST API does not answer (yet)
            return Sample(at, results=results, bad=bad, wall=wall)
        return Sample(at, running, read, lag, checkpoint, results, bad, wall)

    def _safe_offsets(self) -> TopicOffsets | None:
        try:
            return self._offsets()
        except Exception:  # the broker is away: the result reader tells the user
            return None

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            sample = self.sample()
            if sample.lag is None and sample.running and self._status.due(sample):
                # no pendingRecords from the source yet (it has fetched nothing): ask the broker
                offsets = self._safe_offsets()
                if offsets is not None:
                    lag = 0 if offsets.records == 0 else offsets.lag
                    sample = dataclasses.replace(sample, lag=lag)
            for line in (self._hint.observe(sample, self._safe_offsets), self._status.observe(sample)):
                if line and not self._stop.is_set():
                    self._say(line)


def rerun_command(argv: list[str]) -> str:
    """`python runner.py` with `argv` (as typed, or a pipeline's own), without the options that
    choose where to start: the command that continues (a hint adds its own start)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--from":
            skip = True
        elif not (arg == "--fresh" or arg.startswith("--from=")):
            kept.append(arg)
    return shlex.join(["python", "runner.py", *kept])


class Monitor:
    """The web UI of a run and its watcher: `flink_options()` before the job is submitted, `attach()`
    once it runs (returns the job's page in the web UI), `stop()` at the end."""

    def __init__(self, chosen, connection, console, say: Callable[[str], None], argv: list[str] | None = None):
        self._chosen, self._connection, self._console, self._say = chosen, connection, console, say
        self._argv = sys.argv[1:] if argv is None else argv
        self._live: Live | None = None
        self._ports = (0, -1)

    @property
    def _settings(self):
        return self._chosen.settings

    def flink_options(self) -> dict[str, str]:
        """The options that give the mini-cluster its web UI (a remote cluster has its own)."""
        if self._settings.cluster:
            return {}
        self._ports = (flink_rest.first_free_port(self._settings.console.web_ui_port),
                       self._settings.console.web_ui_port + flink_rest.PORT_RANGE)
        return flink_rest.mini_cluster_settings(*self._ports)

    def attach(self, job_id: str) -> str | None:
        config, pipeline = self._settings, self._chosen.pipeline
        if config.cluster:
            address = config.cluster
        else:  # the first port of the range was free a moment ago: the mini-cluster binds that one.
            # (Asking the REST API which port runs the job could wait for a busy JVM, or for a
            # short bounded job that has ended with its mini-cluster: the results come first.)
            address = f"{flink_rest.HOST}:{self._ports[0]}"
        context = Context(topic=pipeline.topic, group=pipeline.group_id(config),
                          rerun=rerun_command(self._argv), start=pipeline.startup,
                          resuming=pipeline.resume_from is not None, checkpointed=not pipeline.bounded)
        console = self._console

        def counts():
            return (console.results, console.dead_letters) if console else (None, None)

        def offsets():
            return kafka_offsets.read(self._connection.client_config(), pipeline.topic, context.group, timeout_s=3)

        if address is None:
            return None
        self._live = Live(flink_rest.JobMetrics(address, job_id), context,
                          config.console.status_interval.millis / 1000, offsets, counts, self._say)
        self._live.start()
        return flink_rest.job_page(address, job_id)

    def stop(self) -> None:
        if self._live:
            self._live.stop()
