"""Which Kafka to use: the embedded broker, or the cluster named by CNFL_KAFKA_BROKER (the seed's names).

Credentials come from the environment or the project's .env (python-dotenv, never overriding a
variable already set). They are kept out of everything printed unless the caller asks for them.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dotenv import load_dotenv

from order_analytics.infra import broker
from order_analytics.errors import KafkaUnavailable, UsageError
from order_analytics.paths import DATA, ROOT

SASL_PROTOCOLS = ("SASL_SSL", "SASL_PLAINTEXT")  # SASL_PLAINTEXT: local test listeners only
MASK = "<hidden: run with --reveal-secrets>"
# Inside the Flink SQL connector jar the Kafka client is shaded, and so is its login module.
SHADED_PLAIN_LOGIN = "org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule"


@cache
def client_log() -> logging.Logger:
    """Where librdkafka's own log lines go: a file, not the console. While a broker is down it logs
    every failed connect, many a second, which would bury the results (and can fill a pipe
    nobody reads, which blocks the client). The console gets one status line instead."""
    path = DATA / "logs" / "kafka-clients.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("lesson3.kafka-clients")
    log.propagate = False
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log


@dataclass(frozen=True)
class Connection:
    bootstrap: str
    protocol: str = "PLAINTEXT"
    username: str | None = None
    password: str | None = None
    # a PEM file of the CA(s) to trust, for a broker whose certificate no public CA signs
    ca_location: str | None = None

    @property
    def embedded(self) -> bool:
        return self.username is None and self.bootstrap == broker.BOOTSTRAP

    def client_config(self) -> dict:
        """Settings for confluent-kafka clients (producer, admin, the console's result reader)."""
        config = {"bootstrap.servers": self.bootstrap, "security.protocol": self.protocol,
                  "logger": client_log()}
        if self.username is not None:
            config.update({"sasl.mechanisms": "PLAIN", "sasl.username": self.username,
                           "sasl.password": self.password})
        if self.ca_location is not None:
            config["ssl.ca.location"] = self.ca_location
        return config

    def flink_options(self, reveal: bool = True) -> dict:
        """`properties.*` options of Flink's Kafka connector; the secret masked unless `reveal`."""
        options = {"properties.bootstrap.servers": self.bootstrap}
        if self.username is not None:
            password = self.password if reveal else MASK
            options.update({
                "properties.security.protocol": self.protocol,
                "properties.sasl.mechanism": "PLAIN",
                "properties.sasl.jaas.config":
                    f'{SHADED_PLAIN_LOGIN} required username="{self.username}" password="{password}";',
            })
        if self.ca_location is not None:
            # the shaded kafka-clients 4.x reads a PEM trust store itself (KIP-651): no JKS to make
            options.update({"properties.ssl.truststore.type": "PEM",
                            "properties.ssl.truststore.location": self.ca_location})
        return options

    def check(self, timeout_s: float = 10.0) -> None:
        """Fail fast, with the cause and the fix, when Kafka does not answer or refuses our credentials."""
        from confluent_kafka import KafkaError
        from confluent_kafka.admin import AdminClient

        errors: list = []
        # log_level 0: the one line below replaces librdkafka's repeated connection warnings
        admin = AdminClient({**self.client_config(), "log_level": 0, "error_cb": errors.append})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                admin.list_topics(timeout=1)
                return
            except Exception:  # no metadata yet: look at what the client reported, retry until the deadline
                admin.poll(0)  # error_cb is only served by poll
                self._refused(errors)
        # "all brokers down" only repeats what the transport error before it says better
        causes = [_reason(error) for error in errors if error.code() != KafkaError._ALL_BROKERS_DOWN]
        fix = ("check CNFL_KAFKA_BROKER (host:port) and the network, or unset it to use the embedded broker"
               if self.username is not None else "see `python runner.py kafka status`")
        raise KafkaUnavailable(f"Kafka at {self.bootstrap} did not answer within {timeout_s:.0f}s "
                               f"({causes[-1] if causes else 'no answer'}): {fix}")

    def _refused(self, errors: list) -> None:
        """Raise at once when the broker refused us (credentials, certificate): retrying cannot help."""
        from confluent_kafka import KafkaError

        if any(error.code() == KafkaError._AUTHENTICATION for error in errors):
            raise KafkaUnavailable(f"Kafka at {self.bootstrap}: authentication failed: check "
                                   "CNFL_KC_API_KEY, CNFL_KC_API_SECRET and "
                                   "CNFL_KAFKA_SECURITY_PROTOCOL in .env") from None
        if any(error.code() == KafkaError._SSL and "verify failed" in error.str() for error in errors):
            trusted = f"the CA in {self.ca_location}" if self.ca_location else "the system's CAs"
            raise KafkaUnavailable(f"Kafka at {self.bootstrap}: the broker's TLS certificate is not trusted "
                                   f"(not signed by {trusted}): set CNFL_KAFKA_SSL_CA_LOCATION in .env to a "
                                   "PEM file of the CA that signed it (the embedded broker's: "
                                   f"{broker.CA_FILE})") from None


def _reason(error) -> str:
    """librdkafka's message without the broker prefix and timing suffix the line already states."""
    text = error.str().split(": ", 1)[-1]
    return re.sub(r" \(after \d+ms in state \w+\)$", "", text)


def mask_secret(text: str) -> str:
    """`text` without the configured secret, for anything the project prints or logs."""
    secret = os.environ.get("CNFL_KC_API_SECRET")
    return text.replace(secret, MASK) if secret else text


def from_environment() -> Connection:
    """The Kafka named by the environment/.env, or the embedded broker when none is named."""
    load_dotenv(ROOT / ".env", override=False)
    bootstrap = os.environ.get("CNFL_KAFKA_BROKER", "").strip()
    if not bootstrap:
        return Connection(broker.BOOTSTRAP)
    missing = [name for name in ("CNFL_KC_API_KEY", "CNFL_KC_API_SECRET") if not os.environ.get(name)]
    if missing:
        raise UsageError(f"CNFL_KAFKA_BROKER is set but {' and '.join(missing)} not: set them in .env "
                         "or the environment, or unset CNFL_KAFKA_BROKER to use the embedded broker")
    protocol = (os.environ.get("CNFL_KAFKA_SECURITY_PROTOCOL") or "SASL_SSL").strip().upper()
    if protocol not in SASL_PROTOCOLS:
        raise UsageError(f"CNFL_KAFKA_SECURITY_PROTOCOL is {protocol!r} but SASL/PLAIN needs one of "
                         f"{', '.join(SASL_PROTOCOLS)}: fix it in .env or the environment")
    return Connection(bootstrap, protocol=protocol, username=os.environ["CNFL_KC_API_KEY"],
                      password=os.environ["CNFL_KC_API_SECRET"], ca_location=_ca_location(protocol))


def _ca_location(protocol: str) -> str | None:
    """CNFL_KAFKA_SSL_CA_LOCATION as an absolute path (Flink's TaskManagers run elsewhere than the
    runner's folder); None where no TLS is spoken."""
    value = os.environ.get("CNFL_KAFKA_SSL_CA_LOCATION", "").strip()
    if not value or protocol != "SASL_SSL":
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"CNFL_KAFKA_SSL_CA_LOCATION names {path}, which is not a file: set it in .env "
                         "to a PEM file of the CA(s) that signed the broker's certificate")
    return str(path)


def ready(connection: Connection, progress=print) -> Connection:
    """Start the embedded broker when it is the one in use, then check that Kafka answers."""
    if connection.embedded:
        progress(f"Kafka: {broker.start(progress)}")
    connection.check()
    return connection


def ensure_topic(client_config: dict, topic: str, partitions: int = 1, config: dict | None = None) -> int:
    """Create `topic` if it does not exist (the broker also creates topics on first use); its partitions."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(client_config)
    # all topics, not this one by name: asking for one by name lets the broker create it with defaults
    existing = admin.list_topics(timeout=10).topics.get(topic)
    if existing is not None:
        return len(existing.partitions)
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, config=config or {})])
    for future in futures.values():
        try:
            future.result()
        except Exception as error:  # a concurrent create is fine
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise
    return partitions
