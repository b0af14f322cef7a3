"""Explain a transaction hash: find its chain, read it in two round trips, decode, explain."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Literal

from app.chain.checks.lookalike import Known, LookalikeIndex, lookalike_check
from app.chain.facts import Check
from app.chain.inspector import Inspector
from app.chain.lookup import KnownAddresses
from app.chain.rpc import ChainRpc
from app.chain.tx.decode import (
    APPROVAL,
    APPROVAL_FOR_ALL,
    checksum,
    decode_call,
    decode_revert,
    eth_movements,
    failing_frame,
    frames,
    other_event,
    quantity,
    topic_address,
    units,
)
from app.chain.tx.explain import explain
from app.chain.tx.hashes import parse_tx_hash
from app.chain.tx.models import Approval, EthMovement, Revert, TransactionFacts
from app.chain.tx.read import Context, RawTransaction, read_context, read_transaction
from app.chain.tx.tokens import is_token_log, read_token_logs, token_addresses
from app.chain.untrusted import clean
from app.core.errors import AppError, NotFound, UpstreamError, UpstreamUnavailable
from app.evm.chains import resolve as resolve_chain

# The currency a chain's value and fees are paid in, where it is not ETH.
NATIVE = {"bnb": "BNB", "polygon": "POL", "gnosis": "xDAI", "avalanche": "AVAX"}
REASON_LIMIT = 200  # characters of a revert string shown; the contract chose them
# Contracts whose metadata or code one explanation reads: a transaction can emit thousands of
# logs, and the second batch must stay one bounded request.
MAX_TOKENS_READ = 32
MAX_SPENDERS_READ = 32


class TransactionExplainer:
    """Reads transactions on the inspector's chains; mined ones are cached by (chain, hash)."""

    def __init__(
        self, inspector: Inspector, known: KnownAddresses | None = None, cache_size: int = 512
    ) -> None:
        self.inspector = inspector
        self.known = known
        self.signatures = inspector.signatures
        # Without the knowledge base (tests, tools), the curated list alone names real addresses.
        self.curated = LookalikeIndex()
        for t in inspector.canonical.by_address.values():
            self.curated.add(
                Known(t.address, f"{t.name} ({t.symbol})", t.chain, "curated token list")
            )
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], TransactionFacts] = OrderedDict()
        self._lock = threading.Lock()

    def explain(self, tx_hash: str, chain: str | None = None) -> TransactionFacts:
        """The transaction on the chain named, else on the first configured chain that has it."""
        wanted = parse_tx_hash(tx_hash)
        if chain:
            rpcs = [self.inspector.client(chain)]
        else:
            rpcs = list(self.inspector.clients.values())
            if not rpcs:
                raise UpstreamUnavailable(
                    "no RPC URL is configured; set CRYPTORAG_RPC_URLS=ethereum=https://...",
                    code="chain_not_configured",
                )
        failures: list[AppError] = []
        failed: set[str] = set()
        for rpc in rpcs:
            try:
                found = self._on(rpc, wanted)
            except AppError as exc:
                if chain:
                    raise
                failures.append(exc)  # another chain may still have it
                failed.add(rpc.name)
                continue
            if found is not None:
                return found
        searched = ", ".join(r.name for r in rpcs if r.name not in failed)
        if failures:  # it may be on a chain that could not be read: not a 404
            first = failures[0]
            raise type(first)(
                f"no transaction {wanted} on {searched or 'no chain'}; {first.message}",
                code=first.code,
            )
        raise NotFound(f"no transaction {wanted} on {searched}", code="transaction_not_found")

    def _on(self, rpc: ChainRpc, tx_hash: str) -> TransactionFacts | None:
        key = (rpc.name, tx_hash)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return self._said(cached.model_copy(update={"round_trips": 0}))
        start = rpc.round_trips
        raw = read_transaction(rpc, tx_hash)
        if raw is None:
            return None
        _check_chain_id(rpc, raw.chain_id)
        facts = self._decode(rpc, tx_hash, raw)
        facts.round_trips = rpc.round_trips - start
        if facts.status != "pending":
            with self._lock:
                self._cache[key] = facts
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return self._said(facts)

    def _decode(self, rpc: ChainRpc, tx_hash: str, raw: RawTransaction) -> TransactionFacts:
        tx, receipt, trace = raw.tx, raw.receipt, raw.trace
        table = self.signatures
        # The tracer's top frame carries the error and output; the transaction's own fields
        # say the same call when there is no trace ("type" there is the envelope type).
        top = trace or {k: tx.get(k) for k in ("from", "to", "input", "value")}
        if trace is None and not tx.get("to"):
            top["type"] = "CREATE"
        call = decode_call("0", top, table)
        calls = (
            [decode_call(f, node, table) for f, node in frames(trace) if f != "0"] if trace else []
        )
        logs: list[dict[str, Any]] = list(receipt.get("logs") or []) if receipt else []
        status: Literal["success", "failed", "pending"] = "pending" if receipt is None else (
            "success" if quantity(receipt.get("status")) == 1 else "failed"
        )  # fmt: skip
        revert = None
        said: list[str] = []  # what cleaning the contract's strings found
        if status == "failed" and trace is not None:
            fid, node = failing_frame(trace)
            revert = _cleaned(decode_revert(node.get("output"), table, fid), said)
        block = quantity((receipt or tx).get("blockNumber"))
        # Symbols of the tokens that logged, of the callee and of the call that failed.
        tokens = token_addresses(logs)
        for address in (call.to if call.selector else None, _frame_to(calls, revert)):
            if address and address not in tokens:
                tokens.append(address)
        spenders = _spenders(logs)[:MAX_SPENDERS_READ]
        tokens = tokens[:MAX_TOKENS_READ]
        ctx = read_context(rpc, block if receipt else None, spenders, tokens)
        movements, approvals = read_token_logs(logs, ctx.tokens)
        for a in approvals:
            self._judge(a, ctx, rpc.name)
        value = quantity(tx.get("value")) or 0
        native = NATIVE.get(rpc.name, "ETH")
        if trace is not None:
            moved = eth_movements(trace, native)
        elif value and status == "success" and call.to:
            moved = [EthMovement(frame="0", from_=call.from_, to=call.to, value=str(value),
                                 value_display=f"{units(value, 18)} {native}")]  # fmt: skip
        else:
            moved = []
        timestamp = (
            ctx.timestamp if ctx.timestamp is not None else quantity(tx.get("blockTimestamp"))
        )
        gas_used = quantity(receipt.get("gasUsed")) if receipt else None
        price = quantity(receipt.get("effectiveGasPrice")) if receipt else None
        facts = TransactionFacts(
            chain=rpc.name,
            chain_id=raw.chain_id,
            hash=tx_hash,
            status=status,
            block_number=block,
            timestamp=timestamp,
            time=_iso(timestamp),
            from_=checksum(tx.get("from")) or str(tx.get("from")),
            to=checksum(tx.get("to")),
            contract_created=checksum(receipt.get("contractAddress")) if receipt else None,
            nonce=quantity(tx.get("nonce")),
            value=str(value),
            native_symbol=native,
            gas_limit=quantity(tx.get("gas")),
            gas_used=gas_used,
            effective_gas_price=str(price) if price is not None else None,
            fee=str(gas_used * price) if gas_used is not None and price is not None else None,
            call=call,
            calls=calls,
            token_movements=movements,
            approvals=approvals,
            eth_movements=moved,
            events=[other_event(log, table) for log in logs if not is_token_log(log)],
            revert=revert,
            trace="call_tracer" if trace is not None else "unavailable",
            trace_error=raw.trace_error,
            token_symbols={t: m.symbol for t, m in ctx.tokens.items() if m.symbol},
            warnings=[*said, *ctx.warnings],
        )
        return facts

    def _said(self, facts: TransactionFacts) -> TransactionFacts:
        """A copy with the address checks and the explanation written now, in the language of
        this request (the cache keeps what was read, not what was said)."""
        out = facts.model_copy()
        out.checks = self._lookalikes(out)
        out.warnings = [*facts.warnings, *(c.summary for c in out.checks)]
        out.warnings += self._impersonations(out)
        lead, body = explain(out)
        out.lead, out.explanation = lead.text, [lead, *body]
        return out

    def _judge(self, a: Approval, ctx: Context, chain: str) -> None:
        """Spender kind and name; risky when granted to a key, or unlimited to a stranger."""
        code = ctx.code.get(a.spender)
        if code is None:
            a.spender_kind = "unknown"
        elif code in ("0x", "") or code.lower().startswith("0xef0100"):  # EIP-7702 is a key too
            a.spender_kind = "eoa"
        else:
            a.spender_kind = "contract"
        a.spender_known = self._known_as(a.spender, chain)
        stranger = a.spender_known is None
        a.risky = a.approved and (
            a.spender_kind == "eoa" or (a.unlimited and stranger and a.spender_kind != "eoa")
        )

    def _known_as(self, address: str, chain: str) -> str | None:
        """What the curated list or the knowledge base calls an address, if anything."""
        listed = self.inspector.canonical.lookup(chain, address)
        if listed:
            return f"{listed.name} ({listed.symbol}), {self.inspector.canonical.source}"
        if self.known is not None and self.known.knowledge().known(address):
            return "named in the knowledge base"
        return None

    def _lookalikes(self, facts: TransactionFacts) -> list[Check]:
        """Addresses of the transaction that imitate known ones or each other (poisoning)."""
        addresses = _addresses(facts)
        same = LookalikeIndex()
        for a in addresses:
            same.add(Known(a, "another address in this transaction", facts.chain, "transaction"))
        found: list[Check] = []
        told: set[frozenset[str]] = set()  # a pair in the same transaction is said once
        for a in addresses:
            known = (
                self.known.check(a, facts.chain)
                if self.known is not None
                else lookalike_check(a, facts.chain, [self.curated])
            )
            if known.status == "found":
                found.append(known)
                continue
            check = lookalike_check(a, facts.chain, [same])
            pair = frozenset({a, str(check.details.get("real", ""))})
            if check.status == "found" and pair not in told:
                told.add(pair)
                found.append(check)
        return found

    def _impersonations(self, facts: TransactionFacts) -> list[str]:
        """Tokens whose symbol is a listed token's but whose address is not."""
        out = []
        for token, symbol in facts.token_symbols.items():
            if self.inspector.canonical.lookup(facts.chain, token):
                continue
            warning = self.inspector.canonical.impersonation(facts.chain, token, symbol)
            if warning:
                out.append(f"{token}: {warning}")
        return out


