from app.evm.addresses import classify, find_addresses, normalise_all

VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"


def test_lowercase_is_normalised_and_marked_unchecked() -> None:
    found = classify(VAULT.lower())
    assert found.checksum == VAULT
    assert found.status == "unchecked"


def test_valid_checksum() -> None:
    assert classify(VAULT).status == "valid"


def test_wrong_checksum_is_invalid() -> None:
    wrong = VAULT.replace("BA12", "Ba12")
    assert classify(wrong).status == "invalid"


def test_find_skips_transaction_hashes_and_dedupes() -> None:
    tx = "0x" + "ab" * 32
    text = f"vault {VAULT} and again {VAULT.lower()}, tx {tx}"
    assert [a.checksum for a in find_addresses(text)] == [VAULT]


def test_normalise_all_ignores_non_addresses() -> None:
    assert normalise_all(["nope", VAULT.lower(), "0x123"]) == [VAULT]


def test_all_digit_addresses_have_no_case_to_check_so_count_as_valid() -> None:
    for raw in ("0x" + "0" * 36 + "1234", "0x" + "1" * 40):
        found = classify(raw)
        assert found.checksum == raw
        assert found.status == "valid"


def test_one_letter_in_lower_case_is_still_unchecked() -> None:
    # Case exists to check as soon as one letter a-f appears.
    raw = "0x" + "1" * 39 + "a"
    assert classify(raw).status == "unchecked"
