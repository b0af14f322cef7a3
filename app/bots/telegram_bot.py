"""The Telegram bot on python-telegram-bot: long polling or a webhook, one session per chat."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)

from app.access.limits import RateLimiter
from app.bots.asker import Asker
from app.bots.client import Rated, ServiceClient, ServiceError
from app.bots.split import split_text
from app.bots.telegram_render import HELP, LIMIT, answer_messages, card_message, esc, to_plain
from app.core.errors import ConfigError, UpstreamUnavailable
from app.core.settings import BotSettings
from app.i18n.catalog import N_, _, speaking
from app.i18n.language import DEFAULT, Language, detect, supported

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = [
    BotCommand("ask", "Ask a question"),
    BotCommand("contract", "What is at an address: /contract chain address"),
    BotCommand("new", "Start a new conversation"),
    BotCommand("help", "How to use this bot"),
]
# Answers that can still be rated; older ones drop out (the buttons then say so).
_RATED_KEPT = 500
_FAILED = N_("Sorry, something went wrong on my side. Please try again.")


class TelegramBot:
    """The handlers, registered on one Application around one Asker."""

    def __init__(self, asker: Asker) -> None:
        self.asker = asker

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add every handler to the application."""
        text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(["start", "help"], self.help))
        app.add_handler(CommandHandler("ask", self.ask))
        app.add_handler(CommandHandler("contract", self.contract))
        app.add_handler(CommandHandler("new", self.new))
        app.add_handler(MessageHandler(text & filters.ChatType.PRIVATE, self.private))
        app.add_handler(MessageHandler(text & filters.ChatType.GROUPS, self.group))
        app.add_handler(CallbackQueryHandler(self.rate, pattern=r"^fb:(up|down):"))
        app.add_error_handler(self.error)

    async def help(self, update: Update, context: Context) -> None:
        """/start and /help."""
        if update.effective_chat:
            with speaking(user_language(update)):
                await send(context.bot, update.effective_chat.id, _(HELP))

    async def ask(self, update: Update, context: Context) -> None:
        """/ask QUESTION."""
        await self._answer(update, context, " ".join(context.args or []))

    async def private(self, update: Update, context: Context) -> None:
        """Any text in a private chat is a question."""
        message = update.effective_message
        await self._answer(update, context, message.text or "" if message else "")

    async def group(self, update: Update, context: Context) -> None:
        """In a group, only a message that mentions the bot or replies to it."""
        message = update.effective_message
        if message is None:
            return
        question = addressed(message, context.bot.username, context.bot.id)
        if question is not None:
            await self._answer(update, context, question)

    async def new(self, update: Update, context: Context) -> None:
        """/new: forget this chat's session; the service issues a new one on the next question."""
        if context.chat_data is not None:
            context.chat_data.pop("session_id", None)
        if update.effective_chat:
            with speaking(user_language(update)):
                await send(context.bot, update.effective_chat.id, _("Started a new conversation."))

    async def contract(self, update: Update, context: Context) -> None:
        """/contract CHAIN ADDRESS: the contract card."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        with speaking(user_language(update)):
            await self._card(context, chat.id, user.id, context.args or [])

    async def _card(self, context: Context, chat_id: int, user_id: int, args: list[str]) -> None:
        if len(args) != 2:
            usage = "<code>/contract ethereum 0xBA12222222228d8Ba445958a75a0704d566BF2C8</code>"
            await send(context.bot, chat_id, _("Usage: {example}").format(example=usage))
            return
        try:
            async with typing(context, chat_id):
                facts = await self.asker.card(user_id, args[0], args[1])
        except ServiceError as exc:
            await send(context.bot, chat_id, esc(str(exc)))
            return
        await send(context.bot, chat_id, card_message(facts))

    async def rate(self, update: Update, context: Context) -> None:
        """A 👍/👎 button: post the rating with the question, answer and sources it refers to."""
        query = update.callback_query
        if query is None or not query.data:
            return
        _prefix, rating, key = query.data.split(":", 2)
        kept: dict[str, Rated] = context.bot_data.setdefault("rated", {})
        rated = kept.get(key)
        with speaking(supported(query.from_user.language_code or DEFAULT)):
            if rated is None:
                await query.answer(_("This answer can no longer be rated."))
                return
            if query.from_user.id != rated.user_id:
                await query.answer(_("Only the person who asked can rate this answer."))
                return
            try:
                await self.asker.service.feedback(rated, cast(Literal["up", "down"], rating))
            except ServiceError as exc:
                await query.answer(str(exc)[:200])
                return
            kept.pop(key, None)
            await query.answer(_("Thanks for the feedback!"))
        with suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)

    async def error(self, update: object, context: Context) -> None:
        """A handler failed: log it, apologise in the chat, keep running."""
        log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat:
            with suppress(TelegramError), speaking(user_language(update)):
                await context.bot.send_message(update.effective_chat.id, _(_FAILED))

    async def _answer(self, update: Update, context: Context, question: str) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        reply_to = message.message_id if chat.type != ChatType.PRIVATE else None
        question = question.strip()
        if not question:
            with speaking(user_language(update)):
                example = "<code>/ask What is Convex?</code>"
                text = _("Ask me a question: {example}").format(example=example)
            await send(context.bot, chat.id, text)
            return
        # What the bot says around the answer is in the question's language, like the answer.
        with speaking(detect(question)):
            await self._reply(context, chat.id, user.id, question, reply_to)

    async def _reply(
        self, context: Context, chat_id: int, user_id: int, question: str, reply_to: int | None
    ) -> None:
        """Ask the service and send its answer, rateable, in messages below Telegram's limit."""
        chat_data = context.chat_data if context.chat_data is not None else {}
        try:
            async with typing(context, chat_id):
                reply = await self.asker.ask(user_id, question, chat_data.get("session_id"))
        except ServiceError as exc:
            await send(context.bot, chat_id, esc(str(exc)), reply_to=reply_to)
            return
        chat_data["session_id"] = reply.session_id
        rated = Rated(question, reply.answer, reply.sources, reply.session_id, user_id)
        key = _keep(context.bot_data, rated)
        pieces = answer_messages(reply)
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            await send(
                context.bot,
                chat_id,
                piece,
                markup=feedback_buttons(key) if last else None,
                reply_to=reply_to if n == 0 else None,
            )


