"""The API docs pages load every file from the service itself, so they work offline."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve

pytestmark = pytest.mark.integration


class _Assets(HTMLParser):
    """The URLs a page's <script src>, <link href> and <img src> tags load."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


@pytest.fixture
def api(services_factory: Callable[..., Services]) -> Iterator[str]:
    services = services_factory()
    with serve(create_app(services.settings, services)) as url:
        yield url


@pytest.mark.parametrize(
    ("page", "kinds"),
    [("/docs", {"javascript", "css"}), ("/redoc", {"javascript"})],
)
def test_docs_page_loads_only_same_origin_files(api: str, page: str, kinds: set[str]) -> None:
    r = httpx.get(api + page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    # No absolute URL to another host anywhere in the page, inline scripts included.
    foreign = [u for u in re.findall(r"https?://[^\s'\"<>)]+", r.text) if not u.startswith(api)]
    assert foreign == []
    parser = _Assets()
    parser.feed(r.text)
    assert parser.urls, "the page loads no files at all"
    seen: set[str] = set()
    for raw in parser.urls:
        url = urljoin(api + page, raw)
        assert urlsplit(url).netloc == urlsplit(api).netloc, raw
        asset = httpx.get(url)
        assert asset.status_code == 200, raw
        kind = asset.headers["content-type"].split(";")[0]
        seen.update(k for k in kinds if k in kind)
        assert len(asset.content) > 0
    assert seen == kinds


def test_docs_page_points_at_the_openapi_schema(api: str) -> None:
    page = httpx.get(api + "/docs").text
    assert "'/openapi.json'" in page or '"/openapi.json"' in page
    schema = httpx.get(api + "/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "CryptoRAG"
