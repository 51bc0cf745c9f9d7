"""A class-data archive (Java's AppCDS) for PyFlink's JVM: the classes Flink loads on every start-up
(its planner, its runtime, the mini-cluster), already parsed and verified, mapped from one file.

Loading them is most of a cold JVM's start-up on a small machine; measured on 2 cores, the first
result of `runner.py 3b` came about 2 s sooner with the archive (docs/start-and-stop.md). It is made
once, by the set-up (`python -m order_analytics.infra.jvm_archive`): a one-row PyFlink job whose JVM
writes the classes it loaded as it exits. Java checks an archive against its own version and the
class path it was made with and ignores one that does not fit (its notes go to the JVM's stdout,
the log, never to the user), so a stale archive costs time, never a run; the set-up makes a new one
when the JDK or PyFlink is newer than it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from order_analytics.paths import DATA, ROOT

ARCHIVE = DATA / "jvm" / "flink-classes.jsa"


def _newest_dependency() -> float:
    """When the JDK or PyFlink (its jars) last changed: an archive older than that is made again."""
    import pyflink

    java = Path(shutil.which("java") or "java").resolve()
    jars = list((Path(pyflink.__file__).parent / "lib").glob("*.jar"))
    return max(path.stat().st_mtime for path in [java, *jars] if path.exists())


def options() -> str:
    """The JVM options that map the archive, when there is one ('' when not)."""
    return f"-XX:SharedArchiveFile={ARCHIVE} -Xshare:auto" if ARCHIVE.is_file() else ""


def one_row_job() -> None:
    """A TableEnvironment inserting one datagen row into a print table: what every PyFlink start-up
    does (bench/bare.py times it as the floor of a start-up)."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("CREATE TABLE one_row (n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1', "
                      "'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1')")
    t_env.execute_sql("CREATE TABLE shown (n INT) WITH ('connector' = 'print')")
    t_env.execute_sql("INSERT INTO shown SELECT n FROM one_row").wait()


def make(progress=print) -> None:
    """Make the archive unless one newer than the JDK and PyFlink exists."""
    if ARCHIVE.is_file() and ARCHIVE.stat().st_mtime > _newest_dependency():
        return
    progress("setup: recording the classes of a Flink start-up (once: later starts are faster) ...")
    ARCHIVE.parent.mkdir(parents=True, exist_ok=True)
    partial = ARCHIVE.with_suffix(f".{os.getpid()}.tmp")
    env = {**os.environ, "JVM_ARGS": f"-XX:ArchiveClassesAtExit={partial} -Xlog:cds=off -Xlog:cds+dynamic=off"}
    try:
        done = subprocess.run([sys.executable, "-c", "from order_analytics.infra.jvm_archive import one_row_job; "
                               "one_row_job()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        failure = None if done.returncode == 0 and partial.is_file() else (
            done.stderr.strip()[-300:] or f"exit code {done.returncode}")
    except subprocess.TimeoutExpired:
        failure = "it took over 300 s"
    if failure is not None:
        partial.unlink(missing_ok=True)  # start-ups stay as they were: nothing else depends on it
        progress(f"setup: no class archive (the recording run failed: {failure})")
        return
    partial.replace(ARCHIVE)


if __name__ == "__main__":
    make()
