"""The docs show what the code prints now: every output block of every page rendered again from its
command (one shared Flink run for all pages), and the pages' own rules (README length, no history)."""
from __future__ import annotations

import difflib
import importlib.util
import re
import sys

import pytest

from order_analytics.paths import ROOT

_spec = importlib.util.spec_from_file_location("docs_output", ROOT / "scripts" / "docs_output.py")
docs_output = sys.modules["docs_output"] = importlib.util.module_from_spec(_spec)  # a script, not a package
_spec.loader.exec_module(docs_output)

PAGES = [page for page in docs_output.pages() if docs_output.BLOCK.search(page.read_text())]
ANALYSIS_PAGES = ["3a-customer-totals", "3b-vip-tiers", "3c-order-frequency", "3d-category-spending",
                  "alerts", "hourly", "segments"]
CONCEPT_PAGES = ["checkpoints", "event-time", "changelog", "bad-records", "sql-client", "udfs"]
# Words of a project's history: git keeps that, the docs say what is true now.
HISTORY = re.compile(r"\b(this|last|previous|earlier|next) session\b|\bprevious (run|version|table|commit)\b"
                     r"|\bearlier\b|before \(the |\bwe (changed|tried)\b|\bin git history\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def outputs(kafka):
    return docs_output.Outputs()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_output_blocks_are_what_the_code_prints(page, outputs):
    text = page.read_text()
    rendered = docs_output.render(text, outputs)
    difference = "".join(difflib.unified_diff(text.splitlines(True), rendered.splitlines(True), "page", "now"))
    assert rendered == text, f"{page.name} is out of date (python scripts/docs_output.py):\n{difference}"


def test_each_analysis_and_concept_page_shows_sql_or_output():
    for name in ANALYSIS_PAGES + CONCEPT_PAGES:
        page = ROOT / "docs" / f"{name}.md"
        assert docs_output.BLOCK.search(page.read_text()), f"{page.name} has no output block"
    for name in ANALYSIS_PAGES:
        text = (ROOT / "docs" / f"{name}.md").read_text()
        assert "--sql" in text and "## Try this" in text, f"{name}.md lacks its SQL or its exercises"


def test_readme_is_a_landing_page_of_at_most_300_lines():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    assert readme.index("make run JOB=3a") < readme.index("make test") < 2000


def test_no_history_of_the_making_in_docs_or_config_comments():
    texts = {path.name: path.read_text() for path in docs_output.pages()}
    texts |= {path.name: "\n".join(line.partition("#")[2] for line in path.read_text().splitlines())
              for path in (ROOT / "config").glob("*.yaml")}
    found = [f"{name}: {match.group(0)!r}" for name, text in texts.items() for match in HISTORY.finditer(text)]
    assert not found, found
