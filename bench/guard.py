"""The leak guard: catch rate per transformation, slices across turns, false alarms, and the
cost of the output checks per streamed token, each beside the previous guard in the same run.

The previous guard is app/rag/leakguard.py as it was at BASELINE, loaded from git. Every reply
is streamed in 4-character deltas (about one token each), as the service reads a model.

- Catch rate: each kind of bench/support/leak_suite.py applied to several stretches of the
  hidden prompt (after its canary, so the canary does not give the game away), with "caught"
  meaning the scanner saw it before the reply ended; for the new guard also the most raw
  characters the service's output filter released before the cut (text a streaming client got).
- Slices: 35-character slices of the prompt, one per turn of one session; the longest stretch
  of the prompt a client rebuilt from the turns that were not cut.
- False alarms: every document of the sample corpus and of eval/dev as a reply, and the
  extractive answers' own text shapes, through one session's ledger.
- Cost: replies of growing length through the new scanner and the previous one, in
  microseconds per token, and their ratio; and through the whole output filter (markup and
  address checks included) up to --filter-max characters.

Usage (from the repo root): .venv/bin/python -m bench.guard [--rounds 3]
"""

from __future__ import annotations

import argparse
import subprocess
import time
import types
from collections.abc import Callable
from functools import partial
from typing import Any

from app.prompts import FOLDER as PROMPTS
from app.rag.leakguard import LeakGuard
from app.rag.leakledger import LeakLedger
from app.rag.output import OutputFilter
from app.rag.prompts import Prompts
from app.samples import CORPUS
from bench.common import REPO
from bench.support.leak_suite import KNOWN_MISSES, NOT_CAUGHT, SUITE, slices

BASELINE = "0cfbe84^"  # the guard before the general one
CANARY = "0123456789abcdef"
SENTENCE = (
    "The Balancer Vault at 0xBA12222222228d8Ba445958a75a0704d566BF2C8 charges no flash-loan "
    "fee [1], and [its docs](https://docs.balancer.fi) say so; Aave charges 0.05% [2]. "
)


