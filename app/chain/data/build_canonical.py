"""Build canonical_tokens.json: a token list's tokens on known chains, for the inspector's
symbol-impersonation warnings.

Regenerate (from the repo root) from the Uniswap Labs default list, the one the token-card dev
set is built from too (eval/tokens/build.py):
    npm pack @uniswap/default-token-list@22.21.0 && tar xzf uniswap-default-token-list-22.21.0.tgz
    .venv/bin/python app/chain/data/build_canonical.py package/build/uniswap-default.tokenlist.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from app.evm.chains import BY_ID

OUT = Path(__file__).resolve().parent / "canonical_tokens.json"


def write_canonical(data: dict[str, Any], out: Path = OUT) -> None:
    """The list's tokens on known chains, one JSON object a line, sorted by chain and symbol."""
    tokens = [
        {
            "chain": BY_ID[t["chainId"]].name,
            "address": to_checksum_address(t["address"]),
            "symbol": t["symbol"],
            "name": t["name"],
        }
        for t in data["tokens"]
        if t["chainId"] in BY_ID
    ]
    tokens.sort(key=lambda t: (t["chain"], t["symbol"].upper(), t["address"]))
    rows = ",\n".join(json.dumps(t, ensure_ascii=False) for t in tokens)
    source = json.dumps(f"{data['name']} {_version(data)}")
    out.write_text(f'{{"source": {source}, "tokens": [\n{rows}\n]}}\n', "utf-8")


def _version(data: dict[str, Any]) -> str:
    v = data.get("version", {})
    return f"{v.get('major', 0)}.{v.get('minor', 0)}.{v.get('patch', 0)}"


if __name__ == "__main__":
    write_canonical(json.loads(Path(sys.argv[1]).read_text()))
    print(f"wrote {OUT}")
