"""Idempotent ingestion: documents -> chunks -> vectors -> Qdrant, with cleanup of removed files."""

from __future__ import annotations

import logging
import time
from collections import Counter
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
from app.kb.trust import Trust
from app.kb.vector_cache import VectorCache
from app.rag.extractive import sentence_texts
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
    # Documents stored with a field read at a loss (an unknown type or chain, a bad address).
    warnings: list[tuple[str, str]] = field(default_factory=list)
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
            + (f"; {len(self.warnings)} warnings" if self.warnings else "")
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
        allow_hard_links: bool = False,
        sentences: VectorCache | None = None,
    ) -> None:
        self.store = store
        # Where the extractive answer finds each chunk's sentence vectors: filled here, once.
        self.sentences = sentences
        self.allow_hard_links = allow_hard_links
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
        return cls(
            services.store,
            services.embedder,
            chunker,
            services.sparse,
            cards=cards,
            allow_hard_links=services.settings.ingest.ingest_allow_hard_links,
            sentences=services.sentences,
        )

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
                    notes: list[str] = []
                    loaded = load_file(item, allow_hard_links=self.allow_hard_links, notes=notes)
                    report.warnings += [(str(item.path), note) for note in notes]
                    yield from self._filled(loaded, report, failed)
                except Exception as exc:  # one bad file skips that file, never the run
                    reason = skip_reason(exc)
                    log.warning("skipped %s: %s", item.path, reason)
                    report.skipped.append((str(item.path), reason))
                    if not isinstance(exc, SkipFile) or exc.keep_stored:
                        failed.append(str(item.path))  # what is stored from it stays
                finally:
                    bar.update(1)

        # One scan of what is stored serves both the skip test and the cleanup: every document
        # written in this run is in `seen`, so only keys from before the run can be stale.
        stored = stored_versions(self.store)
        # Files come from the operator's own folders, whatever their front matter says.
        seen = self.write_documents(with_trust(documents(), "operator"), report, stored)
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
        self.write_documents(self._filled(docs, report, []), report, stored_versions(self.store))
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
        return self.ingest_documents(with_trust(docs, "operator"), report)

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
            except Exception as exc:  # one bad card skips that card, never the run
                log.warning("card %s skipped: %s", doc.source, skip_reason(exc))
                report.skipped.append((doc.source, skip_reason(exc)))
                failed.append(doc.doc_id)

    def write_documents(
        self, docs: Iterable[Document], report: IngestReport, stored: dict[str, set[str]]
    ) -> set[str]:
        """Write changed documents in batches of chunks; return every document key seen.

        A batch is `batch_chunks` chunks whatever documents they belong to, so that a large
        file streams like many small ones: writing one batch overlaps with embedding the next,
        and memory stays bounded. A document's old version goes with its last batch.
        """
        seen: set[str] = set()
        queue = _Queue()
        writing: Future[None] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer") as writer:
            for doc in docs:
                report.documents += 1
                seen.add(doc.doc_id)  # a document that fails below keeps its stored version
                try:
                    digest = doc.fingerprint()
                    if stored.get(doc.doc_id) == {digest}:
                        report.unchanged += 1
                        continue
                    chunks = self.chunker.split(doc, digest)
                except Exception as exc:  # one bad document skips that document, never the run
                    log.warning("skipped %s: %s", doc.source, skip_reason(exc))
                    report.skipped.append((doc.source, skip_reason(exc)))
                    continue
                queue.add(doc.doc_id, digest, chunks)
                while len(queue.chunks) >= self.batch_chunks:
                    batch, done = queue.take(self.batch_chunks)
                    writing = self._flush(batch, done, stored, report, writer, writing)
            batch, done = queue.take(len(queue.chunks))
            writing = self._flush(batch, done, stored, report, writer, writing)
            if writing is not None:
                writing.result()
        return seen

    def _flush(
        self,
        chunks: list[Chunk],
        done: dict[str, str],
        stored: dict[str, set[str]],
        report: IngestReport,
        writer: ThreadPoolExecutor,
        previous: Future[None] | None,
    ) -> Future[None] | None:
        """Embed a batch here, then hand it to the writer once the previous write is done.

        `done` holds the documents (key -> hash) whose last chunk is in this batch.
        """
        if not chunks and not done:
            return previous
        texts = [c.embed_text for c in chunks]
        vectors = self.embedder.embed_documents(texts) if chunks else []
        if self.sentences is not None and chunks:
            self.sentences.add(texts, vectors)  # what the "not covered" judgement compares
            self.sentences.remember([t for c in chunks for t in sentence_texts(c)])
        lexical = [self.sparse.encode_document(t) for t in texts]
        replaced = {doc_id: digest for doc_id, digest in done.items() if doc_id in stored}
        if previous is not None:
            previous.result()  # a failed write stops the run before anything else is written

        def write() -> None:
            if chunks:
                self.store.upsert(chunks, vectors, lexical)
                documents = len({c.doc_id for c in chunks})
                log.info("stored %d chunks of %d documents", len(chunks), documents)
            # Old versions go only after the new chunks are stored: a crash leaves both.
            self.store.delete_stale_versions(replaced)

        report.written += len(done)
        report.chunks += len(chunks)
        return writer.submit(write)


