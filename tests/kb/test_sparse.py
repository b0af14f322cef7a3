from app.kb.sparse import SparseEncoder, tokens

VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"


def test_keys_stay_whole() -> None:
    toks = tokens(f"Vault {VAULT} calls donateToReserves per EIP-1559, ERC20 and ERC 721: USDC")
    assert VAULT.lower() in toks
    assert {"donatetoreserves", "donate", "reserves"} <= set(toks)
    assert {"eip-1559", "erc-20", "erc-721", "usdc"} <= set(toks)


def test_stopwords_dropped_and_hex_selector_kept() -> None:
    assert tokens("What is the 0xd9b67a26 interface?") == ["0xd9b67a26", "interface"]


def test_query_and_document_share_indices() -> None:
    enc = SparseEncoder()
    doc = enc.encode_document("USDC on Arbitrum, bridged USDC.e")
    query = enc.encode_query("arbitrum usdc")
    assert set(query.indices) <= set(doc.indices)
    assert all(v == 1.0 for v in query.values)


def test_repeated_terms_saturate() -> None:
    enc = SparseEncoder()
    one = enc.encode_document("usdc")
    many = enc.encode_document("usdc " * 50)
    assert max(many.values) < 2.5 * max(one.values)


def test_chinese_runs_become_overlapping_bigrams_beside_latin_tokens() -> None:
    assert tokens("Euler 闪电贷攻击？中") == ["euler", "闪电", "电贷", "贷攻", "攻击", "中"]


def test_a_chinese_document_matches_a_chinese_question() -> None:
    enc = SparseEncoder()
    doc = enc.encode_document("Euler 在 2023 年遭到闪电贷攻击")
    query = enc.encode_query("闪电贷攻击")
    assert set(query.indices) <= set(doc.indices)
