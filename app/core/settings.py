"""Validated configuration: one settings class per concern, all read from CRYPTORAG_* and .env."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AliasChoices,
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from app.core.errors import ConfigError
from app.evm.chains import CHAINS
from app.evm.chains import resolve as resolve_chain
from app.prompts import FOLDER as PROMPTS

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
S = TypeVar("S", bound=BaseSettings)


def _config() -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix="CRYPTORAG_", env_file=".env", extra="ignore", populate_by_name=True
    )


class StoreSettings(BaseSettings):
    """Where chunks and vectors live."""

    model_config = _config()

    data_dir: Path = Path("./data")
    qdrant_url: AnyHttpUrl | None = None
    qdrant_api_key: SecretStr | None = None
    collection: str = Field(default="cryptorag", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # HNSW search breadth, by recall@10 against exact search (bench.scale --recall,
    # docs/benchmarks.md): 1.00 at 512 with 100k points, but 0.88 at 512 and 0.96 at 1024 with
    # 1M (3.4 and 5.1 ms a query); the larger store decides.
    hnsw_ef: int = Field(default=1024, ge=4, le=4096)
    # Points written since the last index build before the embedded store builds HNSW again
    # (below it, exact search over the new points is fast enough).
    index_threshold: int = Field(default=20_000, ge=1)
    # A new collection on a Qdrant cluster: shards and copies of each (unset: server default).
    shards: int | None = Field(default=None, ge=1, le=1024)
    replication_factor: int | None = Field(default=None, ge=1, le=16)

    @model_validator(mode="after")
    def _key_needs_a_server(self) -> StoreSettings:
        """A Qdrant key without a Qdrant URL would be ignored: the embedded store needs none."""
        if self.qdrant_api_key is not None and self.qdrant_url is None:
            raise ValueError(
                "CRYPTORAG_QDRANT_API_KEY is set but CRYPTORAG_QDRANT_URL is not: the embedded "
                "store takes no key; set the server's URL, or unset the key"
            )
        return self

    @property
    def local_path(self) -> Path:
        """Folder of qdrant-client's local mode (the embedded store before Qdrant Edge)."""
        return self.data_dir / "qdrant"

    @property
    def edge_path(self) -> Path:
        """Folder of the embedded Qdrant Edge shard of this collection."""
        return self.data_dir / "edge" / self.collection


class EmbeddingSettings(BaseSettings):
    """Which embedding model encodes chunks and questions."""

    model_config = SettingsConfigDict(
        env_prefix="CRYPTORAG_EMBEDDING_", env_file=".env", extra="ignore"
    )

    model: str = DEFAULT_MODEL
    batch_size: int = Field(default=64, ge=1, le=4096)
    device: str | None = None
    # all-MiniLM-L6-v2 truncates at 256 word pieces; chunks are sized to fit.
    max_tokens: int = Field(default=256, ge=32, le=8192)
    # onnx: the model exported to ONNX on first use and run by onnxruntime; the default since
    # it kept MRR@10 within 0.01 of torch on the dev sets (docs/benchmarks.md). torch: the
    # vectors of stores made before; each backend has its own vector name, so they never mix.
    backend: Literal["torch", "onnx"] = "onnx"
    # ONNX weights: int8 (dynamic quantization of the matrix multiplications) or none (fp32).
    quantize: Literal["none", "int8"] = "int8"
    # ONNX: word pieces per padded batch; texts join a batch while it stays within this (a
    # longer text runs alone), and batch_size still caps its rows.
    batch_tokens: int = Field(default=1024, ge=32, le=1_000_000)
    # ONNX: threads per model call (0: onnxruntime's own choice, one per core, spinning while
    # idle). 1 lets concurrent requests share the cores (measured in docs/benchmarks.md).
    threads: int = Field(default=0, ge=0, le=256)
    # Where exported ONNX models are kept (unset: $XDG_CACHE_HOME or ~/.cache, /cryptorag/onnx).
    cache_dir: Path | None = None

    @model_validator(mode="after")
    def _quantize_needs_onnx(self) -> EmbeddingSettings:
        # Only a quantization asked for is refused with torch; the default applies to onnx only.
        asked = "quantize" in self.model_fields_set
        if asked and self.quantize != "none" and self.backend != "onnx":
            raise ValueError(
                "CRYPTORAG_EMBEDDING_QUANTIZE=int8 needs CRYPTORAG_EMBEDDING_BACKEND=onnx"
            )
        return self


