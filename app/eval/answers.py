"""Answer evaluation: each question asked through the chat path, its answer checked for facts.

Per kind: facts coverage (the share of a question's facts its answer contains), the share of
answers in the question's language (their own words: quotes, addresses and titles set aside,
app/eval/language.py), answers with an address found in no source (Answer.unverified, which must
stay empty), citation validity (every [n] points at a listed source) and latency. Several
configurations run side by side.

A question whose `history` holds only user turns is one turn of a conversation: the earlier turns
are asked first, as a client of /v1/chat with a session would ask them, and the question is asked
with their answers and the subject they left. Conversations are also reported per turn.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from app.core.settings import Settings, load_settings
from app.eval.address_checks import called_out, first_address_ok, ratio_line
from app.eval.language import in_language
from app.eval.metrics import percentile
from app.eval.quotes import documents, quotes
from app.eval.quotes import figures as quote_figures
from app.eval.quotes import lines as quote_lines
from app.eval.retrieval import doc_key
from app.eval.scratch import ingested
from app.kb.embeddings import Embedder
from app.rag.answer import Answer, History
from app.rag.subject import Subject
from app.services import Services

_CITATION = re.compile(r"\[(\d+)\]")


@dataclass
class AnswerQuestion:
    """A question, the facts a correct answer contains, and the turns before it, if any."""

    q: str
    facts: list[str]
    kind: str = "all"
    history: History = field(default_factory=list)
    gold: set[str] = field(default_factory=set)
    first_address: str | None = None  # the address an answer must name first (canonical kind)
    malformed: str | None = None  # what the question writes as an address but is not one
    answerable: bool = True  # false: the knowledge base does not cover it (off-topic kind)

    @property
    def turn(self) -> int:
        """Which turn of its conversation the question is (1 for a first question)."""
        return 1 + sum(role == "user" for role, _ in self.history)

    @property
    def replayed(self) -> bool:
        """Earlier turns given as questions only: they are asked to get their answers."""
        return bool(self.history) and all(role == "user" for role, _ in self.history)


@dataclass
class Graded:
    """How one answer fared."""

    coverage: float
    missing: list[str]
    unverified: list[str]
    citations_valid: bool
    latency_ms: float
    mode: str
    on_topic: float | None = None  # share of citations that point at a gold document
    first_ok: bool | None = None  # the first address named is the expected one
    called_out: bool | None = None  # the near miss opens the answer and is warned of
    answerable: bool = True  # the question's, as the dev set has it
    declined: bool = False  # the answer said the knowledge base does not cover it
    sources: int = 0
    quotes: int = 0  # extractive bullets
    not_verbatim: list[str] = field(default_factory=list)  # bullets not in their cited document
    in_language: bool = True  # its own words are in the question's language


@dataclass
class Tally:
    """Figures of one configuration on one group of questions."""

    graded: list[Graded] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Means, counts and latency percentiles."""
        n = len(self.graded)
        latencies = [g.latency_ms for g in self.graded]
        topical = [g.on_topic for g in self.graded if g.on_topic is not None]
        return {
            "n": n,
            "facts": round(sum(g.coverage for g in self.graded) / max(n, 1), 4),
            "complete": round(sum(g.coverage == 1.0 for g in self.graded) / max(n, 1), 4),
            "language": round(sum(g.in_language for g in self.graded) / max(n, 1), 4),
            "unverified": sum(bool(g.unverified) for g in self.graded),
            "citations_valid": round(sum(g.citations_valid for g in self.graded) / max(n, 1), 4),
            "on_topic": round(sum(topical) / len(topical), 4) if topical else 0.0,
            "extractive": sum(g.mode == "extractive" for g in self.graded),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
        } | _figures(self.graded)


def _figures(graded: list[Graded]) -> dict[str, float]:
    """The address checks' counts, then the quotes' and declines'."""
    return _address_figures(graded) | quote_figures(graded)


def _address_figures(graded: list[Graded]) -> dict[str, float]:
    """Counts of the canonical and near-miss checks, for the kinds that have them."""
    out: dict[str, float] = {}
    first = [g.first_ok for g in graded if g.first_ok is not None]
    if first:
        out |= {"first_address_n": len(first), "first_address_ok": sum(first)}
    near = [g.called_out for g in graded if g.called_out is not None]
    if near:
        out |= {"malformed_n": len(near), "called_out": sum(near)}
    return out


