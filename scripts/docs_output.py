"""Refresh the real output shown in README.md and docs/*.md, or check that it is still what the code prints.

A page marks each block of output with the command that makes it:

    <!-- output: python runner.py 3a 3b 3c 3d alerts hourly segments --bounded --topic docs-orders | grep 'Customer Totals>' | head -4 -->
    ```text
    ...
    ```
    <!-- /output -->

The part before the first ` | ` is the command; the rest is a shell pipeline its output goes through.
Each command runs once, however many blocks show it: a Flink run costs tens of seconds here, so the
pages excerpt one shared run of every analysis (SHARED_RUN). A command that names the docs' topic
runs over a new topic of its own, seeded with the same fixed orders (docs_values). Times, job ids,
paths and the run's own topic name are normalised.

    python scripts/docs_output.py              rewrite the blocks of every page
    python scripts/docs_output.py --check      exit 1 and show the difference when a page is out of date
    python scripts/docs_output.py load         put the docs' orders on the topic docs-orders (to try the pages' commands)
    python scripts/docs_output.py read TOPIC   print every record value of a topic (a dead-letter topic, say)
    ... | python scripts/docs_output.py view NAME...  only the statements that create these views, with their comments
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCS_TOPIC = "docs-orders"  # the topic the pages' commands name; each refresh runs over a new one
SHARED_RUN = f"python runner.py 3a 3b 3c 3d alerts hourly segments --bounded --topic {DOCS_TOPIC}"
STDERR_ONLY = " 2>&1 >/dev/null"

# The docs' orders: the producer's `--count 150 --seed 20 --customers 6 --bad-ratio 0.07`, then three
# records of our own: a redelivery of order_00010, an order at 17:10 (it opens a new hour and so closes
# 16:00-17:00 for every customer) and an order at 16:30 that comes after that (late for `hourly`).
PRODUCER_ARGS = {"count": 150, "seed": 20, "customers": 6, "bad_ratio": 0.07}
EXTRA_ORDERS = [
    '{"orderId": "order_00151", "customerId": "customer_001", "amount": 42.00, '
    '"category": "Books", "timestamp": 1764004200000}',
    '{"orderId": "order_00152", "customerId": "customer_003", "amount": 99.50, '
    '"category": "Toys", "timestamp": 1764001800000}',
]
REDELIVERED = "order_00010"

BLOCK = re.compile(r"(<!-- output: (?P<command>.+?) -->\n)(?P<body>.*?)(<!-- /output -->)", re.DOTALL)
NORMALISE = [
    (re.compile(r"\b[0-9a-f]{32}\b"), "<job id>"),
    (re.compile(r"after \d+(\.\d+)?s"), "after …s"),
    (re.compile(r"s: \d+ results, "), "s: … results, "),  # a Python UDAF's lines depend on its bundles
    (re.compile(r"localhost:\d{4}/"), "localhost:8081/"),
    (re.compile(r'"seen_at":"[^"]*"'), '"seen_at":"…"'),
    (re.compile(r"'scan.startup.timestamp-millis' = '\d+'"), "'scan.startup.timestamp-millis' = '…'"),
]


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def docs_values() -> list[bytes]:
    """The record values of the docs' topic, in offset order."""
    from producer.orders import generate_orders

    values = [record.value for record in generate_orders(**PRODUCER_ARGS)]
    redelivery = next(value for value in values if f'"{REDELIVERED}"'.encode() in value)
    return values + [redelivery] + [order.encode() for order in EXTRA_ORDERS]


def load_orders(topic: str) -> None:
    from confluent_kafka import Producer
    from order_analytics.connection import ensure_topic
    from order_analytics.infra import broker

    broker.start(progress=lambda message: None)
    ensure_topic({"bootstrap.servers": broker.BOOTSTRAP}, topic, 1)
    if records_on(topic):  # loading them twice would look like a redelivery of every order
        raise SystemExit(f"error: {topic} already holds records; load them onto a new topic: --topic NAME")
    producer = Producer({"bootstrap.servers": broker.BOOTSTRAP, "enable.idempotence": True, "log_level": 3})
    for value in docs_values():
        producer.produce(topic, value)
    if producer.flush(30) != 0:
        raise SystemExit(f"error: could not write the docs' orders to {topic}")


def records_on(topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition
    from order_analytics.infra import broker

    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": "docs-count"})
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    consumer.close()
    return high - low


def read_topic(topic: str) -> list[str]:
    """Every record value of a topic from its start to its current end (one partition)."""
    from confluent_kafka import Consumer
    from order_analytics.infra import broker

    consumer = Consumer({"bootstrap.servers": broker.BOOTSTRAP, "group.id": f"docs-read-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.partition.eof": True})
    consumer.subscribe([topic])
    values = []
    while (message := consumer.poll(15)) is not None and not message.error():
        values.append(message.value().decode())
    consumer.close()
    return values


def view_statement(script: str, name: str) -> str:
    """The statement of `script` that creates view `name`, with the comment lines just above it."""
    lines = script.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith(f"CREATE TEMPORARY VIEW {name} AS")]
    if not starts:
        raise SystemExit(f"error: no view {name} in the script")
    first = last = starts[0]
    while first > 0 and lines[first - 1].startswith("--"):
        first -= 1
    while not lines[last].rstrip().endswith(";"):
        last += 1
    return "\n".join(lines[first:last + 1]) + "\n"


