import pytest

from app.core.errors import ConfigError
from app.core.settings import ChainSettings, load_settings


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
    (tmp_path / ".env").write_text("CRYPTORAG_LLM_MODEL=llama3\nCRYPTORAG_DATA_DIR=/tmp/x\n")
    settings = load_settings()
    assert settings.llm.model == "llama3"
    assert str(settings.store.data_dir) == "/tmp/x"
