"""Idempotent ingestion: documents -> chunks -> vectors -> Qdrant, with cleanup of removed files."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

if TYPE_CHECKING:
    from app.services import Services

from app.kb.embeddings import Embedder
from app.kb.models import Chunk, Document
from app.kb.sparse import SparseEncoder
from app.kb.store import QdrantStore
from ingest.chunking import Chunker
from ingest.sources.contracts import CardError, CardWriter, ref_document
from ingest.sources.files import SkipFile, load_file, walk

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one run did."""

    documents: int = 0
    fetched: int = 0
    written: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """True when some input could not be ingested."""
        return bool(self.skipped)

    def summary(self) -> str:
        """One line for the terminal."""
        fetched = f"{self.fetched} fetched, " if self.fetched else ""
        return (
            f"ingested {self.documents} documents: {fetched}{self.written} written, "
            f"{self.unchanged} unchanged, {self.deleted} removed, {len(self.skipped)} skipped; "
            f"{self.chunks} chunks in {self.seconds:.1f}s"
        )


class Pipeline:
    """Writes documents into the store in embedding batches, skipping unchanged ones."""

    def __init__(
        self,
        store: QdrantStore,
        embedder: Embedder,
        chunker: Chunker,
        sparse: SparseEncoder,
        batch_chunks: int = 256,
        cards: CardWriter | None = None,
    ) -> None:
        self.store = store
        self.sparse = sparse
        self.embedder = embedder
        self.chunker = chunker
        self.batch_chunks = batch_chunks
        self.cards = cards

    @classmethod
    def from_services(cls, services: Services) -> Pipeline:
        """The pipeline over the services' store and encoders, chunked for their model."""
        chunker = Chunker(services.embedder.count_tokens, services.embedder.max_tokens)
        cards = CardWriter(services.contracts.inspector)
        return cls(services.store, services.embedder, chunker, services.sparse, cards=cards)

    def ingest_paths(self, targets: Iterable[Path], progress: bool = False) -> IngestReport:
        """Ingest files and folders; documents that left an ingested folder are removed."""
        started = time.perf_counter()
        report = IngestReport()
        targets = [Path(t) for t in targets]
        for target in targets:
            if not target.exists():
                report.skipped.append((str(target), "no such file or folder"))
        existing = [t for t in targets if t.exists()]
        items = [item for t in existing for item in walk(t)]
        failed: list[str] = []
        bar = tqdm(total=len(items), desc="ingest", unit="file", disable=not progress)

        def documents() -> Iterator[Document]:
            for item in items:
                try:
                    yield from self._filled(load_file(item), report, failed)
                except (SkipFile, OSError) as exc:
                    reason = (
                        str(exc) if isinstance(exc, SkipFile) else f"unreadable: {exc.strerror}"
                    )
                    log.warning("skipped %s: %s", item.path, reason)
                    report.skipped.append((str(item.path), reason))
                    failed.append(str(item.path))
                finally:
                    bar.update(1)

        # One scan of what is stored serves both the skip test and the cleanup: every document
        # written in this run is in `seen`, so only keys from before the run can be stale.
        stored = self.store.document_hashes()
        seen = self.write_documents(documents(), report, stored)
        bar.close()
        scopes = [str(t.resolve()) for t in existing]
        stale = [
            doc_id
            for doc_id in stored
            if doc_id not in seen and _under_any(doc_id, scopes) and not _under_any(doc_id, failed)
        ]
        self.store.delete_documents(stale)
        report.deleted = len(stale)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_documents(
        self, docs: Iterable[Document], report: IngestReport | None = None
    ) -> IngestReport:
        """Write documents from any source (feeds, pages, lists); unchanged ones are skipped."""
        started = time.perf_counter()
        report = report or IngestReport()
        self.write_documents(self._filled(docs, report, []), report, self.store.document_hashes())
        report.seconds += time.perf_counter() - started
        return report

    def ingest_contracts(self, refs: Iterable[str]) -> IngestReport:
        """Contract cards for `chain:address` entries, read live from their chains."""
        report = IngestReport()
        docs = []
        for ref in refs:
            try:
                docs.append(ref_document(ref))
            except ValueError as exc:
                report.skipped.append((ref, str(exc)))
        return self.ingest_documents(docs, report)

    def _filled(
        self, docs: Iterable[Document], report: IngestReport, failed: list[str]
    ) -> Iterator[Document]:
        """Documents with their contract cards read from the chain; unreadable cards are kept."""
        for doc in docs:
            if self.cards is None:
                yield doc
                continue
            try:
                yield self.cards(doc)
            except CardError as exc:
                log.warning("card %s not refreshed: %s", doc.source, exc)
                report.skipped.append((doc.source, f"not refreshed: {exc}"))
                failed.append(doc.doc_id)

    def write_documents(
        self, docs: Iterable[Document], report: IngestReport, stored: dict[str, set[str]]
    ) -> set[str]:
        """Write changed documents in batches; return every document key seen.

        Writing a batch to the store overlaps with loading and embedding the next one.
        """
        seen: set[str] = set()
        pending: list[tuple[Document, str, list[Chunk]]] = []
        pending_chunks = 0
        writing: Future[None] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer") as writer:
            for doc in docs:
                report.documents += 1
                seen.add(doc.doc_id)
                digest = doc.fingerprint()
                if stored.get(doc.doc_id) == {digest}:
                    report.unchanged += 1
                    continue
                chunks = self.chunker.split(doc, digest)
                pending.append((doc, digest, chunks))
                pending_chunks += len(chunks)
                if pending_chunks >= self.batch_chunks:
                    writing = self._flush(pending, stored, report, writer, writing)
                    pending, pending_chunks = [], 0
            writing = self._flush(pending, stored, report, writer, writing)
            if writing is not None:
                writing.result()
        return seen

    def _flush(
        self,
        pending: list[tuple[Document, str, list[Chunk]]],
        stored: dict[str, set[str]],
        report: IngestReport,
        writer: ThreadPoolExecutor,
        previous: Future[None] | None,
    ) -> Future[None] | None:
        """Embed a batch here, then hand it to the writer once the previous write is done."""
        if not pending:
            return previous
        chunks = [c for _, _, cs in pending for c in cs]
        texts = [c.embed_text for c in chunks]
        vectors = self.embedder.embed_documents(texts) if chunks else []
        lexical = [self.sparse.encode_document(t) for t in texts]
        replaced = {doc.doc_id: digest for doc, digest, _ in pending if doc.doc_id in stored}
        if previous is not None:
            previous.result()  # a failed write stops the run before anything else is written

        def write() -> None:
            self.store.upsert(chunks, vectors, lexical)
            log.info("stored %d chunks of %d documents", len(chunks), len(pending))
            # Old versions go only after the new chunks are stored: a crash leaves both.
            self.store.delete_stale_versions(replaced)

        report.written += len(pending)
        report.chunks += len(chunks)
        return writer.submit(write)


def _under_any(doc_id: str, scopes: Iterable[str]) -> bool:
    """Whether a document key is one of the scopes or inside one (a file in a folder, an entry)."""
    return any(doc_id == s or doc_id.startswith((s + "/", s + "#")) for s in scopes)
