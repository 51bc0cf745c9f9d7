"""Where a job's JVM spends its time: one bounded run under Java Flight Recorder, and its samples summed.

    python -m bench.profile all --variant builtin --topic bench-orders-100000-10000

It runs `runner.py JOB --bounded --from earliest --sink blackhole` with a recording of the `profile`
settings (a stack sample of each running Java thread every 10 to 20 ms), dumped with `jcmd` every
3 s while the job runs (the last dump holds all but its last seconds), then sums the samples of the
threads that do the job's work (not the planner's): per thread, whose name is its task's chain of
operators (which step of the plan the time goes to), and per method on top of the stack (where
the CPU is). The recording stays in --out for `jfr print` or JDK Mission Control.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from order_analytics.paths import ROOT

def record(job: list[str], out: Path) -> None:
    """The bounded run of `job` (runner.py's arguments) with a recording, dumped to `out` every few
    seconds while it runs: the runner ends its JVM with SIGKILL, so a dump on exit never happens."""
    flags = "-XX:StartFlightRecording=name=profile,settings=profile"
    env = {**os.environ, "JVM_ARGS": f"{os.environ.get('JVM_ARGS', '')} {flags}".strip()}
    command = [sys.executable, str(ROOT / "runner.py"), *job, "--bounded", "--from", "earliest", "--sink", "blackhole"]
    log = out.with_suffix(".log")
    with log.open("w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    partial = out.with_suffix(".partial.jfr")
    while process.poll() is None:
        time.sleep(3)
        for jvm in _java_children(process.pid):
            dumped = subprocess.run(["jcmd", str(jvm), "JFR.dump", "name=profile", f"filename={partial}"],
                                    capture_output=True, text=True)
            if dumped.returncode == 0 and partial.exists() and partial.stat().st_size:
                partial.replace(out)  # the newest whole dump, never a half-written one
    if process.returncode != 0:
        raise SystemExit(f"the run failed:\n{log.read_text()[-2000:]}")


def _java_children(pid: int) -> list[int]:
    """The java processes started by `pid` (the runner's gateway JVM)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children if Path(f"/proc/{c}/comm").read_text().strip() == "java"]
    except OSError:
        return []


# threads that are not the job's work: the planner (Py4J's Thread-N, main) and the dumps' jcmd
NOT_THE_JOB = ("Thread-", "main", "Attach Listener")


def samples(recording: Path) -> list[tuple[str, list[str]]]:
    """Each execution sample of a thread doing the job's work: its thread's name (a task's name is
    its chain of operators) and its stack, innermost frame first, as `package.Class.method`."""
    text = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample",
                           str(recording)], capture_output=True, text=True, check=True).stdout
    taken = []
    for event in json.loads(text)["recording"]["events"]:
        thread = event["values"].get("sampledThread") or {}
        name = thread.get("javaName") or thread.get("osName") or "?"
        if name.startswith(NOT_THE_JOB):
            continue
        frames = (event["values"].get("stackTrace") or {}).get("frames") or []
        taken.append((name, [f"{frame['method']['type']['name']}.{frame['method']['name']}".replace("/", ".")
                             for frame in frames]))
    return taken


def report(taken: list[tuple[str, list[str]]], top: int) -> list[str]:
    """The tasks (threads) the job's samples fall in, then the methods on top of the most samples
    (where the CPU is), in % of the job's samples."""
    total = max(len(taken), 1)
    lines = [f"{len(taken)} samples of the job's threads", "", "by thread (a task: its chain of operators):"]
    for thread, n in collections.Counter(name for name, _ in taken).most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {thread[:150]}")
    lines += ["", "self (the method running):"]
    for method, n in collections.Counter(stack[0] for _, stack in taken if stack).most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {method}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", nargs=argparse.REMAINDER, help="runner.py's JOB and options, e.g. all --topic T")
    parser.add_argument("--out", type=Path, default=ROOT / ".data" / "profile.jfr")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-run", action="store_true", help="only sum the samples of an existing --out")
    args = parser.parse_args(argv)
    if not args.no_run:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        record(args.job, args.out)
    print("\n".join(report(samples(args.out), args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
