"""Chunking: verbatim spans that follow the page's structure, with stable ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest.chunk import MAX_CHARS, MERGE_CHARS, chunk_id, chunk_page
from bot.ingest.clean import CHROME_LINES, Block, build_page
from bot.ingest.load import PageFile, load_page
from bot.types import Chunk, Page
from tests.ingest.helpers import SHARED_TXT, SHIPPED_PAGE


def shipped_page() -> Page:
    return load_page(PageFile(SHIPPED_PAGE.stem, SHIPPED_PAGE, SHIPPED_PAGE.name), 5_000_000)


def make_page(*blocks: tuple[str, str], source: str = "p") -> Page:
    return build_page(
        source=source,
        path=f"{source}.md",
        title="T",
        url=None,
        updated=None,
        blocks=[Block("heading" if kind == "h" else "paragraph", text) for kind, text in blocks],
    )


def assert_well_formed(page: Page, chunks: list[Chunk]) -> None:
    heading_spans = [(s, e) for s, e, _ in page.headings]
    for c in chunks:
        assert c.text == page.text[c.start : c.end]
        assert c.text == c.text.strip() and c.text
        assert len(c.text) <= MAX_CHARS
        for s, e in heading_spans:
            assert c.end <= s or c.start >= e, "a chunk overlaps a heading"
        before = [h for h in page.headings if h[1] <= c.start]
        assert c.section == (before[-1][2] if before else "")
        assert not any(h[0] >= c.start and h[1] <= c.end for h in page.headings)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_shipped_page_chunks_are_verbatim_spans_without_chrome() -> None:
    page = shipped_page()
    chunks = chunk_page(page)
    assert len(chunks) > 5
    assert_well_formed(page, chunks)
    chrome = [line.casefold() for line in CHROME_LINES]
    captions = ["ketamine for headaches including migraines", "free bird enjoying nature"]
    for c in chunks:
        for line in c.text.split("\n"):
            assert line.strip().casefold() not in chrome
        for caption in captions:
            assert caption not in c.text.casefold()
        assert "Share Post" not in c.text and "Request An Appointment" not in c.text
        assert "![" not in c.text and not c.text.startswith("#")


@pytest.mark.skipif(not SHARED_TXT.exists(), reason="shared/ is not beside the repository")
def test_every_content_paragraph_of_the_clinic_page_is_in_a_chunk() -> None:
    source = SHARED_TXT.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", source) if p.strip()]
    title, *body = paragraphs
    not_content = {
        "ketamine for headaches including migraines",
        "Free Bird Enjoying Nature",
        "Share Post:",
        "Request An Appointment",
    }
    content = [p for p in body if p not in not_content]
    assert len(content) == len(body) - 4
    chunks = chunk_page(shipped_page())
    for paragraph in content:
        assert any(paragraph in c.text for c in chunks), paragraph[:60]
    assert shipped_page().title == title
    assert "’" in "".join(c.text for c in chunks)  # curly apostrophes kept as written


def test_short_paragraphs_of_a_section_are_merged_but_never_across_a_heading() -> None:
    page = make_page(("p", "One."), ("p", "Two."), ("h", "Next"), ("p", "Three."))
    chunks = chunk_page(page)
    assert [c.text for c in chunks] == ["One.\n\nTwo.", "Three."]
    assert [c.section for c in chunks] == ["", "Next"]
    assert_well_formed(page, chunks)


def test_merging_stops_at_the_merge_size() -> None:
    para = "word " * 40  # 199 chars once stripped
    page = make_page(*[("p", para.strip() + f" {i}.") for i in range(6)])
    chunks = chunk_page(page)
    assert all(len(c.text) <= MERGE_CHARS for c in chunks)
    assert len(chunks) == 3
    assert_well_formed(page, chunks)


def test_long_paragraph_is_split_at_sentence_boundaries() -> None:
    sentences = [
        f"Sentence number {i} talks about migraine relief and infusion care." for i in range(30)
    ]
    page = make_page(("h", "Long"), ("p", " ".join(sentences)))
    chunks = chunk_page(page)
    assert len(chunks) >= 3
    assert_well_formed(page, chunks)
    for c in chunks:
        assert c.text.startswith("Sentence number") and c.text.endswith("care.")


def test_a_giant_sentence_is_cut_at_spaces() -> None:
    page = make_page(("p", " ".join(["migraine"] * 400)))
    chunks = chunk_page(page)
    assert len(chunks) >= 5
    assert_well_formed(page, chunks)
    assert all(c.text.startswith("migraine") and c.text.endswith("migraine") for c in chunks)


def test_a_word_longer_than_a_chunk_is_cut_anyway() -> None:
    page = make_page(("p", "x" * 1500))
    chunks = chunk_page(page)
    assert [len(c.text) for c in chunks] == [600, 600, 300]
    assert_well_formed(page, chunks)


def test_repeated_text_gets_distinct_stable_ids() -> None:
    long = "A paragraph long enough not to be merged with its twin. " * 9
    page = make_page(("p", long.strip()), ("h", "Again"), ("p", long.strip()))
    first, second = chunk_page(page)
    assert first.text == second.text
    assert first.chunk_id == chunk_id("p", 0, first.text)
    assert second.chunk_id == chunk_id("p", 1, first.text)
    assert [c.chunk_id for c in chunk_page(page)] == [first.chunk_id, second.chunk_id]


def test_chunk_ids_depend_on_source_and_text_only() -> None:
    a = chunk_page(make_page(("p", "Same text."), source="a"))[0]
    b = chunk_page(make_page(("p", "Same text."), source="b"))[0]
    a_with_heading = chunk_page(make_page(("h", "H"), ("p", "Same text."), source="a"))[0]
    assert a.chunk_id != b.chunk_id
    assert a.chunk_id == a_with_heading.chunk_id  # offsets moved, id did not


def test_editing_one_paragraph_changes_only_its_chunk_ids(tmp_path: Path) -> None:
    paragraphs = [("p", f"Paragraph {i}. " + "More words here. " * 30) for i in range(5)]
    before = chunk_page(make_page(*paragraphs))
    paragraphs[2] = ("p", "Paragraph 2 was rewritten. " + "Other words. " * 30)
    after = chunk_page(make_page(*paragraphs))
    changed = {c.chunk_id for c in after} ^ {c.chunk_id for c in before}
    assert len(changed) == 2  # the old and the new id of paragraph 2
    assert [c.chunk_id for i, c in enumerate(after) if i != 2] == [
        c.chunk_id for i, c in enumerate(before) if i != 2
    ]