@dataclass
class _Queue:
    """Chunks waiting to be embedded, and where each document's last one is."""

    chunks: list[Chunk] = field(default_factory=list)
    # (document key, its hash, the queue position just after its last chunk)
    ends: list[tuple[str, str, int]] = field(default_factory=list)

    def add(self, doc_id: str, digest: str, chunks: list[Chunk]) -> None:
        """Queue a document's chunks, last one first (see stored_versions for why)."""
        self.chunks.extend(reversed(chunks))
        self.ends.append((doc_id, digest, len(self.chunks)))

    def take(self, n: int) -> tuple[list[Chunk], dict[str, str]]:
        """The first n chunks, and the documents they complete."""
        batch, self.chunks = self.chunks[:n], self.chunks[n:]
        done = {doc_id: digest for doc_id, digest, end in self.ends if end <= len(batch)}
        self.ends = [(d, h, end - len(batch)) for d, h, end in self.ends if end > len(batch)]
        return batch, done


INCOMPLETE = "(incomplete)"


def stored_versions(store: QdrantStore) -> dict[str, set[str]]:
    """Every stored document key with the content hashes its chunks carry.

    A document can be split over several writes. Its chunks are written last to first, so
    one that a killed run left half-written lacks its first chunks: fewer chunks than its
    highest index + 1. Such a document also carries INCOMPLETE, so it never counts as
    unchanged and the next run writes it again.
    """
    hashes: dict[str, set[str]] = {}
    count: Counter[str] = Counter()
    last: dict[str, int] = {}
    for _, payload in store.scroll_payloads(["doc_id", "doc_hash", "index"]):
        key = str(payload.get("doc_id"))
        hashes.setdefault(key, set()).add(str(payload.get("doc_hash")))
        count[key] += 1
        last[key] = max(last.get(key, -1), int(payload.get("index") or 0))
    for key, n in count.items():
        if n != last[key] + 1:
            hashes[key].add(INCOMPLETE)
    return hashes


def with_trust(docs: Iterable[Document], trust: Trust) -> Iterator[Document]:
    """Documents stamped with the trust level of where they came from."""
    for doc in docs:
        yield doc.model_copy(update={"trust": trust})


def skip_reason(exc: Exception) -> str:
    """Why an input was skipped: a SkipFile's own reason, or what went wrong, in one line."""
    if isinstance(exc, SkipFile):
        return str(exc)
    if isinstance(exc, OSError):
        return f"unreadable: {exc.strerror}"
    return f"failed: {type(exc).__name__}: {str(exc)[:300]}"


def _under_any(doc_id: str, scopes: Iterable[str]) -> bool:
    """Whether a document key is one of the scopes or inside one (a file in a folder, an entry)."""
    return any(doc_id == s or doc_id.startswith((s + "/", s + "#")) for s in scopes)
