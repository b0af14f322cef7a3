"""Both bots frame an answer in its language: headings, not covered and empty answers."""

from __future__ import annotations

from app.bots.client import ChatReply, SourceRef
from app.bots.discord_render import answer_chunks, answer_embeds
from app.bots.telegram_render import answer_messages

SOURCE = SourceRef("flash-loans.md", "Flash loans")


def _reply(language: str, **extra: object) -> ChatReply:
    data = {"answer": "", "session_id": "s", "sources": [SOURCE.as_dict()], "language": language}
    return ChatReply.from_json({**data, **extra})


def test_telegram_frames_a_chinese_answer_in_chinese_and_an_english_one_as_before() -> None:
    [zh] = answer_messages(_reply("zh", answerable=False))
    assert zh.startswith("❔ <b>未涵盖：知识库不能回答这个问题。</b>")
    assert "（没有回答）" in zh and "<b>来源</b>\n1. Flash loans" in zh
    [en] = answer_messages(_reply("en", answerable=False))
    assert en.startswith("❔ <b>Not covered: the knowledge base does not answer this question.</b>")
    assert "(no answer)" in en and "<b>Sources</b>\n1. Flash loans" in en


def test_discord_frames_a_chinese_answer_in_chinese() -> None:
    reply = _reply("zh", answerable=False, warnings=["链上状态未读取"])
    assert answer_chunks(reply) == ["（没有回答）"]
    titles = [e.title for e in answer_embeds(reply)]
    assert titles == ["未涵盖：知识库不能回答这个问题。", "来源", "警告"]
    assert [e.title for e in answer_embeds(_reply("en"))] == ["Sources"]


def test_a_language_the_service_does_not_name_is_english() -> None:
    assert _reply("fr").language == "en"
    assert ChatReply.from_json({"answer": "a", "session_id": "s"}).language == "en"
