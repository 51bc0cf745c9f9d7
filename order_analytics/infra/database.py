"""The views' database: Debian's PostgreSQL 15 as a private cluster under .data/postgres, or the
database VIEWS_DATABASE_URL names (environment or .env).

The embedded cluster listens on 127.0.0.1 only (and a socket inside .data), on the port config
says (views.port). PostgreSQL refuses to run as root, so as root its tools run as the `postgres`
user the Debian package makes, and the cluster's folder belongs to it. Every client (psql, the
JDBC sink) logs in with a password; the embedded one's is a test credential of a local server,
like the broker's SASL user, and is masked in what is printed all the same.
"""
from __future__ import annotations

import csv
import io
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import load_dotenv

from order_analytics.errors import DatabaseUnavailable, UsageError, UserError
from order_analytics.paths import DATA, ROOT

BIN = Path("/usr/lib/postgresql/15/bin")
SETUP = ROOT / "scripts" / "setup-database.sh"
HOME = DATA / "postgres"
CLUSTER, SOCKETS, LOG_FILE = HOME / "data", HOME / "run", HOME / "server.log"
HOST = "127.0.0.1"
NAME = "views"
USER = "lesson3"
PASSWORD = "lesson3-views"     # guards nothing but a local test server
OS_USER = "postgres"           # initdb and pg_ctl refuse to run as root
MASK = "<hidden: run with --reveal-secrets>"
NULL = "\\N"                   # how query() asks psql to print a NULL


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    name: str
    user: str
    password: str
    embedded: bool = True

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.name}"

    @property
    def shown(self) -> str:
        """Where it is, for messages: never with its password."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"

    def client_env(self) -> dict:
        """psql's connection, by environment: the password stays out of its command line (ps)."""
        return {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGDATABASE": self.name,
                "PGUSER": self.user, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"}

    def mask(self, text: str) -> str:
        return text.replace(self.password, MASK) if self.password else text


def from_environment(port: int) -> Database:
    """VIEWS_DATABASE_URL (postgresql://user:pass@host:port/db), else the embedded cluster on `port`.
    A name of its own, so that an application's DATABASE_URL is never written to by accident."""
    load_dotenv(ROOT / ".env", override=False)
    url = os.environ.get("VIEWS_DATABASE_URL", "").strip()
    if not url:
        return Database(HOST, port, NAME, USER, PASSWORD)
    parts = urlsplit(url)
    try:
        named_port = parts.port or 5432
    except ValueError:
        named_port = None
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not named_port \
            or not parts.path.strip("/") or not parts.username:
        raise UsageError("VIEWS_DATABASE_URL must look like postgresql://USER:PASSWORD@HOST:PORT/DATABASE: "
                         "fix it in .env or the environment, or unset it to use the embedded database")
    return Database(parts.hostname, named_port, unquote(parts.path.strip("/")), unquote(parts.username),
                    unquote(parts.password or ""), embedded=False)


def _as_server_user(argv: list) -> list[str]:
    return ["runuser", "-u", OS_USER, "--", *map(str, argv)] if os.geteuid() == 0 else list(map(str, argv))


def _server(*argv, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise UserError(f"{Path(str(argv[0])).name} failed: {(done.stderr or done.stdout).strip()[-300:]} "
                        f"(log: {LOG_FILE})")
    return done


def _install(progress) -> None:
    if (BIN / "initdb").is_file():
        return
    progress("PostgreSQL: installing Debian's server (scripts/setup-database.sh) ...")
    if subprocess.run([str(SETUP)], timeout=900).returncode != 0 or not (BIN / "initdb").is_file():
        raise UserError(f"PostgreSQL 15 could not be installed: run {SETUP} as root and read its output")


def _initialise() -> None:
    """A new cluster: its folder owned by the server's user, a password for the project's role."""
    HOME.mkdir(parents=True, exist_ok=True)
    SOCKETS.mkdir(exist_ok=True)
    password_file = HOME / "initial-password"
    password_file.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        import shutil

        for path in (HOME, SOCKETS, password_file):
            shutil.chown(path, OS_USER, OS_USER)
    try:
        _server(BIN / "initdb", "-D", CLUSTER, "-U", USER, f"--pwfile={password_file}", "-E", "UTF8",
                "--locale=C.UTF-8", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256")
    finally:
        password_file.unlink()


def running() -> bool:
    return (CLUSTER / "PG_VERSION").is_file() and _server(BIN / "pg_ctl", "status", "-D", CLUSTER,
                                                          check=False).returncode == 0


def start(port: int, progress=print) -> str:
    """Install, initialise and start the embedded cluster as needed; its database `views` exists after."""
    database = Database(HOST, port, NAME, USER, PASSWORD)
    _install(progress)
    if not (CLUSTER / "PG_VERSION").is_file():
        progress(f"PostgreSQL: a new cluster in {CLUSTER} ...")
        _initialise()
    if not running():
        options = f"-p {port} -k {SOCKETS} -c listen_addresses={HOST}"
        done = _server(BIN / "pg_ctl", "start", "-D", CLUSTER, "-l", LOG_FILE, "-w", "-t", "60", "-o", options,
                       check=False)
        if done.returncode != 0:
            tail = LOG_FILE.read_text(errors="replace").strip().splitlines()[-1:] if LOG_FILE.exists() else []
            raise DatabaseUnavailable(f"PostgreSQL did not start on {HOST}:{port} ({' '.join(tail) or 'no log'}): "
                                      f"is the port taken? Set another with --set views.port=N (log: {LOG_FILE})")
    exists = query(Database(HOST, port, "postgres", USER, PASSWORD),
                   f"SELECT 1 FROM pg_database WHERE datname = '{NAME}'")
    if not exists:
        psql_run(Database(HOST, port, "postgres", USER, PASSWORD), f'CREATE DATABASE "{NAME}"')
    return f"running on {database.shown}; data in {CLUSTER}; log {LOG_FILE}"


def stop() -> str:
    if not running():
        return "stopped"
    _server(BIN / "pg_ctl", "stop", "-D", CLUSTER, "-m", "fast", "-w")
    return "stopped"


def status(port: int) -> str:
    if running():
        return f"running on {Database(HOST, port, NAME, USER, PASSWORD).shown}; data in {CLUSTER}; log {LOG_FILE}"
    return "stopped" if (CLUSTER / "PG_VERSION").is_file() else f"not set up (`python runner.py db start` makes it)"


def _psql(database: Database, args: list[str], text: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", *args], input=text, capture_output=True,
                              text=True, env=database.client_env(), timeout=120)
    except FileNotFoundError:
        raise UserError(f"psql is missing: run {SETUP}") from None


def check(database: Database) -> None:
    """Fail fast, with the cause and the fix, when the database does not answer or refuses us."""
    done = _psql(database, ["-At", "-c", "SELECT 1"])
    if done.returncode == 0:
        return
    # psql's message spans lines (the address, then the reason): one line here
    cause = " ".join(line.strip() for line in done.stderr.splitlines() if line.strip()) or "no answer"
    cause = database.mask(cause.removeprefix("psql: error: "))
    fix = ("see `python runner.py db status`, or `python runner.py db start`" if database.embedded else
           "check VIEWS_DATABASE_URL (host, port, user, password) and the network, or unset it to use the "
           "embedded database")
    raise DatabaseUnavailable(f"the views' database at {database.shown} did not answer ({cause}): {fix}")


def psql_run(database: Database, script: str) -> None:
    """Run a SQL script; its first error stops it and becomes one line."""
    done = _psql(database, ["-q", "-f", "-"], script)
    if done.returncode != 0:
        raise UserError(f"the views' database refused the script: {database.mask(done.stderr.strip())[-400:]}")


def query(database: Database, sql: str) -> list[dict]:
    """The rows of one query as dicts of text (NULL as None)."""
    done = _psql(database, ["--csv", "-P", f"null={NULL}", "-c", sql])
    if done.returncode != 0:
        raise UserError(f"the views' database refused a query: {database.mask(done.stderr.strip())[-400:]}")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    return [{key: None if value == NULL else value for key, value in row.items()} for row in rows]


def psql_exec(database: Database, args: list[str]) -> None:
    """Become psql on the database, with the user's arguments (interactive, -c, -f ...)."""
    os.execvpe("psql", ["psql", *args], database.client_env())
