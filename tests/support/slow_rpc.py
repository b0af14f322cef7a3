"""A JSON-RPC relay to a real node that stalls on, or refuses, chosen calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

RATE_LIMITED = {"code": -32005, "message": "rate limit exceeded"}


@contextmanager
def stalling_relay(
    upstream: str,
    stall_on: set[str],
    refuse: Callable[[dict[str, object]], bool] = lambda call: False,
) -> Iterator[str]:
    """Yield a URL that relays to `upstream`, holds (until exit) requests with the methods in
    `stall_on`, and answers the calls `refuse` picks with a rate-limit error, as providers do."""
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
            calls, answers = json.loads(body), json.loads(reply)
            if isinstance(calls, list) and isinstance(answers, list):
                by_id = {c["id"]: c for c in calls}
                for answer in answers:
                    if refuse(by_id[answer["id"]]):
                        answer.pop("result", None)
                        answer["error"] = RATE_LIMITED
                reply = json.dumps(answers).encode()
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
