"""The answer chain: retrieve, fill the hidden prompt, ask the model, fall back to extraction."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, TypeVar

import anyio
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.chain.canonical import CanonicalTokens
from app.chain.facts import ContractFacts
from app.chain.tx.models import TransactionFacts
from app.core.blocking import off_loop
from app.evm.addresses import near_misses
from app.i18n.catalog import N_, _, spoken
from app.i18n.language import Language, detect
from app.kb.embeddings import Embedder
from app.kb.models import ScoredChunk
from app.kb.retriever import Retrieval, Retriever
from app.kb.vector_cache import VectorCache, new_question
from app.rag.address_answer import AddressEvidence, address_lead, onchain_prompt
from app.rag.authority import Review, TokenAuthority
from app.rag.context import Source, build_context, number_sources
from app.rag.coverage import Coverage, judge
from app.rag.decline import declined, refuses
from app.rag.entities import EntityFinder
from app.rag.extractive import extractive_answer
from app.rag.followup import Reading, advance, learn, read, replay
from app.rag.grounding import known_addresses
from app.rag.leakguard import LeakGuard, guarded_prompt
from app.rag.leakledger import LeakLedger
from app.rag.leakmatch import Account
from app.rag.llm import LLMHealth
from app.rag.notices import near_miss_lead, near_miss_warnings, nothing_else_asked
from app.rag.onchain import OnchainFacts, onchain_sources
from app.rag.original import Original, OriginalFirst
from app.rag.output import OutputFilter
from app.rag.outputcap import CUT_WARNING as OUTPUT_CAP_WARNING
from app.rag.outputcap import capped
from app.rag.prompts import Prompts
from app.rag.subject import Subject
from app.rag.transactions import (
    TransactionReads,
    addresses,
    hashes_asked,
    transaction_answer,
    transaction_block,
    transaction_sources,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

LEAK_REPLACEMENT = N_("I can't share my instructions. Ask me about a protocol, contract or event.")
# How the model is told which language to answer in (app/prompts/answer_language.md).
ANSWER_LANGUAGES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}


def in_language(system: str, prompts: Prompts, language: Language) -> str:
    """The system prompt with the rule that names the language the answer is written in."""
    rule = prompts.render("answer_language", language=ANSWER_LANGUAGES[language])
    return f"{system}\n\n{rule}"


CUT_WARNING = N_("the answer was cut: it repeated the service's hidden instructions")


@dataclass
class Answer:
    """An answer with the sources it rests on."""

    answer: str
    sources: list[Source]
    mode: Literal["llm", "extractive"]
    warnings: list[str] = field(default_factory=list)
    onchain: list[ContractFacts] = field(default_factory=list)
    # Addresses the answer names that no source, question or on-chain fact contains.
    unverified: list[str] = field(default_factory=list)
    # The leak guard stopped the answer: a stream was cut there, a whole answer replaced.
    cut: bool = False
    # False when the knowledge base does not cover the question (app/rag/coverage.py).
    answerable: bool = True
    # What the conversation is about after this answer, for the session to keep.
    subject: Subject | None = None
    # The language the answer is written in: the question's, or the one the caller asked for.
    language: Language = "en"
    # Transactions the question named, decoded from the node (their cards on the page).
    transactions: list[TransactionFacts] = field(default_factory=list)
    # The question and a word-piece counter, for `usage`: counted only when a route reports it
    # (the OpenAI-compatible one), not for every answer.
    question: str = ""
    counter: Callable[[str], int] | None = field(default=None, repr=False, compare=False)

    @property
    def usage(self) -> dict[str, int]:
        """Word-piece counts of the question and the answer (the retrieved context not counted)."""
        if self.counter is None:
            return {}
        prompt_tokens = self.counter(self.question)
        completion_tokens = max(self.counter(self.answer) - 2, 0)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }


History = list[tuple[str, str]]  # (role, text) pairs, role "user" or "assistant"


@dataclass
class Sources:
    """A stream's first event: the sources the answer rests on, sent before any text."""

    sources: list[Source]


