"""A tiny chat model built from scratch: for tests and the CPU walk-through, never for answers.

No model weights can be downloaded on the machines this project is tested on, so the tests and
the README's CPU walk-through build their own base: a byte-level BPE tokenizer trained on a
corpus, wrapped with a chat template, and a randomly initialised Llama of a few hundred thousand
parameters, saved with `save_pretrained` and loaded back by path like any real base model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# ChatML, which many instruct models use; the generation prompt opens the assistant turn.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|pad|>", "<|im_start|>", "<|im_end|>"]
DEMO_SYSTEM = "Answer from the knowledge base and cite it."
DEMO_FACTS = [
    ("Does Balancer charge a flash-loan fee?", "Balancer's Vault charges no flash-loan fee [1]."),
    ("What is Convex Finance?", "Convex boosts Curve rewards for CRV stakers [1]."),
    ("Why did TerraUSD lose its peg?", "UST lost its peg in May 2022 as LUNA hyperinflated [1]."),
    ("Who sanctioned Tornado Cash?", "OFAC sanctioned Tornado Cash in August 2022 [1]."),
    ("What is USDC?", "USDC is a dollar stablecoin issued by Circle [1]."),
    ("What is WETH?", "WETH is Ether wrapped as an ERC-20 token [1]."),
]


def corpus_texts(folder: Path) -> Iterable[str]:
    """Every text file under a folder, for training the tokenizer."""
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".md", ".txt", ".yaml", ".json", ".html"} and path.is_file():
            yield path.read_text("utf-8", errors="ignore")


def build_tokenizer(texts: Iterable[str], vocab_size: int, special: Sequence[str] = SPECIAL) -> Any:
    """A byte-level BPE trained on texts, with the chat template and special tokens (SPECIAL's
    first, then any others a model's own tokenizer class expects to find)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<|pad|>",
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_model(
    out: Path, texts: Iterable[str], vocab_size: int = 1024, hidden: int = 64, layers: int = 2
) -> Path:
    """Train a tokenizer on texts, initialise a tiny Llama, and save both under out."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(texts, vocab_size)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=4096,
        # Untied, so that LoRA can train the output head on its own (modules_to_save).
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def demo_chat_dataset(folder: Path, repeats: int = 6) -> Path:
    """The same facts in the three formats a dataset folder may hold, with a validation file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(q, a) for _ in range(repeats) for q, a in DEMO_FACTS]
    openai_rows = [
        {
            "messages": [
                {"role": "system", "content": DEMO_SYSTEM},
                {"role": "user", "content": q},
                {"role": "assistant", "content": a},
            ]
        }
        for q, a in rows[: len(rows) // 3]
    ]
    alpaca = [
        {"instruction": q, "input": "", "output": a, "system": DEMO_SYSTEM, "history": []}
        for q, a in rows[len(rows) // 3 : 2 * len(rows) // 3]
    ]
    sharegpt = [
        {
            "conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}],
            "system": DEMO_SYSTEM,
        }
        for q, a in rows[2 * len(rows) // 3 :]
    ]
    (folder / "openai_train.jsonl").write_text("\n".join(json.dumps(r) for r in openai_rows))
    (folder / "alpaca_train.json").write_text(json.dumps(alpaca))
    (folder / "sharegpt_validation.json").write_text(json.dumps(sharegpt[:6]))
    (folder / "sharegpt_train.json").write_text(json.dumps(sharegpt[6:]))
    return folder
