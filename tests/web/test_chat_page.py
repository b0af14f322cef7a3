"""The chat page in a real browser against the app on loopback, with the stand-in model."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from app.api.app import create_app
from app.core.settings import AccessSettings, ChainSettings
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from tests.conftest import REPO, ingest
from tests.support.hostile_markdown import REPLY, SPELLINGS, shows_invented
from tests.web.conftest import chat_requests

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
ANSWER_TIMEOUT_MS = 60_000


@dataclass
class Site:
    """The app on loopback with its stand-in model and the fixture chain."""

    url: str
    llm: FakeLLM
    addresses: dict[str, str]
    services: Services


def _token_doc(folder: Path, address: str) -> Path:
    """A knowledge-base page about a fixture token, with a URL the page must link."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fixture-token.md").write_text(
        "---\ntitle: Fixture Token documentation\ntype: contract\nchain: ethereum\n"
        f"addresses: ['{address}']\nurl: https://docs.fixture.example/token\n---\n"
        f"Fixture Token (FIX) is an ERC-20 token deployed at {address} on Ethereum. "
        "It has 18 decimals and a fixed supply of one million tokens.\n"
    )
    return folder


@pytest.fixture
def make_site(
    services_factory: Callable[..., Services],
    chain: Chain,
    slow_llm: tuple[FakeLLM, str],
    tmp_path: Path,
) -> Iterator[Callable[..., Site]]:
    """Build and serve the app: the fixture token's page (and a corpus), anvil, the model."""
    rpc, addresses = chain
    llm, llm_url = slow_llm

    def _make(corpus: Path | None = None, access: AccessSettings | None = None) -> Site:
        folder = _token_doc(corpus or tmp_path / "kb", addresses["token18"])
        services = services_factory(
            access=access,
            chains=ChainSettings(rpc_urls={"ethereum": rpc}),
            base_url=llm_url,
            model="m",
        )
        ingest(services, folder)
        url = stack.enter_context(serve(create_app(services.settings, services)))
        return Site(url, llm, addresses, services)

    with ExitStack() as stack:
        yield _make


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")


def _answered(page: Page, turn: int) -> Any:
    """The bot message of a turn, once its answer is complete (the feedback bar is drawn last)."""
    bot = page.locator(f'article[data-turn="{turn}"] .msg.bot')
    expect(bot.locator(".feedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    return bot


def _screenshot(page: Page, path: Path) -> Path:
    """The whole chat in one picture, checked: the viewport grown to the page's height."""
    size = page.viewport_size
    assert size is not None
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(height, 2400)})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    _not_blank(path)
    return path


def _not_blank(path: Path) -> None:
    """A screenshot with real content: many colours, not one flat fill."""
    image = Image.open(path).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert image.width > 300 and image.height > 300
    assert len(colours) > 50, f"{path} looks blank ({len(colours)} colours)"
    # The page's text is dark on light: some pixels are dark.
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 200)
    assert dark > 500


