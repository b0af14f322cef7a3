"""The Telegram bot polling a stand-in Bot API on loopback, asking the real service."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.access.limits import RateLimiter
from app.bots.asker import Asker
from app.bots.client import APOLOGY, ServiceClient
from app.bots.telegram_bot import ALLOWED_UPDATES, build_application
from app.core.settings import BotSettings
from bench.support.server import serve
from tests.bots.conftest import Service
from tests.support.fake_telegram import BOT_ID, TOKEN, USERNAME, FakeTelegram, build_app

pytestmark = pytest.mark.integration
ALLOWED_TAGS = {"<b>", "</b>", "</a>", "<code>", "</code>", "<i>", "</i>"}


@pytest.fixture
def telegram() -> Iterator[tuple[FakeTelegram, str]]:
    state = FakeTelegram()
    with serve(build_app(state)) as url:
        yield state, url


def run_bot(
    api_url: str,
    service_url: str,
    state_file: Path,
    until: Callable[[], bool],
    limit: str = "100/minute",
) -> None:
    """Poll the stand-in Bot API with the real Application until `until()` holds, then stop."""

    async def main() -> None:
        settings = BotSettings(
            telegram_token=TOKEN, telegram_api_url=api_url, bot_service_url=service_url
        )
        service = ServiceClient(service_url, timeout_s=60)
        app = build_application(settings, Asker(service, RateLimiter(limit)), state_file)
        try:
            async with app:
                assert app.updater is not None and app.post_init is not None
                await app.post_init(app)  # as run_polling does
                await app.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
                await app.start()
                deadline = time.monotonic() + 90
                while not until():
                    assert time.monotonic() < deadline, "the bot did not answer in time"
                    await asyncio.sleep(0.05)
                await app.updater.stop()
                await app.stop()
        finally:
            await service.aclose()

    asyncio.run(main())


def tags(text: str) -> set[str]:
    return {re.sub(r"<a href=\"[^\"]*\">", "<a>", t) for t in re.findall(r"<[^>]*>", text)}


def test_private_message_gets_an_escaped_html_answer(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    llm, url = service.llm, service.url
    llm.replies.append("Convex & Curve: 1 < 2, and <b>bold</b> or <i>x</i> stays text [1].")
    tg.push_message(501, "How does Convex boost CRV rewards?")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(501)) >= 1)

    [answer] = tg.sent(501)
    text = answer["text"]
    assert answer["parse_mode"] == "HTML"
    assert answer["link_preview_options"] == {"is_disabled": True}
    assert "Convex &amp; Curve: 1 &lt; 2" in text
    assert "<b>bold</b>" not in text and "<i>x</i>" not in text
    assert "[1]" in text
    # The only markup is the bot's own: the sources heading, links and code.
    assert tags(text) <= ALLOWED_TAGS | {"<a>"}
    assert "<b>Sources</b>\n1. " in text
    assert "convex.md" in text
    buttons = answer["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["👍", "👎"]
    assert buttons[0]["callback_data"].startswith("fb:up:")
    assert "sendChatAction" in tg.methods()
    assert tg.methods().index("sendChatAction") < tg.methods().index("sendMessage")
    assert "setMyCommands" in tg.methods()


def test_a_long_answer_arrives_in_two_messages(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    llm, url = service.llm, service.url
    paragraphs = [f"Paragraph {n:02d}: " + "Convex boosts rewards. " * 4 for n in range(60)]
    long_reply = "\n\n".join(p.strip() for p in paragraphs)
    assert 6000 <= len(long_reply) <= 6500
    llm.replies.append(long_reply)
    tg.push_message(502, "Tell me everything about Convex")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(502)) >= 2)
    time.sleep(0.2)

    sent = [m["text"] for m in tg.sent(502)]
    assert len(sent) == 2
    assert all(len(t) < 4096 for t in sent)
    # Cut at a paragraph boundary: each message ends and starts with a whole paragraph.
    assert sent[0].endswith("Convex boosts rewards.")
    assert sent[1].startswith("Paragraph ")
    joined = "\n\n".join(sent)
    positions = [joined.index(f"Paragraph {n:02d}:") for n in range(60)]
    assert positions == sorted(positions)
    # The buttons come once, under the last message.
    assert "reply_markup" not in tg.sent(502)[0]
    assert "inline_keyboard" in tg.sent(502)[1]["reply_markup"]


def test_in_a_group_only_mentions_and_replies_are_answered(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    llm, url = service.llm, service.url
    group = -900
    tg.push_message(group, "what is convex anyway", user_id=7, chat_type="group")
    mention = f"@{USERNAME} what is Convex?"
    entity = {"type": "mention", "offset": 0, "length": len(USERNAME) + 1}
    asked = tg.push_message(group, mention, user_id=7, chat_type="group", entities=[entity])
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(group)) >= 1)
    bot_message = {
        "message_id": 5,
        "date": 0,
        "chat": {"id": group, "type": "group"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "CryptoRAG"},
        "text": "an earlier answer",
    }
    tg.push_message(group, "and CRV?", user_id=7, chat_type="group", reply_to=bot_message)
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(group)) >= 2)
    time.sleep(0.2)

    sent = tg.sent(group)
    assert len(sent) == 2
    # The first answer replies to the message that asked, and the mention is not the question.
    assert sent[0]["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    questions = [r["messages"][-1]["content"] for r in llm.requests]
    assert not any("what is convex anyway" in q for q in questions)
    assert not any(USERNAME in q for q in questions)


def test_a_message_telegram_rejects_is_resent_as_plain_text(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    llm, url = service.llm, service.url
    tg.reject_html = True
    llm.replies.append("Convex & Curve [1].")
    tg.push_message(503, "How does Convex boost CRV rewards?")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(503)) >= 1)

    rejected = [p for m, p in tg.calls if m == "sendMessage" and p.get("_rejected")]
    assert len(rejected) == 1
    [plain] = tg.sent(503)
    assert "parse_mode" not in plain
    assert plain["text"].startswith("Convex & Curve [1].")
    assert "&amp;" not in plain["text"] and "<b>" not in plain["text"]
    assert "Sources\n1. " in plain["text"]
    assert "inline_keyboard" in plain["reply_markup"]


def test_a_service_that_is_down_gets_an_apology_and_the_bot_keeps_going(
    telegram: tuple[FakeTelegram, str], closed_port_url: str, tmp_path: Path
) -> None:
    tg, api = telegram
    tg.push_message(504, "What is Convex?")
    tg.push_message(504, "/contract ethereum 0xBA12222222228d8Ba445958a75a0704d566BF2C8")
    tg.push_message(504, "Still there?")
    run_bot(api, closed_port_url, tmp_path / "state.pickle", lambda: len(tg.sent(504)) >= 3)

    texts = [m["text"] for m in tg.sent(504)]
    assert texts == [APOLOGY] * 3


def test_the_users_own_limit_is_answered_politely(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    url = service.url
    tg.push_message(505, "What is Convex?")
    tg.push_message(505, "What is Curve?")
    run_bot(api, url, tmp_path / "s.pickle", lambda: len(tg.sent(505)) >= 2, limit="1/minute")

    texts = [html.unescape(m["text"]) for m in tg.sent(505)]
    polite = "You're asking faster than I can answer: please wait"
    assert sum(t.startswith(polite) for t in texts) == 1


def test_the_chat_session_survives_a_restart_and_new_forgets_it(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    llm, url = service.llm, service.url
    state = tmp_path / "state.pickle"
    tg.push_message(506, "What does vlCVX vote on?")
    run_bot(api, url, state, lambda: len(tg.sent(506)) >= 1)
    assert state.exists()

    # A new Application on the same state file: the follow-up carries the first turn.
    llm.requests.clear()
    tg.push_message(506, "And who bribes them?")
    run_bot(api, url, state, lambda: len(tg.sent(506)) >= 2)
    assert any("What does vlCVX vote on?" in str(r["messages"]) for r in llm.requests)

    llm.requests.clear()
    tg.push_message(506, "/new")
    tg.push_message(506, "What is Lido?")
    run_bot(api, url, state, lambda: len(tg.sent(506)) >= 4)
    assert tg.sent(506)[2]["text"] == "Started a new conversation."
    assert llm.requests
    assert not any("vlCVX" in str(r["messages"]) for r in llm.requests)


def test_feedback_buttons_post_the_rating(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    url = service.url
    tg.push_message(507, "What is Convex?")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(507)) >= 1)
    answer: dict[str, Any] = tg.sent(507)[0]
    up = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    shown = {"message_id": 1, "date": 0, "chat": {"id": 507, "type": "private"}, "text": "x"}
    tg.push_callback(999, up, shown)  # someone else's press
    tg.push_callback(507, up, shown)
    answered = lambda: sum(m == "answerCallbackQuery" for m in tg.methods()) >= 2  # noqa: E731
    run_bot(api, url, tmp_path / "state.pickle", answered)

    replies = [p["text"] for m, p in tg.calls if m == "answerCallbackQuery"]
    assert replies[0] == "Only the person who asked can rate this answer."
    assert replies[1] == "Thanks for the feedback!"
    assert "editMessageReplyMarkup" in tg.methods()
    [stored] = [f for f in service.services.feedback.list() if f.question == "What is Convex?"]
    assert stored.rating == "up"
    assert stored.answer == "The knowledge base answers this [1]."
    assert stored.sources and stored.sources[0]["source"].endswith(".md")
    assert stored.session_id


def test_contract_card(
    telegram: tuple[FakeTelegram, str], card_service: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    tg, api = telegram
    url, a = card_service
    tg.push_message(508, f"/contract ethereum {a['uups']}")
    tg.push_message(508, f"/contract ethereum {a['hostile']}")
    tg.push_message(508, "/contract ethereum")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(508)) >= 3)

    by_text = {m["text"].split("\n")[0]: m["text"] for m in tg.sent(508)}
    proxy = by_text[f"<b>Ethereum</b> · <code>{a['uups']}</code>"]
    assert "Standards: ERC20" in proxy
    assert "(PUSD)" in proxy
    assert f"Proxy: EIP1967 (uups) → <code>{a['impl']}</code>" in proxy
    assert f'<a href="https://etherscan.io/address/{a["uups"]}">explorer</a>' in proxy
    hostile = by_text[f"<b>Ethereum</b> · <code>{a['hostile']}</code>"]
    assert "⚠️ <b>" in hostile
    assert tags(hostile) <= ALLOWED_TAGS | {"<a>"}
    assert any(t.startswith("Usage: <code>/contract") for t in by_text)


def test_a_chinese_message_is_answered_in_chinese(
    telegram: tuple[FakeTelegram, str], service: Service, tmp_path: Path
) -> None:
    tg, api = telegram
    service.llm.fail_status = 503  # the extractive answer, as without a model
    try:
        tg.push_message(510, "闪电贷是什么？")
        run_bot(api, service.url, tmp_path / "state.pickle", lambda: len(tg.sent(510)) >= 1)
    finally:
        service.llm.fail_status = None
    text = "\n".join(m["text"] for m in tg.sent(510))
    # The service's words and the bot's own are Chinese; the quotes keep their language.
    assert "摘录式回答（语言模型不可用）" in text
    assert "<b>来源</b>\n1. " in text
    assert "Extractive answer" not in text and "<b>Sources</b>" not in text
    assert "flash loan" in text.lower()  # quoted from the English document, as written
