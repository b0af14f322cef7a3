"""Logging set-up shared by the CLI, the service and the worker."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str | None = None) -> None:
    """Log to stderr in one line per record; quiet the chatty libraries."""
    level = (level or os.environ.get("CRYPTORAG_LOG_LEVEL") or "INFO").upper()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "sentence_transformers", "urllib3", "trafilatura"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
