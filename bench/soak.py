"""A long run under load and faults: `make soak` (`ARGS="--minutes 5"`).

The producer sends orders stamped now at --rate (duplicates and bad records among them) to a fresh
4-partition topic; `all alerts segments` run on the local cluster at parallelism 2 into Kafka
(with --views, into the views in PostgreSQL too, from the same job). On a schedule the broker is restarted, a TaskManager killed
with -9 (and a new one started), and the runner killed with -9 and the same command run again; a
TaskManager that dies by itself is started again and marked as a fault. Every few seconds the
memory of each process (RSS; the heap of the Flink JVMs after their last GC), the consumer lag and
the last checkpoint's size are sampled. At the end the producer stops, the job drains, and every
committed result on the result topics (and every row of the views) is compared with tests/model.py
over the topic as it is: lost and twice must be 0.
Writes bench/soak.json, bench/soak.png and docs/reliability.md. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from order_analytics.connection import Connection, ensure_topic
from order_analytics.errors import KafkaUnavailable
from order_analytics.infra import broker, cluster, database, kafka_offsets
from order_analytics.paths import DATA, ROOT
from order_analytics.pipeline import Pipeline
from order_analytics import analyses, settings
from producer.orders import generate_orders
from producer.send import send

JOBS = ["all", "alerts", "segments"]
SAMPLE_EVERY_S = 5
MISSING_FOR_S = 30  # a TaskManager missing this long died by itself (not one still registering)
# The soak's redeliveries come within milliseconds (every 100th order sent twice in a row; the
# producer's retries are idempotent), so one minute of orderIds is ample: 120,000 at 2,000 orders/s,
# the state flat after the first minute. 5 minutes (600,000, a 140 MB checkpoint) filled the
# TaskManagers' 900 MB heaps and stalled the checkpoints; the default 7 days would hold all
# 2.4 million orderIds of a 20-minute run, growing to the end.
DEDUP_WINDOW_S = 60
OUT = ROOT / "bench"
CLIENT = Connection(broker.BOOTSTRAP).client_config()  # librdkafka's log to a file, not this console


class Soak:
    def __init__(self, minutes: float, rate: int, views: bool):
        self.minutes, self.rate = minutes, rate
        self.sinks = ["kafka", "postgres"] if views else ["kafka"]  # one job writes both
        self.topic = f"soak-{int(time.time())}"
        self.stop_producing = threading.Event()
        self.samples: list[dict] = []
        self.faults: list[dict] = []
        self.started = time.monotonic()
        self.runner: subprocess.Popen | None = None
        self.killing_task_manager = threading.Event()  # the soak's own fault: not a loss to repair
        self.missing_since: float | None = None
        self.logs = DATA / "soak"
        self.logs.mkdir(parents=True, exist_ok=True)

    def at(self) -> float:
        return round(time.monotonic() - self.started, 1)

    @property
    def command(self) -> list[str]:
        return [sys.executable, "runner.py", *JOBS, "--cluster", cluster.ADDRESS, "--topic", self.topic,
                *(f"--sink={sink}" for sink in self.sinks), "--variant", "builtin", "--set", "parallelism=2",
                "--set", "checkpoint.interval=10s", "--set", f"state.dedup_window={DEDUP_WINDOW_S}s"]

    @property
    def pipeline(self) -> Pipeline:
        return Pipeline(analyses.select(JOBS), variant="builtin", sink="-".join(self.sinks), topic=self.topic)

    @property
    def group(self) -> str:
        return self.pipeline.group_id(settings.load())

    def start_runner(self) -> None:
        out = open(self.logs / f"runner-{len(self.faults)}.log", "w")
        self.runner = subprocess.Popen(self.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)

    def records(self):
        """Orders without end until told to stop; every 100th delivered twice (a redelivery)."""
        for index, record in enumerate(generate_orders(None, seed=7, customers=2000, bad_ratio=0.005,
                                                       id_prefix=self.topic)):
            if self.stop_producing.is_set():
                return
            yield record
            if index % 100 == 99:
                yield record

    def produce(self) -> None:
        send(self.records(), CLIENT, self.topic, rate=self.rate, partitions=4, out=lambda line: None,
             stamp_now=True)

    # --- samples -------------------------------------------------------------------------------
    def job_id(self) -> str | None:
        name = self.pipeline.name
        try:
            with urllib.request.urlopen(f"http://{cluster.ADDRESS}/jobs/overview", timeout=5) as response:
                running = [job["jid"] for job in json.load(response)["jobs"]
                           if job["name"] == name and job["state"] == "RUNNING"]
        except OSError:
            return None
        return running[0] if running else None

    def sample(self) -> dict:
        row = {"at": self.at(), "rss_mb": {}, "heap_mb": {}}
        processes = {"runner": self.runner.pid if self.runner else None, "broker": broker.pid(),
                     "jobmanager": _jobmanager_pid(), "postgres": _postgres_pid()}
        for index, tm in enumerate(_safe(cluster.task_managers, [])):
            processes[f"taskmanager-{index}"] = tm["pid"]
            row["heap_mb"][f"taskmanager-{index}"] = _heap_mb(f"taskmanagers/{tm['id']}")
        row["heap_mb"]["jobmanager"] = _heap_mb("jobmanager")
        for name, pid in processes.items():
            if pid:  # a TaskManager with its Python workers, the runner with its JVM
                row["rss_mb"][name] = round(sum(_rss_kb(p) for p in _tree(pid)) / 1024, 1)
        offsets = _safe(lambda: kafka_offsets.read(CLIENT, self.topic, self.group, timeout_s=3), None)
        row["lag"] = offsets.lag if offsets else None
        row["orders"] = offsets.records if offsets else None
        job = self.job_id()
        row["checkpoint_mb"] = _checkpoint_mb(job) if job else None
        return row

    def sampling(self, until: threading.Event) -> None:
        while not until.wait(SAMPLE_EVERY_S):
            self.samples.append(self.sample())
            self.replace_lost_task_manager()
            # kept as it goes: a run that ends badly still shows what it measured
            (self.logs / "progress.json").write_text(json.dumps({"faults": self.faults, "samples": self.samples}))

    def replace_lost_task_manager(self) -> None:
        """A standalone cluster never restarts a TaskManager that died by itself (an OOM kill, say),
        and a job short of slots fails once its restarts are spent: as a cluster's supervisor
        would, start a missing one, and mark it on the chart as an unplanned fault."""
        missing = 0 if self.killing_task_manager.is_set() else cluster.TASK_MANAGERS - _registered()
        if missing <= 0:
            self.missing_since = None
            return
        if self.missing_since is None:
            self.missing_since = self.at()
        if self.at() - self.missing_since < MISSING_FOR_S:
            return
        began, self.missing_since = self.at(), None
        for _ in range(missing):  # a sink failing on close takes down every TaskManager it runs on at once
            cluster.start_task_manager()
        _wait_for_task_managers()
        self.faults.append({"fault": "TaskManager lost by itself, started again", "at": began, "done_at": self.at()})
        print(f"[{began:7.1f}s] a TaskManager was missing: started one", flush=True)

    # --- faults --------------------------------------------------------------------------------
    def fault(self, name: str, action) -> None:
        began = self.at()
        action()
        self.faults.append({"fault": name, "at": began, "done_at": self.at()})
        print(f"[{began:7.1f}s] fault: {name}", flush=True)

    def restart_broker(self) -> None:
        broker.stop()
        time.sleep(3)
        _start_broker()

    def kill_task_manager(self) -> None:
        self.killing_task_manager.set()
        os.kill(cluster.task_managers()[0]["pid"], signal.SIGKILL)
        time.sleep(15)  # the job heals on the other's free slots meanwhile; then the cluster's full size
        cluster.start_task_manager()
        _wait_for_task_managers()
        self.killing_task_manager.clear()

    def kill_runner(self) -> None:
        os.killpg(self.runner.pid, signal.SIGKILL)
        self.runner.wait()
        time.sleep(3)
        self.start_runner()  # the same command: it cancels the job left behind, continues from its checkpoint


def _start_broker() -> None:
    try:
        broker.start(progress=lambda line: None)
    except KafkaUnavailable:  # on a busy machine its JVM can take longer: start waits for it once more
        broker.start(progress=lambda line: None)


def _safe(call, default):
    try:
        return call()
    except Exception:  # a sample during a fault may find a process or the broker gone: a gap, not an end
        return default


def _registered() -> int:
    """How many TaskManagers the cluster knows (as many as it should when it does not answer)."""
    return len(_safe(cluster.task_managers, [None] * cluster.TASK_MANAGERS))


def _wait_for_task_managers(timeout_s: float = 120) -> None:
    """Until a TaskManager just started has registered (its JVM takes 5 to 30 s on a busy machine)."""
    deadline = time.monotonic() + timeout_s
    while _registered() < cluster.TASK_MANAGERS and time.monotonic() < deadline:
        time.sleep(2)


def _jobmanager_pid() -> int | None:
    files = list(cluster.PIDS.glob("*standalonesession.pid"))
    lines = files[0].read_text().split() if files else []
    return int(lines[-1]) if lines else None


def _postgres_pid() -> int | None:
    """The embedded PostgreSQL's postmaster (its backends are its children)."""
    pid_file = database.CLUSTER / "postmaster.pid"
    lines = pid_file.read_text().split() if pid_file.exists() else []
    return int(lines[0]) if lines else None


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rest(path: str):
    with urllib.request.urlopen(f"http://{cluster.ADDRESS}/{path}", timeout=5) as response:
        return json.load(response)


