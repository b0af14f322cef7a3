"""The "not covered" decision's parts: a question's terms, the anchors, a model's refusal."""

from __future__ import annotations

from app.kb.models import Chunk, ScoredChunk
from app.prompts import FOLDER as PROMPTS
from app.rag.coverage import judge, question_terms, stem
from app.rag.decline import declined, refuses
from app.rag.prompts import Prompts
from tests.support.fakes import HashEmbedder


def _hit(title: str, text: str, matched: str = "hybrid") -> ScoredChunk:
    chunk = Chunk(
        id=f"{title}-0", doc_id=f"/kb/{title}.md", doc_hash="h", index=0,
        source=f"{title}.md", title=title, text=text,
    )  # fmt: skip
    return ScoredChunk(chunk=chunk, score=0.5, matched=matched)  # type: ignore[arg-type]


def test_names_numbers_and_identifiers_are_told_from_frame_words() -> None:
    content, named, ids = question_terms("Who won the 2022 World Cup?")
    assert content == {"won", "2022", "world", "cup"}
    assert named == {"2022", "world", "cup"}
    assert ids == {"2022"}
    _, named, ids = question_terms("Can I turn cvxCRV back into CRV?")
    assert ids == {"cvxcrv", "crv"} and named == ids


def test_stems_match_inflections() -> None:
    assert stem("votes") == stem("vote")
    assert stem("verifies") == stem("verify")
    assert stem("launched") == stem("launch")


def test_a_name_no_retrieved_document_has_declines_and_an_address_never_does() -> None:
    hits = [_hit("Wrapped Ether (WETH)", "WETH wraps ether as an ERC-20 token on Ethereum.")]
    embedder = HashEmbedder()
    out = judge("Who founded Cardano in 2015?", hits, embedder)
    assert not out.answerable and {"cardano", "2015"} <= set(out.missing)
    address = "What is 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2?"
    assert judge(address, [], embedder).answerable
    assert judge("Who founded Cardano?", hits, embedder, anchored=True).answerable


def test_the_declined_answer_names_at_most_two_nearest_documents() -> None:
    hits = [_hit(t, "x" * 30) for t in ("A", "A", "B", "C")]
    text = declined(hits, Prompts(PROMPTS))
    assert text.startswith("The knowledge base does not cover this question.")
    assert "“A”; “B”." in text and "C" not in text


def test_a_model_refusal_is_recognised_in_its_opening_only() -> None:
    assert refuses("The knowledge base does not cover the 2022 World Cup.")
    assert refuses("I don't know: the documents do not mention Cardano's founders.")
    assert not refuses("Convex boosts CRV rewards [1].")
    assert not refuses("Convex boosts CRV rewards [1]. " * 20 + "The documents do not say more.")
