"""The language of a question from the script of its own words: Chinese ("zh") or English ("en").

A rule over scripts instead of a statistical detector: the service speaks two languages, a
question is short and full of names (Uniswap, USDC, 0x…), and such detectors guess poorly on a
few words. Addresses, hashes, URLs, code and quoted text are not the asker's own words and are
set aside first; then Han characters against Latin words decide.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
DEFAULT: Language = "en"

# Not the asker's words: fenced and inline code, quotes (CJK and Latin double quotes), URLs,
# hex (addresses, hashes, calldata) and long base58/base64-like runs (Solana, Bitcoin, Tron).
_NOT_OWN = re.compile(
    r"```.*?```|`[^`]*`"
    r"|“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\""
    r"|\b(?:https?://|www\.)\S+"
    r"|\b0x[0-9a-fA-F]*"
    r"|\b[1-9A-HJ-NP-Za-km-z]{25,}\b",
    re.DOTALL,
)
# Han characters: the unified ideographs, their extensions and the compatibility ones.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect(text: str) -> Language:
    """'zh' when the question's own words are mostly Chinese, else 'en' (also for no words)."""
    own = _NOT_OWN.sub(" ", text)
    han = len(HAN.findall(own))
    if not han:
        return DEFAULT
    # Chinese questions name protocols and tokens in Latin letters, and a short follow-up has few
    # characters ("ETH 呢？"), so each Han character weighs a Latin word and a tie is Chinese:
    # "Uniswap 是什么？" is Chinese, "What is a 闪电贷 in Aave?" is English.
    return "zh" if han >= len(_LATIN_WORD.findall(own)) else DEFAULT


def supported(tag: str) -> Language:
    """The service's language for a BCP 47 tag ("zh-CN", "zh-Hant-TW", "en-GB"): Chinese for
    any Chinese, English otherwise."""
    return "zh" if tag.strip().lower().replace("_", "-").split("-")[0] == "zh" else DEFAULT


def preferred(accept_language: str) -> Language:
    """The first language of an Accept-Language header the service speaks, by weight."""
    weighted: list[tuple[float, str]] = []
    for item in accept_language.split(","):
        tag, _sep, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            weighted.append((weight, tag))
    for _weight, tag in sorted(weighted, key=lambda w: -w[0]):
        if tag == "*" or tag.lower().split("-")[0] in LANGUAGES:
            return supported(tag) if tag != "*" else DEFAULT
    return DEFAULT
