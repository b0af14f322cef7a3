"""A build interrupted mid-run resumes from its journal: finished units are not asked again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.support.fake_llm import FakeLLM
from finetune.build import WORK, BuildConfig, BuildResult, build
from finetune.card import read_records
from finetune.generators import Context
from finetune.journal import Journal
from tests.finetune.conftest import GENERATED_QUESTIONS

pytestmark = pytest.mark.integration


class Interrupted(Exception):
    """Stands for a crash or Ctrl-C between two units."""


# Unit n (from 1) generates question n; index 0 is unused.
QUESTIONS = ("", *GENERATED_QUESTIONS[:7])


def reply(n: int) -> str:
    question = QUESTIONS[n]
    return json.dumps({"items": [{"chunk": 1, "instruction": question, "answer": f"A{n}."}]})


def test_interrupted_build_resumes(
    fake_llm: tuple[FakeLLM, str],
    make_ctx: Callable[..., Context],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, url = fake_llm
    fake.replies = [reply(1), reply(2), reply(3)]
    out = tmp_path / "ds"
    config = BuildConfig(out=out, generators=[("llm", 3)], validation=0)
    real_write = Journal.write
    writes: list[str] = []

    def crash_on_third(self: Journal, unit: str, *args: Any, **kwargs: Any) -> None:
        if len(writes) == 2:
            raise Interrupted
        writes.append(unit)
        real_write(self, unit, *args, **kwargs)

    journal = out / WORK / "llm.jsonl"

    async def scenario() -> BuildResult:
        # One event loop for every run: langchain-openai shares its HTTP client per process.
        monkeypatch.setattr(Journal, "write", crash_on_third)
        with pytest.raises(Interrupted):
            await build(config, make_ctx(url, batch_size=1))
        assert len(fake.requests) == 3 and not (out / "records.jsonl").exists()
        monkeypatch.setattr(Journal, "write", real_write)
        # What a kill leaves behind: a unit's record without its done marker, a torn line.
        stray = {"unit": "batch:unfinished", "attempt": "x", "record": {"instruction": "stray"}}
        with journal.open("a", encoding="utf-8") as f:
            f.write(json.dumps(stray) + "\n" + '{"unit": "batch:')
        fake.replies = [reply(4)]
        result = await build(config, make_ctx(url, batch_size=1))
        assert len(fake.requests) == 4  # only the unit that was not finished was asked again
        assert sorted(r.output for r in read_records(out)) == ["A1.", "A2.", "A4."]
        # Another seed means other units: the old journal is set aside, not mixed in.
        fake.replies = [reply(5), reply(6), reply(7)]
        await build(config, make_ctx(url, batch_size=1, seed=9))
        return result

    result = asyncio.run(scenario())
    assert result.generated["llm"] == 3
    assert (out / WORK / "llm.stale.jsonl").exists()
    assert len(fake.requests) == 7