@dataclass
class Evidence:
    """What one answer rests on, gathered before any text is written (AnswerService.gather)."""

    question: str
    query: str  # the question made standalone, for retrieval
    history: History
    filters: dict[str, Any] | None
    reading: Reading
    turned: Subject  # what the conversation is about once this question is asked
    retrieval: Retrieval
    original: Original | None
    facts: list[ContractFacts]
    kb_sources: list[Source]
    sources: list[Source]  # the documents', then the on-chain facts', then the curated list's
    numbers: dict[str, int]  # a document's key -> its source number
    review: Review | None
    warnings: list[str]
    opening: str  # a near-missed address, said first
    first_line: str  # the original of a symbol many tokens share
    known: set[str]  # addresses an answer may name without being marked unverified
    coverage: Coverage
    # Transactions the question names (or its follow-up points back at), decoded from the node.
    transactions: list[TransactionFacts] = field(default_factory=list)
    tx_sources: list[Source] = field(default_factory=list)

    @property
    def hits(self) -> list[ScoredChunk]:
        """The retrieved chunks an answer quotes or the model reads."""
        return self.retrieval.hits

    @property
    def about_addresses(self) -> AddressEvidence:
        """What the address block is built from (the question made standalone asks)."""
        return AddressEvidence(
            self.query,
            self.retrieval,
            self.facts,
            self.sources,
            self.warnings,
            self.filters,
            self.review,
        )


