"""The HTTP surface, as an allow-list: the routes the chat page and the staff console use.

Gradio mounts many more routes than the page needs (deep links that store a visitor's
inputs in a world-readable file, file and proxy routes, uploads, monitoring, run history,
login stubs, vibe editing...). Everything not listed here answers 404 before it reaches
any app (`bot.web.security.SecurityHeaders`), and `tests/web/test_routes.py` enumerates every
mounted route and fails on one that is neither listed nor answering 404. A new route must
be added here, on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# (methods, path template). {name} is one path segment, {name:path} the rest of the path.
# Gradio's own routes are listed only where the page or gradio_client calls them.
ALLOWED: tuple[tuple[str, str], ...] = (
    # --- ours: health, embed script, assets, page views ---
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/widget.js"),
    ("GET", "/clinic-static/{name}"),
    ("GET", "/knowledge/{source}"),
    # --- the Gradio chat page and its client ---
    ("GET HEAD", "/"),
    ("GET", "/config"),
    ("GET", "/theme.css"),
    ("GET", "/gradio_api/theme.css"),
    ("GET", "/favicon.ico"),
    ("GET", "/robots.txt"),
    ("GET", "/assets/{path:path}"),
    ("GET", "/static/{path:path}"),
    ("GET", "/svelte/{path:path}"),
    ("GET", "/gradio_api/info"),
    ("GET", "/gradio_api/startup-events"),
    ("GET", "/gradio_api/heartbeat/{session_hash}"),
    ("POST", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/data"),
    ("POST", "/gradio_api/run/{api_name}"),
    ("POST", "/gradio_api/cancel"),
    # --- the staff console (bot.web.staff.app), every route behind its sign-in ---
    ("GET POST", "/staff/login"),
    ("POST", "/staff/logout"),
    ("GET", "/staff/static/{name}"),
    ("GET", "/staff/"),
    ("GET", "/staff/conversations"),
    ("GET", "/staff/conversations.csv"),
    ("GET", "/staff/conversations/{conv_id}"),
    ("POST", "/staff/conversations/{conv_id}/review"),
    ("GET", "/staff/requests"),
    ("POST", "/staff/requests/{request_id}/status"),
    ("GET", "/staff/insights"),
    ("GET", "/staff/about"),
    ("GET", "/staff/editor"),
    ("GET", "/staff/editor/pages/{source}"),
    ("POST", "/staff/editor/plan"),
    ("POST", "/staff/editor/draft"),
    ("POST", "/staff/editor/draft/publish"),
    ("POST", "/staff/editor/draft"),
    ("POST", "/staff/editor/draft/publish"),
    ("POST", "/staff/editor/publish"),
    ("POST", "/staff/editor/rollback"),
    ("GET", "/staff/audit"),
)

_PARAM = re.compile(r"\{(\w+)(:path)?\}")


def template_regex(template: str) -> re.Pattern[str]:
    """`template` as a full-match regex: {x} = one segment, {x:path} = anything after."""
    parts, last = [], 0
    for m in _PARAM.finditer(template):
        parts.append(re.escape(template[last : m.start()]))
        parts.append(".*" if m.group(2) else "[^/]+")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    template: str
    regex: re.Pattern[str]


def compile_rules(allowed: Iterable[tuple[str, str]] = ALLOWED) -> tuple[Rule, ...]:
    rules = []
    for methods, template in allowed:
        names = set(methods.split())
        if "GET" in names:
            names.add("HEAD")  # a GET route answers HEAD too
        rules.append(Rule(frozenset(names), template, template_regex(template)))
    return tuple(rules)


RULES = compile_rules()


def is_allowed(method: str, path: str, rules: tuple[Rule, ...] = RULES) -> bool:
    """Whether `method path` is part of the app's public surface."""
    if method == "OPTIONS":  # a CORS preflight (bot.web.guard answers it) for any listed route
        return any(r.regex.fullmatch(path) for r in rules)
    return any(method in r.methods and r.regex.fullmatch(path) for r in rules)


def mounted_routes(app: Any, prefix: str = "") -> Iterator[tuple[frozenset[str], str]]:
    """Every (methods, path template) an ASGI app built of Starlette/FastAPI routers serves,
    through mounts and included routers; websocket routes come as methods {"WEBSOCKET"}."""
    from starlette.routing import Mount

    for route in getattr(app, "routes", []):
        if type(route).__name__ == "_IncludedRouter":  # FastAPI >= 0.16x include_router
            yield from mounted_routes(route.original_router, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            inner = route.app
            while not hasattr(inner, "routes") and hasattr(inner, "app"):
                inner = inner.app  # through middleware to the router
            yield from mounted_routes(inner, prefix + route.path)
        else:
            methods = getattr(route, "methods", None) or {"WEBSOCKET"}
            yield frozenset(methods), prefix + route.path