def _check_chain_id(rpc: ChainRpc, chain_id: int | None) -> None:
    known = resolve_chain(rpc.name)
    if known and known.chain_id is not None and chain_id not in (None, known.chain_id):
        raise UpstreamError(
            f"the RPC URL configured for {rpc.name} serves chain id {chain_id}, "
            f"not {known.chain_id}; check CRYPTORAG_RPC_URLS",
            code="rpc_wrong_chain",
        )


def _cleaned(revert: Revert, warnings: list[str]) -> Revert:
    """A revert string is the contract's text: cleaned and capped like a token name, and what
    was done to it (or that it reads like instructions) said in the warnings."""
    if revert.kind != "error_string":
        return revert
    cleaned = clean(revert.reason, limit=REASON_LIMIT, label="the revert reason")
    warnings.extend(cleaned.warnings)
    return revert.model_copy(update={"reason": cleaned.text})


def _frame_to(calls: list[Any], revert: Revert | None) -> str | None:
    if revert is None or not revert.frame or revert.frame == "0":
        return None
    return next((c.to for c in calls if c.frame == revert.frame), None)


def _spenders(logs: list[dict[str, Any]]) -> list[str]:
    out: dict[str, None] = {}
    for log in logs:
        topics = [str(t) for t in log.get("topics") or []]
        if len(topics) >= 3 and topics[0].lower() in (APPROVAL, APPROVAL_FOR_ALL):
            out[topic_address(topics[2])] = None
    return list(out)


def _addresses(facts: TransactionFacts) -> list[str]:
    """Every address the transaction names, once each."""
    seen: dict[str, None] = {facts.from_: None}
    for a in (facts.to, facts.contract_created, *(c.to for c in facts.calls)):
        if a:
            seen[a] = None
    for m in facts.token_movements:
        seen.update({m.token: None, m.from_: None, m.to: None})
    for ap in facts.approvals:
        seen.update({ap.token: None, ap.owner: None, ap.spender: None})
    seen.pop("0x0000000000000000000000000000000000000000", None)
    return list(seen)


def _iso(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
