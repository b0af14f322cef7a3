"""Fixtures of the dataset tests: one knowledge base (the sample corpus, a few token cards and a
token list) ingested once per run, and the stand-in model on loopback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.settings import APISettings, EmbeddingSettings, LLMSettings, Settings, StoreSettings
from app.kb.embeddings import SentenceTransformerEmbedder
from app.services import Services, build_services
from finetune.generators import Context, Options
from finetune.kb import KnowledgeBase
from finetune.llm import LLMRunner
from finetune.prompts import DatasetPrompts
from tests.conftest import REPO, SAMPLE, ingest
from tests.support.shared import built_once

# Questions the stand-in LLM "generates", one per reply, for the concurrency and resume tests.
GENERATED_QUESTIONS = (
    "Who froze the balances of sanctioned addresses?",
    "How did the stablecoin lose its peg in May 2022?",
    "What does a flash loan require before its transaction ends?",
    "Which oracle network publishes the ETH/USD price feed?",
    "Why can liquid staking tokens trade below the value of staked ether?",
    "What makes a constant product market maker move its price?",
    "How were the Ronin validator keys compromised?",
    "Which standard defines tokenized vault shares?",
)
TOKEN_DOCS = ("1inch-arbitrum-6314c31a.md", "1inch-ethereum-11111111.md", "dai-base-50c57259.md")
# A token list in the Uniswap schema: ingested as contract cards with the list's data.
TOKEN_LIST = {
    "name": "Test List",
    "tokens": [
        {
            "chainId": 10,
            "address": "0x4200000000000000000000000000000000000006",
            "name": "Wrapped Ether",
            "symbol": "WETH",
            "decimals": 18,
        }
    ],
}


def _kb_folder(folder: Path) -> None:
    """The sample corpus with three token cards and a token list beside it, in `folder`."""
    shutil.copytree(SAMPLE, folder)
    for name in TOKEN_DOCS:
        shutil.copy(REPO / "eval" / "tokens" / "docs" / name, folder / name)
    (folder / "tokens.json").write_text(json.dumps(TOKEN_LIST), "utf-8")


def _settings(data: Path) -> Settings:
    return Settings(
        store=StoreSettings(data_dir=data),
        embedding=EmbeddingSettings(),
        llm=LLMSettings(),
        api=APISettings(),
    )


@pytest.fixture(scope="session")
def kb_data(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    """A data dir holding that knowledge base, ingested once per run; only ever copied."""

    def build(root: Path) -> None:
        _kb_folder(root / "corpus")
        services = build_services(_settings(root / "data"), embedder=embedder)
        try:
            report = ingest(services, root / "corpus")
        finally:
            services.close()
        assert not report.skipped, report.skipped

    return built_once(tmp_path_factory, "kb-store", build) / "data"


@pytest.fixture(scope="session")
def kb_services(
    kb_data: Path,
    embedder: SentenceTransformerEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Services]:
    """Services over this worker's copy of that knowledge base, for every dataset test."""
    data = tmp_path_factory.mktemp("kb") / "data"
    shutil.copytree(kb_data, data)
    services = build_services(_settings(data), embedder=embedder)
    yield services
    services.close()


@pytest.fixture(scope="session")
def kb(kb_services: Services) -> KnowledgeBase:
    """The knowledge base as the builder reads it."""
    return KnowledgeBase.from_store(kb_services.store)


@pytest.fixture
def make_ctx(kb_services: Services, kb: KnowledgeBase) -> Callable[..., Context]:
    """A generator context over the shared knowledge base; base_url adds an LLM runner."""

    def _make(base_url: str | None = None, **options: Any) -> Context:
        runner = None
        if base_url:
            from app.rag.llm import build_llm

            llm = build_llm(LLMSettings(base_url=base_url, model="fake-model"))
            assert llm is not None
            # One call at a time: the stand-in answers from a queue, in arrival order.
            runner = LLMRunner(llm, "fake-model", concurrency=1, attempts=2, backoff_s=0.01)
        return Context(
            kb=kb,
            prompts=DatasetPrompts(kb_services.settings.api.prompts_dir),
            options=Options(progress=False, **options),
            llm=runner,
            retriever=kb_services.retriever,
            service_prompts=kb_services.prompts,
            feedback=kb_services.feedback,
            onchain=kb_services.answers.onchain,
        )

    return _make