def test_streamed_answer_with_sources_cards_copy_and_follow_up(
    make_site: Callable[..., Site], corpus: Path, page: Page, tmp_path: Path
) -> None:
    site = make_site(corpus)
    a = site.addresses
    token, proxy, hostile = a["token18"], a["beacon_proxy"], a["hostile"]
    first_reply = (
        f"{token} is the Fixture Token (FIX), a plain ERC-20 with 18 decimals [1]. "
        f"{proxy} is a beacon proxy whose implementation holds the logic [2]. "
        "Both answers come from the documents and the live lookups listed below, "
        "so check the cards for the block they were read at. "
        # Long enough to stream for a few seconds past the server's hold-back of output.
        "A token's name and symbol are whatever its deployer chose: identify a token by its "
        "chain and address, never by its symbol. The proxy's logic changes when the owner of "
        "its beacon upgrades it, so read the implementation again before relying on it."
    )
    site.llm.replies += [first_reply]
    sent = chat_requests(page)
    _open(page, site.url)
    with page.expect_response(lambda r: r.url.endswith("/v1/chat")) as first:
        # The hostile token's name reads like instructions: its card must carry a warning.
        _ask(page, f"What are {token.lower()}, {proxy} and {hostile}?")

    # The answer streams: text shows while the model is still writing (read in one step).
    partial = page.wait_for_function(
        """() => {
            const body = document.querySelector('article[data-turn="1"] .answer-body.streaming');
            return body && body.innerText.includes("Fixture Token") && body.innerText;
        }""",
        timeout=ANSWER_TIMEOUT_MS,
    ).json_value()
    bot = _answered(page, 1)
    final = bot.locator(".answer-body").inner_text()
    assert len(partial) < len(final) and final.rstrip().endswith("before relying on it.")
    answer = _answer_event(first.value.text())

    # [n] markers link to the numbered sources the answer cites; a source with a URL is a link.
    sources = answer["sources"]
    assert len(sources) >= 2
    items = bot.locator(".sources li")
    expect(items).to_have_count(len(_cited(answer)))
    cite = bot.locator("a.cite", has_text="[1]").first
    assert cite.get_attribute("href") == "#t1-s1"
    expect(page.locator("#t1-s1")).to_contain_text(sources[0]["title"])
    # Each source says how far it is trusted: the corpus is the operator's own folder.
    assert sources[0]["trust"] == "operator"
    expect(page.locator("#t1-s1 .source-trust")).to_have_text("operator's folder")
    linked = [s for s in sources if s.get("url")]
    assert any(s["url"] == "https://docs.fixture.example/token" for s in linked)
    for s in linked:
        if sources.index(s) + 1 not in _cited(answer):
            continue  # only the cited sources are listed
        link = bot.locator(f'.sources a[href="{s["url"]}"]')
        expect(link).to_have_text(s["title"])
        assert link.get_attribute("rel") == "noopener noreferrer"

    # One card per address looked up: chain, standards, token, proxy and implementation; the
    # warnings above the answer, the card marked.
    cards = bot.locator(".card")
    expect(cards).to_have_count(len(answer["onchain"]))
    token_card = cards.filter(has_text="Fixture Token")
    expect(token_card).to_contain_text("Ethereum")
    expect(token_card).to_contain_text("ERC20")
    expect(token_card).to_contain_text("(FIX)")
    expect(token_card.locator(".warnings")).to_have_count(0)
    warned = bot.locator("ul.warnings")
    expect(warned).to_contain_text("reads like instructions")
    assert warned.evaluate("e => getComputedStyle(e).backgroundColor") == ("rgb(176, 0, 32)")
    hostile_head = page.locator(f'.card-head [data-address="{hostile}"]')
    expect(cards.filter(has=hostile_head)).to_have_class(re.compile(r"\bwarned\b"))
    proxy_card = cards.filter(has_text="BEACON").filter(has_text="Proxied Dollar")
    expect(proxy_card.locator(f'dd .addr[data-address="{a["impl"]}"]')).to_be_visible()

    # Each address has one copy button and one explorer link, on its card when it has one;
    # copy puts the whole address on the clipboard.
    explorer = bot.locator(f'a.explorer[href$="/address/{proxy}"]')
    expect(explorer).to_have_count(1)
    assert explorer.get_attribute("href") == f"https://etherscan.io/address/{proxy}"
    assert explorer.get_attribute("rel") == "noopener noreferrer"
    expect(bot.locator(".card-head a.explorer", has_text="Ethereum").first).to_be_visible()
    impl_copy = proxy_card.locator(f'button.copy[data-address="{a["impl"]}"]')
    impl_copy.click()
    expect(impl_copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == a["impl"]
    proxy_copy = bot.locator(f'button.copy[data-address="{proxy}"]')
    expect(proxy_copy).to_have_count(1)
    proxy_copy.click()
    expect(proxy_copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == proxy

    shot = _screenshot(page, tmp_path / "chat.png")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":  # how docs/screenshot-chat.png is made
        shutil.copyfile(shot, REPO / "docs" / "screenshot-chat.png")

    # A follow-up carries the session id the server issued, and the model sees the history.
    site.llm.replies += ["Fixture Token proxy follow-up", "It is on Ethereum [1]."]
    _ask(page, "And which chain is it on?")
    second = _answered(page, 2)
    expect(second.locator(".answer-body")).to_contain_text("It is on Ethereum")
    assert "session_id" not in sent[0]
    assert sent[1]["session_id"] == answer["session_id"]
    history = [m["content"] for m in site.llm.requests[-1]["messages"]]
    assert any(f"What are {token.lower()}," in text for text in history)


def _cited(answer: dict[str, Any]) -> list[int]:
    """The numbers of the document sources an answer cites (on-chain reads are its cards)."""
    numbers = {
        int(n)
        for group in re.findall(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]", answer["answer"])
        for n in group.split(",")
    }
    sources = answer["sources"]
    cited = [n for n in sorted(numbers) if n <= len(sources)]
    return [n for n in cited if sources[n - 1]["trust"] != "onchain"]


def _answer_event(body: str) -> dict[str, Any]:
    """The `answer` event's ChatResponse from a server-sent-events body."""
    for block in body.split("\n\n"):
        lines = block.split("\n")
        if lines[0] == "event: answer":
            return dict(json.loads(lines[1].removeprefix("data: ")))
    raise AssertionError(f"no answer event in {body[:300]!r}")


def test_thumbs_up_with_a_comment_is_stored_as_feedback(
    make_site: Callable[..., Site], page: Page
) -> None:
    site = make_site()
    token = site.addresses["token18"]
    site.llm.replies.append(f"{token} is the Fixture Token [1].")
    _open(page, site.url)
    with page.expect_response(lambda r: r.url.endswith("/v1/chat")) as chat:
        _ask(page, f"What is {token}?")
    bot = _answered(page, 1)
    answer = _answer_event(chat.value.text())
    bot.get_by_role("button", name="Good answer").click()
    bot.get_by_placeholder("Comment (optional)").fill("clear and sourced")
    with page.expect_request(lambda r: r.url.endswith("/v1/feedback")) as sent:
        bot.get_by_role("button", name="Send feedback").click()
    expect(bot.locator(".feedback-status")).to_have_text("Thanks, your feedback is saved.")
    assert sent.value.post_data_json == {
        "rating": "up",
        "comment": "clear and sourced",
        "session_id": answer["session_id"],
        "question": f"What is {token}?",
        "answer": answer["answer"],
        "sources": [
            {k: s[k] for k in ("source", "title", "url") if k in s} for s in answer["sources"]
        ],
    }
    (stored,) = site.services.feedback.list()
    assert stored.rating == "up" and stored.comment == "clear and sourced"
    assert stored.session_id == answer["session_id"]
    assert stored.question == f"What is {token}?"
    assert stored.sources[0]["url"] == "https://docs.fixture.example/token"


HOSTILE = (
    "Here is the logo <img src=x onerror=alert(1)> and a picture "
    "![x](https://evil.example/a.png) and [a link](javascript:alert(1)).\n\n"
    "<script>alert(2)</script>"
)


def test_hostile_markup_from_the_model_is_inert(make_site: Callable[..., Site], page: Page) -> None:
    site = make_site()
    site.llm.replies.append(HOSTILE)
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if "evil.example" in r.url else None)
    _open(page, site.url)
    _ask(page, "What is the Fixture Token?")  # covered, so the model is asked
    bot = _answered(page, 1)
    expect(bot.locator(".answer-body")).to_contain_text("Here is the logo")
    assert page.locator("img").count() == 0
    assert page.locator("main script").count() == 0
    assert bot.locator('.answer-body a[href^="javascript"]').count() == 0
    assert foreign == []


def test_page_renders_raw_html_and_images_as_text(
    make_site: Callable[..., Site], page: Page
) -> None:
    """The page's own guard, whatever the server sends: an answer event carrying raw markup."""
    site = make_site()
    response = {
        "answer": HOSTILE + "\n\nSee [the docs](https://docs.fixture.example/token) [1].",
        "sources": [{"source": "a.md", "title": "A", "score": 1.0}],
        "session_id": "s1",
        "mode": "llm",
        "warnings": [],
        "onchain": [],
    }
    body = (
        f"event: delta\ndata: {json.dumps({'text': HOSTILE})}\n\n"
        f"event: answer\ndata: {json.dumps(response)}\n\nevent: done\ndata: {{}}\n\n"
    )
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if "evil.example" in r.url else None)
    _open(page, site.url)
    _ask(page, "Show me the logo")
    bot = _answered(page, 1)
    text = bot.locator(".answer-body").inner_text()
    assert "<img src=x onerror=alert(1)>" in text
    assert "<script>alert(2)</script>" in text
    assert "[image: x]" in text
    assert page.locator("img").count() == 0 and foreign == []
    assert page.locator("main script").count() == 0
    plain = bot.locator(".answer-body a", has_text="a link")
    assert plain.get_attribute("href") is None
    docs = bot.locator(".answer-body a", has_text="the docs")
    assert docs.get_attribute("href") == "https://docs.fixture.example/token"
    assert docs.get_attribute("rel") == "noopener noreferrer"
    assert docs.get_attribute("target") == "_blank"


