"""Editors change a page in the browser: upload or edit, see the sentence diff, publish.

The path is the command line's: the same loader checks the page, the preview is a dry run
of `pipeline.plan`, and publishing runs `pipeline.publish` (validation, atomic switch).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from bot.index import PAGES, VERSIONS, read_current
from bot.store.repo import ChatLog
from bot.web.staff.page_drafts import DraftError, check_name, sentence_diff
from tests.support.accounts import sign_in
from tests.support.browser import chromium
from tests.support.servers import serve

from .support import Console, Seeded

NEW_INSURANCE = (
    "---\ntitle: Insurance and payment\n---\n\n# Insurance and payment\n\n"
    "We accept Medicare and most major insurance plans. "
    "We also accept Medicaid for infusion visits.\n"
)


def served_text(index_dir: Path, source: str) -> str:
    version = read_current(index_dir)
    for line in (index_dir / VERSIONS / str(version) / PAGES).read_text().splitlines():
        record = json.loads(line)
        if record["source"] == source:
            return str(record["text"])
    raise AssertionError(f"{source} not served")


def test_the_sentence_diff_lists_added_and_removed_sentences_in_page_order() -> None:
    old = "We open at 8am. We close at 6pm. Parking is free."
    new = "We open at 8am. We close at 7pm. Parking is free. Bikes are welcome."
    assert sentence_diff(old, new) == (
        ("We close at 7pm.", "Bikes are welcome."),
        ("We close at 6pm.",),
    )
    assert sentence_diff(old, old) == ((), ())


@pytest.mark.parametrize("name", ["notes.pdf", "README.md", ".hidden.md", "", "a b.md"])
def test_a_file_name_the_ingest_would_not_take_is_refused(name: str) -> None:
    with pytest.raises(DraftError):
        check_name(name)


def test_an_uploaded_name_never_leaves_the_knowledge_folder() -> None:
    assert check_name("../../etc/passwd.md") == "passwd.md"
    assert check_name("C:\\pages\\hours.md") == "hours.md"


def test_an_upload_is_previewed_as_a_sentence_diff_then_published(
    editor: Console, seeded: Seeded, index_dir: Path, knowledge: Path, chatlog: ChatLog
) -> None:
    editor.post("/editor/publish")
    first = read_current(index_dir)
    before = (knowledge / "insurance.md").read_bytes()

    preview = editor.client.post(
        "/staff/editor/draft",
        data={"csrf": editor.csrf},
        files={"file": ("insurance.md", NEW_INSURANCE.encode(), "text/markdown")},
    ).text

    assert "Preview: publishing" in preview and "Publish this page" in preview
    assert '<li class="added"><span class="sr-only">Added: </span><ins>We also accept Medicaid' in (
        preview
    )
    assert '<li class="removed"><span class="sr-only">Removed: </span><del>Call us to check' in (
        preview
    )
    assert read_current(index_dir) == first  # a preview publishes nothing
    assert (knowledge / "insurance.md").read_bytes() == before  # nor touches the pages

    done = editor.post("/editor/draft/publish").text

    second = read_current(index_dir)
    assert second not in (None, first)
    assert f'Published <span class="mono">{second}</span>' in done
    assert (knowledge / "insurance.md").read_text() == NEW_INSURANCE
    assert "Medicaid for infusion visits" in served_text(index_dir, "insurance")
    actions = [e.action for e in chatlog.list_audit(3, username="eddie")]
    assert actions[:2] == ["index.publish", "index.draft"]
    # the draft is gone once published
    assert "There is no staged page" in editor.post("/editor/draft/publish").text


def test_a_bad_upload_is_refused_and_nothing_changes(
    editor: Console, seeded: Seeded, index_dir: Path, knowledge: Path
) -> None:
    editor.post("/editor/publish")
    first = read_current(index_dir)

    response = editor.client.post(
        "/staff/editor/draft",
        data={"csrf": editor.csrf},
        files={"file": ("fees.md", b"---\ntitle: Fees\n---\n\nCaf\xe9 prices\n", "text/markdown")},
    )

    assert response.status_code == 400
    assert "page preview did not complete" in response.text
    assert not (knowledge / "fees.md").exists()
    assert read_current(index_dir) == first


def test_the_staff_role_cannot_stage_a_page(staff: Console, seeded: Seeded) -> None:
    response = staff.client.post(
        "/staff/editor/draft",
        data={"csrf": staff.csrf},
        files={"file": ("insurance.md", NEW_INSURANCE.encode(), "text/markdown")},
    )
    assert response.status_code == 403


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_editor_edits_a_page_sees_the_diff_and_publishes_in_the_browser(
    browser: Any, site: FastAPI, seeded: Seeded, index_dir: Path, knowledge: Path, editor: Console
) -> None:
    editor.post("/editor/publish")  # something is served
    first = read_current(index_dir)
    with serve(site) as base:
        page = browser.new_page()
        page.on("dialog", lambda d: d.accept())
        page.goto(f"{base}/staff/login")
        sign_in(page, "eddie")
        page.wait_for_url("**/staff/conversations")

        # edit the page in the browser
        page.goto(f"{base}/staff/editor")
        page.get_by_role("link", name="Opening hours").click()
        source = page.locator("#page-source")
        text = source.input_value().replace("8am to 6pm", "8am to 7pm")
        source.fill(text + "\nSaturday clinics run once a month.\n")
        page.get_by_role("button", name="Preview the change").click()

        diff = page.locator(".sentence-diff")
        assert (
            "We are open Monday to Friday, 8am to 7pm."
            in diff.locator(".added").all_inner_texts()[0]
        )
        assert "8am to 6pm" in diff.locator(".removed").inner_text()
        assert any("Saturday clinics" in t for t in diff.locator(".added").all_inner_texts())
        assert read_current(index_dir) == first

        page.get_by_role("button", name="Publish this page").click()
        page.wait_for_selector("text=Published")
        assert read_current(index_dir) != first
        assert "8am to 7pm" in served_text(index_dir, "hours")

        # upload a changed page file
        page.goto(f"{base}/staff/editor")
        page.set_input_files(
            "#page-file",
            files=[
                {
                    "name": "insurance.md",
                    "mimeType": "text/markdown",
                    "buffer": NEW_INSURANCE.encode(),
                }
            ],
        )
        page.get_by_role("button", name="Preview the change").click()
        assert "We also accept Medicaid" in page.locator(".sentence-diff .added").inner_text()
        page.get_by_role("button", name="Publish this page").click()
        page.wait_for_selector("text=Published")
        assert "Medicaid for infusion visits" in served_text(index_dir, "insurance")
