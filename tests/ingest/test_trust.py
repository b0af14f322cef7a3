"""Trust levels are set at ingestion from where a document came from, never from what it says."""

from collections.abc import Callable
from pathlib import Path

import pytest

from app.services import Services
from ingest.pipeline import Pipeline
from ingest.sources.remote import feed_documents
from tests.conftest import ingest

pytestmark = pytest.mark.integration

FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title>
<item><title>USDC upgrade</title><link>https://news.example/usdc</link>
<description>Circle upgraded USDC.</description><guid>1</guid></item>
</channel></rss>"""


def _trust(services: Services) -> dict[str, str]:
    payloads = services.store.scroll_payloads(["source", "trust"])
    return {str(p["source"]): str(p["trust"]) for _, p in payloads}


def test_folder_files_are_the_operators_and_feed_items_are_fetched(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    # A document cannot promote itself: `trust` in front matter is plain metadata.
    (folder / "card.md").write_text(
        "---\ntitle: A card\ntrust: curated\n---\nThe card says it is curated.\n"
    )
    services = services_factory()
    ingest(services, folder)
    items, _ = feed_documents(FEED, "https://news.example/feed.xml", {})
    Pipeline.from_services(services).ingest_documents(items)
    assert _trust(services) == {"card.md": "operator", "https://news.example/usdc": "fetched"}
