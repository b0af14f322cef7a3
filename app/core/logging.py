"""Logging set-up shared by the CLI, the service and the worker."""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar

# The id of the request being served, set by the API's middleware; "-" outside requests.
request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every log record as %(request_id)s."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str | None = None) -> None:
    """Log to stderr in one line per record; quiet the chatty libraries."""
    level = (level or os.environ.get("CRYPTORAG_LOG_LEVEL") or "INFO").upper()
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("httpx", "httpcore", "sentence_transformers", "urllib3", "trafilatura"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
