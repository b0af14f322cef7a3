"""A temporary store with a corpus ingested: what every evaluation runs against."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from app.core.settings import Settings, StoreSettings
from app.kb.embeddings import Embedder
from app.services import Services, build_services


@contextmanager
def ingested(
    settings: Settings, corpora: Sequence[Path], embedder: Embedder | None = None
) -> Iterator[Services]:
    """Services over a fresh temporary data dir holding the corpora; removed afterwards."""
    from ingest.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="cryptorag-eval-") as tmp:
        scratch = copy.copy(settings)
        scratch.store = StoreSettings(data_dir=Path(tmp), collection="eval")
        services = build_services(scratch, embedder=embedder)
        try:
            report = Pipeline.from_services(services).ingest_paths(corpora)
            if report.failed:
                raise ValueError(f"corpus did not ingest cleanly: {report.skipped[:3]}")
            yield services
        finally:
            services.close()
