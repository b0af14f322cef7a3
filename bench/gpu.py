"""LoRA training and the local provider on a GPU, on a random model in Qwen2.5-0.5B's shape.

Builds the model with no download (finetune.training.shapes: random weights, a 10k BPE trained
on the sample corpus, the prompts and the token cards), saved in bf16; fine-tunes it with
finetune.training.lora (one epoch, its plan decided by finetune.training.budget) over synthetic
chat records of --train-tokens; then serves the adapter (merged, as the service does) with
app.rag.local_llm: one stream at a time, then --streams readers on threads at once. Prints
tokens/s, peak GPU memory and time to first token as a markdown table (and a JSON line).

Usage (from the repo root):
    .venv/bin/python -m bench.gpu                    # on a CUDA GPU; elsewhere says so, exits 0
    .venv/bin/python -m bench.gpu --json --compile   # the decode step compiled, as
                                                     # CRYPTORAG_LOCAL_COMPILE=true serves
    .venv/bin/python -m bench.gpu --cpu              # the whole run on a tiny model, on CPU

The records are synthetic, not `cryptorag dataset build` output (that needs a store and an LLM):
each is a system prompt with a window of the sample corpus as its context, one of
finetune.training.tiny's demo questions, and an answer, sized around --record-tokens (the rag
records the service writes have a median of about 1,100 tokens). Answers run to --new-tokens:
the model's end-of-answer token is switched off, so a random model does not stop at random, and
their tokens are the engine's own count (app.rag.local_batch's stats).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.prompts import FOLDER as PROMPTS
from app.samples import CORPUS as SAMPLE
from bench.common import TOKEN_CARDS
from finetune.training.shapes import QWEN25_05B, TINY, Shape, build_shaped_model
from finetune.training.tiny import DEMO_FACTS, DEMO_SYSTEM, corpus_texts

# Figures of a run on the GPU, and of the --cpu run that checks the code path in seconds.
GPU_DEFAULTS = {
    "train_tokens": 2_000_000,
    "record_tokens": 1_100,
    "prompt_tokens": 1_200,
    "new_tokens": 256,
    "streams": 16,
    "rounds": 3,
}
CPU_DEFAULTS = {
    "train_tokens": 6_000,
    "record_tokens": 200,
    "prompt_tokens": 200,
    "new_tokens": 12,
    "streams": 4,
    "rounds": 2,
}
VALIDATION_RECORDS = 4


@dataclass
class Stream:
    """One answer as its reader saw it."""

    first_s: float  # time to the first text
    seconds: float  # time to the end
    tokens: int = 0  # generated, as the engine counts them

    @property
    def rate(self) -> float:
        """Tokens per second after the first one (the prompt's prefill is in first_s)."""
        after = self.seconds - self.first_s
        return (self.tokens - 1) / after if self.tokens > 1 and after > 0 else 0.0


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _peak() -> int | None:
    """Bytes of GPU memory at the most since the last reset; None on CPU."""
    import torch

    return torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None


def _count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False).input_ids)


def _chat_tokens(tokenizer: Any, messages: list[dict[str, str]], generation: bool = False) -> int:
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)
    return _count(tokenizer, text)


