"""A Flink or Py4J failure as one line a user can act on; the whole trace goes to a log file."""
from __future__ import annotations

import re
import traceback

from order_analytics.connection import mask_secret
from order_analytics.errors import KafkaUnavailable, UsageError, UserError
from order_analytics.paths import DATA

LOG = DATA / "logs" / "runner.log"
# Root causes a user can act on, matched in a Java stack trace: (pattern, error class, advice).
KNOWN_CAUSES = [
    (r"Could not find any factory for identifier 'kafka'", UserError,
     "the Kafka connector jar is missing: run `make setup`"),
    (r"SaslAuthenticationException|Authentication failed", KafkaUnavailable,
     "Kafka authentication failed: check CNFL_KC_API_KEY and CNFL_KC_API_SECRET in .env"),
    (r"TimeoutException: Timed out waiting for a node assignment|Failed to list subscribed topic partitions",
     KafkaUnavailable, "Kafka did not answer: is the broker up? (`python runner.py kafka status`)"),
    (r"Cannot map checkpoint/savepoint state|Failed to rollback to checkpoint", UsageError,
     "the retained checkpoint does not fit this query, which changed since it was written: run with "
     "--fresh to start over (the old state is left unused), or run the query that wrote it"),
]


def _root_cause(text: str) -> str:
    """The innermost 'SomeException: message' of a Java trace."""
    causes = re.findall(r"((?:[\w$]+\.)+[\w$]*(?:Exception|Error): [^\n]+)", text)
    return causes[-1] if causes else text.strip().splitlines()[0]


def one_line(error: Exception) -> UserError:
    """One line for a Flink/Py4J failure; the whole trace goes to .data/logs/runner.log.

    Flink quotes a table's options in its errors, the JAAS config among them: the secret is
    masked in both."""
    text = mask_secret(str(error))
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(mask_secret(traceback.format_exc()) + "\n")
    for pattern, kind, advice in KNOWN_CAUSES:
        if re.search(pattern, text):
            return kind(advice)
    return UserError(f"the Flink job failed: {_root_cause(text)[:400]} (full trace: {LOG})")
