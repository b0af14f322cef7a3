"""How a question stands to the conversation's subject: whether it points back at it, names a
new one, or starts a topic of its own; and the subject it leaves behind."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from app.chain.facts import ContractFacts
from app.evm.addresses import find_addresses
from app.evm.chains import chains_in
from app.evm.chains import label as chain_label
from app.kb.models import ScoredChunk
from app.rag.entities import EntityFinder, Named
from app.rag.subject import MAX_ENTITIES, Entity, Subject
from app.rag.words import is_common

# Words that point back at something said before ("is it safe?", "what is its address?");
# "its own" and "this year" point at nothing.
_REFERRING = re.compile(
    r"\b(it|its|it's|itself|they|them|their|theirs|he|him|his|she|her|this|that|these|those|"
    r"same)\b(?! own\b| (year|month|week|day|time)\b)",
    re.IGNORECASE,
)
# "that" opening a relative clause ("tokens that pay fees") points at nothing.
_RELATIVE_THAT = re.compile(r"\b(?!(is|was|are|were|did|does|do|after|before|of|about)\b)\w+ that "
                            r"(?=\w)", re.IGNORECASE)  # fmt: skip
# A definite description of the kind of thing the subject is ("the attacker", "the token").
_DEFINITE = re.compile(
    r"\b(the|that|this|these|those)\s+(attackers?|hackers?|exploiters?|thief|hack|exploit|attack|"
    r"incident|theft|heist|breach|collapse|bankruptcy|sanctions?|token|coin|contract|protocol|"
    r"project|platform|team|founders?|company|firm|exchange|bridge|pool|vault|stablecoin|issuer|"
    r"deployer|owner|sentence|money|funds|governance token|upgrade)\b",
    re.IGNORECASE,
)
# Openings that continue the previous question ("and on Arbitrum?", "what about Base?").
_CONTINUING = re.compile(
    r"^\s*(and|or|also|then|plus|what about|how about|same for|and what about)\b", re.IGNORECASE
)
# A request with a topic of its own ("Explain impermanent loss"), not an ellipsis ("decimals?").
_ASKING = re.compile(r"^\s*(explain|describe|define|tell|show|list|compare|summari[sz]e)\b", re.I)
_WH = re.compile(r"^\s*(what|who|which|how|why|when|where|is|are|does|do|can|did|was|were)\b", re.I)
# Superlatives search the whole knowledge base ("Which bridge lost the most in 2022?"); "which
# pools were affected?" does not.
_SEARCHING = re.compile(
    r"\b(most|largest|biggest|first|best|worst|latest|oldest|newest|highest|lowest)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")
# A question asking which token something has ("what is its token?", "the governance token?").
_ASKS_TOKEN = re.compile(r"\b(token|coin|stablecoin|ticker|symbol)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """A question read against the subject before it."""

    question: str
    named: Named
    subject: Subject  # the conversation's subject before this question
    inherits: bool  # it points back at the subject
    query: str  # what retrieval is asked: the question, and the subject's words if it points back
    # A new subject that continues on the chain named before ("and DAI?").
    carries_chain: bool = False
    # What the answer's sentences are chosen by: the question, and the subject's names if it
    # points back (the query's extra words find documents; here they would crowd the answer).
    focus: str = ""

    def __post_init__(self) -> None:
        if not self.focus:
            object.__setattr__(self, "focus", self.query)


def signals(question: str) -> tuple[bool, bool, bool, bool]:
    """Whether the question refers back, continues, is a fragment, or asks only about attributes
    of something it does not name ("How much was lost?")."""
    refers = bool(_DEFINITE.search(question))
    for match in _REFERRING.finditer(question):
        if match.group(1).lower() == "that" and _RELATIVE_THAT.search(
            question[max(0, match.start() - 40) : match.end() + 1]
        ):
            continue
        refers = True
    continues = bool(_CONTINUING.match(question))
    words = _WORD.findall(question)
    fragment = len(words) <= 3 and not _WH.match(question) and not _ASKING.match(question)
    chains = {w.lower() for c in chains_in(question) for w in (c.label, *c.aliases, *c.ambiguous)}
    topical = [w for w in words if not is_common(w) and w.lower() not in chains and len(w) > 1]
    searching = bool(_SEARCHING.search(question))
    bare = not topical and not searching
    return refers, continues, fragment, bare


def is_follow_up(question: str) -> bool:
    """True for a question that needs its history to be understood; a question that names its
    own address or reads as complete starts afresh, so an earlier topic cannot leak into it."""
    if find_addresses(question):
        return False
    return any(signals(question))


def read(question: str, subject: Subject, finder: EntityFinder) -> Reading:
    """How the question stands to the subject, and the query that retrieves for it.

    A question that names an entity of its own starts a new subject (unless it also points back:
    "what did Circle do after that?"); one that names only a chain moves the subject there
    ("and on Base?"); one that points back, continues, is a fragment or asks about attributes
    alone inherits it; any other question has a topic of its own and inherits nothing.
    """
    named = finder.named(question)
    refers, continues, fragment, bare = signals(question)
    if subject.empty:
        return Reading(question, named, subject, False, question)
    if named.anything and not refers:
        carries = (continues or fragment) and not named.chains and subject.chain is not None
        query = f"{question} on {chain_label(subject.chain or '')}" if carries else question
        return Reading(question, named, subject, False, query, carries_chain=carries)
    if not (refers or continues or fragment or bare or named.anything):
        return Reading(question, named, subject, False, question)
    if named.places:  # "and on Base?": a listed token's address there, not its address here
        subject = finder.moved(subject, named.places[0])
    terms = subject.terms(with_chain=not named.chains)
    names = subject.names(with_chain=not named.chains)
    issued = _issued_token(question, subject, finder)
    if issued:  # "what is its token address?" about a protocol: the token it issues
        terms, names = f"{terms} {issued}", f"{names} {issued}"
    return Reading(
        question,
        named,
        subject,
        True,
        f"{terms} {question}".strip(),
        focus=f"{names} {question}".strip(),
    )


def _issued_token(question: str, subject: Subject, finder: EntityFinder) -> str | None:
    """The listed token of the protocol a question about "its token" points back at."""
    if not _ASKS_TOKEN.search(question) or not subject.entities:
        return None
    first = subject.entities[0]
    return finder.token_of(first.value) if first.kind == "protocol" else None


def advance(
    reading: Reading,
    finder: EntityFinder,
    hits: Sequence[ScoredChunk] = (),
    facts: Sequence[ContractFacts] = (),
) -> Subject:
    """The subject after this question: kept, moved to another chain, joined, or replaced."""
    before, named = reading.subject, reading.named
    turn = before.turn + 1
    chain = named.places[0] if named.places else None
    if reading.inherits:
        found = finder.entities(named, reading.question, hits, facts, turn)
        entities = (*before.entities, *(e for e in found if e not in before.entities))
        return replace(
            before, entities=entities[:MAX_ENTITIES], chain=chain or before.chain, turn=turn
        )
    found = finder.entities(named, reading.question, hits, facts, turn)
    if all(e.kind == "name" for e in found):  # names the sources do not know: what they found
        found += [e for e in finder.from_sources(hits, turn) if e not in found]
    if reading.carries_chain:
        chain = before.chain
    return Subject(tuple(found[:MAX_ENTITIES]), chain, reading.question[:1000], turn)


def learn(subject: Subject, reading: Reading, answer: str, finder: EntityFinder) -> Subject:
    """The subject with the token an answer gave, when the question asked for one ("what is its
    token?"): a later "its address" is then that token's."""
    if not reading.inherits or reading.named.anything or not _ASKS_TOKEN.search(reading.question):
        return subject
    known = {e.value for e in subject.entities}
    # The sentence that answers says what was asked for ("MKR, the governance token at ...").
    asked = _ASKS_TOKEN.search(reading.question)
    noun = asked.group(0).lower() if asked else "token"
    lines = [x for x in re.split(r"(?<=[.!?])\s+|\n+", answer) if noun in x.lower()]
    given = next((s for s in finder.symbols_in(" ".join(lines)) if s not in known), None)
    if given is None:
        return subject
    token = Entity("token", given, finder.symbols.get(given, ""), None, subject.turn)
    return replace(subject, entities=(*subject.entities, token)[:MAX_ENTITIES])


def replay(
    history: Sequence[tuple[str, str]],
    finder: EntityFinder,
    english: Callable[[str], str] = str,
) -> Subject:
    """The subject of a history a client keeps itself (no session stores one): its user turns
    read in order, from their own words alone (in English words, as each question is read)."""
    subject = Subject()
    for role, text in history:
        if role == "user" and text.strip():
            subject = advance(read(english(text), subject, finder), finder)
    return subject
