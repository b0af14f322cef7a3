"""Many requests to one local model at once: an engine thread decodes them together.

    engine = BatchEngine(model, tokenizer, max_batch=16)
    stream = engine.submit(prompt_ids, max_new_tokens=256, temperature=0.0, stop_ids={eos_id})
    for text in stream:  # one piece of text per generated token, as it is generated
        ...              # (or `async for`: no thread waits for the tokens)
    stream.tokens        # tokens generated so far
    stream.cancel()      # the reader left: the engine drops the sequence at its next step
    engine.stats         # forwards: prefills, decode steps, rows decoded per step
    engine.close()

This is what bench.gpu measures with: a stream's time to first token is the wait for its first
item, its tokens/s is `stream.tokens` over the time after that, and the total of N concurrent
streams is the sum of their tokens over the wall time.

One thread owns the model. Each turn it retires the sequences that ended or were cancelled,
admits waiting requests (up to `max_batch` sequences, and `prefill_tokens` padded prompt tokens
a turn) with one left-padded prefill forward that also gives their first tokens, then runs one
decode forward over every sequence: a request that arrives while others decode joins them at the
next turn. Keys and values live in app.rag.local_kv: GrowingKV by default, FixedKV with
`compile=True` on CUDA, where the decode step is compiled (torch.compile, mode
"reduce-overhead": CUDA graphs over buffers of fixed shape; if compiling fails the engine logs it
and decodes eagerly). Greedy text of a request decoded beside others equals its text alone (the
masks and positions make padding invisible; tested in fp32, where bf16 may break rare ties).

A forward that raises ends the streams it was serving with LocalGenerationError, and the engine
goes on with the next requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections import Counter, deque
from collections.abc import AsyncIterator, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from app.rag.local_kv import FixedKV, GrowingKV

log = logging.getLogger(__name__)
_END = object()  # a request's queue: no more tokens


class LocalGenerationError(RuntimeError):
    """The local model failed while generating this stream."""


@dataclass
class EngineStats:
    """What the engine did: forwards, and how many sequences each decode step carried."""

    prefills: int = 0
    steps: int = 0
    tokens: int = 0
    rows: Counter[int] = field(default_factory=Counter)


class _Outbox:
    """A request's tokens from the engine thread to one reader, threaded or on an event loop."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._ready = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def put(self, item: Any) -> None:
        with self._ready:
            self._items.append(item)
            self._ready.notify()
            loop, event = self._loop, self._event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # that loop is closed: its reader is gone
                loop.call_soon_threadsafe(event.set)

    def get(self) -> Any:
        with self._ready:
            while not self._items:
                self._ready.wait()
            return self._items.popleft()

    async def aget(self) -> Any:
        while True:
            with self._ready:
                if self._items:
                    return self._items.popleft()
                if self._event is None:
                    self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
                self._event.clear()
            await self._event.wait()


@dataclass(eq=False)
class _Request:
    prompt: list[int]
    max_new: int
    temperature: float
    stop_ids: frozenset[int]
    out: _Outbox = field(default_factory=_Outbox)
    cancelled: threading.Event = field(default_factory=threading.Event)
    generated: int = 0
    last: int = 0
    done: bool = False

    def finish(self, error: BaseException | None = None) -> None:
        if not self.done:
            self.done = True
            self.out.put(_END if error is None else error)


