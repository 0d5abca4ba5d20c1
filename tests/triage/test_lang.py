"""Layer 2: the message's language (py3langid with a short-text fallback)."""

from __future__ import annotations

import pytest

from bot.triage.lang import detect


@pytest.mark.parametrize(
    "message, lang",
    [
        ("my chest hurts and my left arm is numb", "en"),
        ("me duele mucho el pecho y no puedo respirar bien", "es"),
        ("ayuda", "es"),  # one word: the marker list decides
        ("hola", "es"),
        ("help", "en"),
        ("ok thx", "en"),
        ("tengo dolor de pecho", "es"),  # py3langid alone says Portuguese
        ("me duele la cabeza, ¿qué hago?", "es"),  # py3langid alone is sure it is French
        ("¡ayúdenme! mi hijo no respira", "es"),
        ("j'ai une douleur terrible dans la poitrine", "fr"),
        ("tôi bị đau ngực dữ dội", "vi"),
        ("我胸口很痛", "zh"),
        ("가슴이 너무 아파요", "ko"),
        ("أشعر بألم شديد في صدري", "ar"),
        ("!!!", "en"),
        ("", "en"),
    ],
)
def test_language_is_detected(message: str, lang: str) -> None:
    assert detect(message) == lang
