"""Split documents into chunks that fit the embedder's window, title included."""

from __future__ import annotations

from collections.abc import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from app.evm.addresses import normalise_all
from app.kb.models import Chunk, Document, point_id

# Markdown-aware separators: sections, paragraphs, lines, sentences, words.
_SEPARATORS = ["\n## ", "\n### ", "\n#### ", "\n\n", "\n", ". ", "; ", ", ", " ", ""]
_MAX_TITLE_TOKENS = 40


class Chunker:
    """Token-budgeted splitting: every chunk plus its title fits in max_tokens word pieces."""

    def __init__(
        self, count_tokens: Callable[[str], int], max_tokens: int = 256, overlap_tokens: int = 32
    ) -> None:
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def split(self, doc: Document, doc_hash: str) -> list[Chunk]:
        """The chunks of one document, with ids from its key, their place and their content."""
        title = self._fit_title(doc.title)
        # The title line and its newline share the window with the text.
        budget = self.max_tokens - self.count_tokens(title + "\n")
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=budget,
            chunk_overlap=min(self.overlap_tokens, budget // 4),
            length_function=self._body_tokens,
            separators=_SEPARATORS,
            keep_separator="start",
            strip_whitespace=True,
        )
        pieces = [p for p in splitter.split_text(doc.text) if p.strip()]
        chunks = []
        for index, text in enumerate(pieces):
            meta = {**doc.source_meta(), "title": title}
            chunks.append(
                Chunk(
                    id=point_id(doc.doc_id, index, text),
                    doc_id=doc.doc_id,
                    doc_hash=doc_hash,
                    index=index,
                    text=text,
                    addresses=normalise_all([*doc.addresses, text]),
                    subject_addresses=doc.addresses,
                    **meta,
                )
            )
        return chunks

    def _body_tokens(self, text: str) -> int:
        # count_tokens includes the two special tokens once; the title budget already did.
        return self.count_tokens(text) - 2

    def _fit_title(self, title: str) -> str:
        """Long titles are cut so that they leave room for text."""
        words = title.split()
        while words and self.count_tokens(" ".join(words)) > _MAX_TITLE_TOKENS:
            words.pop()
        return " ".join(words) or title[:80]
