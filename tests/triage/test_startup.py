"""A malformed triage file stops start-up: the Responder is never built and app.py exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import serve as app
from bot.answer.pipeline import Responder
from bot.triage import TriageDataError

from .conftest import replace_line


def test_the_responder_is_not_built_with_a_broken_rule_file(rules_copy: Path) -> None:
    replace_line(rules_copy / "en.yaml", '"bleed out"', '"bleed (out"')
    with pytest.raises(TriageDataError, match=r"en\.yaml line"):
        Responder(index_source=None, embedder=None)


def test_app_refuses_to_start_and_names_the_file_and_line(
    rules_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    line = replace_line(rules_copy / "xx.yaml", "medical:", "medicine:")
    monkeypatch.setenv("CLINICBOT_DATA_DIR", str(tmp_path / "data"))
    assert app.main(["--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "cannot start" in err and f"xx.yaml line {line}" in err


def test_a_bad_exemplar_file_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from bot import triage
    from bot.triage import exemplars

    data = tmp_path / "data"
    shutil.copytree(exemplars.DATA_DIR, data)
    with (data / "es.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"text": "me duele", "label": "emergencia", "lang": "es"}\n')
    lines = (data / "es.jsonl").read_text(encoding="utf-8").count("\n")
    monkeypatch.setattr(exemplars, "DATA_DIR", data)
    with pytest.raises(TriageDataError) as caught:
        triage.load()
    assert caught.value.path == data / "es.jsonl" and caught.value.line == lines


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("contacten{contact}.", "contacten.", r"es\.fallback: must use \{contact\}"),
        ("{lacking}.", "{missing}.", r"fallback_lacking: must use \{lacking\}, \{title\}"),
        ("our pages, not medical", "our {pages}, not medical", r"en\.reminder: must use no"),
    ],
)
def test_a_reply_text_with_wrong_fields_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, reason: str
) -> None:
    """A translated fallback that drops the clinic's contact, or names a field the answering
    code does not fill, would show "{missing}" to a visitor: it fails at start-up instead."""
    import shutil

    from bot import triage
    from bot.triage import replies

    copy = tmp_path / "replies.yaml"
    shutil.copy(replies.REPLIES_FILE, copy)
    line = replace_line(copy, old, new)
    monkeypatch.setattr(replies, "REPLIES_FILE", copy)
    triage.clear_caches()
    try:
        with pytest.raises(TriageDataError, match=reason) as caught:
            triage.load()
        assert caught.value.path == copy and caught.value.line == line
    finally:
        triage.clear_caches()
