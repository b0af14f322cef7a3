"""The service's own words in the asker's language: gettext catalogs read with Babel.

English is the source language (a message's id is its English text), so English needs no
catalog and reads byte for byte as written. Other languages are .po files under locale/, compiled
in memory the first time a language is used: there is no build product to keep in step with
the .po, in the tree or in the wheel (`make messages` refreshes them from the code).

The language is the current context's (a context variable), set once per answer from the
question (app.i18n.language.detect) or by the caller, so that every function writing words for
the answer speaks it without a language argument through each signature; worker threads that
anyio starts copy the context, and with it the language.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import TypeVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.i18n.language import DEFAULT, LANGUAGES, Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# A language's catalog folder: the script subtag says which Chinese (Simplified).
LOCALES: dict[Language, str] = {"zh": "zh_Hans"}

T = TypeVar("T")
_LANGUAGE: ContextVar[Language] = ContextVar("cryptorag_language", default=DEFAULT)


def po_path(language: Language) -> Path:
    """The .po file of a language that has one."""
    return LOCALE_DIR / LOCALES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: Language) -> NullTranslations:
    """A language's catalog, compiled from its .po once; English is the messages themselves."""
    if language not in LOCALES:
        return NullTranslations()
    with po_path(language).open("rb") as fp:
        catalog = read_po(fp, locale=LOCALES[language], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt leaves them out
    compiled.seek(0)
    return GNUTranslations(compiled)


def current() -> Language:
    """The language the service is writing in now."""
    return _LANGUAGE.get()


def use(language: Language) -> None:
    """Speak `language` from here on in this context (a request's task, an answer's stream)."""
    _LANGUAGE.set(language)


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Speak `language` inside the block, and what was spoken before after it."""
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


async def spoken(language: Language, events: AsyncIterator[T]) -> AsyncIterator[T]:
    """The events of a stream written in `language`, whichever task or context reads each one."""
    iterator = aiter(events)
    try:
        while True:
            use(language)  # the stream's code runs in the context of the one reading it
            try:
                event = await anext(iterator)
            except StopAsyncIteration:
                return
            yield event
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


def _(message: str) -> str:
    """A message in the current language (the English message where it has no translation)."""
    return translations(_LANGUAGE.get()).gettext(message)


def N_(message: str) -> str:
    """Marks a message kept in a table for translation where it is said (`_(TABLE[key])`)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for n, in the current language."""
    return translations(_LANGUAGE.get()).ngettext(singular, plural, n)


def messages(language: Language, origin: str = "") -> dict[str, str]:
    """Message id -> translation of a language, of the messages written in files under
    `origin` (a path prefix such as "app/web/"): what the chat page reads."""
    if language not in LOCALES:
        return {}
    with po_path(language).open("rb") as fp:
        catalog = read_po(fp, locale=LOCALES[language], domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and m.string
        and not m.fuzzy
        and any(path.startswith(origin) for path, _line in m.locations)
    }


gettext = _  # for modules that use `_` as a throwaway name
