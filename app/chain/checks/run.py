"""Run the checks for one address at one block in a few batched round trips, within a budget."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from app.chain.checks import holders, owner, transfer
from app.chain.checks.code import Code, code_checks
from app.chain.checks.messages import say
from app.chain.evm import read_code
from app.chain.facts import Check
from app.chain.rpc import ChainRpc, RpcResult
from app.chain.signatures import SignatureTable
from app.core.errors import AppError

# The order checks are listed in; ids are stable (GET /v1/contracts documents them).
ORDER = (
    "mintable",
    "pausable",
    "paused_now",
    "blacklist",
    "fee_on_transfer",
    "owner_can_change_fee",
    "max_tx_limit",
    "transfer_blocked_for_holders",
    "ownership_renounced",
    "owner_is_eoa",
    "owner_is_multisig",
    "holder_concentration",
    "selfdestruct",
    "lookalike",
)


@dataclass(frozen=True)
class CheckLimits:
    """Bounds on the work one address may cost."""

    budget_s: float = 4.0
    logs: holders.LogLimits = field(default_factory=holders.LogLimits)


@dataclass(frozen=True)
class Inputs:
    """What the inspector's own reads already hold."""

    address: str
    block: int
    code: str
    implementation: str | None
    implementation_code: str | None
    erc20: bool
    supply: int | None
    decimals: int | None
    paused: RpcResult
    owner: RpcResult
    get_owner: RpcResult


class Stages:
    """Sends batches until one fails or the budget is spent; then says why for the rest."""

    def __init__(self, rpc: ChainRpc, budget_s: float) -> None:
        self.rpc = rpc
        self.budget_s = budget_s
        self.deadline = time.monotonic() + budget_s
        self.why: str | None = None

    def send(self, calls: list[tuple[str, list[Any]]]) -> list[RpcResult] | None:
        """The batch's results, or None (with self.why set) when it could not be read."""
        if not calls:
            return []
        if self.why is None and time.monotonic() >= self.deadline:
            self.why = say("budget", seconds=self.budget_s)
        if self.why is not None:
            return None
        try:
            return self.rpc.batch(calls)
        except AppError as exc:
            self.why = say("rpc_failed", error=exc.message)
            return None


def run_checks(
    rpc: ChainRpc, inputs: Inputs, table: SignatureTable, limits: CheckLimits
) -> list[Check]:
    """Every check but lookalike (the lookup adds it): code, owner, holders, transfers."""
    block, token = inputs.block, inputs.address
    own = Code(token, inputs.code, block)
    impl = None
    if inputs.implementation:
        impl = Code(inputs.implementation, inputs.implementation_code or "0x", block)
    checks = code_checks(own, impl, table)
    checks.append(owner.paused_check(token, block, inputs.paused))
    who = owner.read_owner(token, block, inputs.owner, inputs.get_owner)
    stages = Stages(rpc, limits.budget_s)
    # Round trip 1: the owner's code and Safe getters, and the Transfer log pages.
    owner_calls = owner.owner_calls(who, block) if who and not who.renounced else []
    log_calls = holders.log_calls(token, block, limits.logs) if inputs.erc20 else []
    first = stages.send(owner_calls + log_calls)
    owner_results = first[: len(owner_calls)] if first is not None else None
    checks += owner.owner_checks(who, block, owner_results, stages.why)
    rest = _token_checks(stages, inputs, table, limits, who, log_calls, first, len(owner_calls))
    return _ordered(checks + rest)


def _token_checks(
    stages: Stages,
    inputs: Inputs,
    table: SignatureTable,
    limits: CheckLimits,
    who: owner.OwnerRead | None,
    log_calls: list[tuple[str, list[Any]]],
    first: list[RpcResult] | None,
    skip: int,
) -> list[Check]:
    """holder_concentration, fee_on_transfer and transfer_blocked_for_holders."""
    ids = ("holder_concentration", "fee_on_transfer", "transfer_blocked_for_holders")
    if not inputs.erc20:
        return _unknown(ids, say("not_token"))
    if first is None:
        return _unknown(ids, stages.why or "")
    block, token = inputs.block, inputs.address
    scan = holders.read_logs(log_calls, first[skip:])
    # Round trip 2: balances of the recent recipients (and of the owner, who may be exempt).
    candidates = scan.recipients[: limits.logs.max_holders]
    if who and who.address.lower() not in candidates:
        candidates.append(who.address.lower())
    second = stages.send(holders.balance_calls(token, candidates, block))
    if second is None:
        return _unknown(ids, stages.why or "")
    concentration, balances = holders.concentration(
        token, block, inputs.supply, scan, candidates, second
    )
    code = inputs.implementation_code if inputs.implementation else inputs.code
    listed = read_code(code).selectors if code and code != "0x" else []
    if listed and transfer.TRANSFER not in listed:
        where = say("where.impl", impl=inputs.implementation) if inputs.implementation else ""
        return [concentration, *_unknown(ids[1:], say("fee.no_transfer", where=where))]
    # Round trip 3: the transfers, simulated, and the flagged holder's code.
    owner_address = who.address if who else None
    trials, owner_only = transfer.choose(
        balances, scan.recipients, token, owner_address, inputs.supply
    )
    sim_calls = transfer.calls(token, trials, block)
    holder_calls = holders.top_holder_calls(concentration, block)
    third = stages.send(sim_calls + holder_calls)
    if third is None:
        return [concentration, *_unknown(ids[1:], stages.why or "")]
    concentration = holders.with_holder_kind(concentration, third[len(sim_calls) :], block)
    found = transfer.outcomes(sim_calls, third[: len(sim_calls)], trials, block, table)
    return [concentration, *transfer.transfer_checks(found, owner_only, block, inputs.decimals)]


def _unknown(ids: tuple[str, ...], why: str) -> list[Check]:
    return [Check(id=i, status="unknown", summary=why) for i in ids]


def _ordered(checks: list[Check]) -> list[Check]:
    rank = {k: n for n, k in enumerate(ORDER)}
    return sorted(checks, key=lambda c: rank.get(c.id, len(ORDER)))
