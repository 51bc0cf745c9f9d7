"""Flink's own SQL client (the sql-client.sh that PyFlink ships), with the project's jars and UDFs.

PyFlink's package has the client jar but not the SQL gateway jar the client needs (without it:
NoClassDefFoundError .../gateway/service/context/DefaultContext). sql-client.sh looks for both
in FLINK_OPT_DIR, so we point that at a folder of links: PyFlink's opt jars plus the gateway jar
Maven fetched. Nothing in the virtualenv is changed.
"""
from __future__ import annotations

import os
from pathlib import Path

from order_analytics.errors import UserError
from order_analytics.paths import DATA, FLINK_DATA, FLINK_JARS, connector_jar, jdbc_jars, python_worker_env

OPT_DIR = FLINK_DATA / "opt"
LOG_DIR = DATA / "logs"


def pyflink_home() -> Path:
    import pyflink

    return Path(pyflink.__file__).parent


def _link_opt_jars() -> None:
    gateway = sorted(FLINK_JARS.glob("flink-sql-gateway-*.jar"))
    if not gateway:
        raise UserError(f"the flink-sql-gateway jar is missing in {FLINK_JARS}: run `make setup`")
    OPT_DIR.mkdir(parents=True, exist_ok=True)
    for jar in [*(pyflink_home() / "opt").glob("*.jar"), *gateway]:
        link = OPT_DIR / jar.name
        if not link.exists():
            link.symlink_to(jar)


def command(file: str | None = None) -> tuple[list[str], dict]:
    """The sql-client.sh command line (embedded mode) and its environment."""
    _link_opt_jars()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    home = pyflink_home()
    # the Kafka connector, and the JDBC connector with PostgreSQL's driver for --sink postgres scripts
    jars = [connector_jar(), *jdbc_jars()]
    argv = ["bash", str(home / "bin" / "sql-client.sh"), "embedded",
            *(word for jar in jars for word in ("--jar", jar.removeprefix("file://")))]
    if file:
        if not Path(file).is_file():
            raise UserError(f"SQL file {file} not found")
        argv += ["-f", str(Path(file).resolve())]
    env = {**os.environ, **python_worker_env(), "FLINK_HOME": str(home), "FLINK_OPT_DIR": str(OPT_DIR), "FLINK_LOG_DIR": str(LOG_DIR)}
    return argv, env


def run(file: str | None = None) -> int:
    """Run the client in the foreground: interactive without a file, the script's statements with one."""
    argv, env = command(file)
    os.execvpe(argv[0], argv, env)
