"""The heavy objects, built once at start and shared by the API, the CLI and the worker."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from sqlalchemy import Engine

from app.access.keys import KeyStore
from app.access.limits import RateLimiter
from app.chain.canonical import CanonicalTokens
from app.chain.inspector import Inspector
from app.chain.lookup import ContractLookup
from app.chain.tx.service import TransactionExplainer
from app.core.db import build_engine
from app.core.settings import Settings
from app.feedback.store import FeedbackStore
from app.kb.embeddings import Embedder, build_embedder, vector_name
from app.kb.glossary import Glossary
from app.kb.retriever import Retriever
from app.kb.sparse import SparseEncoder
from app.kb.store import Store, open_store
from app.kb.vector_cache import QuestionOnce, VectorCache
from app.rag.answer import AnswerService
from app.rag.llm import build_llm
from app.rag.onchain import OnchainFacts
from app.rag.prompts import Prompts
from app.rag.sessions import SessionStore
from app.rag.transactions import TransactionReads

# The side store of sentence vectors, beside the embedded store under the data dir.
SENTENCE_VECTORS = "sentence_vectors.sqlite"


@dataclass
class Services:
    """Everything a request or an ingest run needs."""

    settings: Settings
    embedder: Embedder
    store: Store
    sparse: SparseEncoder
    retriever: Retriever
    prompts: Prompts
    llm: BaseChatModel | None
    answers: AnswerService
    engine: Engine
    keys: KeyStore
    limiter: RateLimiter
    sessions: SessionStore
    contracts: ContractLookup
    transactions: TransactionExplainer
    feedback: FeedbackStore
    # Ratings per key or address, on top of the request limit: they are stored for good.
    feedback_limiter: RateLimiter
    # Chunk and sentence vectors by content hash, filled by ingestion, read by answers.
    sentences: VectorCache | None = None
    # Writers of the store take turns: admin ingestion, deletion and the source loop (the
    # store's: in a worker of `serve --workers`, the owner process's lock).
    ingest_lock: AbstractContextManager[Any] = field(default_factory=threading.Lock)

    def close(self) -> None:
        """Release the store (the embedded one locks its folder), the retriever's thread and a
        local model's engine."""
        self.retriever.close()
        if (close := getattr(self.llm, "close", None)) is not None:  # the local model's engine
            close()
        self.store.close()
        if self.sentences is not None:
            self.sentences.close()
        self.engine.dispose()


def build_services(
    settings: Settings, embedder: Embedder | None = None, store: Store | None = None
) -> Services:
    """Load the model, open the store and wire the chain; embedder may be passed in to share it,
    and the store (a worker of `serve --workers` passes its owner's)."""
    embedder = embedder or build_embedder(settings.embedding)
    if store is None:
        store = open_store(
            settings.store, vector_name(embedder.name), embedder.dim, SparseEncoder.name
        )
    sparse = SparseEncoder()
    # Retrieval, the coverage check and the extractive answer share a question's vector.
    asked = QuestionOnce(embedder)
    retriever = Retriever(
        store, asked, sparse, home_chain=settings.chains.default_chain, glossary=Glossary.load()
    )
    sentences = VectorCache(embedder, path=settings.store.data_dir / SENTENCE_VECTORS)
    contracts = ContractLookup(
        Inspector.from_settings(settings.chains, CanonicalTokens.load()), store
    )
    transactions = TransactionExplainer(contracts.inspector, contracts.known)
    prompts = Prompts(settings.api.prompts_dir)
    llm = build_llm(settings.llm)
    answers = AnswerService(
        retriever,
        asked,
        prompts,
        llm,
        top_k=settings.api.chat_top_k,
        use_retrieval=settings.api.chat_retrieval,
        max_tokens=settings.llm.max_tokens,
        max_output_chars=settings.llm.max_output_chars,
        timeout_s=settings.llm.timeout_s,
        onchain=OnchainFacts(
            contracts, settings.chains.default_chain, settings.chains.max_chat_lookups
        ),
        transactions=TransactionReads(transactions, settings.chains.max_chat_lookups),
        sentences=sentences,
    )
    engine = build_engine(settings)
    limiter = RateLimiter(settings.access.rate_limit, settings.access.rate_limit_storage)
    return Services(
        settings,
        embedder,
        store,
        sparse,
        retriever,
        prompts,
        llm,
        answers,
        engine,
        KeyStore(engine),
        limiter,
        SessionStore(engine, settings.access.session_ttl_s, settings.access.session_max_turns),
        contracts,
        transactions,
        FeedbackStore(engine),
        RateLimiter(settings.access.feedback_rate_limit, settings.access.rate_limit_storage),
        sentences,
        store.writers_lock(),
    )
