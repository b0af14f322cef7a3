"""The four routes a client gets an answer from, each read the way a client reads it."""

from __future__ import annotations

import json

import httpx
import openai

ROUTES = ("chat", "chat-stream", "completions", "completions-stream")


def ask(
    url: str, route: str, question: str, session_id: str | None = None
) -> tuple[str, dict[str, object]]:
    """The text a client receives (all deltas joined when streamed) and the final metadata.

    session_id continues a session on the /v1/chat routes (the OpenAI routes have none).
    """
    request: dict[str, object] = {"message": question}
    if session_id is not None:
        request["session_id"] = session_id
    if route == "chat":
        body = httpx.post(f"{url}/v1/chat", json=request, timeout=60).json()
        return body["answer"], body
    if route == "chat-stream":
        text, final = "", {}
        with httpx.stream(
            "POST", f"{url}/v1/chat", json={**request, "stream": True}, timeout=60
        ) as r:
            event = ""
            for line in r.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "delta":
                    text += json.loads(line[6:])["text"]
                elif line.startswith("data: ") and event == "answer":
                    final = json.loads(line[6:])
        assert final["answer"] == text  # the deltas add up to the answer
        return text, final
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="anything")
    messages = [{"role": "user", "content": question}]
    if route == "completions":
        done = client.chat.completions.create(model="cryptorag", messages=messages)  # type: ignore[arg-type]
        return done.choices[0].message.content or "", done.model_extra or {}
    text, extra = "", {}
    for chunk in client.chat.completions.create(
        model="cryptorag",
        messages=messages,  # type: ignore[arg-type]
        stream=True,
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        extra |= chunk.model_extra or {}
    return text, extra
