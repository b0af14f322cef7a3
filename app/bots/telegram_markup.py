"""An answer's Markdown as Telegram HTML: bold, italics, code and http(s) links kept, every
other thing shown as the text it is (raw HTML included), so nothing is markup the bot did not
write.

Telegram's HTML parse mode knows a handful of tags; the answers are Markdown ("**0x…** on
Ethereum", "`0x…`"), which shown escaped reads as stray asterisks and backticks.
"""

from __future__ import annotations

import html
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

_INLINE_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "",
    "s_close": "",
}
_URL_CHARS = 500


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is parsed as such so that it can be shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": True}).enable("strikethrough")


def to_telegram_html(markdown: str) -> str:
    """The Markdown rendered to the tags Telegram accepts, each piece of text escaped."""
    out: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item's number, None if bulleted
    for token in _parser().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            numbers.append(None if token.type == "bullet_list_open" else int(start) if start else 1)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            _block_break(out)
        elif token.type == "list_item_open":
            indent = "  " * (len(numbers) - 1)
            number = numbers[-1] if numbers else None
            out.append(f"{indent}• " if number is None else f"{indent}{number}. ")
            if number is not None:
                numbers[-1] = number + 1
        elif token.type == "list_item_close":
            _line_break(out)
        elif token.type == "heading_open":
            out.append("<b>")
        elif token.type == "heading_close":
            out.append("</b>")
            _block_break(out)
        elif token.type == "paragraph_close":
            _line_break(out) if numbers else _block_break(out)
        elif token.type == "inline":
            out.append(_inline(token.children or []))
        elif token.type in ("fence", "code_block"):
            out.append(f"<code>{html.escape(token.content.rstrip())}</code>")
            _block_break(out)
        elif token.type in ("html_block",):
            out.append(html.escape(token.content.rstrip()))
            _block_break(out)
        elif token.type == "hr":
            out.append("———")
            _block_break(out)
    return "".join(out).strip()


def _inline(children: list[Token]) -> str:
    parts: list[str] = []
    links: list[bool] = []  # per open link: whether it became <a>
    for child in children:
        if child.type in _INLINE_TAGS:
            parts.append(_INLINE_TAGS[child.type])
        elif child.type == "code_inline":
            parts.append(f"<code>{html.escape(child.content)}</code>")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            kept = href.startswith(("https://", "http://")) and len(href) <= _URL_CHARS
            links.append(kept)
            if kept:
                parts.append(f'<a href="{html.escape(href, quote=True)}">')
        elif child.type == "link_close":
            if links.pop():
                parts.append("</a>")
        elif child.type == "image":
            parts.append(html.escape(f"[image: {child.content or 'untitled'}]"))
        else:  # text, html_inline and anything else: the characters as written
            parts.append(html.escape(child.content))
    return "".join(parts)


def _line_break(out: list[str]) -> None:
    if out and not out[-1].endswith("\n"):
        out.append("\n")


def _block_break(out: list[str]) -> None:
    text = "".join(out[-2:])
    if out and not text.endswith("\n\n"):
        out.append("\n" if text.endswith("\n") else "\n\n")
