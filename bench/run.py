"""Benchmark: every analysis and `all` in both variants over one backlog, beside the plain-Python peer.

    python -m bench.run                        # what `make bench` runs: 200,000 orders, 10,000 customers
    python -m bench.run --orders 100000 --jobs all --skip-latency --skip-startup   # a quicker look

For each job and variant it runs `runner.py JOB --bounded --from earliest --sink blackhole` twice:
over a one-order topic (the start-up time) and over the backlog; orders/s is the backlog over the
difference. It also sums the CPU seconds of the threads doing each run's work (Flink's tasks in
the JVM and its Python workers, not the planner, the JIT compilers or the collector; from /proc)
and gives orders per CPU second over the difference: the figure a machine shared with other work
moves least. Each udf row is given as a ratio of its job's builtin row ("× builtin"), each row as
a ratio of the peer's ("× peer"), by the clock and per CPU second.
Peak memory is sampled from /proc for the Flink JVM and the Python workers, and the
JVM's GC log gives the most heap it held right after a collection ("heap MB"). The live
latency is the time from an order's send (its `timestamp`) to the runner printing its result, at a
steady rate. The start-up is the time from the command to the first result of a live run over a
one-order topic, twice each for 3A builtin and 3B udf: on the mini-cluster, and on the local
cluster through its warm client (`runner.py cluster start`, started and stopped here if it was
not running). Results: a table here, bench/results.json and bench/results.png.

Beside the jobs, over the same backlog (unless --skip-peer): the plain-Python peer (bench/peer.py:
the four analyses in one loop, no fault tolerance), the raw consumer ceiling (the same Consumer only
reading), and kcat reading to the end when it is installed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from confluent_kafka import Producer

from order_analytics import analyses
from order_analytics.infra import broker
from order_analytics.connection import ensure_topic
from order_analytics.paths import ROOT
from producer.orders import generate_orders

OUT = ROOT / "bench"
JOBS = analyses.choices()
VARIANTS = ["builtin", "udf"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def topic_size(topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": "bench-size"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            return 0
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                   for p in metadata.partitions)
    finally:
        consumer.close()


def load(topic: str, orders: int, customers: int) -> None:
    """Put `orders` seeded orders on `topic` once; a later run finds them there."""
    have = topic_size(topic)
    if have == orders:
        say(f"backlog: {topic} already holds {orders:,} orders")
        return
    if have:
        raise SystemExit(f"{topic} holds {have:,} records, not {orders:,}: delete it or pick other sizes")
    ensure_topic({"bootstrap.servers": broker.BOOTSTRAP}, topic)
    producer = Producer({"bootstrap.servers": broker.BOOTSTRAP, "linger.ms": 50, "batch.size": 1_000_000,
                         "compression.type": "lz4", "queue.buffering.max.messages": 1_000_000})
    started = time.monotonic()
    for n, record in enumerate(generate_orders(orders, seed=1, customers=customers), start=1):
        while True:
            try:
                producer.produce(topic, record.value, key=record.key, timestamp=record.timestamp)
                break
            except BufferError:
                producer.poll(0.1)
        if n % 100_000 == 0:
            producer.poll(0)
            say(f"backlog: {n:,}/{orders:,} orders produced")
    producer.flush()
    say(f"backlog: {orders:,} orders on {topic} in {time.monotonic() - started:.0f}s")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def _cpu_s(stat: Path) -> float | None:
    """The CPU seconds (user and system) a process or thread has used so far (its /proc stat file);
    None once it is gone."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


# Threads of the JVM that are not the job's work: the JIT compilers, the garbage collector, the JVM's
# own, and the planner's (main, and Py4J's Thread-N that the Python client drives). The rest are
# Flink's task threads (the operators), the Kafka fetcher and what serves them.
NOT_THE_JOB = ("C1 CompilerThre", "C2 CompilerThre", "GC Thread", "G1 ", "VM ", "main", "Thread-", "Reference Handl",
               "Finalizer", "Signal Dispatch", "Service Thread", "Monitor Deflati", "Common-Cleaner", "Sweeper thread")