def _heap_mb(owner: str) -> float | None:
    """The JVM's heap in use now; its floor over time is the heap after GC."""
    values = _safe(lambda: _rest(f"{owner}/metrics?get=Status.JVM.Memory.Heap.Used"), [])
    return round(float(values[0]["value"]) / 2**20, 1) if values else None


def _checkpoint_mb(job_id: str) -> float | None:
    latest = _safe(lambda: _rest(f"jobs/{job_id}/checkpoints")["latest"]["completed"], None)
    return round(latest["state_size"] / 2**20, 2) if latest else None


# --- the end: every committed result against the model ------------------------------------------
def _read_all(topics: list[str], committed: bool):
    """Every message of `topics` from their start to their current end, in offset order per partition."""
    from confluent_kafka import Consumer

    consumer = Consumer({**CLIENT, "group.id": f"soak-check-{time.time_ns()}", "auto.offset.reset": "earliest",
                         "enable.partition.eof": True, "enable.auto.commit": False,
                         "isolation.level": "read_committed" if committed else "read_uncommitted"})
    partitions = {(t, p) for t in topics for p in (consumer.list_topics(t, timeout=10).topics[t].partitions or {})}
    consumer.subscribe(topics)
    ended = set()
    while ended < partitions:
        message = consumer.poll(10)
        if message is None:
            break  # nothing within 10 s: every partition has been read to its end
        if message.error():
            ended.add((message.topic(), message.partition()))
            continue
        yield message
    consumer.close()


