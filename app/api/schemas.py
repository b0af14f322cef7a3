"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.chain.facts import ContractFacts
from app.chain.tx.models import TransactionFacts
from app.i18n.language import Language
from app.kb.trust import Trust
from app.rag.context import Source


class ErrorBody(BaseModel):
    """What went wrong, in words a client can show."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every error has this shape."""

    error: ErrorBody


class SearchRequest(BaseModel):
    """A retrieval query."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1)
    top_k: int | None = Field(default=None, ge=1)
    filters: dict[str, Any] | None = None


class SearchResult(BaseModel):
    """One retrieved chunk."""

    id: str
    text: str
    score: float
    metadata: dict[str, Any]


class AddressOut(BaseModel):
    """An address found in the query, and whether its checksum could be checked."""

    input: str
    address: str = Field(description="EIP-55 form")
    checksum: Literal["valid", "unchecked", "invalid"] = Field(
        description="valid: mixed case and correct, or no letters to check; unchecked: one case; "
        "invalid: mixed case with a wrong checksum (not looked up)"
    )


class QueryAnalysis(BaseModel):
    """What the query carried besides words."""

    addresses: list[AddressOut] = Field(default_factory=list)
    chains: list[str] = Field(default_factory=list, description="chains named, used as boosts")


class SearchResponse(BaseModel):
    """Retrieved chunks, best first."""

    results: list[SearchResult]
    query: QueryAnalysis = Field(default_factory=QueryAnalysis)
    warnings: list[str] = Field(default_factory=list)


class ChatRequest(BaseModel):
    """A question for the assistant."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    session_id: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    stream: bool = False
    filters: dict[str, Any] | None = None
    language: Language | None = Field(
        default=None,
        description="the language of the service's own words in the answer (en or zh); "
        "by default the message's",
    )


class SourceOut(BaseModel):
    """A document an answer rests on; [n] in the answer is the n-th source."""

    source: str
    title: str
    url: str | None = None
    score: float
    trust: Trust = Field(
        default="fetched",
        description="curated (the token list), operator (the operator's folders), onchain "
        "(a live read) or fetched (a feed or web page); a lower level never overrides a higher",
    )


def sources_out(sources: list[Source]) -> list[SourceOut]:
    """The API form of an answer's numbered sources."""
    return [SourceOut.model_validate(s.as_dict()) for s in sources]


class ChatResponse(BaseModel):
    """An answer with its sources."""

    answer: str
    sources: list[SourceOut]
    session_id: str
    mode: Literal["llm", "extractive"]
    warnings: list[str] = Field(default_factory=list)
    onchain: list[ContractFacts] = Field(
        default_factory=list, description="live lookups of the addresses in the message"
    )
    transactions: list[TransactionFacts] = Field(
        default_factory=list,
        description="the transactions the message names, decoded and explained as "
        "GET /v1/transactions returns them",
    )
    unverified_addresses: list[str] = Field(
        default_factory=list,
        description="addresses the answer names that no source or lookup contains; "
        "marked [unverified address] in the answer",
    )
    answerable: bool = Field(
        default=True,
        description="false when the knowledge base does not cover the question: the answer "
        "says so, and no source is listed",
    )
    language: Language = Field(
        default="en",
        description="the language the answer is written in (quotes keep their own): the "
        "question's, or the one asked for",
    )


class Health(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


# OpenAPI responses of the endpoints that answer JSON or, when asked, server-sent events.
STREAMING_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    200: {"content": {"text/event-stream": {}}},
}


def rpc_responses(not_found: str, malformed: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI errors of a route that reads the chain: its own 404 and 422, and the node's."""
    return {
        status: {"model": ErrorResponse, "description": text}
        for status, text in {
            404: not_found,
            422: malformed,
            502: "the RPC node refused the connection or answered badly",
            503: "no RPC URL configured for the chain",
            504: "the RPC node did not answer in time",
        }.items()
    }


MAX_FEEDBACK_COMMENT = 2000  # characters; the chat page's comment field has the same limit


class FeedbackSource(BaseModel):
    """A source of the rated answer as the chat response listed it; other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    source: str = Field(min_length=1, max_length=2048)
    title: str = Field(max_length=2048)
    url: str | None = Field(default=None, max_length=2048)


class FeedbackRequest(BaseModel):
    """A rating of one answer of the caller's session, named by its text (kept as training data).

    The question, answer and sources stored are the service's own record of that turn; sources
    sent here are accepted for older clients and ignored.
    """

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_FEEDBACK_COMMENT)
    session_id: str = Field(max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    question: str = Field(min_length=1, max_length=100_000)
    answer: str = Field(min_length=1, max_length=200_000)
    sources: list[FeedbackSource] = Field(default_factory=list, max_length=100)


class FeedbackCreated(BaseModel):
    """The stored rating's id."""

    id: str
