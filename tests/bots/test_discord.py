"""The Discord handlers driven with stand-in interactions and messages, asking the real service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest

from app.access.limits import RateLimiter
from app.bots.asker import Asker
from app.bots.client import APOLOGY, ServiceClient
from app.bots.discord_bot import DiscordBot, DiscordClient, FeedbackView
from tests.bots.conftest import Service

pytestmark = pytest.mark.integration
BOT = 4242
ASKER = 77


class Recorder:
    """An awaitable stand-in for a send method: keeps every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, content: str | None = None, **kwargs: Any) -> None:
        self.calls.append({"content": content, **kwargs})


class Response:
    """interaction.response."""

    def __init__(self) -> None:
        self.deferred: dict[str, Any] | None = None
        self.send_message = Recorder()
        self.edit_message = Recorder()

    async def defer(self, **kwargs: Any) -> None:
        self.deferred = kwargs


class Interaction:
    """The parts of discord.Interaction the handlers use."""

    def __init__(
        self,
        user_id: int = ASKER,
        guild_id: int | None = 1,
        locale: discord.Locale = discord.Locale.american_english,
    ) -> None:
        self.user = discord.Object(user_id)
        self.locale = locale
        self.guild_id = guild_id
        self.channel_id = 10
        self.response = Response()
        self.followup = type("Followup", (), {})()
        self.followup.send = Recorder()


class Channel:
    """A channel: sends and the typing indicator."""

    def __init__(self) -> None:
        self.id = 10
        self.send = Recorder()
        self.typed = 0

    @asynccontextmanager
    async def typing(self) -> Any:
        self.typed += 1
        yield


class Author:
    def __init__(self, user_id: int = ASKER, bot: bool = False) -> None:
        self.id, self.bot = user_id, bot


class Message:
    """The parts of discord.Message the handlers use."""

    def __init__(self, content: str, mentions: bool, guild: bool = True) -> None:
        self.content = content
        self.author = Author()
        self.guild = discord.Object(1) if guild else None
        self.mentions = [discord.Object(BOT)] if mentions else []
        self.channel = Channel()


def run(
    handler: Callable[[DiscordBot], Awaitable[None]], url: str, limit: str = "100/minute"
) -> None:
    async def main() -> None:
        service = ServiceClient(url, timeout_s=60)
        try:
            await handler(DiscordBot(Asker(service, RateLimiter(limit))))
        finally:
            await service.aclose()

    asyncio.run(main())


def assert_no_mentions(calls: list[dict[str, Any]]) -> None:
    assert calls
    for call in calls:
        allowed = call["allowed_mentions"]
        assert isinstance(allowed, discord.AllowedMentions)
        assert not (allowed.everyone or allowed.users or allowed.roles or allowed.replied_user)


def test_ask_answers_with_content_sources_embed_and_buttons(service: Service) -> None:
    service.llm.replies.append("Convex boosts CRV [1]. @everyone <@&123> look at this.")
    interaction = Interaction()
    run(lambda bot: bot.ask(interaction, "How does Convex boost CRV rewards?"), service.url)

    assert interaction.response.deferred == {"thinking": True}
    calls = interaction.followup.send.calls
    assert_no_mentions(calls)
    text, last = calls[0], calls[-1]
    assert text["content"].startswith("Convex boosts CRV [1].")
    assert text["suppress_embeds"] is True
    assert last["content"] is None and "suppress_embeds" not in last
    # The service broke the mass mention and says so: a warnings embed in red.
    sources, warnings = last["embeds"]
    assert warnings.title == "Warnings" and warnings.colour == discord.Colour.red()
    assert sources.title == "Sources"
    assert sources.description.startswith("**1.** ")
    assert "convex.md" in sources.description or "](http" in sources.description
    assert isinstance(last["view"], FeedbackView)


def test_a_long_answer_is_split_below_2000(service: Service) -> None:
    paragraphs = [f"Paragraph {n:02d}: " + "Convex boosts rewards. " * 4 for n in range(60)]
    service.llm.replies.append("\n\n".join(p.strip() for p in paragraphs))
    interaction = Interaction(guild_id=None)
    run(lambda bot: bot.ask(interaction, "Tell me everything about Convex"), service.url)

    calls = interaction.followup.send.calls
    assert_no_mentions(calls)
    texts = [c["content"] for c in calls if c["content"]]
    assert len(texts) >= 4
    assert all(len(t) < 2000 for t in texts)
    assert all(t.startswith("Paragraph ") and t.endswith("rewards.") for t in texts)
    joined = "\n\n".join(texts)
    assert [joined.index(f"Paragraph {n:02d}:") for n in range(60)] == sorted(
        joined.index(f"Paragraph {n:02d}:") for n in range(60)
    )


def test_in_a_channel_only_mentions_are_answered_and_dms_always(service: Service) -> None:
    ignored = Message("what is convex anyway", mentions=False)
    mentioned = Message(f"<@{BOT}> What is Convex?", mentions=True)
    direct = Message("What is Curve?", mentions=False, guild=False)

    async def handle(bot: DiscordBot) -> None:
        for message in (ignored, mentioned, direct):
            await bot.message(message, BOT)  # type: ignore[arg-type]

    run(handle, service.url)

    assert ignored.channel.send.calls == [] and ignored.channel.typed == 0
    questions = [str(r["messages"][-1]["content"]) for r in service.llm.requests]
    assert not any("convex anyway" in q for q in questions)
    assert not any(str(BOT) in q for q in questions)
    for message in (mentioned, direct):
        calls = message.channel.send.calls
        assert_no_mentions(calls)
        assert message.channel.typed == 1
        assert calls[0]["reference"] is message
        assert all("reference" not in c for c in calls[1:])
        assert isinstance(calls[-1]["view"], FeedbackView)


