"""Ctrl-C and SIGTERM at any moment of a run: one line on stderr, no trace, nothing left running.

Until a job runs there is nothing to save: a signal ends the runner at once, with one line, after
killing the gateway JVM (an exception raised inside a Py4J call would print its traces and leave
the JVM half-used). Once the job runs, the signal becomes a KeyboardInterrupt in the main thread,
which stops the job with a savepoint; a signal while it stops is ignored, so the savepoint is
finished. While a remote cluster accepts a submission the signal waits for the job's id, so that
no job is left running there unknown.
"""
from __future__ import annotations

import os
import signal

from order_analytics.infra import gateway

EXIT, DEFER, RAISE, IGNORE = "exit", "defer", "raise", "ignore"
EXIT_CODE = 130  # 128 + SIGINT, as a shell reports a command that Ctrl-C ended


class _State:
    mode = EXIT
    doing = "starting"           # what a signal interrupts, in words: "planning the job"
    resume = ""                  # "; `python runner.py 3a` continues from checkpoint ..." when there is one
    pending = False


_state = _State()


def install() -> None:
    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


def doing(what: str, resume: str | None = None) -> None:
    """From now on a signal ends the runner with `Interrupted while <what>`."""
    _state.mode, _state.doing = EXIT, what
    if resume is not None:
        _state.resume = resume


def defer() -> None:
    """A signal from now on waits for `running()`."""
    _state.mode = DEFER


def running() -> None:
    """The job runs: a signal raises KeyboardInterrupt (now, if one came while deferred)."""
    _state.mode = RAISE
    if _state.pending:
        _state.pending = False
        raise KeyboardInterrupt


def stopping() -> None:
    """The job stops with a savepoint: further signals are ignored until it has."""
    _state.mode = IGNORE


def _handle(signum, frame) -> None:
    if _state.mode == RAISE:
        raise KeyboardInterrupt
    if _state.mode == DEFER:
        _state.pending = True
    if _state.mode != EXIT:
        return
    # os.write, and an exit at once: the main thread may be inside a print or a Py4J call, which
    # must not go on (a buffered write would be re-entered; the Py4J call would fail loudly)
    os.write(2, f"Interrupted while {_state.doing}: no job was left running{_state.resume}\n".encode())
    gateway.leave(EXIT_CODE, flush=False)
