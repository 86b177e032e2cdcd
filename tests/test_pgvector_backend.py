"""The pgvector backend against a real PostgreSQL: the same answers as FAISS on the demo KB."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.backends import create_backend
from indexer.evals.common import load_yaml
from indexer.search import ArticleIndex
from kb.models import Language

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def demo_vectors(services):
    """The demo index's vectors and owners, read back from its FAISS index."""
    index = services.default.index
    faiss_index = index.backend.index
    ids = np.arange(faiss_index.ntotal, dtype=np.int64)
    return ids, np.vstack([faiss_index.reconstruct(int(i)) for i in ids]), index


def test_pgvector_returns_the_top_3_articles_of_faiss_for_every_test_query(postgres, services, demo_vectors):
    ids, vectors, faiss_index = demo_vectors
    backend = create_backend("pgvector", services.encoder.dim, postgres.create_database("vectors"), "demo_vectors")
    backend.add(ids, vectors)
    assert backend.count() == len(ids)
    pg_index = ArticleIndex(list(faiss_index.articles.values()), faiss_index.owners, backend, services.encoder,
                            lexical=(faiss_index.lexical_docs, faiss_index.lexical))
    queries = [(text, Language(code)) for by_language in load_yaml("paraphrases.yaml").values()
               for code, text in by_language.items()]
    for text, language in queries:
        vector = services.encoder.encode_queries([text])[0]
        expected = [hit.article.id for hit in faiss_index.search(text, 3, vector, language)]
        assert [hit.article.id for hit in pg_index.search(text, 3, vector, language)] == expected, text
    backend.close()


def test_pgvector_adds_replaces_removes_and_pads(postgres, services):
    backend = create_backend("pgvector", 4, postgres.create_database("small"), "small")
    unit = np.eye(4, dtype=np.float32)
    backend.add(np.array([10, 11, 12]), unit[:3])
    scores, ids = backend.search(unit[:1], 5)
    assert ids[0, 0] == 10 and scores[0, 0] == pytest.approx(1.0) and list(ids[0, 3:]) == [-1, -1]
    backend.add(np.array([10]), unit[3:4])  # replace vector 10
    backend.remove(np.array([11]))
    assert backend.count() == 2
    _, ids = backend.search(unit[3:4], 1)
    assert ids[0, 0] == 10
    with pytest.raises(ValueError, match="dsn"):
        create_backend("pgvector", 4)
    backend.close()
