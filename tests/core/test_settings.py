import pytest

from app.core.errors import ConfigError
from app.core.settings import APISettings, ChainSettings, LLMSettings, load_settings


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
