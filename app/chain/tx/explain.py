"""The explanation of a decoded transaction: a lead sentence, then one sentence per fact.

Every sentence is built by one function from the decoded facts (so the message catalog can
translate it) and names the evidence it rests on: a receipt field, a log or a call frame.
"""

from __future__ import annotations

from app.chain.tx.decode import units
from app.chain.tx.models import (
    Approval,
    Call,
    EthMovement,
    OtherEvent,
    Revert,
    Sentence,
    TokenMovement,
    TransactionFacts,
)
from app.i18n.catalog import _

MAX_INNER_CALLS = 12  # inner frames described one by one; the rest are counted
MAX_EVENTS = 8
MAX_LISTED = 20  # token movements, approvals and ETH movements said one by one


def explain(facts: TransactionFacts) -> tuple[Sentence, list[Sentence]]:
    """The lead sentence and the facts, each with its evidence."""
    body: list[Sentence] = [status_sentence(facts), call_sentence(facts)]
    # A plain value transfer inside is said once, by its ETH movement.
    inner = [c for c in facts.calls if c.selector or c.error]
    body += [inner_call_sentence(c) for c in inner[:MAX_INNER_CALLS]]
    if len(inner) > MAX_INNER_CALLS:
        body.append(more_calls_sentence(len(inner) - MAX_INNER_CALLS))
    body += [movement_sentence(m) for m in facts.token_movements[:MAX_LISTED]]
    if len(facts.token_movements) > MAX_LISTED:
        body.append(more_movements_sentence(len(facts.token_movements) - MAX_LISTED))
    for a in facts.approvals[:MAX_LISTED]:
        body.append(approval_sentence(a))
        if a.risky:
            body.append(risky_approval_sentence(a))
    inner_eth = [m for m in facts.eth_movements if m.frame != "0"]
    body += [eth_sentence(m, facts.native_symbol) for m in inner_eth[:MAX_LISTED]]
    if facts.status == "failed":
        body.append(revert_sentence(facts.revert, facts))
    body += [event_sentence(e) for e in facts.events[:MAX_EVENTS]]
    if facts.gas_used is not None:
        body.append(fee_sentence(facts))
    if facts.trace == "unavailable" and facts.status != "pending":
        body.append(no_trace_sentence(facts.trace_error))
    body += [Sentence(text=_("Warning: {summary}").format(summary=c.told()), evidence=[
        f"lookalike {c.evidence.params[0]}" if c.evidence and c.evidence.params else "lookalike"
    ]) for c in facts.checks if c.status == "found"]  # fmt: skip
    return lead_sentence(facts), body


def token_label(symbol: str | None, token: str) -> str:
    """How a token is named: its symbol as the contract reports it, else its address."""
    return symbol if symbol else _("the token at {token}").format(token=token)


def lead_sentence(facts: TransactionFacts) -> Sentence:
    """What the transaction did, in one sentence, from its most telling fact."""
    if facts.status == "pending":
        return Sentence(
            text=_("Pending: the transaction is not in a block yet."), evidence=["receipt"]
        )
    if facts.status == "failed":
        return failed_lead(facts.revert, facts)
    risky = [a for a in facts.approvals if a.approved and (a.unlimited or a.risky)]
    if risky or facts.approvals:
        return approval_lead((risky or facts.approvals)[0])
    swap = swap_lead(facts)
    if swap:
        return swap
    if facts.token_movements:
        return movement_lead(facts.token_movements[0], len(facts.token_movements) - 1)
    if facts.contract_created:
        return Sentence(
            text=_("Created the contract {address}.").format(address=facts.contract_created),
            evidence=["receipt.contractAddress"],
        )
    if int(facts.value) and not facts.call.selector:
        return Sentence(
            text=_("Sent {value} from {sender} to {to}.").format(
                value=native(facts.value, facts.native_symbol), sender=facts.from_, to=facts.to
            ),
            evidence=["transaction.value"],
        )
    return Sentence(
        text=_("Called {function} on {to}.").format(
            function=function_name(facts.call), to=facts.to
        ),
        evidence=["transaction.input"],
    )


