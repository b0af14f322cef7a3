"""The bots' one HTTP client for the service: chat, contract cards and feedback."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from app.chain.facts import ContractFacts
from app.evm.addresses import ADDRESS_RE
from app.i18n.catalog import N_, _
from app.i18n.language import DEFAULT, Language, supported

log = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, the CryptoRAG service is not reachable right now. Please try again in a minute."
)
_CHAIN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ServiceError(Exception):
    """A failure the chat is told about; str() is a short, polite message for the user."""


class ServiceUnavailable(ServiceError):
    """The service is down, timed out or answered 5xx."""

    def __init__(self) -> None:
        super().__init__(_(APOLOGY))


class ServiceBusy(ServiceError):
    """The service's rate limit for the bot's key: 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            _("The service is busy: please wait {seconds} s and ask again.").format(
                seconds=retry_after
            )
        )


class ServiceRefused(ServiceError):
    """A 4xx answer: the service's own message, which is written for clients."""


class _SessionNotFound(Exception):
    """The session expired or is not the bot's any more."""


@dataclass(frozen=True)
class SourceRef:
    """A source of an answer; [n] in the answer is the n-th one."""

    source: str
    title: str
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The feedback endpoint's shape: url only when known."""
        out = {"source": self.source, "title": self.title}
        if self.url:
            out["url"] = self.url
        return out


# Said above an answer the knowledge base does not cover, on every front end.
NOT_COVERED = N_("Not covered: the knowledge base does not answer this question.")


@dataclass(frozen=True)
class ChatReply:
    """An answer as /v1/chat returns it."""

    answer: str
    session_id: str
    sources: list[SourceRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mode: str = "llm"
    answerable: bool = True  # false: the knowledge base does not cover the question
    language: Language = DEFAULT  # what the answer is written in; the bot frames it the same

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatReply:
        """Parse the response body, tolerating fields added later."""
        return cls(
            answer=str(data.get("answer", "")),
            session_id=str(data["session_id"]),
            sources=[
                SourceRef(str(s.get("source", "")), str(s.get("title", "")), s.get("url") or None)
                for s in data.get("sources") or []
            ],
            warnings=[str(w) for w in data.get("warnings") or []],
            mode=str(data.get("mode", "llm")),
            answerable=data.get("answerable", True) is not False,
            language=supported(str(data.get("language") or DEFAULT)),
        )


@dataclass(frozen=True)
class Rated:
    """What a 👍/👎 refers to: kept by the bot until the button is pressed."""

    question: str
    answer: str
    sources: list[SourceRef]
    session_id: str | None
    user_id: int


def valid_target(chain: str, address: str) -> bool:
    """A chain name and a 0x address of the right shape (checked again by the service)."""
    return bool(_CHAIN.match(chain) and ADDRESS_RE.fullmatch(address))


class ServiceClient:
    """Calls the service; every failure becomes a ServiceError with a message for the chat."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout_s: float = 90.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": "cryptorag-bot"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=5.0),
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def chat(self, message: str, session_id: str | None = None) -> ChatReply:
        """Ask in a session; a session the service no longer knows is replaced once."""
        try:
            return ChatReply.from_json(
                await self._call("POST", "/v1/chat", _body(message, session_id))
            )
        except _SessionNotFound:
            if session_id is None:
                raise ServiceUnavailable() from None
            log.info("session %s is gone; starting a new one", session_id)
        try:
            return ChatReply.from_json(await self._call("POST", "/v1/chat", _body(message, None)))
        except _SessionNotFound:
            raise ServiceUnavailable() from None

    async def contract(self, chain: str, address: str) -> ContractFacts:
        """The contract card of an address."""
        if not valid_target(chain, address):
            raise ServiceRefused("Give a chain name and a 0x address of 40 hex digits.")
        path = f"/v1/contracts/{quote(chain.lower(), safe='')}/{quote(address, safe='')}"
        return ContractFacts.model_validate(await self._call("GET", path))

    async def feedback(
        self, rated: Rated, rating: Literal["up", "down"], comment: str | None = None
    ) -> None:
        """Store a rating of an answer with its question, answer, sources and session."""
        body: dict[str, Any] = {
            "rating": rating,
            "question": rated.question,
            "answer": rated.answer,
            "sources": [s.as_dict() for s in rated.sources],
        }
        if rated.session_id:
            body["session_id"] = rated.session_id
        if comment:
            body["comment"] = comment
        await self._call("POST", "/v1/feedback", body)

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            log.warning("service unreachable on %s %s: %s", method, path, type(exc).__name__)
            raise ServiceUnavailable() from None
        status = response.status_code
        if status < 400:
            try:
                return response.json()
            except ValueError:
                log.warning("service answered %s %s with a body that is not JSON", method, path)
                raise ServiceUnavailable() from None
        code, message = _error(response)
        if status == 429:
            raise ServiceBusy(_retry_after(response))
        if status >= 500:
            log.warning("service answered %s %s with %s %s", method, path, status, code)
            # A gateway error of the service's own (an RPC node down) says what is missing.
            if status in (502, 503, 504) and code and code != "internal_error":
                raise ServiceRefused(f"Sorry, the service could not do that: {message[:300]}")
            raise ServiceUnavailable()
        if status == 404 and code == "session_not_found":
            raise _SessionNotFound()
        if status in (401, 403):
            # The operator's problem, not the user's: the details go to the log.
            log.error("service refused the bot's key on %s %s: %s", method, path, message)
            raise ServiceRefused("Sorry, this bot is not allowed to ask the service that.")
        raise ServiceRefused(f"Sorry, the service could not do that: {message[:300]}")


def _body(message: str, session_id: str | None) -> dict[str, str]:
    # Never an invented session id: the service issues them and the bot keeps what it returned.
    return {"message": message} | ({"session_id": session_id} if session_id else {})


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
        return str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        return "", response.reason_phrase


def _retry_after(response: httpx.Response) -> int:
    try:
        return max(1, int(float(response.headers.get("Retry-After", "5"))))
    except ValueError:
        return 5