def compare(topic: str, flush_prefix: str, views: bool) -> dict:
    """Lost and twice per result topic: alerts as multisets, states by their last row per key."""
    from collections import Counter

    from tests import model

    by_partition: dict[int, list] = {}
    for message in _read_all([topic], committed=False):
        by_partition.setdefault(message.partition(), []).append(message.value())
    source = [value for partition in sorted(by_partition) for value in by_partition[partition]]
    values = [value for value in source if flush_prefix.encode() not in (value or b"")]
    del by_partition
    model_run = model.expected(values)
    # segments is an updating table: the model keeps each customer's profiles apart from the events
    expected = {**model_run.events, **{("profile", c): p for c, p in model_run.profiles.items()}}
    report = {"orders_on_topic": len(source), "checked_orders": len(values)}
    for analysis in analyses.select(JOBS):
        for event in (e for e in analysis.events if e.topic):
            rows, got = _committed(f"lesson3.{topic}.{event.topic}", analysis.key, event.is_alert)
            job = "profile" if event.kind == "segment" else analysis.id
            want = [{k: v for k, v in e.items() if k not in ("job", "kind")} for key, events in expected.items()
                    if key[0] == job for e in events if e["kind"] == event.kind]
            if event.is_alert:
                wanted = Counter(map(_frozen, want))
                lost, twice = sum((wanted - got).values()), sum((got - wanted).values())
            else:  # the state after all orders: each key's last row
                wanted = {row[analysis.key]: _frozen(row) for row in want}
                lost = sum(1 for k, v in wanted.items() if got.get(k) != v)
                twice = len(set(got) - set(wanted))
            report[event.topic] = {"rows": rows, "expected": len(want), "lost": lost, "twice": twice}
    return {**report, **(compare_views(topic, model_run) if views else {})}


