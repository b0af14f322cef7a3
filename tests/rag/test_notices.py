"""Text for people, settings for operators: one notice per fact, no configuration hints."""

from __future__ import annotations

from app.evm.addresses import find_addresses
from app.kb.retriever import Retrieval
from app.prompts import FOLDER as PROMPTS
from app.rag.address_answer import AddressEvidence, AddressFacts
from app.rag.notices import for_people, not_read_warning
from app.rag.prompts import Prompts

ADDRESS = "0x" + "ab" * 20


def test_configuration_hints_are_left_for_the_operator() -> None:
    hint = "no RPC URL is configured for base; set CRYPTORAG_RPC_URLS=base=https://..."
    assert for_people(hint, "chain_not_configured", "Base") == (
        "this service is not connected to Base"
    )
    wrong = "the RPC URL configured for base serves chain id 1, not 8453; check CRYPTORAG_RPC_URLS"
    assert for_people(wrong, "rpc_wrong_chain", "Base") == (
        "the RPC URL configured for base serves chain id 1, not 8453"
    )


def test_an_address_nothing_knows_is_not_said_to_come_from_the_knowledge_base() -> None:
    retrieval = Retrieval(hits=[], addresses=find_addresses(ADDRESS), chains=["base"])
    warnings = [not_read_warning(find_addresses(ADDRESS)[0].checksum, "Base", "not connected")]
    builder = AddressFacts(None)
    (block,) = builder.blocks(AddressEvidence("what is it", retrieval, [], [], warnings))
    text = builder.render("what is it", [block], Prompts(PROMPTS))
    assert "not in the knowledge base" in text
    assert "The live state of this address on Base was not read (not connected)" in text
    assert "what is above comes from the knowledge base" not in text
    assert "CRYPTORAG_" not in text
