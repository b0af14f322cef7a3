"""What a conversation is about: the entities its turns named, kept with the session."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, cast, get_args

from app.evm.chains import BY_NAME
from app.evm.chains import label as chain_label

Kind = Literal["address", "token", "protocol", "event", "name"]
KINDS: tuple[str, ...] = get_args(Kind)
# A subject names a few things at most; a question naming more is a list, not a subject.
MAX_ENTITIES = 4
_WORD = re.compile(r"[\w$][\w$.'-]*[\w$]|[\w$]")


@dataclass(frozen=True)
class Entity:
    """One thing a conversation is about, and the turn that made it so."""

    kind: Kind
    value: str  # an EIP-55 address, a token symbol, a protocol's or an event's name
    label: str = ""  # what else names it: a token's name, the title of the document about it
    chain: str | None = None  # the chain it was named on
    turn: int = 0

    def words(self) -> str:
        """How a retrieval query names it: the value, and the label where it adds words."""
        own = {w.lower() for w in _WORD.findall(self.value)}
        extra = [w for w in _WORD.findall(self.label) if w.lower() not in own]
        return " ".join([self.value, *extra])

    def describe(self) -> str:
        """One line for a prompt: kind, value, label and chain, and the turn it was named in."""
        text = f"{self.kind} {self.value}"
        if self.label and self.label.lower() != self.value.lower():
            text += f', "{self.label}"'
        if self.chain:
            text += f" on {chain_label(self.chain)}"
        return f"{text}, since turn {self.turn}"


@dataclass(frozen=True)
class Subject:
    """The entities a conversation is about, the chain it is on, and the question that set it.

    `topic` keeps the question that started the subject, so that a subject without a named
    entity ("What is a flash loan?") is still something a follow-up can point back at.
    """

    entities: tuple[Entity, ...] = ()
    chain: str | None = None  # the chain the user last named for this subject
    topic: str = ""
    turn: int = 0  # turns seen so far

    @property
    def empty(self) -> bool:
        """Nothing to point back at."""
        return not self.entities and not self.topic

    def terms(self, with_chain: bool = True) -> str:
        """Words that name the subject in a retrieval query: its entities, else its question."""
        if self.entities:
            # The first entity with what else names it; the others by their names alone.
            named = [self.entities[0].words(), *(e.value for e in self.entities[1:])]
            seen: set[str] = set()
            words = []
            for word in " ".join(named).split():
                if word.lower() not in seen:
                    seen.add(word.lower())
                    words.append(word)
            text = " ".join(words)
        else:
            text = self.topic
        where = chain_label(self.chain) if self.chain else ""
        if with_chain and where and where.lower() not in text.lower():
            text = f"{text} on {where}"
        return text.strip()

    def names(self, with_chain: bool = True) -> str:
        """The subject by its first entity's name alone ("Lido", "USDC on Base"), for choosing
        the sentences that answer a follow-up: more words would favour the ones defining it."""
        if not self.entities:
            return self.terms(with_chain)
        text = self.entities[0].value
        where = chain_label(self.chain) if self.chain else ""
        if with_chain and where and where.lower() not in text.lower():
            text = f"{text} on {where}"
        return text

    def describe(self) -> str:
        """The subject as lines for the condense prompt; empty when it names nothing. The model
        reads the question of a topic in the history it is shown, and no further back: the
        session's cap on turns holds for what it is sent."""
        lines = [f"- {e.describe()}" for e in self.entities]
        if self.chain:
            lines.append(f"- chain {chain_label(self.chain)}")
        return "\n".join(lines)

    def with_chain(self, chain: str | None) -> Subject:
        """The same subject on another chain."""
        return replace(self, chain=chain)

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "entities": [
                {
                    "kind": e.kind,
                    "value": e.value,
                    "label": e.label,
                    "chain": e.chain,
                    "turn": e.turn,
                }
                for e in self.entities
            ],
            "chain": self.chain,
            "topic": self.topic,
            "turn": self.turn,
        }

    @classmethod
    def from_json(cls, data: object) -> Subject | None:
        """A stored subject; None for anything that is not one (a stored row is not trusted)."""
        if not isinstance(data, dict):
            return None
        entities = []
        for item in data.get("entities") or []:
            if not isinstance(item, dict) or item.get("kind") not in KINDS:
                continue
            value = item.get("value")
            if not isinstance(value, str) or not value:
                continue
            entities.append(
                Entity(
                    cast(Kind, item["kind"]),
                    value[:200],
                    _text(item.get("label"))[:200],
                    _chain(item.get("chain")),
                    _int(item.get("turn")),
                )
            )
        return cls(
            tuple(entities[:MAX_ENTITIES]),
            _chain(data.get("chain")),
            _text(data.get("topic"))[:1000],
            _int(data.get("turn")),
        )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _chain(value: object) -> str | None:
    return value if isinstance(value, str) and value in BY_NAME else None
