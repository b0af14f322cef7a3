"""Every sentence the checks write, by key, so a message catalog can take them over."""

from __future__ import annotations

from typing import Any

from app.i18n.catalog import N_

MESSAGES: dict[str, str] = {
    # Functions named in the runtime code.
    "power.found": "{what}: the code{where} has {names}. {caveat}",
    "power.not_found": "{what}: none of the {total} functions in the code{where} has such a name. "
    "{caveat}",
    "power.no_selectors": "{what}: no function dispatcher could be read from the code{where} "
    "(not Solidity-style, or no code), so nothing was checked.",
    "power.caveat": "Functions without a known name: {unnamed} of {total}, not judged; and a "
    "function with an innocent name can do the same.",
    "power.caveat_all_named": "Every function has a known name, but names are promises only: "
    "what a function does is in its code.",
    "what.mintable": "Owner minting",
    "what.pausable": "Pausing transfers",
    "what.blacklist": "Blocking addresses",
    "what.owner_can_change_fee": "Changing the transfer fee",
    "what.max_tx_limit": "Transfer or wallet limits",
    "where.impl": " of the implementation {impl} behind this proxy",
    # SELFDESTRUCT.
    "selfdestruct.found": "SELFDESTRUCT is reachable in the code{where} (at byte {offsets}). Since "
    "EIP-6780 (Cancun, March 2024) it no longer deletes an existing contract's code or storage, "
    "but it still sends the contract's whole ether balance to an address of the caller's choice.",
    "selfdestruct.not_found": "No reachable SELFDESTRUCT in the code{where} (PUSH data and the "
    "metadata trailer skipped). Code reached through DELEGATECALL is not covered.",
    "selfdestruct.no_code": "The code{where} could not be read, so SELFDESTRUCT was not checked.",
    # paused().
    "paused.found": "paused() returns true at block {block}: transfers are paused now.",
    "paused.not_found": "paused() returns false at block {block}.",
    "paused.unknown": "The token has no readable paused(); the call reverted or returned no bool.",
    # Owner.
    "owner.none": "Neither owner() nor getOwner() returns an address, so ownership was not read.",
    "renounced.found": "Ownership is renounced: {method} returns {owner} at block {block}.",
    "renounced.not_found": "Ownership is not renounced: {method} returns {owner} at block {block}.",
    "eoa.found": "The owner {owner} is a plain account (no code): one private key controls it.",
    "eoa.not_found": "The owner {owner} is a contract, not a plain account.",
    "eoa.renounced": "Ownership is renounced; there is no owner account to look at.",
    "multisig.found": "The owner {owner} is a Safe-style multisig: {threshold} of {count} "
    "owners must sign.",
    "multisig.not_found": "The owner {owner} is not a Safe-style multisig (getThreshold() and "
    "getOwners() not both readable).",
    "multisig.eoa": "The owner {owner} is a plain account, not a multisig.",
    # Holders.
    "holders.found": "{holder} holds {share} of the supply (the {threshold} threshold), read "
    "with balanceOf at block {block}; holders were taken from Transfer logs in blocks "
    "{first} to {last}.",
    "holders.not_found": "No address holds {threshold} or more of the supply; the largest seen, "
    "{holder}, holds {share} (Transfer logs in blocks {first} to {last}, balances at block "
    "{block}).",
    "holders.partial": "The holders seen in Transfer logs in blocks {first} to {last} hold only "
    "{seen} of the supply, so a larger holder outside that range cannot be ruled out.",
    "holders.no_logs": "No Transfer logs could be read in blocks {first} to {last}, so holders "
    "were not rebuilt.",
    "holders.no_supply": "totalSupply() could not be read, so shares were not computed.",
    "holders.contract": "That holder is a contract: a pool, a vault or a lock holds tokens for "
    "others, a team wallet or a single owner's contract does not; its code tells which.",
    "holders.eoa": "That holder is a plain account (no code): one private key.",
    "holders.zero_supply": "totalSupply() is 0 at block {block}: no one holds any.",
    # Transfer simulation.
    "fee.found": "A transfer of {amount} from holder {holder} to a fresh address delivers "
    "{delivered}: a {percent} fee, simulated with eth_call at block {block}.",
    "fee.not_found": "A transfer of {amount} from holder {holder} to a fresh address delivers "
    "all {delivered}, simulated with eth_call at block {block}.",
    "fee.owner_only": "Only the owner {holder} could be simulated, and owners are commonly exempt "
    "from fees, so a fee for other holders was not checked.",
    "fee.reverted": "Every simulated transfer reverted, so no fee could be measured.",
    "fee.unmeasured": "The transfers go through as plain calls, but the balances around them "
    "could not be read (the token may refuse calls from contract code), so no fee was measured.",
    "fee.no_transfer": "The code{where} has no transfer(address,uint256), so no transfer was "
    "simulated.",
    "fee.no_holder": "No holder with a balance was found in recent Transfer logs, so no "
    "transfer was simulated.",
    "blocked.found": "A transfer of {amount} from holder {holder} reverts: {reason} (eth_call at "
    "block {block}). That holder cannot move its tokens now.",
    "blocked.not_found": "Transfers from {count} holder(s) ({holders}) to a fresh address go "
    "through (eth_call at block {block}).",
    "blocked.owner_only": "Only the owner {holder} could be simulated, and owners are commonly "
    "exempt from blocks, so other holders were not checked.",
    # Shared.
    "not_token": "Not an ERC-20 token, so there is no transfer or holder list to check.",
    "rpc_failed": "Not read: {error}.",
    "budget": "Not read: the checks' time budget of {seconds:g} s ran out.",
    # Lookalikes.
    "lookalike.found": "{address} imitates {real} ({label}, {where}): the same first {head} and "
    "last {tail} hex characters, a different address. This is how address poisoning works: a "
    "scammer makes an address that looks like one you used, hoping you copy it from your "
    "history. Compare every character before sending.",
    "lookalike.not_found": "{address} shares its first and last {n} hex characters with none of "
    "the {count} addresses the service knows.",
}


# What each check looks for, in a few words (the message catalog's entries for check names).
CHECK_NAMES: dict[str, str] = {
    "mintable": N_("owner minting"),
    "pausable": N_("pausing"),
    "paused_now": N_("paused now"),
    "blacklist": N_("blocking addresses"),
    "fee_on_transfer": N_("a fee on transfer"),
    "owner_can_change_fee": N_("an owner-set fee"),
    "max_tx_limit": N_("transfer or wallet limits"),
    "transfer_blocked_for_holders": N_("holders unable to transfer"),
    "ownership_renounced": N_("renounced ownership"),
    "owner_is_eoa": N_("a single-key owner"),
    "owner_is_multisig": N_("a multisig owner"),
    "holder_concentration": N_("one holder with half the supply"),
    "selfdestruct": N_("SELFDESTRUCT"),
    "lookalike": N_("imitating a known address"),
}


def say(key: str, **values: Any) -> str:
    """The sentence for a key, filled in."""
    return MESSAGES[key].format(**values)