def compare_views(topic: str, model_run) -> dict:
    """Each table of the views (schema: the topic) against the model: lost, a wanted row missing;
    twice, a row more than once or not wanted at all."""
    from collections import Counter

    from tests.e2e.test_views import model_tables, table_rows

    target = database.from_environment(settings.load().views.port)
    report = {}
    for table, want in model_tables(model_run, JOBS).items():
        got = Counter(table_rows(target, topic, table))
        report[f"views.{table}"] = {"rows": sum(got.values()), "expected": len(want), "lost": len(want - set(got)),
                                    "twice": sum(got.values()) - len(want & set(got))}
    return report


def _committed(topic: str, key: str, alerts: bool) -> tuple[int, dict]:
    """A result topic as read_committed consumers see it: how many rows, and each alert row's count
    (`alerts`) or each key's last row."""
    from collections import Counter
    from decimal import Decimal

    rows, counts, last = 0, Counter(), {}
    for message in _read_all([topic], committed=True):
        row = json.loads(message.value(), parse_float=Decimal) if message.value() else None
        row = row.get("after") if row and "op" in row else row  # a changelog's rows: their after
        if row:
            rows += 1
            if alerts:
                counts[_frozen(row)] += 1
            else:
                last[row.get(key)] = _frozen(row)
    return rows, counts if alerts else last


def _frozen(row: dict) -> tuple:
    """A row comparable with the model's event: numbers by value (1000 and 1000.00 alike)."""
    from decimal import Decimal

    return tuple(sorted((k, str(Decimal(v).normalize()) if isinstance(v, (int, Decimal)) and not isinstance(v, bool)
                         else str(v)) for k, v in row.items()))


# --- the run ------------------------------------------------------------------------------------
def run(minutes: float, rate: int, views: bool) -> dict:
    """The soak, with the broker, the cluster (and the views' database) it needs: those it started
    are stopped again at the end, as a run that did not find them running should leave the machine."""
    started = {"broker": not broker.pid(), "cluster": not cluster.overview(),
               "database": views and not database.running()}
    try:
        return _soak(minutes, rate, views)
    finally:
        for name, stop in (("cluster", cluster.stop), ("database", database.stop), ("broker", broker.stop)):
            if started[name]:
                _safe(stop, None)


