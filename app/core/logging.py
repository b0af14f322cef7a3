"""Logging set-up shared by the CLI, the service and the worker."""

from __future__ import annotations

import json
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


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (CRYPTORAG_LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str | None = None, fmt: str | None = None) -> None:
    """Log to stderr, one line per record (text or JSON); quiet the chatty libraries."""
    level = (level or os.environ.get("CRYPTORAG_LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("CRYPTORAG_LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler])
    # alembic announces its context on every start; migrations that run still log at WARNING.
    for noisy in (
        "httpx",
        "httpcore",
        "sentence_transformers",
        "urllib3",
        "trafilatura",
        "alembic",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
