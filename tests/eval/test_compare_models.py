"""`eval answers --compare`: the base and the fine-tuned local model, each with and without
retrieval, beside extractive answers, on the same questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.eval.answers import configs_from_specs, format_table, run
from app.kb.embeddings import Embedder

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_models_with_and_without_retrieval_side_by_side(
    tiny_model: Path, tiny_adapter: Path, tmp_path: Path, embedder: Embedder
) -> None:
    questions = tmp_path / "q.jsonl"
    lines = (REPO / "eval" / "dev" / "questions.jsonl").read_text().splitlines()[:4]
    questions.write_text("\n".join(lines) + "\n")
    base = (
        f"CRYPTORAG_LLM_PROVIDER=local,CRYPTORAG_LOCAL_MODEL={tiny_model},"
        "CRYPTORAG_LLM_MAX_TOKENS=16"
    )
    tuned = f"{base},CRYPTORAG_LOCAL_ADAPTER={tiny_adapter / 'adapter'}"
    specs = [
        f"extractive=CRYPTORAG_LLM_BASE_URL=,CRYPTORAG_DATA_DIR={tmp_path / 'd'}",
        f"base={base}",
        f"base-closed={base},CRYPTORAG_CHAT_RETRIEVAL=false",
        f"tuned={tuned}",
        f"tuned-closed={tuned},CRYPTORAG_CHAT_RETRIEVAL=false",
    ]
    configs = configs_from_specs(specs)
    assert configs["tuned-closed"].api.chat_retrieval is False
    assert configs["tuned"].llm.local_adapter == tiny_adapter / "adapter"
    results, _ = run(configs, [REPO / "eval" / "dev" / "docs"], [questions], embedder)
    assert list(results) == ["extractive", "base", "base-closed", "tuned", "tuned-closed"]
    for name, by_kind in results.items():
        assert by_kind["all"]["n"] == 4, name
        assert by_kind["all"]["unverified"] == 0, name
    # Extractive answers carry the facts; a random tiny model does not.
    assert results["extractive"]["all"]["facts"] > results["tuned-closed"]["all"]["facts"]
    assert results["extractive"]["all"]["extractive"] == 4
    assert results["tuned"]["all"]["extractive"] == 0
    table = format_table(results)
    assert all(name in table for name in results)
