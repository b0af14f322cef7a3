"""GET /v1/i18n: the chat page's own words in a language, from the service's message catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from app.i18n.catalog import messages
from app.i18n.language import Language, preferred, supported

router = APIRouter(tags=["i18n"])

# The page's messages are those written in its own files (app/i18n/babel.cfg extracts them).
PAGE = "app/web/"


class PageMessages(BaseModel):
    """English message -> its translation; a message missing here is shown in English."""

    language: Language
    messages: dict[str, str] = Field(description="empty for English, the messages' own language")


@router.get("/v1/i18n", response_model=PageMessages)
async def page_messages_by_header(
    accept_language: Annotated[str, Header()] = "",
) -> PageMessages:
    """The page's words in the first language of Accept-Language that the service speaks."""
    language = preferred(accept_language)
    return PageMessages(language=language, messages=messages(language, PAGE))


@router.get("/v1/i18n/{tag}", response_model=PageMessages)
async def page_messages(tag: str) -> PageMessages:
    """The page's words for a browser language tag (navigator.language: "zh-CN", "en-US")."""
    language = supported(tag)
    return PageMessages(language=language, messages=messages(language, PAGE))
