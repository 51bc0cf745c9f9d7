"""What a console run has printed, so that every alert shows once, also across a crash.

The console's result topic is written at-least-once, so its rows show at once. After a crash the
job continues from its last checkpoint and writes the rows of the orders since then again. Each
analysis names a `position` column that grows with every result of a key (the customer's order
count, say); the console remembers the last position it printed per analysis and key, in a file
beside the pipeline's checkpoints, and skips a row it has printed before.
"""
from __future__ import annotations

import json
from pathlib import Path

from order_analytics.analyses import Analysis


class PrintedMemory:
    def __init__(self, path: Path | None, resuming: bool):
        """`path`: where to remember (None: a bounded run, which starts over every time);
        `resuming`: the job continues from a checkpoint, so what was printed before still counts."""
        self._last: dict[tuple, object] = {}
        self._file = None
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if resuming and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    analysis, key, position = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                self._last[analysis, key] = position
        # rewritten compactly, then appended to as rows are printed
        path.write_text("".join(json.dumps([*k, p], ensure_ascii=False) + "\n" for k, p in self._last.items()),
                        encoding="utf-8")
        self._file = open(path, "a", encoding="utf-8")

    def first_time(self, analysis: Analysis, row: dict) -> bool:
        """True if this row was not printed before (and remember it)."""
        if analysis.position is None:
            return True
        key, position = (analysis.id, row[analysis.key]), row[analysis.position]
        if key in self._last and position <= self._last[key]:
            return False
        self._last[key] = position
        if self._file:
            self._file.write(json.dumps([*key, position], ensure_ascii=False, default=str) + "\n")
            self._file.flush()
        return True

    def close(self) -> None:
        if self._file:
            self._file.close()
