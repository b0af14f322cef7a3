"""The server that owns the embedded store: its announcement file, and a client for it.

`cryptorag serve` writes `server.json` (host, port, pid and a token for this data dir's CLI) into
the data dir at start and removes it at exit; `ingest`, `ask` and `stats` find it, check that
the server answers, and go through its admin endpoints instead of opening the locked store.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.core.errors import AppError
from app.core.settings import StoreSettings

SERVER_FILE = "server.json"


@dataclass(frozen=True)
class RunningServer:
    """Where the owning server listens, and the token its admin endpoints accept."""

    url: str
    token: str
    pid: int


def server_file(settings: StoreSettings) -> Path:
    """The announcement file of this data dir."""
    return settings.data_dir / SERVER_FILE


def announce(settings: StoreSettings, host: str, port: int) -> str:
    """Write the announcement (readable by this user only) and return its fresh token."""
    token = secrets.token_urlsafe(32)
    path = server_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    connect = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    body = {"host": connect, "port": port, "pid": os.getpid(), "token": token}
    # Written whole, then renamed into place: a CLI reading it meanwhile sees the old file or
    # the new one, never an empty or half-written one.
    part = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(body, f)
    os.replace(part, path)
    return token


def withdraw(settings: StoreSettings) -> None:
    """Remove the announcement if this process wrote it."""
    path = server_file(settings)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def find(settings: StoreSettings) -> RunningServer | None:
    """The live server on this data dir, or None (a Qdrant server needs no owner)."""
    if settings.qdrant_url is not None:
        return None
    try:
        data = json.loads(server_file(settings).read_text())
        server = RunningServer(
            f"http://{data['host']}:{int(data['port'])}", str(data["token"]), int(data["pid"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(server.pid):
        return None  # a killed server leaves its file behind; its lock went with it
    try:
        httpx.get(f"{server.url}/healthz", timeout=3).raise_for_status()
    except httpx.HTTPError:
        return None
    return server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ServerError(AppError):
    """The owning server answered with an error."""

    code = "server_error"


class AdminClient:
    """The admin endpoints of the owning server."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        # Ingestion runs as long as the documents take; no read timeout.
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=httpx.Timeout(10, read=None),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def ingest(self, targets: list[str]) -> list[dict[str, Any]]:
        """Ingest files, folders, URLs and contract refs on the server; one report per kind."""
        return list(self._call("POST", "/v1/admin/ingest", {"targets": targets})["reports"])

    def delete(self, sources: list[str]) -> int:
        """Remove documents by source; the chunks removed."""
        return int(self._call("POST", "/v1/admin/documents/delete", {"sources": sources})["chunks"])

    def stats(self) -> dict[str, Any]:
        """Counts and store details."""
        return dict(self._call("GET", "/v1/admin/stats"))

    def ask(self, question: str) -> dict[str, Any]:
        """One answer with its sources."""
        return dict(self._call("POST", "/v1/admin/ask", {"question": question}))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        if response.is_error:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise ServerError(f"the server at {self.server.url} answered: {message}")
        return response.json()
