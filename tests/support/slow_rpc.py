"""A JSON-RPC relay to a real node that never answers batches naming chosen methods."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@contextmanager
def stalling_relay(upstream: str, stall_on: set[str]) -> Iterator[str]:
    """Yield a URL that relays to `upstream`, and holds (until exit) requests with those methods."""
    release = threading.Event()

    class Relay(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if any(f'"{m}"'.encode() in body for m in stall_on):
                release.wait()
                return
            reply = httpx.post(
                upstream, content=body, headers={"Content-Type": "application/json"}
            ).content
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
