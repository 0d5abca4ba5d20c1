"""The chat page's own HTTP protocol (Gradio queue: join, then server-sent events), over httpx.

gradio_client only calls the public endpoints (/ask, /feedback); the appointment form and the
chat steps are private events the browser triggers by `fn_index`. This client speaks the same
protocol as the browser, so fault and adversarial tests reach those handlers through the real
HTTP API. Every call uses a session hash of the caller's choosing: one hash, one visitor.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


class QueueFull(Exception):
    """The bounded queue refused the event (HTTP 503): the server's 'busy' answer."""


class EventFailed(Exception):
    """The event ran but the handler raised, or the stream ended without a result."""


def new_session() -> str:
    return uuid.uuid4().hex[:12]


class GradioQueue:
    """Run the app's Gradio events by name (`api_name` in /config) through the queue."""

    def __init__(
        self, base_url: str, timeout: float = 30.0, config: dict[str, Any] | None = None
    ) -> None:
        """`config`: the app's /config, when the caller already has it (saves a request)."""
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.config: dict[str, Any] = config or self.http.get("/config").raise_for_status().json()
        self._deps = {d.get("api_name"): d for d in self.config["dependencies"]}
        self._elems = {
            c.get("props", {}).get("elem_id"): c["id"] for c in self.config["components"]
        }

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GradioQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def inputs(self, api_name: str) -> list[int]:
        """Component ids of the event's inputs, in order."""
        return list(self._deps[api_name]["inputs"])

    def component_id(self, elem_id: str) -> int:
        return int(self._elems[elem_id])

    def call(self, api_name: str, data: list[Any], session_hash: str) -> list[Any]:
        """Run an event that bypasses the queue (`queue=False`), as the browser does."""
        dep = self._deps[api_name]
        targets = dep.get("targets") or []
        response = self.http.post(
            "/gradio_api/run/predict",
            json={
                "data": data,
                "fn_index": dep["id"],
                "trigger_id": targets[0][0] if targets else None,
                "session_hash": session_hash,
                "event_data": None,
            },
        )
        if response.status_code != 200:
            raise EventFailed(f"{response.status_code}: {response.text[:300]}")
        return list(response.json()["data"])

    def run(self, api_name: str, data: list[Any], session_hash: str | None = None) -> list[Any]:
        """Join the queue with `data` (None for gr.State inputs) and wait for the outputs."""
        dep = self._deps[api_name]
        session_hash = session_hash or new_session()
        targets = dep.get("targets") or []
        trigger = targets[0][0] if targets else None
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": dep["id"],
                "trigger_id": trigger,
                "session_hash": session_hash,
                "event_data": None,
            },
        )
        if joined.status_code == 503:
            raise QueueFull(joined.text)
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        with self.http.stream(
            "GET", "/gradio_api/queue/data", params={"session_hash": session_hash}
        ) as stream:
            stream.raise_for_status()
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") not in (None, event_id):
                    continue
                kind = message.get("msg")
                if kind == "process_completed":
                    output = message.get("output") or {}
                    if not message.get("success", False) or "data" not in output:
                        raise EventFailed(str(output.get("error") or output)[:300])
                    return list(output["data"])
                if kind == "unexpected_error":
                    raise EventFailed(str(message.get("message"))[:300])
        raise EventFailed("the event stream ended without a result")