class LLMSettings(BaseSettings):
    """The OpenAI-compatible chat endpoint; unset base_url means extractive answers."""

    model_config = SettingsConfigDict(env_prefix="CRYPTORAG_LLM_", env_file=".env", extra="ignore")

    base_url: AnyHttpUrl | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=800, ge=1, le=32_000)
    # Characters of model text one answer may hold; enforced on the stream itself, since an
    # endpoint may ignore max_tokens (one returned 1.5 million characters).
    max_output_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    temperature: float = Field(default=0.1, ge=0, le=2)
    # "openai": any OpenAI-compatible endpoint; "local": a transformers model (+ LoRA adapter).
    provider: Literal["openai", "local"] = "openai"
    local_model: Path | None = Field(
        default=None, validation_alias=AliasChoices("CRYPTORAG_LOCAL_MODEL", "local_model")
    )
    local_adapter: Path | None = Field(
        default=None, validation_alias=AliasChoices("CRYPTORAG_LOCAL_ADAPTER", "local_adapter")
    )
    # The adapter merged into the base weights at load (false: kept apart, as peft loads it).
    local_merge: bool = Field(
        default=True, validation_alias=AliasChoices("CRYPTORAG_LOCAL_MERGE", "local_merge")
    )
    # Answers the local model decodes together; more wait for a free row.
    local_batch: int = Field(
        default=16,
        ge=1,
        le=256,
        validation_alias=AliasChoices("CRYPTORAG_LOCAL_BATCH", "local_batch"),
    )
    # CUDA only: the decode step compiled (torch.compile, CUDA graphs) over fixed KV buffers of
    # local_context tokens a row (prompts are cut to fit with the answer). Ignored on CPU.
    local_compile: bool = Field(
        default=False, validation_alias=AliasChoices("CRYPTORAG_LOCAL_COMPILE", "local_compile")
    )
    local_context: int = Field(
        default=4096,
        ge=256,
        le=131_072,
        validation_alias=AliasChoices("CRYPTORAG_LOCAL_CONTEXT", "local_context"),
    )

    @model_validator(mode="after")
    def _local_needs_a_model(self) -> LLMSettings:
        """The local provider cannot start without a model folder."""
        if self.provider == "local" and self.local_model is None:
            raise ValueError("CRYPTORAG_LLM_PROVIDER=local needs CRYPTORAG_LOCAL_MODEL (a folder)")
        # A model or key with no endpoint would silently give extractive answers.
        given = sorted({"model", "api_key"} & self.model_fields_set)
        if self.provider == "openai" and self.base_url is None and given:
            names = " and ".join(f"CRYPTORAG_LLM_{g.upper()}" for g in given)
            raise ValueError(
                f"{names} {'are' if len(given) > 1 else 'is'} set but CRYPTORAG_LLM_BASE_URL is "
                "not: answers would be extractive; set the endpoint, or unset them"
            )
        return self

    @property
    def enabled(self) -> bool:
        """True when an endpoint or a local model is configured."""
        return self.base_url is not None or self.provider == "local"


class ChainSettings(BaseSettings):
    """JSON-RPC endpoints per chain name."""

    model_config = _config()

    rpc_urls: Annotated[dict[str, AnyHttpUrl], NoDecode] = Field(default_factory=dict)
    rpc_timeout_s: float = Field(default=5.0, gt=0, le=120)
    rpc_retries: int = Field(default=2, ge=0, le=10)
    # How long a head block number is reused; inspections are cached per block.
    block_ttl_s: float = Field(default=2.0, ge=0, le=600)
    # Which chain an address in a chat message is looked up on when the message names none.
    default_chain: str = "ethereum"
    max_chat_lookups: int = Field(default=3, ge=0, le=10)
    # Token-risk checks: no new round trip starts after this many seconds of an inspection's checks
    # (the rest say "unknown"); Transfer logs are read in pages of blocks, all in one batch, back
    # from the head, and at most log_max_holders of their recipients have their balances read.
    checks_budget_s: float = Field(default=4.0, gt=0, le=60)
    log_page_blocks: int = Field(default=2_000, ge=1, le=100_000)
    log_pages: int = Field(default=5, ge=1, le=50)
    log_max_holders: int = Field(default=100, ge=1, le=1_000)

    @field_validator("rpc_urls", mode="before")
    @classmethod
    def _parse_pairs(cls, value: Any) -> Any:
        """Accept `ethereum=http://...,base=https://...` as well as a mapping."""
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in value.split(","))):
            name, sep, url = item.partition("=")
            if not sep or not name.strip() or not url.strip():
                raise ValueError(
                    f"CRYPTORAG_RPC_URLS entry {item!r} must look like chain=https://rpc.example"
                )
            pairs[name.strip().lower()] = url.strip()
        return pairs

    @field_validator("default_chain")
    @classmethod
    def _known_chain(cls, value: str) -> str:
        """An alias ("mainnet") becomes the chain's name, which payloads and lookups key by."""
        chain = resolve_chain(value)
        if chain is None or chain.chain_id is None:
            names = ", ".join(c.name for c in CHAINS if c.chain_id is not None)
            raise ValueError(
                f"CRYPTORAG_DEFAULT_CHAIN={value!r} is no known EVM chain; use one of {names}"
            )
        return chain.name