def test_the_session_is_kept_per_conversation(service: Service) -> None:
    first, second = Interaction(), Interaction()

    async def handle(bot: DiscordBot) -> None:
        await bot.ask(first, "What does vlCVX vote on?")
        service.llm.requests.clear()
        await bot.ask(second, "And who bribes them?")

    run(handle, service.url)
    assert any("What does vlCVX vote on?" in str(r["messages"]) for r in service.llm.requests)


def test_feedback_buttons_post_the_rating(service: Service) -> None:
    interaction = Interaction()
    other, asker = Interaction(user_id=5), Interaction()

    async def handle(bot: DiscordBot) -> None:
        await bot.ask(interaction, "What is Convex Finance?")
        view = interaction.followup.send.calls[-1]["view"]
        up = view.children[0]
        await up.callback(other)
        await up.callback(asker)

    run(handle, service.url)

    [refused] = other.response.send_message.calls
    assert refused["content"] == "Only the person who asked can rate this answer."
    assert refused["ephemeral"] is True
    [edited] = asker.response.edit_message.calls
    assert all(button.disabled for button in edited["view"].children)
    assert asker.followup.send.calls[0]["content"] == "Thanks for the feedback!"
    assert_no_mentions(
        other.response.send_message.calls
        + asker.response.edit_message.calls
        + asker.followup.send.calls
    )
    stored = [
        f for f in service.services.feedback.list() if f.question == "What is Convex Finance?"
    ]
    assert [f.rating for f in stored] == ["up"]
    assert stored[0].answer == "The knowledge base answers this [1]."
    assert stored[0].session_id


def test_a_service_that_is_down_gets_an_apology(closed_port_url: str) -> None:
    interaction, card = Interaction(), Interaction()
    message = Message(f"<@{BOT}> What is Convex?", mentions=True)

    async def handle(bot: DiscordBot) -> None:
        await bot.ask(interaction, "What is Convex?")
        await bot.contract(card, "ethereum", "0xBA12222222228d8Ba445958a75a0704d566BF2C8")
        await bot.message(message, BOT)  # type: ignore[arg-type]

    run(handle, closed_port_url)
    for calls in (
        interaction.followup.send.calls,
        card.followup.send.calls,
        message.channel.send.calls,
    ):
        assert [c["content"] for c in calls] == [APOLOGY]
        assert_no_mentions(calls)


def test_contract_card_embed(card_service: tuple[str, dict[str, str]]) -> None:
    url, addresses = card_service
    proxy, hostile, bad = Interaction(), Interaction(), Interaction()

    async def handle(bot: DiscordBot) -> None:
        await bot.contract(proxy, "ethereum", addresses["uups"])
        await bot.contract(hostile, "ethereum", addresses["hostile"])
        await bot.contract(bad, "ethereum", "0x1234")

    run(handle, url)

    [call] = proxy.followup.send.calls
    assert_no_mentions([call])
    card = call["embed"]
    fields = {f.name: f.value for f in card.fields}
    assert addresses["uups"] in card.title and card.title.startswith("Ethereum")
    assert card.url == f"https://etherscan.io/address/{addresses['uups']}"
    assert "ERC20" in fields["Standards"]
    assert "PUSD" in fields["Token (as the contract reports it)"]
    assert fields["Proxy"].startswith("EIP1967") and addresses["impl"] in fields["Proxy"]
    [warned] = hostile.followup.send.calls
    assert "Warnings" in {f.name for f in warned["embed"].fields}
    assert warned["embed"].colour == discord.Colour.red()
    [refused] = bad.followup.send.calls
    assert refused["content"] == "Give a chain name and a 0x address of 40 hex digits."


def test_the_contract_card_is_in_the_language_of_the_users_discord(
    card_service: tuple[str, dict[str, str]],
) -> None:
    url, addresses = card_service
    chinese = Interaction(locale=discord.Locale.chinese)

    async def handle(bot: DiscordBot) -> None:
        await bot.contract(chinese, "ethereum", addresses["uups"])

    run(handle, url)
    [call] = chinese.followup.send.calls
    card = call["embed"]
    fields = {f.name: f.value for f in card.fields}
    assert "ERC20" in fields["标准"] and fields["代理"].startswith("EIP1967")
    assert "Proxy" not in fields and "Standards" not in fields
    assert card.footer.text and card.footer.text.startswith("区块 ")


def test_the_client_allows_no_mentions_and_has_the_slash_commands() -> None:
    async def build() -> DiscordClient:
        return DiscordClient(
            DiscordBot(Asker(ServiceClient("http://127.0.0.1:9"), RateLimiter("1/minute")))
        )

    client = asyncio.run(build())
    assert client.allowed_mentions is not None
    assert_no_mentions([{"allowed_mentions": client.allowed_mentions}])
    assert {c.name for c in client.tree.get_commands()} == {"ask", "contract"}
