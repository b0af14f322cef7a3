"""Readings of a reply that need more than a character map: tokens, escapes and encoded runs."""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Callable
from functools import partial
from typing import Protocol
from urllib.parse import unquote

from app.evm.addresses import HEX40
from app.rag.leakforms import canonical
from app.rag.leakmatch import ExactMatcher

# Whitespace-free runs at least this long are read as binary-to-text encodings.
BLOB_MIN = 16
_ESCAPE_START = re.compile(r"[&%\\=+]")
_BACKSLASH = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([0-7]{3}))"
    r"|U\+([0-9a-fA-F]{4,6})"
)
_QUOTED = re.compile(r"=([0-9A-F]{2})")


class Splitter:
    """Completed tokens of a stream cut at a separator, and the raw offset the first began at.

    A token longer than MAX_TOKEN stands for no single symbol: it is kept cut to that length, so
    that work per character stays constant however long a run without separators grows.
    """

    MAX_TOKEN = 64

    def __init__(self, separator: str) -> None:
        self.separator = re.compile(separator)
        self.carry = ""
        self.start = 0

    def push(self, text: str, offset: int) -> tuple[list[str], int]:
        """Tokens completed by text (raw offset `offset`) and where the first of them began."""
        start = self.start if self.carry else offset
        parts = self.separator.split(text)
        parts[0] = (self.carry + parts[0])[: self.MAX_TOKEN]
        self.carry = parts.pop()[: self.MAX_TOKEN]
        self.start = offset if parts or not self.carry else start
        return [p for p in parts if p], start

    def flush(self) -> tuple[list[str], int]:
        """The token still open at the end of the reply."""
        rest, self.carry = self.carry, ""
        return ([rest] if rest else []), self.start


class LineInitials:
    """The first letter or digit of each line, as soon as it is written."""

    def __init__(self) -> None:
        self.waiting = True  # the reply starts a line

    def push(self, folded: str) -> str:
        """Initials of the lines this piece starts or continues."""
        out = []
        for n, segment in enumerate(folded.split("\n")):
            if n:
                self.waiting = True
            if self.waiting:
                found = _ALNUM.search(segment)
                if found:
                    out.append(found.group())
                    self.waiting = False
        return "".join(out)


_ALNUM = re.compile(r"[^\W_]")


def _backslash(match: re.Match[str]) -> str:
    code = next(g for g in match.groups() if g is not None)
    value = int(code, 8 if match.group(4) else 16)  # octal, else hexadecimal
    return chr(value) if value < 0x110000 else ""


def unescape(text: str) -> str:
    """HTML entities, percent-encoding, backslash and quoted-printable escapes decoded."""
    text = html.unescape(text)
    text = unquote(text, errors="ignore")
    text = _BACKSLASH.sub(_backslash, text)
    return _QUOTED.sub(lambda m: chr(int(m.group(1), 16)), text)


class Unescaper:
    """Feeds the unescaped reply to a matcher, from the first escape-like character on."""

    def __init__(self, matcher: ExactMatcher) -> None:
        self.matcher = matcher
        self.active = False
        self.carry = ""

    def push(self, text: str, offset: int, final: bool = False) -> None:
        """Read more raw text; an escape cut by the end of a piece waits for the rest."""
        if not self.active:
            if not _ESCAPE_START.search(text):
                return
            self.active = True
        buf = self.carry + text
        cut = len(buf)
        if not final:
            tail = _ESCAPE_START.search(buf[-11:][::-1])
            if tail is not None:
                cut = len(buf) - tail.start() - 1
        self.carry = buf[cut:]
        self.matcher.push(canonical(unescape(buf[:cut])), offset)


