import itertools

from app.kb.embeddings import SentenceTransformerEmbedder
from app.kb.models import Document
from ingest.chunking import Chunker

VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def _long_doc() -> Document:
    paragraphs = [
        f"Paragraph {n} explains how automated market makers price swaps, how liquidity "
        f"providers earn fees, and why impermanent loss appears when prices move. " * 3
        for n in range(12)
    ]
    paragraphs[3] += f" The vault lives at {VAULT}."
    paragraphs[9] += f" USDC is {USDC.lower()}."
    return Document(
        doc_id="/x/long.md",
        source="long.md",
        title="A long guide to AMMs",
        text="\n\n".join(paragraphs),
        type="blog",
    )


def test_every_chunk_fits_the_model_window(embedder: SentenceTransformerEmbedder) -> None:
    chunker = Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens)
    doc = _long_doc()
    chunks = chunker.split(doc, doc.fingerprint())
    assert len(chunks) > 3
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embed_text) <= embedder.max_tokens
        assert chunk.embed_text.startswith("A long guide to AMMs\n")


def test_chunks_overlap_and_cover_the_text(embedder: SentenceTransformerEmbedder) -> None:
    chunker = Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens)
    doc = _long_doc()
    chunks = chunker.split(doc, doc.fingerprint())
    for n in range(12):
        assert any(f"Paragraph {n} " in c.text for c in chunks)
    overlapping = sum(1 for a, b in itertools.pairwise(chunks) if a.text[-40:] in b.text)
    assert overlapping >= 1


def test_addresses_belong_to_the_chunk_that_mentions_them(
    embedder: SentenceTransformerEmbedder,
) -> None:
    chunker = Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens)
    doc = _long_doc()
    chunks = chunker.split(doc, doc.fingerprint())
    with_vault = [c for c in chunks if VAULT in c.addresses]
    with_usdc = [c for c in chunks if USDC in c.addresses]
    assert with_vault and with_usdc
    assert all(VAULT in c.text for c in with_vault)
    assert len(with_vault) < len(chunks)


def test_ids_are_deterministic_and_content_addressed(
    embedder: SentenceTransformerEmbedder,
) -> None:
    chunker = Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens)
    doc = _long_doc()
    first = [c.id for c in chunker.split(doc, "h")]
    assert first == [c.id for c in chunker.split(doc, "h")]
    edited = doc.model_copy(update={"text": doc.text.replace("Paragraph 0", "Section 0")})
    second = [c.id for c in chunker.split(edited, "h2")]
    assert first[0] != second[0]
    assert len(set(first)) == len(first)
