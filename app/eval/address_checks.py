"""Two answer checks on addresses: the original asset named first, and near misses called out."""

from __future__ import annotations

from app.evm.addresses import ADDRESS_RE
from app.rag.answer import Answer


def first_address_ok(answer: Answer, expected: str) -> bool:
    """Whether the first full address of the answer is the expected one (any case)."""
    found = ADDRESS_RE.search(answer.answer)
    return found is not None and found.group(0).lower() == expected.lower()


def called_out(answer: Answer, raw: str) -> bool:
    """Whether something written as an address but not one is named at the top of the answer
    (its first paragraph) and in a warning."""
    top = answer.answer.strip().split("\n\n", 1)[0]
    return raw in top and any(raw in w for w in answer.warnings)


def ratio_line(label: str, ok: float, n: float) -> str:
    """One report line: "label: ok/n (share)"."""
    share = ok / n if n else 0.0
    return f"{label}: {int(ok)}/{int(n)} ({share:.3f})"
