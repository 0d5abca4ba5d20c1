"""The console's staff pages: the conversation list, transcripts, review, CSV export,
the appointment-request queue and insights.

Thin routes over `ChatLog`; every view, export and change is audited (changes by the store,
in the same transaction). Added by `bot.web.staff.app` to a router that requires a signed-in
account.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.localtime import day_start, local_date
from bot.store.errors import InvalidValue
from bot.store.models import REQUEST_STATUSES
from bot.store.repo import ChatLog
from bot.types import REPLY_KINDS
from bot.web.staff.auth import StaffSession, base_path
from bot.web.staff.insights import day_chart, group_similar

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
NOTE_MAX = 2000
MAX_PAGE = 10_000
MAX_ROW_ID = 2**31 - 1  # ids beyond a 32-bit integer cannot exist (and overflow queries)
INSIGHT_DAYS = (7, 30, 90)

# Messages shown after a redirect, chosen by key so nothing from the URL is echoed.
NOTICES = {
    "reviewed": "Marked reviewed.",
    "status": "Request updated.",
}


# --- the conversation filters -------------------------------------------------------------


class ListFilters:
    """The conversation list's query string, parsed leniently (bad dates become an error).

    From/To are the clinic's days (`zone`): local midnight to local midnight.
    """

    def __init__(self, request: Request, zone: tzinfo) -> None:
        q = request.query_params
        self.zone = zone
        self.errors: list[str] = []
        self.start_text = q.get("start", "").strip()
        self.end_text = q.get("end", "").strip()
        self.start = self._date(self.start_text, "From")
        self.end = self._date(self.end_text, "To")
        self.kinds = [k for k in q.getlist("kind") if k in REPLY_KINDS]
        self.thumbs_down = q.get("thumbs_down") == "1"
        self.unreviewed = q.get("unreviewed") == "1"
        self.text = q.get("q", "").strip()[:200]
        self.page = self._page(q.get("page", "1").strip())

    def _page(self, text: str) -> int:
        # Bounded: a huge page number would overflow the database's integer offset.
        if text.isdigit() and 1 <= int(text) <= MAX_PAGE:
            return int(text)
        self.errors.append(f"Page: use a whole number from 1 to {MAX_PAGE:,}.")
        return 1

    def _date(self, text: str, label: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append(f"{label}: use a date like 2025-01-31.")
            return None

    def store_args(self) -> dict[str, Any]:
        """Keyword arguments for ChatLog.list_conversations / export_rows: the local days as
        UTC instants, [start of From, start of the day after To)."""
        return {
            "start": day_start(self.start, self.zone) if self.start else None,
            "end": day_start(self.end + timedelta(days=1), self.zone) if self.end else None,
            "kinds": set(self.kinds) or None,
            "thumbs_down": self.thumbs_down,
            "unreviewed": self.unreviewed,
            "text": self.text or None,
        }

    def query(self, **override: Any) -> str:
        """The query string for these filters (for export and paging links)."""
        pairs: list[tuple[str, str]] = []
        if self.start_text:
            pairs.append(("start", self.start_text))
        if self.end_text:
            pairs.append(("end", self.end_text))
        pairs += [("kind", k) for k in self.kinds]
        if self.thumbs_down:
            pairs.append(("thumbs_down", "1"))
        if self.unreviewed:
            pairs.append(("unreviewed", "1"))
        if self.text:
            pairs.append(("q", self.text))
        pairs += [(k, str(v)) for k, v in override.items()]
        return urlencode(pairs)

    def describe(self) -> str:
        """The filters for the audit trail, without the search text (it may be personal)."""
        parts = [
            f"start={self.start_text}" if self.start_text else "",
            f"end={self.end_text}" if self.end_text else "",
            f"kinds={','.join(self.kinds)}" if self.kinds else "",
            "thumbs_down" if self.thumbs_down else "",
            "unreviewed" if self.unreviewed else "",
            "text_search" if self.text else "",
        ]
        return " ".join(p for p in parts if p) or "all"


def add_routes(
    router: APIRouter,
    chatlog: ChatLog,
    render: Callable[..., HTMLResponse],
    clock: Callable[[], datetime],
    zone: tzinfo,
) -> None:
    """Conversations (list, CSV, transcript, review), requests (queue, status), insights;
    days and times in `zone`, the clinic's time zone."""

    def me(request: Request) -> StaffSession:
        session: StaffSession = request.state.staff
        return session

    @router.get("/conversations", response_class=HTMLResponse, name="conversations")
    def conversations(request: Request) -> Response:
        filters = ListFilters(request, zone)
        rows = []
        if not filters.errors:
            rows = chatlog.list_conversations(
                **filters.store_args(), limit=PAGE_SIZE + 1, offset=(filters.page - 1) * PAGE_SIZE
            )
        chatlog.audit(
            me(request).username,
            "conversations.list",
            "conversation",
            "",
            f"{filters.describe()} page={filters.page} shown={min(len(rows), PAGE_SIZE)}",
        )
        return render(
            request,
            "conversations.html",
            status_code=400 if filters.errors else 200,
            section="conversations",
            filters=filters,
            kinds=REPLY_KINDS,
            rows=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
        )

    @router.get("/conversations.csv", name="conversations_csv")
    def conversations_csv(request: Request) -> Response:
        filters = ListFilters(request, zone)
        if filters.errors:
            raise InvalidValue(" ".join(filters.errors))
        rows = chatlog.export_rows(**filters.store_args(), limit=EXPORT_LIMIT)
        chatlog.audit(
            me(request).username,
            "conversations.export",
            "conversation",
            "",
            f"{filters.describe()} rows={len(rows)}",
        )
        stamp = clock().astimezone(zone).strftime("%Y%m%d-%H%M")
        return Response(
            chatlog.export_csv(rows, zone=zone),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.csv"'},
        )

    @router.get("/conversations/{conv_id}", response_class=HTMLResponse, name="transcript")
    def transcript(request: Request, conv_id: str, done: str = "") -> Response:
        found = chatlog.get_transcript(conv_id[:64])
        if found is None:
            raise StarletteHTTPException(404, "No such conversation (it may have been purged).")
        chatlog.audit(me(request).username, "conversation.view", "conversation", found.id)
        return render(
            request,
            "transcript.html",
            section="conversations",
            t=found,
            notice=NOTICES.get(done, ""),
            back=request.query_params.get("back", ""),
        )

    @router.post("/conversations/{conv_id}/review", name="review")
    async def review(request: Request, conv_id: str) -> Response:
        form = await request.form()
        note = str(form.get("note", ""))[:NOTE_MAX].strip()
        ok = await run_in_threadpool(
            chatlog.mark_reviewed, conv_id[:64], me(request).username, note
        )
        if not ok:
            raise StarletteHTTPException(404, "No such conversation (it may have been purged).")
        target = f"{base_path(request)}/conversations/{conv_id}?done=reviewed"
        return RedirectResponse(target, status_code=303)

    @router.get("/requests", response_class=HTMLResponse, name="requests")
    def requests_queue(request: Request, status: str = "open", done: str = "") -> Response:
        status = status if status in (*REQUEST_STATUSES, "open", "all") else "open"
        if status == "open":
            rows = [r for r in chatlog.list_requests(None, limit=500) if r.status != "closed"]
        else:
            rows = chatlog.list_requests(None if status == "all" else status, limit=500)
        chatlog.audit(
            me(request).username,
            "requests.list",
            "appointment_request",
            "",
            f"status={status} shown={len(rows)}",
        )
        return render(
            request,
            "requests.html",
            section="requests",
            rows=rows,
            status=status,
            statuses=REQUEST_STATUSES,
            notice=NOTICES.get(done, ""),
        )

    @router.post("/requests/{request_id}/status", name="request_status")
    async def request_status(request: Request, request_id: int) -> Response:
        if not 1 <= request_id <= MAX_ROW_ID:
            raise StarletteHTTPException(404, "No such appointment request.")
        form = await request.form()
        status = str(form.get("status", ""))
        if status not in REQUEST_STATUSES:
            raise InvalidValue(f"Choose one of: {', '.join(REQUEST_STATUSES)}.")
        note = str(form.get("note", ""))[:NOTE_MAX].strip()
        ok = await run_in_threadpool(
            chatlog.set_request_status, request_id, status, me(request).username, note
        )
        if not ok:
            raise StarletteHTTPException(404, "No such appointment request.")
        shown = str(form.get("shown", "open"))
        shown = shown if shown in (*REQUEST_STATUSES, "open", "all") else "open"
        target = f"{base_path(request)}/requests?{urlencode({'status': shown, 'done': 'status'})}"
        return RedirectResponse(f"{target}#request-{request_id}", status_code=303)

    @router.get("/insights", response_class=HTMLResponse, name="insights")
    def insights(request: Request, days: int = 30) -> Response:
        days = days if days in INSIGHT_DAYS else 30
        today = local_date(clock(), zone)
        chart = day_chart(chatlog.stats_by_day(days, zone), end=today, days=days)
        top = chatlog.top_questions(limit=15, days=days)
        fallbacks = Counter(" ".join(q.split()) for q in chatlog.fallback_questions(1000, days))
        groups = group_similar(fallbacks.items())[:30]
        chatlog.audit(me(request).username, "insights.view", "", "", f"days={days}")
        return render(
            request,
            "insights.html",
            section="insights",
            days=days,
            day_options=INSIGHT_DAYS,
            chart=chart,
            top=top,
            groups=groups,
            fallback_total=sum(fallbacks.values()),
        )