def failed_lead(revert: Revert | None, facts: TransactionFacts) -> Sentence:
    """Failed: which call reverted, and with what."""
    if revert is None:
        return Sentence(
            text=_("Failed: the transaction reverted; the node offers no call trace to say why."),
            evidence=["receipt.status"],
        )
    frame = revert.frame or "0"
    call = find_call(facts, frame)
    what = callee(call, facts) if call else _("the transaction")
    return Sentence(
        text=_("Failed: {what} reverted with {reason}.").format(what=what, reason=reason(revert)),
        evidence=["receipt.status", f"frame {frame}"],
    )


def approval_lead(a: Approval) -> Sentence:
    """Approved someone to spend a token."""
    token = token_label(a.symbol, a.token)
    if not a.approved:
        text = _("Revoked {spender}'s approval to spend {token}.")
    elif a.amount is None and a.token_id is None:
        text = _("Approved {spender} to move every {token} token of {owner}.")
    elif a.token_id is not None:
        text = _("Approved {spender} to move {token} #{token_id}.")
    elif a.unlimited:
        text = _("Approved {spender} to spend an unlimited amount of {token}.")
    else:
        text = _("Approved {spender} to spend {amount} {token}.")
    return Sentence(
        text=text.format(
            spender=a.spender, token=token, owner=a.owner, token_id=a.token_id,
            amount=a.amount_display,
        ),
        evidence=[f"log {a.log_index}"],
    )  # fmt: skip


def swap_lead(facts: TransactionFacts) -> Sentence | None:
    """Swapped: the sender gave one asset (a token, or the value sent) and got another back (a
    token, or ETH from an inner call); None when it did not."""
    me = facts.from_
    gave = [m for m in facts.token_movements if m.from_ == me]
    got = [m for m in facts.token_movements if m.to == me and m.from_ != me]
    eth_in = [m for m in facts.eth_movements if m.to == me and m.frame != "0"]
    given: tuple[str, str] | None = None
    if gave:
        given = (token_amount(gave[0]), f"log {gave[0].log_index}")
    elif int(facts.value):
        given = (native(facts.value, facts.native_symbol), "transaction.value")
    received: tuple[str, str] | None = None
    if got and not (gave and got[0].token == gave[0].token):
        received = (token_amount(got[0]), f"log {got[0].log_index}")
    elif eth_in and gave:
        received = (native(eth_in[0].value, facts.native_symbol), f"frame {eth_in[0].frame}")
    if given is None or received is None:
        return None
    return Sentence(
        text=_("Swapped {given} for {got}.").format(given=given[0], got=received[0]),
        evidence=[given[1], received[1]],
    )


def movement_lead(m: TokenMovement, more: int) -> Sentence:
    """Transferred, minted or burned a token; how many other movements there were."""
    if m.from_ == ZERO:
        text = _("Minted {amount} to {to}.")
    elif m.to == ZERO:
        text = _("Burned {amount} from {sender}.")
    else:
        text = _("Transferred {amount} from {sender} to {to}.")
    text = text.format(amount=token_amount(m), sender=m.from_, to=m.to)
    if more:
        text += " " + _("{n} more token movements follow.").format(n=more)
    return Sentence(text=text, evidence=[f"log {m.log_index}"])


def token_amount(m: TokenMovement) -> str:
    """ "1.5 FIX", "FPUNK #1", "100 of token #1 of 0x…"."""
    token = token_label(m.symbol, m.token)
    if m.standard == "erc721":
        return _("{token} #{token_id}").format(token=token, token_id=m.token_id)
    if m.standard == "erc1155":
        return _("{amount} of {token} #{token_id}").format(
            amount=m.amount, token=token, token_id=m.token_id
        )
    return f"{m.amount_display} {token}"


def status_sentence(facts: TransactionFacts) -> Sentence:
    """Succeeded or failed, in which block, when."""
    if facts.status == "pending":
        return Sentence(text=_("It is pending: no block includes it yet."), evidence=["receipt"])
    text = (
        _("It succeeded in block {block} on {chain}")
        if facts.status == "success"
        else _("It failed in block {block} on {chain}")
    ).format(block=facts.block_number, chain=facts.chain)
    evidence = ["receipt.status", "receipt.blockNumber"]
    if facts.time:
        text += " " + _("at {time}").format(time=facts.time)
        evidence.append("block.timestamp")
    return Sentence(text=text + ".", evidence=evidence)


