"""Build the token-card dev set from a token list in the Uniswap token-list schema.

Regenerate (from the repo root):
    npm pack @uniswap/default-token-list@22.21.0 && tar xzf uniswap-default-token-list-22.21.0.tgz
    .venv/bin/python eval/tokens/build.py package/build/uniswap-default.tokenlist.json

Writes eval/tokens/docs/*.md (one card per token on a known EVM chain), questions.jsonl (all
questions) and questions-small.jsonl with small.txt (the subset CI runs). The inspector's list of
well-known tokens comes from the same file, built beside its data by
app/chain/data/build_canonical.py.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from app.evm.chains import BY_ID, Chain

HERE = Path(__file__).resolve().parent
ADDRESS_TEMPLATES = (
    "what is {a}",
    "What token is at {a}?",
    "How many decimals does {a} have?",
    "{a}",
    "which chain is {a} deployed on and what is it",
)
CHAIN_TEMPLATES = (
    "{s} on {c}",
    "What is the {s} token address on {c}?",
    "{c} {s}",
    "{n} contract on {c}",
    "Which contract is {s} on {c} and how many decimals does it have?",
)


def card_id(token: dict[str, Any], chain: Chain) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", token["symbol"].lower()).strip("-") or "token"
    return f"{slug}-{chain.name}-{token['address'][2:10].lower()}"


def render(token: dict[str, Any], chain: Chain, list_name: str) -> str:
    address = to_checksum_address(token["address"])
    meta = {
        "title": f"{token['name']} ({token['symbol']}) on {chain.label}",
        "type": "contract",
        "chain": chain.name,
        "chain_id": chain.chain_id,
        "symbol": token["symbol"],
        "decimals": token["decimals"],
        "addresses": [address],
        "token_list": list_name,
    }
    lines = ["---", *(f"{k}: {json.dumps(v)}" for k, v in meta.items()), "---"]
    lines.append(
        f"{token['name']} ({token['symbol']}) is a token contract on {chain.label} "
        f"(chain id {chain.chain_id}) at {address}, with {token['decimals']} decimals. "
        f"It is listed in the {list_name} token list."
    )
    bridges = token.get("extensions", {}).get("bridgeInfo", {})
    others = [
        (BY_ID[int(cid)], info["tokenAddress"])
        for cid, info in sorted(bridges.items())
        if int(cid) in BY_ID
    ]
    if others:
        lines.append("")
        lines.append("Versions of this token on other chains:")
        lines.extend(f"- {c.label}: {to_checksum_address(a)}" for c, a in others)
    return "\n".join(lines) + "\n"


def address_facts(found: list[tuple[dict[str, Any], Chain]], template: str) -> list[str]:
    """What an answer about a token's address must say: name, symbol and every chain it is on."""
    token = found[0][0]
    facts = [token["name"], token["symbol"], *(c.label for _, c in found)]
    if "decimals" in template:
        facts.append(f"{token['decimals']} decimals")
    return list(dict.fromkeys(facts))


def chain_facts(token: dict[str, Any]) -> list[str]:
    """What an answer about a token on a chain must say: its address there, in EIP-55."""
    return [to_checksum_address(token["address"])]


def main(path: str) -> None:
    data = json.loads(Path(path).read_text())
    tokens = [(t, BY_ID[t["chainId"]]) for t in data["tokens"] if t["chainId"] in BY_ID]
    docs = HERE / "docs"
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir()
    by_address: dict[str, list[str]] = defaultdict(list)
    by_symbol_chain: dict[tuple[str, str], list[str]] = defaultdict(list)
    cards: dict[str, tuple[dict[str, Any], Chain]] = {}
    for token, chain in tokens:
        cid = card_id(token, chain)
        if cid in cards:
            continue
        cards[cid] = (token, chain)
        (docs / f"{cid}.md").write_text(render(token, chain, data["name"]), "utf-8")
        by_address[token["address"].lower()].append(cid)
        by_symbol_chain[(token["symbol"].upper(), chain.name)].append(cid)
    chains_per_symbol = Counter(s for s, _ in by_symbol_chain)
    rng = random.Random(7)
    ids = sorted(cards)
    questions = []
    for n, cid in enumerate(rng.sample(ids, min(300, len(ids)))):
        token, chain = cards[cid]
        address = to_checksum_address(token["address"])
        shown = address.lower() if n % 2 else address
        template = ADDRESS_TEMPLATES[n % len(ADDRESS_TEMPLATES)]
        gold = by_address[address.lower()]
        questions.append(
            {
                "q": template.format(a=shown),
                "gold": gold,
                "kind": "address",
                "facts": address_facts([cards[g] for g in gold], template),
            }
        )
    # Token-on-chain questions only where the symbol exists on several chains: the hard case.
    ambiguous = [
        cid
        for cid in ids
        if chains_per_symbol[cards[cid][0]["symbol"].upper()] >= 3
        and len(by_symbol_chain[(cards[cid][0]["symbol"].upper(), cards[cid][1].name)]) == 1
    ]
    for n, cid in enumerate(rng.sample(ambiguous, min(200, len(ambiguous)))):
        token, chain = cards[cid]
        template = CHAIN_TEMPLATES[n % len(CHAIN_TEMPLATES)]
        questions.append(
            {
                "q": template.format(s=token["symbol"], n=token["name"], c=chain.label),
                "gold": [cid],
                "kind": "token-chain",
                "facts": chain_facts(token),
            }
        )
    with (HERE / "questions.jsonl").open("w") as out:
        out.writelines(json.dumps(q) + "\n" for q in questions)
    # The CI subset: questions over a few symbols, with all their cards as distractors.
    small_q = [q for q in questions if q["kind"] == "address"][:30]
    small_q += [q for q in questions if q["kind"] == "token-chain"][:30]
    symbols = {cards[g][0]["symbol"].upper() for q in small_q for g in q["gold"]}
    small_cards = sorted(
        {cid for cid in ids if cards[cid][0]["symbol"].upper() in symbols}
        | {g for q in small_q for g in q["gold"]}
    )
    (HERE / "small.txt").write_text("\n".join(small_cards) + "\n")
    with (HERE / "questions-small.jsonl").open("w") as out:
        out.writelines(json.dumps(q) + "\n" for q in small_q)
    print(
        f"{len(cards)} cards, {len(questions)} questions; CI subset: {len(small_cards)} cards, "
        f"{len(small_q)} questions"
    )


if __name__ == "__main__":
    main(sys.argv[1])
