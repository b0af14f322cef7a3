"""Transaction explanations against anvil: JSON-RPC round trips and latency per transaction.

Usage (from the repo root; needs `make chain-tools` for anvil):
    .venv/bin/python -m bench.transactions                    # loopback anvil
    .venv/bin/python -m bench.transactions --latency-ms 30    # each round trip delayed, as a
                                                              # remote provider would be

Each kind of transaction the tests send (bench/support/transactions.py), and one batch that
emits 10 Transfer logs, is explained `--rounds` times by a fresh explainer (nothing cached):
read (two batched round trips), decoded and explained. Target (issue 24): at most 4 round trips
and 500 ms p50 for the transaction with 10 logs.
"""

from __future__ import annotations

import argparse
import time

from app.chain.canonical import CanonicalTokens
from app.chain.inspector import Inspector
from app.chain.tx.service import TransactionExplainer
from app.eval.metrics import percentile
from bench.contracts import DelayedRpc
from bench.support.anvil import Deployer, anvil, deploy_fixtures
from bench.support.transactions import GAS, send_transactions

LOGS = 10


def ten_transfers(url: str, token: str) -> str:
    """A batch of LOGS token transfers from the Batcher: one transaction, LOGS Transfer logs."""
    d = Deployer(url)
    batcher = d.deploy("Batcher")
    fix = d.contract("FixtureToken", token)
    d.w3.eth.wait_for_transaction_receipt(
        fix.functions.transfer(batcher, 10**20).transact({"from": d.account})
    )
    to = list(d.w3.eth.accounts)[1]
    data = bytes.fromhex(fix.encode_abi("transfer", args=[to, 10**18])[2:])
    tx = d.contract("Batcher", batcher).functions.run([(token, 0, data)] * LOGS)
    tx_hash = tx.transact({"from": d.account, "gas": GAS * 2})
    d.w3.eth.wait_for_transaction_receipt(tx_hash)
    return "0x" + bytes(tx_hash).hex()


def measure(url: str, tx_hash: str, delay_s: float, rounds: int) -> tuple[list[float], list[int]]:
    """Milliseconds and round trips of each cold explanation."""
    DelayedRpc.delay_s = delay_s
    times, trips = [], []
    for _ in range(rounds):
        rpc = DelayedRpc("ethereum", url)
        explainer = TransactionExplainer(Inspector({"ethereum": rpc}, CanonicalTokens.load()))
        started = time.perf_counter()
        facts = explainer.explain(tx_hash)
        times.append((time.perf_counter() - started) * 1000)
        trips.append(facts.round_trips)
    return times, trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with anvil() as url:
        a = deploy_fixtures(url)
        hashes = dict(send_transactions(url, a)["hashes"])
        hashes[f"batch with {LOGS} logs"] = ten_transfers(url, a["token18"])
        rows = {k: measure(url, h, args.latency_ms / 1000, args.rounds) for k, h in hashes.items()}
    print(
        f"{len(rows)} transactions x {args.rounds} rounds, added RPC latency {args.latency_ms} ms"
    )
    print(f"{'transaction':24} {'p50':>9} {'p95':>9} {'RT':>4}")
    for name, (times, trips) in rows.items():
        print(
            f"{name:24} {percentile(times, 50):7.1f}ms {percentile(times, 95):7.1f}ms "
            f"{max(trips):4d}"
        )


if __name__ == "__main__":
    main()
