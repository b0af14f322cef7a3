"""A declined answer, as /v1/chat sends it, is shown by both bots as not covered."""

from __future__ import annotations

from app.bots.client import NOT_COVERED, ChatReply
from app.bots.discord_render import answer_chunks, answer_embeds
from app.bots.telegram_render import answer_messages

DECLINED = {
    "answer": "The knowledge base does not cover this question. The nearest documents it has, "
    "which do not answer it: “Wrapped Ether (WETH)”.",
    "session_id": "s",
    "sources": [],
    "warnings": [],
    "mode": "extractive",
    "answerable": False,
}


def test_telegram_says_not_covered_first_and_lists_no_sources() -> None:
    [html] = answer_messages(ChatReply.from_json(DECLINED))
    assert html.startswith(f"❔ <b>{NOT_COVERED}</b>\n\nThe knowledge base does not cover")
    assert "Sources" not in html


def test_discord_says_not_covered_in_an_embed_and_lists_no_sources() -> None:
    reply = ChatReply.from_json(DECLINED)
    assert answer_chunks(reply) == [DECLINED["answer"]]
    [embed] = answer_embeds(reply)
    assert embed.title == NOT_COVERED


def test_an_answer_without_the_field_is_answerable() -> None:
    older = {k: v for k, v in DECLINED.items() if k != "answerable"}
    assert ChatReply.from_json(older).answerable
    assert not any(NOT_COVERED in m for m in answer_messages(ChatReply.from_json(older)))
