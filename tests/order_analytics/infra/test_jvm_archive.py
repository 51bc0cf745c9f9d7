"""The class archive the set-up makes (order_analytics/infra/jvm_archive.py) is the one the
runner's JVM maps: Java ignores an archive that does not fit its class path without a word to the
user, so only the JVM's own log shows that it was used."""

from order_analytics.flink_job import JVM_OUTPUT
from order_analytics.infra import jvm_archive


def test_the_runners_jvm_maps_the_archive_the_setup_made(runner):
    assert jvm_archive.ARCHIVE.is_file(), "the set-up (scripts/setup.sh) makes it"
    seen = JVM_OUTPUT.stat().st_size if JVM_OUTPUT.exists() else 0
    run = runner("3b", "--explain", env={"JVM_ARGS": "-Xlog:cds=info"}, timeout=180)
    assert run.returncode == 0, run.stderr
    with JVM_OUTPUT.open(encoding="utf-8", errors="replace") as log:
        log.seek(seen)
        logged = log.read()
    assert f"trying to map {jvm_archive.ARCHIVE}" in logged
    assert "Mapped dynamic region #0" in logged
