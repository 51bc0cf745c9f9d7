"""`python -m producer`: send generated orders to Kafka, like the seed's KafkaOrderProducer."""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import NoReturn

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient
from dotenv import load_dotenv

from lesson3 import broker
from lesson3.errors import KafkaUnavailable, UsageError, UserError
from lesson3.paths import ROOT
from producer.orders import generate_orders
from producer.send import send

CHECK_TIMEOUT_S = 10
SASL_PROTOCOLS = ("SASL_SSL", "SASL_PLAINTEXT")  # SASL_PLAINTEXT: local test listeners only
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")  # what Kafka accepts as a topic name


class _Parser(argparse.ArgumentParser):
    """Turns argparse's usage dump into the contract's single line on stderr."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see python -m producer --help)")


def _number(kind: Callable[[str], int | float], check: Callable[[int | float], bool],
            rule: str) -> Callable[[str], int | float]:
    """An argparse type: parse with `kind`, then refuse values that fail `check`."""
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not check(value):
            raise argparse.ArgumentTypeError(f"{text} is out of range: {rule}")
        return value
    return parse


def _topic(text: str) -> str:
    if not TOPIC_NAME.fullmatch(text) or text in (".", ".."):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid topic name (letters, digits, . _ -)")
    return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m producer",
        description="Send generated orders to Kafka, one JSON object per record, keyed by customerId. "
                    "Uses CNFL_KAFKA_BROKER (with CNFL_KC_API_KEY, CNFL_KC_API_SECRET and "
                    "CNFL_KAFKA_SECURITY_PROTOCOL, default SASL_SSL) from the environment or .env; "
                    f"without it, the embedded broker on {broker.BOOTSTRAP}, started if needed.",
        epilog="The same --seed and options always send the same records. Ctrl-C stops cleanly.")
    parser.add_argument("--count", type=_number(int, lambda n: n >= 0, "must be >= 0"),
                        help="how many records to send (default: endless, until Ctrl-C)")
    parser.add_argument("--rate", type=_number(float, lambda r: r > 0, "must be > 0"), metavar="PER_S",
                        help="records per second (default: as fast as possible)")
    parser.add_argument("--seed", type=int, default=42,
                        help="random seed; the same seed sends the same records (default: 42)")
    parser.add_argument("--customers", type=_number(int, lambda n: n >= 1, "must be >= 1"), default=10,
                        help="number of distinct customers, customer_001 up (default: 10)")
    parser.add_argument("--bad-ratio", type=_number(float, lambda f: 0 <= f <= 1, "must be from 0 to 1"),
                        default=0.0, metavar="F",
                        help="share of bad records (not JSON, missing fields, amount out of range, ...) "
                             "sent instead of valid orders, to exercise the dead-letter topic "
                             "(default: 0)")
    parser.add_argument("--topic", type=_topic, default="orders",
                        help="topic to send to; created if missing (default: orders)")
    parser.add_argument("--partitions", type=_number(int, lambda n: n >= 1, "must be >= 1"), default=1,
                        help="partitions of the topic when it is created (default: 1)")
    return parser.parse_args(argv)


def kafka_config(env: Mapping[str, str]) -> dict:
    """Connection settings from CNFL_* variables, or the embedded broker (started) when none is named."""
    server = env.get("CNFL_KAFKA_BROKER", "").strip()
    if not server:
        broker.start(progress=lambda line: print(line, file=sys.stderr))
        return {"bootstrap.servers": broker.BOOTSTRAP}
    missing = [name for name in ("CNFL_KC_API_KEY", "CNFL_KC_API_SECRET") if not env.get(name)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise UsageError(f"CNFL_KAFKA_BROKER is set but {' and '.join(missing)} {verb} not: set them in .env "
                         "or the environment, or unset CNFL_KAFKA_BROKER to use the embedded broker")
    protocol = (env.get("CNFL_KAFKA_SECURITY_PROTOCOL") or "SASL_SSL").upper()
    if protocol not in SASL_PROTOCOLS:
        raise UsageError(f"CNFL_KAFKA_SECURITY_PROTOCOL is {protocol!r} but SASL/PLAIN needs one of "
                         f"{', '.join(SASL_PROTOCOLS)}: fix it in .env or the environment")
    return {"bootstrap.servers": server,
            "security.protocol": protocol,
            "sasl.mechanisms": "PLAIN",
            "sasl.username": env["CNFL_KC_API_KEY"],
            "sasl.password": env["CNFL_KC_API_SECRET"]}


def check_kafka(config: dict) -> None:
    """Fail fast with the cause and the fix if Kafka does not answer or refuses our credentials."""
    errors: list[KafkaError] = []
    # log_level 0: the one line below replaces librdkafka's repeated connection warnings.
    admin = AdminClient({**config, "log_level": 0, "error_cb": errors.append})
    server = config["bootstrap.servers"]
    deadline = time.monotonic() + CHECK_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            admin.list_topics(timeout=1)
            return
        except Exception:  # no metadata yet: look at what the client reported, retry until the deadline
            admin.poll(0)  # error_cb is only served by poll
            refusals = [error for error in errors if error.code() == KafkaError._AUTHENTICATION]
            if refusals:  # retrying cannot help: the credentials are wrong
                raise KafkaUnavailable(f"Kafka at {server} refused authentication ({_reason(refusals[-1])}): "
                                       "check CNFL_KC_API_KEY, CNFL_KC_API_SECRET and "
                                       "CNFL_KAFKA_SECURITY_PROTOCOL in .env") from None
    # "all brokers down" only repeats what the transport error before it says better.
    causes = [_reason(error) for error in errors if error.code() != KafkaError._ALL_BROKERS_DOWN]
    cause = causes[-1] if causes else "no answer"
    fix = ("check CNFL_KAFKA_BROKER (host:port) and the network, or unset it to use the embedded broker"
           if "sasl.username" in config else "see `python runner.py kafka status`")
    raise KafkaUnavailable(f"Kafka at {server} did not answer within {CHECK_TIMEOUT_S}s ({cause}): {fix}")


def _reason(error: KafkaError) -> str:
    """librdkafka's message without the broker prefix and timing suffix we already state."""
    text = error.str().split(": ", 1)[-1]
    return re.sub(r" \(after \d+ms in state \w+\)$", "", text)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        load_dotenv(ROOT / ".env", override=False)  # real environment variables win over .env
        config = kafka_config(os.environ)
        check_kafka(config)
        records = generate_orders(args.count, seed=args.seed, customers=args.customers,
                                  bad_ratio=args.bad_ratio)
        send(records, config, args.topic, rate=args.rate, partitions=args.partitions,
             out=lambda line: print(line, flush=True))
        return 0
    except UserError as error:
        print(f"python -m producer: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # Ctrl-C while connecting, or a second one while flushing
        return 130


if __name__ == "__main__":
    sys.exit(main())