def user_language(update: Update) -> Language:
    """The language a Telegram user set in their app, for what the bot says unasked."""
    user = update.effective_user
    return supported(user.language_code or DEFAULT) if user else DEFAULT


def addressed(message: Message, username: str, bot_id: int) -> str | None:
    """The question of a group message meant for the bot (mention or reply); None otherwise."""
    text = message.text or ""
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    for entity, value in message.parse_entities(kinds).items():
        named = entity.type == MessageEntity.MENTION and value.lower() == f"@{username}".lower()
        if named or (entity.user is not None and entity.user.id == bot_id):
            text, to_bot = text.replace(value, " "), True
    return " ".join(text.split()) if to_bot else None


def feedback_buttons(key: str) -> InlineKeyboardMarkup:
    """👍/👎 under an answer; the callback data names the kept answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"fb:up:{key}"),
                InlineKeyboardButton("👎", callback_data=f"fb:down:{key}"),
            ]
        ]
    )


def _keep(bot_data: dict[str, Any], rated: Rated) -> str:
    kept: dict[str, Rated] = bot_data.setdefault("rated", {})
    key = secrets.token_urlsafe(8)
    kept[key] = rated
    while len(kept) > _RATED_KEPT:
        kept.pop(next(iter(kept)))
    return key


async def send(
    bot: Any,
    chat_id: int,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> None:
    """Send an HTML message without link previews; one Telegram cannot parse goes as plain text."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        await bot.send_message(
            chat_id,
            html,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_markup=markup,
            reply_parameters=reply,
        )
        return
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        log.warning("Telegram refused a message's HTML (%s); sending it as plain text", exc.message)
    pieces = split_text(to_plain(html), LIMIT)
    for n, piece in enumerate(pieces):
        await bot.send_message(
            chat_id,
            piece,
            link_preview_options=NO_PREVIEW,
            reply_markup=markup if n == len(pieces) - 1 else None,
            reply_parameters=reply if n == 0 else None,
        )


@asynccontextmanager
async def typing(context: Context, chat_id: int) -> AsyncIterator[None]:
    """ "typing…" in the chat until the block ends (Telegram shows it for 5 s per call)."""

    async def repeat() -> None:
        while True:
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(4)

    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def build_application(
    settings: BotSettings, asker: Asker, state_file: Path
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application: Bot API URL, persisted chat sessions and rated answers, handlers."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    api = str(settings.telegram_api_url).rstrip("/")

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        with suppress(TelegramError):
            await app.bot.set_my_commands(COMMANDS)

    async def post_shutdown(_: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await asker.service.aclose()

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .persistence(
            PicklePersistence(
                state_file,
                store_data=PersistenceInput(user_data=False, callback_data=False),
                update_interval=10,
            )
        )
        # Answers take seconds: one chat's question must not hold up the others.
        .concurrent_updates(32)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    TelegramBot(asker).register(app)
    return app


def run(
    settings: BotSettings, state_dir: Path, webhook_url: str | None, listen: str, port: int
) -> None:
    """Run until stopped: long polling, or a webhook on listen:port when a public URL is given."""
    # httpx logs each request URL at INFO, and the Bot API puts the token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    state_dir.mkdir(parents=True, exist_ok=True)
    key = settings.bot_api_key.get_secret_value() if settings.bot_api_key else None
    service = ServiceClient(str(settings.bot_service_url), key, settings.bot_timeout_s)
    asker = Asker(service, RateLimiter(settings.bot_user_rate_limit))
    app = build_application(settings, asker, state_dir / "telegram.pickle")
    try:
        if webhook_url is None:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
            return
        app.run_webhook(
            listen=listen,
            port=port,
            url_path=urlsplit(webhook_url).path.strip("/"),
            webhook_url=webhook_url,
            # Telegram sends it back on every update: a request without it is not Telegram's.
            secret_token=secrets.token_urlsafe(32),
            allowed_updates=ALLOWED_UPDATES,
        )
    except InvalidToken:
        raise ConfigError("Telegram refused CRYPTORAG_TELEGRAM_TOKEN") from None
    except NetworkError as exc:
        # Only at start: once polling, python-telegram-bot retries on its own.
        raise UpstreamUnavailable(f"cannot reach the Telegram Bot API: {exc}") from None