def test_phone_layout(make_site: Callable[..., Site], browser: Browser, tmp_path: Path) -> None:
    site = make_site()
    token = site.addresses["token18"]
    site.llm.replies.append(f"{token} is the Fixture Token (FIX) [1], an ERC-20 [2].")
    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = phone.new_page()
        _open(page, site.url)
        _ask(page, f"What is {token}?")
        bot = _answered(page, 1)
        expect(bot.locator(".card")).to_have_count(1)
        # Nothing wider than the screen: no sideways scrolling, the send button on screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        send = page.locator("#send").bounding_box()
        assert send is not None and send["x"] + send["width"] <= 375
        card = bot.locator(".card").bounding_box()
        assert card is not None and card["x"] + card["width"] <= 375
        _screenshot(page, tmp_path / "phone.png")
    finally:
        phone.close()


def test_model_down_and_rate_limit_are_explained(
    make_site: Callable[..., Site], page: Page
) -> None:
    site = make_site(access=AccessSettings(rate_limit="1/minute"))
    site.llm.fail_status = 503
    token = site.addresses["token18"]
    _open(page, site.url)
    _ask(page, f"What is {token}?")
    bot = _answered(page, 1)
    # Said once, by the answer's first line: not again in a notice or a warning.
    expect(bot).to_contain_text("Extractive answer (the language model was unavailable)")
    assert bot.inner_text().lower().count("language model") == 1
    _ask(page, "And again?")
    error = page.locator('article[data-turn="2"] .error')
    expect(error).to_have_text(re.compile(r"Too many requests: please wait \d+ s and try again\."))


