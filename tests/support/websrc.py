"""A small website on loopback for ingestion tests: feeds, pages, a PDF and hostile payloads."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse, StreamingResponse

ARTICLE = """<html><head><title>Curve pool exploit post-mortem</title>
<meta name="date" content="2026-10-02"><script>var tracking = "SCRIPT-MARKER";</script>
<style>.x{color:red} STYLE-MARKER</style></head><body>
<nav>NAV-MARKER Home | Markets | About</nav>
<article><h1>Curve pool exploit post-mortem</h1>
<p>On 2 October 2026 a reentrancy bug in an old Vyper compiler let an attacker drain a Curve
stable pool at 0xDC24316b9AE028F1497c275EB9192a3Ea0f67022 of about 1,200 ETH.</p>
<p>The pool's admin paused deposits within an hour, and white-hat bots recovered a third of the
funds. Liquidity providers were repaid from the protocol treasury over the following weeks.</p>
<p>The root cause was a broken re-entrancy lock in Vyper 0.2.15 to 0.3.0, which compiled the
nonreentrant decorator with a different storage slot per function.</p>
</article><footer>FOOTER-MARKER copyright</footer></body></html>"""


def rss(items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 feed of (title, path, pubDate) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{{base}}{p}</link><pubDate>{d}</pubDate>"
        f"<category>security</category><description>&lt;p&gt;{t}: details of the incident "
        f"and what users should do.&lt;/p&gt;</description></item>"
        for t, p, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Chain News</title>'
        f"<link>{{base}}/</link><description>news</description>{body}</channel></rss>"
    )


FEED_ITEMS = [
    ("Bridge halts withdrawals after exploit", "/news/bridge", "Mon, 05 Oct 2026 10:00:00 GMT"),
    ("Lido adds new node operators", "/news/lido", "Tue, 06 Oct 2026 11:00:00 GMT"),
    ("Stablecoin depegs briefly on Curve", "/news/depeg", "Wed, 07 Oct 2026 12:00:00 GMT"),
]
BOMB = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""
XXE = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title>
<link>http://example.com/a</link></item></channel></rss>"""


