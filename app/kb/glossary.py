"""Chinese questions in the English words the documents use: a bilingual glossary, no model.

The embedding model reads English only and the documents are English, so a Chinese question is
rewritten term by term (闪电贷 -> flash loan) before retrieval; Latin-script words (protocol and
token names, addresses, numbers) pass through as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.i18n.language import HAN

DEFAULT_PATH = Path(__file__).with_name("data") / "glossary_zh.txt"
IGNORED = "-"
_HAN_RUN = re.compile(rf"(?:{HAN.pattern})+")
# Full-width punctuation as the English rendering writes it.
_PUNCTUATION = str.maketrans(
    {"？": "? ", "！": "! ", "，": ", ", "。": ". ", "：": ": ", "；": "; ", "（": " (", "）": ") ",
     "、": ", ", "“": ' "', "”": '" ', "「": ' "', "」": '" ', "《": ' "', "》": '" '}
)  # fmt: skip
# Dates as documents write them: 2021年8月 -> August 2021.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip
_YEAR_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_YEAR = re.compile(r"(\d{4})\s*年")
# Renderings that open an English question; the first one found is moved to the front, as
# English word order puts it ("它安全吗？" -> "is it safe?", "Uniswap 是什么？" -> "what is ...").
_OPENERS = frozenset(
    ["what is", "which is", "who is", "why", "how", "how much", "how many", "how long", "when",
     "where", "which", "which year", "who", "what", "is", "whether", "can", "is there",
     "what about", "what happened", "what happens", "what to do", "how many years"]
)  # fmt: skip
_YES_NO = frozenset(["is", "whether", "can", "is there"])


def has_han(text: str) -> bool:
    """Whether the text has a Chinese character."""
    return bool(HAN.search(text))


@dataclass(frozen=True)
class Rendering:
    """A question in English words, and the Chinese it left untranslated."""

    text: str
    unknown: tuple[str, ...]


class Glossary:
    """Chinese terms and their English renderings, matched longest first."""

    def __init__(self, terms: dict[str, str]) -> None:
        self.terms = terms
        self.longest = max((len(t) for t in terms), default=1)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Glossary:
        """The glossary file: `Chinese<TAB>English` lines, `#` comments; a bad line is an error."""
        terms: dict[str, str] = {}
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            chinese, sep, english = line.partition("\t")
            chinese, english = chinese.strip(), english.strip()
            if not sep or not chinese or not english or not has_han(chinese):
                raise ValueError(f"{path}:{number}: expected 'Chinese<TAB>English', got {line!r}")
            if chinese in terms:
                raise ValueError(f"{path}:{number}: {chinese} is listed twice")
            terms[chinese] = english
        return cls(terms)

    def render(self, text: str) -> Rendering:
        """The text with each Chinese term replaced by its English words; names, addresses,
        numbers and other Latin-script words stay where they are."""
        text = _dates(text.translate(_PUNCTUATION))
        pieces: list[str] = []
        unknown: list[str] = []
        position = 0
        for run in _HAN_RUN.finditer(text):
            pieces.append(text[position : run.start()])
            position = run.end()
            for english, missed in self._segments(run.group(0)):
                if missed:
                    unknown.append(missed)
                elif english != IGNORED:
                    pieces.append(english)
        pieces.append(text[position:])
        # A question word opens the question ("是什么" -> "what is"), before a yes/no one ("吗").
        openers = [p for p in pieces if p in _OPENERS]
        opener = next((p for p in openers if p not in _YES_NO), openers[0] if openers else None)
        if opener is not None:
            kept = (p for p in pieces if p != opener and (p not in _OPENERS or p in _YES_NO))
            pieces = [opener, *kept]
        body = " ".join(" ".join(pieces).split())
        body = re.sub(r"\s+([?!,.:;)])", r"\1", body)
        return Rendering(body, tuple(unknown))

    def english(self, text: str) -> str:
        """The text in English words when it has Chinese, else unchanged."""
        return self.render(text).text if has_han(text) else text

    def _segments(self, run: str) -> list[tuple[str, str]]:
        """(English, "") for each known term of a run of Han characters, longest match first;
        ("", characters) for each stretch that no term covers."""
        out: list[tuple[str, str]] = []
        missed = ""
        i = 0
        while i < len(run):
            for size in range(min(self.longest, len(run) - i), 0, -1):
                english = self.terms.get(run[i : i + size])
                if english is not None:
                    if missed:
                        out.append(("", missed))
                        missed = ""
                    out.append((english, ""))
                    i += size
                    break
            else:
                missed += run[i]
                i += 1
        if missed:
            out.append(("", missed))
        return out


def _dates(text: str) -> str:
    """Chinese dates in the English form the documents write."""

    def year_month(m: re.Match[str]) -> str:
        day = f" {int(m.group(3))}," if m.group(3) else ""
        return f" {_month(m.group(2))}{day} {m.group(1)} "

    text = _YEAR_MONTH.sub(year_month, text)
    text = _MONTH_DAY.sub(lambda m: f" {_month(m.group(1))} {int(m.group(2))} ", text)
    return _YEAR.sub(lambda m: f" {m.group(1)} ", text)


def _month(number: str) -> str:
    n = int(number)
    return _MONTHS[n - 1] if 1 <= n <= 12 else number
