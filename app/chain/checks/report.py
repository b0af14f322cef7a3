"""The checks in plain words, for the chat's address block, the bots and prompts."""

from __future__ import annotations

from dataclasses import dataclass

from app.chain.facts import ContractFacts
from app.i18n.catalog import N_, _

LINES = {
    "bot_absent": N_("Checked, not found: {names}"),
    "bot_unknown": N_("Could not be checked: {names}"),
    "found": N_("Found, read at block {block}{cite}: {summary}"),
    "also": N_("Also read at block {block}{cite}: {summary}"),
    "not_found": N_("Checked and not found{cite}: {names}"),
    "unknown": N_("Could not be checked: {items}"),
}


def check_lines(facts: ContractFacts, cite: str = "", skip: tuple[str, ...] = ()) -> list[str]:
    """Found risks first (each with its evidence's block), then the rest, then what was not read."""
    shown = [c for c in facts.checks if c.id not in skip]
    lines = [
        _(LINES["found"]).format(block=facts.block_number, cite=cite, summary=c.told())
        for c in shown
        if c.risk
    ]
    lines += [
        _(LINES["also"]).format(block=facts.block_number, cite=cite, summary=c.told())
        for c in shown
        if c.status == "found" and not c.risk
    ]
    absent = [c.name for c in shown if c.status == "not_found"]
    if absent:
        lines.append(_(LINES["not_found"]).format(cite=cite, names=", ".join(absent)))
    unknown = [f"{c.name}: {_first(c.told())}" for c in shown if c.status == "unknown"]
    if unknown:
        lines.append(_(LINES["unknown"]).format(items="; ".join(unknown)))
    return lines


def _first(summary: str) -> str:
    """The first sentence of a summary, without its full stop."""
    return summary.split(". ")[0].rstrip(".")


@dataclass(frozen=True)
class Grouped:
    """The checks of one read in the order people read them (for cards and bots)."""

    risks: list[str]
    also: list[str]
    absent: list[str]
    unknown: list[str]


def grouped(facts: ContractFacts) -> Grouped:
    """Found risks' summaries, reassuring finds, names of what was not found and not read; a
    found lookalike is left out (it leads the warnings)."""
    shown = [c for c in facts.checks if not (c.id == "lookalike" and c.status == "found")]
    return Grouped(
        risks=[c.told() for c in shown if c.risk],
        also=[c.told() for c in shown if c.status == "found" and not c.risk],
        absent=[c.name for c in shown if c.status == "not_found"],
        unknown=[c.name for c in shown if c.status == "unknown"],
    )
