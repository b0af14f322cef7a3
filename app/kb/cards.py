"""Token-list cards in a ranking: one per token, and behind the documents about the asset.

A card says what the list says (name, chain, address, decimals); it is short and repeats the
token's name, so it outranks the prose about the same asset on lexical scores, and a token on
eight chains brings eight near-identical cards. Neither is what "What is Aave?" asks for.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.kb.models import Chunk, ScoredChunk

# First words of token names that say what kind of token it is, not which asset.
_GENERIC_HEADS = frozenset({"wrapped", "bridged", "usd", "token", "the", "staked", "liquid"})
_MIN_HEAD = 4


def cards_step_back(
    ranked: list[ScoredChunk], chains: list[str], home: str | None = None
) -> list[ScoredChunk]:
    """One card per token, the one on the chain asked about (else the home chain) standing for
    it and the others following everything else; with no chain asked about, the documents
    about the token's asset come first."""
    if chains:
        return one_card_per_token(ranked, chains)
    return prose_first(one_card_per_token(ranked, [home] if home else []))


def one_card_per_token(ranked: list[ScoredChunk], prefer: Sequence[str] = ()) -> list[ScoredChunk]:
    """A listed token is one result however many chains carry it: its best card keeps its
    place, or its card on a preferred chain takes that place (with the best card's score), and
    its cards on other chains follow everything else."""
    chosen: dict[tuple[str, str], ScoredChunk] = {}
    for chain in reversed(prefer):
        for hit in reversed(ranked):
            key = listed_token(hit.chunk)
            if key is not None and hit.chunk.chain == chain:
                chosen[key] = hit
    kept: list[ScoredChunk] = []
    later: list[ScoredChunk] = []
    seen: set[tuple[str, str]] = set()
    for hit in ranked:
        key = listed_token(hit.chunk)
        if key is None:
            kept.append(hit)
        elif key in seen:
            if hit is not chosen.get(key):
                later.append(hit)
        else:
            seen.add(key)
            lead = chosen.get(key, hit)
            kept.append(lead.model_copy(update={"score": max(lead.score, hit.score)}))
            if lead is not hit:
                later.append(hit)
    return kept + later


def prose_first(ranked: list[ScoredChunk]) -> list[ScoredChunk]:
    """Each card is preceded by the documents below it that are about the same asset: they
    declare its address or name its protocol."""
    out = list(ranked)
    n = 0
    while n < len(out):
        card = out[n].chunk
        if listed_token(card) is None:
            n += 1
            continue
        about = [h for h in out[n + 1 :] if listed_token(h.chunk) is None and _about(h.chunk, card)]
        if not about:
            n += 1
            continue
        ids = {h.chunk.id for h in about}
        # They take the card's score too: what reads scores (coverage) sees them as strong.
        top = out[n].score
        lifted = [h.model_copy(update={"score": max(h.score, top)}) for h in about]
        out = out[:n] + lifted + [h for h in out[n:] if h.chunk.id not in ids]
        n += len(about) + 1
    return out


def listed_token(chunk: Chunk) -> tuple[str, str] | None:
    """(symbol, name) of a token list's card, the same on every chain it is on."""
    meta = chunk.metadata
    symbol = meta.get("symbol")
    if not meta.get("token_list") or not isinstance(symbol, str):
        return None
    return symbol, chunk.title.rsplit(" on ", 1)[0]


def _about(doc: Chunk, card: Chunk) -> bool:
    """Whether a document is about the card's asset: it declares one of the card's addresses,
    or its protocol is the first word of the token's name ("Lido" for "Lido DAO")."""
    if set(card.addresses) & set(doc.subject_addresses):
        return True
    token = listed_token(card)
    head = name_head(token[1]) if token else ""
    return bool(head) and name_head(doc.protocol or "") == head


def name_head(name: str) -> str:
    """The first word of a name in lower case when it tells the asset apart ("lido" of "Lido
    DAO", "curve" of "Curve DAO Token"); "" for a generic one ("Wrapped", "USD")."""
    words = name.split()
    head = words[0].lower() if words else ""
    return head if len(head) >= _MIN_HEAD and head not in _GENERIC_HEADS else ""
