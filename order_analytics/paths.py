"""Where the project keeps things. Everything generated lives in ignored folders beside the code."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"                  # jars fetched by `make setup` (mvn dependency:copy-dependencies)
FLINK_JARS = LIB / "flink"
KAFKA_JARS = LIB / "kafka"
DATA = ROOT / ".data"               # broker data, checkpoints, logs
FLINK_DATA = DATA / "flink"         # the local cluster and its warm client: conf, lib, logs, pids
SQL = ROOT / "sql"                  # the source, the order check, sinks and rule variants
STEPS = SQL / "steps"               # the steps analyses share, each named by the `needs:` of those that read it
# one folder per analysis (order_analytics/analyses.py); ANALYSES_DIR names another such folder (a test's copy)
ANALYSES = Path(os.environ.get("ANALYSES_DIR") or ROOT / "analyses")
UDFS = ROOT / "udfs"
DEFAULT_CONFIG = ROOT / "config" / "lesson3.yaml"


def connector_jar() -> str:
    """The Kafka SQL connector jar as a file:// URL (pipeline.jars), named even when it is missing."""
    jars = sorted(FLINK_JARS.glob("flink-sql-connector-kafka-*.jar"))
    return jars[0].as_uri() if jars else (FLINK_JARS / "flink-sql-connector-kafka.jar").as_uri()


def jdbc_jars() -> list[str]:
    """The JDBC connector and PostgreSQL's driver (--sink postgres) as file:// URLs."""
    names = ("flink-connector-jdbc-core-*.jar", "flink-connector-jdbc-postgres-*.jar", "postgresql-*.jar")
    return [jar.as_uri() for name in names for jar in sorted(FLINK_JARS.glob(name))[:1]]


def python_worker_env() -> dict:
    """Environment for the JVMs that run Python functions. In thread mode they run in an interpreter
    embedded in the JVM, which does not see the .venv unless its site-packages are on PYTHONPATH."""
    import sysconfig

    paths = [sysconfig.get_paths()["purelib"], os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(path for path in paths if path)}
