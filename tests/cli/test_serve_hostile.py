"""A running `cryptorag serve` survives hostile bodies and answers the next request."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.serve_cli import serve_process

pytestmark = pytest.mark.integration

DEEP_LIST = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"message":' * 20_000 + b'"x"' + b"}" * 20_000


@pytest.mark.parametrize("require_key", ["false", "true"])
def test_deeply_nested_json_is_a_400_and_the_server_lives(tmp_path: Path, require_key: str) -> None:
    env = {"CRYPTORAG_REQUIRE_API_KEY": require_key}
    with (
        serve_process(tmp_path / "data", env=env) as served,
        httpx.Client(base_url=served.url, timeout=None) as client,
    ):
        for path in ("/v1/chat", "/v1/chat/completions", "/v1/search", "/v1/feedback"):
            for body in (DEEP_LIST, DEEP_OBJECT):
                reply = client.post(
                    path, content=body, headers={"content-type": "application/json"}
                )
                assert reply.status_code == 400, (path, reply.text)
                assert reply.json()["error"]["code"] == "body_too_deep"
        assert served.proc.poll() is None, "".join(served.log)[-2000:]
        assert client.get("/healthz").status_code == 200
        # A body nested as deep as honest clients nest still reaches the route.
        shallow = client.post("/v1/search", json={"query": "weth", "filters": {"type": "news"}})
        assert shallow.status_code in (200, 401), shallow.text
