"""Where the project keeps things. Everything generated lives in ignored folders beside the code."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"                  # jars fetched by `make setup` (mvn dependency:copy-dependencies)
FLINK_JARS = LIB / "flink"
KAFKA_JARS = LIB / "kafka"
DATA = ROOT / ".data"               # broker data, checkpoints, logs
SQL = ROOT / "sql"
UDFS = ROOT / "udfs"
DEFAULT_CONFIG = ROOT / "config" / "lesson3.yaml"
