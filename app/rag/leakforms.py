"""The hidden prompt rewritten many cheap ways, each symbol remembering where in the prompt it
came from.

The leak guard compares a reply with these forms rather than decoding every transformation a
model might apply: a lossy rewrite (every other character, initials, words in another order,
vowels dropped) is applied to the prompt once, at start, and the reply is compared with the
result. Origins are positions in the prompt's canonical form (letters and digits), so a match in
any form can be charged to the same stretch of the prompt.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters that look alike across scripts (Cyrillic, Greek, small capitals, regional
# indicators), folded to Latin so that a mixed-script spelling reads as the plain one.
_CONFUSABLE_PAIRS = (
    "аa вb еe кk мm нh оo рp сc тt уy хx ѕs іi јj ԁd ԛq ԝw ӏl һh ɡg "  # noqa: RUF001
    "αa βb εe ιi κk νv οo ρp τt υu χx ωw "  # noqa: RUF001
    "ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ǫq ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz"  # noqa: RUF001
)
CONFUSABLES = {ord(p[0]): p[1] for p in _CONFUSABLE_PAIRS.split()} | {
    0x1F1E6 + i: chr(ord("a") + i) for i in range(26)
}
# Digits and signs that stand for letters in leetspeak; vowels they stand for are dropped later.
_LEET = str.maketrans(
    {"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "|": "l", "0": "o", "5": "s", "$": "s"}
    | {"7": "t", "+": "t", "8": "b", "9": "g", "6": "g", "2": "z"}
)
VOWELS = frozenset("aeiouy")
_NON_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Compatibility-folded, case-folded, look-alike letters made Latin."""
    return unicodedata.normalize("NFKC", text).casefold().translate(CONFUSABLES)


def canonical(text: str) -> str:
    """Letters and digits only, folded."""
    return _NON_ALNUM.sub("", fold(text))


def skeleton(folded: str) -> str:
    """Consonants only, leetspeak read as letters, doubled letters once (before collapsing)."""
    return "".join(ch for ch in folded.translate(_LEET) if ch.isalpha() and ch not in VOWELS)


def collapse(text: str, previous: str = "") -> str:
    """Runs of one letter written once; previous is the letter before text, if any."""
    out = []
    last = previous
    for ch in text:
        if ch != last:
            out.append(ch)
        last = ch
    return "".join(out)


@dataclass(frozen=True)
class Form:
    """A rewrite of the prompt: its symbols and, for each, a position in the canonical prompt."""

    symbols: tuple[str, ...]
    origins: tuple[int, ...]


Pairs = list[tuple[int, str]]  # (raw index, character) of the prompt, in some order


def said(prompt: str) -> list[tuple[int, int]]:
    """Canonical spans of what the prompt tells the model to say ("say that ...").

    Such a phrase is meant to reach the client; it is not the prompt showing.
    """
    origin = canonical_origins(prompt)
    return [(origin[m.start(1)], origin[m.end(1) - 1] + 1) for m in _SAY.finditer(prompt)]


_SAY = re.compile(r"\bsay that ([^.;:]+)", re.IGNORECASE)


def canonical_origins(prompt: str) -> list[int]:
    """For each raw character, the canonical position it lands at (or the next one)."""
    out, n = [], 0
    for ch in prompt:
        out.append(n)
        n += len(canonical(ch))
    return out


def _words(pairs: Pairs) -> list[Pairs]:
    words: list[Pairs] = [[]]
    for i, ch in pairs:
        if ch.isspace():
            if words[-1]:
                words.append([])
        else:
            words[-1].append((i, ch))
    return [w for w in words if w]


def _join(words: list[Pairs]) -> Pairs:
    out: Pairs = []
    for w in words:
        out += [*w, (w[-1][0], " ")]
    return out


def _lines(pairs: Pairs) -> list[Pairs]:
    lines: list[Pairs] = [[]]
    for i, ch in pairs:
        if ch == "\n":
            lines.append([])
        else:
            lines[-1].append((i, ch))
    return lines