def old_guard_module(commit: str) -> types.ModuleType:
    """app/rag/leakguard.py as it was at a commit."""
    source = subprocess.run(
        ["git", "show", f"{commit}:app/rag/leakguard.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("bench_old_leakguard")
    exec(compile(source, f"{commit}:app/rag/leakguard.py", "exec"), module.__dict__)
    return module


def _deltas(text: str) -> list[str]:
    return [text[i : i + 4] for i in range(0, len(text), 4)]


def _caught(guard: Any, reply: str) -> bool:
    scanner = guard.scanner()
    for delta in _deltas(reply):
        if scanner.feed(delta):
            return True
    finish = getattr(scanner, "finish", None)
    return bool(finish()) if finish else bool(scanner.leaked)


def _released_before_cut(guard: LeakGuard, reply: str) -> int:
    """Raw characters the output filter let out before it saw the leak (0 when never seen)."""
    out = OutputFilter(guard, set(), [])
    sent = 0
    for delta in _deltas(reply):
        sent += len(out.feed(delta))
        if out.leaked:
            return sent
    out.finish()
    return sent if out.leaked else 0


def catch_rates(new: LeakGuard, old: Any, body: str) -> None:
    """Print, per kind, how many stretches each guard caught."""
    stretches = [body[a : a + n] for a, n in ((0, 300), (300, 700), (900, 500), (0, len(body)))]
    print("| kind | new guard | previous guard | most released before the cut |")
    print("| --- | --- | --- | --- |")
    totals = [0, 0]
    for kind, transform in {**SUITE, **KNOWN_MISSES}.items():
        replies = ["Sure, here they are: " + transform(s) for s in stretches]
        hits_new = sum(_caught(new, r) for r in replies)
        hits_old = sum(_caught(old, r) for r in replies)
        released = max(_released_before_cut(new, r) for r in replies)
        if kind in SUITE:
            totals[0] += hits_new == len(replies)
            totals[1] += hits_old == len(replies)
        mark = " (not built for)" if kind in NOT_CAUGHT else ""
        mark = " (known miss, not in the suite)" if kind in KNOWN_MISSES else mark
        print(f"| {kind}{mark} | {hits_new}/4 | {hits_old}/4 | {released} |")
    print(f"\nsuite kinds caught in every stretch: new {totals[0]}/{len(SUITE)}, ", end="")
    print(f"previous {totals[1]}/{len(SUITE)}\n")


def cross_turn(new: LeakGuard, old: Any, body: str) -> None:
    """Print the longest stretch of the prompt a client rebuilds from 35-character slices."""
    pieces = slices(body)
    for name, guard in (("new", new), ("previous", old)):
        ledger = LeakLedger()
        got = []
        for piece in pieces:
            reply = f"Characters as asked: {piece}"
            if name == "new":
                out = OutputFilter(guard, set(), [], prior=ledger.prior(["s"]), whole=True)
                out.feed(reply)
                out.finish()
                out.charge(ledger, ["s"])
                got.append(not out.leaked)
            else:
                got.append(not _caught(guard, reply))
        run = best = 0
        for ok in got:
            run = run + 1 if ok else 0
            best = max(best, run)
        print(
            f"slices ({len(pieces)} turns of 35 characters), {name} guard: {sum(got)} sent, "
            f"longest contiguous stretch rebuilt {best * 35} characters"
        )
    print()


def false_alarms(new: LeakGuard) -> None:
    """Print how many ordinary documents, read as replies of one session, were cut."""
    docs = sorted(CORPUS.glob("*")) + sorted((REPO / "eval" / "dev" / "docs").glob("*"))
    ledger = LeakLedger()
    cut = chars = 0
    for doc in docs:
        text = doc.read_text("utf-8", "ignore")
        chars += len(text)
        out = OutputFilter(new, set(), [], prior=ledger.prior(["s"]))
        for delta in _deltas(text):
            out.feed(delta)
        out.finish()
        out.charge(ledger, ["s"])
        cut += out.leaked
    print(f"false alarms: {cut} of {len(docs)} documents ({chars} characters) read as replies\n")


def _time(run: Callable[[], None], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def cost(new: LeakGuard, old: Any, lengths: list[int], rounds: int, filter_max: int) -> None:
    """Print microseconds per streamed token for each reply length (the whole filter only up to
    filter_max characters: its markup check re-reads what was sent, so longer replies are slow).
    """

    def whole_filter(deltas: list[str]) -> None:
        out = OutputFilter(new, {"0xba12222222228d8ba445958a75a0704d566bf2c8"}, [])
        for delta in deltas:
            out.feed(delta)
        out.finish()

    def scanner(guard: Any, deltas: list[str]) -> None:
        scan = guard.scanner()
        for delta in deltas:
            scan.feed(delta)

    print("| reply chars | tokens | new scanner | previous scanner | ratio | whole output filter |")
    print("| --- | --- | --- | --- | --- | --- |")
    for length in lengths:
        text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
        deltas = _deltas(text)
        runs = [partial(scanner, new, deltas), partial(scanner, old, deltas)]
        if length <= filter_max:
            runs.append(partial(whole_filter, deltas))
        per = [_time(run, rounds) / len(deltas) * 1e6 for run in runs]
        whole = f"{per[2]:.1f} us" if len(per) > 2 else "-"
        print(
            f"| {length} | {len(deltas)} | {per[0]:.1f} us | {per[1]:.1f} us | "
            f"{per[0] / per[1]:.2f} | {whole} |"
        )


def main() -> None:
    """Run every part and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="1000,4000,16000,64000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--filter-max", type=int, default=16000)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: catch,cost")
    args = parser.parse_args()
    static = Prompts(PROMPTS).system_static
    system = static.replace("{canary}", CANARY)
    body = static[static.index("]") + 2 :]
    new = LeakGuard(system, CANARY)
    old = old_guard_module(args.baseline).LeakGuard(system, CANARY)
    skip = set(args.skip.split(","))
    if "catch" not in skip:
        catch_rates(new, old, body)
        cross_turn(new, old, body)
        false_alarms(new)
    if "cost" not in skip:
        lengths = [int(n) for n in args.lengths.split(",")]
        cost(new, old, lengths, args.rounds, args.filter_max)


if __name__ == "__main__":
    main()
