"""The console's editor pages: the served index and its pages, re-ingest, the audit trail.

The same operations as `ingest.py` (`bot.ingest.pipeline.plan/publish/rollback`), run in a
worker thread; their reports and errors are shown as they are, with the sentences each
changed page gains and loses. An editor can also upload or edit one page in the browser:
it is staged, previewed as a dry run with that diff, then published (`bot.web.staff.page_drafts`).
Only the editor role reaches these routes (the router they are added to carries that
check). Dry-run, page previews, publish and roll back are audited here; viewing the audit
trail is audited too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.embed import Embedder, EmbeddingModelError
from bot.index import (
    VERSIONS,
    IndexLoadError,
    kept_versions,
    read_current,
    read_manifest,
    read_page_record,
)
from bot.index.manifest import Manifest, PageEntry
from bot.index.publish import IngestError
from bot.ingest import pipeline
from bot.settings import Settings
from bot.store.repo import ChatLog
from bot.web.staff import page_drafts
from bot.web.staff.auth import StaffSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedVersion:
    """What the index directory serves, read from manifests only (no Chroma)."""

    version: str | None
    manifest: Manifest | None
    versions: tuple[str, ...]  # kept versions, newest first
    error: str = ""

    @property
    def pages(self) -> list[tuple[str, PageEntry]]:
        pages = self.manifest.pages if self.manifest else {}
        return sorted(pages.items(), key=lambda item: (item[1].title or item[0]).lower())


def served_version(index_dir: Path) -> ServedVersion:
    """The served version, its manifest and the versions kept for rollback."""
    kept = kept_versions(index_dir)
    try:
        version = read_current(index_dir)
        manifest = read_manifest(index_dir / VERSIONS / version) if version else None
    except IndexLoadError as exc:
        return ServedVersion(None, None, kept, str(exc))
    return ServedVersion(version, manifest, kept)


def add_routes(
    router: APIRouter,
    settings: Settings,
    chatlog: ChatLog,
    index_dir: Path,
    render: Callable[..., HTMLResponse],
    embedder: Embedder | None,
) -> None:
    """GET /editor, /editor/pages/{source} and /audit; POST /editor/plan, /publish, /rollback."""
    ingest_settings = settings.model_copy(update={"index_dir": index_dir})
    # One ingest at a time from this process; the pipeline's file lock covers other processes.
    running = threading.Lock()

    def me(request: Request) -> StaffSession:
        session: StaffSession = request.state.staff
        return session

    drafts_dir = settings.data_dir / page_drafts.DRAFTS

    def served_record(source: str) -> dict[str, Any] | None:
        version = served_version(index_dir).version
        return read_page_record(index_dir, version, source) if version else None

    def page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("report", None)
        context.setdefault("diffs", [])
        context.setdefault("draft", None)
        context.setdefault("error", "")
        context.setdefault("notice", "")
        context.setdefault("action", "")
        return render(
            request,
            "editor.html",
            status_code=status_code,
            section="editor",
            served=served_version(index_dir),
            knowledge_dir=str(settings.knowledge_dir),
            **context,
        )

    def run(action: str, request: Request, work: Callable[[], Any]) -> tuple[Any, str]:
        """Run an ingest operation; (result, "") or (None, the error for the editor)."""
        if not running.acquire(blocking=False):
            return None, "Another re-ingest is running from this console; try again when it ends."
        try:
            return work(), ""
        except (IngestError, EmbeddingModelError) as exc:
            chatlog.audit(me(request).username, f"index.{action}.failed", "index", "", str(exc))
            return None, str(exc)
        finally:
            running.release()

    @router.get("/editor", response_class=HTMLResponse, name="editor")
    def editor(request: Request) -> Response:
        return page(request)

    @router.get("/editor/pages/{source}", response_class=HTMLResponse, name="editor_page")
    def editor_page(request: Request, source: str) -> Response:
        served = served_version(index_dir)
        record = read_page_record(index_dir, served.version, source) if served.version else None
        if record is None:
            raise StarletteHTTPException(404, "That page is not in the served index version.")
        file = settings.knowledge_dir / str(record.get("path", ""))
        try:
            original = file.read_text(encoding="utf-8") if file.is_file() else ""
        except (OSError, UnicodeDecodeError):
            original = ""
        return render(
            request,
            "editor_page.html",
            section="editor",
            record=record,
            served=served,
            original=original,
            filename=file.name,
        )

    @router.post("/editor/plan", response_class=HTMLResponse, name="editor_plan")
    async def dry_run(request: Request) -> Response:
        report, error = await run_in_threadpool(
            run, "plan", request, lambda: pipeline.plan(ingest_settings, embedder)
        )
        diffs: list[page_drafts.PageDiff] = []
        if report is not None:
            chatlog.audit(
                me(request).username,
                "index.plan",
                "index",
                report.previous_version or "",
                "would publish" if report.new_version else "no change",
            )
            diffs = await run_in_threadpool(
                page_drafts.page_diffs, settings.knowledge_dir, report, served_record
            )
        return page(request, report=report, diffs=diffs, error=error, action="plan")

    @router.post("/editor/draft", response_class=HTMLResponse, name="editor_draft")
    async def draft(request: Request) -> Response:
        """Stage an uploaded (or edited) page and show the dry run of publishing it."""
        form = await request.form()
        upload, text = form.get("file"), form.get("text")
        filename = str(form.get("filename") or "")
        data = b""
        if upload is not None and not isinstance(upload, str) and upload.filename:
            filename = upload.filename
            data = await upload.read(settings.max_page_bytes + 1)
        elif isinstance(text, str):
            data = text.replace("\r\n", "\n").encode("utf-8")
        else:
            return page(request, 400, error="Choose a page file to upload.", action="draft")
        username = me(request).username
        try:
            path = await run_in_threadpool(
                page_drafts.stage, drafts_dir, username, filename, data, settings.max_page_bytes
            )
        except page_drafts.DraftError as exc:
            return page(request, 400, error=str(exc), action="draft")

        def preview() -> tuple[Any, list[page_drafts.PageDiff]]:
            with page_drafts.preview_tree(settings.knowledge_dir, path) as tree:
                report = pipeline.plan(ingest_settings.model_copy(update={"knowledge_dir": tree}))
                return report, page_drafts.page_diffs(tree, report, served_record)

        result, error = await run_in_threadpool(run, "draft", request, preview)
        report, diffs = result if result is not None else (None, [])
        chatlog.audit(username, "index.draft", "page", path.name, "previewed")
        return page(
            request, report=report, diffs=diffs, draft=path.name, error=error, action="draft"
        )

    @router.post("/editor/draft/publish", response_class=HTMLResponse, name="editor_draft_publish")
    async def publish_draft(request: Request) -> Response:
        """Put the staged page into the knowledge directory and publish, as ingest.py does;
        a publish stopped by a bad page leaves the knowledge directory as it was."""
        username = me(request).username
        path = page_drafts.current_draft(drafts_dir, username)
        if path is None:
            return page(request, 400, error="There is no staged page to publish.", action="draft")

        def work() -> Any:
            undo = page_drafts.install(settings.knowledge_dir, path)
            try:
                report = pipeline.publish(ingest_settings, embedder, progress=False)
            except BaseException:
                undo()
                raise
            if report.stopped:
                undo()
            return report

        report, error = await run_in_threadpool(run, "publish", request, work)
        if report is not None:
            chatlog.audit(
                username, "index.publish", "index", report.version or "", f"page {path.name}"
            )
            if not report.stopped:
                page_drafts.discard(drafts_dir, username)
            log.info("staff console: page %s published -> %s", path.name, report.version)
        return page(request, report=report, error=error, action="publish")

    @router.post("/editor/publish", response_class=HTMLResponse, name="editor_publish")
    async def publish(request: Request) -> Response:
        report, error = await run_in_threadpool(
            run,
            "publish",
            request,
            lambda: pipeline.publish(ingest_settings, embedder, progress=False),
        )
        if report is not None:
            detail = f"from {report.previous_version or 'nothing'}"
            if report.stopped:
                detail += f"; stopped by {len(report.bad_files)} bad file(s)"
            chatlog.audit(
                me(request).username, "index.publish", "index", report.version or "", detail
            )
            log.info("staff console: publish -> %s", report.version)
        return page(request, report=report, error=error, action="publish")

    @router.post("/editor/rollback", response_class=HTMLResponse, name="editor_rollback")
    async def rollback(request: Request) -> Response:
        before = served_version(index_dir).version
        version, error = await run_in_threadpool(
            run, "rollback", request, lambda: pipeline.rollback(ingest_settings)
        )
        notice = ""
        if version is not None:
            chatlog.audit(
                me(request).username, "index.rollback", "index", version, f"from {before}"
            )
            notice = f"Rolled back: now serving {version} (was {before})."
        return page(request, error=error, notice=notice, action="rollback")

    @router.get("/audit", response_class=HTMLResponse, name="audit")
    def audit_trail(request: Request, user: str = "") -> Response:
        rows = chatlog.list_audit(300, username=user.strip().lower() or None)
        chatlog.audit(me(request).username, "audit.view", "", "", f"user={user[:64]}")
        return render(request, "audit.html", section="audit", rows=rows, user=user)
