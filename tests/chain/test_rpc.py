"""RPC failures become clear errors in bounded time."""

from __future__ import annotations

import time

import pytest

from app.chain.rpc import ChainRpc
from app.core.errors import UpstreamError, UpstreamTimeout
from bench.support.anvil import free_port
from tests.support.hang import hanging_server


def test_refused_connection_is_retried_then_502() -> None:
    rpc = ChainRpc("ethereum", f"http://127.0.0.1:{free_port()}", retries=2)
    with pytest.raises(UpstreamError, match="cannot reach the ethereum RPC node") as err:
        rpc.head()
    assert err.value.status == 502
    assert rpc.round_trips == 3


def test_hung_node_times_out_once_with_504() -> None:
    with hanging_server() as url:
        rpc = ChainRpc("ethereum", url, timeout_s=0.5, retries=3)
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout, match=r"did not answer within 0\.5s") as err:
            rpc.head()
        assert time.monotonic() - started < 3
    assert err.value.status == 504
    assert rpc.round_trips == 1


def test_batch_returns_per_call_errors(chain: tuple[str, dict[str, str]]) -> None:
    url, a = chain
    rpc = ChainRpc("ethereum", url)
    ok, bad = rpc.batch(
        [("eth_getCode", [a["token18"], "latest"]), ("eth_call", [{"to": a["reverter"]}, "latest"])]
    )
    assert ok.ok and ok.result.startswith("0x6080")
    assert not bad.ok and bad.error
    assert rpc.round_trips == 1
