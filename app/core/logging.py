"""Logging set-up shared by the CLI, the service and the worker."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str | None = None) -> None:
    """Log to stderr in one line per record; quiet the chatty libraries."""
    level = (level or os.environ.get("CRYPTORAG_LOG_LEVEL") or "INFO").upper()
    from app.api.middleware import RequestIdFilter

    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("httpx", "httpcore", "sentence_transformers", "urllib3", "trafilatura"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
