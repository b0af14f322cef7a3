"""SessionStore on SQLite and on PostgreSQL: ownership, expiry, the turn cap, purging, and the
subject a session keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from app.rag.context import Source
from app.rag.sessions import AnswerNotFound, SessionNotFound, SessionRow, SessionStore, TurnRow
from app.rag.subject import Entity, Subject

WETH = Source(index=1, source="weth.md", title="WETH", url="https://weth.io", score=0.9)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _rows(sql_engine: Engine, table: type[SessionRow] | type[TurnRow]) -> int:
    with sql_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_session_opens_only_for_its_owner(sql_engine: Engine) -> None:
    store = SessionStore(sql_engine)
    sid = store.new_id()
    assert len(sid) >= 32 and sid != store.new_id()
    store.append(sid, "key-a", "What is WETH?", "Wrapped ether [1].")
    assert store.history(sid, "key-a") == [
        ("user", "What is WETH?"),
        ("assistant", "Wrapped ether [1]."),
    ]
    for caller in ("key-b", None):
        with pytest.raises(SessionNotFound) as caught:
            store.history(sid, caller)
        assert caught.value.status == 404 and caught.value.code == "session_not_found"
        # A foreign caller cannot extend it either.
        with pytest.raises(SessionNotFound):
            store.append(sid, caller, "mine now?", "no")
    with pytest.raises(SessionNotFound) as unknown:
        store.history("user-42", "key-a")
    assert unknown.value.message == caught.value.message  # unknown and foreign look alike
    assert len(store.history(sid, "key-a")) == 2


def test_anonymous_sessions_are_nobody_elses(sql_engine: Engine) -> None:
    store = SessionStore(sql_engine)
    sid = store.new_id()
    store.append(sid, None, "q", "a")
    assert store.history(sid, None) == [("user", "q"), ("assistant", "a")]
    with pytest.raises(SessionNotFound):
        store.history(sid, "some-key")


def test_sessions_expire_unless_used(sql_engine: Engine) -> None:
    clock = Clock()
    store = SessionStore(sql_engine, ttl_s=3600, clock=clock)
    busy, idle = store.new_id(), store.new_id()
    store.append(busy, "k", "q1", "a1")
    store.append(idle, "k", "q1", "a1")
    for _ in range(3):  # each turn restarts busy's clock
        clock.now += timedelta(minutes=50)
        store.history(busy, "k")
        store.append(busy, "k", "again", "yes")
    with pytest.raises(SessionNotFound):
        store.history(idle, "k")
    with pytest.raises(SessionNotFound):
        store.check(idle, "k")
    assert len(store.history(busy, "k")) == 8
    # A new session purges the expired ones and their turns.
    store.append(store.new_id(), "k", "new", "session")
    assert _rows(sql_engine, SessionRow) == 2
    assert _rows(sql_engine, TurnRow) == 8 + 2
    clock.now += timedelta(hours=2)
    assert store.purge_expired() == 2
    assert _rows(sql_engine, SessionRow) == _rows(sql_engine, TurnRow) == 0


def test_only_the_newest_turns_are_kept(sql_engine: Engine) -> None:
    store = SessionStore(sql_engine, max_turns=3)
    sid, other = store.new_id(), store.new_id()
    store.append(other, "k", "other q", "other a")
    for n in range(5):
        store.append(sid, "k", f"q{n}", f"a{n}")
    assert store.history(sid, "k") == [
        (role, f"{letter}{n}")
        for n in (2, 3, 4)
        for role, letter in (("user", "q"), ("assistant", "a"))
    ]
    assert store.history(other, "k") == [("user", "other q"), ("assistant", "other a")]
    assert _rows(sql_engine, TurnRow) == 6 + 2


def test_nul_characters_do_not_break_the_store(sql_engine: Engine) -> None:
    store = SessionStore(sql_engine)
    sid = store.new_id()
    store.append(sid, None, "a\x00b", "c\x00d")  # PostgreSQL refuses NUL in text
    assert store.history(sid, None) == [("user", "ab"), ("assistant", "cd")]


def test_a_stored_answer_is_found_by_its_text_with_its_question_and_sources(
    sql_engine: Engine,
) -> None:
    store = SessionStore(sql_engine)
    sid, other = store.new_id(), store.new_id()
    store.append(sid, "key-a", "What is WETH?", "Wrapped ether [1].", [WETH])
    store.append(sid, "key-a", "And USDC?", "I don't know.")
    store.append(sid, "key-a", "And DAI?", "I don't know.")
    store.append(other, "key-b", "q", "Never said in sid.")
    found = store.answer(sid, "key-a", "Wrapped ether [1].")
    assert (found.session_id, found.question, found.answer) == (
        sid,
        "What is WETH?",
        "Wrapped ether [1].",
    )
    assert found.sources == [{"source": "weth.md", "title": "WETH", "url": "https://weth.io"}]
    # The same text twice: the one whose question matches, else the newest.
    assert store.answer(sid, "key-a", "I don't know.", " And USDC? ").question == "And USDC?"
    assert store.answer(sid, "key-a", "I don't know.").question == "And DAI?"
    assert store.answer(sid, "key-a", "I don't know.", "other").question == "And DAI?"
    for text in ("Wrapped ether [1]. ", "Never said in sid.", "What is WETH?"):
        with pytest.raises(AnswerNotFound) as caught:
            store.answer(sid, "key-a", text)
        assert caught.value.status == 404 and caught.value.code == "answer_not_found"
    with pytest.raises(SessionNotFound):
        store.answer(sid, "key-b", "Wrapped ether [1].")


def test_the_subject_is_kept_with_the_session_and_outlives_the_turn_cap(
    sql_engine: Engine,
) -> None:
    store = SessionStore(sql_engine, max_turns=1)
    sid = store.new_id()
    usdc = Subject((Entity("token", "USDC", "USDCoin", None, 1),), None, "What is USDC?", 1)
    store.append(sid, "key-a", "What is USDC?", "A stablecoin [1].", subject=usdc)
    assert store.conversation(sid, "key-a") == (
        [("user", "What is USDC?"), ("assistant", "A stablecoin [1].")],
        usdc,
    )
    on_base = usdc.with_chain("base")
    store.append(sid, "key-a", "and on Base?", "0x8335... [1].", subject=on_base)
    store.append(sid, "key-a", "decimals?", "6 [1].")  # no subject given: the stored one stays
    history, kept = store.conversation(sid, "key-a")
    assert [t for _, t in history] == ["decimals?", "6 [1]."]  # the cap dropped the first turns
    assert kept == on_base
    with pytest.raises(SessionNotFound):
        store.conversation(sid, "key-b")
    legacy = store.new_id()
    store.append(legacy, None, "q", "a")
    assert store.conversation(legacy, None)[1] is None  # stored before subjects were kept
