"""How much of the hidden prompt each session and each caller has been sent, across turns.

A reply that shows less than a leak's worth of the prompt still shows something; asked for one
short slice per turn, a model could hand the prompt over piece by piece. The ledger keeps, per
key (a session, an API key, a client address), the prompt positions already sent, as a bit mask
that the next reply's scanner starts from, and those of replies cut because they joined up
with them, so that the slice after a cut one still joins up. It lives in memory: a restart
starts from nothing (the canary it guards is new then too), the workers of `serve --workers` all
use the owner process's ledger (app/kb/store/remote.py), and the least recently used keys are
dropped beyond a bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from app.rag.leakmatch import Account


class LeakLedger:
    """Prompt positions sent (and refused) per key, bounded in keys."""

    blocks = False  # in this process: called inline

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        self.accounts: OrderedDict[str, Account] = OrderedDict()
        self.lock = threading.Lock()

    def prior(self, keys: Iterable[str]) -> Account:
        """What any of these keys was already sent or refused."""
        sent = refused = 0
        with self.lock:
            for key in keys:
                account = self.accounts.get(key, _EMPTY)
                sent |= account.sent
                refused |= account.refused
        return Account(sent, refused)

    def charge(self, keys: Iterable[str], covered: int, refused: bool = False) -> None:
        """Record positions a reply sent to these keys, or that a cut reply would have joined."""
        if not covered:
            return
        with self.lock:
            for key in keys:
                old = self.accounts.get(key, _EMPTY)
                self.accounts[key] = (
                    Account(old.sent, old.refused | covered)
                    if refused
                    else Account(old.sent | covered, old.refused)
                )
                self.accounts.move_to_end(key)
            while len(self.accounts) > self.max_keys:
                self.accounts.popitem(last=False)


_EMPTY = Account()