def call_sentence(facts: TransactionFacts) -> Sentence:
    """Who called what, with which arguments and value."""
    call = facts.call
    if facts.contract_created:
        text = _("{sender} deployed a contract at {address}.").format(
            sender=call.from_, address=facts.contract_created
        )
        return Sentence(text=text, evidence=["receipt.contractAddress"])
    if not call.selector:
        text = _("{sender} sent {value} to {to} with no call data.").format(
            sender=call.from_, value=native(call.value, facts.native_symbol), to=call.to
        )
        return Sentence(text=text, evidence=["transaction.value", "transaction.input"])
    text = _("{sender} called {function} on {to}").format(
        sender=call.from_, function=function_name(call), to=call.to
    )
    text += arguments(call)
    if int(call.value):
        text += " " + _("with {value} attached").format(
            value=native(call.value, facts.native_symbol)
        )
    return Sentence(text=text + ".", evidence=["transaction.input"])


def inner_call_sentence(call: Call) -> Sentence:
    """One call inside the transaction (a multicall's item, a token's transfer)."""
    text = _("Inside it, {sender} called {function} on {to}").format(
        sender=call.from_, function=function_name(call), to=call.to
    ) if call.selector else _("Inside it, {sender} called {to} with no call data").format(
        sender=call.from_, to=call.to
    )  # fmt: skip
    text += arguments(call)
    if call.type in ("DELEGATECALL", "STATICCALL"):
        text += f" ({call.type})"
    if call.error:
        text += "; " + _("this call failed")
    return Sentence(text=text + ".", evidence=[f"frame {call.frame}"])


def more_calls_sentence(n: int) -> Sentence:
    """Inner calls not described one by one."""
    return Sentence(text=_("{n} more inner calls are not listed.").format(n=n), evidence=["trace"])


def more_movements_sentence(n: int) -> Sentence:
    """Token movements not described one by one (all are in token_movements)."""
    return Sentence(
        text=_("{n} more token movements are not listed.").format(n=n), evidence=["receipt.logs"]
    )


def movement_sentence(m: TokenMovement) -> Sentence:
    """One token movement."""
    if m.from_ == ZERO:
        text = _("{amount} was minted to {to}.")
    elif m.to == ZERO:
        text = _("{amount} was burned from {sender}.")
    else:
        text = _("{amount} moved from {sender} to {to}.")
    return Sentence(
        text=text.format(amount=token_amount(m), sender=m.from_, to=m.to),
        evidence=[f"log {m.log_index}"],
    )


def approval_sentence(a: Approval) -> Sentence:
    """One approval, as its log says."""
    lead = approval_lead(a)
    return Sentence(
        text=_("{owner}: {approval}").format(owner=a.owner, approval=lead.text),
        evidence=lead.evidence,
    )


def risky_approval_sentence(a: Approval) -> Sentence:
    """Why this approval looks like a wallet drainer's."""
    if a.spender_kind == "eoa":
        text = _(
            "Warning: the spender {spender} is an externally owned account (a key, not a "
            "contract); approvals to such accounts are how wallet drainers take tokens."
        )
    else:
        text = _(
            "Warning: the spender {spender} is a contract this service does not know, given "
            "an unlimited allowance; drainers work this way, so check who it is."
        )
    return Sentence(
        text=text.format(spender=a.spender),
        evidence=[f"log {a.log_index}", f"eth_getCode {a.spender}"],
    )


def eth_sentence(m: EthMovement, symbol: str) -> Sentence:
    """Native currency moved inside a call."""
    return Sentence(
        text=_("{value} moved from {sender} to {to} inside the transaction.").format(
            value=native(m.value, symbol), sender=m.from_, to=m.to
        ),
        evidence=[f"frame {m.frame}"],
    )