def test_api_key_asked_once_kept_and_asked_again_when_refused(
    make_site: Callable[..., Site], page: Page
) -> None:
    site = make_site(access=AccessSettings(require_api_key=True))
    _, secret = site.services.keys.create("web", ["chat"])
    site.llm.replies.append("Answered with a key [1].")
    keys: list[str | None] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("authorization")) if r.url.endswith("/v1/chat") else None
        ),
    )
    _open(page, site.url)
    form = page.locator("#key-form")
    expect(form).to_be_visible()
    page.fill("#key-input", "cr_wrong_key")
    page.click("#key-form button")
    expect(form).to_be_hidden()
    _ask(page, "What is Fixture Token?")
    # Refused: the page asks again and sends the question once a key is given.
    expect(form).to_be_visible()
    expect(page.locator("#key-error")).to_contain_text("unknown or revoked API key")
    page.fill("#key-input", secret)
    page.click("#key-form button")
    expect(_answered(page, 1).locator(".answer-body")).to_contain_text("Answered with a key")
    assert keys == ["Bearer cr_wrong_key", f"Bearer {secret}"]
    # Kept in the browser: a reload does not ask again.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(form).to_be_hidden()
    assert page.evaluate("localStorage.getItem('cryptorag.apiKey')") == secret


def test_unknown_session_starts_a_new_one_and_new_chat_forgets_it(
    make_site: Callable[..., Site], page: Page
) -> None:
    site = make_site()
    sent = chat_requests(page)
    refused: list[str] = []

    def expire(route: Route) -> None:
        body = route.request.post_data_json
        if body.get("session_id") and not refused:
            refused.append(body["session_id"])
            error = {"error": {"code": "session_not_found", "message": "no such session"}}
            route.fulfill(status=404, content_type="application/json", body=json.dumps(error))
        else:
            route.continue_()

    _open(page, site.url)
    site.llm.replies.append("First answer.")
    with page.expect_response(lambda r: r.url.endswith("/v1/chat")) as first:
        _ask(page, "What is the Fixture Token?")
    _answered(page, 1)
    issued = _answer_event(first.value.text())["session_id"]
    page.route("**/v1/chat", expire)
    site.llm.replies += ["Second answer."]
    with page.expect_response(lambda r: r.url.endswith("/v1/chat") and r.status == 200) as second:
        _ask(page, "How many decimals does the Fixture Token have?")
    expect(_answered(page, 2).locator(".answer-body")).to_contain_text("Second answer")
    fresh = _answer_event(second.value.text())["session_id"]
    assert refused == [issued]
    assert "session_id" not in sent[2]  # sent again, transparently, without the dead session
    assert fresh != issued
    page.get_by_role("button", name="New chat").click()
    expect(page.locator("article")).to_have_count(0)
    site.llm.replies.append("Third answer.")
    _ask(page, "What is the supply of the Fixture Token?")
    _answered(page, 1)
    assert "session_id" not in sent[-1]


