import pytest

from app.eval.metrics import hit_at, mrr_at, ndcg_at
from app.eval.retrieval import doc_key


def test_metrics() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert hit_at(ranked, {"e"}, 5) == 1.0
    assert hit_at(ranked, {"f"}, 5) == 0.0
    assert mrr_at(ranked, {"c", "d"}, 10) == pytest.approx(1 / 3)
    assert mrr_at(ranked, {"z"}, 10) == 0.0
    assert ndcg_at(["a", "b"], {"a"}, 10) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], {"a"}, 10) == pytest.approx(1 / 1.5849625, rel=1e-6)


def test_doc_key() -> None:
    assert doc_key("news/terra.md") == "terra"
    assert doc_key("protocols.yaml#multicall3") == "multicall3"
