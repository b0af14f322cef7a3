"""The top entries of a py-spy profile (raw collapsed stacks, `bench.load --profile FILE`).

Usage (from the repo root):
    .venv/bin/python -m bench.profile FILE [--top 15] [--only app,ingest]

Prints the functions holding the most samples by themselves (self) and with what they call
(total, each function counted once per stack), as shares of all samples, idle threads left out.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# Frames where a thread waits rather than works: a sample ending in one is idle.
_IDLE = ("wait (threading", "select (selectors", "_worker (concurrent", "poll (", "epoll")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--only", default="app/,ingest/", help="path parts of the totals listed")
    args = parser.parse_args()
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in args.file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if any(frames[-1].startswith(idle) for idle in _IDLE):
            continue
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} busy samples")
    print("self:")
    for frame, n in own.most_common(args.top):
        print(f"  {100 * n / samples:5.1f}%  {frame}")
    print("total (functions of " + args.only + "):")
    parts = tuple(args.only.split(","))
    mine = Counter({f: n for f, n in total.items() if any(p in f for p in parts)})
    for frame, n in mine.most_common(args.top):
        print(f"  {100 * n / samples:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
