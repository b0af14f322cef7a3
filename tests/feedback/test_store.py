"""FeedbackStore on SQLite and on PostgreSQL: what the dataset builder reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from app.feedback.store import FeedbackStore


def test_ratings_come_back_oldest_first_with_everything_they_rate(sql_engine: Engine) -> None:
    store = FeedbackStore(sql_engine)
    before = datetime.now(UTC) - timedelta(seconds=1)
    up = store.add(
        "up",
        "What is WETH?",
        "Wrapped ether [1].",
        sources=[{"source": "weth.md", "title": "WETH", "url": None}],
        session_id="s" * 32,
        owner="abc123",
    )
    down = store.add("down", "q", "a", comment="wrong \x00 address")
    assert up != down
    got = store.list()
    assert [f.id for f in got] == [up, down]
    assert got[0].sources == [{"source": "weth.md", "title": "WETH"}]
    assert (got[0].session_id, got[0].owner, got[0].comment) == ("s" * 32, "abc123", None)
    assert got[1].comment == "wrong  address" and got[1].owner is None
    assert all(f.created_at and f.created_at >= before for f in got)
    assert store.list(since=datetime.now(UTC) + timedelta(seconds=5)) == []
    assert [f.id for f in store.list(since=before, limit=1)] == [up]


def test_a_second_rating_of_an_answer_replaces_the_first(sql_engine: Engine) -> None:
    store = FeedbackStore(sql_engine)
    first = store.add("up", "q", "a", comment="good", session_id="s", owner="k", turn_id=7)
    unbound = [store.add("up", "q", "a") for _ in range(2)]
    again = store.add("down", "q", "a", comment="wrong after all", session_id="s", turn_id=7)
    assert again == first
    got = {f.id: f for f in store.list()}
    assert set(got) == {first, *unbound}
    assert (got[first].rating, got[first].comment, got[first].turn_id) == (
        "down",
        "wrong after all",
        7,
    )
    assert got[first].bound and not got[unbound[0]].bound
