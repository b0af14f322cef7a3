"""Documents from fetched bytes: RSS/Atom feeds (defused XML), HTML pages and PDFs."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import logging
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from app.kb.models import Document
from ingest.sources.files import html_main_text, is_http_url, make_document

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")
MAX_PDF_PAGES = 200
MAX_FEED_ITEMS = 200


class Unparseable(Exception):
    """Fetched bytes that cannot become documents; the message says why."""


def check_xml(raw: bytes) -> None:
    """Refuse entity declarations (billion laughs), external entities and malformed XML."""
    try:
        SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Unparseable(f"feed refused: {type(exc).__name__} (entity expansion or DTD)") from None
    except ET.ParseError as exc:
        raise Unparseable(f"feed is not well-formed XML: {exc}") from None


def feed_documents(
    raw: bytes, feed_url: str, meta: dict[str, Any], max_items: int = MAX_FEED_ITEMS
) -> tuple[list[Document], list[tuple[str, str]]]:
    """One document per feed item with a link (at most max_items), and the items skipped, why.

    meta (tags, type) applies to every item.
    """
    check_xml(raw)
    # A stream, never a string: feedparser fetches strings that look like URLs.
    parsed = feedparser.parse(io.BytesIO(raw), sanitize_html=True, resolve_relative_uris=True)
    feed_title = str(parsed.feed.get("title") or feed_url)
    docs: list[Document] = []
    skipped: list[tuple[str, str]] = []
    entries = parsed.entries
    if len(entries) > max_items:
        # A 400 KB feed can hold thousands of items: a feed is news, not a corpus.
        skipped.append(
            (
                feed_url,
                f"{len(entries) - max_items} items over the cap of {max_items} per feed "
                "(CRYPTORAG_FEED_MAX_ITEMS)",
            )
        )
        entries = entries[:max_items]
    for entry in entries:
        link = entry.get("link")
        if not link:
            continue
        if not is_http_url(str(link)):  # a `javascript:` link would be listed as a source
            skipped.append((str(link)[:200], "item link is not an http(s) URL"))
            continue
        try:
            docs.append(_item_document(entry, str(link), feed_title, meta))
        except Exception as exc:  # one broken item skips that item, never the feed
            skipped.append((str(link), f"unreadable item: {type(exc).__name__}: {exc}"))
    return docs, skipped


def _item_document(entry: Any, link: str, feed_title: str, meta: dict[str, Any]) -> Document:
    """The document of one feed item."""
    body = ""
    if entry.get("content"):
        body = entry.content[0].get("value", "")
    body = body or entry.get("summary", "")
    text = fragment_text(body)
    title = fragment_text(entry.get("title", "")) or link
    if not text:
        text = title
    tags = [str(t.get("term")) for t in entry.get("tags", []) if t.get("term")]
    item_meta: dict[str, Any] = {
        "type": "news",
        **meta,
        "url": link,
        "published_at": _date(entry),
        "feed": feed_title,
        "tags": sorted({*meta.get("tags", []), *tags}),
    }
    if entry.get("author"):
        item_meta["author"] = str(entry.author)[:200]
    return make_document(f"feed:{link}", link, title, text, item_meta)


def page_document(raw: bytes, content_type: str, url: str, meta: dict[str, Any]) -> Document:
    """A web page's main text (HTML through trafilatura), a PDF's text, or plain text."""
    page_meta: dict[str, Any] = {"type": "blog", **meta, "url": url}
    if content_type == "application/pdf":
        text, title = pdf_text(raw)
    elif content_type == "text/plain":
        text, title = raw.decode("utf-8", "replace").strip(), None
    else:
        html = raw.decode("utf-8", "replace")
        text, found = html_main_text(html, url)
        title = found.pop("title", None)
        found.pop("url", None)
        page_meta = {**found, **page_meta}
    if not text:
        raise Unparseable(f"no main text found at {url}")
    return make_document(f"web:{url}", url, str(title or url), text, page_meta)


def pdf_text(raw: bytes) -> tuple[str, str | None]:
    """Text of a PDF's pages (at most MAX_PDF_PAGES) and its title."""
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [p.extract_text() or "" for p in reader.pages[:MAX_PDF_PAGES]]
        title = reader.metadata.title if reader.metadata else None
    except LimitReachedError as exc:  # a small stream that inflates past pypdf's bounds
        raise Unparseable(f"PDF refused: {exc}") from None
    except RecursionError:  # pypdf reads nested arrays and dictionaries recursively
        raise Unparseable("PDF refused: objects nested too deep") from None
    except (PyPdfError, ValueError, KeyError) as exc:
        raise Unparseable(f"unreadable PDF: {exc}") from None
    return "\n\n".join(p.strip() for p in pages if p.strip()), title


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed summary), scripts and styles dropped."""
    if "<" not in html:
        return " ".join(html.split())
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types on broken markup
        return ""
    for bad in root.xpath("//script|//style|//noscript|//iframe"):
        bad.drop_tree()
    return " ".join(root.text_content().split())


def _date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            stamp = calendar.timegm(value)
            return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat().replace("+00:00", "Z")
    return None
