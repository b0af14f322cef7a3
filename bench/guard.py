"""Cost of the output checks per streamed token, and that it stays linear in the reply length.

Replies of growing length are streamed in 4-character deltas (about one token each) through
the output filter (leak scanner, markup cleaning, address marking) and through the filter the
service had before (lower-cased 48-character windows), in the same run.
"""

from __future__ import annotations

import argparse
import re
import time
from functools import partial
from pathlib import Path

from app.rag.leakguard import LeakGuard
from app.rag.output import OutputFilter
from app.rag.prompts import Prompts

REPO = Path(__file__).resolve().parents[1]
SENTENCE = (
    "The Balancer Vault at 0xBA12222222228d8Ba445958a75a0704d566BF2C8 charges no flash-loan "
    "fee [1], and [its docs](https://docs.balancer.fi) say so; Aave charges 0.05% [2]. "
)


def _old_windows(system: str) -> set[str]:
    flat = re.sub(r"\s+", " ", system).strip().lower()
    return {flat[i : i + 48] for i in range(0, max(len(flat) - 48, 0) + 1, 24)}


def _old_stream(deltas: list[str], windows: set[str]) -> None:
    """The previous check: normalise the whole text so far on every delta."""
    text = ""
    for delta in deltas:
        text += delta
        flat = re.sub(r"\s+", " ", text).strip().lower()
        if any(w in flat for w in windows):
            return


def _new_stream(deltas: list[str], guard: LeakGuard) -> None:
    out = OutputFilter(guard, {"0xba12222222228d8ba445958a75a0704d566bf2c8"}, [])
    for delta in deltas:
        out.feed(delta)
    out.finish()


def main() -> None:
    """Print microseconds per streamed token for each reply length."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="1000,4000,16000,64000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    system = Prompts(REPO / "prompts").system_static.replace("{canary}", "0123456789abcdef")
    guard = LeakGuard(system, "0123456789abcdef")
    windows = _old_windows(system)
    print("| reply chars | tokens | output checks us/token | previous check us/token |")
    print("| --- | --- | --- | --- |")
    for length in (int(n) for n in args.lengths.split(",")):
        text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
        deltas = [text[i : i + 4] for i in range(0, len(text), 4)]
        timings = []
        for run in (partial(_new_stream, deltas, guard), partial(_old_stream, deltas, windows)):
            best = float("inf")
            for _ in range(args.rounds):
                started = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - started)
            timings.append(best / len(deltas) * 1e6)
        print(f"| {length} | {len(deltas)} | {timings[0]:.1f} | {timings[1]:.1f} |")


if __name__ == "__main__":
    main()
