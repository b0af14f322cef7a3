"""The catalogs: every message the code writes has a Chinese translation, with its placeholders."""

from __future__ import annotations

import re
import string

import anyio
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n.catalog import (
    LOCALE_DIR,
    LOCALES,
    _,
    current,
    messages,
    po_path,
    speaking,
    spoken,
    use,
)
from tests.conftest import REPO


def _extracted() -> set[str]:
    """Every message id `make messages` would extract from the code, the page and the prompts."""
    with (LOCALE_DIR.parent / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = extract_from_dir(REPO, method_map, options_map)
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, _c, _ctx in found}


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_every_message_the_code_writes_is_translated(language: str) -> None:
    with po_path(language).open("rb") as fp:  # type: ignore[arg-type]
        catalog = read_po(fp)
    ids = {m.id for m in catalog if m.id}
    extracted = _extracted()
    assert extracted - ids == set(), "not in the catalog: run `make messages` and translate"
    assert ids - extracted == set(), "no longer in the code: run `make messages`"
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_translations_keep_every_placeholder(language: str) -> None:
    with po_path(language).open("rb") as fp:  # type: ignore[arg-type]
        catalog = read_po(fp)
    for m in catalog:
        if m.id and isinstance(m.id, str) and isinstance(m.string, str):
            assert _fields(m.string) == _fields(m.id), m.id
            # Markdown marks and source numbers survive translation.
            assert m.id.count("**") == m.string.count("**"), m.id
            assert re.findall(r"\[\{\w+\}\]", m.id) == re.findall(r"\[\{\w+\}\]", m.string), m.id


def test_english_is_the_message_itself_and_chinese_is_translated() -> None:
    message = "The knowledge base does not cover this question."
    assert _(message) == message
    with speaking("zh"):
        assert current() == "zh"
        assert _(message) == "知识库不涵盖这个问题。"
        assert _("a message no catalog has") == "a message no catalog has"
    assert current() == "en"


def test_the_page_reads_only_its_own_messages() -> None:
    page = messages("zh", "app/web/")
    assert page and all(k and v for k, v in page.items())
    assert "The knowledge base does not cover this question." not in page
    assert messages("en", "app/web/") == {}


async def _words(language: str) -> list[str]:
    async def events():  # type: ignore[no-untyped-def]
        yield _("no language model is configured")
        await anyio.sleep(0)
        yield _("the language model was unavailable")

    return [event async for event in spoken(language, events())]  # type: ignore[arg-type]


def test_a_stream_speaks_its_language_whatever_the_reader_spoke_before() -> None:
    async def read() -> list[str]:
        use("en")
        return await _words("zh")

    assert anyio.run(read) == ["未配置语言模型", "语言模型不可用"]
    assert anyio.run(_words, "en") == [
        "no language model is configured",
        "the language model was unavailable",
    ]
