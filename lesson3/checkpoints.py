"""Retained checkpoints: where a job continues from when it is run again."""
from __future__ import annotations

from pathlib import Path


def latest(directory: Path) -> Path | None:
    """The newest complete checkpoint under a pipeline's checkpoint folder (<job id>/chk-N/_metadata)."""
    complete = [metadata.parent for metadata in directory.glob("*/chk-*/_metadata")]
    return max(complete, key=lambda checkpoint: checkpoint.stat().st_mtime, default=None)
