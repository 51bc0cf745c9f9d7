from decimal import Decimal

import pytest
import yaml

from order_analytics import settings
from order_analytics.errors import UsageError


def test_defaults_are_the_contract_values():
    config = settings.load()
    assert config.thresholds == settings.Thresholds(vip=Decimal("500.00"), premium=Decimal("1000.00"))
    assert config.frequency == settings.Frequency(occasional=2, regular=6, frequent=11)
    assert config.milestones == tuple(Decimal(m) for m in (1000, 5000, 10000, 50000, 100000))
    assert str(config.checkpoint.interval) == "60s" and config.checkpoint.interval.millis == 60_000
    assert config.kafka.topic == "orders"
    assert config.parallelism == 1


def test_only_the_memory_of_seen_order_ids_expires():
    assert settings.load().state.dedup_window.sql == "INTERVAL '7' DAY"


def test_the_heap_is_a_size_java_takes():
    assert settings.load().state.heap == "2g"
    assert settings.load(overrides=["state.heap=512M"]).state.heap == "512m"


def test_set_overrides_by_dotted_path():
    config = settings.load(overrides=["thresholds.vip=300", "milestones=[200, 400]", "kafka.topic=t"])
    assert config.thresholds.vip == Decimal("300.00")
    assert config.milestones == (Decimal(200), Decimal(400))
    assert config.kafka.topic == "t"


def test_an_edited_copy_may_leave_out_what_it_does_not_change(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("thresholds:\n  vip: 250\n")
    config = settings.load(path)
    assert (config.thresholds.vip, config.thresholds.premium) == (Decimal("250.00"), Decimal("1000.00"))


@pytest.mark.parametrize("override, message", [
    ("thresholds.vipp=3", "unknown config key 'thresholds.vipp'"),
    ("nothing=3", "unknown config key 'nothing'"),
    ("thresholds.vip=lots", "'thresholds.vip' must be a number"),
    ("thresholds.premium=400", "'thresholds.premium' (400.00) must be above 'thresholds.vip' (500.00)"),
    ("frequency.regular=1", "'frequency.regular' (1) must be above 'frequency.occasional' (2)"),
    ("frequency.frequent=2.5", "'frequency.frequent' must be a whole number"),
    ("milestones=[5000, 1000]", "'milestones[1]' (1000.00) must be above 'milestones[0]' (5000.00)"),
    ("checkpoint.interval=soon", "'checkpoint.interval' must be a duration"),
    ("state.backend=disk", "'state.backend' must be one of hashmap, rocksdb"),
    ("state.heap=lots", "'state.heap' must be a size like 512m or 2g"),
    ("parallelism=0", "'parallelism' must be a whole number of at least 1"),
    ("kafka.topic=bad topic'x", "'kafka.topic' must be a name of letters, digits"),
    ("vip", "--set expects KEY=VALUE"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(UsageError, match=None) as error:
        settings.load(overrides=[override])
    assert message in str(error.value)
    assert error.value.exit_code == 2


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("thresholds:\n  vip: 500\n premium: [1000\n")
    with pytest.raises(UsageError) as error:
        settings.load(path)
    assert "line 3" in str(error.value)


def test_unknown_key_in_a_file(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("threshold:\n  vip: 500\n")
    with pytest.raises(UsageError, match="unknown config key 'threshold'"):
        settings.load(path)


def _leaves(tree: dict, prefix: str = "") -> list[str]:
    return [path for key, below in tree.items()
            for path in (_leaves(below, f"{prefix}{key}.") if isinstance(below, dict) else [prefix + key])]


def test_the_default_file_gives_exactly_the_models_keys_in_its_order():
    from order_analytics.paths import DEFAULT_CONFIG

    assert _leaves(yaml.safe_load(DEFAULT_CONFIG.read_text())) == _leaves(settings.known_keys())


def test_a_key_the_default_file_lacks_is_named(tmp_path, monkeypatch):
    from order_analytics.paths import DEFAULT_CONFIG

    short = tmp_path / "short.yaml"
    short.write_text(DEFAULT_CONFIG.read_text().replace("  low_avg: 30", ""))
    monkeypatch.setattr(settings, "DEFAULT_CONFIG", short)
    with pytest.raises(UsageError, match="config key 'segments.low_avg' is missing in"):
        settings.load()
