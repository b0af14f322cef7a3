"""KeyStore on SQLite and on PostgreSQL: create, verify, revoke, list; secrets never stored."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from app.access.keys import KeyStore


def test_keys_verify_until_revoked_and_are_stored_hashed(sql_engine: Engine) -> None:
    store = KeyStore(sql_engine)
    assert not store.any_keys()
    bot, bot_secret = store.create("telegram bot", ["chat", "contracts"])
    ops, ops_secret = store.create("ops", ["admin"])
    with pytest.raises(ValueError, match="scopes"):
        store.create("bad", ["everything"])
    assert store.any_keys()
    found = store.verify(bot_secret)
    assert found is not None and found.key_id == bot.key_id
    assert found.allows("chat") and not found.allows("search")
    admin = store.verify(ops_secret)
    assert admin is not None and admin.allows("search")
    assert store.verify(bot_secret[:-1] + ("A" if bot_secret[-1] != "A" else "B")) is None
    assert store.verify("crk_nosuchkey_x") is None and store.verify("sk-other") is None
    assert store.revoke(bot.key_id) and not store.revoke("nosuchkey")
    revoked = store.verify(bot_secret)
    assert revoked is not None and revoked.revoked and not revoked.allows("chat")
    assert [(k.key_id, k.revoked) for k in store.list()] == [
        (bot.key_id, True),
        (ops.key_id, False),
    ]
    with sql_engine.connect() as conn:
        raw = str(conn.execute(text("SELECT * FROM api_keys")).all())
    assert bot.key_id in raw and bot_secret not in raw and ops_secret not in raw
