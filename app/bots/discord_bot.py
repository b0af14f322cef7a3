"""The Discord bot on discord.py: slash commands /ask and /contract, and answers when mentioned."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from app.access.limits import RateLimiter
from app.bots.asker import Asker
from app.bots.client import ChatReply, Rated, ServiceClient, ServiceError
from app.bots.discord_render import answer_chunks, answer_embeds, card_embed
from app.core.errors import ConfigError, UpstreamUnavailable
from app.core.settings import BotSettings
from app.i18n.catalog import N_, _, speaking
from app.i18n.language import detect, supported

log = logging.getLogger(__name__)

# Every message: an answer can never ping @everyone, a role, a user or the asker.
NO_MENTIONS = discord.AllowedMentions.none()
_SESSIONS_KEPT = 10_000
_FAILED = N_("Sorry, something went wrong on my side. Please try again.")

Send = Callable[..., Awaitable[Any]]


class FeedbackView(discord.ui.View):
    """👍/👎 under an answer; the asker's press posts the rating with what it rates."""

    def __init__(self, asker: Asker, rated: Rated) -> None:
        super().__init__(timeout=24 * 3600)
        self.asker = asker
        self.rated = rated

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary)
    async def up(
        self, interaction: discord.Interaction, _: discord.ui.Button[FeedbackView]
    ) -> None:
        """A 👍."""
        await self._rate(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary)
    async def down(
        self, interaction: discord.Interaction, _: discord.ui.Button[FeedbackView]
    ) -> None:
        """A 👎."""
        await self._rate(interaction, "down")

    async def _rate(self, interaction: discord.Interaction, rating: Literal["up", "down"]) -> None:
        with speaking(detect(self.rated.question)):  # said in the language of the question
            await self._rated(interaction, rating)

    async def _rated(self, interaction: discord.Interaction, rating: Literal["up", "down"]) -> None:
        if interaction.user.id != self.rated.user_id:
            await _ephemeral(interaction, _("Only the person who asked can rate this answer."))
            return
        try:
            await self.asker.service.feedback(self.rated, rating)
        except ServiceError as exc:
            await _ephemeral(interaction, str(exc))
            return
        self.stop()
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        await interaction.response.edit_message(view=self, allowed_mentions=NO_MENTIONS)
        await interaction.followup.send(
            _("Thanks for the feedback!"), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class DiscordBot:
    """The handlers around one Asker; a session per DM, or per user in a channel."""

    def __init__(self, asker: Asker) -> None:
        self.asker = asker
        self.sessions: OrderedDict[str, str] = OrderedDict()

    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """/ask QUESTION."""
        await interaction.response.defer(thinking=True)
        key = conversation(interaction.guild_id, interaction.channel_id, interaction.user.id)
        await self._answer(interaction.followup.send, key, interaction.user.id, question)

    async def contract(self, interaction: discord.Interaction, chain: str, address: str) -> None:
        """/contract CHAIN ADDRESS: the contract card as an embed, in the language the user's
        Discord client is set to (a slash command has no question to tell it)."""
        await interaction.response.defer(thinking=True)
        send = interaction.followup.send
        with speaking(supported(str(interaction.locale))):
            try:
                facts = await self.asker.card(interaction.user.id, chain.strip(), address.strip())
            except ServiceError as exc:
                await send(str(exc), allowed_mentions=NO_MENTIONS, suppress_embeds=True)
                return
            except Exception:
                log.exception("/contract failed")
                await send(_(_FAILED), allowed_mentions=NO_MENTIONS, suppress_embeds=True)
                return
            await send(embed=card_embed(facts), allowed_mentions=NO_MENTIONS)

    async def message(self, message: discord.Message, me: int) -> None:
        """A message in a DM, or one that mentions the bot in a channel."""
        if message.author.bot:
            return
        direct = message.guild is None
        if not direct and not any(user.id == me for user in message.mentions):
            return
        question = re.sub(rf"<@!?{me}>", " ", message.content)
        key = conversation(
            message.guild.id if message.guild else None, message.channel.id, message.author.id
        )

        async def send(*args: Any, **kwargs: Any) -> Any:
            # The first message answers the question it replies to.
            if not sent:
                kwargs["reference"] = message
                sent.append(True)
            return await message.channel.send(*args, **kwargs)

        sent: list[bool] = []
        async with message.channel.typing():
            await self._answer(send, key, message.author.id, question)

    async def _answer(self, send: Send, key: str, user_id: int, question: str) -> None:
        question = " ".join(question.split())
        # What the bot says around the answer is in the question's language, like the answer.
        with speaking(detect(question)):
            await self._reply(send, key, user_id, question)

    async def _reply(self, send: Send, key: str, user_id: int, question: str) -> None:
        if not question:
            example = "`/ask What is Convex?`"
            text = _("Ask me a question: {example}").format(example=example)
            await send(text, allowed_mentions=NO_MENTIONS)
            return
        try:
            reply = await self.asker.ask(user_id, question, self.sessions.get(key))
        except ServiceError as exc:
            await send(str(exc), allowed_mentions=NO_MENTIONS, suppress_embeds=True)
            return
        except Exception:
            log.exception("answering failed")
            await send(_(_FAILED), allowed_mentions=NO_MENTIONS, suppress_embeds=True)
            return
        self._keep(key, reply.session_id)
        rated = Rated(question, reply.answer, reply.sources, reply.session_id, user_id)
        await deliver(send, reply, FeedbackView(self.asker, rated))

    def _keep(self, key: str, session_id: str) -> None:
        self.sessions[key] = session_id
        self.sessions.move_to_end(key)
        while len(self.sessions) > _SESSIONS_KEPT:
            self.sessions.popitem(last=False)


async def deliver(send: Send, reply: ChatReply, view: discord.ui.View) -> None:
    """The answer in messages below 2,000 characters, then its embeds and the buttons.

    Text goes with link embeds suppressed; the sources embed goes in a message of its own,
    as suppressing embeds on a message hides its own embeds too.
    """
    chunks, embeds = answer_chunks(reply), answer_embeds(reply)
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1 and not embeds
        extra = {"view": view} if last else {}
        await send(chunk, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **extra)
    if embeds:
        await send(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)


def conversation(guild_id: int | None, channel_id: int | None, user_id: int) -> str:
    """The session key: a DM is one conversation; in a server, each user's own per channel."""
    return f"dm:{user_id}" if guild_id is None else f"{channel_id}:{user_id}"


async def _ephemeral(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


class DiscordClient(discord.Client):
    """The gateway client: no mention is ever allowed, slash commands synced at start."""

    def __init__(self, bot: DiscordBot) -> None:
        # A text bot: no warning at every start that the voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Mentions of the bot and DMs carry their content without the privileged intent.
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS)
        self.bot = bot
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ask", description="Ask about crypto protocols, contracts, events")
        @app_commands.describe(question="your question")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await bot.ask(interaction, question)

        @self.tree.command(name="contract", description="What is at an address: the contract card")
        @app_commands.describe(chain="ethereum, base, arbitrum, ...", address="a 0x address")
        async def contract(interaction: discord.Interaction, chain: str, address: str) -> None:
            await bot.contract(interaction, chain, address)

    async def setup_hook(self) -> None:
        """Register the slash commands with Discord."""
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and mentions."""
        if self.user is not None:
            await self.bot.message(message, self.user.id)


def run(settings: BotSettings) -> None:
    """Connect to the gateway and answer until stopped."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    key = settings.bot_api_key.get_secret_value() if settings.bot_api_key else None

    async def main() -> None:
        service = ServiceClient(str(settings.bot_service_url), key, settings.bot_timeout_s)
        client = DiscordClient(
            DiscordBot(Asker(service, RateLimiter(settings.bot_user_rate_limit)))
        )
        try:
            async with client:
                await client.start(token)
        finally:
            await service.aclose()

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        raise ConfigError("Discord refused CRYPTORAG_DISCORD_TOKEN") from None
    except (aiohttp.ClientError, OSError) as exc:
        # Only at login: once connected, discord.py reconnects on its own.
        raise UpstreamUnavailable(f"cannot reach Discord: {exc}") from None