class FetchSettings(BaseSettings):
    """What URL fetching may reach."""

    model_config = _config()

    fetch_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_timeout_s: float = Field(default=15.0, gt=0, le=300)
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    # Politeness: at least this long between two requests to one host.
    fetch_host_delay_s: float = Field(default=1.0, ge=0, le=60)
    fetch_retries: int = Field(default=3, ge=0, le=10)

    @field_validator("fetch_allowlist", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """Accept a comma-separated list of hosts or CIDRs."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @cached_property
    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The CIDR entries of the allowlist."""
        nets = []
        for entry in self.fetch_allowlist:
            try:
                nets.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
        return nets


class IngestSettings(BaseSettings):
    """What one ingestion run takes in."""

    model_config = _config()

    # Items taken from one feed; a feed that publishes more is cut here, with the reason.
    feed_max_items: int = Field(default=200, ge=1, le=100_000)
    # Files with more than one hard link are refused: another name may lie outside the folder.
    ingest_allow_hard_links: bool = False


class APISettings(BaseSettings):
    """HTTP service limits and defaults."""

    model_config = _config()

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Server processes answering requests; above 1, `serve` keeps the embedded store in its own
    # process and the workers call it (app/kb/store/remote.py).
    workers: int = Field(default=1, ge=1, le=64)
    max_question_chars: int = Field(default=4000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    default_top_k: int = Field(default=5, ge=1, le=50)
    max_top_k: int = Field(default=50, ge=1, le=200)
    chat_top_k: int = Field(default=5, ge=1, le=50)
    # false: the model answers with no knowledge-base context (closed book), to measure what
    # retrieval adds (`cryptorag eval answers --compare`); never what a service should run.
    chat_retrieval: bool = True
    prompts_dir: Path = PROMPTS

    @model_validator(mode="after")
    def _check(self) -> APISettings:
        for name, value in (("DEFAULT", self.default_top_k), ("CHAT", self.chat_top_k)):
            if value > self.max_top_k:
                raise ValueError(
                    f"CRYPTORAG_{name}_TOP_K ({value}) must not exceed "
                    f"CRYPTORAG_MAX_TOP_K ({self.max_top_k})"
                )
        if not (self.prompts_dir / "system.md").is_file():
            raise ValueError(
                f"CRYPTORAG_PROMPTS_DIR={self.prompts_dir} has no system.md; "
                f"point it at a folder of prompt templates such as {PROMPTS}"
            )
        return self


class AccessSettings(BaseSettings):
    """Who may call the API, and how often."""

    model_config = _config()

    require_api_key: bool = False
    database_url: str | None = None
    rate_limit: str = "120/minute"
    rate_limit_storage: str = "memory://"
    # Chat sessions: idle this long they expire (each turn restarts the clock), and only the
    # newest turns (a question with its answer) are kept and passed to the model.
    session_ttl_s: float = Field(default=7 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    session_max_turns: int = Field(default=10, ge=1, le=1000)
    # Ratings each key (or client address) may send; each answer keeps only its latest one.
    feedback_rate_limit: str = "30/hour"
    # Proxies (IPs or CIDRs) whose X-Forwarded-For / -Proto name the client; empty: none, so a
    # client cannot pick the address its rate limit is counted under.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        """A comma-separated list of IPs or CIDRs."""
        entries = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        entries = [e for e in entries if e]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR") from None
        return entries

    @field_validator("rate_limit", "feedback_rate_limit")
    @classmethod
    def _limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as 60/minute") from None
        return value


class BotSettings(BaseSettings):
    """The Telegram and Discord bots: their tokens, and the service they ask over HTTP."""

    model_config = _config()

    bot_service_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    # A key with the chat scope (and contracts, for the contract card) when keys are required.
    bot_api_key: SecretStr | None = None
    bot_timeout_s: float = Field(default=90.0, gt=0, le=600)
    # Each chat user's own limit, checked in the bot before the service's limit per key.
    bot_user_rate_limit: str = "6/minute"
    telegram_token: SecretStr | None = None
    telegram_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    discord_token: SecretStr | None = None

    @field_validator("bot_user_rate_limit")
    @classmethod
    def _limit(cls, value: str) -> str:
        return AccessSettings._limit(value)


class Settings:
    """All settings, each concern validated on its own."""

    def __init__(
        self,
        store: StoreSettings | None = None,
        embedding: EmbeddingSettings | None = None,
        llm: LLMSettings | None = None,
        chains: ChainSettings | None = None,
        fetch: FetchSettings | None = None,
        ingest: IngestSettings | None = None,
        api: APISettings | None = None,
        access: AccessSettings | None = None,
    ) -> None:
        self.store = store or StoreSettings()
        self.embedding = embedding or EmbeddingSettings()
        self.llm = llm or LLMSettings()
        self.chains = chains or ChainSettings()
        self.fetch = fetch or FetchSettings()
        self.ingest = ingest or IngestSettings()
        self.api = api or APISettings()
        self.access = access or AccessSettings()


def load_settings(overrides: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every concern; raise ConfigError naming the variables to fix.

    overrides: CRYPTORAG_* variables that win over the environment and .env, for configurations
    built side by side in one process; an empty value gives the setting its default.
    """
    overrides = dict(overrides or {})
    built: dict[str, BaseSettings] = {}
    problems: list[str] = []
    for key, cls in _CONCERNS.items():
        values: dict[str, Any] = {}
        unset: set[str] = set()
        for variable, field in env_names(cls).items():
            if variable in overrides:
                value = overrides.pop(variable)
                if value:
                    values[field] = value
                else:
                    unset |= {variable, field}
        try:
            built[key] = _unsetting(cls, unset)(**values)
        except ValidationError as exc:
            problems += describe(exc, cls)
    problems += [f"{variable}: no such setting" for variable in overrides]
    if problems:
        raise invalid(problems)
    return Settings(**built)  # type: ignore[arg-type]


def load_concern(cls: type[S]) -> S:
    """One concern read and validated on its own (the bots'), errors as load_settings words them."""
    try:
        return cls()
    except ValidationError as exc:
        raise invalid(describe(exc, cls)) from None


class _Unset(PydanticBaseSettingsSource):
    """A source without the settings a configuration unsets, which so take their defaults."""

    def __init__(self, source: PydanticBaseSettingsSource, keys: frozenset[str]) -> None:
        super().__init__(source.settings_cls)
        self.source, self.keys = source, keys

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # not asked: __call__ reads the wrapped source whole

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.source().items() if k.lower() not in self.keys}


def _unsetting(cls: type[S], unset: set[str]) -> type[S]:
    """The concern reading neither the environment nor .env for these variables and fields
    (a subclass: sources are chosen per class, and the process environment stays as it is)."""
    if not unset:
        return cls
    keys = frozenset(k.lower() for k in unset)

    def sources(
        owner: type[BaseSettings],
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _Unset(env_settings, keys),
            _Unset(dotenv_settings, keys),
            file_secret_settings,
        )

    return type(cls.__name__, (cls,), {"settings_customise_sources": classmethod(sources)})


def env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Each variable a concern reads -> its field: the prefixed name, or the field's own alias."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    out: dict[str, str] = {}
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        named = [c for c in choices if isinstance(c, str) and c.startswith("CRYPTORAG_")]
        for variable in named or [f"{prefix}{name}"]:
            out[variable.upper()] = name
    return out


def describe(exc: ValidationError, cls: type[BaseSettings]) -> list[str]:
    """Each error as `VARIABLE: message`; a cross-field check names its variables itself."""
    variables = {field: variable for variable, field in env_names(cls).items()}
    out = []
    for err in exc.errors():
        where = str(err["loc"][0]) if err["loc"] else ""
        variable = variables.get(where) or where.upper()
        out.append(f"{variable}: {err['msg']}" if variable else err["msg"])
    return out


def invalid(problems: list[str]) -> ConfigError:
    """The one error a process reports for a configuration it cannot start with."""
    return ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


_CONCERNS: dict[str, type[BaseSettings]] = {
    "store": StoreSettings,
    "embedding": EmbeddingSettings,
    "llm": LLMSettings,
    "chains": ChainSettings,
    "fetch": FetchSettings,
    "ingest": IngestSettings,
    "api": APISettings,
    "access": AccessSettings,
}
