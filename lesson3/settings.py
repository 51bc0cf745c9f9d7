"""Config: the YAML file, then `--set` overrides, validated once into plain values.

The default file config/lesson3.yaml defines which keys exist: a key it does not have is a typo,
so `--set` and edited copies may change values but not invent keys.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from lesson3.errors import UsageError
from lesson3.paths import DEFAULT_CONFIG, ROOT

# a Kafka topic name: what Kafka accepts, and safe inside a SQL string literal
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
DURATION = re.compile(r"^(\d+)\s*(ms|s|min|h|d)$")
# where a job starts reading -> the Kafka connector's scan.startup.mode
STARTUP_MODES = {"earliest": "earliest-offset", "latest": "latest-offset", "group-offsets": "group-offsets"}


@dataclass(frozen=True)
class Duration:
    """A config duration: `str()` is Flink's own form ('60s'), `.sql` an INTERVAL literal."""
    number: int
    unit: str  # ms | s | min | h | d

    UNITS = {"ms": (1, "MILLISECOND"), "s": (1000, "SECOND"), "min": (60_000, "MINUTE"),
             "h": (3_600_000, "HOUR"), "d": (86_400_000, "DAY")}

    def __str__(self) -> str:
        return f"{self.number}{self.unit}"

    @property
    def millis(self) -> int:
        return self.number * self.UNITS[self.unit][0]

    @property
    def sql(self) -> str:
        return f"INTERVAL '{self.number}' {self.UNITS[self.unit][1]}"


@dataclass(frozen=True)
class Kafka:
    topic: str
    group_id_prefix: str
    startup: str
    results_prefix: str


@dataclass(frozen=True)
class Thresholds:
    vip: Decimal
    premium: Decimal


@dataclass(frozen=True)
class Frequency:
    occasional: int
    regular: int
    frequent: int


@dataclass(frozen=True)
class Alerts:
    high_value: Decimal
    rapid_window: Duration


@dataclass(frozen=True)
class Windows:
    size: Duration


@dataclass(frozen=True)
class Filter:
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Segments:
    high_value: Decimal
    frequent_orders: int
    focus_min_orders: int
    focus_share: Decimal
    low_avg: Decimal


@dataclass(frozen=True)
class Checkpoint:
    interval: Duration
    mode: str
    dir: Path


@dataclass(frozen=True)
class State:
    dedup_window: Duration
    backend: str
    heap: str                         # -Xmx of the runner's JVM (the mini-cluster's state lives there)


@dataclass(frozen=True)
class Restart:
    attempts: int
    delay: Duration


@dataclass(frozen=True)
class Python:
    execution_mode: str
    bundle_size: int
    bundle_time: Duration


@dataclass(frozen=True)
class Console:
    status_interval: Duration         # 0: no status lines
    web_ui_port: int                  # the mini-cluster's web UI: this port, or the next free one


@dataclass(frozen=True)
class Views:
    port: int                         # the embedded PostgreSQL's port (VIEWS_DATABASE_URL: another database)


@dataclass(frozen=True)
class Settings:
    """Every tunable, validated and typed; the values come only from the YAML (and --set)."""
    kafka: Kafka
    thresholds: Thresholds
    frequency: Frequency
    milestones: tuple[Decimal, ...]
    alerts: Alerts
    windows: Windows
    filter: Filter
    segments: Segments
    checkpoint: Checkpoint
    restart: Restart
    state: State
    parallelism: int
    cluster: str
    watermark_delay: Duration
    idle_timeout: Duration
    buffer_timeout: Duration
    python: Python
    console: Console
    views: Views


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file {path} not found: pass an existing file with --config")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UsageError(f"config file {path} is not valid YAML at{where}: "
                         f"{getattr(error, 'problem', None) or error}")
    if not isinstance(data, dict):
        raise UsageError(f"config file {path} must be a YAML mapping of keys to values")
    return data


def _check_keys(data: dict, known: dict, source: str, prefix: str = "") -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in known:
            raise UsageError(f"unknown config key '{path}' in {source}; known keys: "
                             f"{', '.join(prefix + k for k in known)}")
        if isinstance(known[key], dict):
            if not isinstance(value, dict):
                raise UsageError(f"config key '{path}' in {source} must be a mapping")
            _check_keys(value, known[key], source, path + ".")