def load_questions(paths: Sequence[Path]) -> list[AnswerQuestion]:
    """Questions with facts from JSONL files of {q, facts, kind?, history?}; others skipped.

    `history` lists earlier turns: [role, text] pairs, or plain strings for user turns.
    """
    out = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if not row.get("facts") and row.get("answerable", True):
                continue
            history: History = [
                ("user", t) if isinstance(t, str) else (str(t[0]), str(t[1]))
                for t in row.get("history", [])
            ]
            out.append(
                AnswerQuestion(
                    row["q"],
                    list(row.get("facts", [])),
                    row.get("kind", "all"),
                    history,
                    set(row.get("gold", [])),
                    row.get("first_address"),
                    row.get("malformed"),
                    bool(row.get("answerable", True)),
                )
            )
    return out


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def grade(
    question: AnswerQuestion,
    answer: Answer,
    latency_ms: float,
    docs: Mapping[str, str] | None = None,
) -> Graded:
    """Facts found (case and spacing ignored), invented addresses and citations of one answer."""
    text = _flat(answer.answer)
    missing = [f for f in question.facts if _flat(f) not in text]
    citations = [int(n) for n in _CITATION.findall(answer.answer)]
    cited = set(citations)
    listed = {s.index for s in answer.sources}
    keys = {s.index: doc_key(s.source) for s in answer.sources}
    said, wrong = quotes(answer, docs or {})
    on_topic = (
        sum(keys.get(n) in question.gold for n in citations) / len(citations)
        if question.gold and citations
        else None
    )
    return Graded(
        # An off-topic question has no facts: its "facts" is whether it was declined.
        coverage=1 - len(missing) / len(question.facts)
        if question.facts
        else float(not answer.answerable),
        missing=missing,
        unverified=list(answer.unverified),
        citations_valid=cited <= listed,
        latency_ms=latency_ms,
        mode=answer.mode,
        on_topic=on_topic,
        first_ok=first_address_ok(answer, question.first_address)
        if question.first_address
        else None,
        called_out=called_out(answer, question.malformed) if question.malformed else None,
        answerable=question.answerable,
        declined=not answer.answerable,
        sources=len(answer.sources),
        quotes=said,
        not_verbatim=wrong,
        in_language=in_language(question.q, answer.answer, [s.title for s in answer.sources]),
    )


Said = tuple[str, ...]  # a conversation's questions so far
State = tuple[History, Subject | None]  # its messages, and what it is about


async def _ask_all(
    services: Services, questions: list[AnswerQuestion]
) -> list[tuple[Answer, float]]:
    """One after another in one event loop, as a client of /v1/chat would see them; the turns
    of a conversation in one session (each earlier turn asked once, however many rows share it).
    """
    out = []
    sessions: dict[Said, State] = {(): ([], None)}
    for question in questions:
        history: History = question.history
        subject: Subject | None = None
        said: Said = ()
        if question.replayed:
            said = tuple(text for _, text in question.history)
            history, subject = await _session(services, said, sessions)
        start = time.perf_counter()
        answer = await services.answers.answer(question.q, history=history, subject=subject)
        out.append((answer, (time.perf_counter() - start) * 1000))
        if question.replayed or not question.history:
            _keep(sessions, (*said, question.q), history, question.q, answer)
    return out


async def _session(services: Services, said: Said, sessions: dict[Said, State]) -> State:
    """The session state after these questions, asking those not asked yet."""
    done = max((n for n in range(len(said) + 1) if said[:n] in sessions), default=0)
    for n in range(done, len(said)):
        history, subject = sessions[said[:n]]
        answer = await services.answers.answer(said[n], history=history, subject=subject)
        _keep(sessions, said[: n + 1], history, said[n], answer)
    return sessions[said]


def _keep(
    sessions: dict[Said, State], said: Said, history: History, question: str, answer: Answer
) -> None:
    sessions[said] = ([*history, ("user", question), ("assistant", answer.answer)], answer.subject)


