"""What the retrieved documents say about an address, and the block built from it (no model)."""

from __future__ import annotations

from app.evm.addresses import find_addresses
from app.kb.models import Chunk, ScoredChunk
from app.kb.retriever import Retrieval
from app.prompts import FOLDER as PROMPTS
from app.rag.address_answer import AddressEvidence, AddressFacts
from app.rag.address_kb import chain_near, describe
from app.rag.context import number_sources
from app.rag.prompts import Prompts

MASK_ARB = "0x533A7B414CD1236815a5e09F1E97FC7d5c313739"
MASK_ETH = "0x69af81e73A73B40adF4f3d4223Cd9b1ECE623074"


def card(address: str, chain: str, label: str, others: str = "") -> ScoredChunk:
    text = f"Mask Network (MASK) is a token contract on {label} at {address}, with 18 decimals."
    if others:
        text += f"\n\nVersions of this token on other chains:\n{others}"
    chunk = Chunk(
        id=f"{chain}-0",
        doc_id=f"/kb/mask-{chain}.md",
        doc_hash="h",
        index=0,
        source=f"mask-{chain}.md",
        title=f"Mask Network (MASK) on {label}",
        type="contract",
        chain=chain,
        text=text,
        addresses=[a.checksum for a in find_addresses(text)],
        subject_addresses=[address],
    )
    return ScoredChunk(chunk=chunk, score=2.0, matched="address", about_asked=True)


def test_chain_near_takes_the_chain_named_before_the_address() -> None:
    line = f"Native USDC on Arbitrum is {MASK_ARB} and on Base is {MASK_ETH}"
    assert chain_near(line, MASK_ARB) == "arbitrum"
    assert chain_near(line, MASK_ETH) == "base"
    assert chain_near(f"{MASK_ARB} is the router on Optimism", MASK_ARB) == "optimism"
    assert chain_near("no address here", MASK_ARB) is None


def test_siblings_from_its_card_and_from_cards_that_list_it() -> None:
    hits = [
        card(MASK_ARB, "arbitrum", "Arbitrum", f"- Ethereum: {MASK_ETH}"),
        card(MASK_ETH, "ethereum", "Ethereum", f"- Arbitrum: {MASK_ARB}"),
    ]
    hits[1] = hits[1].model_copy(update={"score": 1.5})  # it only names the question's address
    known = describe(MASK_ARB, hits)
    assert known.chains == ["arbitrum"] and known.main() is hits[0].chunk
    assert [(m.chain, m.address) for m in known.siblings] == [("ethereum", MASK_ETH)]


def test_a_chain_the_knowledge_base_does_not_give_it_is_said_so() -> None:
    hits = [card(MASK_ARB, "arbitrum", "Arbitrum")]
    retrieval = Retrieval(hits=hits, addresses=find_addresses(MASK_ARB), chains=["base"])
    builder = AddressFacts(None)
    ev = AddressEvidence("what is it on Base", retrieval, [], number_sources(hits), [])
    (block,) = builder.blocks(ev)
    assert block.chain == "base"
    assert block.header == (
        f"**{MASK_ARB}** on Base: no document puts it there; "
        "Arbitrum: Mask Network (MASK) on Arbitrum [1]"
    )
    text = builder.render("what is it on Base", [block], Prompts(PROMPTS))
    assert "live state of this address on Base was not read (no on-chain lookup was made)" in text
    assert "At the same address on other chains: Mask Network (MASK) on Arbitrum [1]" in text
