"""`python -m producer`: send generated orders to Kafka, like the seed's KafkaOrderProducer."""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import NoReturn

from order_analytics.infra import broker
from order_analytics.connection import from_environment, ready
from order_analytics.errors import UsageError, UserError
from producer.orders import generate_orders
from producer.send import send

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
    parser.add_argument("--id-prefix", default="order", metavar="PREFIX",
                        help="order ids are PREFIX_00001 and up (default: order); give each run its own, "
                             "e.g. order_$(date +%%s), or the jobs take its orders for redeliveries")
    parser.add_argument("--topic", type=_topic, default="orders",
                        help="topic to send to; created if missing (default: orders)")
    parser.add_argument("--timestamps", choices=("seeded", "now"), default="seeded",
                        help="seeded: each order's timestamp follows from the seed, 2025-11-24 on, a few "
                             "hundred ms apart (reproducible backlogs); now: the time it is sent (a live "
                             "stream, and what jobs ordered by event time expect: parallelism above 1) "
                             "(default: seeded)")
    parser.add_argument("--partitions", type=_number(int, lambda n: n >= 1, "must be >= 1"), default=1,
                        help="partitions of the topic when it is created (default: 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        connection = ready(from_environment(), progress=lambda line: print(line, file=sys.stderr))
        records = generate_orders(args.count, seed=args.seed, customers=args.customers,
                                  bad_ratio=args.bad_ratio, id_prefix=args.id_prefix)
        send(records, connection.client_config(), args.topic, rate=args.rate, partitions=args.partitions,
             out=lambda line: print(line, flush=True), stamp_now=args.timestamps == "now")
        return 0
    except UserError as error:
        print(f"python -m producer: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # Ctrl-C while connecting, or a second one while flushing
        return 130


if __name__ == "__main__":
    sys.exit(main())
