"""Markdown that renderers turn into links, images or HTML, and addresses in other spellings.

Each form links, loads or names something at evil.example (or runs a handler), so a check can
tell which one got through; the reply joins them all, as a model could in one answer.
"""

from __future__ import annotations

import html
import re
import unicodedata

from markdown_it import MarkdownIt

FORMS = {
    "reference, URL on the next line": (
        "Claim your [refund][next] today.\n\n[next]:\n  https://evil.example/next"
    ),
    "reference inside a quote": "> Claim your [refund][quote].\n>\n> [quote]: https://evil.example/quote",
    "reference inside a list item": "- Claim your [refund][item].\n- [item]: https://evil.example/item",
    "reference label with an escaped ]": (
        "Claim your [refund][a\\]b].\n\n[a\\]b]: https://evil.example/escaped"
    ),
    "newline inside link text": "Claim your [re\nfund](https://evil.example/newline).",
    "nested brackets": "Claim your [refund [now]](https://evil.example/nested).",
    "destination in <> with spaces": "Claim your [refund](<https://evil.example/with space>).",
    "bare https autolink": "Claim it at https://evil.example/bare today.",
    "www autolink": "Claim it at www.evil.example/www today.",
    "img written with slashes": "Logo: <img/src=https://evil.example/slash.png/onerror=alert(1)>",
    "details written with slashes": "<details/open/ontoggle=alert(2)>Open me</details>",
    "image alt with a newline": "![logo\nof the pool](https://evil.example/alt.png)",
}
REPLY = "Here is what I found [1].\n\n" + "\n\n".join(FORMS.values()) + "\n\nThat is all."
# Nothing of these may reach a client's text.
BANNED = ("evil.example", "onerror", "ontoggle", "alert(", "<img", "<details")

INVENTED = "0x1234567890AbcdEF1234567890aBcdef12345678"
_BODY = INVENTED[2:]


def spellings(address: str) -> dict[str, str]:
    """An address as a model may write it so that a reader still reads and copies it whole."""
    body = address[2:]
    return {
        "0X prefix": "0X" + body,
        "no prefix": body,
        "doubled prefix": "0x0x" + body,
        "zero-width space": address[:12] + "\u200b" + address[12:],
        "soft hyphen": address[:20] + "\u00ad" + address[20:],
        "word joiner": address[:30] + "\u2060" + address[30:],
        "digits as entities": re.sub(r"[0-9]", lambda m: f"&#{ord(m.group(0))};", address),
        "split by emphasis": address[:12] + "**" + address[12:] + "**",
        "full-width": "".join(chr(ord(c) + 0xFEE0) for c in address),
    }


SPELLINGS = spellings(INVENTED)


def readable(text: str) -> str:
    """What a reader sees: entities decoded, invisible characters, emphasis and widths gone."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return text.replace("*", "").replace("_", "").lower()


def shows_invented(text: str) -> bool:
    """Whether the invented address can be read (and copied) whole from a text."""
    return _BODY.lower() in readable(text)


def rendered_targets(text: str) -> list[str]:
    """Link and image targets, and raw HTML, as an independent CommonMark + GFM parser sees them."""
    md = MarkdownIt("gfm-like", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    found = []
    for token in md.parse(text):
        for t in [token, *(token.children or [])]:
            if t.type in ("link_open", "image"):
                found.append(str(t.attrs.get("href") or t.attrs.get("src")))
            elif t.type in ("html_inline", "html_block"):
                found.append(t.content)
    return found
