"""Flink's REST API (the web UI's own): the mini-cluster's port, and what a running job has done.

The mini-cluster inside the runner serves the web UI and the REST API once `rest.*` is set in its
configuration (flink-dist in PyFlink's lib carries the UI; no extra jar). It binds to localhost
only, on the first free port of a range from `console.web_ui_port`, so it never clashes with the
local cluster on 8081 or another runner (the first port of the range was free a moment before:
that is the one it binds).
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

from order_analytics.infra import ports

HOST = "localhost"
PORT_RANGE = 30  # ports tried from the configured one on


def first_free_port(port: int) -> int:
    return next((p for p in range(port, port + PORT_RANGE) if ports.free(p)), port)


def mini_cluster_settings(first: int, last: int, metrics_interval_ms: int = 2000) -> dict[str, str]:
    """The mini-cluster's options for a web UI on localhost, on the first free port of first..last."""
    return {"rest.bind-address": HOST, "rest.address": HOST, "rest.bind-port": f"{first}-{last}",
            # the REST API's metrics are at most this old (Flink's default, 10 s, is coarse for a status line)
            "metrics.fetcher.update-interval": str(metrics_interval_ms)}


def get(address: str, path: str, timeout_s: float = 3.0):
    """The JSON of GET http://address/path; raises OSError or ValueError when it does not answer."""
    with urllib.request.urlopen(f"http://{address}{path}", timeout=timeout_s) as response:
        return json.load(response)


def cancel(address: str, job_id: str, timeout_s: float = 5.0) -> None:
    """Ask the cluster at `address` to cancel a job (PATCH /jobs/ID?mode=cancel); it ends soon after."""
    request = urllib.request.Request(f"http://{address}/jobs/{job_id}?mode=cancel", method="PATCH")
    urllib.request.urlopen(request, timeout=timeout_s).close()


def job_page(address: str, job_id: str) -> str:
    return f"http://{address}/#/job/running/{job_id}/overview"


class JobMetrics:
    """What one running job has done, read from the REST API: the source's records, the records it
    has still to read (Kafka's pendingRecords), the last completed checkpoint."""

    def __init__(self, address: str, job_id: str):
        self.address, self.job_id = address, job_id
        self._pending_names: dict[str, str] = {}

    def sources(self) -> list[dict]:
        details = get(self.address, f"/jobs/{self.job_id}")
        return [vertex for vertex in details.get("vertices", []) if vertex["name"].startswith("Source:")]

    def pending_records(self, vertex_id: str) -> int | None:
        base = f"/jobs/{self.job_id}/vertices/{vertex_id}/subtasks/metrics"
        if vertex_id not in self._pending_names:
            names = [metric["id"] for metric in get(self.address, base)]
            found = next((name for name in names if name.endswith(".pendingRecords")), None)
            if found is None:
                return None
            self._pending_names[vertex_id] = found
        query = urllib.parse.urlencode({"get": self._pending_names[vertex_id], "agg": "sum"})
        values = get(self.address, f"{base}?{query}")
        return int(float(values[0]["sum"])) if values and "sum" in values[0] else None

    def checkpoint(self) -> dict | None:
        """The last completed checkpoint: {'id', 'at' (epoch s), 'size' (bytes)}, or None."""
        latest = (get(self.address, f"/jobs/{self.job_id}/checkpoints").get("latest") or {}).get("completed")
        if not latest:
            return None
        return {"id": latest["id"], "at": latest["latest_ack_timestamp"] / 1000,
                "size": latest.get("checkpointed_size") or latest.get("state_size") or 0}
