"""Which Kafka to use: the embedded broker, or the cluster named by CNFL_KAFKA_BROKER (the seed's names).

Credentials come from the environment or the project's .env (python-dotenv, never overriding a
variable already set). They are kept out of everything printed unless the caller asks for them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from dotenv import load_dotenv

from lesson3 import broker
from lesson3.errors import KafkaUnavailable
from lesson3.paths import ROOT

MASK = "<hidden: run with --reveal-secrets>"
# Inside the Flink SQL connector jar the Kafka client is shaded, and so is its login module.
SHADED_PLAIN_LOGIN = "org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule"


@dataclass(frozen=True)
class Connection:
    bootstrap: str
    protocol: str = "PLAINTEXT"
    username: str | None = None
    password: str | None = None

    @property
    def embedded(self) -> bool:
        return self.username is None and self.bootstrap == broker.BOOTSTRAP

    def client_config(self) -> dict:
        """Settings for confluent-kafka clients (producer, admin, the console's DLQ reader)."""
        config = {"bootstrap.servers": self.bootstrap, "security.protocol": self.protocol}
        if self.username is not None:
            config.update({"sasl.mechanisms": "PLAIN", "sasl.username": self.username,
                           "sasl.password": self.password})
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
        return options

    def check(self, timeout_s: float = 15.0) -> None:
        """Fail fast, with the cause and the fix, when Kafka cannot be reached or refuses us."""
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient

        errors = []
        config = {**self.client_config(), "error_cb": errors.append, "log_level": 0}
        try:
            AdminClient(config).list_topics(timeout=timeout_s)
            return
        except KafkaException as error:
            errors.append(error.args[0] if error.args else error)
        text = " ".join(str(e) for e in errors)
        if "Authentication" in text or "SASL" in text or "authentication" in text:
            raise KafkaUnavailable(f"Kafka at {self.bootstrap}: authentication failed; check "
                                   "CNFL_KC_API_KEY and CNFL_KC_API_SECRET in .env (and the key's ACLs)")
        raise KafkaUnavailable(f"Kafka at {self.bootstrap} is unreachable; check CNFL_KAFKA_BROKER "
                               "(host:port) and the network, or unset it to use the embedded broker")


def from_environment() -> Connection:
    """The Kafka named by the environment/.env, or the embedded broker when none is named."""
    load_dotenv(ROOT / ".env", override=False)
    bootstrap = os.environ.get("CNFL_KAFKA_BROKER", "").strip()
    if not bootstrap:
        return Connection(broker.BOOTSTRAP)
    return Connection(bootstrap,
                      protocol=os.environ.get("CNFL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL").strip(),
                      username=os.environ.get("CNFL_KC_API_KEY", ""),
                      password=os.environ.get("CNFL_KC_API_SECRET", ""))


def ready(connection: Connection, progress=print) -> Connection:
    """Start the embedded broker when it is the one in use, then check that Kafka answers."""
    if connection.embedded:
        progress(f"Kafka: {broker.start(progress)}")
    connection.check()
    return connection
