"""The entities a question names, typed by the token list, the answer's sources and the live
facts of the address block."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.chain.canonical import CanonicalTokens, symbol_key
from app.chain.facts import ContractFacts
from app.evm.addresses import find_addresses
from app.evm.chains import chains_in
from app.kb.cards import name_head
from app.kb.models import Chunk, ScoredChunk
from app.rag.subject import MAX_ENTITIES, Entity, Kind, Subject
from app.rag.words import COMMON, ORDINARY

# A word as people write names: letters, digits and inner dots, hyphens or apostrophes.
_WORD = re.compile(r"\$?[A-Za-z0-9](?:[A-Za-z0-9.'\u2019_-]*[A-Za-z0-9])?")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_VERSION = re.compile(r"^[vV]\d+(\.\d+)*$")
# Words that make a named thing an event rather than a project.
EVENT_WORDS = re.compile(
    r"\b(hack|hacked|exploit|exploited|attack|attacked|heist|theft|stolen|drain|drained|breach|"
    r"collapse|collapsed|bankruptcy|bankrupt|sanction|sanctions|sanctioned|depeg|depegged|"
    r"rug|incident|crash|insolvency|lost its peg)\b",
    re.IGNORECASE,
)
# Sources read for what a name is: the few best, where a question's names are found.
_SOURCES_READ = 5


@dataclass(frozen=True)
class Named:
    """What a question names in its own words, before anything is retrieved."""

    addresses: tuple[str, ...] = ()  # EIP-55, those with a usable checksum
    tokens: tuple[str, ...] = ()  # symbols of the token list
    names: tuple[str, ...] = ()  # other proper names ("Poly Network", "Tornado Cash")
    chains: tuple[str, ...] = ()
    # The chains it names as where something is ("on Base", "Arbitrum USDC"), not those inside
    # a name ("the BNB Chain bridge", "its own Cosmos chain").
    places: tuple[str, ...] = ()

    @property
    def anything(self) -> bool:
        """Whether it names an entity (a chain alone is not one)."""
        return bool(self.addresses or self.tokens or self.names)


class EntityFinder:
    """Finds addresses, listed tokens and proper names in questions, and says what they are."""

    def __init__(self, canonical: CanonicalTokens) -> None:
        self.canonical = canonical
        self.symbols: dict[str, str] = {}  # symbol -> name, the first listing's
        for token in canonical.by_address.values():
            self.symbols.setdefault(token.symbol, token.name)
        # Lower-case symbols people type ("usdc"), unless the word is an ordinary one ("safe").
        self.folded = {
            s.lower(): s for s in self.symbols if len(s) >= 3 and s.lower() not in COMMON
        }
        # Names of two words or more are distinctive in any case ("wrapped ether").
        self.long_names = {
            n.lower(): s for s, n in self.symbols.items() if len(n.split()) >= 2 and len(n) >= 8
        }
        self.names = {n.lower(): s for s, n in self.symbols.items()}

    def named(self, question: str) -> Named:
        """The addresses, listed tokens, proper names and chains a question names."""
        addresses = tuple(a.checksum for a in find_addresses(question) if a.status != "invalid")
        text = question
        for found in find_addresses(question):
            text = text.replace(found.raw, " , ")
        chains = tuple(c.name for c in chains_in(text))
        tokens: list[str] = []
        low = f" {text.lower()} "
        for long_name, listed in self.long_names.items():
            if long_name not in low:  # cheap first: hundreds of names, few in any question
                continue
            found_name = re.search(rf"(?<![\w-]){re.escape(long_name)}(?![\w-])", low)
            if found_name and listed not in tokens:
                tokens.append(listed)
        names: list[str] = []
        for run in _capitalised_runs(text):
            segment: list[str] = []
            for word in [*run, ""]:  # a listed symbol, or the end, closes a name
                symbol: str | None = self._symbol(word) if word else None
                if word and not symbol:
                    segment.append(word)
                    continue
                if symbol and symbol not in tokens:
                    tokens.append(symbol)
                name = _name(segment)
                segment = []
                # "Arbitrum USDC": a chain before a symbol says where the token is.
                place = _chain_only(name, text) or bool(symbol and _all_chain(name))
                if name and name not in names and not place:
                    names.append(name)
        for word in _words(text):
            typed = self.folded.get(word.lower()) if word.islower() else None
            if typed and typed not in tokens:
                tokens.append(typed)
        inside = {c.name for n in names for c in chains_in(n)}
        places = tuple(c for c in chains if c not in inside)
        return Named(addresses, tuple(tokens), tuple(names), chains, places)

    def token_of(self, protocol: str) -> str | None:
        """The listed token a protocol issues, by the first word of its name ("Curve" issues
        "Curve DAO Token", CRV); None when no listed name starts that way."""
        head = name_head(protocol)
        found = {s for s, n in self.symbols.items() if head and name_head(n) == head}
        return found.pop() if len(found) == 1 else None

    def moved(self, subject: Subject, chain: str) -> Subject:
        """The subject on another chain: an address of a listed token becomes the same token's
        address there ("and on Base?" after UNI's Ethereum address asks for Base's UNI, which
        the answer then names as such); an address the list does not place there stays, and
        its block says that no document puts it there."""
        return replace(subject, entities=tuple(self._moved(e, chain) for e in subject.entities))

    def _moved(self, entity: Entity, chain: str) -> Entity:
        if entity.kind != "address" or entity.chain == chain:
            return entity
        token = self.canonical.anywhere(entity.value)
        if token is None:
            return entity
        same = self.canonical.by_symbol.get(symbol_key(token.symbol), [])
        there = sorted((t for t in same if t.chain == chain), key=lambda t: t.name != token.name)
        return replace(entity, value=there[0].address, chain=chain) if there else entity

    def symbols_in(self, text: str) -> list[str]:
        """Listed symbols a text writes as symbols ("LINK", "$UNI"), in order, once each."""
        found: list[str] = []
        for word in _words(text):
            symbol = self._symbol(word)
            if symbol and symbol not in found and not _ordinary(word):
                found.append(symbol)
        return found

    def _symbol(self, word: str) -> str | None:
        bare = word.lstrip("$")
        if bare in self.symbols and (len(bare) >= 2 or word.startswith("$")):
            return bare
        return None

    def entities(
        self,
        named: Named,
        question: str,
        hits: Sequence[ScoredChunk],
        facts: Sequence[ContractFacts],
        turn: int,
    ) -> list[Entity]:
        """Typed entities of a question: its addresses, tokens and names, with what the sources
        and live facts say they are."""
        chain = named.places[0] if named.places else None
        found: list[Entity] = []
        for address in named.addresses:
            found.append(_address(address, chain, hits, facts, turn))
        for symbol in named.tokens:
            listed = self.symbols.get(symbol, "")
            found.append(Entity("token", symbol, _titled(symbol, listed, hits), chain, turn))
        event = bool(EVENT_WORDS.search(question))
        for name in named.names:
            entity = self._name(name, event, chain, hits, turn)
            if entity.kind != "name" or not _all_chain(name):  # "its own Cosmos chain"
                found.append(entity)
        return _merged(found)[:MAX_ENTITIES]

    def _name(
        self, name: str, event: bool, chain: str | None, hits: Sequence[ScoredChunk], turn: int
    ) -> Entity:
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
        knowing = [
            h.chunk
            for h in hits[:_SOURCES_READ]
            if any(
                pattern.search(f)
                for f in (h.chunk.protocol or "", h.chunk.title, _symbol_of(h.chunk))
            )
        ]
        # A document about the thing says more of it than a token card of it on some chain.
        knowing.sort(key=lambda c: bool(_symbol_of(c)))
        if knowing:
            chunk = knowing[0]
            kind: Kind = "protocol"
            if chunk.type == "news" or event:
                kind = "event"
            elif _symbol_of(chunk):
                kind = "token"
            return Entity(kind, name, name_of(chunk.title), chain, turn)
        symbol = self.names.get(name.lower())
        if symbol:
            return Entity("token", symbol, name, chain, turn)
        return Entity("event" if event else "name", name, "", chain, turn)

    @staticmethod
    def from_sources(hits: Sequence[ScoredChunk], turn: int) -> list[Entity]:
        """What the best source is about, for a question that named nothing itself ("Which
        exchange moved to its own chain?" is then about the exchange the answer found)."""
        if not hits:
            return []
        chunk = hits[0].chunk
        symbol = _symbol_of(chunk)
        if symbol:
            return [Entity("token", symbol, name_of(chunk.title), chunk.chain, turn)]
        if chunk.protocol:
            kind: Kind = "event" if chunk.type == "news" else "protocol"
            return [Entity(kind, chunk.protocol, name_of(chunk.title), None, turn)]
        return []


def _address(
    address: str,
    chain: str | None,
    hits: Sequence[ScoredChunk],
    facts: Sequence[ContractFacts],
    turn: int,
) -> Entity:
    """An address, labelled by what was read of it on-chain, else by the document about it."""
    live = next((f for f in facts if f.address == address), None)
    if live is not None:
        token = live.listed or live.token
        read = " ".join(x for x in (token.symbol, token.name) if x) if token else ""
        if not read and live.protocol is not None:
            read = live.protocol.name
        return Entity("address", address, read, chain or live.chain, turn)
    about = next((h.chunk for h in hits if address in h.chunk.subject_addresses), None)
    if about is None:
        return Entity("address", address, "", chain, turn)
    return Entity("address", address, name_of(about.title), chain or about.chain, turn)


def _merged(entities: list[Entity]) -> list[Entity]:
    """One entity per kind and value ("Yearn Finance" is the listed YFI named twice), with the
    first label any of them has."""
    out: list[Entity] = []
    for entity in entities:
        same = next(
            (n for n, e in enumerate(out) if (e.kind, e.value) == (entity.kind, entity.value)), None
        )
        if same is None:
            out.append(entity)
        elif not out[same].label and entity.label:
            out[same] = replace(out[same], label=entity.label)
    return out


def _titled(symbol: str, listed: str, hits: Sequence[ScoredChunk]) -> str:
    """A token's name as the documents about it write it ("Wrapped Ether (WETH)"), a document
    before a token card; else the list's name where the documents use it; else "" (a query is
    judged by whether the documents have its words, and "USDCoin" may be in none)."""
    about = [
        h.chunk
        for h in hits[:_SOURCES_READ]
        if _symbol_of(h.chunk) == symbol or re.search(rf"\b{re.escape(symbol)}\b", h.chunk.title)
    ]
    about.sort(key=lambda c: bool(_symbol_of(c)))
    if about:
        return name_of(about[0].title)
    said = re.compile(rf"(?<![\w-]){re.escape(listed)}(?![\w-])", re.IGNORECASE)
    used = listed and any(said.search(f"{h.chunk.title} {h.chunk.text}") for h in hits)
    return listed if used else ""


def _symbol_of(chunk: Chunk) -> str:
    """The token symbol a token card declares, else ""."""
    return str(chunk.metadata.get("symbol") or "")


def name_of(title: str) -> str:
    """A document's title as a name for its subject, without the chain it places it on
    ("Uniswap (UNI) on Ethereum" is Uniswap (UNI) on any chain; the chain is the question's to
    say); a chain that is part of the name stays ("Polygon (MATIC) on Polygon")."""
    text = title
    for chain in chains_in(title):
        for alias in (chain.label, *chain.aliases, *chain.ambiguous):
            text = re.sub(rf"(?i)\b(on|in)\s+{re.escape(alias)}\b", " ", text)
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return [_POSSESSIVE.sub("", m.group(0)) for m in _WORD.finditer(text)]


def _capitalised_runs(text: str) -> list[list[str]]:
    """Runs of adjacent words with a capital in them ("Poly Network", "dYdX", "What Is WETH"),
    version numbers ("V3") left out."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = 0
    for match in _WORD.finditer(text):
        if current and text[last_end : match.start()].strip(" "):
            runs.append(current)  # punctuation between two words ends a name
            current = []
        last_end = match.end()
        word = _POSSESSIVE.sub("", match.group(0))
        if any(c.isupper() for c in word) and not _VERSION.match(word):
            current.append(word)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _ordinary(word: str) -> bool:
    """A word that names nothing: "What", "The", "US", "Network"; but "MASK" is the ticker."""
    lower = word.lower().lstrip("$")
    return lower in COMMON and not (word.isupper() and lower in ORDINARY)


def _name(words: list[str]) -> str:
    """The name in a run of capitalised words: ordinary words before it dropped ("The DAO"),
    after it kept ("Poly Network"); none when every word is ordinary ("Is It Safe")."""
    while words and _ordinary(words[0]):
        words = words[1:]
    return " ".join(words)


_PLACE = re.compile(r"\b(on|in|to|from|across|via|for|about|onto|over)\s*$", re.IGNORECASE)


def _all_chain(name: str) -> bool:
    """Whether a name is nothing but chains' names ("Arbitrum", "BNB Chain")."""
    chains = chains_in(name)
    rest = name
    for chain in chains:
        for alias in (chain.label, *chain.aliases, *chain.ambiguous):
            rest = re.sub(rf"(?i)(?<![\w-]){re.escape(alias)}(?![\w-])", " ", rest)
    return bool(chains) and not rest.strip()


def _chain_only(name: str, text: str) -> bool:
    """A chain's name used as a place ("and on Arbitrum?", "what about Base?", "Base?"), not as
    the name of a thing ("the BNB Chain bridge", "What is Polygon PoS?")."""
    if not _all_chain(name):
        return False
    before = text[: text.find(name)] if name in text else ""
    return bool(_PLACE.search(before)) or not re.sub(r"[\W_]+", "", text.replace(name, ""))
