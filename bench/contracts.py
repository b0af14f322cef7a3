"""GET /v1/contracts latency, cold and warm, and RPC round trips per inspection, against anvil.

Usage (from the repo root; needs `make chain-tools` for anvil):
    .venv/bin/python -m bench.contracts                    # loopback anvil
    .venv/bin/python -m bench.contracts --latency-ms 30    # each RPC round trip delayed, as a
                                                           # remote provider would be

Baseline in the same run: the same inspections with every JSON-RPC call sent on its own
(no batching), which is what a client calling web3 functions one by one does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.api.app import create_app
from app.chain.rpc import ChainRpc
from app.core.settings import AccessSettings, ChainSettings, Settings, StoreSettings
from app.services import build_services
from bench.common import UNLIMITED, percentile
from tests.support.anvil import anvil, deploy_fixtures
from tests.support.server import serve

ROLES = (
    "token18",
    "fake_usdc",
    "nft",
    "multi",
    "vault",
    "mkr",
    "usdt_like",
    "hostile",
    "uups",
    "transparent",
    "beacon_proxy",
    "legacy_uups",
    "clone",
    "eoa",
)


class DelayedRpc(ChainRpc):
    """An RPC client whose round trips cost a fixed delay, like a provider across the internet."""

    delay_s = 0.0
    unbatched = False

    def _send_once(self, calls: list[tuple[str, list[Any]]]) -> Any:
        if not self.unbatched:
            time.sleep(self.delay_s)
            return super()._send_once(calls)
        out = []
        for call in calls:
            time.sleep(self.delay_s)
            out.extend(super()._send_once([call]))
        return out


def run(url: str, addresses: dict[str, str], delay_s: float, unbatched: bool, rounds: int) -> dict:
    """Cold (empty caches) and warm latencies over HTTP, and round trips per inspection."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            store=StoreSettings(data_dir=Path(tmp)),
            chains=ChainSettings.model_validate(
                {"rpc_urls": {"ethereum": url}, "block_ttl_s": 600}
            ),
            access=AccessSettings(rate_limit=UNLIMITED),
        )
        services = build_services(settings)
        inspector = services.contracts.inspector
        rpc = DelayedRpc("ethereum", url, block_ttl_s=600)
        rpc.delay_s, rpc.unbatched = delay_s, unbatched
        inspector.clients["ethereum"] = rpc
        cold: list[float] = []
        warm: list[float] = []
        trips_cold: list[int] = []
        trips_warm: list[int] = []
        try:
            with serve(create_app(settings, services)) as base, httpx.Client(base_url=base) as c:
                for _ in range(rounds):
                    inspector._cache.clear()
                    rpc._block = None
                    for phase, times, trips in (
                        ("cold", cold, trips_cold),
                        ("warm", warm, trips_warm),
                    ):
                        for role in ROLES:
                            before = rpc.round_trips
                            started = time.perf_counter()
                            r = c.get(f"/v1/contracts/ethereum/{addresses[role]}")
                            times.append((time.perf_counter() - started) * 1000)
                            trips.append(rpc.round_trips - before)
                            assert r.status_code == 200, (phase, r.text)
        finally:
            services.close()
    return {
        "cold_p50": percentile(cold, 50),
        "cold_p95": percentile(cold, 95),
        "warm_p50": percentile(warm, 50),
        "warm_p95": percentile(warm, 95),
        "trips_cold_mean": sum(trips_cold) / len(trips_cold),
        "trips_cold_max": max(trips_cold),
        "trips_warm_mean": sum(trips_warm) / len(trips_warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with anvil() as url:
        addresses = deploy_fixtures(url)
        delay = args.latency_ms / 1000
        rows = {
            "batched": run(url, addresses, delay, False, args.rounds),
            "unbatched baseline": run(url, addresses, delay, True, args.rounds),
        }
    print(f"{len(ROLES)} addresses x {args.rounds} rounds, added RPC latency {args.latency_ms} ms")
    heads = ("cold p50", "cold p95", "warm p50", "RT cold", "RT max", "RT warm")
    print(f"{'':20} " + " ".join(f"{h:>9}" for h in heads))
    for name, r in rows.items():
        print(
            f"{name:20} {r['cold_p50']:8.1f}ms {r['cold_p95']:8.1f}ms {r['warm_p50']:8.1f}ms "
            f"{r['trips_cold_mean']:8.2f} {r['trips_cold_max']:7d} {r['trips_warm_mean']:8.2f}"
        )
    b, u = rows["batched"], rows["unbatched baseline"]
    print(f"cold p50 ratio batched/unbatched: {b['cold_p50'] / u['cold_p50']:.2f}")


if __name__ == "__main__":
    main()
