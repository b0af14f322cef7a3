"""Recognises the hidden system prompt in model output, however it is spelled or encoded.

Every reply is read through several channels at once: the plain text, the text read through
ROT13, and the bytes decoded from runs that look like base64 (each of the four alignments), hex
(both alignments) or percent-encoding. Each channel reduces what it reads to a canonical form
(NFKC, case-folded, letters and digits only), so spacing, zero-width characters, punctuation
between words or letters, and cutting into pieces all vanish. A window of that form which also
occurs in the system prompt's canonical form, forwards or backwards, is a leak, and so is the
per-process canary. Work per character is constant (a window slice and a set lookup per
channel), so a reply costs time linear in its length, and memory is one window per channel.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import unicodedata
from collections.abc import Callable

# Canonical characters that make a leak: long enough that ordinary prose about the same topic
# does not share a window with the prompt, short enough to catch a sentence of it.
WINDOW = 40
_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
_HEX = frozenset(b"0123456789abcdefABCDEF")
# Characters a model may sprinkle inside an encoded run without ending it.
_SKIP_IN_RUN = frozenset(b" \t\r\n=")


def canonical(text: str) -> str:
    """Letters and digits only, compatibility-folded and lower case."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def rot13(text: str) -> str:
    """ROT13 of ASCII letters; other characters unchanged."""
    return codecs.encode(text, "rot13")


class LeakGuard:
    """The windows of one system prompt, and scanners that look for them in replies."""

    def __init__(self, system_prompt: str, canary: str | None = None) -> None:
        flat = canonical(system_prompt)
        windows: set[str] = set()
        for form in (flat, flat[::-1]):
            windows.update(form[i : i + WINDOW] for i in range(max(len(form) - WINDOW, 0) + 1))
        self.windows = frozenset(windows)
        self.canary = canonical(canary) if canary else None

    def scanner(self) -> LeakScanner:
        """A fresh scanner for one reply."""
        return LeakScanner(self)

    def leaks(self, text: str) -> bool:
        """Whether a whole text contains the prompt or the canary."""
        scan = self.scanner()
        scan.feed(text)
        return scan.leaked


class _Channel:
    """Canonical characters of one reading of the reply, checked window by window."""

    def __init__(self, guard: LeakGuard) -> None:
        self.guard = guard
        self.tail = ""
        self.hit = False

    def push(self, text: str) -> None:
        windows, canary = self.guard.windows, self.guard.canary
        keep = max(WINDOW, len(canary) if canary else 0)
        for ch in canonical(text):
            self.tail = (self.tail + ch)[-keep:]
            if self.tail[-WINDOW:] in windows or (canary and self.tail.endswith(canary)):
                self.hit = True


class _Decoder:
    """Bytes decoded from runs of one alphabet, at one alignment, fed to a channel."""

    def __init__(
        self,
        channel: _Channel,
        alphabet: frozenset[int],
        group: int,
        offset: int,
        decode: Callable[[bytes], bytes],
    ) -> None:
        self.channel = channel
        self.alphabet = alphabet
        self.group = group
        self.skip = offset  # characters dropped at the start of each run, for alignment
        self.offset = offset
        self.pending = bytearray()
        self.decode = decode

    def push(self, text: str) -> None:
        out = bytearray()
        for byte in text.encode("utf-8", "ignore"):
            if byte in self.alphabet:
                if self.skip:
                    self.skip -= 1
                    continue
                self.pending.append(byte)
                if len(self.pending) == self.group:
                    with contextlib.suppress(binascii.Error, ValueError):
                        out += self.decode(bytes(self.pending))
                    self.pending.clear()
            elif byte not in _SKIP_IN_RUN:
                self.pending.clear()  # the run ended: the next one starts aligned afresh
                self.skip = self.offset
        if out:
            self.channel.push(out.decode("utf-8", "ignore"))


def _b64(quad: bytes) -> bytes:
    return base64.b64decode(quad.replace(b"-", b"+").replace(b"_", b"/"), validate=True)


class _Percent:
    """%XX sequences decoded, other characters passed through, to a channel."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        self.carry = ""

    def push(self, text: str) -> None:
        from urllib.parse import unquote

        text = self.carry + text
        cut = text.rfind("%", max(len(text) - 2, 0))
        self.carry, text = (text[cut:], text[:cut]) if cut != -1 else ("", text)
        self.channel.push(unquote(text))


class LeakScanner:
    """Reads one reply as it streams; `leaked` turns true once the prompt shows in any reading."""

    def __init__(self, guard: LeakGuard) -> None:
        self.plain = _Channel(guard)
        self.rot = _Channel(guard)
        self.decoded = [_Channel(guard) for _ in range(7)]
        self.readers: list[_Decoder | _Percent] = [
            *(_Decoder(self.decoded[i], _B64, 4, i, _b64) for i in range(4)),
            *(_Decoder(self.decoded[4 + i], _HEX, 2, i, binascii.unhexlify) for i in range(2)),
            _Percent(self.decoded[6]),
        ]

    def feed(self, text: str) -> bool:
        """Read more of the reply; true once a leak has been seen."""
        self.plain.push(text)
        self.rot.push(rot13(text))
        for reader in self.readers:
            reader.push(text)
        return self.leaked

    @property
    def leaked(self) -> bool:
        """Whether any reading has matched the prompt."""
        return self.plain.hit or self.rot.hit or any(c.hit for c in self.decoded)
