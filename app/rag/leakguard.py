"""Recognises the hidden system prompt in model output, however it is rewritten or encoded.

General rather than a list of decoders: the prompt is rewritten once, at start, many cheap
ways (app/rag/leakforms.py), and every reply is read a few ways at once and compared with all
of them (app/rag/leakmatch.py):

- letters and digits, folded (case, width, look-alike scripts): exact 20-symbol windows of the
  prompt, reversed, words in reverse order, each word or line reversed, every second or third
  character, the words' initials, pig latin; and the repetition pattern, which a substitution
  (Caesar, ROT13, Atbash, leetspeak, look-alike letters) keeps;
- consonant skeletons (vowels and leetspeak dropped, doubled letters once);
- the first letter of each word (the NATO alphabet, acrostics) and of each line;
- tokens cut at spaces and at any non-alphanumeric character (Morse, NATO, character codes in
  any base, HTML entities) and the non-space characters (symbol alphabets): repetition patterns;
- the text unescaped (entities, percent, backslash, quoted-printable), and long runs decoded as
  base64, base32, base85, ascii85 and hex at every alignment.

Every match charges the prompt positions it stands for. A reply leaks when a reading matches a
long enough run, when it carries the per-process canary, or when the positions it matched, with
those its session was already sent, join into JOINED characters in a row or TOTAL in all.
Phrases the prompt tells the model to say ("say that ...") are left out of every index. Work
per character is a fixed number of slices and lookups, so the cost per streamed token does not
grow with the reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from app.rag.leakforms import (
    canonical,
    collapse,
    exact_forms,
    fold,
    pattern_streams,
    said,
    skeleton,
    skeleton_forms,
)
from app.rag.leakmatch import (
    Account,
    ExactMatcher,
    PatternMatcher,
    Span,
    Tally,
    exact_index,
    pattern_index,
)
from app.rag.leakread import BlobReader, LineInitials, Splitter, Unescaper
from app.rag.prompts import Prompts

WINDOW = 40  # canonical characters in a row that make a leak in the plain reading
EXACT_K = 20  # window of the exact index; WINDOW - EXACT_K + 1 hits in a row make a leak
SKELETON_K, SKELETON_RUN = 16, 24  # consonants
INITIALS_K, WORD_INITIALS_RUN, LINE_INITIALS_RUN = 12, 16, 12
PATTERN_K, PATTERN_HORIZON = 20, 10
# Hits in a row: 48 symbols, so that a verbatim stretch just under WINDOW that the pattern
# happens to extend by a few letters is not a leak.
PATTERN_NEED = WINDOW + 8 - PATTERN_K - PATTERN_HORIZON + 1
# Canonical prompt characters a reply, with what its session was already sent, may show: in one
# stretch joined from pieces, and in all.
JOINED = 72
TOTAL = 200
_SEPARATOR_TOKENS = frozenset({"/", "|", "//", "\\"})
_NON_ALNUM = re.compile(r"[\W_]+")


class LeakGuard:
    """The indexes of one system prompt, and scanners that look for it in replies."""

    def __init__(self, system_prompt: str, canary: str | None = None) -> None:
        exact = exact_forms(system_prompt)
        plain = ["".join(f.symbols) for f in exact]
        self.exact = exact_index(zip(plain, (f.origins for f in exact), strict=True), EXACT_K)
        self.initials = exact_index(
            zip(plain[:2], (f.origins for f in exact[:2]), strict=True), INITIALS_K
        )
        self.initial_prefixes = frozenset(
            s[i : i + 4] for s in plain[:2] for i in range(len(s) - 3)
        )
        skel = skeleton_forms(system_prompt)
        self.skeleton = exact_index((("".join(f.symbols), f.origins) for f in skel), SKELETON_K)
        # Substitutions of the reordered forms too (Caesar on the words in reverse order).
        streams = [*pattern_streams(system_prompt), *exact[:5]]
        self.patterns: dict[str, Span] = pattern_index(
            ((f.symbols, f.origins) for f in streams),
            PATTERN_K,
            PATTERN_HORIZON,
        )
        self.canary = canonical(canary) if canary else None
        self.size = len(canonical(system_prompt))
        allowed = said(system_prompt)
        for index in (self.exact, self.initials, self.skeleton, self.patterns):
            for key in [k for k, span in index.items() if _inside(span, allowed)]:
                del index[key]

    def scanner(self, prior: Account = Account()) -> LeakScanner:
        """A fresh scanner for one reply; prior is what its session was already sent."""
        return LeakScanner(self, prior)

    def leaks(self, text: str, prior: Account = Account()) -> bool:
        """Whether a whole text shows the prompt."""
        scan = self.scanner(prior)
        scan.feed(text)
        scan.finish()
        return scan.leaked


class LeakScanner:
    """Reads one reply as it streams; `leaked` turns true once the prompt shows in any reading."""

    def __init__(self, guard: LeakGuard, prior: Account = Account()) -> None:
        self.tally = tally = Tally(prior, JOINED, TOTAL)
        need = WINDOW - EXACT_K + 1

        def exact(name: str) -> ExactMatcher:
            return ExactMatcher(name, guard.exact, EXACT_K, need, tally, guard.canary)

        def pattern(name: str) -> PatternMatcher:
            return PatternMatcher(
                name, guard.patterns, PATTERN_K, PATTERN_HORIZON, PATTERN_NEED, tally
            )

        self.plain = exact("letters")
        # Every other character, for a prompt interleaved character by character with noise.
        self.halves = (exact("even characters"), exact("odd characters"))
        self.chars_seen = 0
        self.substituted = pattern("letters substituted")
        self.symbols = pattern("symbols substituted")
        self.consonants = ExactMatcher(
            "consonants", guard.skeleton, SKELETON_K, SKELETON_RUN - SKELETON_K + 1, tally
        )
        self.word_initials = ExactMatcher(
            "word initials",
            guard.initials,
            INITIALS_K,
            WORD_INITIALS_RUN - INITIALS_K + 1,
            tally,
            hold="span",
        )
        self.line_initials = ExactMatcher(
            "line initials",
            guard.initials,
            INITIALS_K,
            LINE_INITIALS_RUN - INITIALS_K + 1,
            tally,
            hold="prefix",
            prefixes=guard.initial_prefixes,
        )
        self.words = pattern("words substituted")
        self.spaced = pattern("space-separated codes")
        self.unescaped = Unescaper(exact("unescaped"))
        self.blobs = BlobReader(partial(_Decoded, exact, pattern, 1))
        self.word_split = Splitter(r"[\W_]+")
        self.space_split = Splitter(r"\s+")
        self.line_starts = LineInitials()
        self.last_consonant = ""
        self.offset = 0

    def feed(self, text: str) -> bool:
        """Read more of the reply; true once a leak has been seen."""
        offset, self.offset = self.offset, self.offset + len(text)
        folded = fold(text)
        letters = _NON_ALNUM.sub("", folded)
        self.plain.push(letters, offset)
        parity = self.chars_seen % 2
        self.halves[0].push(_NON_ALNUM.sub("", folded[parity::2]), offset)
        self.halves[1].push(_NON_ALNUM.sub("", folded[1 - parity :: 2]), offset)
        self.chars_seen += len(folded)
        self.substituted.push(letters, offset)
        self.symbols.push([ch for ch in folded if not ch.isspace()], offset)
        consonants = collapse(skeleton(folded), self.last_consonant)
        if consonants:
            self.last_consonant = consonants[-1]
        self.consonants.push(consonants, offset)
        self._words(*self.word_split.push(folded, offset))
        self._spaced(*self.space_split.push(folded, offset))
        self.line_initials.push(self.line_starts.push(folded), offset)
        self.unescaped.push(text, offset)
        self.blobs.push(text, offset)
        return self.leaked

    def finish(self) -> bool:
        """The end of the reply: tokens still open are read; true if a leak has been seen."""
        self._words(*self.word_split.flush())
        self._spaced(*self.space_split.flush())
        self.unescaped.push("", self.offset, final=True)
        self.blobs.flush()
        return self.leaked

    def _words(self, tokens: list[str], offset: int) -> None:
        self.words.push(tokens, offset)
        self.word_initials.push("".join(t[0] for t in tokens), offset)

    def _spaced(self, tokens: list[str], offset: int) -> None:
        self.spaced.push([t for t in tokens if t not in _SEPARATOR_TOKENS], offset)

    @property
    def leaked(self) -> bool:
        """Whether any reading has shown the prompt."""
        return bool(self.tally.reasons)

    @property
    def reasons(self) -> list[str]:
        """What showed it (the first reading to see it)."""
        return self.tally.reasons

    @property
    def across_turns(self) -> bool:
        """Whether the leak showed only together with what earlier turns were sent."""
        return self.tally.across_turns

    @property
    def covered(self) -> int:
        """Canonical prompt positions this reply matched, as a bit mask."""
        return self.tally.covered

    def held_from(self) -> int | None:
        """The raw offset from which text must be held: a reading may still be matching it."""
        marks = [
            m.held_from
            for m in (self.word_initials, self.line_initials, self.words, self.spaced)
            if m.held_from is not None
        ]
        return min(marks) if marks else None


class _Decoded:
    """Text decoded from an encoded run, read again: letters, their substitutions, escapes and
    (up to a depth) encoded runs inside it (base64 of ROT13, of percent-encoding, of base64)."""

    def __init__(
        self,
        exact: Callable[[str], ExactMatcher],
        pattern: Callable[[str], PatternMatcher],
        depth: int,
        name: str,
    ) -> None:
        self.letters = exact(name)
        self.substituted = pattern(f"{name} substituted")
        self.unescaped = Unescaper(exact(f"{name} unescaped"))
        self.inner = BlobReader(partial(_Decoded, exact, pattern, depth - 1)) if depth else None

    def push(self, text: str, offset: int) -> None:
        """Read more decoded text."""
        letters = canonical(text)
        self.letters.push(letters, offset)
        self.substituted.push(letters, offset)
        self.unescaped.push(text, offset)
        if self.inner is not None:
            self.inner.push(text, offset)


def _inside(span: Span, allowed: list[Span]) -> bool:
    """Whether a span lies within one of the allowed spans."""
    return any(start <= span[0] and span[1] <= end for start, end in allowed)


def guarded_prompt(prompts: Prompts, canary: str) -> str:
    """What a reply must not show: the system prompt's fixed part with its canary, and the
    shipped Chinese translation of it.

    The translation catches a reply that gives the rules in Chinese in these words, or any of
    the rewrites and encodings above of them; a free paraphrase in other words is not caught,
    as an English paraphrase is not.
    """
    return f"{prompts.system_static.replace('{canary}', canary)}\n\n{prompts.text['system_zh']}"
