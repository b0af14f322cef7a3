"""The chat model client: one event loop's connections are never reused by another."""

from __future__ import annotations

import anyio
import pytest

from app.core.settings import LLMSettings
from app.rag.llm import build_llm
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve

pytestmark = pytest.mark.integration  # a loopback server


def test_two_event_loops_in_one_process_each_reach_the_model() -> None:
    state = FakeLLM(default_reply="pong")
    with serve(build_app(state)) as url:
        settings = LLMSettings(base_url=f"{url}/v1", model="m", _env_file=None)
        # As a second server or a second `eval answers` configuration would: a new model client
        # on the same URL, in a new event loop, after the first loop has closed.
        for _ in range(2):
            llm = build_llm(settings)
            assert llm is not None
            reply = anyio.run(llm.ainvoke, "ping")
            assert reply.content == "pong"
    assert len(state.requests) == 2
