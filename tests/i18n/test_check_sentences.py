"""The checks' sentences are written once, in English, and said in the reader's language."""

from __future__ import annotations

from app.chain.checks.messages import say
from app.chain.checks.report import check_lines, grouped
from app.chain.facts import Check, ContractFacts
from app.i18n.catalog import speaking

TOKEN = "0x" + "ab" * 20
HOLDER = "0x" + "cd" * 20


def _facts() -> ContractFacts:
    fee = say(
        "fee.found",
        amount="100 FEE",
        holder=HOLDER,
        delivered="93 (93000000000000000000 base units)",
        percent="7%",
        block=12,
    )
    blocked = say("blocked.not_found", count=1, holders=HOLDER, block=12)
    blocked += " " + say("blocked.owner_only", holder=HOLDER)
    checks = [
        Check(id="fee_on_transfer", status="found", summary=fee),
        Check(id="transfer_blocked_for_holders", status="unknown", summary=blocked),
        Check(id="paused_now", status="found", summary=say("paused.found", block=12)),
    ]
    concentration = Check(id="holder_concentration", status="found", summary=say("not_token"))
    checks.append(concentration.retold(concentration.said() + " " + say("holders.eoa")))
    return ContractFacts(
        chain="ethereum",
        address=TOKEN,
        account_type="contract",
        is_contract=True,
        block_number=12,
        checks=checks,
    )


def test_a_found_risk_is_said_in_chinese_and_kept_in_english() -> None:
    facts = _facts()
    english = check_lines(facts)
    with speaking("zh"):
        lines = check_lines(facts)
        risks = grouped(facts).risks
    fee = (
        f"从持有者 {HOLDER} 向一个新地址转账 100 FEE，到账 93 (93000000000000000000 base units)："
        "手续费为 7%，于区块 12 用 eth_call 模拟。"
    )
    assert lines[0] == f"发现（读取于区块 12）：{fee}"
    assert risks[0] == fee
    assert "该持有者是普通账户（没有代码）：一把私钥。" in risks[-1]
    assert "A transfer" not in "\n".join(lines)
    # The API's summary and English stay as they were written, byte for byte.
    summary = facts.checks[0].summary
    assert type(summary) is str and summary.startswith("A transfer of 100 FEE from holder")
    assert english[0] == f"Found, read at block 12: {summary}"
    assert facts.checks[1].summary.endswith("so other holders were not checked.")
    assert facts.checks[3].summary == (
        "Not an ERC-20 token, so there is no transfer or holder list to check. "
        "That holder is a plain account (no code): one private key."
    )
    assert [c.told() for c in facts.checks] == [c.summary for c in facts.checks]
    dumped = ContractFacts.model_validate_json(facts.model_dump_json())
    assert dumped.model_dump() == facts.model_dump()
    with speaking("zh"):  # read back from JSON, a check has no words but its English
        assert dumped.checks[0].told() == summary
