"""The runner's command line: usage and config errors exit 2, Kafka problems exit 3, one line each."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from order_analytics import analyses
from order_analytics.infra import broker
from order_analytics.paths import ROOT
from tests.conftest import sasl_env


def runner(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "runner.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def assert_one_line_error(done: subprocess.CompletedProcess, code: int, *phrases: str) -> None:
    assert done.returncode == code, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]


@pytest.mark.parametrize("args, phrases", [
    (["3e"], ["unknown job '3e'", ", ".join(analyses.choices())]),
    (["3a", "3z"], ["unknown job '3z'"]),
    (["3a", "--topic", "bad topic'x"], ["--topic must be a name of letters, digits"]),
    (["3a", "--set", "thresholds.vipp=3"], ["unknown config key 'thresholds.vipp'"]),
    (["3a", "--set", "thresholds.vip=lots"], ["'thresholds.vip' must be a number"]),
    (["3a", "--set", "thresholds.premium=400"], ["'thresholds.premium' (400.00) must be above"]),
    (["3a", "--format", "xml"], ["invalid choice: 'xml'"]),
    (["kafka", "restart"], ["usage: python runner.py kafka start|stop|status"]),
])
def test_usage_and_config_errors_exit_2(args, phrases):
    assert_one_line_error(runner(*args, "--sql") if args[0] != "kafka" else runner(*args), 2, *phrases)


def test_malformed_yaml_exits_2_naming_the_line(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("thresholds:\n  vip: [500\n")
    assert_one_line_error(runner("3b", "--config", str(config), "--sql"), 2, str(config), "line 3")


@pytest.mark.parametrize("tls", [False, True], ids=["sasl_plaintext", "sasl_ssl"])
def test_wrong_secret_exits_3_within_seconds_without_showing_it(kafka, tls):
    started = time.monotonic()
    done = runner("3a", "--bounded", env=sasl_env(tls, secret="not-the-secret-42"))
    assert_one_line_error(done, 3, "authentication failed", "CNFL_KC_API_SECRET")
    assert "not-the-secret-42" not in done.stdout + done.stderr
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("ca", [None, "other"], ids=["no_ca", "another_ca"])
def test_untrusted_certificate_exits_3_within_seconds_naming_the_fix(kafka, other_ca, ca):
    started = time.monotonic()
    done = runner("3a", "--bounded", env=sasl_env(tls=True, ca=other_ca if ca else None))
    assert_one_line_error(done, 3, "localhost:9095", "certificate is not trusted", "CNFL_KAFKA_SSL_CA_LOCATION",
                          str(broker.CA_FILE))
    assert broker.SASL_PASSWORD not in done.stdout + done.stderr
    assert time.monotonic() - started < 15


def test_a_ca_file_that_is_missing_is_a_config_error(tmp_path):
    done = runner("3a", "--sql", env=sasl_env(tls=True, ca=tmp_path / "nowhere.pem"))
    assert_one_line_error(done, 2, "CNFL_KAFKA_SSL_CA_LOCATION", "nowhere.pem", "not a file")


def test_unreachable_broker_exits_3_within_a_minute():
    started = time.monotonic()
    done = runner("3a", env={"CNFL_KAFKA_BROKER": "localhost:1", "CNFL_KC_API_KEY": "k",
                             "CNFL_KC_API_SECRET": "s"})
    assert_one_line_error(done, 3, "localhost:1", "CNFL_KAFKA_BROKER")
    assert time.monotonic() - started < 60


def test_sql_masks_the_secret_unless_revealed():
    env = {"CNFL_KAFKA_BROKER": "pkc-1.example:9092", "CNFL_KC_API_KEY": "KEY", "CNFL_KC_API_SECRET": "hush-123",
           "CNFL_KAFKA_SSL_CA_LOCATION": str(broker.CA_FILE)}
    masked = runner("3d", "--sql", env=env)
    assert masked.returncode == 0 and "hush-123" not in masked.stdout and "--reveal-secrets" in masked.stdout
    # every Kafka table of the script trusts the CA, and the secret is only where it is asked for
    assert masked.stdout.count(f"'properties.ssl.truststore.location' = '{broker.CA_FILE}'") == \
        masked.stdout.count("'properties.bootstrap.servers'") > 0
    assert 'password="hush-123"' in runner("3d", "--sql", "--reveal-secrets", env=env).stdout
