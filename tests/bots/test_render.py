"""What the bots say, built by plain functions: splitting, escaping, plain-text fallback."""

from __future__ import annotations

from app.bots.client import ChatReply, SourceRef
from app.bots.discord_render import answer_chunks, answer_embeds
from app.bots.split import split_text
from app.bots.telegram_render import answer_messages, to_plain


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    assert split_text("aaa\n\nbbb\nccc", 8) == ["aaa", "bbb\nccc"]
    assert split_text("aaaa\nbbbb\ncccc", 10) == ["aaaa\nbbbb", "cccc"]
    assert split_text("one two three", 8) == ["one two", "three"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("  \n ", 10) == []


def test_a_hard_cut_never_splits_an_entity_or_a_tag() -> None:
    text = "x" * 8 + "&amp;" + "y" * 8
    pieces = split_text(text, 10, html=True)
    assert pieces == ["x" * 8, "&amp;" + "y" * 5, "y" * 3]
    tagged = "x" * 7 + "<b>bold</b>"
    assert split_text(tagged, 9, html=True)[0] == "x" * 7


def test_telegram_answer_is_escaped_with_numbered_linked_sources() -> None:
    reply = ChatReply(
        answer='<script>alert("x")</script> A & B [1][2]',
        session_id="s",
        sources=[
            SourceRef("curve.md", "Curve <Finance>", "https://curve.fi/?a=1&b=2"),
            SourceRef("notes.md", "Notes & more"),
            SourceRef("evil.md", "Evil", "javascript:alert(1)"),
        ],
        warnings=["0xabc <unverified>"],
    )
    [html] = answer_messages(reply)
    assert html.startswith("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; A &amp; B [1][2]")
    assert "⚠️ 0xabc &lt;unverified&gt;" in html
    assert '1. <a href="https://curve.fi/?a=1&amp;b=2">Curve &lt;Finance&gt;</a>' in html
    assert "2. Notes &amp; more (<code>notes.md</code>)" in html
    assert "javascript:" not in html.split("Sources")[1].split("3. ")[0]
    assert '<a href="javascript' not in html
    plain = to_plain(html)
    assert plain.startswith('<script>alert("x")</script> A & B [1][2]')
    assert "1. Curve <Finance> (https://curve.fi/?a=1&b=2)" in plain


def test_telegram_split_keeps_every_message_below_4096_and_tags_whole() -> None:
    sources = [SourceRef(f"s{n}.md", f"Source {n}", f"https://x.example/{n}") for n in range(40)]
    reply = ChatReply(answer="\n\n".join(["word " * 150] * 12), session_id="s", sources=sources)
    messages = answer_messages(reply)
    assert len(messages) >= 3
    for message in messages:
        assert len(message) < 4096
        assert message.count("<a href") == message.count("</a>")


def test_discord_chunks_and_embeds() -> None:
    reply = ChatReply(
        answer="\n".join(["line " * 30] * 40),
        session_id="s",
        sources=[SourceRef("a.md", "Title *with* [brackets]", "https://a.example/x_(y)")],
    )
    chunks = answer_chunks(reply)
    assert len(chunks) >= 3 and all(len(c) < 2000 for c in chunks)
    [embed] = answer_embeds(reply)
    assert embed.description == (
        r"**1.** [Title \*with\* \[brackets\]](https://a.example/x_%28y%29)"
    )