def evaluate(
    services: Services, questions: list[AnswerQuestion]
) -> tuple[dict[str, dict[str, float]], list[dict[str, object]]]:
    """Summaries per kind and overall, and the failures (a fact missing, an address or a [n])."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    failures: list[dict[str, object]] = []
    answers = anyio.run(_ask_all, services, questions)
    docs = documents(services)  # what each quote is checked against
    # A first question is a turn of a conversation when a later question continues it.
    openers = {q.history[0][1] for q in questions if q.history}
    for question, (answer, elapsed) in zip(questions, answers, strict=True):
        graded = grade(question, answer, elapsed, docs)
        tallies[question.kind].graded.append(graded)
        if question.answerable:  # "all" stays the answerable questions' facts
            tallies["all"].graded.append(graded)
        if question.history or question.q in openers:
            tallies[f"turn {question.turn}"].graded.append(graded)
        wrong_decline = graded.declined == question.answerable
        wrong = graded.unverified or not graded.citations_valid or not graded.in_language
        if graded.missing or wrong or wrong_decline:
            failures.append(
                {
                    "q": question.q,
                    "kind": question.kind,
                    "turn": question.turn,
                    "missing": graded.missing,
                    "unverified": graded.unverified,
                    "citations_valid": graded.citations_valid,
                    "declined": graded.declined,
                    "not_verbatim": graded.not_verbatim,
                    "in_language": graded.in_language,
                    "answer": answer.answer,
                }
            )
    kinds = sorted(tallies, key=_order)
    return {k: tallies[k].summary() for k in kinds}, failures


def _order(kind: str) -> tuple[int, int, str]:
    """Kinds by name, then turns in order ("turn 2" before "turn 10"), then all."""
    turn = kind.removeprefix("turn ")
    if turn.isdigit():
        return (1, int(turn), "")
    return (2 if kind == "all" else 0, 0, kind)


def parse_config(spec: str) -> tuple[str, dict[str, str]]:
    """NAME=KEY=VALUE[,KEY=VALUE...] -> (NAME, {KEY: VALUE}); an empty VALUE unsets KEY."""
    name, _, rest = spec.partition("=")
    if not name:
        raise ValueError(f"configuration {spec!r} needs a name: NAME=KEY=VALUE,...")
    env: dict[str, str] = {}
    for pair in filter(None, rest.split(",")):
        key, sep, value = pair.partition("=")
        if not sep or not key.startswith("CRYPTORAG_"):
            raise ValueError(f"{pair!r} in {spec!r} is not CRYPTORAG_KEY=VALUE")
        env[key] = value
    return name, env


Results = dict[str, dict[str, dict[str, float]]]


def run(
    configs: Mapping[str, Settings],
    corpora: Sequence[Path],
    question_files: Sequence[Path],
    embedder: Embedder | None = None,
) -> tuple[Results, dict[str, list[dict[str, object]]]]:
    """Each configuration over its own temporary store of the corpora: {config: {kind: ...}}."""
    questions = load_questions(question_files)
    results: Results = {}
    failures: dict[str, list[dict[str, object]]] = {}
    for name, settings in configs.items():
        with ingested(settings, corpora, embedder) as services:
            embedder = services.embedder  # loaded once, shared by the next configurations
            results[name], failures[name] = evaluate(services, questions)
    return results, failures


def configs_from_specs(specs: Sequence[str]) -> dict[str, Settings]:
    """Settings per named configuration: the environment's, with the configuration's overrides."""
    if not specs:
        return {"default": load_settings()}
    out: dict[str, Settings] = {}
    for spec in specs:
        name, overrides = parse_config(spec)
        out[name] = load_settings(overrides)
    return out


def format_table(results: Results) -> str:
    """One row per kind and configuration."""
    kinds = list(dict.fromkeys(k for by_kind in results.values() for k in by_kind))
    kinds.sort(key=_order)
    header = (
        f"{'kind':<12} {'config':<12} {'n':>4} {'facts':>6} {'complete':>8} {'language':>8} "
        f"{'unverif.':>8} "
        f"{'cites ok':>8} {'on-topic':>8} {'extract.':>8} {'p50 ms':>7} {'p95 ms':>7}"
    )
    lines = [header, "-" * len(header)]
    for kind in kinds:
        for name, by_kind in results.items():
            s = by_kind.get(kind)
            if s:
                lines.append(
                    f"{kind:<12} {name:<12} {int(s['n']):>4} {s['facts']:>6.3f} "
                    f"{s['complete']:>8.3f} {s['language']:>8.3f} {int(s['unverified']):>8} "
                    f"{s['citations_valid']:>8.3f} "
                    f"{s['on_topic']:>8.3f} {int(s['extractive']):>8} {s['p50_ms']:>7.1f} "
                    f"{s['p95_ms']:>7.1f}"
                )
    return "\n".join(lines + address_lines(results) + quote_lines(results))


def address_lines(results: Results) -> list[str]:
    """The canonical and near-miss figures of each configuration, over all kinds."""
    out = []
    for name, by_kind in results.items():
        s = by_kind.get("all", {})
        if s.get("first_address_n"):
            label = f"[{name}] first-address accuracy on canonical questions"
            out.append(ratio_line(label, s["first_address_ok"], s["first_address_n"]))
        if s.get("malformed_n"):
            label = f"[{name}] malformed addresses called out"
            out.append(ratio_line(label, s["called_out"], s["malformed_n"]))
    return out
