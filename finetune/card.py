"""The dataset card: what a dataset folder holds, computed from its files."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from finetune.records import Record

RECORDS = "records.jsonl"
MANIFEST = "manifest.json"


def read_records(folder: Path) -> list[Record]:
    """The canonical records of a dataset folder."""
    with (folder / RECORDS).open(encoding="utf-8") as f:
        return [Record.model_validate_json(line) for line in f if line.strip()]


def _rows(path: Path) -> int:
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        return sum(1 for line in text.splitlines() if line.strip())
    return len(json.loads(text))


def _spread(values: list[int]) -> dict[str, int]:
    if not values:
        return {"min": 0, "median": 0, "p90": 0, "max": 0}
    ordered = sorted(values)
    return {
        "min": ordered[0],
        "median": int(statistics.median(ordered)),
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
    }


def stats(folder: Path) -> dict[str, Any]:
    """Counts per generator, format and split, lengths, sources, drops and the command."""
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    records = read_records(folder)
    by_gen: dict[str, Counter[str]] = defaultdict(Counter)
    sources: Counter[str] = Counter()
    docs: set[str] = set()
    for r in records:
        by_gen[r.provenance.generator][r.split] += 1
        if r.provenance.doc:
            docs.add(r.provenance.doc)
            sources[r.provenance.doc_source or r.provenance.doc] += 1
    by_format: dict[str, dict[str, int]] = {}
    for name, files in manifest["files"].items():
        by_format[name] = {split: _rows(folder / path) for split, path in files.items()}
    return {
        "records": len(records),
        "by_generator": {g: dict(c) for g, c in sorted(by_gen.items())},
        "by_format": by_format,
        "lengths": {
            "question_chars": _spread([len(r.question) for r in records]),
            "output_chars": _spread([len(r.output) for r in records]),
            "system_chars": _spread([len(r.system) for r in records if r.system]),
        },
        "documents": {"covered": len(docs), "in_knowledge_base": manifest["kb"]["documents"]},
        "sources": dict(sources.most_common()),
        "dropped": manifest["dropped"],
        "seed": manifest["seed"],
        "model": manifest.get("model"),
        "command": manifest["command"],
    }


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(s: dict[str, Any], name: str = "CryptoRAG instruction dataset") -> str:
    """The card as Markdown."""
    gen_rows: list[list[object]] = [
        [g, c.get("train", 0), c.get("validation", 0)] for g, c in s["by_generator"].items()
    ]
    fmt_rows: list[list[object]] = [
        [f, c.get("train", 0), c.get("validation", 0)] for f, c in s["by_format"].items()
    ]
    len_rows: list[list[object]] = [
        [k, v["min"], v["median"], v["p90"], v["max"]] for k, v in s["lengths"].items()
    ]
    drop_rows: list[list[object]] = [
        [g, reason, n] for g, reasons in s["dropped"].items() for reason, n in reasons.items()
    ]
    top = list(s["sources"].items())[:20]
    parts = [
        f"# {name}",
        "Instruction data built from the CryptoRAG knowledge base by `cryptorag dataset build`.",
        f"Made with:\n\n```\n{s['command']}\n```\n\nSeed {s['seed']}"
        + (f", model `{s['model']}`." if s.get("model") else "; no language model."),
        f"## Records\n\n{s['records']} records.\n\n"
        + _table(["generator", "train", "validation"], gen_rows),
        "## Files\n\nRegistered for LLaMA-Factory in `dataset_info.json`; every record with its "
        "provenance (chunk ids, documents, generator, model) is in `records.jsonl`.\n\n"
        + _table(["format", "train", "validation"], fmt_rows),
        "## Lengths (characters)\n\n" + _table(["field", "min", "median", "p90", "max"], len_rows),
        f"## Sources\n\n{s['documents']['covered']} of {s['documents']['in_knowledge_base']} "
        "documents of the knowledge base are what some record's answer rests on. Train and "
        "validation are split by that document: no document's answers are in both.\n\n"
        + _table(["source", "records resting on it"], [[k, v] for k, v in top])
        + ("\n\n(top 20)" if len(s["sources"]) > 20 else ""),
        "## Dropped\n\n"
        + (_table(["generator", "reason", "records"], drop_rows) if drop_rows else "Nothing."),
    ]
    return "\n\n".join(parts) + "\n"
