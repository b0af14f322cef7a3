"""Answer text is cleaned of foreign images, unknown links, raw HTML and mass mentions."""

from __future__ import annotations

from app.rag.markup import clean, describe, open_construct

ADDR = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def test_images_links_html_and_mentions_are_neutralised() -> None:
    text = (
        "See ![x](https://evil.example/p.png?q=secret) and [click](javascript:alert(1)) "
        "<script>steal()</script><img src=x onerror=alert(1)> @everyone <@&123> @here "
        "[docs](https://evil.example/phish) <https://evil.example/auto>"
    )
    out = clean(text, source_urls=[])
    for bad in ("evil.example", "javascript:", "<script", "steal()", "<img", "onerror", "<@&"):
        assert bad not in out.text
    assert "@everyone" not in out.text and "@here" not in out.text
    assert out.changes == {"image": 1, "link": 3, "html": 2, "mention": 3}
    assert any("image removed" in w for w in describe(out.changes))


def test_source_and_explorer_links_survive() -> None:
    text = (
        f"[USDC docs](https://www.circle.com/usdc) at [{ADDR}](https://etherscan.io/address/{ADDR})"
        " and [fake](https://etherscan.io/address/0x0000000000000000000000000000000000000bad)"
    )
    out = clean(text, source_urls=["https://www.circle.com/usdc"])
    assert "(https://www.circle.com/usdc)" in out.text
    assert f"(https://etherscan.io/address/{ADDR})" in out.text
    assert "0bad)" not in out.text and out.changes["link"] == 1


def test_citations_and_comparisons_are_kept() -> None:
    out = clean("Fees fell [1][2] and 1 < 2 > 0; see [3](https://evil.example).", source_urls=[])
    assert out.text == "Fees fell [1][2] and 1 < 2 > 0; see [3]."


def test_open_constructs_are_found() -> None:
    assert open_construct("safe text <img src=x") == len("safe text ")
    assert open_construct("see ![x](https://ev") == len("see ")
    assert open_construct("see [1]") == len("see ")
    assert open_construct("see [1] and more") == -1
    assert open_construct("closed <b> tag") == -1
