"""Readings of a reply that need more than a character map: tokens, escapes and encoded runs."""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Callable
from urllib.parse import unquote

from app.rag.leakforms import canonical
from app.rag.leakmatch import ExactMatcher

# Whitespace-free runs at least this long are read as binary-to-text encodings.
BLOB_MIN = 16
_ESCAPE_START = re.compile(r"[&%\\=]")
_BACKSLASH = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([0-7]{3}))")
_QUOTED = re.compile(r"=([0-9A-F]{2})")


class Splitter:
    """Completed tokens of a stream cut at a separator, and the raw offset the first began at."""

    def __init__(self, separator: str) -> None:
        self.separator = re.compile(separator)
        self.carry = ""
        self.start = 0

    def push(self, text: str, offset: int) -> tuple[list[str], int]:
        """Tokens completed by text (raw offset `offset`) and where the first of them began."""
        start = self.start if self.carry else offset
        parts = self.separator.split(self.carry + text)
        self.carry = parts.pop()
        self.start = offset if parts or not self.carry else start
        return [p for p in parts if p], start

    def flush(self) -> tuple[list[str], int]:
        """The token still open at the end of the reply."""
        rest, self.carry = self.carry, ""
        return ([rest] if rest else []), self.start


def _backslash(match: re.Match[str]) -> str:
    code = next(g for g in match.groups() if g is not None)
    value = int(code, 8 if match.group(4) else 16)
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


def _a85(text: str) -> bytes:
    return base64.a85decode(text.replace("z", "!!!!!"))


# name: (characters per group, clean-up of a run, decoder of whole groups)
CODECS: dict[str, tuple[int, Callable[[str], str], Callable[[str], bytes]]] = {
    "base64": (4, lambda t: t.replace("=", ""), _b64),
    "base32": (8, lambda t: t.replace("=", ""), _b32),
    "base85": (5, lambda t: t, base64.b85decode),
    "ascii85": (5, lambda t: t.replace("<~", "").replace("~>", ""), _a85),
    "hex": (2, lambda t: t, bytes.fromhex),
}
_ERRORS = (binascii.Error, ValueError)


class _Decoder:
    """One codec at one alignment: decodes whole groups of a run and reads the text."""

    def __init__(self, codec: str, align: int, matcher: ExactMatcher) -> None:
        self.group, self.prepare, self.decode = CODECS[codec]
        self.align = align
        self.matcher = matcher
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
        self.matcher.push(canonical(data.decode("utf-8", "ignore")), offset)


class BlobReader:
    """Runs of long whitespace-free tokens decoded by each codec at each alignment, as they grow."""

    def __init__(self, make: Callable[[str], ExactMatcher]) -> None:
        self.decoders = [
            _Decoder(codec, align, make(f"{codec}@{align}"))
            for codec, (group, _, _) in CODECS.items()
            for align in range(group)
        ]
        self.token = ""  # the open token, until it is long enough to count
        self.counted = False  # the open token is being decoded
        self.open = False  # a run of long tokens is being decoded

    def push(self, text: str, offset: int) -> None:
        """Read more raw text."""
        for match in _RUNS.finditer(text):
            piece = match.group()
            if piece[0].isspace():
                if self.open and not self.counted:  # a short token ends the run
                    self._close()
                self.token, self.counted = "", False
            elif self.counted:
                self._feed(piece, offset)
            else:
                self.token += piece
                if len(self.token) >= BLOB_MIN:
                    self.counted, self.open = True, True
                    self._feed(self.token, offset)

    def flush(self) -> None:
        """The end of the reply."""
        self.token, self.counted = "", False

    def _feed(self, piece: str, offset: int) -> None:
        if not (piece.isascii() and piece.isprintable()):
            self._close()
            self.token, self.counted = "", False
            return
        for decoder in self.decoders:
            decoder.push(piece, offset)

    def _close(self) -> None:
        self.open = False
        for decoder in self.decoders:
            decoder.reset()


_RUNS = re.compile(r"\s+|\S+")
