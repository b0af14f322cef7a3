"""Every sentence the checks write, by key, so a message catalog can take them over."""

from __future__ import annotations

from typing import Any

from app.i18n.catalog import N_, _

MESSAGES: dict[str, str] = {
    # Functions named in the runtime code.
    "power.found": N_("{what}: the code{where} has {names}. {caveat}"),
    "power.not_found": N_(
        "{what}: none of the {total} functions in the code{where} has such a name. {caveat}"
    ),
    "power.no_selectors": N_(
        "{what}: no function dispatcher could be read from the code{where} "
        "(not Solidity-style, or no code), so nothing was checked."
    ),
    "power.caveat": N_(
        "Functions without a known name: {unnamed} of {total}, not judged; and a "
        "function with an innocent name can do the same."
    ),
    "power.caveat_all_named": N_(
        "Every function has a known name, but names are promises only: "
        "what a function does is in its code."
    ),
    "what.mintable": N_("Owner minting"),
    "what.pausable": N_("Pausing transfers"),
    "what.blacklist": N_("Blocking addresses"),
    "what.owner_can_change_fee": N_("Changing the transfer fee"),
    "what.max_tx_limit": N_("Transfer or wallet limits"),
    "where.impl": N_(" of the implementation {impl} behind this proxy"),
    # SELFDESTRUCT.
    "selfdestruct.found": N_(
        "SELFDESTRUCT is reachable in the code{where} (at byte {offsets}). Since "
        "EIP-6780 (Cancun, March 2024) it no longer deletes an existing contract's code or "
        "storage, but it still sends the contract's whole ether balance to an address of the "
        "caller's choice."
    ),
    "selfdestruct.not_found": N_(
        "No reachable SELFDESTRUCT in the code{where} (PUSH data and the "
        "metadata trailer skipped). Code reached through DELEGATECALL is not covered."
    ),
    "selfdestruct.no_code": N_(
        "The code{where} could not be read, so SELFDESTRUCT was not checked."
    ),
    # paused().
    "paused.found": N_("paused() returns true at block {block}: transfers are paused now."),
    "paused.not_found": N_("paused() returns false at block {block}."),
    "paused.unknown": N_(
        "The token has no readable paused(); the call reverted or returned no bool."
    ),
    # Owner.
    "owner.none": N_(
        "Neither owner() nor getOwner() returns an address, so ownership was not read."
    ),
    "renounced.found": N_("Ownership is renounced: {method} returns {owner} at block {block}."),
    "renounced.not_found": N_(
        "Ownership is not renounced: {method} returns {owner} at block {block}."
    ),
    "eoa.found": N_("The owner {owner} is a plain account (no code): one private key controls it."),
    "eoa.not_found": N_("The owner {owner} is a contract, not a plain account."),
    "eoa.renounced": N_("Ownership is renounced; there is no owner account to look at."),
    "multisig.found": N_(
        "The owner {owner} is a Safe-style multisig: {threshold} of {count} owners must sign."
    ),
    "multisig.not_found": N_(
        "The owner {owner} is not a Safe-style multisig (getThreshold() and "
        "getOwners() not both readable)."
    ),
    "multisig.eoa": N_("The owner {owner} is a plain account, not a multisig."),
    # Holders.
    "holders.found": N_(
        "{holder} holds {share} of the supply (the {threshold} threshold), read "
        "with balanceOf at block {block}; holders were taken from Transfer logs in blocks "
        "{first} to {last}."
    ),
    "holders.not_found": N_(
        "No address holds {threshold} or more of the supply; the largest seen, "
        "{holder}, holds {share} (Transfer logs in blocks {first} to {last}, balances at block "
        "{block})."
    ),
    "holders.partial": N_(
        "The holders seen in Transfer logs in blocks {first} to {last} hold only "
        "{seen} of the supply, so a larger holder outside that range cannot be ruled out."
    ),
    "holders.no_logs": N_(
        "No Transfer logs could be read in blocks {first} to {last}, so holders were not rebuilt."
    ),
    "holders.no_supply": N_("totalSupply() could not be read, so shares were not computed."),
    "holders.contract": N_(
        "That holder is a contract: a pool, a vault or a lock holds tokens for "
        "others, a team wallet or a single owner's contract does not; its code tells which."
    ),
    "holders.eoa": N_("That holder is a plain account (no code): one private key."),
    "holders.zero_supply": N_("totalSupply() is 0 at block {block}: no one holds any."),
    # Transfer simulation.
    "fee.found": N_(
        "A transfer of {amount} from holder {holder} to a fresh address delivers "
        "{delivered}: a {percent} fee, simulated with eth_call at block {block}."
    ),
    "fee.not_found": N_(
        "A transfer of {amount} from holder {holder} to a fresh address delivers "
        "all {delivered}, simulated with eth_call at block {block}."
    ),
    "fee.owner_only": N_(
        "Only the owner {holder} could be simulated, and owners are commonly exempt "
        "from fees, so a fee for other holders was not checked."
    ),
    "fee.reverted": N_("Every simulated transfer reverted, so no fee could be measured."),
    "fee.unmeasured": N_(
        "The transfers go through as plain calls, but the balances around them "
        "could not be read (the token may refuse calls from contract code), so no fee was measured."
    ),
    "fee.no_transfer": N_(
        "The code{where} has no transfer(address,uint256), so no transfer was simulated."
    ),
    "fee.no_holder": N_(
        "No holder with a balance was found in recent Transfer logs, so no transfer was simulated."
    ),
    "blocked.found": N_(
        "A transfer of {amount} from holder {holder} reverts: {reason} (eth_call at "
        "block {block}). That holder cannot move its tokens now."
    ),
    "blocked.not_found": N_(
        "Transfers from {count} holder(s) ({holders}) to a fresh address go "
        "through (eth_call at block {block})."
    ),
    "blocked.owner_only": N_(
        "Only the owner {holder} could be simulated, and owners are commonly "
        "exempt from blocks, so other holders were not checked."
    ),
    # Shared.
    "not_token": N_("Not an ERC-20 token, so there is no transfer or holder list to check."),
    "rpc_failed": N_("Not read: {error}."),
    "budget": N_("Not read: the checks' time budget of {seconds:g} s ran out."),
    # Lookalikes.
    "lookalike.found": N_(
        "{address} imitates {real} ({label}, {where}): the same first {head} and "
        "last {tail} hex characters, a different address. This is how address poisoning works: a "
        "scammer makes an address that looks like one you used, hoping you copy it from your "
        "history. Compare every character before sending."
    ),
    "lookalike.not_found": N_(
        "{address} shares its first and last {n} hex characters with none of "
        "the {count} addresses the service knows."
    ),
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


class Said(str):
    """A check's sentence in English (the str itself, what the API returns), which remembers
    its message keys and values, so that it can be said again in the current language when it
    is shown (`told()`): the checks are read once and cached, whoever asks and in whatever
    language. Joined with `+`, the parts are kept; other str operations give plain English."""

    parts: tuple[str | tuple[str, dict[str, Any]], ...]

    def __new__(cls, text: str, parts: tuple[str | tuple[str, dict[str, Any]], ...]) -> Said:
        said = super().__new__(cls, text)
        said.parts = parts
        return said

    def __add__(self, other: str) -> Said:
        return Said(str(self) + str(other), self.parts + _parts(other))

    def __radd__(self, other: str) -> Said:
        return Said(str(other) + str(self), _parts(other) + self.parts)

    def told(self) -> str:
        """The sentence in the current language (English: the sentence itself)."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                key, values = part
                out.append(_(MESSAGES[key]).format(**{k: told(v) for k, v in values.items()}))
        return "".join(out)


def _parts(text: str) -> tuple[str | tuple[str, dict[str, Any]], ...]:
    return text.parts if isinstance(text, Said) else (str(text),)


def told(value: Any) -> Any:
    """A sentence the checks wrote, in the current language; any other value as it is."""
    return value.told() if isinstance(value, Said) else value


def say(key: str, **values: Any) -> Said:
    """The sentence for a key, filled in (in English; `told()` says it in the current language)."""
    return Said(MESSAGES[key].format(**values), ((key, values),))
