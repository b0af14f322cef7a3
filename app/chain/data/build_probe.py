"""Compile TransferProbe.sol into probe.json (runtime code) with the fixtures' solc-js.

Run from the repo root after `make chain-tools`:
    .venv/bin/python app/chain/data/build_probe.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[2] / "tests/chain/fixtures"
SOURCE = HERE / "TransferProbe.sol"
OUT = HERE / "probe.json"

_COMPILE = """
const solc = require("solc");
const fs = require("fs");
const input = {language: "Solidity", sources: {"TransferProbe.sol": {content: fs.readFileSync(0, "utf8")}},
  settings: {optimizer: {enabled: true, runs: 200}, evmVersion: "paris",
             outputSelection: {"*": {"*": ["evm.deployedBytecode.object"]}}}};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) { console.error(errors.map((e) => e.formattedMessage).join("\\n")); process.exit(1); }
const code = out.contracts["TransferProbe.sol"].TransferProbe.evm.deployedBytecode.object;
console.log(JSON.stringify({compiler: solc.version(), runtime: "0x" + code}));
"""


def main() -> None:
    """Compile and write probe.json."""
    if not (FIXTURES / "node_modules/solc").exists():
        sys.exit("solc-js is missing: run `make chain-tools` first")
    done = subprocess.run(
        ["node", "-e", _COMPILE],
        input=SOURCE.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        cwd=FIXTURES,
        check=False,
    )
    if done.returncode:
        sys.exit(done.stderr)
    OUT.write_text(json.dumps(json.loads(done.stdout), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}")


if __name__ == "__main__":
    main()