def _job_threads_cpu_s(pid: int, python_worker: bool) -> dict[int, float]:
    """CPU seconds of each thread of a process that does the job's work (all of a Python worker's)."""
    seconds = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            name = (task / "comm").read_text().rstrip("\n")
        except OSError:
            continue
        cpu = _cpu_s(task / "stat")
        if cpu is not None and (python_worker or not name.startswith(NOT_THE_JOB)):
            seconds[int(task.name)] = cpu
    return seconds


def _rss_mb(pid: int) -> tuple[str, float]:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        rss = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS"))
        return command, int(rss.split()[1]) / 1024
    except (OSError, StopIteration):
        return "", 0.0


class PeakMemory(threading.Thread):
    """Samples the RSS of a process tree: the JVM (Flink) and the Python UDF workers apart; the CPU
    seconds each process of it has used, and those of the threads doing the job's work (NOT_THE_JOB),
    the last sample of each: a busy shared machine moves them far less than the wall-clock time."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.flink_mb, self.python_workers_mb, self.done = pid, 0.0, 0.0, False
        self.cpu: dict[int, float] = {}
        self.job_cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.done:
            flink = workers = 0.0
            for pid in _tree(self.pid):
                cpu = _cpu_s(Path(f"/proc/{pid}/stat"))
                if cpu is not None:
                    self.cpu[pid] = cpu
                if pid == self.pid:
                    continue
                command, mb = _rss_mb(pid)
                jvm = "java" in command.split(" ")[0]
                python_worker = not jvm and ("beam" in command or "pyflink" in command)  # the JVM's class path names pyflink too
                if jvm or python_worker:
                    self.job_cpu.update(_job_threads_cpu_s(pid, python_worker))
                if jvm:
                    flink += mb
                elif python_worker:
                    workers += mb
            self.flink_mb, self.python_workers_mb = max(self.flink_mb, flink), max(self.python_workers_mb, workers)
            time.sleep(0.2)


def heap_after_gc_mb(gc_log: Path) -> int | None:
    """The most heap a JVM still used right after a collection (its GC log): what the job's state
    and buffers held, where the RSS also counts garbage a roomy heap had no reason to collect yet."""
    sizes = {"K": 1 / 1024, "M": 1, "G": 1024}
    after = [int(n) * sizes[unit] for n, unit in re.findall(r"->(\d+)([KMG])\(", gc_log.read_text(errors="replace"))]
    return round(max(after)) if after else None


def run_job(job: str, variant: str, topic: str, extra: list[str], sink: str = "blackhole") -> dict:
    command = [sys.executable, str(ROOT / "runner.py"), job, "--variant", variant, "--bounded", "--from",
               "earliest", "--sink", sink, "--topic", topic, *extra]
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        gc_log = Path(scratch) / "gc.log"
        # PyFlink passes JVM_ARGS to the JVM it starts; the runner adds its heap size in front
        env = {**os.environ, "JVM_ARGS": f"{os.environ.get('JVM_ARGS', '')} -Xlog:gc:file={gc_log}".strip()}
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, env=env)
        memory = PeakMemory(process.pid)
        memory.start()
        _, stderr = process.communicate()
        memory.done = True
        if process.returncode != 0:
            raise SystemExit(f"{job} {variant} failed:\n{stderr[-2000:]}")
        memory.join()
        return {"seconds": time.monotonic() - started, "cpu_s": sum(memory.cpu.values()),
                "job_cpu_s": sum(memory.job_cpu.values()),
                "flink_mb": round(memory.flink_mb),
                "heap_mb": heap_after_gc_mb(gc_log), "python_workers_mb": round(memory.python_workers_mb)}


def run_peer(topic: str, extra: list[str], ceiling: bool = False) -> dict:
    """bench/peer.py in its own process; it times itself (start-up: the consumer and end offsets)."""
    command = [sys.executable, "-m", "bench.peer", "--topic", topic, *(["--ceiling"] if ceiling else []), *extra]
    before = _children_cpu_s()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"bench.peer {'--ceiling ' if ceiling else ''}failed:\n{done.stderr[-2000:]}")
    return {**json.loads(done.stdout.splitlines()[-1]), "cpu_s": _children_cpu_s() - before}


def _children_cpu_s() -> float:
    """CPU seconds of the children this process has waited for (a peer's run is the difference)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_kcat(topic: str) -> tuple[float, int]:
    """Seconds for kcat to read `topic` from its start to its end, and the records it read."""
    command = ["kcat", "-b", broker.BOOTSTRAP, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\n"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, timeout=3600)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"kcat failed:\n{done.stderr.decode(errors='replace')[-2000:]}")
    return seconds, done.stdout.count(b"\n")


def peers(orders: int, topic: str, tiny_topic: str, extra: list[str]) -> list[dict]:
    """The plain-Python peer, the consumer ceiling and (when installed) kcat over the backlog."""
    rows = []
    for job, variant, ceiling in (("peer", "python", False), ("ceiling", "confluent-kafka", True)):
        say(f"throughput: {job} {variant} ({orders:,} orders) ...")
        run = run_peer(topic, extra, ceiling)
        if run["orders"] != orders:
            raise SystemExit(f"{job} read {run['orders']:,} records of {topic}, not {orders:,}")
        rows.append({"job": job, "variant": variant, "orders": orders, "startup_s": round(run["startup_s"], 1),
                     "total_s": round(run["total_s"], 1), "orders_per_s": run["orders_per_s"],
                     "cpu_s": round(run["cpu_s"], 1), "orders_per_cpu_s": round(orders / max(run["cpu_s"], 0.001)),
                     "results": run["results"], "flink_mb": None, "python_mb": run["rss_mb"]})
        say(f"throughput: {rows[-1]}")
    if shutil.which("kcat"):
        say(f"throughput: ceiling kcat ({orders:,} orders) ...")
        startup, _ = run_kcat(tiny_topic)
        seconds, read = run_kcat(topic)
        if read != orders:
            raise SystemExit(f"kcat read {read:,} records of {topic}, not {orders:,}")
        rows.append({"job": "ceiling", "variant": "kcat", "orders": orders, "startup_s": round(startup, 1),
                     "total_s": round(seconds, 1), "orders_per_s": round(orders / max(seconds - startup, 0.001)),
                     "results": 0, "cpu_s": None, "orders_per_cpu_s": None, "flink_mb": None, "python_mb": None})
        say(f"throughput: {rows[-1]}")
    else:
        say("throughput: no kcat ceiling (kcat is not installed: apt-get install kcat)")
    return rows


def with_ratio(rows: list[dict], peer_rows: list[dict]) -> None:
    """Each row's orders/s as a multiple of the peer's ("x_peer"), when the peer ran, and a udf row's
    as a multiple of its job's builtin row ("x_builtin"), when both variants ran; each also per CPU
    second ("cpu_x_..."), the ratio a machine shared with other work moves least."""
    peer = next((r for r in peer_rows if r["job"] == "peer"), None)
    builtin = {r["job"]: r for r in rows if r["variant"] == "builtin"}
    for row in rows:
        for name, base in (("peer", peer), ("builtin", builtin.get(row["job"]) if row["variant"] == "udf" else None)):
            row[f"x_{name}"] = _ratio(row, base, "orders_per_s")
            row[f"cpu_x_{name}"] = _ratio(row, base, "orders_per_cpu_s")


def _ratio(row: dict, base: dict | None, key: str) -> float | None:
    """row[key] over base[key], or None where either is not known (kcat's CPU is not measured)."""
    if base is None or row.get(key) is None or not base.get(key):
        return None
    return round(row[key] / base[key], 2)


def throughput(orders: int, topic: str, tiny_topic: str, jobs: list[str], variants: list[str],
               extra: list[str], sink: str = "blackhole") -> list[dict]:
    rows = []
    for job in jobs:
        for variant in variants:
            say(f"throughput: {job} {variant}: start-up run ...")
            startup = run_job(job, variant, tiny_topic, extra, sink)
            say(f"throughput: {job} {variant}: backlog run ({orders:,} orders) ...")
            full = run_job(job, variant, topic, extra, sink)
            work = max(full["seconds"] - startup["seconds"], 0.001)
            # the job's threads (not the planner's, the JIT's or the collector's), start-up subtracted
            cpu = max(full["job_cpu_s"] - startup["job_cpu_s"], 0.001)
            row = {"job": job, "variant": variant, "sink": sink, "orders": orders, "startup_s": round(startup["seconds"], 1),
                   "total_s": round(full["seconds"], 1), "orders_per_s": round(orders / work),
                   "cpu_s": round(cpu, 1), "orders_per_cpu_s": round(orders / cpu),
                   "process_cpu_s": round(full["cpu_s"] - startup["cpu_s"], 1),
                   "flink_mb": full["flink_mb"], "heap_mb": full["heap_mb"],
                   "python_workers_mb": full["python_workers_mb"]}
            say(f"throughput: {row}")
            rows.append(row)
    return rows


def live_run(job: str, variant: str, topic: str, extra: list[str]) -> subprocess.Popen:
    """The runner live over `topic` from its start, printing JSON results on its stdout (a pipe)."""
    return subprocess.Popen([sys.executable, str(ROOT / "runner.py"), job, "--variant", variant, "--format", "json",
                             "--from", "earliest", "--topic", topic, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def measured() -> tuple[analyses.Analysis, analyses.Analysis]:
    """The analyses the start-up and the live path are measured with: the lesson's first (no rule
    of its own: builtin) and second (a rule that is a Python function in the udf variant)."""
    lesson = [analysis for analysis in analyses.registry().values() if analysis.in_all]
    return lesson[0], lesson[1]


def latency(rate: int, seconds: int, job: str, variant: str, extra: list[str]) -> dict:
    """p50/p99 from an order's send to its result line, at `rate` orders/s, on a fresh topic."""
    per_order = {event.kind for event in analyses.registry()[job].events if not event.is_alert}
    topic = f"bench-live-{int(time.time())}"
    ensure_topic({"bootstrap.servers": broker.BOOTSTRAP}, topic)
    process = live_run(job, variant, topic, extra)
    sent: dict[tuple[str, int], float] = {}   # (customerId, its n-th order) -> send time
    arrived: list[float] = []
    producer = Producer({"bootstrap.servers": broker.BOOTSTRAP, "linger.ms": 0})
    started_at = time.monotonic()

    def read() -> None:
        first_result = True
        for line in process.stdout:
            event = json.loads(line)
            if event.get("kind") not in per_order:  # the job's state after each order, not its alerts
                continue
            key = (event["customerId"], event["orders"])
            if first_result:  # the warm-up order: the job is up, start the clock
                first_result = False
                ready.set()
            elif key in sent:
                arrived.append(time.time() - sent[key])

    ready = threading.Event()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    producer.produce(topic, json.dumps({"orderId": "warm-up", "customerId": "warm-up", "amount": 1.0,
                                        "category": "Books"}).encode())
    producer.flush()
    say(f"latency: waiting for {job} {variant} to start ...")
    if not ready.wait(180):
        process.kill()
        raise SystemExit("latency: the job printed nothing within 180 s")
    startup_s = time.monotonic() - started_at
    counts: dict[str, int] = {}
    say(f"latency: {rate} orders/s for {seconds}s ...")
    begin = time.monotonic()
    for n, record in enumerate(generate_orders(rate * seconds, seed=5, customers=10_000), start=0):
        due = begin + n / rate
        while (delay := due - time.monotonic()) > 0:
            producer.poll(min(delay, 0.01))
        order = dict(record.order, timestamp=int(time.time() * 1000))
        counts[order["customerId"]] = counts.get(order["customerId"], 0) + 1
        sent[order["customerId"], counts[order["customerId"]]] = order["timestamp"] / 1000
        producer.produce(topic, json.dumps(order).encode(), key=record.key)
    producer.flush()
    time.sleep(5)
    process.terminate()
    process.wait(60)
    arrived.sort()
    quantile = lambda q: round(arrived[min(len(arrived) - 1, int(q * len(arrived)))] * 1000)  # noqa: E731
    return {"job": job, "variant": variant, "rate": rate, "seconds": seconds, "results": len(arrived),
            "startup_to_first_result_s": round(startup_s, 1),
            "p50_ms": quantile(0.50) if arrived else None, "p99_ms": quantile(0.99) if arrived else None,
            "mean_ms": round(statistics.mean(arrived) * 1000) if arrived else None}


def one_order_topic() -> str:
    """A fresh topic holding one order."""
    topic = f"bench-first-{int(time.time() * 1000)}"
    producer = Producer({"bootstrap.servers": broker.BOOTSTRAP})
    producer.produce(topic, json.dumps({"orderId": "o1", "customerId": "c1", "amount": 10.0, "category": "Books",
                                        "timestamp": int(time.time() * 1000)}).encode())
    producer.flush()
    return topic


def first_result_s(job: str, variant: str, extra: list[str], topic: str | None = None) -> float:
    """Seconds from the command to the first result line of a live run `--from earliest` over a
    one-order topic (a fresh one unless given)."""
    topic = topic or one_order_topic()
    with tempfile.TemporaryDirectory() as checkpoints:  # its savepoint on Ctrl-C is of no later use
        started = time.monotonic()
        process = live_run(job, variant, topic, ["--set", f"checkpoint.dir={checkpoints}", *extra])
        watchdog = threading.Timer(180, process.kill)
        watchdog.start()
        line = process.stdout.readline()
        elapsed = time.monotonic() - started
        watchdog.cancel()
        process.terminate()
        process.communicate(timeout=120)
    if not line:
        raise SystemExit(f"start-up: {job} {variant} printed nothing within 180 s")
    return round(elapsed, 1)


def bare_first_row_s(archive: bool = False) -> float:
    """Seconds from the command to the row a bare PyFlink job prints (bench/bare.py): the floor; with
    `archive`, on a JVM that maps the project's class archive (order_analytics/infra/jvm_archive.py)."""
    from order_analytics.infra import jvm_archive

    env = {**os.environ, "JVM_ARGS": jvm_archive.options()} if archive else None
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bench.bare"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=env)
    line = next((line for line in process.stdout if "+I[" in line), None)
    elapsed = time.monotonic() - started
    process.communicate(timeout=120)
    if line is None:
        raise SystemExit("start-up: the bare PyFlink job printed no row")
    return round(elapsed, 1)


def _startup_rows(cases: list[tuple[str, str]], where: str, extra: list[str], runs: int) -> list[dict]:
    """`runs` rounds, each the bare floor (stock PyFlink, then on the project's class archive) and
    then every case once, so that each case is measured beside a floor of the same minute (the
    machine is shared: its load moves). Every round reads the same one-order topic, as a user runs
    the same command again: the first round compiles the plan, the later ones find it compiled
    (.data/plans, keyed by the script, whose topic is part of it). The ratio is to the stock floor."""
    floor, archived, seconds, topic = [], [], {case: [] for case in cases}, one_order_topic()
    for round_ in range(1, runs + 1):
        say(f"start-up ({where}), round {round_}/{runs}: the bare PyFlink floor, then {len(cases)} runs ...")
        floor.append(bare_first_row_s())
        archived.append(bare_first_row_s(archive=True))
        for job, variant in cases:
            seconds[(job, variant)].append(first_result_s(job, variant, extra, topic))
    rows = [{"job": "bare PyFlink", "variant": "-", "where": "mini-cluster", "first_result_s": floor},
            {"job": "bare PyFlink, class archive", "variant": "-", "where": "mini-cluster",
             "first_result_s": archived, "x_floor": round(statistics.median(archived) / statistics.median(floor), 2)}]
    for (job, variant), measured in seconds.items():
        rows.append({"job": job, "variant": variant, "where": where, "first_result_s": measured,
                     "x_floor": round(statistics.median(measured) / statistics.median(floor), 2)})
    return rows


def startup_cases() -> list[tuple[str, str]]:
    """A job without Python functions in builtin, and one with them in udf (bench.run.measured)."""
    plain, with_function = measured()
    return [(plain.id, "builtin"), (with_function.id, "udf")]


def startup(extra: list[str], runs: int = 3, cases=None, cluster_too: bool = True) -> list[dict]:
    """From the command to the first result, `runs` times each, beside the bare PyFlink floor: on the
    mini-cluster (everything starts), and on the local cluster through its warm client (started
    here if it is not running)."""
    from order_analytics import local_cluster
    from order_analytics.infra import cluster

    cases = cases or startup_cases()
    rows = _startup_rows(cases, "mini-cluster", extra, runs)
    if not cluster_too:
        return rows
    started_here = not cluster.overview()
    say(f"start-up: cluster {local_cluster.start(say)}")
    try:
        rows += _startup_rows(cases, "local cluster, warm client", [*extra, "--cluster", cluster.ADDRESS], runs)[2:]
    finally:
        if started_here:
            local_cluster.stop()
    return rows


def startup_lines(rows: list[dict]) -> list[str]:
    return [f"first result, {row['job']} {row['variant']} on the {row['where']}: "
            + ", ".join(f"{seconds} s" for seconds in row["first_result_s"])
            + (f" (median {row['x_floor']}x the bare PyFlink floor)" if "x_floor" in row else "")
            for row in rows]


def chart(rows: list[dict], path: Path, peer_rows: list[dict] = ()) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    jobs = sorted({r["job"] for r in rows}, key=JOBS.index)
    figure, axis = plt.subplots(figsize=(8, 4))
    width = 0.38
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in rows)]
    for i, variant in enumerate(variants):
        values = [next((r["orders_per_s"] for r in rows if r["job"] == j and r["variant"] == variant), 0)
                  for j in jobs]
        bars = axis.bar([x + (i - (len(variants) - 1) / 2) * width for x in range(len(jobs))], values, width,
                        label=variant)
        ratios = [next((r.get("x_peer") for r in rows if r["job"] == j and r["variant"] == variant), None)
                  for j in jobs]
        axis.bar_label(bars, labels=[f"{v / 1000:.0f}k" + (f"\n{x:.2f}×" if x else "") for v, x in zip(values, ratios)],
                       fontsize=8)
    peer = next((r for r in peer_rows if r["job"] == "peer"), None)
    if peer:
        axis.axhline(peer["orders_per_s"], color="grey", linestyle="--", linewidth=1,
                     label=f"Python peer {peer['orders_per_s'] / 1000:.0f}k")
        axis.set_ylim(top=max([peer["orders_per_s"]] + [r["orders_per_s"] for r in rows]) * 1.25)
    rate = lambda n: f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1000:.0f}k"  # noqa: E731
    ceilings = [f"{r['variant']} {rate(r['orders_per_s'])}" for r in peer_rows if r["job"] == "ceiling"]
    if ceilings:
        axis.text(0.01, 0.98, "read-only ceiling: " + ", ".join(ceilings) + " orders/s", transform=axis.transAxes,
                  fontsize=8, va="top")
    axis.set_xticks(range(len(jobs)), jobs)
    axis.set_ylabel("orders/s (start-up subtracted)")
    axis.set_title(f"Backlog of {rows[0]['orders']:,} orders, parallelism 1, 2 cores")
    axis.legend(title="variant", loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def table(rows: list[dict], peer_rows: list[dict] = ()) -> str:
    """The jobs, then the peer and the ceilings ("× builtin": a udf row's orders/s over its job's
    builtin row; "× peer": over the peer's; "CPU s": CPU seconds of the work, start-up subtracted, with
    the same two ratios per CPU second; Python MB: a job's Python workers, the peer's own process)."""
    header = ("| job | variant | orders/s | × builtin | × peer | CPU s | × builtin per CPU s | × peer per CPU s "
              "| start-up s | total s | Flink MB | heap MB | Python MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    shown = lambda value: "-" if value is None else value  # noqa: E731
    ratio = lambda value: "-" if value is None else format(value, ".2f")  # noqa: E731
    lines = [f"| {r['job']} | {r['variant']} | {r['orders_per_s']:,} | {ratio(r.get('x_builtin'))} | "
             f"{ratio(r.get('x_peer'))} | {shown(r.get('cpu_s'))} | {ratio(r.get('cpu_x_builtin'))} | "
             f"{ratio(r.get('cpu_x_peer'))} | {r['startup_s']} | {r['total_s']} | "
             f"{shown(r['flink_mb'])} | {shown(r.get('heap_mb'))} | "
             f"{shown(r['python_workers_mb'] if 'python_workers_mb' in r else r['python_mb'])} |"
             for r in [*rows, *peer_rows]]
    return "\n".join([header, *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--jobs", nargs="+", default=JOBS, choices=JOBS)
    parser.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    parser.add_argument("--latency-rate", type=int, default=2000)
    parser.add_argument("--latency-seconds", type=int, default=30)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-peer", action="store_true", help="no Python peer or consumer ceiling")
    parser.add_argument("--skip-startup", action="store_true",
                        help="no time-to-first-result runs (mini-cluster, and the local cluster's warm client)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config overrides passed to every run (to compare settings)")
    parser.add_argument("--label", default="results", help="name of the output files in bench/")
    parser.add_argument("--sink", choices=("blackhole", "postgres"), default="blackhole",
                        help="where the jobs write: blackhole (the analyses alone) or postgres (the views' cost: "
                             "compare `--jobs all --variants udf --sink postgres --label sink-postgres` with blackhole)")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the time to the first result of the udf case on the mini-cluster, beside the bare "
                             "PyFlink floor (3 rounds; no backlog, no local cluster); results in bench/startup.json")
    args = parser.parse_args(argv)
    extra = [part for override in args.overrides for part in ("--set", override)]
    say(f"Kafka: {broker.start(say)}")
    if args.startup_only:
        rows = startup(extra, runs=3, cases=startup_cases()[1:], cluster_too=False)
        (OUT / "startup.json").write_text(json.dumps({"machine": f"{os.cpu_count()} cores", "startup": rows},
                                                     indent=2) + "\n")
        print("\n".join(startup_lines(rows)))
        return 0
    topic, tiny = f"bench-orders-{args.orders}-{args.customers}", "bench-orders-1"
    load(topic, args.orders, args.customers)
    load(tiny, 1, 1)
    peer_rows = [] if args.skip_peer else peers(args.orders, topic, tiny, extra)
    rows = throughput(args.orders, topic, tiny, args.jobs, args.variants, extra, args.sink)
    with_ratio([*rows, *peer_rows], peer_rows)
    results = {"machine": f"{os.cpu_count()} cores", "overrides": args.overrides, "throughput": rows,
               "peers": peer_rows}
    if not args.skip_latency:
        results["latency"] = latency(args.latency_rate, args.latency_seconds, measured()[1].id, "udf", extra)
    if not args.skip_startup:
        results["startup"] = startup(extra)
    (OUT / f"{args.label}.json").write_text(json.dumps(results, indent=2) + "\n")
    chart(rows, OUT / f"{args.label}.png", peer_rows)
    print(table(rows, peer_rows))
    if "latency" in results:
        print(f"\nlive latency: {results['latency']}")
    for line in startup_lines(results.get("startup", [])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
