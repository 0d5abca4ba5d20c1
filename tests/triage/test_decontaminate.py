"""No exemplar copies an eval-set message: the dev-set figures measure unseen wording."""

from __future__ import annotations

import pytest

from bot.triage.decontaminate import (
    EVAL_DIR,
    close_to_any,
    eval_messages,
    exemplar_lines,
    main,
    near_copies,
)
from bot.triage.exemplars import exemplar_files


def test_a_lightly_reworded_message_is_a_near_copy_and_a_different_one_is_not() -> None:
    exemplars = [
        ("will my insurance pay for a ketamine infusion", "a.jsonl:1"),
        ("my neighbour's dog barks all night", "a.jsonl:2"),
    ]
    found = near_copies(exemplars, ["Will my insurance pay for ketamine infusions?"])
    assert [c.source for c in found] == ["a.jsonl:1"]
    assert found[0].similarity >= 0.8


def test_held_out_messages_an_exemplar_nearly_copies_are_marked_so_they_can_be_left_out() -> None:
    exemplars = ["is ketamine addictive?", "do you take blue cross"]
    close = close_to_any(
        ["Is ketamine addictive", "can the infusion be done on a saturday"], exemplars
    )
    assert close == [True, False]
    assert close_to_any([], exemplars) == []


@pytest.mark.skipif(not EVAL_DIR.exists(), reason="the shared eval sets are not beside the repo")
def test_no_shipped_exemplar_is_a_near_copy_of_an_eval_message() -> None:
    found = near_copies(exemplar_lines(exemplar_files()), eval_messages())
    assert [f"{c.source} ~ {c.eval_text!r}" for c in found] == []


def test_one_eval_file_can_be_checked_and_a_path_without_sets_is_an_error(tmp_path, capsys) -> None:
    """`--eval` takes a folder or one set; a path holding no set once made the check pass
    against nothing ("0 exemplars at or above 0.8") instead of failing."""
    one = tmp_path / "set.jsonl"
    one.write_text('{"question": "is ketamine addictive?"}\n', encoding="utf-8")
    assert eval_messages(one) == ["is ketamine addictive?"]
    exemplar = tmp_path / "ex.jsonl"
    exemplar.write_text(
        '{"text": "Is ketamine addictive", "label": "question", "sub": "", "lang": "en",'
        ' "tags": []}\n',
        encoding="utf-8",
    )
    assert main(["--eval", str(one), str(exemplar)]) == 1
    assert main(["--eval", str(tmp_path / "missing"), str(exemplar)]) == 2
    assert "no eval set" in capsys.readouterr().err
