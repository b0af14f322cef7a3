"""`cryptorag dataset build`: generators -> hygiene -> split -> formats, card and registration."""

from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finetune.card import MANIFEST, RECORDS, render, stats
from finetune.formats import Format, get_format
from finetune.generators import GENERATORS, Context
from finetune.hygiene import Hygiene, load_questions, split
from finetune.journal import Journal
from finetune.records import Record

log = logging.getLogger(__name__)
WORK = ".work"


@dataclass
class BuildConfig:
    """What to build, from the command line."""

    out: Path
    generators: list[tuple[str, int | None]]
    formats: list[str] = field(default_factory=lambda: ["alpaca"])
    exclude_questions: list[Path] = field(default_factory=list)
    validation: float = 0.1
    command: str = "cryptorag dataset build"


@dataclass
class BuildResult:
    """What a build wrote, and how fast each generator went."""

    stats: dict[str, Any]
    seconds: dict[str, float]
    generated: dict[str, int]


def parse_generator(spec: str) -> tuple[str, int | None]:
    """NAME or NAME=COUNT."""
    name, _, count = spec.partition("=")
    name = name.strip()
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; one of {', '.join(GENERATORS)}")
    if not count:
        return name, None
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"{spec!r}: the count after '=' must be a positive number")
    return name, int(count)


def cap(records: list[Record], count: int | None, seed: int, name: str) -> list[Record]:
    """At most count records, a seeded sample kept in generation order."""
    if count is None or len(records) <= count:
        return records
    picked = sorted(random.Random(f"{seed}:{name}:cap").sample(range(len(records)), count))
    return [records[i] for i in picked]


async def build(config: BuildConfig, ctx: Context) -> BuildResult:
    """Run the generators (resuming from their journals), clean, split and write the folder."""
    wanted = dict(config.generators)
    formats = [get_format(f) for f in config.formats]
    exclude = load_questions(config.exclude_questions)
    opts = ctx.options
    model = ctx.llm.model if ctx.llm else None
    everything: list[Record] = []
    dropped: dict[str, Counter[str]] = {}
    seconds: dict[str, float] = {}
    generated: dict[str, int] = {}
    for name, cls in GENERATORS.items():  # a fixed order: later generators reuse earlier ones
        if name not in wanted:
            continue
        settings = {
            "generator": name,
            "seed": opts.seed,
            "batch_size": opts.batch_size,
            "per_chunk": opts.per_chunk,
            "answer": opts.answer,
            "unanswerable": opts.unanswerable,
            "top_k": opts.top_k,
            "model": model if cls.needs_llm else None,
        }
        journal = Journal(config.out / WORK / f"{name}.jsonl", settings)
        started = time.perf_counter()
        records, d = await cls().generate(ctx, journal, wanted[name])
        seconds[name] = time.perf_counter() - started
        generated[name] = len(records)
        records = cap(records, wanted[name], opts.seed, name)
        ctx.earlier[name] = records
        dropped[name] = d
        everything.extend(records)
    hygiene = Hygiene(ctx.kb, exclude)
    kept = split(hygiene.clean(everything), config.validation, opts.seed)
    for name, d in hygiene.dropped.items():
        dropped.setdefault(name, Counter()).update(d)
    write(config, kept, formats, dropped, ctx, model)
    return BuildResult(stats(config.out), seconds, generated)


def write(
    config: BuildConfig,
    records: list[Record],
    formats: list[Format],
    dropped: dict[str, Counter[str]],
    ctx: Context,
    model: str | None,
) -> None:
    """records.jsonl, one file per format and split, dataset_info.json, manifest and card."""
    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    with (out / RECORDS).open("w", encoding="utf-8") as f:
        for r in records:
            f.write(r.model_dump_json(exclude={"evidence"}) + "\n")
    files: dict[str, dict[str, str]] = {}
    info: dict[str, Any] = {}
    for fmt in formats:
        files[fmt.name] = {}
        for part in ("train", "validation"):
            rows = [fmt.convert(r) for r in records if r.split == part and fmt.accepts(r)]
            path = f"{fmt.name}/{part}.{fmt.extension}"
            (out / fmt.name).mkdir(exist_ok=True)
            _dump(out / path, rows, fmt.extension)
            files[fmt.name][part] = path
            info[f"cryptorag_{fmt.name}_{part}"] = fmt.dataset_info(path)
    (out / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    manifest = {
        "command": config.command,
        "seed": ctx.options.seed,
        "model": model,
        "generators": {name: count for name, count in config.generators},
        "files": files,
        "dropped": {g: dict(sorted(c.items())) for g, c in dropped.items() if c},
        "kb": {"documents": len(ctx.kb.by_document()), "chunks": len(ctx.kb.chunks)},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    (out / "README.md").write_text(render(stats(out)), "utf-8")


def _dump(path: Path, rows: list[dict[str, Any]], extension: str) -> None:
    if extension == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    else:
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, "utf-8")
