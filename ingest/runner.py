"""Runs one source: folders and lists through the pipeline, feeds and pages through the fetcher."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from app.kb.models import Document
from ingest.fetch.client import Fetched, Fetcher, FetchFailed
from ingest.fetch.guard import FetchRefused
from ingest.pipeline import IngestReport, Pipeline, skip_reason
from ingest.sources import safe_json
from ingest.sources.contracts import tokenlist_documents
from ingest.sources.remote import (
    FEED_TYPES,
    MAX_FEED_ITEMS,
    PAGE_TYPES,
    Unparseable,
    feed_documents,
    page_document,
)
from ingest.sources.spec import SourceSpec
from ingest.state import IngestState

log = logging.getLogger(__name__)
JSON_TYPES = ("application/json", "text/plain")
GONE = {404, 410}


class SourceRunner:
    """Ingests sources; a refused or failed fetch is reported and the run goes on."""

    def __init__(
        self,
        pipeline: Pipeline,
        fetcher: Fetcher,
        state: IngestState,
        feed_max_items: int = MAX_FEED_ITEMS,
    ) -> None:
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.state = state
        self.feed_max_items = feed_max_items

    def run(self, spec: SourceSpec) -> IngestReport:
        """One pass over a source."""
        if spec.kind == "contracts":
            report = self.pipeline.ingest_paths([spec.path]) if spec.path else IngestReport()
            if spec.entries:
                _merge(report, self.pipeline.ingest_contracts(spec.entries))
            return report
        if spec.path:  # files, protocols, or a token list on disk
            return self.pipeline.ingest_paths([spec.path])
        assert spec.url is not None  # the spec's validator requires one or the other
        if spec.kind == "rss":
            return self._remote(spec.url, FEED_TYPES, spec.metadata(), "rss", spec)
        if spec.kind == "tokenlist":
            return self._remote(spec.url, JSON_TYPES, spec.metadata(), "tokenlist", spec)
        return self._remote(spec.url, PAGE_TYPES, spec.metadata(), "web", spec)

    def ingest_url(self, url: str) -> IngestReport:
        """A one-off URL: a feed or a page, told apart by what comes back."""
        return self._remote(url, FEED_TYPES + PAGE_TYPES, {}, "auto", None)

    def _remote(
        self,
        url: str,
        accept: tuple[str, ...],
        meta: dict[str, Any],
        kind: str,
        spec: SourceSpec | None,
    ) -> IngestReport:
        report = IngestReport()
        key = url  # a remote source's state is kept under its URL
        known = self.state.source(key)
        try:
            got = self.fetcher.fetch(
                url,
                accept,
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
            )
        except (FetchRefused, FetchFailed) as exc:
            reason = ("refused: " if isinstance(exc, FetchRefused) else "failed: ") + str(exc)
            log.warning("%s %s", url, reason)
            report.skipped.append((url, reason))
            self.state.save_error(key, reason)
            if isinstance(exc, FetchFailed) and exc.status in GONE and kind in ("web", "auto"):
                self._forget_gone(key, report)
            return report
        stored = self.state.documents(key)
        digest = hashlib.sha256(got.content).hexdigest()
        if got.not_modified or (known and known.content_hash == digest and not known.error):
            report.documents = report.unchanged = len(stored)
            return report
        report.fetched = 1
        try:
            docs = self._documents(got, meta, kind, spec, report)
        except Exception as exc:  # a hostile body skips this source, never the run
            reason = str(exc) if isinstance(exc, Unparseable) else skip_reason(exc)
            log.warning("%s skipped: %s", url, reason)
            report.skipped.append((url, reason))
            self.state.save_error(key, reason)
            return report
        self.pipeline.ingest_documents(docs, report)
        # Validators are saved only now, after the store has the documents.
        self.state.save_source(
            key, got.etag, got.last_modified, digest, {d.doc_id: d.fingerprint() for d in docs}
        )
        return report

    def _documents(
        self,
        got: Fetched,
        meta: dict[str, Any],
        kind: str,
        spec: SourceSpec | None,
        report: IngestReport,
    ) -> list[Document]:
        if kind == "tokenlist":
            try:
                data = safe_json.load(got.content, "token list")
            except safe_json.UnreadableJSON as exc:
                raise Unparseable(str(exc)) from None
            if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
                raise Unparseable("not a token list (no tokens array)")
            return tokenlist_documents(data, got.url)
        if kind == "rss" or (kind == "auto" and _looks_like_feed(got)):
            docs, skipped = feed_documents(got.content, got.url, meta, self.feed_max_items)
            report.skipped += skipped
            if spec is not None and spec.follow_links:
                docs = [self._full_article(d, meta) for d in docs]
            return docs
        return [page_document(got.content, got.content_type, got.url, meta)]

    def _full_article(self, item: Document, meta: dict[str, Any]) -> Document:
        """The item's page text instead of its summary, when the page can be fetched."""
        if not item.url:
            return item
        try:
            got = self.fetcher.fetch(item.url, PAGE_TYPES)
            page = page_document(got.content, got.content_type, got.url, meta)
        except Exception as exc:  # a refused, failed or hostile page: the summary stays
            log.info("kept the summary of %s: %s", item.url, exc)
            return item
        return item.model_copy(update={"text": page.text})

    def _forget_gone(self, key: str, report: IngestReport) -> None:
        """A page that answers 404 or 410 is removed from the knowledge base."""
        gone = list(self.state.documents(key))
        if gone:
            self.pipeline.store.delete_documents(gone)
            self.state.forget(key)
            report.deleted += len(gone)


def _looks_like_feed(got: Fetched) -> bool:
    if got.content_type in FEED_TYPES:
        return True
    head = got.content[:512].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))


def _merge(into: IngestReport, other: IngestReport) -> None:
    for name in ("documents", "fetched", "written", "unchanged", "deleted", "chunks", "seconds"):
        setattr(into, name, getattr(into, name) + getattr(other, name))
    into.skipped += other.skipped
