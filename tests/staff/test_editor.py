"""Editors re-ingest from the console: dry run with its diff, publish, roll back, bad pages."""

from __future__ import annotations

import re
from pathlib import Path

from bot.index import read_current
from bot.store.repo import ChatLog

from .support import Console, Seeded, write_page


def test_a_dry_run_reports_the_diff_and_writes_nothing(
    editor: Console, seeded: Seeded, index_dir: Path, chatlog: ChatLog
) -> None:
    assert "Nothing is published yet." in editor.get("/editor").text
    page = editor.post("/editor/plan").text
    assert "Dry run report" in page
    assert "A publish would create a new version" in page
    added = re.search(r'<tr class="diff-added">.*?</tr>', page, re.S)
    assert added and "hours, insurance" in added.group(0) and ">2<" in added.group(0)
    assert "Publish these changes" in page
    assert read_current(index_dir) is None
    event = chatlog.list_audit(1, username="eddie")[0]
    assert (event.action, event.detail) == ("index.plan", "would publish")


def test_the_staff_role_cannot_run_a_dry_run(
    staff: Console, seeded: Seeded, index_dir: Path
) -> None:
    response = staff.post("/editor/plan")
    assert response.status_code == 403
    assert "Dry run report" not in response.text
    assert staff.get("/editor").status_code == 403


def test_publish_then_change_a_page_then_roll_back(
    editor: Console, seeded: Seeded, index_dir: Path, knowledge: Path, chatlog: ChatLog
) -> None:
    page = editor.post("/editor/publish").text
    first = read_current(index_dir)
    assert first is not None
    assert f'Published <span class="mono">{first}</span>' in page
    overview = editor.get("/editor").text
    assert first in overview and "Insurance and payment" in overview and "Opening hours" in overview

    write_page(
        knowledge,
        "insurance.md",
        "Insurance and payment",
        "We accept Medicare, Medicaid and most major insurance plans.",
    )
    plan = editor.post("/editor/plan").text
    changed = re.search(r'<tr class="diff-changed">.*?</tr>', plan, re.S)
    assert changed and "insurance" in changed.group(0)
    assert read_current(index_dir) == first

    editor.post("/editor/publish")
    second = read_current(index_dir)
    assert second not in (None, first)
    assert f"Roll back to {first}" in editor.get("/editor").text

    done = editor.post("/editor/rollback").text
    assert f"now serving {first} (was {second})" in done
    assert read_current(index_dir) == first
    actions = [e.action for e in chatlog.list_audit(10, username="eddie")]
    assert actions[:5] == [
        "index.rollback",
        "index.publish",
        "index.plan",
        "index.publish",
        "login",
    ]


def test_a_bad_page_blocks_publishing_and_says_why(
    editor: Console, seeded: Seeded, index_dir: Path, knowledge: Path
) -> None:
    (knowledge / "fees.md").write_bytes(b"---\ntitle: Fees\n---\n\nCaf\xe9 prices\n")
    (knowledge / "brochure.pdf").write_bytes(b"%PDF-1.4")
    plan = editor.post("/editor/plan").text
    assert "2 page files could not be used" in plan
    assert "not UTF-8 text (bad byte 0xe9 on line 5); save as UTF-8" in plan
    assert "unsupported file type (&#39;.pdf&#39;)" in plan
    assert "Publish these changes" not in plan
    publish = editor.post("/editor/publish").text
    assert "nothing was published" in publish
    assert read_current(index_dir) is None


def test_a_broken_knowledge_directory_is_a_clear_error(
    editor: Console, seeded: Seeded, knowledge: Path, chatlog: ChatLog
) -> None:
    for path in knowledge.iterdir():
        path.unlink()
    knowledge.rmdir()
    page = editor.post("/editor/plan").text
    assert "The dry run did not complete." in page
    assert "does not exist" in page
    assert chatlog.list_audit(1, username="eddie")[0].action == "index.plan.failed"


def test_rolling_back_with_nothing_to_roll_back_to_says_so(editor: Console, seeded: Seeded) -> None:
    page = editor.post("/editor/rollback").text
    assert "The roll back did not complete." in page
    assert "nothing to roll back" in page


def test_page_text_and_titles_render_as_text(
    editor: Console, seeded: Seeded, knowledge: Path
) -> None:
    write_page(
        knowledge,
        "fees.md",
        '"Fees <img src=x onerror=alert(1)>"',
        "Our fees <script>alert(1)</script> are listed here. Call us for a quote.",
        url="javascript:alert(1)",
    )
    editor.post("/editor/publish")
    overview = editor.get("/editor").text
    assert "<img src=x" not in overview
    assert "Fees &lt;img src=x onerror=alert(1)&gt;" in overview
    page = editor.get("/editor/pages/fees")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert 'href="javascript:' not in page.text
    assert "Call us for a quote." in page.text
    assert editor.get("/editor/pages/no-such-page").status_code == 404