def _b64(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def _b32(text: str) -> bytes:
    return base64.b32decode(text.upper())


def _bits(text: str) -> bytes:
    return int(text, 2).to_bytes(len(text) // 8, "big")


def _a85(text: str) -> bytes:
    return base64.a85decode(text.replace("z", "!!!!!"))


# name: (characters per group, clean-up of a run, decoder of whole groups, alphabet)
CODECS: dict[str, tuple[int, Callable[[str], str], Callable[[str], bytes], re.Pattern[str]]] = {
    "base64": (4, lambda t: t.replace("=", ""), _b64, re.compile(r"[A-Za-z0-9+/_=-]+")),
    "base32": (8, lambda t: t.replace("=", ""), _b32, re.compile(r"[A-Z2-7=]+|[a-z2-7=]+")),
    "base85": (
        5,
        lambda t: t,
        base64.b85decode,
        re.compile(r"[0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]+"),
    ),
    "ascii85": (
        5,
        lambda t: t.replace("<~", "").replace("~>", ""),
        _a85,
        re.compile(r"[!-u<>~z]+"),
    ),
    "hex": (2, lambda t: t, bytes.fromhex, re.compile(r"(?:0x)?[0-9a-fA-F]+")),
    "binary": (8, lambda t: t, _bits, re.compile(r"[01]+")),
}
# Addresses and transaction hashes fill answers; no encoding is read out of them.
_CHAIN_ID = re.compile(rf"0x(?:{HEX40}|[0-9a-fA-F]{{64}})")
_ERRORS = (binascii.Error, ValueError)


class Reading(Protocol):
    """Where decoded text goes: anything that reads raw text."""

    def push(self, text: str, offset: int) -> None:
        """Read more text that came from raw offset `offset`."""


class _Decoder:
    """One codec at one alignment: decodes whole groups of a run and reads the text."""

    def __init__(self, codec: str, align: int, make: Callable[[], Reading]) -> None:
        self.group, self.prepare, self.decode, self.alphabet = CODECS[codec]
        self.align = align
        self.make = make
        self.reading: Reading | None = None  # made on the first decoded text: most runs have none
        self.reset()

    def reset(self) -> None:
        self.buf = ""
        self.skip = self.align

    def push(self, text: str, offset: int) -> None:
        text = self.prepare(text)
        if self.skip:
            text, self.skip = text[self.skip :], max(self.skip - len(text), 0)
        self.buf += text
        whole = len(self.buf) // self.group * self.group
        piece, self.buf = self.buf[:whole], self.buf[whole:]
        if not piece:
            return
        try:
            data = self.decode(piece)
        except _ERRORS:
            data = b""
            for i in range(0, whole, self.group):
                try:
                    data += self.decode(piece[i : i + self.group])
                except _ERRORS:
                    continue
        decoded = data.decode("utf-8", "ignore")
        if decoded:
            if self.reading is None:
                self.reading = self.make()
            self.reading.push(decoded, offset)


class BlobReader:
    """Runs of encoded text decoded by each codec at each alignment, as they grow.

    A run is a sequence of long whitespace-free tokens (base64 wrapped in lines), or of at
    least GROUPED short tokens of one length (base64 in groups of four or eight).
    """

    GROUPED = 4

    def __init__(self, make: Callable[[str], Reading]) -> None:
        self.make = make
        # One decoder per codec and alignment, made with the first run: most replies, and most
        # decoded texts read again inside them, have none, and a reader per decoded text made
        # them all (thirty-two, each with its own reader below) for nothing.
        self.codecs: list[tuple[re.Pattern[str], list[_Decoder]]] = []
        self.decoders: list[_Decoder] = []
        self.token = ""  # the open token, until it is long enough to count
        self.counted = False  # the open token is being decoded
        self.open = False  # a run is being decoded
        self.group = 0  # the length of the short tokens of a grouped run
        self.recent: list[str] = []  # the last short tokens, all of one length

    def push(self, text: str, offset: int) -> None:
        """Read more raw text."""
        for match in _RUNS.finditer(text):
            piece = match.group()
            if piece[0].isspace():
                self._ended(offset)
            elif self.counted:
                self._feed(piece, offset)
            else:
                self.token += piece
                if len(self.token) >= BLOB_MIN:
                    self.counted, self.open, self.group, self.recent = True, True, 0, []
                    self._feed(self.token, offset)

    def flush(self) -> None:
        """The end of the reply."""
        self._ended(0)

    def _ended(self, offset: int) -> None:
        """A token ended at whitespace (or the end): a short one continues or ends a run."""
        token, counted = self.token, self.counted
        self.token, self.counted = "", False
        if not token or counted:
            return
        if self.group and len(token) <= self.group:
            self._feed(token, offset)
            if len(token) < self.group:  # the last, shorter group
                self.group = 0
            return
        if self.open:
            self._close()
        if self.recent and len(token) == len(self.recent[0]) and len(token) > 1:
            self.recent.append(token)
        else:
            self.recent = [token]
        if len(self.recent) >= self.GROUPED:
            self.open, self.group = True, len(token)
            self._feed("".join(self.recent), offset)
            self.recent = []

    def _feed(self, piece: str, offset: int) -> None:
        if _CHAIN_ID.fullmatch(piece):
            return
        if not (piece.isascii() and piece.isprintable()):
            self._close()
            self.token, self.counted = "", False
            return
        if not self.codecs:
            self.codecs = [
                (
                    alphabet,
                    [_Decoder(codec, a, partial(self.make, f"{codec}@{a}")) for a in range(group)],
                )
                for codec, (group, _, _, alphabet) in CODECS.items()
            ]
            self.decoders = [d for _, decoders in self.codecs for d in decoders]
        for alphabet, decoders in self.codecs:
            fits = alphabet.fullmatch(piece) is not None
            for decoder in decoders:
                if fits:
                    decoder.push(piece, offset)
                else:  # not this codec: its run ends here
                    decoder.reset()

    def _close(self) -> None:
        self.open, self.group = False, 0
        for decoder in self.decoders:
            decoder.reset()


_RUNS = re.compile(r"\s+|\S+")
