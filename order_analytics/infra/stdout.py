"""Point this process's stdout (file descriptor 1) at a file for a while."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def stdout_to(path: Path):
    """Point file descriptor 1 at `path` while PyFlink starts its JVM: the JVM (and the Python
    workers it starts) inherit it, so what Flink prints never mixes into our results on stdout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    saved, target = os.dup(1), os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)
