"""The checks every answer passes before a client sees it, in every mode, streamed or not.

Raw model text goes in as it arrives; what comes out has been read by the leak scanner, cleaned
of unsafe markup and had each address found in no source marked. Streamed text is released
only up to a cut that is at least HOLD_BACK characters behind the model, at whitespace, and
outside any construct that cleaning must see whole, so an address, a tag or a link is never
sent half-checked and the prompt is recognised before any window of it leaves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from app.i18n.catalog import _
from app.rag.grounding import mark_unverified
from app.rag.leakguard import WINDOW, LeakGuard
from app.rag.leakledger import LeakLedger
from app.rag.leakmatch import Account
from app.rag.markup import clean, describe, inert, last_block, open_construct

# Raw characters held behind the model: room for an encoded window of the prompt (hex and
# percent-encoding triple its length, spacing doubles it) and for a whole address.
HOLD_BACK = 4 * WINDOW + 64
# Streamed text is checked and released in steps of at least this many characters: cleaning
# parses the piece and re-reads the block it joins, so a release per token made the filter's
# cost per token grow with the block (bench.guard's "whole output filter" column).
RELEASE_STEP = 96
# ...and of at least this share of the block the piece joins: each release re-reads the block,
# so steps growing with it keep the reading per character bounded in a long block (a long list
# or paragraph), at the price of larger pieces there.
BLOCK_SHARE = 4


@dataclass
class Checked:
    """What the checks did to a whole answer."""

    text: str
    unverified: list[str] = field(default_factory=list)
    changes: Counter[str] = field(default_factory=Counter)

    def warnings(self) -> list[str]:
        """Warnings a client shows beside the answer."""
        out = [
            _("{address} appears in no source or on-chain lookup; it is marked unverified").format(
                address=a
            )
            for a in self.unverified
        ]
        return out + describe(self.changes)


class OutputFilter:
    """One answer's output: fed raw text, releases checked text."""

    def __init__(
        self,
        guard: LeakGuard,
        known_addresses: set[str],
        source_urls: Collection[str],
        prior: Account = Account(),
        whole: bool = False,
    ) -> None:
        # prior: prompt positions the session was already sent; whole: release nothing until
        # the model has finished, so a leak seen late replaces the whole reply.
        self.scanner = guard.scanner(prior)
        self.whole = whole
        self.known = known_addresses
        self.urls = source_urls
        self.raw = ""
        self.cut = 0  # raw characters already checked and released
        self.block = 0  # where the last block of the released text starts
        self.result = Checked("")

    @property
    def leaked(self) -> bool:
        """Whether the raw text has shown the system prompt."""
        return self.scanner.leaked

    def feed(self, text: str) -> str:
        """Take more raw text; return checked text that may be sent now ("" while holding)."""
        self.raw += text
        if self.scanner.feed(text) or self.whole:
            return ""
        limit = len(self.raw) - HOLD_BACK
        held = self.scanner.held_from()  # a reading of codes or initials may be mid-match
        if held is not None:
            limit = min(limit, held)
        block = len(self.result.text) - self.block  # what the next release re-reads
        if limit - self.cut < max(RELEASE_STEP, block // BLOCK_SHARE):
            return ""
        end = self._safe_cut(limit)
        return self._release(end) if end > self.cut else ""

    def finish(self) -> str:
        """Everything still held, checked; call once the model has finished."""
        self.scanner.finish()
        return "" if self.leaked else self._release(len(self.raw))

    def charge(self, ledger: LeakLedger, keys: Sequence[str]) -> None:
        """Record in the ledger what this answer sent, or joined up with if it was cut."""
        if not self.leaked:
            ledger.charge(keys, self.scanner.covered)
        elif self.scanner.across_turns:
            ledger.charge(keys, self.scanner.covered, refused=True)

    def _safe_cut(self, limit: int) -> int:
        """The last whitespace at or before limit that is outside an unfinished construct."""
        end = limit
        while end > self.cut:
            end = max(self.raw.rfind(" ", self.cut, end), self.raw.rfind("\n", self.cut, end))
            if end <= self.cut:
                return self.cut
            start = open_construct(self.raw[self.cut : end])
            if start == -1:
                return end
            end = self.cut + start  # cut before the construct, never inside it
        return self.cut

    def _release(self, end: int) -> str:
        piece = clean(self.raw[self.cut : end], self.urls)
        text, unverified = mark_unverified(piece.text, self.known)
        # Cleaned alone, the piece must read the same after what was sent (from the start of
        # its last block on); if it does not, it is sent inert.
        sent = self.result.text[self.block :]
        start = last_block(sent + text, self.urls)
        if start == -1:
            text = inert(text)
            piece.changes["markup"] += 1
        else:
            self.block += min(start, len(sent))
        self.cut = end
        self.result.text += text
        self.result.changes.update(piece.changes)
        self.result.unverified += [a for a in unverified if a not in self.result.unverified]
        return text


def check_text(
    text: str, guard: LeakGuard, known_addresses: set[str], source_urls: Collection[str]
) -> tuple[Checked, bool]:
    """A whole answer checked at once, and whether it leaked the prompt."""
    out = OutputFilter(guard, known_addresses, source_urls)
    out.feed(text)
    out.finish()
    return out.result, out.leaked
