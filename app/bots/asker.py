"""What both bots do with a question: a local limit per user, then the service in a session."""

from __future__ import annotations

from app.access.limits import RateLimiter
from app.bots.client import ChatReply, ServiceClient, ServiceError
from app.chain.facts import ContractFacts
from app.i18n.catalog import _

MAX_QUESTION_CHARS = 4000


class TooFast(ServiceError):
    """The user's own limit in the bot."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            _("You're asking faster than I can answer: please wait {seconds} s.").format(
                seconds=retry_after
            )
        )


class Asker:
    """Asks the service for chat users; one per bot process, around one service client."""

    def __init__(self, service: ServiceClient, limiter: RateLimiter) -> None:
        self.service = service
        self.limiter = limiter

    async def ask(self, user_id: int, question: str, session_id: str | None) -> ChatReply:
        """The service's answer; the caller keeps reply.session_id for the next question."""
        self._check(user_id)
        return await self.service.chat(question[:MAX_QUESTION_CHARS], session_id)

    async def card(self, user_id: int, chain: str, address: str) -> ContractFacts:
        """The contract card of an address."""
        self._check(user_id)
        return await self.service.contract(chain, address)

    def _check(self, user_id: int) -> None:
        wait = self.limiter.hit(f"user:{user_id}")
        if wait is not None:
            raise TooFast(wait)