@dataclass
class Run:
    """What a command printed, with the run's own topic name in place of the pages' one."""
    stdout: str
    stderr: str


def python_command(command: str, topic: str) -> list[str]:
    words = shlex.split(command.replace(DOCS_TOPIC, topic))
    if words[0] != "python":
        raise SystemExit(f"error: a docs block runs only python commands, not: {command}")
    return [sys.executable, *words[1:]]


def execute(command: str, topic: str, timeout_s: float = 600) -> Run:
    env = {**os.environ, "CNFL_KAFKA_BROKER": ""}  # the docs show the embedded broker, whatever .env says
    done = subprocess.run(python_command(command, topic), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise SystemExit(f"error: `{command}` exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return Run(done.stdout, done.stderr)


class Outputs:
    """Each command's output, run once. A command over the docs' topic runs over a freshly seeded topic
    of its own; `read TOPIC` reads the topics of the run the page showed last (the shared run if none)."""

    def __init__(self):
        self.runs: dict[str, Run] = {}
        self.topics: dict[str, str] = {}  # command -> the topic it really read
        self.last = SHARED_RUN

    def of(self, command: str) -> str:
        stderr = command.endswith(STDERR_ONLY)
        command = command.removesuffix(STDERR_ONLY)
        if command not in self.runs:
            self.runs[command] = self._run(command)
        if command in self.topics:
            self.last = command
        run = self.runs[command]
        return normalise(run.stderr if stderr else run.stdout, self.topics.get(command, DOCS_TOPIC))

    def _run(self, command: str) -> Run:
        reading = re.fullmatch(r"python scripts/docs_output.py read (\S+)", command)
        if reading:
            self.of(self.last)  # its topics exist once it has run
            self.topics[command] = topic = self.topics[self.last]
            return Run("".join(value + "\n" for value in read_topic(reading.group(1).replace(DOCS_TOPIC, topic))), "")
        if DOCS_TOPIC not in command:
            return execute(command, DOCS_TOPIC)
        self.topics[command] = topic = f"{DOCS_TOPIC}-{uuid.uuid4().hex[:8]}"
        load_orders(topic)
        return execute(command, topic)


def normalise(text: str, topic: str) -> str:
    text = text.replace(topic, DOCS_TOPIC).replace(str(ROOT), "/path/to/project")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def through(pipeline: str, text: str) -> str:
    if not pipeline:
        return text
    # `python` in a page's pipeline is this interpreter, as in an activated venv
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {pipeline}"], input=text, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, 141):  # 141: `head` closed the pipe early
        raise SystemExit(f"error: `{pipeline}` exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def block_text(command: str, outputs: Outputs) -> str:
    head, _, pipeline = command.partition(" | ")
    text = through(pipeline, outputs.of(head.strip()))
    fence = "sql" if "--sql" in head else "text"
    return f"```{fence}\n{text.rstrip()}\n```\n"


def render(page: str, outputs: Outputs) -> str:
    """The page with every output block rewritten from its command."""
    return BLOCK.sub(lambda m: m.group(1) + block_text(m.group("command"), outputs) + m.group(4), page)


def refresh(check: bool) -> int:
    outputs = Outputs()
    stale = 0
    for path in pages():
        old = path.read_text()
        new = render(old, outputs)
        if new == old:
            continue
        stale += 1
        if check:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       str(path.relative_to(ROOT)), "now"))
        else:
            path.write_text(new)
            print(f"rewrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if check and stale else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(line for line in __doc__.splitlines()
                                                     if line.startswith(("    python scripts", "    ... |"))))
    parser.add_argument("action", nargs="?", choices=["load", "read", "view"], help="see below")
    parser.add_argument("names", nargs="*", help="read: the topic; view: the views' names")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a page is out of date")
    parser.add_argument("--topic", default=DOCS_TOPIC, help=f"load: the topic (default {DOCS_TOPIC})")
    args = parser.parse_args(argv)
    if args.action == "load":
        load_orders(args.topic)
        print(f"{len(docs_values())} records on {args.topic}", file=sys.stderr)
    elif args.action == "read":
        print("".join(value + "\n" for value in read_topic(args.names[0])), end="")
    elif args.action == "view":
        script = sys.stdin.read()
        print("\n".join(view_statement(script, name) for name in args.names), end="")
    else:
        return refresh(args.check)
    return 0


if __name__ == "__main__":
    from order_analytics.errors import UserError

    try:
        sys.exit(main(sys.argv[1:]))
    except UserError as error:  # Kafka down, say: one line, the contract's exit code
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