def test_a_failure_inside_the_stream_is_shown(make_site: Callable[..., Site], page: Page) -> None:
    site = make_site()
    error = {"error": {"code": "internal_error", "message": "internal error; see the server log"}}
    body = (
        f"event: delta\ndata: {json.dumps({'text': 'The first half'})}\n\n"
        f"event: error\ndata: {json.dumps(error)}\n\nevent: done\ndata: {{}}\n\n"
    )
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    _open(page, site.url)
    _ask(page, "Anything?")
    turn = page.locator('article[data-turn="1"]')
    expect(turn.locator(".error")).to_have_text(
        "The answer failed: internal error; see the server log"
    )
    expect(turn.locator(".answer-body")).to_contain_text("The first half")
    expect(page.locator("#send")).to_be_enabled()


def test_explorer_links_follow_the_chain_the_answer_names(
    make_site: Callable[..., Site], page: Page
) -> None:
    """A card's chain for looked-up addresses; else the chain named before it; else the default."""
    site = make_site()
    arb, base, plain = (
        "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
        "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    )
    answer = (
        f"{plain} is listed by the knowledge base.\n\n"
        f"Native USDC on Arbitrum is {arb} and on Base is `{base}`, as the USDC page says [1]."
    )
    response = {
        "answer": answer,
        "sources": [{"source": "usdc.md", "title": "USDC", "score": 1.0}],
        "session_id": "s1",
        "mode": "llm",
    }
    body = f"event: answer\ndata: {json.dumps(response)}\n\nevent: done\ndata: {{}}\n\n"
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    _open(page, site.url)
    _ask(page, "Where is USDC?")
    bot = _answered(page, 1)
    links = {
        address: bot.locator(f'.addr[data-address="{address}"] a.explorer').get_attribute("href")
        for address in (arb, base, plain)
    }
    assert links == {
        arb: f"https://arbiscan.io/address/{arb}",
        base: f"https://basescan.org/address/{base}",
        plain: f"https://etherscan.io/address/{plain}",  # CRYPTORAG_DEFAULT_CHAIN
    }


def test_markdown_forms_and_address_spellings_render_inert(
    make_site: Callable[..., Site], page: Page
) -> None:
    """Forms a regular expression misses, rendered by the page's own marked and DOMPurify."""
    site = make_site()
    entity, split = SPELLINGS["digits as entities"], SPELLINGS["split by emphasis"]
    site.llm.replies.append(f"{REPLY}\n\nSend it to {entity} or {split} now.")
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if "evil.example" in r.url else None)
    _open(page, site.url)
    _ask(page, "What is the Fixture Token?")  # a question the knowledge base covers
    body = _answered(page, 1).locator(".answer-body")
    expect(body).to_contain_text("That is all.")
    hrefs = body.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert [h for h in hrefs if not h.startswith(site.url)] == []  # citations only
    assert body.locator("img, details, script").count() == page.locator("img").count() == 0
    text = body.inner_text()
    assert not any(bad in text for bad in ("evil.example", "onerror", "ontoggle", "alert(")), text
    # The invented address cannot be read or copied whole: no widget, only the marked short form.
    assert not shows_invented(text) and body.locator("button.copy").count() == 0
    assert text.count("0x1234…5678 [unverified address]") == 2
    assert foreign == []


def test_a_question_the_knowledge_base_does_not_cover_is_shown_as_not_covered(
    make_site: Callable[..., Site], corpus: Path, page: Page, tmp_path: Path
) -> None:
    site = make_site(corpus)
    _open(page, site.url)
    with page.expect_response(lambda r: r.url.endswith("/v1/chat")) as asked:
        _ask(page, "Who won the 2022 World Cup?")
    bot = _answered(page, 1)
    assert _answer_event(asked.value.text())["answerable"] is False
    notice = bot.locator(".notice.not-covered")
    expect(notice).to_have_text("Not covered")  # the answer says why, once
    expect(bot.locator(".answer-body")).to_contain_text("does not cover this question")
    assert bot.inner_text().count("does not cover") == 1
    expect(bot.locator(".sources li")).to_have_count(0)  # no unrelated source is listed
    assert "quotes the closest sentences" not in bot.inner_text()
    assert site.llm.requests == []  # declined before the model was asked
    _screenshot(page, tmp_path / "not-covered.png")


def test_a_string_that_is_not_quite_an_address_is_called_out_first(
    make_site: Callable[..., Site], page: Page
) -> None:
    site = make_site()
    site.llm.fail_status = 503  # the extractive answer, as without a model
    near = site.addresses["token18"][:-1]  # one character short
    _open(page, site.url)
    _ask(page, f"What is {near}?")
    bot = _answered(page, 1)
    first = bot.locator(".answer-body > *").first
    expect(first).to_contain_text(f"Not an address: {near} has 39 characters after 0x")
    # The response's warning says the same: shown once, by the answer's first line.
    assert bot.inner_text().count("39 characters") == 1
