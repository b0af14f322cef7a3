"""LoRA training steps per second on the tiny model, and the local provider's serving figures.

Builds the tiny base (a random Llama, tokenizer trained on the sample corpus), fine-tunes it on
a generated chat set, then streams answers from it through LocalChatModel with the service's
real hidden prompt size (the system prompt and five retrieved chunks), measuring time to first
token and tokens per second. On a GPU machine the same code uses the GPU.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from langchain_core.messages import HumanMessage, SystemMessage

from app.prompts import FOLDER as PROMPTS
from app.rag.local_llm import load_local_model
from app.samples import CORPUS as SAMPLE
from finetune.training.lora import LoraOptions, train
from finetune.training.tiny import build_tiny_model, corpus_texts, demo_chat_dataset


async def _serve(model_dir: Path, adapter: Path, rounds: int, new_tokens: int) -> list[str]:
    llm = load_local_model(model_dir, adapter, max_new_tokens=new_tokens, temperature=0)
    system = (PROMPTS / "system.md").read_text() + "\n".join(
        p.read_text()[:900] for p in sorted(SAMPLE.glob("*.md"))[:5]
    )
    messages = [SystemMessage(system), HumanMessage("Does Balancer charge a flash-loan fee?")]
    ttft: list[float] = []
    rate: list[float] = []
    counts: list[int] = []
    prompt_tokens = llm._inputs(messages, new_tokens)["input_ids"].shape[1]
    for _ in range(rounds):
        started = time.perf_counter()
        first, text = None, ""
        async for chunk in llm.astream(messages):
            if chunk.text:
                first = first or time.perf_counter() - started
                text += chunk.text
        total = time.perf_counter() - started
        tokens = len(llm.tokenizer(text, add_special_tokens=False).input_ids)
        ttft.append((first or total) * 1000)
        # Decoding speed after the first token (the prompt's prefill is in the first figure).
        rate.append((tokens - 1) / (total - (first or total)) if tokens > 1 else 0.0)
        counts.append(tokens)
    return [
        f"| local provider | time to first token p50 {statistics.median(ttft):.0f} ms, "
        f"{statistics.median(rate):.0f} tokens/s after it "
        f"| p50 of {rounds} answers of {min(counts)}-{max(counts)} tokens "
        f"(cap {new_tokens}) to a {prompt_tokens}-token hidden prompt |"
    ]


def main() -> None:
    """Print the training and serving rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = build_tiny_model(root / "base", corpus_texts(SAMPLE), vocab_size=512)
        options = LoraOptions(
            rank=8,
            alpha=16,
            epochs=args.epochs,
            learning_rate=5e-3,
            batch_size=8,
            max_length=256,
            modules_to_save=["lm_head"],
        )
        result = train(
            demo_chat_dataset(root / "data", repeats=10), str(base), root / "run", options
        )
        print("| what | figure | detail |")
        print("| --- | --- | --- |")
        print(
            f"| LoRA training, tiny model | {result.steps / result.seconds:.2f} steps/s "
            f"| {result.steps} steps of 8 examples in {result.seconds:.1f} s (load and save "
            f"included); loss {result.train_loss_first:.2f} -> {result.train_loss_last:.2f} |"
        )
        for row in asyncio.run(_serve(base, result.adapter, args.rounds, args.new_tokens)):
            print(row)


if __name__ == "__main__":
    main()
