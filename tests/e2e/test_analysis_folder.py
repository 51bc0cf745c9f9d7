"""An analysis is one folder: copied under a new id into an analyses root of its own, touching
nothing else, it runs beside the original in one Flink job and prints what the original prints."""
from __future__ import annotations

import shutil

from order_analytics import analyses
from order_analytics.paths import ANALYSES
from tests import model

ORIGINAL = analyses.registry()["3b"]
COPY = "3b_copy"


def analyses_root_with_a_copy(tmp_path):
    """Every analysis of the project (linked), and a copy of ORIGINAL's folder under a new id."""
    root = tmp_path / "analyses"
    root.mkdir()
    for folder in ANALYSES.iterdir():
        if (folder / "analysis.yml").is_file():
            (root / folder.name).symlink_to(folder)
    copy = root / f"{ORIGINAL.name}_copy"
    shutil.copytree(ANALYSES / ORIGINAL.name, copy, ignore=shutil.ignore_patterns("__pycache__"))
    described = copy / "analysis.yml"
    text = described.read_text(encoding="utf-8")
    assert f"\nid: {ORIGINAL.id}\n" in text
    described.write_text(text.replace(f"\nid: {ORIGINAL.id}\n", f"\nid: {COPY}\n", 1), encoding="utf-8")
    return root


def test_a_copied_folder_runs_and_prints_what_the_original_prints(runner, orders_topic, tmp_path):
    root = analyses_root_with_a_copy(tmp_path)
    run = runner(ORIGINAL.id, COPY, "--bounded", "--from", "earliest", "--format", "json",
                 "--topic", orders_topic.name, env={"ANALYSES_DIR": str(root)})
    assert run.returncode == 0, run.stderr[-2000:]
    printed = model.events_by_key(run.stdout)
    original = {key[1]: events for key, events in printed.items() if key[0] == ORIGINAL.id}
    copied = {key[1]: [{**event, "job": ORIGINAL.id} for event in events]
              for key, events in printed.items() if key[0] == COPY}
    assert copied == original
    want = {key[1]: events for key, events in model.expected(orders_topic.values).events.items()
            if key[0] == ORIGINAL.id}
    assert original == want
