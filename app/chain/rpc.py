"""JSON-RPC to one chain through web3.py: batched calls, bounded time, retries with backoff."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential
from web3 import HTTPProvider

from app.core.errors import UpstreamError, UpstreamTimeout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RpcResult:
    """One call's answer in a batch: a result, or the node's error message (a revert, say)."""

    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the node returned a result."""
        return self.error is None


class ChainRpc:
    """One chain's JSON-RPC endpoint; counts round trips so benchmarks can report them."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 2,
        block_ttl_s: float = 2.0,
    ) -> None:
        self.name = name
        self.url = url
        self.timeout_s = timeout_s
        self.block_ttl_s = block_ttl_s
        # web3's own retry covers single requests only; batches are retried below.
        self.provider = HTTPProvider(
            url, request_kwargs={"timeout": timeout_s}, exception_retry_configuration=None
        )
        self.round_trips = 0
        self._chain_id: int | None = None
        self._block: tuple[int, float] | None = None
        self._lock = threading.Lock()
        # Refused connections are retried; a timeout is not, so a hung node costs one timeout.
        self._send = retry(
            retry=retry_if_exception(_refused),
            stop=stop_after_attempt(retries + 1),
            wait=wait_exponential(multiplier=0.1, max=1.0),
            reraise=True,
        )(self._send_once)

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[RpcResult]:
        """Send calls as one JSON-RPC batch (one round trip); per-call errors are returned."""
        if not calls:
            return []
        try:
            response = self._send(calls)
        except requests.Timeout:
            raise UpstreamTimeout(
                f"the {self.name} RPC node did not answer within {self.timeout_s:g}s",
                code="rpc_timeout",
            ) from None
        except requests.RequestException as exc:
            raise UpstreamError(
                f"cannot reach the {self.name} RPC node: {type(exc).__name__}",
                code="rpc_unreachable",
            ) from None
        except ValueError:
            raise UpstreamError(
                f"the {self.name} RPC node answered with something that is not JSON-RPC",
                code="rpc_error",
            ) from None
        if not isinstance(response, list) or len(response) != len(calls):
            message = response.get("error", {}) if isinstance(response, dict) else response
            raise UpstreamError(
                f"the {self.name} RPC node refused the batch: {str(message)[:200]}",
                code="rpc_error",
            )
        return [_result(item) for item in response]

    def head(self) -> int:
        """The latest block number, reused for block_ttl_s; checks the chain id once."""
        with self._lock:
            now = time.monotonic()
            if self._block and now - self._block[1] < self.block_ttl_s:
                return self._block[0]
            calls: list[tuple[str, list[Any]]] = [("eth_blockNumber", [])]
            if self._chain_id is None:
                calls.append(("eth_chainId", []))
            results = self.batch(calls)
            if not all(r.ok for r in results):
                raise UpstreamError(
                    f"{self.name} RPC could not report its head: {results[0].error}",
                    code="rpc_error",
                )
            block = _int(results[0].result)
            if len(results) > 1:
                self._chain_id = _int(results[1].result)
            self._block = (block, now)
            return block

    @property
    def chain_id(self) -> int | None:
        """The chain id the node reported, once head() has run."""
        return self._chain_id

    def _send_once(self, calls: list[tuple[str, list[Any]]]) -> Any:
        self.round_trips += 1
        return self.provider.make_batch_request(calls)  # type: ignore[arg-type]


def _refused(exc: BaseException) -> bool:
    """Connection failures other than timeouts are worth another try."""
    return isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout)


def _result(item: Any) -> RpcResult:
    if not isinstance(item, dict):
        return RpcResult(error="malformed response")
    if "error" in item:
        err = item["error"]
        message = err.get("message", "error") if isinstance(err, dict) else str(err)
        return RpcResult(error=str(message)[:300])
    return RpcResult(result=item.get("result"))


def _int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value, 16)
        except ValueError:
            pass
    elif isinstance(value, int):
        return value
    raise UpstreamError(
        f"RPC returned {str(value)[:60]!r} where a number was expected", code="rpc_error"
    )
