import os

import pytest

from app.core.errors import ConfigError
from app.core.settings import (
    APISettings,
    BotSettings,
    ChainSettings,
    LLMSettings,
    load_concern,
    load_settings,
)


def test_defaults_load() -> None:
    settings = load_settings()
    assert settings.store.qdrant_url is None
    assert settings.llm.enabled is False
    assert settings.api.max_question_chars == 4000


def test_rpc_urls_parse_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTORAG_RPC_URLS", "Ethereum=http://127.0.0.1:8545, base=https://b.io")
    urls = ChainSettings().rpc_urls
    assert str(urls["ethereum"]) == "http://127.0.0.1:8545/"
    assert set(urls) == {"ethereum", "base"}


def test_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTORAG_LLM_BASE_URL", "not a url")
    monkeypatch.setenv("CRYPTORAG_RPC_URLS", "ethereum")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "CRYPTORAG_LLM_BASE_URL" in info.value.message
    assert "CRYPTORAG_RPC_URLS" in info.value.message


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text(
        "CRYPTORAG_LLM_BASE_URL=http://127.0.0.1:11434/v1\nCRYPTORAG_LLM_MODEL=llama3\n"
        "CRYPTORAG_DATA_DIR=/tmp/x\n"
    )
    settings = load_settings()
    assert settings.llm.model == "llama3"
    assert str(settings.store.data_dir) == "/tmp/x"


@pytest.mark.parametrize(
    ("env", "named"),
    [({"CRYPTORAG_LLM_MODEL": "llama3"}, "CRYPTORAG_LLM_MODEL"),
     ({"CRYPTORAG_LLM_API_KEY": "sk-x"}, "CRYPTORAG_LLM_API_KEY"),
     ({"CRYPTORAG_QDRANT_API_KEY": "k"}, "CRYPTORAG_QDRANT_API_KEY"),
     ({"CRYPTORAG_DEFAULT_CHAIN": "ethereum-classic"}, "CRYPTORAG_DEFAULT_CHAIN"),
     ({"CRYPTORAG_DEFAULT_CHAIN": "bitcoin"}, "CRYPTORAG_DEFAULT_CHAIN"),
     ({"CRYPTORAG_CHAT_TOP_K": "40", "CRYPTORAG_MAX_TOP_K": "20"}, "CRYPTORAG_CHAT_TOP_K")],
)  # fmt: skip
def test_settings_that_would_be_ignored_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert named in info.value.message


def test_default_chain_alias_becomes_the_chain_name() -> None:
    assert ChainSettings(default_chain="Arbitrum One", _env_file=None).default_chain == "arbitrum"


def test_keys_are_secrets() -> None:
    llm = LLMSettings(base_url="http://127.0.0.1:1/v1", api_key="sk-secret", _env_file=None)
    assert "sk-secret" not in repr(llm) and llm.api_key is not None
    assert llm.api_key.get_secret_value() == "sk-secret"
    assert APISettings(chat_top_k=20, max_top_k=20, _env_file=None).chat_top_k == 20


def test_overrides_win_without_touching_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTORAG_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("CRYPTORAG_LLM_MODEL", "keep")
    monkeypatch.setenv("CRYPTORAG_DEFAULT_TOP_K", "7")
    # Unset, the endpoint and the model are as if never given (no model without an endpoint).
    unset = {"CRYPTORAG_LLM_BASE_URL": "", "CRYPTORAG_LLM_MODEL": ""}
    settings = load_settings({**unset, "CRYPTORAG_DEFAULT_TOP_K": "3"})
    assert settings.llm.base_url is None and settings.llm.model == "gpt-4o-mini"
    assert settings.api.default_top_k == 3
    assert os.environ["CRYPTORAG_LLM_MODEL"] == "keep"
    assert load_settings().api.default_top_k == 7 and load_settings().llm.model == "keep"
    with pytest.raises(ConfigError) as info:
        load_settings({"CRYPTORAG_TOP_K": "3", "CRYPTORAG_MAX_TOP_K": "0"})
    assert "CRYPTORAG_TOP_K: no such setting" in info.value.message
    assert "CRYPTORAG_MAX_TOP_K: " in info.value.message


def test_the_bots_settings_are_worded_as_the_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTORAG_BOT_TIMEOUT_S", "-1")
    monkeypatch.setenv("CRYPTORAG_LLM_PROVIDER", "local")
    monkeypatch.setenv("CRYPTORAG_LOCAL_ADAPTER", "/x")
    with pytest.raises(ConfigError) as bots:
        load_concern(BotSettings)
    assert bots.value.message.startswith("invalid configuration:\n  CRYPTORAG_BOT_TIMEOUT_S: ")
    monkeypatch.setenv("CRYPTORAG_LLM_PROVIDER", "other")
    with pytest.raises(ConfigError) as llm:
        load_settings()
    assert "CRYPTORAG_LLM_PROVIDER: " in llm.value.message