def revert_sentence(revert: Revert | None, facts: TransactionFacts) -> Sentence:
    """Where and why it failed."""
    if revert is None:
        return Sentence(
            text=_(
                "Why it failed is unknown: the node offers no call trace, and the receipt only "
                "says it failed."
            ),
            evidence=["receipt.status"],
        )
    frame = revert.frame or "0"
    call = find_call(facts, frame)
    text = _("The failure started in frame {frame}, {what}, which reverted with {reason}.").format(
        frame=frame, what=callee(call, facts) if call else frame, reason=reason(revert)
    )
    if revert.args and revert.kind == "custom_error":
        values = ", ".join(str(a.value) for a in revert.args)
        text += " " + _("Its arguments: {values}.").format(values=values)
    return Sentence(text=text, evidence=[f"frame {frame}"])


def event_sentence(e: OtherEvent) -> Sentence:
    """A log that is not a token movement."""
    name = e.event or _("an unknown event {topic}").format(topic=e.topic0 or "(no topic)")
    shown = f" ({', '.join(_short(a.value) for a in e.args[:8])})" if e.args else ""
    return Sentence(
        text=_("{address} emitted {event}{args}.").format(
            address=e.address, event=name, args=shown
        ),
        evidence=[f"log {e.log_index}"],
    )


def fee_sentence(facts: TransactionFacts) -> Sentence:
    """Gas used and the fee paid."""
    text = _("It used {gas} gas of a {limit} limit").format(
        gas=facts.gas_used, limit=facts.gas_limit
    )
    evidence = ["receipt.gasUsed"]
    if facts.fee is not None:
        text += "; " + _("the fee was {fee}").format(fee=native(facts.fee, facts.native_symbol))
        evidence.append("receipt.effectiveGasPrice")
    return Sentence(text=text + ".", evidence=evidence)


def no_trace_sentence(why: str | None) -> Sentence:
    """What could not be seen without the call tracer."""
    return Sentence(
        text=_(
            "Not seen: calls inside the transaction and the value they moved, since {why}; "
            "this reads the receipt and its logs only."
        ).format(why=why or _("the node gave no call trace")),
        evidence=["debug_traceTransaction"],
    )


ZERO = "0x0000000000000000000000000000000000000000"


def native(wei: str, symbol: str) -> str:
    """Wei as the chain's currency ("0.5 ETH")."""
    return f"{units(int(wei), 18)} {symbol}"


def function_name(call: Call) -> str:
    """The function's signature, or what is known when no table names the selector."""
    if call.function:
        return call.function
    return _("an unknown function {selector}").format(selector=call.selector)


def arguments(call: Call) -> str:
    """ "(to=…, …)" -like listing of decoded arguments, short."""
    if not call.args:
        return ""
    shown = ", ".join(_short(a.value) for a in call.args[:6])
    more = ", …" if len(call.args) > 6 else ""
    return f" ({shown}{more})"


def _short(value: object) -> str:
    if value == str(2**256 - 1):  # type(uint256).max: what "unlimited" approvals send
        return "2^256-1"
    text = str(value) if not isinstance(value, list) else "[" + ", ".join(map(_short, value)) + "]"
    return text if len(text) <= 80 else text[:77] + "…"


def find_call(facts: TransactionFacts, frame: str) -> Call | None:
    """The decoded call of a frame id."""
    if frame == "0":
        return facts.call
    return next((c for c in facts.calls if c.frame == frame), None)


def callee(call: Call, facts: TransactionFacts) -> str:
    """ "the FIX token's transfer(address,uint256)" or "transfer(...) on 0x…"."""
    symbol = next(
        (m.symbol for m in facts.token_movements if m.token == call.to and m.symbol), None
    ) or facts_symbol(facts, call.to)
    name = call.function.split("(")[0] if call.function else function_name(call)
    if symbol:
        return _("the {symbol} token's {function}").format(symbol=symbol, function=name)
    return _("{function} on {to}").format(function=name, to=call.to)


def facts_symbol(facts: TransactionFacts, address: str | None) -> str | None:
    """The symbol of a token contract read for this transaction."""
    return facts.token_symbols.get(address or "") if address else None


def reason(revert: Revert) -> str:
    """The revert reason as said: a quoted string, a panic, or an error's name."""
    if revert.kind == "error_string":
        return f"'{revert.reason}'"
    if revert.kind == "no_data":
        return _("no reason given")
    if revert.kind == "unknown_error":
        return _("an unknown custom error {selector}").format(selector=revert.selector)
    if revert.kind == "custom_error":
        return _("the error {error}").format(error=revert.reason)
    return revert.reason
