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
from ingest.sources.files import html_main_text, make_document

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")
MAX_PDF_PAGES = 200


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


def feed_documents(raw: bytes, feed_url: str, meta: dict[str, Any]) -> list[Document]:
    """One document per feed item with a link; meta (tags, type) applies to every item."""
    check_xml(raw)
    # A stream, never a string: feedparser fetches strings that look like URLs.
    parsed = feedparser.parse(io.BytesIO(raw), sanitize_html=True, resolve_relative_uris=True)
    feed_title = str(parsed.feed.get("title") or feed_url)
    docs = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
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
        docs.append(make_document(f"feed:{link}", link, title, text, item_meta))
    return docs


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
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [p.extract_text() or "" for p in reader.pages[:MAX_PDF_PAGES]]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError) as exc:
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
