"""Retained checkpoints: where a job continues from when it is run again."""
from __future__ import annotations

from pathlib import Path


def latest(directory: Path) -> Path | None:
    """The newest complete checkpoint or savepoint under a pipeline's checkpoint folder:
    <job id>/chk-N/_metadata, written while it runs, or savepoints/savepoint-*/_metadata, on Ctrl-C."""
    complete = [metadata.parent for pattern in ("*/chk-*/_metadata", "savepoints/savepoint-*/_metadata")
                for metadata in directory.glob(pattern)]
    return max(complete, key=lambda checkpoint: checkpoint.stat().st_mtime, default=None)


def savepoints(directory: Path) -> Path:
    return directory / "savepoints"
