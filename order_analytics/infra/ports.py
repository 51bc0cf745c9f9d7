"""Whether a port is free here: the one probe that the broker, the cluster, the mini-cluster's web
UI and the dashboard all ask before they listen."""
from __future__ import annotations

import socket


def bind_error(port: int, host: str = "127.0.0.1") -> OSError | None:
    """Why nothing could listen on host:port now, or None when it could (socket.gaierror: no such host).
    A bind, not a connection: it also finds a port taken by a program that does not accept."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return error
    return None


def free(port: int, host: str = "127.0.0.1") -> bool:
    return bind_error(port, host) is None
