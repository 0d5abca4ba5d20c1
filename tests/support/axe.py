"""axe-core, vendored from npm (tests/data/axe-core), run inside the page under test.

The WCAG 2.x A/AA rules (2.2 included) plus axe's best practices; a test asserts on the
violations of impact "serious" and "critical", the bar of issue 15.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parents[1] / "data" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


def _source() -> str:
    data = AXE_JS.read_bytes()
    if hashlib.sha256(data).hexdigest() != AXE_SHA256:
        raise RuntimeError(f"{AXE_JS} is not axe-core {AXE_VERSION} as vendored")
    return data.decode("utf-8")


def run_axe(page: Any, *, include: str | None = None) -> list[dict[str, Any]]:
    """All axe violations on `page` (a Playwright Page or Frame), with their nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated over the DevTools protocol, so the page's CSP (no inline script) allows it
        page.evaluate(_source() + "\n;true")
    context = f"{{include: [{include!r}]}}" if include else "document"
    result = page.evaluate(
        f"""async () => {{
            const r = await axe.run({context}, {{runOnly: {{type: 'tag', values: {WCAG_TAGS!r}}},
                                                resultTypes: ['violations']}});
            return r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({{target: n.target.join(' '),
                                          summary: n.failureSummary}}))}}));
        }}"""
    )
    return list(result)


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one readable line each (empty = pass)."""
    return [
        f"{v['impact']} {v['id']} ({v['help']}): "
        + "; ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"][:4])
        for v in violations
        if v["impact"] in BLOCKING
    ]