class _Text:
    """Token ids to text as they come: a piece per token, holding back half a character."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer, self.ids, self.printed = tokenizer, list[int](), 0

    def add(self, token: int | None) -> str:
        if token is not None:
            self.ids.append(token)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if token is not None and text.endswith("\ufffd"):
            return ""  # a character cut between tokens: wait for its end
        piece, self.printed = text[self.printed :], len(text)
        if text.endswith("\n"):  # start again: decoding stays short on long answers
            self.ids, self.printed = [], 0
        return piece


class Stream(Iterator[str], AsyncIterator[str]):
    """One request's text, a piece per generated token, read with `for` or `async for`;
    cancel() (or close()) stops it."""

    def __init__(self, request: _Request, tokenizer: Any) -> None:
        self._request, self._text, self._ended = request, _Text(tokenizer), False
        self.tokens = 0

    def __next__(self) -> str:
        while not self._ended:
            piece = self._read(self._request.out.get())
            if piece is not None:
                return piece
        raise StopIteration

    async def __anext__(self) -> str:
        while not self._ended:
            piece = self._read(await self._request.out.aget())
            if piece is not None:
                return piece
        raise StopAsyncIteration

    def _read(self, item: Any) -> str | None:
        """The text an item from the engine adds, or None when it adds none and ends."""
        if isinstance(item, BaseException):
            self._ended = True
            raise LocalGenerationError(f"local generation failed: {item!r}") from item
        if item is _END:
            self._ended = True
            return self._text.add(None) or None
        self.tokens += 1
        return self._text.add(item)

    def cancel(self) -> None:
        """Stop generating: the engine drops this sequence before its next step."""
        self._request.cancelled.set()

    @property
    def cancelled(self) -> bool:
        """Whether the reader asked to stop."""
        return self._request.cancelled.is_set()

    close = cancel


class BatchEngine:
    """Decodes every submitted request in one batch, on one thread that owns the model."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_batch: int = 16,
        prefill_tokens: int = 16_384,
        layout: str = "growing",
        columns: int | None = None,
        compile: bool = False,
    ) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.max_batch, self.prefill_tokens = max_batch, prefill_tokens
        config = (
            model.config.get_text_config()
            if hasattr(model.config, "get_text_config")
            else model.config
        )
        self.device, self.dtype = model.device, model.dtype
        self.layers = int(config.num_hidden_layers)
        positions = int(getattr(config, "max_position_embeddings", 0) or 1 << 20)
        if compile and self.device.type != "cuda":
            log.info("compiling the decode step is for CUDA: decoding eagerly on %s", self.device)
            compile = False
        self.kv: GrowingKV | FixedKV
        if layout == "fixed" or compile:
            # The buffers' width is the longest prompt plus answer a request may have.
            self.context = min(positions, columns or 4096)
            self.kv = FixedKV(config, max_batch, self.context, self.dtype, self.device)
        else:
            self.context = positions
            self.kv = GrowingKV(self.layers, self.dtype, self.device)
        self.pad_id = int(tokenizer.pad_token_id or tokenizer.eos_token_id or 0)
        self._cache_arg = _cache_argument(model)
        self._step = self._forward_decode
        if compile:
            self._step = torch.compile(self._forward_decode, mode="reduce-overhead")
        self.stats = EngineStats()
        self._owners: list[_Request | None] = []
        self._prefilling: list[_Request] = []
        self._waiting: deque[_Request] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="local-llm-engine", daemon=True)
        self._thread.start()
        if compile:  # compiled and captured now, not in the first reader's time
            "".join(self.submit([self.pad_id] * 8, 4))
            self.stats = EngineStats()

    def submit(
        self,
        prompt: list[int],
        max_new_tokens: int,
        temperature: float = 0.0,
        stop_ids: Collection[int] = (),
    ) -> Stream:
        """Queue a prompt; its stream of text pieces, one per token as they are generated."""
        if not prompt or max_new_tokens < 1:
            raise ValueError("a request needs a prompt and at least one new token")
        if len(prompt) + max_new_tokens > self.context:
            raise ValueError(
                f"{len(prompt)} prompt tokens and {max_new_tokens} new ones exceed the "
                f"engine's context of {self.context}"
            )
        request = _Request(list(prompt), max_new_tokens, temperature, frozenset(stop_ids))
        with self._wake:
            if self._closed:
                raise RuntimeError("the local model engine is closed")
            self._waiting.append(request)
            self._wake.notify()
        return Stream(request, self.tokenizer)

    def close(self) -> None:
        """Stop the engine thread; streams still open end with LocalGenerationError."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        with torch.no_grad():
            while True:
                with self._wake:
                    while not (self._closed or self._waiting or self._live()):
                        self._wake.wait()
                    if self._closed:
                        break
                try:
                    self._turn()
                except Exception as exc:  # every stream must end, or its reader waits forever
                    log.exception("local generation failed")
                    self._fail(exc)
        with self._wake:
            waiting, self._waiting = list(self._waiting), deque()
        self._fail(RuntimeError("the local model engine was closed"), waiting)

    def _live(self) -> bool:
        return any(o is not None for o in self._owners)

    def _turn(self) -> None:
        self._retire()
        self._admit()
        self._retire()  # a request may end at its first token
        if self._live():
            self._decode()

    def _retire(self) -> None:
        gone = [i for i, o in enumerate(self._owners) if o and (o.done or o.cancelled.is_set())]
        for i in gone:
            self._owners[i].finish()  # type: ignore[union-attr]
        if gone:
            self._owners = self.kv.remove(gone, self._owners)

    def _next_group(self) -> list[_Request]:
        """Waiting requests for one prefill: within the free rows and the token budget."""
        room = min(self.max_batch - sum(o is not None for o in self._owners), self.kv.free())
        group: list[_Request] = []
        with self._wake:
            while self._waiting and len(group) < room:
                head = self._waiting[0]
                if head.cancelled.is_set():
                    self._waiting.popleft().finish()
                    continue
                width = max(len(r.prompt) for r in [*group, head])
                if group and width * (len(group) + 1) > self.prefill_tokens:
                    break
                group.append(self._waiting.popleft())
        return group

    def _admit(self) -> None:
        group = self._prefilling = self._next_group()
        if not group:
            return
        width = max(len(r.prompt) for r in group)
        ids = torch.full((len(group), width), self.pad_id, dtype=torch.long)
        valid = torch.zeros((len(group), width), dtype=torch.bool)
        for row, request in enumerate(group):
            ids[row, width - len(request.prompt) :] = torch.tensor(request.prompt)
            valid[row, width - len(request.prompt) :] = True
        fresh = GrowingKV(self.layers, self.dtype, self.device)
        mask, positions = fresh.open(valid.to(self.device))
        logits = self._forward(ids.to(self.device), positions, mask, fresh.cache())
        fresh.close(width)
        self.stats.prefills += 1
        self._emit(list(group), logits)
        self._owners = self.kv.admit(fresh, self._owners, list(group))
        self._prefilling = []

    def _decode(self) -> None:
        rows = self._owners
        ids = torch.tensor([[o.last if o else self.pad_id] for o in rows], device=self.device)
        live = torch.tensor([[o is not None] for o in rows], device=self.device)
        mask, positions = self.kv.open(live)
        try:
            logits = self._step(ids, positions, mask)
        except Exception:
            if self._step == self._forward_decode:
                raise
            log.warning("the compiled decode step failed: decoding eagerly", exc_info=True)
            self._step = self._forward_decode
            logits = self._step(ids, positions, mask)
        self.kv.close(1)
        self.stats.steps += 1
        self.stats.rows[sum(o is not None for o in rows)] += 1
        self._emit(rows, logits)

    def _forward(self, ids: Any, positions: Any, mask: Any, cache: Any) -> torch.Tensor:
        """Logits of each row's last position (the rest of the vocabulary logits never exist)."""
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self._cache_arg: cache},
        )
        return out.logits[:, -1, :].float()

    def _forward_decode(self, ids: Any, positions: Any, mask: Any) -> torch.Tensor:
        return self._forward(ids, positions, mask, self.kv.cache())

    def _emit(self, rows: list[_Request | None], logits: torch.Tensor) -> None:
        """Each row's next token to its stream; a stop token, the cap or a cancel ends it."""
        for request, token in zip(rows, _sample(logits, rows), strict=True):
            if request is None or request.done:
                continue
            if token in request.stop_ids or request.cancelled.is_set():
                request.finish()
                continue
            request.out.put(token)
            request.last, request.generated = token, request.generated + 1
            self.stats.tokens += 1
            if request.generated >= request.max_new:
                request.finish()

    def _fail(self, error: BaseException, also: Collection[_Request] = ()) -> None:
        """End every stream in flight with the error and start again with empty keys."""
        for request in [*self._prefilling, *also]:
            request.finish(error)
        self._prefilling = []
        gone = [i for i, o in enumerate(self._owners) if o is not None]
        for i in gone:
            self._owners[i].finish(error)  # type: ignore[union-attr]
        self._owners = self.kv.remove(gone, self._owners) if gone else self._owners


def _sample(logits: torch.Tensor, rows: list[_Request | None]) -> list[int]:
    """Greedy for rows at temperature 0, sampled at their own temperature otherwise."""
    chosen = logits.argmax(-1)
    temperatures = [r.temperature if r else 0.0 for r in rows]
    if any(t > 0 for t in temperatures):
        scale = torch.tensor(temperatures, device=logits.device).clamp(min=1e-5)[:, None]
        drawn = torch.multinomial(torch.softmax(logits / scale, dim=-1), 1)[:, 0]
        hot = torch.tensor([t > 0 for t in temperatures], device=logits.device)
        chosen = torch.where(hot, drawn, chosen)
    return [int(t) for t in chosen.tolist()]


def _cache_argument(model: Any) -> str:
    """The forward's name for the KV cache: `cache` in newer transformers, else the old one."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
