"""Real transactions of each kind the explainer reads, sent on a test chain (anvil)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from bench.support.anvil import Deployer

UNLIMITED = 2**256 - 1
# Same first and last four hex characters as the canonical USDC on Ethereum.
USDC_LOOKALIKE = Web3.to_checksum_address("0xa0b8" + "7" * 32 + "eb48")
# Two accounts that look alike: the same first and last four hex characters.
PAIR = [Web3.to_checksum_address("0x1234" + c * 32 + "5678") for c in "ab"]
GAS = 300_000  # set so that failing transactions are sent (no estimate) and mined as failed


def send_transactions(url: str, a: dict[str, str]) -> dict[str, Any]:
    """Hashes of real transactions by kind, the accounts they involve and the fixtures'
    addresses (`a`, from deploy_fixtures)."""
    d = Deployer(url)
    w3 = d.w3
    me, alice, bob, carol = (str(x) for x in w3.eth.accounts[:4])
    batcher = d.deploy("Batcher")
    failing = d.deploy("FailingToken")
    token = d.contract("FixtureToken", a["token18"])
    # A collection of its own (token 1 is the deployer's): sending again on the same chain, as
    # several test modules do, moves it again instead of failing.
    nft = d.contract("FixtureNFT", d.deploy("FixtureNFT"))
    batch = d.contract("Batcher", batcher)
    fail = d.contract("FailingToken", failing)

    def send(fn: Any, sender: str = me, **extra: Any) -> str:
        tx_hash = fn.transact({"from": sender, "gas": GAS, **extra})
        w3.eth.wait_for_transaction_receipt(tx_hash)
        return "0x" + bytes(tx_hash).hex()

    hashes: dict[str, str] = {}
    hashes["erc20"] = send(token.functions.transfer(alice, 15 * 10**17))
    hashes["approve_eoa"] = send(token.functions.approve(bob, UNLIMITED))
    hashes["approve_some"] = send(token.functions.approve(batcher, 5 * 10**18))
    hashes["fail_string"] = send(fail.functions.transfer(alice, 1))
    # carol holds no FIX: OpenZeppelin's ERC20InsufficientBalance(address,uint256,uint256).
    hashes["fail_custom"] = send(token.functions.transfer(alice, 10**18), sender=carol)
    # A USDT-like token without checks: Solidity's underflow panic.
    usdt = d.contract("NoBoolToken", a["usdt_like"])
    hashes["fail_panic"] = send(usdt.functions.transfer(alice, 1), sender=carol)
    hashes["split"] = send(batch.functions.split(alice, bob), value=10**18)
    balance_of = token.encode_abi("balanceOf", args=[alice])
    hashes["batch"] = send(
        batch.functions.run(
            [(alice, 10**17, b""), (a["token18"], 0, bytes.fromhex(balance_of[2:]))]
        ),
        value=10**17,
    )
    inner_fail = fail.encode_abi("transfer", args=[alice, 1])
    hashes["batch_fail"] = send(batch.functions.run([(failing, 0, bytes.fromhex(inner_fail[2:]))]))
    hashes["unknown_function"] = send(batch.functions.zqxFrobnicate(41))
    hashes["guarded"] = send(batch.functions.guarded())
    hashes["nft"] = send(nft.functions.transferFrom(me, alice, 1))
    # Through an EIP-1967 proxy: the token's code runs in a DELEGATECALL frame.
    impl = d.deploy("ProxiedToken")
    init = d.contract("ProxiedToken").encode_abi("init", args=["PRX", 10**12])
    proxy = d.deploy("ERC1967Proxy", impl, bytes.fromhex(init[2:]))
    proxied = d.contract("ProxiedToken", proxy)
    hashes["proxy"] = send(proxied.functions.transfer(alice, 25 * 10**5))
    # Address poisoning: a lookalike of the listed USDC, and two lookalikes in one transaction.
    hashes["poison_listed"] = send(token.functions.transfer(USDC_LOOKALIKE, 1))
    send(token.functions.transfer(batcher, 10**18))
    pay = [bytes.fromhex(token.encode_abi("transfer", args=[to, 1])[2:]) for to in PAIR]
    hashes["poison_pair"] = send(batch.functions.run([(a["token18"], 0, d) for d in pay]))
    # A contract created, every NFT of a collection approved to a key, an ERC-1155 transfer.
    created = d.contract("Batcher").constructor().transact({"from": me, "gas": 2_000_000})
    w3.eth.wait_for_transaction_receipt(created)
    hashes["create"] = "0x" + bytes(created).hex()
    hashes["approve_all"] = send(nft.functions.setApprovalForAll(bob, True))
    multi = d.contract("FixtureMulti", a["multi"])
    hashes["erc1155"] = send(multi.functions.safeTransferFrom(me, alice, 1, 7, b""))
    # A swap as the sender sees it: ETH in, tokens back (the batcher pays from its own FIX).
    pay_me = bytes.fromhex(token.encode_abi("transfer", args=[me, 10**17])[2:])
    hashes["swap"] = send(batch.functions.run([(a["token18"], 0, pay_me)]), value=10**17)
    tx = w3.eth.send_transaction({"from": me, "to": bob, "value": Web3.to_wei(2, "ether")})
    w3.eth.wait_for_transaction_receipt(tx)
    hashes["eth"] = "0x" + bytes(tx).hex()
    accounts = {"me": me, "alice": alice, "bob": bob, "carol": carol}
    return {"url": url, "hashes": hashes, "accounts": accounts, "batcher": batcher,
            "failing": failing, "proxy": proxy, "proxy_impl": impl, **a}  # fmt: skip
