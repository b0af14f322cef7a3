"""GET /v1/contracts latency, cold and warm, and RPC round trips per inspection, against anvil;
then each token-risk check: when its answer is ready and after how many round trips.

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
from app.chain.canonical import CanonicalTokens
from app.chain.checks.run import ORDER
from app.chain.inspector import Inspector
from app.chain.rpc import ChainRpc
from app.core.settings import AccessSettings, ChainSettings, Settings, StoreSettings
from app.eval.metrics import percentile
from app.services import build_services
from bench.common import UNLIMITED
from bench.support.anvil import anvil, deploy_fixtures
from bench.support.risk_tokens import deploy_risk_fixtures
from bench.support.server import serve

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
    # The token-risk fixtures (tests/chain/fixtures/contracts/Risks.sol).
    "mintable",
    "pausable",
    "blacklist",
    "fee",
    "limits",
    "destructible",
    "clean",
    "safe_owned",
    "mint_proxy",
)
# Which round trip of an inspection each check waits for: 0 is the inspection's own batch (code,
# token calls, owner(), paused()), 1 the owner's code and the Transfer-log pages, 2 the holders'
# balances, 3 the simulated transfers (and a flagged holder's code). lookalike reads no chain.
STAGE = {
    "owner_is_eoa": 1,
    "owner_is_multisig": 1,
    "holder_concentration": 3,  # a flagged holder's code is read with the transfers
    "fee_on_transfer": 3,
    "transfer_blocked_for_holders": 3,
}


class DelayedRpc(ChainRpc):
    """An RPC client whose round trips cost a fixed delay, like a provider across the internet;
    it notes when each batch ended and which stage of the checks it served."""

    delay_s = 0.0
    unbatched = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[int, float]] = []

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        out = super().batch(calls)
        self.log.append((_stage(calls), time.perf_counter()))
        return out

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


def _stage(calls: list[tuple[str, list[Any]]]) -> int:
    """Which stage of an inspection a batch is, from what it asks."""
    methods = {m for m, _ in calls}
    if any(m == "eth_call" and len(p) == 3 for m, p in calls):
        return 3  # a state override: the simulated transfers
    if "eth_getLogs" in methods or (calls[0][0] == "eth_getCode" and len(calls) == 3):
        return 1
    data = {p[0].get("data", "")[:10] for m, p in calls if m == "eth_call"}
    if methods == {"eth_call"} and data == {"0x70a08231"}:
        return 2
    return 0


def per_check(url: str, addresses: dict[str, str], delay_s: float, rounds: int) -> dict:
    """Cold inspections straight through the inspector: per check, ms until its answer was in
    and the round trips it waited for; and per address, the whole inspection."""
    ready: dict[str, list[float]] = {c: [] for c in ORDER}
    trips: dict[str, list[int]] = {c: [] for c in ORDER}
    total: list[float] = []
    total_trips: list[int] = []
    for _ in range(rounds):
        rpc = DelayedRpc("ethereum", url, block_ttl_s=600)
        rpc.delay_s = delay_s
        inspector = Inspector({"ethereum": rpc}, CanonicalTokens.load())
        rpc.head()
        for role in ROLES:
            if role in ("eoa",):
                continue
            rpc.log.clear()
            before = rpc.round_trips
            started = time.perf_counter()
            facts = inspector.inspect("ethereum", addresses[role])
            ended = time.perf_counter()
            total.append((ended - started) * 1000)
            total_trips.append(rpc.round_trips - before)
            for check in facts.checks:
                stage = STAGE.get(check.id, 0)
                done = [t for s, t in rpc.log if s <= stage]
                ready[check.id].append(((max(done) if done else started) - started) * 1000)
                trips[check.id].append(len(done))
    rows = {
        c: (percentile(v, 50), percentile(v, 95), sum(trips[c]) / len(trips[c]))
        for c, v in ready.items()
        if v
    }
    lookalike = _lookalike_ms(rounds)
    rows["lookalike"] = (percentile(lookalike, 50), percentile(lookalike, 95), 0.0)
    return {
        "checks": rows,
        "total_p50": percentile(total, 50),
        "total_p95": percentile(total, 95),
        "trips_mean": sum(total_trips) / len(total_trips),
        "trips_max": max(total_trips),
    }


def _lookalike_ms(rounds: int) -> list[float]:
    """The lookalike check against the curated list (1,290 addresses), timed alone."""
    from app.chain.checks.lookalike import Known, LookalikeIndex, lookalike_check

    index = LookalikeIndex()
    for t in CanonicalTokens.load().by_address.values():
        index.add(Known(t.address, t.name, t.chain, "curated token list"))
    out = []
    for n in range(rounds * 20):
        address = "0xa0b8" + f"{n:032x}" + "eb48"
        started = time.perf_counter()
        lookalike_check(address, "ethereum", [index])
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with anvil() as url:
        addresses = {**deploy_fixtures(url), **deploy_risk_fixtures(url)}
        delay = args.latency_ms / 1000
        rows = {
            "batched": run(url, addresses, delay, False, args.rounds),
            "unbatched baseline": run(url, addresses, delay, True, args.rounds),
        }
        checks = per_check(url, addresses, delay, args.rounds)
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
    print(
        f"\nchecks, cold, straight through the inspector ({len(ROLES) - 1} contracts): whole "
        f"inspection p50 {checks['total_p50']:.1f} ms, p95 {checks['total_p95']:.1f} ms, "
        f"round trips mean {checks['trips_mean']:.2f}, max {checks['trips_max']}"
    )
    print(f"{'check':30} {'ready p50':>10} {'ready p95':>10} {'RT':>5}")
    for name, (p50, p95, rt) in checks["checks"].items():
        print(f"{name:30} {p50:8.2f}ms {p95:8.2f}ms {rt:5.2f}")


if __name__ == "__main__":
    main()