class Corpus:
    """The sample corpus as one token sequence, cut into windows of a given length."""

    def __init__(self, tokenizer: Any, seed: int = 0) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = _corpus_ids(tokenizer, corpus_texts(SAMPLE))
        self.rng = random.Random(seed)

    def window(self, tokens: int) -> str:
        """About `tokens` tokens of running text from a random place (the corpus, about 7k tokens
        in the 10k vocabulary, goes round for longer windows)."""
        start = self.rng.randrange(len(self.ids))
        ring = self.ids * (2 + tokens // len(self.ids))
        return str(self.tokenizer.decode(ring[start : start + tokens]))

    def chat(self, tokens: int, answer: bool = True) -> list[dict[str, str]]:
        """A rag-like record of about `tokens` tokens: context, a question and its answer."""
        question, fact = self.rng.choice(DEMO_FACTS)
        answer_tokens = tokens // 8 if answer else 0
        frame = _record("", question, fact if answer else None)
        context = tokens - answer_tokens - _chat_tokens(self.tokenizer, frame)
        reply = f"{fact} {self.window(answer_tokens)}" if answer else None
        return _record(self.window(max(8, context)), question, reply)


def _record(context: str, question: str, answer: str | None) -> list[dict[str, str]]:
    messages = [
        {"role": "system", "content": f"{DEMO_SYSTEM}\n\n[1] {context}"},
        {"role": "user", "content": question},
    ]
    return messages + ([{"role": "assistant", "content": answer}] if answer else [])


def _corpus_ids(tokenizer: Any, texts: Iterable[str]) -> list[int]:
    return [i for text in texts for i in tokenizer(text, add_special_tokens=False).input_ids]


def write_records(folder: Path, corpus: Corpus, train_tokens: int, size: int) -> dict[str, int]:
    """Training records until they hold train_tokens, and a few for validation; their counts."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes: list[int] = []
    lines: list[str] = []
    while sum(sizes) < train_tokens:
        record = corpus.chat(corpus.rng.randint(size // 2, size * 3 // 2))
        sizes.append(_chat_tokens(corpus.tokenizer, record))
        lines.append(json.dumps({"messages": record}))
    (folder / "openai_train.jsonl").write_text("\n".join(lines), "utf-8")
    held = [json.dumps({"messages": corpus.chat(size)}) for _ in range(VALIDATION_RECORDS)]
    (folder / "openai_validation.jsonl").write_text("\n".join(held), "utf-8")
    return {
        "records": len(sizes),
        "tokens": sum(sizes),
        "median": int(statistics.median(sizes)),
        "longest": max(sizes),
    }


def run_lora(base: Path, data: Path, out: Path, longest: int, args: Any) -> dict[str, Any]:
    """One epoch of LoRA over the records, planned by finetune.training.budget; its figures."""
    from finetune.training.lora import LoraOptions, train

    options = LoraOptions(
        epochs=1,
        batch_size=args.batch_size,
        max_length=args.max_length or longest,  # by default no record is cut
        tokens_per_step=args.tokens_per_step,
        learning_rate=1e-3,
    )
    result = train(data, str(base), out, options)
    plan = json.loads((out / "run.json").read_text("utf-8"))["plan"]
    return {
        "tokens": result.tokens,
        "tokens_per_second": result.tokens_per_second,  # over the training steps alone
        "seconds": result.seconds,  # the whole call: loading, evaluation and saving too
        "peak_memory_bytes": result.peak_memory_bytes,
        "steps": result.steps,
        "loss_first": result.train_loss_first,
        "loss_last": result.train_loss_last,
        "plan": plan,
        "adapter": result.adapter,
    }


def _stream(llm: Any, messages: list[Any]) -> Stream:
    """Read one answer to its end through the provider's LangChain stream, as the chain does."""
    started = time.perf_counter()
    first: float | None = None
    for chunk in llm.stream(messages):
        if chunk.text and first is None:
            first = time.perf_counter() - started
    seconds = time.perf_counter() - started
    if first is None:
        raise RuntimeError("the local provider streamed no text")
    return Stream(first, seconds)


def _alone(llm: Any, messages: list[Any]) -> Stream:
    """One answer with nothing else running: its tokens are what the engine generated meanwhile
    (the text, tokenized again, would not do: a random model's repeats merge)."""
    before = llm.engine.stats.tokens
    answer = _stream(llm, messages)
    answer.tokens = llm.engine.stats.tokens - before
    return answer


def _concurrent(llm: Any, messages: list[Any], streams: int) -> dict[str, Any]:
    """`streams` readers asking at once, each on its own thread: their figures together."""
    go = threading.Event()
    stats = llm.engine.stats
    tokens, rows = stats.tokens, Counter(stats.rows)

    def reader() -> Stream:
        go.wait()
        return _stream(llm, messages)

    with ThreadPoolExecutor(streams) as pool:
        futures = [pool.submit(reader) for _ in range(streams)]
        started = time.perf_counter()
        go.set()
        answers = [f.result() for f in futures]
    wall = time.perf_counter() - started
    generated = llm.engine.stats.tokens - tokens
    steps = llm.engine.stats.rows - rows  # decode steps by how many answers each carried
    return {
        "streams": streams,
        "tokens_per_second": generated / wall,
        "tokens": generated,
        "seconds": wall,
        "first_token_ms_p50": statistics.median(s.first_s for s in answers) * 1000,
        "first_token_ms_max": max(s.first_s for s in answers) * 1000,
        "most_answers_a_step": max(steps, default=0),
    }


def run_serving(base: Path, adapter: Path, corpus: Corpus, args: Any) -> dict[str, Any]:
    """Time to first token and tokens/s of the local provider: one stream, then many at once."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from app.rag.local_llm import load_local_model

    llm = load_local_model(
        base,
        adapter,
        max_new_tokens=args.new_tokens,
        temperature=0,
        merge=not args.unmerged,
        max_batch=args.streams,
        compile=args.compile,
        context=max(4096, args.prompt_tokens * 2 + args.new_tokens),
    )
    llm.model.generation_config.eos_token_id = None  # every answer runs to the cap
    chat = corpus.chat(args.prompt_tokens, answer=False)
    messages = [SystemMessage(chat[0]["content"]), HumanMessage(chat[1]["content"])]
    try:
        warmup = _alone(llm, messages)  # kernels, the allocator, the cache
        _reset_peak()
        singles = [_alone(llm, messages) for _ in range(args.rounds)]
        single_peak = _peak()
        _reset_peak()
        many = _concurrent(llm, messages, args.streams)
        many["peak_memory_bytes"] = _peak()
    finally:
        llm.engine.close()
    return {
        "prompt_tokens": _chat_tokens(llm.tokenizer, chat, generation=True),
        "merged": not args.unmerged,
        "compiled": args.compile and _cuda(),
        "warmup_seconds": warmup.seconds,
        "one": {
            "first_token_ms": statistics.median(s.first_s for s in singles) * 1000,
            "tokens_per_second": statistics.median(s.rate for s in singles),
            "answers": len(singles),
            "answer_tokens": statistics.median(s.tokens for s in singles),
            "peak_memory_bytes": single_peak,
        },
        "concurrent": many,
    }


def _gb(value: int | None) -> str:
    return f"{value / 1e9:.1f} GB" if value is not None else "-"


def _plan(plan: dict[str, Any]) -> str:
    """How the run used the machine, in a few words."""
    rows = f"{plan['rows_per_step']} x {plan['accumulation']} micro-batches"
    features = [
        "packed" if plan["packing"] else "padded",
        plan["attention"],
        plan["dtype"],
        "checkpointing" if plan["checkpointing"] else "no checkpointing",
        *(["liger"] if plan["liger"] else []),
    ]
    return f"{rows}, {', '.join(features)}"


def _engine(serve: dict[str, Any]) -> str:
    adapter = "adapter merged" if serve["merged"] else "adapter unmerged"
    return f"{adapter}, {'compiled' if serve['compiled'] else 'eager'} decode step"


def table(train: dict[str, Any], serve: dict[str, Any]) -> list[str]:
    """The figures as markdown rows."""
    one, many, plan = serve["one"], serve["concurrent"], train["plan"]
    return [
        "| run | tokens/s | peak GPU memory | detail |",
        "| --- | --- | --- | --- |",
        f"| LoRA, batch {plan['rows_per_step'] * plan['accumulation']} rows of "
        f"{plan['max_length']:,} | {train['tokens_per_second']:,.0f} "
        f"| {_gb(train['peak_memory_bytes'])} | {train['tokens']:,} tokens, {train['steps']} steps "
        f"({train['seconds']:.1f} s with load and save); {_plan(plan)}; loss "
        f"{train['loss_first']:.2f} -> {train['loss_last']:.2f} |",
        f"| local provider, one stream | {one['tokens_per_second']:,.0f} after the first token "
        f"| {_gb(one['peak_memory_bytes'])} | time to first token {one['first_token_ms']:,.0f} ms "
        f"on a {serve['prompt_tokens']:,}-token prompt; p50 of {one['answers']} answers of "
        f"{one['answer_tokens']:.0f} tokens; {_engine(serve)} |",
        f"| local provider, {many['streams']} concurrent streams | "
        f"{many['tokens_per_second']:,.0f} in total | {_gb(many['peak_memory_bytes'])} | "
        f"{many['tokens']:,} tokens in {many['seconds']:.1f} s, up to "
        f"{many['most_answers_a_step']} answers a decode step; time to first token p50 "
        f"{many['first_token_ms_p50']:,.0f} ms, max {many['first_token_ms_max']:,.0f} ms |",
    ]


def _params(base: Path) -> int:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(base))
    return sum(p.numel() for p in model.parameters())


def _device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({os.cpu_count()} cores)"


def _tokenizer_texts(shape: Shape) -> Iterable[str]:
    """The sample corpus alone for the tiny vocabulary; with the prompts and the token cards
    for the real shape's, which the corpus alone is too small to fill."""
    folders = [SAMPLE] if shape is TINY else [SAMPLE, PROMPTS, TOKEN_CARDS]
    return itertools.chain.from_iterable(corpus_texts(f) for f in folders)


def run(args: Any) -> dict[str, Any]:
    """Build, train, serve; every figure of the run."""
    from transformers import AutoTokenizer

    shape = TINY if args.cpu else QWEN25_05B
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = build_shaped_model(root / "base", _tokenizer_texts(shape), shape, bf16=_cuda())
        corpus = Corpus(AutoTokenizer.from_pretrained(base))
        records = write_records(root / "data", corpus, args.train_tokens, args.record_tokens)
        train = run_lora(base, root / "data", root / "run", records["longest"], args)
        serve = run_serving(base, train.pop("adapter"), corpus, args)
        return {
            "device": _device(),
            "model": {
                "shape": shape.name,
                "parameters": _params(base),
                "vocab_size": len(corpus.tokenizer),
                "dtype": "bfloat16" if _cuda() else "float32",
            },
            "data": {**records, "source": "synthetic chat records from app/samples/corpus"},
            "train": train,
            "serve": serve,
        }


def _options(argv: list[str] | None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", action="store_true", help="run on CPU, on a tiny model")
    parser.add_argument("--json", action="store_true", help="print a JSON line after the table")
    parser.add_argument("--train-tokens", type=int, help="tokens of training records (one epoch)")
    parser.add_argument("--record-tokens", type=int, help="median tokens of a training record")
    parser.add_argument("--prompt-tokens", type=int, help="tokens of the served prompt")
    parser.add_argument("--new-tokens", type=int, help="tokens of each served answer")
    parser.add_argument("--streams", type=int, help="concurrent readers")
    parser.add_argument("--rounds", type=int, help="single-stream answers measured")
    parser.add_argument(
        "--unmerged", action="store_true", help="serve the adapter unmerged (CRYPTORAG_LOCAL_MERGE)"
    )
    parser.add_argument(
        "--compile", action="store_true", help="compile the decode step (CRYPTORAG_LOCAL_COMPILE)"
    )
    parser.add_argument("--batch-size", type=int, default=8, help="LoRA rows per optimizer step")
    parser.add_argument("--max-length", type=int, help="LoRA row length (default: longest record)")
    parser.add_argument(
        "--tokens-per-step", type=int, help="LoRA tokens per forward/backward (default: planned)"
    )
    args = parser.parse_args(argv)
    for key, value in (CPU_DEFAULTS if args.cpu else GPU_DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> None:
    """Print the figures, or say there is no GPU to measure."""
    args = _options(argv)
    if args.cpu:  # before CUDA starts: training and serving then take their CPU paths
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    elif not _cuda():
        print("bench.gpu: no CUDA GPU on this machine, nothing measured (--cpu runs it on CPU)")
        return
    figures = run(args)
    model, data = figures["model"], figures["data"]
    print(
        f"bench.gpu on {figures['device']}: a random Qwen2 in {model['shape']}'s shape "
        f"({model['parameters'] / 1e6:.1f}M parameters, {model['vocab_size']:,}-token BPE, "
        f"{model['dtype']})"
    )
    print(
        f"data: {data['records']:,} {data['source']}, median {data['median']:,} tokens, "
        f"{data['tokens']:,} in all"
    )
    print()
    print("\n".join(table(figures["train"], figures["serve"])))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
