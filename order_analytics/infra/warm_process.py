"""The warm Flink client as a process: start it (with the command its caller gives), stop it, say how it is."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from order_analytics.errors import UserError
from order_analytics.infra.warm_client import LOG, ready
from order_analytics.paths import FLINK_DATA, ROOT

PID = FLINK_DATA / "pids" / "warm-client.pid"
READY_TIMEOUT_S = 120


def _pid() -> int | None:
    """The warm client's process id while it lives (a killed one may linger as a zombie a while)."""
    try:
        pid = int(PID.read_text())
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return None if state in ("Z", "X") else pid


def start(command: list[str], progress=print) -> str:
    """Start the warm client as `command` (if it is not running) and wait until it is ready."""
    if ready():
        return "ready"
    if not _pid():
        for folder in (PID.parent, LOG.parent):
            folder.mkdir(parents=True, exist_ok=True)
        with open(LOG, "ab") as log:
            process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        PID.write_text(str(process.pid))
    progress("Warming up a Flink client for quick submits (plans one job once) ...")
    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT_S:
        if ready():
            return f"ready after {time.monotonic() - started:.1f}s"
        if not _pid():
            raise UserError(f"the warm Flink client ended while warming up; see {LOG}")
        time.sleep(0.5)
    raise UserError(f"the warm Flink client was not ready within {READY_TIMEOUT_S}s; see {LOG}")


def stop() -> str:
    pid = _pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
    PID.unlink(missing_ok=True)
    return "stopped" if pid else "not running"


def status() -> str:
    return "ready" if ready() else "warming up" if _pid() else "not running"
