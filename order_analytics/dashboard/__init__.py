"""`python runner.py dashboard`: a live web page of the `--sink kafka` result topics.

    state.py     the Board: topic records folded into the page's state (pure, unit-tested)
    follower.py  reads the result topics from their beginning, then follows them; the jobs' lag
    app.py       the Starlette app: the page, its static files, snapshots as server-sent events
    views.py     one customer and the views' freshness, read from PostgreSQL (--sink postgres)
    static/      the page: plain HTML, CSS and JavaScript (no CDN, works offline)
"""
from __future__ import annotations

import socket
import sys

from order_analytics.errors import UsageError, UserError
from order_analytics.infra import broker, ports

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8050


def _check_port(host: str, port: int) -> None:
    """A clear usage error instead of uvicorn's exit when the port is taken or the host unknown."""
    try:
        error = ports.bind_error(port, host)
    except socket.gaierror as unknown:
        raise UsageError(f"--host {host}: unknown host ({unknown.strerror})")
    if error:
        raise UsageError(f"cannot listen on {host}:{port} ({error.strerror}): is another dashboard "
                         "running? choose another port with --port N")


def serve(config: str | None, overrides: list[str], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Serve the dashboard until Ctrl-C."""
    import uvicorn

    from order_analytics import settings as settings_module
    from order_analytics.connection import from_environment
    from order_analytics.dashboard.app import create_app
    from order_analytics.dashboard.follower import Follower
    from order_analytics.dashboard.state import Board, sources

    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: choose a port from 1 to 65535")
    settings = settings_module.load(config, overrides)
    topic = settings.kafka.topic
    connection = from_environment()
    _check_port(host, port)
    if connection.embedded:  # like every command: the embedded broker is started on demand
        say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
        try:
            say(f"Kafka: {broker.start(say)}")
        except UserError as error:  # the page says so, and follows once Kafka answers
            say(f"Kafka: {error}")
    found = sources(settings, topic)
    hint = [f"python runner.py kafka start",
            f"python -m producer --rate 20 --timestamps now --topic {topic}",
            f"python runner.py all --sink kafka --topic {topic}"]
    board = Board(found, topic, hint=hint)
    follower = Follower(connection, board, [s.topic for s in found], topic, settings.kafka.group_id_prefix)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    print(f"Dashboard: http://{shown}:{port}/ (topic '{topic}': {len(found)} result topics "
          f"'{settings.kafka.results_prefix}.{topic}.*', Kafka at {connection.bootstrap}); Ctrl-C stops it",
          file=sys.stderr, flush=True)
    from order_analytics.dashboard.views import Views
    from order_analytics.infra import database

    found_views = Views(database.from_environment(settings.views.port), topic)
    follower.start()
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(board, found_views), host=host, port=port, log_level="warning",
                                               access_log=False, timeout_graceful_shutdown=1,
                                               lifespan="off"))
        server.run()
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then hands the signal on: the normal way to stop
        pass
    finally:
        follower.stop()
    print("Dashboard: stopped", file=sys.stderr, flush=True)
    return 0