def _apply_override(data: dict, known: dict, assignment: str) -> None:
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise UsageError(f"--set expects KEY=VALUE, got '{assignment}'")
    *parents, leaf = key.split(".")
    node, schema = data, known
    for part in parents:
        if not isinstance(schema.get(part), dict):
            raise UsageError(f"unknown config key '{key}' in --set")
        node, schema = node.setdefault(part, {}), schema[part]
    if leaf not in schema or isinstance(schema[leaf], dict):
        raise UsageError(f"unknown config key '{key}' in --set")
    try:
        node[leaf] = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        node[leaf] = raw


def _money(value, key: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise UsageError(f"config key '{key}' must be a number, got '{value}'")
    if isinstance(value, bool) or not amount.is_finite() or amount <= 0:
        raise UsageError(f"config key '{key}' must be a number above 0, got '{value}'")
    return amount.quantize(Decimal("0.01"))


def _count(value, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"config key '{key}' must be a whole number of at least 1, got '{value}'")
    return value


def _duration(value, key: str) -> Duration:
    text = str(value).strip()
    match = DURATION.match(text)
    if not match:
        raise UsageError(f"config key '{key}' must be a duration like 500ms, 60s, 5min, 2h or 7d, got '{value}'")
    return Duration(int(match.group(1)), match.group(2))


def _share(value, key: str) -> Decimal:
    try:
        share = Decimal(str(value))
    except InvalidOperation:
        share = None
    if isinstance(value, bool) or share is None or not Decimal(0) < share <= Decimal(1):
        raise UsageError(f"config key '{key}' must be a share above 0 and at most 1 (e.g. 0.6), got '{value}'")
    return share.quantize(Decimal("0.01"))


def _categories(value, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
        raise UsageError(f"config key '{key}' must be a list of category names, e.g. [Books, Toys], got '{value}'")
    return tuple(value)


def _choice(value, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UsageError(f"config key '{key}' must be one of {', '.join(choices)}, got '{value}'")
    return value


def name(value, key: str) -> str:
    """A topic or name prefix: letters, digits, '.', '_', '-' (Kafka's rule; nothing that could break SQL)."""
    if not isinstance(value, str) or not TOPIC_NAME.fullmatch(value):
        what = key if key.startswith("--") else f"config key '{key}'"
        raise UsageError(f"{what} must be a name of letters, digits, '.', '_' or '-' (at most 249), "
                         f"got '{value}'")
    return value


def _memory_size(value, key: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[1-9][0-9]*[mg]", value.strip().lower()):
        raise UsageError(f"config key '{key}' must be a size like 512m or 2g, got '{value}'")
    return value.strip().lower()


def _address(value, key: str) -> str:
    text = "" if value is None else str(value).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9.-]+:\d{1,5}", text):
        raise UsageError(f"config key '{key}' must be HOST:PORT (e.g. localhost:8081) or empty, got '{value}'")
    return text


def _port(value, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 65000:
        raise UsageError(f"config key '{key}' must be a port number from 1024 to 65000, got '{value}'")
    return value


def _ascending(values: list, keys: list[str]) -> None:
    for (low, low_key), (high, high_key) in zip(zip(values, keys), zip(values[1:], keys[1:])):
        if not high > low:
            raise UsageError(f"config key '{high_key}' ({high}) must be above '{low_key}' ({low})")


def _thresholds(raw: dict) -> tuple[Decimal, Decimal]:
    vip, premium = _money(raw["vip"], "thresholds.vip"), _money(raw["premium"], "thresholds.premium")
    _ascending([vip, premium], ["thresholds.vip", "thresholds.premium"])
    return vip, premium


def _milestones(milestones) -> list[Decimal]:
    if not isinstance(milestones, list) or not milestones:
        raise UsageError(f"config key 'milestones' must be a list of amounts, got '{milestones}'")
    milestones = [_money(m, f"milestones[{i}]") for i, m in enumerate(milestones)]
    _ascending(milestones, [f"milestones[{i}]" for i in range(len(milestones))])
    return milestones


def validate(raw: dict) -> Settings:
    """Typed, checked settings from the merged raw config."""
    kafka, ck, state, python = raw["kafka"], raw["checkpoint"], raw["state"], raw["python"]
    vip, premium = _thresholds(raw["thresholds"])
    freq_keys = ["occasional", "regular", "frequent"]
    freq = {k: _count(raw["frequency"][k], f"frequency.{k}") for k in freq_keys}
    _ascending([freq[k] for k in freq_keys], [f"frequency.{k}" for k in freq_keys])
    milestones = _milestones(raw["milestones"])
    checkpoint_dir = Path(str(ck["dir"]))
    return Settings(
        kafka=Kafka(
            topic=name(kafka["topic"], "kafka.topic"),
            group_id_prefix=name(kafka["group_id_prefix"], "kafka.group_id_prefix"),
            startup=_choice(kafka["startup"], "kafka.startup", tuple(STARTUP_MODES)),
            results_prefix=name(kafka["results_prefix"], "kafka.results_prefix"),
        ),
        thresholds=Thresholds(vip, premium),
        frequency=Frequency(**freq),
        milestones=tuple(milestones),
        alerts=Alerts(high_value=_money(raw["alerts"]["high_value"], "alerts.high_value"),
                      rapid_window=_duration(raw["alerts"]["rapid_window"], "alerts.rapid_window")),
        windows=Windows(size=_duration(raw["windows"]["size"], "windows.size")),
        filter=Filter(categories=_categories(raw["filter"]["categories"], "filter.categories")),
        segments=Segments(
            high_value=_money(raw["segments"]["high_value"], "segments.high_value"),
            frequent_orders=_count(raw["segments"]["frequent_orders"], "segments.frequent_orders"),
            focus_min_orders=_count(raw["segments"]["focus_min_orders"], "segments.focus_min_orders"),
            focus_share=_share(raw["segments"]["focus_share"], "segments.focus_share"),
            low_avg=_money(raw["segments"]["low_avg"], "segments.low_avg"),
        ),
        checkpoint=Checkpoint(
            interval=_duration(ck["interval"], "checkpoint.interval"),
            mode=_choice(ck["mode"], "checkpoint.mode", ("exactly-once", "at-least-once")),
            dir=checkpoint_dir if checkpoint_dir.is_absolute() else ROOT / checkpoint_dir,
        ),
        restart=Restart(
            attempts=_count(raw["restart"]["attempts"], "restart.attempts"),
            delay=_duration(raw["restart"]["delay"], "restart.delay"),
        ),
        state=State(
            dedup_window=_duration(state["dedup_window"], "state.dedup_window"),
            backend=_choice(state["backend"], "state.backend", ("hashmap", "rocksdb")),
            heap=_memory_size(state["heap"], "state.heap"),
        ),
        parallelism=_count(raw["parallelism"], "parallelism"),
        cluster=_address(raw["cluster"], "cluster"),
        watermark_delay=_duration(raw["watermark_delay"], "watermark_delay"),
        idle_timeout=_duration(raw["idle_timeout"], "idle_timeout"),
        buffer_timeout=_duration(raw["buffer_timeout"], "buffer_timeout"),
        python=Python(
            execution_mode=_choice(python["execution_mode"], "python.execution_mode", ("process", "thread")),
            bundle_size=_count(python["bundle_size"], "python.bundle_size"),
            bundle_time=_duration(python["bundle_time"], "python.bundle_time"),
        ),
        console=Console(
            status_interval=_duration(raw["console"]["status_interval"], "console.status_interval"),
            web_ui_port=_port(raw["console"]["web_ui_port"], "console.web_ui_port"),
        ),
        views=Views(port=_port(raw["views"]["port"], "views.port")),
    )


def load(path: Path | None = None, overrides: list[str] = ()) -> Settings:
    """Read the config at `path` (default config/lesson3.yaml), apply `--set` overrides, validate."""
    known = _read_yaml(DEFAULT_CONFIG)
    path = Path(path) if path else DEFAULT_CONFIG
    data = _read_yaml(path) if path != DEFAULT_CONFIG else copy.deepcopy(known)
    _check_keys(data, known, str(path))
    merged = copy.deepcopy(known)
    for key, value in data.items():  # a partial file inherits the defaults it leaves out
        if isinstance(value, dict):
            merged[key].update(value)
        else:
            merged[key] = value
    for assignment in overrides:
        _apply_override(merged, known, assignment)
    return validate(merged)