class AnswerService:
    """Answers questions from the knowledge base, with or without a language model."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        prompts: Prompts,
        llm: BaseChatModel | None,
        top_k: int = 5,
        max_tokens: int = 800,
        onchain: OnchainFacts | None = None,
        timeout_s: float = 30.0,
        use_retrieval: bool = True,
        max_output_chars: int = 20_000,
        decline_uncovered: bool = True,
        sentences: VectorCache | None = None,
        transactions: TransactionReads | None = None,
    ) -> None:
        self.retriever = retriever
        self.transactions = transactions
        self.embedder = embedder
        self.prompts = prompts
        self.llm = llm
        self.top_k = top_k
        self.max_tokens = max_tokens
        self.max_output_chars = max_output_chars
        self.onchain = onchain
        self.timeout_s = timeout_s
        self.use_retrieval = use_retrieval
        # Say "not covered" instead of answering when retrieval found nothing that answers.
        self.decline_uncovered = decline_uncovered
        # Sentence and chunk vectors computed once (at ingestion or first use), not per question.
        self.sentences = sentences
        self.health = LLMHealth()
        # A per-process marker inside the hidden prompt: seeing it in a reply is a leak.
        self.canary = secrets.token_hex(8)
        # The guard knows the prompt's fixed part and its Chinese translation: a reply giving
        # the rules in Chinese is as much a leak (app/prompts/system_zh.md).
        self.guard = LeakGuard(guarded_prompt(prompts, self.canary), self.canary)
        self.ledger = LeakLedger()  # how much of the prompt each session and caller was sent
        # The curated token list outranks every document on which address a token has.
        self.authority = (
            TokenAuthority(onchain.canonical, onchain.default_chain) if onchain else None
        )
        # Of the tokens sharing a symbol, the original leads (app/rag/original.py).
        self.originals = (
            OriginalFirst(onchain.canonical, onchain.default_chain, retriever.store)
            if onchain
            else None
        )
        self.entities = EntityFinder(onchain.canonical if onchain else CanonicalTokens.load())

    async def answer(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        history: History | None = None,
        max_tokens: int | None = None,
        ledger_keys: Sequence[str] = (),
        subject: Subject | None = None,
        language: Language | None = None,
    ) -> Answer:
        """Answer one question; a failing model degrades to an extractive answer.

        The whole reply is checked before any of it is returned: a leak seen at its end
        replaces all of it.
        """
        events = self.stream(
            question,
            filters,
            history,
            max_tokens,
            ledger_keys,
            whole=True,
            subject=subject,
            language=language,
        )
        async for event in events:
            if isinstance(event, Answer):
                return event
        raise RuntimeError("answer stream ended without an answer")  # pragma: no cover

    async def stream(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        history: History | None = None,
        max_tokens: int | None = None,
        ledger_keys: Sequence[str] = (),
        whole: bool = False,
        subject: Subject | None = None,
        language: Language | None = None,
    ) -> AsyncIterator[str | Sources | Answer]:
        """The sources as soon as the evidence is in, text deltas as they are written, then the
        whole Answer.

        Every delta has passed the output checks (app/rag/output.py): the hidden prompt is
        recognised before any of it is sent and the reply is cut, unsafe markup is removed and
        addresses found in no source are marked. The service's own words are in `language`, by
        default the question's (app/i18n).
        """
        spoken_in = language or detect(question)
        events = self._stream(
            question, filters, history, max_tokens, ledger_keys, whole, subject, spoken_in
        )
        async for event in spoken(spoken_in, events):
            yield event

    async def _stream(
        self,
        question: str,
        filters: dict[str, Any] | None,
        history: History | None,
        max_tokens: int | None,
        ledger_keys: Sequence[str],
        whole: bool,
        subject: Subject | None,
        language: Language,
    ) -> AsyncIterator[str | Sources | Answer]:
        evidence = await self.gather(question, filters, history or [], subject)
        yield Sources(evidence.sources if evidence.coverage.answerable else [])
        prior = await off_loop(self.ledger.blocks, self.ledger.prior, ledger_keys)
        reply = _Reply(self, evidence, ledger_keys, prior, whole, language)
        if not evidence.coverage.answerable:
            async for event in reply.declined():
                yield event
            return
        reason = _("no language model is configured")
        if self.llm is not None:
            async for event in self._generate(reply, max_tokens):
                yield event
            if reply.finished:
                return
            reason = _("the language model was unavailable")  # said once, by the first line
        async for event in self._extract(reply, reason):
            yield event

    async def gather(
        self,
        question: str,
        filters: dict[str, Any] | None,
        history: History,
        subject: Subject | None,
    ) -> Evidence:
        """Everything an answer rests on, before any text is written: the standalone query,
        retrieval, on-chain facts, the curated list's review, the sources and the coverage."""
        new_question()  # the question is embedded once, whichever step asks first
        # `subject` is the session's; a history a client keeps itself is read for one.
        # Read, retrieved and matched in the documents' English words (a Chinese question's
        # terms by the glossary); the question itself is what the model answers.
        reading = self.reading(question, history, subject)
        query = self.retriever.english(await self.standalone(question, history, reading))
        retrieval = Retrieval([])  # closed book: the model alone, for comparisons
        if self.use_retrieval:
            retrieval = await anyio.to_thread.run_sync(
                self.retriever.retrieve, query, self.top_k, filters
            )
        original = (
            self.originals.pick(query, retrieval.hits, retrieval.chains, filters)
            if self.originals and self.use_retrieval
            else None
        )
        if self.originals and original:  # a symbol many chains carry: the original's documents
            retrieval.hits = await anyio.to_thread.run_sync(
                self.originals.first, original, retrieval.hits, filters, self.top_k
            )
        hits = retrieval.hits
        kb_sources = number_sources(hits)
        warnings = list(retrieval.warnings)
        # Something written as an address that is not one is said first, never answered around.
        misses = near_misses(question)
        warnings += near_miss_warnings(misses)
        opening = near_miss_lead(misses)
        opening += "\n\n" if opening else ""
        if nothing_else_asked(question, misses):  # no document is about it: none is quoted
            retrieval.hits = hits = []
            kb_sources = []
        # The user's words ground an address; the model's rewrite of them (query) never does.
        said = [text for role, text in history if role == "user"]
        named = reading.named
        hashes = hashes_asked(question, said, named.names) if self.transactions else []
        txs: list[TransactionFacts] = []
        if self.transactions and hashes:
            txs, failed_txs = await self.transactions.read(hashes, retrieval, filters)
            warnings += failed_txs
            warnings += [f"{t.hash}: {w}" for t in txs for w in t.warnings]
        if txs:  # the transaction is what is asked about: documents are not quoted around it
            retrieval.hits = hits = []
            kb_sources = []
        facts: list[ContractFacts] = []
        if self.onchain is not None:
            facts, failed = await self.onchain.lookup(retrieval, filters)
            warnings += failed
            warnings += [f"{f.address}: {w}" for f in facts for w in f.warnings]
        turned = advance(reading, self.entities, hits, facts)
        chain_sources = onchain_sources(facts, len(kb_sources) + 1)
        tx_sources = transaction_sources(txs, len(kb_sources) + len(chain_sources) + 1)
        sources = kb_sources + chain_sources + tx_sources
        review = self.authority.review(question, hits, filters, query) if self.authority else None
        listed = review.cite(len(sources) + 1) if review else None
        sources += [listed] if listed else []
        first_line, list_source = (
            self.originals.lead(original, hits, sources)
            if self.originals and original and not (review and review.asked)
            else ("", None)
        )
        sources += [list_source] if list_source else []
        numbers = {s.doc_id: s.index for s in kb_sources}
        warnings += review.warnings(numbers) if review else []
        known = known_addresses(question, hits, facts, *said) | addresses(txs)
        # The real address a lookalike imitates is named by the warning, from a known source.
        known |= self.onchain.imitated(retrieval, filters) if self.onchain else set()
        known |= OriginalFirst.addresses(original) if first_line and original else set()
        # Decided from the evidence before any model is asked: an address or a live read is
        # always answered by what is known of it. A token symbol the question only seems to name
        # (the word "bond") is judged like any other word.
        anchored = bool(retrieval.addresses or misses or facts or hashes)
        coverage = Coverage(True)
        if self.use_retrieval and self.decline_uncovered:
            coverage = await anyio.to_thread.run_sync(
                judge, query, hits, self.embedder, anchored, self.sentences
            )
        return Evidence(
            question=question,
            query=query,
            history=history,
            filters=filters,
            reading=reading,
            turned=turned,
            retrieval=retrieval,
            original=original,
            facts=facts,
            kb_sources=kb_sources,
            sources=sources,
            numbers=numbers,
            review=review,
            warnings=warnings,
            opening=opening,
            first_line=first_line,
            known=review.ground(known) if review else known,
            coverage=coverage,
            transactions=txs,
            tx_sources=tx_sources,
        )

    async def _generate(self, reply: _Reply, max_tokens: int | None) -> AsyncIterator[str | Answer]:
        """The model's answer, checked as it streams; `reply.finished` stays False when the model
        could not be reached before writing anything (the caller falls back to extraction)."""
        assert self.llm is not None
        ev, out = reply.evidence, reply.out
        review = ev.review
        opening = ev.opening
        messages = self.prompts.chat.format_messages(
            context=build_context(ev.hits, ev.kb_sources, self.prompts),
            onchain=(review.prompt(ev.numbers, self.prompts) if review else "")
            + self._onchain_part(ev),
            question=ev.question,
            history=_history_messages(ev.history),
            canary=self.canary,
        )
        # Retrieval ran in English words; the answer is written in the question's language, or
        # the one the caller asked for.
        messages[0] = SystemMessage(
            content=in_language(messages[0].text, self.prompts, reply.language)
        )
        # A client may ask for fewer tokens than the configured cap, never more.
        limit = min(max_tokens or self.max_tokens, self.max_tokens)
        llm = self.llm.bind(max_completion_tokens=limit)
        cap = self.max_output_chars
        on_cut = partial(ev.warnings.append, _(OUTPUT_CAP_WARNING).format(limit=cap))
        model = self._within_deadline(capped(llm.astream(messages), cap, on_cut))
        try:
            async for chunk in model:
                ready = out.feed(opening + chunk.text)
                opening = ""  # fed with the first chunk: an unreachable model falls back
                if out.leaked:
                    async for event in reply.cut("llm", out.result.text):
                        yield event
                    return
                if ready:
                    yield ready
            rest = (out.feed(opening) if opening else "") + out.finish()
            correction = review.note(out.result.text, ev.numbers) if review else ""
            if correction:  # the model named a disputed address, or was asked about its token
                rest += out.feed(correction) + out.finish()
            if out.leaked:  # seen only at the end: an encoded run closes there
                async for event in reply.cut("llm", out.result.text):
                    yield event
                return
            if rest:
                yield rest
            self.health.succeeded()
            await reply.charge()
            final = reply.done("llm")
            reply.finished = True
            yield _unanswerable(final) if refuses(final.answer) else final
        except ModelFailure as failure:  # the endpoint's; the project's own errors propagate
            exc = failure.cause
            log.warning("LLM unavailable: %s", type(exc).__name__)
            self.health.failed(exc)
            if out.result.text or out.raw:
                note = "\n\n" + _("[the language model stopped answering]")
                # The held-back rest is checked like the rest; a leak in it is never sent.
                rest = out.finish()
                reply.finished = True
                yield rest + note
                ev.warnings.append(_("the language model stopped before the end of the answer"))
                yield reply.done("llm", out.result.text + note)

    async def _extract(self, reply: _Reply, reason: str) -> AsyncIterator[str | Answer]:
        """The extractive answer: the address block, then the retrieved sentences closest to
        the question."""
        ev, out = reply.evidence, reply.out
        review = ev.review
        lead = address_lead(ev.about_addresses, self.onchain, self.prompts)
        if ev.transactions:  # what the transaction did leads, fact by fact with its evidence
            told = transaction_answer(ev.transactions, ev.tx_sources)
            lead = f"{told}\n\n{lead}" if lead else told
        skip = review.contradicts if review else None
        text = await anyio.to_thread.run_sync(
            partial(
                extractive_answer,
                ev.reading.focus if ev.query == ev.reading.query else ev.query,
                ev.hits,
                ev.kb_sources,
                self.embedder,
                self.prompts,
                reason,
                lead,
                skip,
                cache=self.sentences,
            )
        )
        if review and review.asked:  # the token asked for: the list's address leads
            text = f"{review.lead(ev.numbers, self.prompts)}\n\n{text}"
        text = ev.opening + (f"{ev.first_line}\n\n" if ev.first_line else "") + text
        checked = out.feed(text) + out.finish()
        if out.leaked:  # a stored document carried the prompt: never quote it
            async for event in reply.cut("extractive", ""):
                yield event
            return
        await reply.charge()
        reply.finished = True
        yield checked
        yield reply.done("extractive")

    def _onchain_part(self, ev: Evidence) -> str:
        """The address block and the transactions' fenced facts, for the model's prompt."""
        addresses_part = onchain_prompt(ev.about_addresses, self.onchain, self.prompts)
        if not ev.transactions:
            return addresses_part
        told = transaction_block(ev.transactions, ev.tx_sources, self.prompts)
        # Without an address lookup the address block only says there was none.
        return f"{addresses_part}\n\n{told}" if ev.facts else told

    async def _within_deadline(self, chunks: AsyncIterator[T]) -> AsyncIterator[T]:
        """A model stream under one deadline: the first chunk (retries included) and each next
        one must arrive within the timeout, so a hung endpoint costs the timeout, not a multiple.

        Any error while getting the next chunk, the deadline's included, is a ModelFailure.
        Errors of the code that reads the chunks (the output checks) are not caught here: they
        are bugs, not an unavailable model, and must not flip readiness or become an extractive
        answer.
        """
        iterator = aiter(chunks)
        loop = asyncio.get_running_loop()
        try:
            # One deadline moved along, not a cancel scope per chunk (a model streams hundreds):
            # it runs only while the next chunk is awaited, never while the caller checks one.
            async with asyncio.timeout(None) as deadline:
                while True:
                    deadline.reschedule(loop.time() + self.timeout_s)
                    try:
                        chunk = await anext(iterator)
                    except StopAsyncIteration:
                        return
                    except Exception as exc:
                        raise ModelFailure(exc) from exc
                    if deadline.expired():  # a chunk came though the deadline had fired
                        raise ModelFailure(TimeoutError())
                    deadline.reschedule(None)
                    yield chunk
        except TimeoutError as exc:  # the deadline passed while a chunk was awaited
            raise ModelFailure(exc) from exc
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()

    def reading(self, question: str, history: History, subject: Subject | None = None) -> Reading:
        """The question read in the documents' words against its subject: the session's, else
        the one its history leads to."""
        english = self.retriever.english
        before = subject or replay(history, self.entities, english)
        return read(english(question), before, self.entities)

    async def standalone(
        self, question: str, history: History, reading: Reading | None = None
    ) -> str:
        """The follow-up rewritten with its history ("and on Arbitrum?"), for retrieval."""
        reading = reading or self.reading(question, history)
        # Without a model, a question that points back gets the subject's words; a new topic
        # stands alone. A model also puts a question in another language into English words.
        fresh = not history and reading.subject.empty
        fallback = question if fresh else reading.query
        if self.llm is None or (fresh and detect(question) == "en"):
            return fallback
        turns = "\n".join(f"{role}: {text[:1000]}" for role, text in history[-6:])
        about = reading.subject.describe() or "(nothing named yet)"
        prompt = self.prompts.render("condense", history=turns, question=question, subject=about)
        try:
            with anyio.fail_after(self.timeout_s):
                reply = await self.llm.ainvoke([HumanMessage(content=prompt)])
        except Exception as exc:  # the model is down: the plain join still retrieves well
            log.warning("condensing failed: %s", type(exc).__name__)
            self.health.failed(exc)
            return fallback
        self.health.succeeded()
        rewritten = reply.text.strip()
        return rewritten[:1000] or fallback


