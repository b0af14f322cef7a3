"""Matchers that read one stream of symbols from a reply against an index of the prompt's forms.

An exact matcher looks up each window of k symbols; a pattern matcher looks up the window's
repetition pattern (for each symbol, how far back the same symbol last occurred, up to a
horizon), which any one-to-one substitution keeps: a Caesar shift, leetspeak, Morse, the NATO
alphabet, character codes or HTML entities spell the prompt with other symbols but repeat them
exactly where the prompt repeats its own. Both add the prompt positions they matched to a tally
and count consecutive matches; a run long enough is a leak. Work per symbol is one slice and one
dictionary lookup.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

Span = tuple[int, int]  # canonical prompt positions [start, end) a key stands for
Hold = Literal["none", "span", "prefix"]
_DIST = [chr(48 + d) for d in range(256)]


@dataclass(frozen=True)
class Account:
    """Prompt positions a session (or caller) was sent, and those of its replies cut for joining
    up with them (a cut slice still counts as a neighbour of the next one)."""

    sent: int = 0
    refused: int = 0


class Tally:
    """Prompt positions one reply has matched, on top of what its session had already been sent.

    Positions are canonical characters of the prompt. Scattered phrases the prompt shares with
    ordinary answers stay short; pieces that join up into a longer stretch, in one reply or over
    a session's turns, or that add up to a large share of the prompt, are a leak.
    """

    def __init__(self, prior: Account, run: int, total: int) -> None:
        self.prior = prior
        self.run = run
        self.total = total
        self.covered = 0
        self.reasons: list[str] = []
        self.across_turns = False  # the leak needed earlier turns to show

    def add(self, span: Span) -> None:
        """Charge a matched span; past a threshold, the reply is a leak."""
        start, end = span
        mask = ((1 << (end - start)) - 1) << start
        if not mask & ~self.covered:
            return
        self.covered |= mask
        if self.reasons or not self.covered & ~self.prior.sent:
            return
        joined = self.prior.sent | self.prior.refused | self.covered
        if has_run(joined, self.run):
            self.across_turns = not has_run(self.covered, self.run)
            self.reasons.append(f"{self.run} characters of the prompt joined up")
        elif (self.prior.sent | self.covered).bit_count() >= self.total:
            self.across_turns = self.covered.bit_count() < self.total
            self.reasons.append(f"{self.total} characters of the prompt in pieces")

    def leak(self, reason: str) -> None:
        """Record a leak seen by a matcher."""
        if not self.reasons:
            self.reasons.append(reason)


def has_run(bits: int, length: int) -> bool:
    """Whether a bit mask has `length` set bits in a row (log-many shifts)."""
    step = 1
    while step * 2 <= length:
        bits &= bits >> step
        step *= 2
    if step < length:
        bits &= bits >> (length - step)
    return bits != 0


class _Marks:
    """Raw offsets of the pieces a stream's symbols came from, to hold text back from a symbol."""

    def __init__(self) -> None:
        self.marks: deque[tuple[int, int]] = deque()  # (first symbol index, raw offset)

    def add(self, first: int, offset: int) -> None:
        if not self.marks or self.marks[-1][1] != offset:
            self.marks.append((first, offset))

    def offset_of(self, symbol: int) -> int | None:
        """Raw offset of the piece holding a symbol; older pieces are forgotten."""
        while len(self.marks) > 1 and self.marks[1][0] <= symbol:
            self.marks.popleft()
        return self.marks[0][1] if self.marks else None