def _pig_latin(word: Pairs) -> Pairs:
    letters = [(i, c) for i, c in word if c.isalnum()]
    if not letters:
        return word
    k = next((n for n, (_, c) in enumerate(letters) if c.lower() in "aeiou"), 0)
    start = letters[0][0]
    return letters[k:] + letters[:k] + [(start, "a"), (start, "y")]


def rewrites(prompt: str) -> dict[str, Pairs]:
    """The prompt's characters under each cheap rewrite a model may be asked for."""
    pairs = list(enumerate(prompt))
    words = _words(pairs)
    lines = _lines(pairs)
    out: dict[str, Pairs] = {
        "plain": pairs,
        "reversed": pairs[::-1],
        "words in reverse order": _join(words[::-1]),
        "each word reversed": _join([w[::-1] for w in words]),
        "each line reversed": [p for line in lines for p in [*line[::-1], (0, "\n")]],
        "initials": [
            w[0] for w in (_words([(i, c) for i, c in pairs if c.isalnum() or c.isspace()]))
        ],
        "pig latin": _join([_pig_latin(w) for w in words]),
        "every other word": _join(words[::2]),
        "every other word from the second": _join(words[1::2]),
    }
    for step in (2, 3):
        for start in range(step):
            out[f"every {step} from {start}"] = pairs[start::step]
    return out


def exact_forms(prompt: str) -> list[Form]:
    """Canonical symbols of every rewrite, and of the canonical text thinned out."""
    origin = canonical_origins(prompt)
    forms = []
    for pairs in rewrites(prompt).values():
        syms, origs = [], []
        for i, ch in pairs:
            for c in canonical(ch):
                syms.append(c)
                origs.append(origin[i])
        forms.append(Form(tuple(syms), tuple(origs)))
    plain = forms[0]
    for step in (2, 3):
        for start in range(step):
            forms.append(Form(plain.symbols[start::step], plain.origins[start::step]))
    return forms


def skeleton_forms(prompt: str) -> list[Form]:
    """Consonant skeletons of the plain, reversed and reordered prompt."""
    origin = canonical_origins(prompt)
    forms = []
    chosen = ("plain", "reversed", "words in reverse order", "each word reversed", "pig latin")
    every = rewrites(prompt)
    for name in chosen:
        syms: list[str] = []
        origs: list[int] = []
        for i, ch in every[name]:
            for c in skeleton(fold(ch)):
                if not syms or syms[-1] != c:
                    syms.append(c)
                    origs.append(origin[i])
        forms.append(Form(tuple(syms), tuple(origs)))
    return forms


def pattern_streams(prompt: str) -> list[Form]:
    """Symbol streams whose repetition pattern a substitution code keeps (see LeakGuard)."""
    origin = canonical_origins(prompt)
    nfkc = [(i, c) for i, ch in enumerate(prompt) for c in unicodedata.normalize("NFKC", ch)]
    spaced: Pairs = []
    for i, c in nfkc:
        if c.isspace():
            if spaced and spaced[-1][1] != " ":
                spaced.append((i, " "))
        else:
            spaced.append((i, c))
    words: Pairs = []
    for i, ch in enumerate(prompt):
        for c in canonical(ch):
            words.append((i, c))
        if not canonical(ch) and words and words[-1][1] != "\x00":
            words.append((i, "\x00"))
    streams: list[Pairs] = [
        [(i, c) for i, ch in enumerate(prompt) for c in canonical(ch)],
        nfkc,
        spaced,
        [(i, c.casefold()) for i, c in spaced],
        [(i, c) for i, c in nfkc if not c.isspace()],
        [(i, c.casefold()) for i, c in nfkc if not c.isspace()],
        words,
    ]
    forms = []
    for stream in streams:
        for ordered in (stream, stream[::-1]):
            forms.append(
                Form(
                    tuple(c for _, c in ordered),
                    tuple(origin[min(i, len(origin) - 1)] for i, _ in ordered),
                )
            )
    return forms
