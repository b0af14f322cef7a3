"""Answer text made safe to render: foreign images, unknown links, raw HTML and mass mentions out.

Model output and retrieved text are untrusted. A client may render the answer as Markdown (the
web page), as chat markup (Telegram, Discord) or print it, so the answer is cleaned for all of
them. The text is parsed as a CommonMark/GFM renderer parses it (markdown-it-py, with HTML and
bare-URL autolinks on, and every link scheme accepted so that nothing hides as text), and the
token stream is written back as Markdown in which nothing but the kept constructs can form:
images become their alt text (the service has no images of its own to show), a link survives
only when it is http(s) and points at a listed source's URL or at a block explorer page of an
address the answer names, raw HTML is removed (script and style with their content), reference
definitions are dropped (kept links are written inline), text is escaped where it could start
a link, a tag, a code span or an entity, and mass mentions are broken. An address that Markdown
splits (emphasis, entities) is written whole and plain, so the grounding check sees what a
reader sees. Each kind of change is counted, so the answer can carry a warning.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from app.evm.chains import CHAINS
from app.i18n.catalog import N_, gettext
from app.rag.grounding import addresses_in, spelled_addresses

_EXPLORER_HOSTS = frozenset(
    urlsplit(c.explorer).hostname or "" for c in CHAINS if c.explorer is not None
)
# Elements whose content is code or styling, dropped with the tags around it.
_DANGEROUS = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "svg", "math", "textarea"}
)
_HTML_OPEN = re.compile(r"<\s*([A-Za-z][A-Za-z0-9-]*)")
# What a browser's tokenizer takes for a tag even where Markdown does not (`<img/src=x/…>`).
_TAG_LIKE = re.compile(r"</?[A-Za-z][^>]*>|<[!?][^>]*>")
# Bare URLs a GFM renderer links that the linkifier left as text (`www.` hosts without a known
# top-level domain, a scheme glued to a word); trailing punctuation stays text, as GFM leaves it.
_BARE_URL = re.compile(r"(?i)(?:www\.|[a-z][a-z0-9+.-]{0,31}://)[^\s<]*")
_TRAILING = ".,:;!?\"')*_~"
_ESCAPES = (
    # A backslash that would escape, or might (the next piece may start with punctuation).
    (re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)"), r"\\\\"),
    (re.compile(r"`"), r"\\`"),  # a code span opener
    # The end of a link text. "][" stays: a reference needs a definition, and none is written.
    (re.compile(r"\](?=\()"), r"\\]"),
    (re.compile(r"<(?=[A-Za-z/!?])"), r"\\<"),  # a tag or autolink opener
    (re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"), r"\\&"),
)
_DEFINITION_START = re.compile(
    r"(?m)^((?:[ \t]*(?:>|[*+-][ \t]|\d{1,9}[.)][ \t]))*[ \t]*\[(?:[^\[\]\\]|\\.)*)\]:"
)
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_DISCORD_MENTION = re.compile(r"<(@[!&]?|#)(\d{1,25})>")
_FENCE_INFO = re.compile(r"[\w+#.-]{1,40}")
_ALIGN = {"text-align:left": ":--", "text-align:right": "--:", "text-align:center": ":-:"}


@functools.cache
def _parser() -> MarkdownIt:
    """CommonMark with GFM tables, strikethrough and autolinks; raw HTML parsed (to remove it)."""
    md = MarkdownIt("gfm-like", {"html": True})
    # Every scheme becomes a link token, so `javascript:` is judged here, not left as text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    assert md.linkify is not None  # the gfm-like preset's linkify, from linkify-it-py
    md.linkify.set({"fuzzy_link": False})  # only what GFM links: a scheme, or www.
    return md


@dataclass
class Cleaned:
    """Safe text and what was changed to make it so."""

    text: str
    changes: Counter[str] = field(default_factory=Counter)


@dataclass
class _Piece:
    """A run of inline output: text and code are escaped when written, marks written as is."""

    kind: Literal["text", "code", "mark", "raw"]
    seen: str  # what a reader sees of it ("" for marks)
    out: str = ""  # marks and raw: what is written
    pair: int = -1  # marks: shared with the mark that closes or opens it


def _allowed(url: str, source_urls: Collection[str], addresses: Collection[str]) -> bool:
    """An http(s) source URL, or an explorer page of an address the answer names."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unreadable authority ("http://[::1")
        return False
    if parts.scheme not in ("http", "https"):
        return False
    if url in source_urls:
        return True
    if parts.scheme != "https" or (parts.hostname or "") not in _EXPLORER_HOSTS:
        return False
    found = addresses_in(parts.path)
    return bool(found) and found[0].lower() in addresses


