import pytest

from app.evm.chains import chains_in, resolve


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("USDC on Arbitrum", ["arbitrum"]),
        ("Polygon USDC", ["polygon"]),
        ("WETH on base", ["base"]),
        ("is the base fee burned?", []),
        ("bridge from BSC to Avalanche", ["bnb", "avalanche"]),
        ("on OP Mainnet", ["optimism"]),
        ("the op code", []),
    ],
)
def test_chains_named_in_questions(text: str, names: list[str]) -> None:
    assert [c.name for c in chains_in(text)] == names


def test_resolve_by_name_alias_and_id() -> None:
    assert resolve("Ethereum").chain_id == 1  # type: ignore[union-attr]
    assert resolve("42161").name == "arbitrum"  # type: ignore[union-attr]
    assert resolve("bsc").name == "bnb"  # type: ignore[union-attr]
    assert resolve("nochain") is None
