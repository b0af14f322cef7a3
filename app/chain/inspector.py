"""Inspect an address: code, token standards, metadata, proxies and owner, at one block."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Literal

from app.chain import abi
from app.chain.canonical import CanonicalTokens
from app.chain.checks.holders import LogLimits
from app.chain.checks.run import CheckLimits, Inputs, run_checks
from app.chain.facts import ContractFacts, ListedToken, ProxyInfo, Standard, TokenInfo
from app.chain.rpc import ChainRpc, RpcResult
from app.chain.signatures import SignatureTable
from app.chain.signatures import load as load_signatures
from app.chain.untrusted import clean
from app.core.errors import AppError, BadRequest, NotFound, UpstreamError, UpstreamUnavailable
from app.core.settings import ChainSettings
from app.evm.addresses import classify
from app.evm.chains import CHAINS
from app.evm.chains import resolve as resolve_chain

NAME_LIMIT = 64
SYMBOL_LIMIT = 16

# The calls of the main batch, in order; each is (method, params-builder).
_TOKEN_CALLS = {
    "name": abi.selector("name()"),
    "symbol": abi.selector("symbol()"),
    "decimals": abi.selector("decimals()"),
    "total_supply": abi.selector("totalSupply()"),
    "balance_of": abi.selector("balanceOf(address)") + abi.address_arg("0x" + "0" * 39 + "1"),
    "si_165": abi.supports_interface_data(abi.INTERFACE_ERC165),
    "si_invalid": abi.supports_interface_data(abi.INTERFACE_INVALID),
    "si_721": abi.supports_interface_data(abi.INTERFACE_ERC721),
    "si_1155": abi.supports_interface_data(abi.INTERFACE_ERC1155),
    "asset": abi.selector("asset()"),
    "owner": abi.selector("owner()"),
    # For the risk checks: read here so they cost no extra round trip.
    "get_owner": abi.selector("getOwner()"),
    "paused": abi.selector("paused()"),
}
_SLOTS = {
    "implementation": abi.IMPLEMENTATION_SLOT,
    "beacon": abi.BEACON_SLOT,
    "admin": abi.ADMIN_SLOT,
    "proxiable": abi.PROXIABLE_SLOT,
}


def chain_name(raw: str) -> str:
    """Canonical name for a chain name, alias or id; unknown names pass through lower-cased."""
    known = resolve_chain(raw.strip())
    return known.name if known else raw.strip().lower()


def parse_address(raw: str) -> tuple[str, list[str]]:
    """EIP-55 form of an address; 422 for malformed ones or a wrong checksum."""
    try:
        found = classify(raw.strip())
    except ValueError:
        raise BadRequest(
            f"{raw[:60]!r} is not an EVM address: expected 0x followed by 40 hex digits",
            code="invalid_address",
        ) from None
    if found.status == "invalid":
        raise BadRequest(
            f"{raw} fails its EIP-55 checksum: a character may be mistyped, or it imitates "
            "another address; send it in lower case to look it up without the check",
            code="invalid_checksum",
        )
    warnings = []
    if found.status == "unchecked":
        warnings.append("the address was given without an EIP-55 checksum, so typos go unnoticed")
    return found.checksum, warnings


class Inspector:
    """Reads contracts on the configured chains; results are cached per (chain, address, block)."""

    def __init__(
        self,
        clients: dict[str, ChainRpc],
        canonical: CanonicalTokens,
        cache_size: int = 2048,
        limits: CheckLimits | None = None,
        signatures: SignatureTable | None = None,
    ) -> None:
        self.clients = clients
        self.canonical = canonical
        self.limits = limits or CheckLimits()
        self.signatures = signatures or load_signatures()
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str, int], ContractFacts] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ChainSettings, canonical: CanonicalTokens) -> Inspector:
        """One RPC client per configured chain; nothing connects until the first lookup."""
        clients = {
            chain_name(name): ChainRpc(
                chain_name(name),
                str(url),
                timeout_s=settings.rpc_timeout_s,
                retries=settings.rpc_retries,
                block_ttl_s=settings.block_ttl_s,
            )
            for name, url in settings.rpc_urls.items()
        }
        logs = LogLimits(
            page_blocks=settings.log_page_blocks,
            pages=settings.log_pages,
            max_holders=settings.log_max_holders,
        )
        return cls(clients, canonical, limits=CheckLimits(settings.checks_budget_s, logs))

    def client(self, chain: str) -> ChainRpc:
        """The RPC client for a chain; 404 for unknown chains, 503 for ones without an RPC URL."""
        name = chain_name(chain)
        if name in self.clients:
            return self.clients[name]
        if resolve_chain(chain.strip()) is None:
            known = ", ".join(c.name for c in CHAINS if c.chain_id is not None)
            raise NotFound(
                f"unknown chain {chain[:40]!r}; known EVM chains: {known} (or a chain id)",
                code="unknown_chain",
            )
        raise UpstreamUnavailable(
            f"no RPC URL is configured for {name}; set CRYPTORAG_RPC_URLS={name}=https://...",
            code="chain_not_configured",
        )

    def inspect(self, chain: str, address: str) -> ContractFacts:
        """Everything the chain says about an address at its latest block."""
        checksum, warnings = parse_address(address)
        rpc = self.client(chain)
        block = rpc.head()
        self._check_chain_id(rpc)
        key = (rpc.name, checksum, block)
        with self._lock:
            facts = self._cache.get(key)
            if facts is not None:
                self._cache.move_to_end(key)
        if facts is None:
            facts = self._read(rpc, checksum, block)
            with self._lock:
                self._cache[key] = facts
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        # A copy: the caller's warnings (and the lookup's knowledge) never reach the cache.
        return facts.model_copy(update={"warnings": warnings + facts.warnings})

    def _check_chain_id(self, rpc: ChainRpc) -> None:
        known = resolve_chain(rpc.name)
        if known and known.chain_id is not None and rpc.chain_id not in (None, known.chain_id):
            raise UpstreamError(
                f"the RPC URL configured for {rpc.name} serves chain id {rpc.chain_id}, "
                f"not {known.chain_id}; check CRYPTORAG_RPC_URLS",
                code="rpc_wrong_chain",
            )

    def _read(self, rpc: ChainRpc, address: str, block: int) -> ContractFacts:
        tag = hex(block)
        calls: list[tuple[str, list[Any]]] = [
            ("eth_getCode", [address, tag]),
            ("eth_getTransactionCount", [address, tag]),
            ("eth_getBalance", [address, tag]),
        ]
        calls += [("eth_getStorageAt", [address, slot, tag]) for slot in _SLOTS.values()]
        calls += [("eth_call", [{"to": address, "data": d}, tag]) for d in _TOKEN_CALLS.values()]
        results = rpc.batch(calls)
        code_r, nonce_r, balance_r = results[:3]
        slots = dict(zip(_SLOTS, results[3 : 3 + len(_SLOTS)], strict=True))
        out = dict(zip(_TOKEN_CALLS, results[3 + len(_SLOTS) :], strict=True))
        if not code_r.ok:
            raise UpstreamError(
                f"{rpc.name} RPC eth_getCode failed: {code_r.error}", code="rpc_error"
            )
        code = code_r.result if isinstance(code_r.result, str) else "0x"
        base: dict[str, Any] = {
            "chain": rpc.name,
            "chain_id": rpc.chain_id,
            "address": address,
            "block_number": block,
        }
        if code in ("0x", ""):
            used = (abi.decode_uint(_pad(nonce_r)) or 0) or (abi.decode_uint(_pad(balance_r)) or 0)
            return ContractFacts(account_type="eoa" if used else "empty", is_contract=False, **base)
        delegate = abi.delegation_target(code)
        if delegate:
            return ContractFacts(
                account_type="eoa",
                is_contract=False,
                warnings=[f"this account delegates its code to {delegate} (EIP-7702)"],
                **base,
            )
        warnings: list[str] = []
        proxy, impl_code = self._proxy(rpc, code, slots, tag, warnings)
        standards, token = self._token(out, warnings)
        facts = ContractFacts(
            account_type="contract",
            is_contract=True,
            standards=standards,
            token=token,
            proxy=proxy,
            owner=abi.decode_address(out["owner"].result) if out["owner"].ok else None,
            warnings=warnings,
            **base,
        )
        self._check_listing(facts)
        impl = proxy.implementation if proxy else None
        if impl and impl_code is None:
            try:
                (impl_r,) = rpc.batch([("eth_getCode", [impl, tag])])
            except AppError:  # the checks on its code then say "unknown"
                impl_r = RpcResult(error="not read")
            impl_code = impl_r.result if impl_r.ok and isinstance(impl_r.result, str) else None
        inputs = Inputs(
            address=address,
            block=block,
            code=code,
            implementation=impl,
            implementation_code=impl_code,
            erc20="erc20" in standards,
            supply=abi.decode_uint(out["total_supply"].result) if out["total_supply"].ok else None,
            decimals=token.decimals if token else None,
            paused=out["paused"],
            owner=out["owner"],
            get_owner=out["get_owner"],
        )
        facts.checks = run_checks(rpc, inputs, self.signatures, self.limits)
        return facts

    def _proxy(
        self,
        rpc: ChainRpc,
        code: str,
        slots: dict[str, RpcResult],
        tag: str,
        warnings: list[str],
    ) -> tuple[ProxyInfo | None, str | None]:
        """The proxy, and its implementation's code when it was read on the way."""
        word = {k: abi.decode_address(r.result) if r.ok else None for k, r in slots.items()}
        clone = abi.clone_target(code)
        if clone:
            return ProxyInfo(standard="eip1167", implementation=clone), None
        impl = word["implementation"]
        if impl:
            uups_data = abi.selector("proxiableUUID()")
            extra = rpc.batch(
                [
                    ("eth_call", [{"to": impl, "data": uups_data}, tag]),
                    ("eth_getCode", [impl, tag]),
                ]
            )
            # An admin slot means a transparent proxy, even when the implementation is UUPS-ready.
            upgrade: Literal["uups", "transparent"] | None = None
            if word["admin"]:
                upgrade = "transparent"
            elif extra[0].ok and extra[0].result == abi.IMPLEMENTATION_SLOT:
                upgrade = "uups"
            if extra[1].ok and extra[1].result in ("0x", ""):
                warnings.append(f"the proxy's implementation {impl} has no code")
            impl_code = (
                extra[1].result if extra[1].ok and isinstance(extra[1].result, str) else None
            )
            info = ProxyInfo(
                standard="eip1967", implementation=impl, admin=word["admin"], upgrade=upgrade
            )
            return info, impl_code
        if word["beacon"]:
            beacon = word["beacon"]
            data = abi.selector("implementation()")
            (res,) = rpc.batch([("eth_call", [{"to": beacon, "data": data}, tag])])
            target = abi.decode_address(res.result) if res.ok else None
            if target is None:
                warnings.append(f"the beacon {beacon} did not return an implementation")
            return ProxyInfo(standard="beacon", implementation=target, beacon=beacon), None
        if word["proxiable"]:
            info = ProxyInfo(standard="eip1822", implementation=word["proxiable"], upgrade="uups")
            return info, None
        return None, None

    def _token(
        self, out: dict[str, RpcResult], warnings: list[str]
    ) -> tuple[list[Standard], TokenInfo | None]:
        def value(key: str) -> Any:
            return out[key].result if out[key].ok else None

        standards: list[Standard] = []
        erc165 = abi.decode_bool(value("si_165")) is True and not abi.decode_bool(
            value("si_invalid")
        )
        if erc165:
            standards.append("erc165")
            if abi.decode_bool(value("si_721")):
                standards.append("erc721")
            if abi.decode_bool(value("si_1155")):
                standards.append("erc1155")
        supply = abi.decode_uint(value("total_supply"))
        decimals = abi.decode_uint(value("decimals"))
        if decimals is not None and decimals > 255:
            warnings.append(f"decimals() returned {decimals}, which no token can have")
            decimals = None
        nft = "erc721" in standards or "erc1155" in standards
        if (
            not nft
            and supply is not None
            and (decimals is not None or abi.decode_uint(value("balance_of")) is not None)
        ):
            standards.append("erc20")
            if abi.decode_address(value("asset")):
                standards.append("erc4626")
        name = self._text(value("name"), "name", NAME_LIMIT, warnings)
        symbol = self._text(value("symbol"), "symbol", SYMBOL_LIMIT, warnings)
        if not (name or symbol or supply is not None):
            return standards, None
        token = TokenInfo(
            name=name,
            symbol=symbol,
            decimals=decimals if "erc20" in standards else None,
            total_supply=str(supply) if supply is not None else None,
        )
        return standards, token

    @staticmethod
    def _text(result: Any, label: str, limit: int, warnings: list[str]) -> str | None:
        decoded = abi.decode_text(result)
        if decoded is None:
            return None
        cleaned = clean(decoded[0], limit=limit, label=f"the token {label}", full_length=decoded[1])
        warnings.extend(cleaned.warnings)
        return cleaned.text or None

    def _check_listing(self, facts: ContractFacts) -> None:
        listed = self.canonical.lookup(facts.chain, facts.address)
        if listed:
            facts.listed = ListedToken(
                list=self.canonical.source, name=listed.name, symbol=listed.symbol
            )
            return
        symbol = facts.token.symbol if facts.token else None
        if symbol:
            warning = self.canonical.impersonation(facts.chain, facts.address, symbol)
            if warning:
                facts.warnings.append(warning)


def _pad(result: RpcResult) -> str | None:
    """A quantity (0x1a) as one ABI word, so the uint decoder reads it."""
    if not result.ok or not isinstance(result.result, str):
        return None
    return "0x" + result.result.removeprefix("0x").rjust(64, "0")
