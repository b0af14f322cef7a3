"""Sources link only to http(s): any other URL from front matter or a feed is not kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sources.files import InputFile, load_file
from ingest.sources.remote import feed_documents


@pytest.mark.parametrize(
    "url", ['"javascript:alert(1)"', "file:///etc/passwd", "data:text/html,hi", "//evil.example/x"]
)
def test_front_matter_url_that_is_not_http_is_dropped(tmp_path: Path, url: str) -> None:
    path = tmp_path / "refund.md"
    path.write_text(f"---\ntitle: Refunds\nurl: {url}\n---\nClaim your refund here.\n")
    (doc,) = load_file(InputFile(path, tmp_path))
    assert doc.url is None
    assert doc.text == "Claim your refund here."


def test_front_matter_http_url_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "docs.md"
    path.write_text("---\ntitle: Docs\nurl: https://docs.example/a\n---\nBody.\n")
    (doc,) = load_file(InputFile(path, tmp_path))
    assert doc.url == "https://docs.example/a"


FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title>
<item><title>Refund</title><link>javascript:alert(1)</link><description>Claim.</description></item>
<item><title>Local</title><link>file:///etc/passwd</link><description>Read.</description></item>
<item><title>Real</title><link>https://news.example/real</link><description>News.</description></item>
</channel></rss>"""


def test_feed_items_linking_elsewhere_than_http_are_skipped() -> None:
    docs, skipped = feed_documents(FEED, "https://news.example/feed.xml", {})
    assert [d.url for d in docs] == ["https://news.example/real"]
    assert [d.source for d in docs] == ["https://news.example/real"]
    assert [why for _, why in skipped] == ["item link is not an http(s) URL"] * 2
