"""The real embedding model on the shipped page (slow to load: marked `model`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.embed import SentenceTransformerEmbedder
from bot.index import open_index
from bot.ingest import publish
from bot.settings import Settings
from tests.ingest.helpers import SHIPPED_PAGE


@pytest.mark.slow  # loads the model in a fresh ingest twice
@pytest.mark.model
def test_shipped_page_with_the_real_model_finds_the_answer_and_reruns_without_loading_it(
    settings: Settings, knowledge: Path
) -> None:
    shutil.copy(SHIPPED_PAGE, knowledge)
    embedder = SentenceTransformerEmbedder()
    first = publish(settings, embedder, progress=False)
    assert first.ok and first.new_version and first.chunks_embedded == first.chunk_count

    with open_index(settings.resolved_index_dir) as index:
        question = embedder.embed(["Does insurance pay for Spravato for migraine?"])[0]
        top = [index.chunk_by_id[cid].text for cid, _ in index.dense_search(question, k=2)]
    assert any("Spravato is not indicated for migraines" in text for text in top)

    # embedder=None: the name is known from the settings, so nothing is loaded for a no-op.
    again = publish(settings, None, progress=False)
    assert not again.new_version and again.version == first.version
    assert again.embedding_model == embedder.name
