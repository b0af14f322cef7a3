"""What the Discord bot says: content below 2,000 characters, sources and cards as embeds."""

from __future__ import annotations

import discord
from discord.utils import escape_markdown

from app.bots.client import NOT_COVERED, ChatReply, SourceRef
from app.bots.split import split_text
from app.chain.checks.report import grouped
from app.chain.facts import ContractFacts
from app.core.said import unsaid
from app.evm.chains import explorer_url, label
from app.i18n.catalog import N_, _, speaking

# Discord's limit is 2,000 characters per message; the margin keeps a message clear of it.
LIMIT = 1900
_DESCRIPTION = 4000  # an embed's description holds 4,096
_FIELD = 1000  # a field's value holds 1,024
_TITLE_CHARS = 200
WARNING_COLOUR = discord.Colour.red()
SOURCES_COLOUR = discord.Colour.blurple()

HELP = N_(
    "Ask me about crypto protocols, contracts and events: `/ask`, `/contract chain address`, "
    "or mention me with your question."
)


def answer_chunks(reply: ChatReply) -> list[str]:
    """The answer text in messages below the limit, cut at paragraphs, then lines."""
    with speaking(reply.language):
        return split_text(reply.answer, LIMIT) or [_("(no answer)")]


def answer_embeds(reply: ChatReply) -> list[discord.Embed]:
    """Not covered (when so), the numbered sources, and the warnings in a colour that stands out;
    titles in the answer's language."""
    with speaking(reply.language):
        return _answer_embeds(reply)


def _answer_embeds(reply: ChatReply) -> list[discord.Embed]:
    embeds = []
    if not reply.answerable:
        embeds.append(discord.Embed(title=_(NOT_COVERED), colour=WARNING_COLOUR))
    if reply.sources:
        lines = [f"**{n}.** {_source(s)}" for n, s in enumerate(reply.sources, 1)]
        embeds.append(
            discord.Embed(
                title=_("Sources"), description=_fit(lines, _DESCRIPTION), colour=SOURCES_COLOUR
            )
        )
    if warnings := unsaid(reply.warnings, reply.answer):
        lines = [f"⚠️ {escape_markdown(w)}" for w in warnings]
        embeds.append(
            discord.Embed(
                title=_("Warnings"), description=_fit(lines, _DESCRIPTION), colour=WARNING_COLOUR
            )
        )
    return embeds


def _source(source: SourceRef) -> str:
    # escape_markdown leaves brackets alone, and a "]" in a title would end the masked link.
    title = escape_markdown(_cap(source.title or source.source, _TITLE_CHARS))
    title = title.replace("[", "\\[").replace("]", "\\]")
    url = source.url or ""
    if url.startswith(("https://", "http://")) and len(url) <= 500:
        # A masked link breaks at a bare ")" or space in the URL.
        safe = url.replace(" ", "%20").replace(")", "%29").replace("(", "%28")
        return f"[{title}]({safe})"
    name = _cap(source.source, _TITLE_CHARS).replace("`", "'")
    return f"{title} (`{name}`)"


def card_embed(facts: ContractFacts) -> discord.Embed:
    """The contract card of an address as an embed with a field per fact, in the current
    language (the bot speaks its user's)."""
    kind = {
        "contract": _("contract"),
        "eoa": _("wallet (no code)"),
        "empty": _("nothing deployed"),
    }
    embed = discord.Embed(
        title=f"{label(facts.chain)} · {facts.address}",
        url=explorer_url(facts.chain, facts.address),
        colour=WARNING_COLOUR if facts.warnings or grouped(facts).risks else SOURCES_COLOUR,
    )
    embed.add_field(name=_("Kind"), value=kind.get(facts.account_type, facts.account_type))
    if facts.standards:
        embed.add_field(name=_("Standards"), value=", ".join(s.upper() for s in facts.standards))
    if facts.token:
        t = facts.token
        parts = [f"{escape_markdown(t.name or '?')} ({escape_markdown(t.symbol or '?')})"]
        if t.decimals is not None:
            parts.append(_("{decimals} decimals").format(decimals=t.decimals))
        if t.total_supply is not None:
            parts.append(_("supply {supply}").format(supply=t.total_supply))
        embed.add_field(
            name=_("Token (as the contract reports it)"),
            value=_cap(" · ".join(parts), _FIELD),
            inline=False,
        )
    if facts.listed:
        listed = f"{escape_markdown(facts.listed.name)} ({escape_markdown(facts.listed.symbol)})"
        embed.add_field(
            name=_("Listed in {list}").format(list=facts.listed.list), value=_cap(listed, _FIELD)
        )
    if facts.proxy:
        p = facts.proxy
        value = p.standard.upper() + (f" ({p.upgrade})" if p.upgrade else "")
        if p.implementation:
            value += f" → `{p.implementation}`"
        embed.add_field(name=_("Proxy"), value=value, inline=False)
    if facts.owner:
        embed.add_field(name=_("Owner"), value=f"`{facts.owner}`", inline=False)
    if facts.protocol:
        embed.add_field(name=_("Protocol"), value=escape_markdown(facts.protocol.name))
    if facts.warnings:
        lines = [f"⚠️ {escape_markdown(w)}" for w in facts.warnings]
        embed.add_field(name=_("Warnings"), value=_fit(lines, _FIELD), inline=False)
    _add_checks(embed, facts)
    embed.set_footer(text=_("Block {block}").format(block=facts.block_number))
    return embed


def _add_checks(embed: discord.Embed, facts: ContractFacts) -> None:
    """Found risks, reassuring finds, then what was checked and what could not be."""
    g = grouped(facts)
    if g.risks:
        lines = [f"🔴 **{escape_markdown(r)}**" for r in g.risks]
        embed.add_field(name=_("Found risks"), value=_fit(lines, _FIELD), inline=False)
    if g.also:
        lines = [escape_markdown(x) for x in g.also]
        embed.add_field(name=_("Also read"), value=_fit(lines, _FIELD), inline=False)
    if g.absent:
        embed.add_field(name=_("Checked, not found"), value=_cap(", ".join(g.absent), _FIELD))
    if g.unknown:
        embed.add_field(name=_("Could not be checked"), value=_cap(", ".join(g.unknown), _FIELD))


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines up to the limit."""
    out: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        out.append(line)
    return "\n".join(out) or _cap(lines[0], limit)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
