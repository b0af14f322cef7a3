"""Loading the local model: the LoRA adapter merged into the base answers as the adapter does."""

from __future__ import annotations

from pathlib import Path

from peft import PeftModel

from app.rag.local_llm import load_local_model

QUESTIONS = ["What is USDC?", "Can I turn cvxCRV back into CRV?", "Who sanctioned Tornado Cash?"]


def test_the_merged_adapter_gives_the_unmerged_adapters_greedy_text(
    tiny_model: Path, tiny_adapter: Path
) -> None:
    adapter = tiny_adapter / "adapter"
    merged = load_local_model(tiny_model, adapter, max_new_tokens=16, temperature=0)
    apart = load_local_model(tiny_model, adapter, 16, 0, merge=False)
    base = load_local_model(tiny_model, None, 16, 0)
    try:
        assert not isinstance(merged.model, PeftModel) and isinstance(apart.model, PeftModel)
        texts = [merged.invoke(q).text for q in QUESTIONS]
        assert texts == [apart.invoke(q).text for q in QUESTIONS]
        # The adapter changes the answers, so a merge that lost it would show.
        assert texts != [base.invoke(q).text for q in QUESTIONS]
    finally:
        for llm in (merged, apart, base):
            llm.close()