class _Writer:
    """Writes a parsed answer back as safe Markdown, counting what it removed."""

    def __init__(self, source_urls: Collection[str], addresses: Collection[str]) -> None:
        md = _parser()
        self.urls = {md.normalizeLink(u) for u in source_urls} | set(source_urls)
        self.addresses = addresses
        self.changes: Counter[str] = Counter()
        self.pairs = 0

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self, nodes: list[SyntaxTreeNode], tight: bool = False) -> str:
        parts = [p for p in (self.block(n, tight) for n in nodes) if p]
        return ("\n" if tight else "\n\n").join(parts)

    def block(self, node: SyntaxTreeNode, tight: bool) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline(node.children[0]) if node.children else ""
        if kind == "heading":
            return "#" * int(node.tag[1]) + " " + self.inline(node.children[0])
        if kind == "blockquote":
            inner = self.blocks(node.children)
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if kind in ("fence", "code_block"):
            return _fenced(node.content, node.info if kind == "fence" else "")
        if kind == "hr":
            return "---"
        if kind == "html_block":
            self.changes["html"] += 1
            return ""
        if kind == "table":
            return self.table(node)
        return self.blocks(node.children, tight)

    def list_block(self, node: SyntaxTreeNode) -> str:
        items = node.children
        tight = any(p.hidden for item in items for p in item.children if p.type == "paragraph")
        start = int(node.attrs.get("start", 1))
        written = []
        for n, item in enumerate(items):
            ordered = node.type == "ordered_list"
            marker = f"{start + n}{item.markup}" if ordered else item.markup
            lines = self.blocks(item.children, tight).split("\n")
            pad = " " * (len(marker) + 1)
            head = f"{marker} {lines[0]}" if lines[0] else marker
            written.append("\n".join([head, *(pad + x if x else x for x in lines[1:])]))
        return ("\n" if tight else "\n\n").join(written)

    def table(self, node: SyntaxTreeNode) -> str:
        rows = [row for part in node.children for row in part.children]
        lines = []
        for n, row in enumerate(rows):
            cells = [
                self.inline(c.children[0], table=True) if c.children else "" for c in row.children
            ]
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                aligns = [_ALIGN.get(str(c.attrs.get("style", "")), "---") for c in row.children]
                lines.append("| " + " | ".join(aligns) + " |")
        return "\n".join(lines)

    # --- inline ---------------------------------------------------------------------------

    def inline(self, node: SyntaxTreeNode, table: bool = False) -> str:
        pieces = _without_tags(list(self.pieces(node.children)), self.changes)
        pieces = _whole_addresses(pieces)
        out: list[str] = []
        for n, p in enumerate(pieces):
            # Neighbours of one kind are written as one: text escaped whole ("[1]" and "()"
            # either side of removed HTML must not make a link), and backticks of adjacent
            # code spans would run together.
            if p.kind in ("code", "text") and n and pieces[n - 1].kind == p.kind:
                continue
            if p.kind in ("code", "text"):
                end = n
                while end < len(pieces) and pieces[end].kind == p.kind:
                    end += 1
                p = _Piece(p.kind, "".join(q.seen for q in pieces[n:end]))
            if p.kind == "mark" and p.out.startswith("[") and out and out[-1].endswith("!"):
                out[-1] = out[-1][:-1] + "\\!"  # "!" before a kept link would make it an image
            if p.kind == "text":
                text = _escape(p.seen)
                out.append(text.replace("|", "\\|") if table else text)
            elif p.kind == "code":
                out.append(_code_span(p.seen))
            else:
                out.append(p.out)
        # A line that reads as a reference definition's start ("[x]:", also after a list or
        # quote marker left at its start by removed HTML) is kept text.
        return _DEFINITION_START.sub(r"\1\\]:", "".join(out))

    def pieces(self, nodes: list[SyntaxTreeNode]) -> Iterator[_Piece]:
        skipping = ""  # a dangerous element's name, while its content is dropped
        for node in nodes:
            kind = node.type
            if skipping:
                if kind == "html_inline" and re.match(rf"</\s*{skipping}\b", node.content, re.I):
                    skipping = ""
                continue
            if kind == "text":
                yield from self.text(node.content)
            elif kind == "softbreak":
                yield _Piece("raw", "\n", "\n")
            elif kind == "hardbreak":
                yield _Piece("raw", "\n", "  \n")
            elif kind == "code_inline":
                yield _Piece("code", node.content)
            elif kind in ("em", "strong", "s"):
                yield from self.wrapped(node.markup, node.children, node.markup)
            elif kind == "link":
                yield from self.link(node)
            elif kind == "image":
                self.changes["image"] += 1
                yield from self.pieces(node.children)
            elif kind == "html_inline":
                self.changes["html"] += 1
                opened = _HTML_OPEN.match(node.content)
                if opened and opened.group(1).lower() in _DANGEROUS:
                    skipping = opened.group(1).lower()
            else:
                yield from self.pieces(node.children)

    def wrapped(self, before: str, nodes: list[SyntaxTreeNode], after: str) -> Iterator[_Piece]:
        self.pairs += 1
        yield _Piece("mark", "", before, self.pairs)
        yield from self.pieces(nodes)
        yield _Piece("mark", "", after, self.pairs)

    def link(self, node: SyntaxTreeNode) -> Iterator[_Piece]:
        href = str(node.attrs.get("href", ""))
        keep = _allowed(href, self.urls, self.addresses)
        if node.markup in ("linkify", "autolink"):  # the URL is its own text
            if keep:  # in <>, so that the text after it cannot lengthen it
                yield _Piece("raw", _plain(node), f"<{_destination(href)}>")
            else:
                self.changes["link"] += 1
            return
        if keep:
            yield from self.wrapped("[", node.children, f"]({_destination(href)})")
            return
        self.changes["link"] += 1
        label = _plain(node)
        if label.isdigit():  # a citation marker written as a link stays a citation marker
            yield _Piece("text", f"[{label}]")
        else:
            yield from self.pieces(node.children)

    def text(self, content: str) -> Iterator[_Piece]:
        """Plain text, without the bare URLs a GFM renderer would still make links."""

        def bare(m: re.Match[str]) -> str:
            url = m.group(0).rstrip(_TRAILING)
            self.changes["link"] += 1
            return m.group(0)[len(url) :]

        yield _Piece("text", _BARE_URL.sub(bare, content))


