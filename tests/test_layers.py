"""Imports point down: each package imports its own modules and lower layers only."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

# Low to high. Entry points are on top: the API, the CLI, the bots, the benchmarks, and the
# migrations' env.py, which alembic runs and which reads every module that declares tables.
LAYERS: list[set[str]] = [
    # Basics that import no other layer: EVM addresses and chains, and the data in the package.
    {"app.evm", "app.prompts", "app.samples"},
    {"app", "app.core", "app.i18n", "app.web"},
    {"app.kb", "app.access", "app.feedback"},
    {"app.chain"},
    {"app.rag"},
    {"app.tables"},
    {"app.services"},
    {"ingest", "finetune", "app.operations", "app.eval"},
    {"app.api", "app.cli", "app.bots", "bench", "alembic env"},
]
# Imports within one layer that are its design: the CLI and the benchmarks serve the API, the
# CLI runs the bots, an evaluation and the shared operations ingest, and the load benchmark's
# floor (bench/support/floor.py) runs under the worker processes of `serve --workers`.
SIDEWAYS = {("app.cli", "app.api"), ("app.cli", "app.bots"), ("bench", "app.api"),
            ("bench", "app.cli"), ("app.eval", "ingest"), ("app.operations", "ingest")}  # fmt: skip
LEVEL = {name: n for n, layer in enumerate(LAYERS) for name in layer} | {"tests": len(LAYERS)}
ROOTS = ("app", "ingest", "finetune", "bench")


def package(module: str) -> str:
    """The layer unit of a module: app.<package> (the migrations' env.py apart), else its root."""
    parts = module.split(".")
    if parts[:4] == ["app", "core", "migrations", "env"]:
        return "alembic env"
    if parts[0] == "app" and len(parts) > 1:
        return f"app.{parts[1]}"
    return parts[0]


def imports(path: Path) -> set[str]:
    """Modules of this repository a file imports, at any depth in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] in (*ROOTS, "tests")}
    return found


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            own = package(module)
            assert own in LEVEL, f"{own} is in no layer: add it to LAYERS"
            for target in {package(name) for name in imports(path)} - {own}:
                if target == "app":  # "from app import operations": the module named
                    continue
                pair = (own, target)
                if target not in LEVEL or pair in SIDEWAYS:
                    continue
                if LEVEL[target] >= LEVEL[own]:
                    wrong.append(f"{path.relative_to(REPO)} imports {target}")
    assert wrong == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    file = tmp_path / "m.py"
    file.write_text("def f():\n    from app.cli.common import server\n")
    assert {package(n) for n in imports(file)} == {"app.cli"}
    assert LEVEL["app.cli"] > LEVEL["app.rag"]