def pdf(text: str, deflated: bytes | None = None) -> bytes:
    """A one-page PDF whose page shows `text` (built by hand, with a correct xref table).

    `deflated`, a zlib-compressed content stream, replaces the page's plain one.
    """
    stream = deflated or f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    flate = b" /Filter /FlateDecode" if deflated else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length "
        + str(len(stream)).encode()
        + flate
        + b" >>\nstream\n"
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Staking withdrawals explained) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_bomb(inflated: int = 100 * 1024 * 1024) -> bytes:
    """A PDF of about 100 KB whose content stream inflates to `inflated` bytes of spaces."""
    squeeze = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = squeeze.compress(b"BT /F1 12 Tf 72 720 Td (bomb) Tj ET\n")
    stream += b"".join(squeeze.compress(block) for _ in range(inflated // len(block)))
    return pdf("bomb", deflated=stream + squeeze.flush())


def token_list(tokens: str) -> str:
    """A token list whose `tokens` member is the given JSON text."""
    return '{"name": "Test list", "version": {"major": 1}, "tokens": ' + tokens + "}"


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@dataclass
class Site:
    """What the site serves and what it saw."""

    base: str = ""
    items: list[tuple[str, str, str]] = field(default_factory=lambda: list(FEED_ITEMS))
    hits: dict[str, int] = field(default_factory=dict)
    conditional_hits: int = 0
    gone: set[str] = field(default_factory=set)
    flaky_failures: int = 1
    flaky_retry_after: str = "0"
    robots_down: bool = False
    # /drip.html sends 45 bytes every drip_s, drip_count times: a server that never times out.
    drip_s: float = 0.2
    drip_count: int = 100
    many_items: int = 50


def build_site(site: Site) -> FastAPI:
    """The FastAPI app of the site."""
    app = FastAPI()

    @app.middleware("http")
    async def count(request: Request, call_next):  # type: ignore[no-untyped-def]
        site.hits[request.url.path] = site.hits.get(request.url.path, 0) + 1
        if request.url.path in site.gone:
            return PlainTextResponse("gone", status_code=410)
        return await call_next(request)

    @app.get("/robots.txt")
    async def robots() -> PlainTextResponse:
        if site.robots_down:
            return PlainTextResponse("down", status_code=503)
        return PlainTextResponse("User-agent: *\nDisallow: /private/\n")

    @app.get("/feed.xml")
    async def feed(request: Request) -> Response:
        body = rss(site.items).replace("{base}", site.base)
        etag = f'"v{abs(hash(body)) % 10**8}"'
        if request.headers.get("if-none-match") == etag:
            site.conditional_hits += 1
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/rss+xml", headers={"ETag": etag})

    @app.get("/news/{slug}")
    @app.get("/article.html")
    @app.get("/private/page.html")
    async def article() -> Response:
        return Response(ARTICLE, media_type="text/html")

    @app.get("/doc.pdf")
    async def doc() -> Response:
        text = "Withdrawals from the beacon chain became possible with the Shapella upgrade."
        return Response(pdf(text), media_type="application/pdf")

    @app.get("/bomb.xml")
    async def bomb() -> Response:
        return Response(BOMB, media_type="application/rss+xml")

    @app.get("/xxe.xml")
    async def xxe() -> Response:
        return Response(XXE, media_type="application/rss+xml")

    @app.get("/big.html")
    async def big() -> Response:
        return Response("<p>" + "x" * 300_000 + "</p>", media_type="text/html")

    @app.get("/stream-big.html")
    async def stream_big() -> StreamingResponse:
        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(100):
                yield b"<p>" + b"y" * 10_000 + b"</p>"

        return StreamingResponse(chunks(), media_type="text/html")

    @app.get("/drip.html")
    async def drip() -> StreamingResponse:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b"<html><body><p>"
            for _ in range(site.drip_count):
                await asyncio.sleep(site.drip_s)  # the server's pace, not a test's wait
                yield b"Slowly, slowly: forty-five bytes at a time.  "
            yield b"</p></body></html>"

        return StreamingResponse(chunks(), media_type="text/html")

    @app.get("/bomb.pdf")
    async def bomb_pdf() -> Response:
        return Response(pdf_bomb(), media_type="application/pdf")

    @app.get("/deep.pdf")
    async def deep_pdf() -> Response:
        # A content stream with an array 100,000 levels deep, which pypdf parses recursively.
        return Response(pdf(") Tj " + DEEP_JSON + " (deep"), media_type="application/pdf")

    @app.get("/deep-tokens.json")
    async def deep_tokens() -> Response:
        return Response(token_list(DEEP_JSON), media_type="application/json")

    @app.get("/many.xml")
    async def many() -> Response:
        items = [(f"Item {n}", f"/news/item-{n}", FEED_ITEMS[0][2]) for n in range(site.many_items)]
        return Response(rss(items).replace("{base}", site.base), media_type="application/rss+xml")

    @app.get("/binary")
    async def binary() -> Response:
        return Response(b"\x00\x01", media_type="application/octet-stream")

    @app.get("/flaky.html")
    async def flaky() -> Response:
        if site.flaky_failures > 0:
            site.flaky_failures -= 1
            return Response(
                "busy", status_code=503, headers={"Retry-After": site.flaky_retry_after}
            )
        return Response(ARTICLE, media_type="text/html")

    @app.get("/to-private")
    async def to_private() -> RedirectResponse:
        port = site.base.rsplit(":", 1)[1]
        return RedirectResponse(f"http://127.0.0.2:{port}/article.html", status_code=302)

    @app.get("/to-metadata")
    async def to_metadata() -> RedirectResponse:
        return RedirectResponse("http://169.254.169.254/latest/meta-data/", status_code=302)

    return app