def _plain(node: SyntaxTreeNode) -> str:
    """The text inside a node, as a reader sees it."""
    return "".join(n.content for n in node.walk() if n.type in ("text", "code_inline"))


def _escape(text: str) -> str:
    for pattern, replacement in _ESCAPES:
        text = pattern.sub(replacement, text)
    return text


def _code_span(content: str) -> str:
    """A code span that holds content whatever backticks it contains."""
    runs = [len(r) for r in re.findall(r"`+", content)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _fenced(content: str, info: str) -> str:
    """A fenced code block longer than any backtick run inside it; unusual info strings dropped."""
    runs = [len(r) for r in re.findall(r"`+", content)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    info = info.strip() if _FENCE_INFO.fullmatch(info.strip()) else ""
    body = content if content.endswith("\n") or not content else content + "\n"
    return f"{fence}{info}\n{body}{fence}"


def _destination(href: str) -> str:
    """A link destination no renderer can read another way."""
    return href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def _owners(pieces: list[_Piece]) -> list[int]:
    """For each character a reader sees, the index of the piece it belongs to."""
    return [i for i, p in enumerate(pieces) for _ in p.seen]


def _cut(pieces: list[_Piece], start: int, end: int, insert: _Piece | None) -> list[_Piece]:
    """Pieces without the seen characters start..end (and the marks between them, with their
    partners), with insert in their place."""
    owner = _owners(pieces)
    first, last = owner[start], owner[end - 1]
    dropped = {pieces[i].pair for i in range(first, last + 1) if pieces[i].kind == "mark"}
    head, tail = pieces[first], pieces[last]

    def part(piece: _Piece, seen: str) -> _Piece:
        # A raw piece cut in two (a kept bare URL) is no longer what it was: plain text.
        return _Piece("code" if piece.kind == "code" else "text", seen)

    before = part(head, head.seen[: start - owner.index(first)])
    after = part(tail, tail.seen[end - owner.index(last) :])
    middle = [insert] if insert else []
    return [
        p
        for p in [*pieces[:first], before, *middle, after, *pieces[last + 1 :]]
        if p is insert or (p.pair not in dropped if p.kind == "mark" else bool(p.seen))
    ]


def _without_tags(pieces: list[_Piece], changes: Counter[str]) -> list[_Piece]:
    """Pieces without what a browser would read as a tag (`<img/src=x/onerror=…>`, which
    Markdown leaves as text), even where a link or a line break splits it."""
    for _ in range(len(pieces)):
        owner = _owners(pieces)
        seen = "".join(p.seen for p in pieces)
        tag = next(
            (m for m in _TAG_LIKE.finditer(seen) if pieces[owner[m.start()]].kind == "text"), None
        )
        if tag is None:
            break
        changes["html"] += 1
        pieces = _cut(pieces, tag.start(), tag.end(), None)
    return pieces


def _whole_addresses(pieces: list[_Piece]) -> list[_Piece]:
    """Pieces where no address is split by markup: one that is (`0x1234**abcd…**`) is written
    as one plain text piece and the marks around its parts are dropped."""
    for _ in range(len(pieces)):
        owner = _owners(pieces)
        seen = "".join(p.seen for p in pieces)
        split = next(
            (s for s in spelled_addresses(seen) if owner[s.start] != owner[s.end - 1]), None
        )
        if split is None:
            break
        pieces = _cut(pieces, split.start, split.end, _Piece("text", split.address))
    return pieces


def clean(text: str, source_urls: Collection[str]) -> Cleaned:
    """The text with every unsafe construct removed or neutralised, and the count of each kind."""
    tree = SyntaxTreeNode(_parser().parse(text))
    # Addresses the answer names in its words (link targets do not count).
    spoken = ("text", "code_inline", "fence", "code_block")
    words = "\n".join(n.content for n in tree.walk() if n.type in spoken)
    addresses = {a.lower() for a in addresses_in(words)}
    writer = _Writer(source_urls, addresses)
    body = writer.blocks(tree.children)
    changes = writer.changes
    body = _MASS_MENTION.sub(lambda m: _count(changes, "mention", f"@\u200b{m.group(1)}"), body)
    body = _DISCORD_MENTION.sub(lambda m: _count(changes, "mention", "[mention removed]"), body)
    if not text.strip():
        return Cleaned(text, changes)
    # Whitespace around the text is kept: a streamed piece continues the line or block before.
    # Blocks are written from the start of a line, so indentation after the last newline goes,
    # and a code block never starts mid-line or leaves its closing fence sharing a line.
    lead = text[: len(text) - len(text.lstrip())]
    lead = lead[: lead.rfind("\n") + 1] if "\n" in lead else lead
    if lead and "\n" not in lead and tree.children and tree.children[0].type != "paragraph":
        lead += "\n"  # a block read alone as a list or code must not continue a line
    trail = text[len(text.rstrip()) :]
    if body.endswith("```") and "\n" not in trail:
        trail += "\n"
    return Cleaned(lead + body + trail, changes)


def renders_safely(text: str, source_urls: Collection[str]) -> bool:
    """Whether a renderer reading the whole text makes no link but kept ones, no image, no HTML,
    no reference definition and no bare-URL autolink."""
    return last_block(text, source_urls) != -1


def last_block(text: str, source_urls: Collection[str]) -> int:
    """Where the text's last top-level block starts when it renders safely, else -1.

    Text before that block cannot change how the rest reads (no definitions are let through),
    so the check of what follows can start there: cleaned pieces are checked together at the
    cost of the last block, not of the whole answer.
    """
    env: dict[str, object] = {}
    tokens = _parser().parse(text, env)
    if env.get("references"):
        return -1
    tree = SyntaxTreeNode(tokens)
    spoken = ("text", "code_inline", "fence", "code_block")
    addresses = {
        a.lower() for n in tree.walk() if n.type in spoken for a in addresses_in(n.content)
    }
    urls = {_parser().normalizeLink(u) for u in source_urls} | set(source_urls)
    for node in tree.walk():
        if node.type in ("image", "html_inline", "html_block"):
            return -1
        if node.type == "link" and not _allowed(str(node.attrs.get("href", "")), urls, addresses):
            return -1
        if node.type == "text" and _BARE_URL.search(node.content):
            return -1
    starts = [t.map[0] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
    if not starts:
        return 0
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: starts[-1]])


def inert(text: str) -> str:
    """Text no renderer reads as markup, whatever comes before it: bare URLs out and every
    ASCII punctuation character escaped. The fallback when cleaned pieces do not fit together."""
    text = _BARE_URL.sub("", text)
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def _count(changes: Counter[str], kind: str, replacement: str) -> str:
    changes[kind] += 1
    return replacement


_NAMES = {
    "image": N_("image removed"),
    "link": N_("link removed (it pointed at no source)"),
    "html": N_("raw HTML removed"),
    "mention": N_("mass mention neutralised"),
    "markup": N_("markup shown as text (it read differently after the text before it)"),
}


def describe(changes: Counter[str]) -> list[str]:
    """One warning per kind of change, with its count."""
    return [f"{gettext(_NAMES[k])}: {n}" for k, n in sorted(changes.items()) if n]


def open_construct(text: str) -> int:
    """Where an unfinished construct that cleaning must see whole (tag, link, image, code span,
    fenced block) starts; -1."""
    starts = []
    last_lt = text.rfind("<")
    if last_lt != -1 and text.find(">", last_lt) == -1 and len(text) - last_lt < 2000:
        starts.append(last_lt)
    last_br = text.rfind("[")
    if last_br != -1 and len(text) - last_br < 1200:
        rest = text[last_br:]
        close = rest.find("]")
        after = rest[close + 1 :] if close != -1 else ""
        unfinished = close == -1 or after == "" or (after.startswith("(") and ")" not in after)
        if unfinished and "\n" not in rest:
            starts.append(last_br - 1 if last_br and text[last_br - 1] == "!" else last_br)
    fences = list(re.finditer(r"(?m)^[ \t]{0,3}(```|~~~)", text))
    if len(fences) % 2 and len(text) - fences[-1].start() < 4000:
        starts.append(fences[-1].start())
    paragraph = text[text.rfind("\n\n") + 1 :]
    ticks = [m.start() for m in re.finditer(r"(?<!`)`(?!`)", paragraph)]
    if len(ticks) % 2 and len(paragraph) - ticks[-1] < 1200:
        starts.append(len(text) - len(paragraph) + ticks[-1])
    return min(starts) if starts else -1
