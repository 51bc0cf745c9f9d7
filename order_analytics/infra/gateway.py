"""PyFlink's gateway JVM outside the terminal's signals, and ended with the process that started it.

A terminal sends Ctrl-C to its whole foreground process group. PyFlink starts its JVM (and the JVM its
Python workers) in the runner's group, so the JVM died under the runner's feet, and every call still
on its way printed a Py4J trace. In a session of its own the JVM hears only the runner: the runner
stops the job and then ends the JVM's session with `end()`. Should the runner die without a word
(kill -9), the JVM still ends: PyFlink's gateway server exits when its stdin, a pipe from the runner,
reaches its end.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

# set in the JVM's environment and so in its Python workers': how a test tells this run's processes
MARKER = "LESSON3_RUNNER_PID"
_started: list[subprocess.Popen] = []


def detach(stdout: Path) -> None:
    """Make PyFlink start its gateway JVM, when it does, in a session of its own, its stdout (and
    its Python workers') appended to `stdout`, so that what Flink prints never mixes into the
    results on ours (and no other thread's print is redirected while the JVM starts)."""
    from pyflink import pyflink_gateway_server as server

    def popen(command, **options):
        options["env"] = {**options.get("env", os.environ), MARKER: str(os.getpid())}
        stdout.parent.mkdir(parents=True, exist_ok=True)
        with open(stdout, "ab") as output:
            process = subprocess.Popen(command, start_new_session=True, stdout=output, **options)
        _started.append(process)
        return process

    server.Popen = popen  # the one name its launch_gateway_server_process calls


def end() -> None:
    """Kill the JVM's session at once, its Python workers included (they share its process group):
    called when its job has stopped, or when nothing was submitted."""
    for process in _started:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # ended already
        process.wait(5)


def leave(code: int, flush: bool = True) -> None:
    """Exit with `code`; once a JVM was started (or not `flush`ing), end it and exit at once.
    Py4J's threads, still waiting on the killed JVM, would only print their traces on the way out of
    an ordinary exit: the last line is said, so what is left of stdout and stderr goes to /dev/null.
    `flush=False` from a signal handler, which may have interrupted a write to those streams."""
    if flush and not _started:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr) if flush else ():
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: nobody reads what is left
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    end()
    os._exit(code)
