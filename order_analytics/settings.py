"""Config: the YAML file, then `--set` overrides, validated once into typed values.

`Settings` below is the one declaration of every key: its sections are dataclasses, each leaf a
field whose `key(check)` says how its value is read and checked. The YAML's keys, the `--set`
paths and the checks all come from it; the default file config/lesson3.yaml gives every key its
value (and must give exactly these keys: a test holds them together). An edited copy or `--set` may
change values but not invent keys. No key holds a secret: credentials come from the environment
(order_analytics/connection.py), masked there.
"""
from __future__ import annotations

import copy
import re
from dataclasses import Field, dataclass, field, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, get_type_hints

import yaml

from order_analytics.errors import UsageError
from order_analytics.paths import DEFAULT_CONFIG, ROOT

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


def _choices(*choices: str) -> Callable:
    return lambda value, key: _choice(value, key, choices)


def _folder(value, key: str) -> Path:
    """A folder; a relative one is relative to the project."""
    folder = Path(str(value))
    return folder if folder.is_absolute() else ROOT / folder


def _milestones(value, key: str) -> tuple[Decimal, ...]:
    if not isinstance(value, list) or not value:
        raise UsageError(f"config key '{key}' must be a list of amounts, got '{value}'")
    keys = [f"{key}[{i}]" for i in range(len(value))]
    amounts = [_money(amount, where) for amount, where in zip(value, keys)]
    _ascending(amounts, keys)
    return tuple(amounts)


def key(check: Callable) -> Field:
    """A config key whose YAML value `check(value, dotted path)` turns into its typed value (or a UsageError)."""
    return field(metadata={"check": check})


# The model. Field order is the YAML's order (the "known keys" of an error list them so). A section's
# ASCENDING names the keys whose values must rise in that order.

@dataclass(frozen=True)
class Kafka:
    topic: str = key(name)
    group_id_prefix: str = key(name)
    startup: str = key(_choices(*STARTUP_MODES))
    results_prefix: str = key(name)
    broker_wait: Duration = key(_duration)


@dataclass(frozen=True)
class Thresholds:
    vip: Decimal = key(_money)
    premium: Decimal = key(_money)
    ASCENDING = ("vip", "premium")


@dataclass(frozen=True)
class Frequency:
    occasional: int = key(_count)
    regular: int = key(_count)
    frequent: int = key(_count)
    ASCENDING = ("occasional", "regular", "frequent")


@dataclass(frozen=True)
class Alerts:
    high_value: Decimal = key(_money)
    rapid_window: Duration = key(_duration)


@dataclass(frozen=True)
class Windows:
    size: Duration = key(_duration)


@dataclass(frozen=True)
class Filter:
    categories: tuple[str, ...] = key(_categories)


@dataclass(frozen=True)
class Segments:
    high_value: Decimal = key(_money)
    frequent_orders: int = key(_count)
    focus_min_orders: int = key(_count)
    focus_share: Decimal = key(_share)
    low_avg: Decimal = key(_money)


@dataclass(frozen=True)
class Checkpoint:
    interval: Duration = key(_duration)
    mode: str = key(_choices("exactly-once", "at-least-once"))
    dir: Path = key(_folder)


@dataclass(frozen=True)
class State:
    dedup_window: Duration = key(_duration)
    backend: str = key(_choices("hashmap", "rocksdb"))
    heap: str = key(_memory_size)     # -Xmx of the runner's JVM (the mini-cluster's state lives there)


@dataclass(frozen=True)
class Restart:
    attempts: int = key(_count)
    delay: Duration = key(_duration)


@dataclass(frozen=True)
class Python:
    execution_mode: str = key(_choices("auto", "process", "thread"))
    bundle_size: int = key(_count)
    bundle_time: Duration = key(_duration)
    state_cache_size: int = key(_count)   # accumulators a Python worker keeps between bundles


@dataclass(frozen=True)
class Console:
    status_interval: Duration = key(_duration)  # 0: no status lines
    web_ui_port: int = key(_port)     # the mini-cluster's web UI: this port, or the next free one


@dataclass(frozen=True)
class Views:
    port: int = key(_port)            # the embedded PostgreSQL's (VIEWS_DATABASE_URL: another database)


@dataclass(frozen=True)
class Settings:
    """Every tunable, validated and typed; the values come only from the YAML (and --set)."""
    kafka: Kafka
    thresholds: Thresholds
    frequency: Frequency
    milestones: tuple[Decimal, ...] = key(_milestones)
    alerts: Alerts
    windows: Windows
    filter: Filter
    segments: Segments
    checkpoint: Checkpoint
    restart: Restart
    state: State
    parallelism: int = key(_count)
    cluster: str = key(_address)
    watermark_delay: Duration = key(_duration)
    idle_timeout: Duration = key(_duration)
    buffer_timeout: Duration = key(_duration)
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


def _sections(cls) -> dict[str, type]:
    """The fields of `cls` that are sections of their own (a dataclass, not a `key`), by name."""
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if "check" not in f.metadata and is_dataclass(hints[f.name])}


def known_keys(cls=None) -> dict:
    """The known keys, as the YAML nests them: {key: None for a value | {...} for a section}."""
    cls = cls or Settings
    sections = _sections(cls)
    return {f.name: known_keys(sections[f.name]) if f.name in sections else None for f in fields(cls)}


def _build(cls, raw: dict, prefix: str = ""):
    """`cls` from its raw YAML mapping: each key checked by its field's `key(check)`, sections in turn."""
    sections = _sections(cls)
    values = {f.name: _build(sections[f.name], raw[f.name], f"{prefix}{f.name}.") if f.name in sections
              else f.metadata["check"](raw[f.name], prefix + f.name) for f in fields(cls)}
    rising = getattr(cls, "ASCENDING", ())
    _ascending([values[k] for k in rising], [prefix + k for k in rising])
    return cls(**values)


def validate(raw: dict) -> Settings:
    """Typed, checked settings from the merged raw config."""
    return _build(Settings, raw)


def _missing(data: dict, known: dict, source: Path, prefix: str = "") -> None:
    """The default file gives every key its value: a key it lacks is named, not a KeyError."""
    for name_, below in known.items():
        if name_ not in data:
            raise UsageError(f"config key '{prefix}{name_}' is missing in {source}: give it a value there")
        if below is not None:
            _missing(data[name_], below, source, f"{prefix}{name_}.")


def load(path: Path | None = None, overrides: list[str] = ()) -> Settings:
    """Read the config at `path` (default config/lesson3.yaml), apply `--set` overrides, validate."""
    known = known_keys()
    defaults = _read_yaml(DEFAULT_CONFIG)
    _check_keys(defaults, known, str(DEFAULT_CONFIG))
    _missing(defaults, known, DEFAULT_CONFIG)
    path = Path(path) if path else DEFAULT_CONFIG
    data = _read_yaml(path) if path != DEFAULT_CONFIG else copy.deepcopy(defaults)
    _check_keys(data, known, str(path))
    merged = copy.deepcopy(defaults)
    for name_, value in data.items():  # a partial file inherits the defaults it leaves out
        if isinstance(value, dict):
            merged[name_].update(value)
        else:
            merged[name_] = value
    for assignment in overrides:
        _apply_override(merged, known, assignment)
    return validate(merged)