class ExactMatcher:
    """Windows of k symbols (characters) looked up in an index; `need` consecutive hits leak."""

    def __init__(
        self,
        name: str,
        index: dict[str, Span],
        k: int,
        need: int,
        tally: Tally,
        canary: str | None = None,
        hold: Hold = "none",
        prefixes: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.index = index
        self.k = k
        self.need = need
        self.tally = tally
        self.canary = canary
        self.keep = max(k, len(canary) if canary else 0) - 1
        self.hold = hold
        self.prefixes = prefixes
        self.prefix_k = len(next(iter(prefixes))) if prefixes else 0
        self.tail = ""
        self.n = 0
        self.run = 0
        self.marks = _Marks()
        self.held_from: int | None = None

    def push(self, symbols: str, offset: int) -> None:
        """Read more symbols that came from raw text at offset."""
        if not symbols:
            return
        if self.hold != "none":
            self.marks.add(self.n, offset)
        buf = self.tail + symbols
        if self.canary and self.canary in buf:
            self.tally.leak(f"{self.name}: the canary")
        k, lookup = self.k, self.index.get
        first = len(self.tail)
        for end in range(max(first + 1, k), len(buf) + 1):
            span = lookup(buf[end - k : end])
            if span is None:
                self.run = 0
                continue
            self.run += 1
            self.tally.add(span)
            if self.run >= self.need:
                self.tally.leak(f"{self.name}: {self.run + k - 1} symbols in a row")
        self.n += len(symbols)
        if self.hold == "prefix":
            self._prefix_hold(buf, first)
        elif self.hold == "span":
            self.held_from = self.marks.offset_of(max(self.n - self.k - self.need, 0))
        self.tail = buf[-self.keep :] if self.keep else ""

    def _prefix_hold(self, buf: str, first: int) -> None:
        """Hold from the first symbol of a run whose every last few symbols are in the prompt."""
        p = self.prefix_k
        for end in range(max(first + 1, p), len(buf) + 1):
            if buf[end - p : end] in self.prefixes:
                if self.held_from is None:
                    self.held_from = self.marks.offset_of(self.n - len(buf) + end - p)
            else:
                self.held_from = None


class PatternMatcher:
    """Repetition patterns of K symbols (distances up to C back) looked up in an index."""

    def __init__(
        self, name: str, index: dict[str, Span], k: int, c: int, need: int, tally: Tally
    ) -> None:
        self.name = name
        self.index = index
        self.k = k
        self.c = c
        self.need = need
        self.tally = tally
        self.last: dict[Hashable, int] = {}
        self.key = ""
        self.n = 0
        self.run = 0
        self.marks = _Marks()
        self.held_from: int | None = None

    def push(self, symbols: Iterable[Hashable], offset: int) -> None:
        """Read more symbols that came from raw text at offset."""
        self.marks.add(self.n, offset)
        last, c, k, lookup = self.last, self.c, self.k, self.index.get
        n, key, run = self.n, self.key, self.run
        for sym in symbols:
            prev = last.get(sym)
            last[sym] = n
            gap = n - prev if prev is not None and n - prev <= c else 0
            key = (key + _DIST[gap])[-k:]
            n += 1
            if n < k + c:
                continue
            span = lookup(key)
            if span is None:
                run = 0
                continue
            run += 1
            self.tally.add(span)
            if run >= self.need:
                self.tally.leak(f"{self.name}: a substitution of {run + k + c - 1} symbols")
        self.n, self.key, self.run = n, key, run
        if len(last) > 8 * c:  # forget symbols too far back to matter
            self.last = {s: i for s, i in last.items() if n - i <= c}
        self.held_from = self.marks.offset_of(max(n - k - c - self.need, 0))


def exact_index(forms: Iterable[tuple[str, tuple[int, ...]]], k: int) -> dict[str, Span]:
    """Every window of k symbols of each form, with the prompt span it came from."""
    index: dict[str, Span] = {}
    for symbols, origins in forms:
        for i in range(len(symbols) - k + 1):
            window = origins[i : i + k]
            index.setdefault(symbols[i : i + k], (min(window), max(window) + 1))
    return index


def pattern_keys(symbols: Iterable[Hashable], k: int, c: int) -> list[str]:
    """The repetition-pattern key ending at each symbol ("" before k + c symbols)."""
    last: dict[Hashable, int] = {}
    key, out = "", []
    for n, sym in enumerate(symbols):
        prev = last.get(sym)
        last[sym] = n
        gap = n - prev if prev is not None and n - prev <= c else 0
        key = (key + _DIST[gap])[-k:]
        out.append(key if n + 1 >= k + c else "")
    return out


def pattern_index(
    forms: Iterable[tuple[tuple[str, ...], tuple[int, ...]]], k: int, c: int
) -> dict[str, Span]:
    """The repetition-pattern key of every stretch of k + c symbols of each stream."""
    index: dict[str, Span] = {}
    for symbols, origins in forms:
        for end, key in enumerate(pattern_keys(symbols, k, c)):
            if key and k - key.count("0") >= k // 3:  # too few repeats says little
                window = origins[end + 1 - k : end + 1]  # the context before is not charged
                index.setdefault(key, (min(window), max(window) + 1))
    return index