class _Reply:
    """One answer being written: its evidence, its output checks, and how it ends."""

    def __init__(
        self,
        service: AnswerService,
        evidence: Evidence,
        ledger_keys: Sequence[str],
        prior: Account,
        whole: bool,
        language: Language = "en",
    ) -> None:
        self.service = service
        self.language = language
        self.evidence = evidence
        self.ledger_keys = ledger_keys
        self.finished = False  # an Answer was (or is being) given: nothing falls back
        self.out = OutputFilter(
            service.guard,
            evidence.known,
            [s.url for s in evidence.sources if s.url],
            prior=prior,
            whole=whole,
        )

    def done(self, mode: Literal["llm", "extractive"], text: str | None = None) -> Answer:
        """The whole Answer: the checked text (or `text`), its sources, warnings and subject."""
        ev, checked = self.evidence, self.out.result
        embedder = self.service.embedder
        final = checked.text if text is None else text
        notes = ev.warnings + checked.warnings()
        about = learn(ev.turned, ev.reading, final, self.service.entities)
        return Answer(
            final,
            ev.sources,
            mode,
            notes,
            ev.facts,
            list(checked.unverified),
            subject=about,
            language=self.language,
            transactions=ev.transactions,
            question=ev.question,
            counter=embedder.count_tokens,
        )

    async def charge(self) -> None:
        """Record in the ledger what this answer sent (an owner's ledger: off the loop)."""
        ledger = self.service.ledger
        if self.out.scanner.covered:  # nothing matched: nothing to record, no round trip
            await off_loop(ledger.blocks, self.out.charge, ledger, self.ledger_keys)

    async def cut(
        self, mode: Literal["llm", "extractive"], sent: str
    ) -> AsyncIterator[str | Answer]:
        """What follows the text already sent when the leak guard stops the answer."""
        out = self.out
        log.warning("the answer repeated the system prompt; cut (%s)", out.scanner.reasons)
        await self.charge()
        tail = ("\n\n" if sent else "") + _(LEAK_REPLACEMENT)
        self.evidence.warnings.append(_(CUT_WARNING))
        final = self.done(mode, sent + tail)
        final.cut = True
        self.finished = True
        yield tail
        yield final

    async def declined(self) -> AsyncIterator[str | Answer]:
        """The knowledge base does not cover the question: said, with the nearest documents."""
        ev, out = self.evidence, self.out
        log.info("not covered (%s): %s", ev.coverage.reason, ev.coverage.missing)
        checked = out.feed(ev.opening + declined(ev.hits, self.service.prompts)) + out.finish()
        await self.charge()
        self.finished = True
        yield checked
        yield _unanswerable(self.done("extractive"))


class ModelFailure(Exception):
    """The language model's stream failed: transport, status, timeout, or its deadline."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


def _unanswerable(answer: Answer) -> Answer:
    """The answer marked as not covered: no source is listed for it."""
    answer.answerable = False
    answer.sources = []
    return answer


def _history_messages(history: History) -> list[BaseMessage]:
    return [
        HumanMessage(content=text) if role == "user" else AIMessage(content=text)
        for role, text in history
    ]