def _soak(minutes: float, rate: int, views: bool) -> dict:
    soak = Soak(minutes, rate, views)
    _start_broker()
    if views:
        database.start(settings.load().views.port, progress=lambda line: None)
    # The cluster alone: the runner plans each run itself (its warm client's 120 s start-up limit
    # was not met on this busy machine), so the run again after kill -9 plans anew too.
    cluster.start(progress=lambda line: None)
    while len(cluster.task_managers()) < cluster.TASK_MANAGERS:  # a run cut short may have left one lost
        cluster.start_task_manager()
        _wait_for_task_managers()
    ensure_topic(CLIENT, soak.topic, partitions=4)
    soak.started = time.monotonic()  # the minutes and the faults' schedule count from the first order
    producer = threading.Thread(target=soak.produce, daemon=True)
    producer.start()
    soak.start_runner()
    sampled = threading.Event()
    threading.Thread(target=soak.sampling, args=(sampled,), daemon=True).start()
    schedule = [(0.3, "broker restarted", soak.restart_broker), (0.55, "TaskManager killed -9", soak.kill_task_manager),
                (0.8, "runner killed -9, run again", soak.kill_runner)]
    for share, name, action in schedule:
        time.sleep(max(0.0, soak.started + share * minutes * 60 - time.monotonic()))
        soak.fault(name, action)
    time.sleep(max(0.0, soak.started + minutes * 60 - time.monotonic()))
    soak.stop_producing.set()
    producer.join(60)
    time.sleep(3)  # then orders stamped later than all others move event time past them (see drain)
    flush_prefix = f"{soak.topic}-flush"
    send(list(generate_orders(200, seed=99, customers=2000, id_prefix=flush_prefix)), CLIENT, soak.topic,
         rate=None, partitions=4, out=lambda line: None, stamp_now=True)
    drained = _drain(soak)
    soak.runner.send_signal(signal.SIGINT)  # stops with a savepoint: its last results committed
    soak.runner.wait(120)
    sampled.set()
    figures = {"minutes": minutes, "rate": rate, "topic": soak.topic, "drained_after_s": drained,
               "dedup_window": f"{DEDUP_WINDOW_S}s", "dedup_window_s": DEDUP_WINDOW_S,
               "task_manager_memory": cluster.TASK_MANAGER_MEMORY, "views": views,
               "faults": soak.faults, "samples": soak.samples, "results": compare(soak.topic, flush_prefix, views)}
    return figures


def _drain(soak: Soak, timeout_s: float = 600) -> float | None:
    """Seconds until the job has read everything and a checkpoint has committed it (lag 0 twice)."""
    began = time.monotonic()
    zero = 0
    while time.monotonic() - began < timeout_s:
        offsets = _safe(lambda: kafka_offsets.read(CLIENT, soak.topic, soak.group, timeout_s=3), None)
        zero = zero + 1 if offsets and offsets.lag == 0 else 0
        if zero >= 2:
            time.sleep(12)  # one more checkpoint commits the results of the last orders
            return round(time.monotonic() - began, 1)
        time.sleep(5)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20, help="how long the producer sends (default: 20)")
    parser.add_argument("--rate", type=int, default=2000, help="orders per second (default: 2000)")
    parser.add_argument("--views", action="store_true",
                        help="the job writes the views (--sink postgres) too, and they are compared with the "
                             "model; off by default, to keep a 2,000 orders/s soak within a 2-core machine "
                             "(each order upserts a row of four tables)")
    parser.add_argument("--check-again", action="store_true",
                        help="no new run: compare the topic of the last run (bench/soak.json) with the model "
                             "again and write the chart and the page anew")
    args = parser.parse_args(argv)
    if args.check_again:
        figures = json.loads((OUT / "soak.json").read_text())
        figures["results"] = compare(figures["topic"], f"{figures['topic']}-flush", figures.get("views", False))
    else:
        figures = run(args.minutes, args.rate, args.views)
    (OUT / "soak.json").write_text(json.dumps(figures, indent=1, default=str))
    from bench.soak_report import write_report

    write_report(figures, OUT / "soak.png", ROOT / "docs" / "reliability.md")
    print(json.dumps(figures["results"], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
