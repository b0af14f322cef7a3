"""What the Telegram bot says, as HTML (parse mode HTML): every piece of text escaped."""

from __future__ import annotations

import html
import re

from app.bots.client import NOT_COVERED, ChatReply, SourceRef
from app.bots.split import split_text
from app.bots.telegram_markup import to_telegram_html
from app.chain.checks.report import LINES, grouped
from app.chain.facts import ContractFacts
from app.core.said import unsaid
from app.evm.chains import explorer_url, label
from app.i18n.catalog import N_, _, speaking

# Telegram's limit is 4,096 characters; the margin keeps a message clear of it.
LIMIT = 4000
_TITLE_CHARS = 200
_URL_CHARS = 500
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>')
_TAG = re.compile(r"</?(?:b|i|code|a)(?:\s[^>]*)?>")

HELP = N_(
    "<b>CryptoRAG</b> answers questions about crypto protocols, contracts and events, "
    "with its sources.\n\n"
    "Just write your question here (in a group, mention me or reply to me).\n"
    "/ask <i>question</i> — ask a question\n"
    "/contract <i>chain</i> <i>address</i> — what is at an address, e.g. "
    "<code>/contract ethereum 0xBA12222222228d8Ba445958a75a0704d566BF2C8</code>\n"
    "/new — start a new conversation\n"
    "/help — this message"
)


def esc(text: str) -> str:
    """Text made inert for Telegram's HTML parse mode."""
    return html.escape(text, quote=True)


def answer_messages(reply: ChatReply) -> list[str]:
    """The answer, its warnings and its numbered sources, in messages below the limit; the bot's
    own words in the answer's language."""
    with speaking(reply.language):
        return _answer_messages(reply)


def _answer_messages(reply: ChatReply) -> list[str]:
    blocks = [to_telegram_html(reply.answer.strip()) or _("(no answer)")]
    if not reply.answerable:
        blocks.insert(0, f"❔ <b>{esc(_(NOT_COVERED))}</b>")
    if warnings := unsaid(reply.warnings, reply.answer):
        blocks.append("\n".join(f"⚠️ {esc(w)}" for w in warnings))
    if reply.sources:
        heading = esc(_("Sources"))
        lines = [f"<b>{heading}</b>"]
        lines += [f"{n}. {_source(s)}" for n, s in enumerate(reply.sources, 1)]
        blocks.append("\n".join(lines))
    return split_text("\n\n".join(blocks), LIMIT, html=True)


def _source(source: SourceRef) -> str:
    title = esc(_cap(source.title or source.source, _TITLE_CHARS))
    url = source.url or ""
    if url.startswith(("https://", "http://")) and len(url) <= _URL_CHARS:
        return f'<a href="{esc(url)}">{title}</a>'
    return f"{title} (<code>{esc(_cap(source.source, _TITLE_CHARS))}</code>)"


def card_message(facts: ContractFacts) -> str:
    """The contract card of an address: kind, standards, token, proxy, owner, warnings."""
    kind = {
        "contract": _("contract"),
        "eoa": _("wallet (no code)"),
        "empty": _("nothing deployed"),
    }
    lines = [
        f"<b>{esc(label(facts.chain))}</b> · <code>{esc(facts.address)}</code>",
        _("Kind: {kind}").format(kind=kind.get(facts.account_type, esc(facts.account_type))),
    ]
    if facts.standards:
        standards = ", ".join(esc(s.upper()) for s in facts.standards)
        lines.append(_("Standards: {standards}").format(standards=standards))
    if facts.token:
        t = facts.token
        parts = [f"{esc(t.name or '?')} ({esc(t.symbol or '?')})"]
        if t.decimals is not None:
            parts.append(_("{decimals} decimals").format(decimals=t.decimals))
        if t.total_supply is not None:
            parts.append(_("supply {supply}").format(supply=esc(t.total_supply)))
        lines.append(
            _("Token: {parts} <i>(as the contract reports it)</i>").format(parts=" · ".join(parts))
        )
    if facts.listed:
        lines.append(
            _("Listed in {list} as {name} ({symbol})").format(
                list=esc(facts.listed.list),
                name=esc(facts.listed.name),
                symbol=esc(facts.listed.symbol),
            )
        )
    if facts.proxy:
        p = facts.proxy
        kind_of = esc(p.standard.upper()) + (f" ({esc(p.upgrade)})" if p.upgrade else "")
        text = _("Proxy: {standard}").format(standard=kind_of)
        if p.implementation:
            text += f" → <code>{esc(p.implementation)}</code>"
        lines.append(text)
    if facts.owner:
        lines.append(_("Owner: {address}").format(address=f"<code>{esc(facts.owner)}</code>"))
    if facts.protocol:
        lines.append(_("Protocol: {name}").format(name=esc(facts.protocol.name)))
    lines += [f"⚠️ <b>{esc(w)}</b>" for w in facts.warnings]
    lines += _checks(facts)
    footer = _("Block {block}").format(block=facts.block_number)
    page = explorer_url(facts.chain, facts.address)
    if page:
        explorer = esc(_("explorer"))
        footer += f' · <a href="{esc(page)}">{explorer}</a>'
    lines.append(footer)
    return split_text("\n".join(lines), LIMIT, html=True)[0]


def _checks(facts: ContractFacts) -> list[str]:
    """Found risks in bold with a red mark, then what was checked and what could not be."""
    g = grouped(facts)
    lines = [f"🔴 <b>{esc(r)}</b>" for r in g.risks] + [f"• {esc(x)}" for x in g.also]
    if g.absent:
        lines.append(esc(_(LINES["bot_absent"]).format(names=", ".join(g.absent))))
    if g.unknown:
        lines.append(f"<i>{esc(_(LINES['bot_unknown']).format(names=', '.join(g.unknown)))}</i>")
    return lines


def to_plain(message: str) -> str:
    """An HTML message as plain text (for a message Telegram refused to parse): links kept."""
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", message)
    return html.unescape(_TAG.sub("", text))


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
