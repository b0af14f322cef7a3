"""The few ABI pieces the inspector needs: selectors, proxy slots and bounded decoders."""

from __future__ import annotations

from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

# Longest string the inspector decodes from a call; deployers can return megabytes.
MAX_STRING_BYTES = 4096


def selector(signature: str) -> str:
    """0x-prefixed 4-byte selector of a function signature."""
    return "0x" + function_signature_to_4byte_selector(signature).hex()


def _slot(label: str, minus_one: bool = True) -> str:
    value = int.from_bytes(keccak(text=label), "big") - (1 if minus_one else 0)
    return "0x" + value.to_bytes(32, "big").hex()


# EIP-1967: keccak256(label) - 1; EIP-1822: keccak256("PROXIABLE").
IMPLEMENTATION_SLOT = _slot("eip1967.proxy.implementation")
BEACON_SLOT = _slot("eip1967.proxy.beacon")
ADMIN_SLOT = _slot("eip1967.proxy.admin")
PROXIABLE_SLOT = _slot("PROXIABLE", minus_one=False)

INTERFACE_ERC165 = "01ffc9a7"
INTERFACE_ERC721 = "80ac58cd"
INTERFACE_ERC1155 = "d9b67a26"
INTERFACE_INVALID = "ffffffff"

# EIP-1167 minimal proxy runtime code around the 20-byte implementation address.
_CLONE_PREFIX = "363d3d373d3d3d363d73"
_CLONE_SUFFIX = "5af43d82803e903d91602b57fd5bf3"
# EIP-7702: an EOA whose code delegates to a contract.
_DELEGATION_PREFIX = "ef0100"


def supports_interface_data(interface_id: str) -> str:
    """Calldata for supportsInterface(bytes4)."""
    return selector("supportsInterface(bytes4)") + interface_id + "0" * 56


def address_arg(address: str) -> str:
    """An address as one ABI word."""
    return address.lower().removeprefix("0x").rjust(64, "0")


def _bytes(result: object) -> bytes | None:
    if not isinstance(result, str) or not result.startswith("0x"):
        return None
    try:
        return bytes.fromhex(result[2:])
    except ValueError:
        return None


def decode_uint(result: object) -> int | None:
    """A uint256 return value, or None when the call returned something else."""
    raw = _bytes(result)
    if raw is None or len(raw) < 32:
        return None
    return int.from_bytes(raw[:32], "big")


def decode_bool(result: object) -> bool | None:
    """A strict ABI bool: exactly 0 or 1, else None."""
    value = decode_uint(result)
    return None if value is None or value > 1 else bool(value)


def decode_address(result: object) -> str | None:
    """A word holding an address (upper 12 bytes zero); None for zero or anything else."""
    raw = _bytes(result)
    if raw is None or len(raw) < 32 or any(raw[:12]):
        return None
    if not any(raw[12:32]):
        return None
    return to_checksum_address(raw[12:32])


def decode_text(result: object) -> tuple[str, int] | None:
    """A string or bytes32 return value (MKR-style), capped; returns (text, full byte length)."""
    raw = _bytes(result)
    if raw is None or len(raw) < 32:
        return None
    if len(raw) >= 64:
        offset = int.from_bytes(raw[:32], "big")
        if offset + 32 <= len(raw):
            length = int.from_bytes(raw[offset : offset + 32], "big")
            start = offset + 32
            if start + min(length, MAX_STRING_BYTES) <= len(raw):
                body = raw[start : start + min(length, MAX_STRING_BYTES)]
                return body.decode("utf-8", errors="replace"), length
    if len(raw) == 32:
        body = raw.rstrip(b"\x00")
        if b"\x00" in body:
            return None
        return body.decode("utf-8", errors="replace"), len(body)
    return None


def clone_target(code: str) -> str | None:
    """The implementation of an EIP-1167 minimal proxy, from its runtime code."""
    body = code.lower().removeprefix("0x")
    if body.startswith(_CLONE_PREFIX) and body[60:].startswith(_CLONE_SUFFIX) and len(body) == 90:
        return to_checksum_address("0x" + body[20:60])
    return None


def delegation_target(code: str) -> str | None:
    """The contract an EIP-7702 delegated EOA points to."""
    body = code.lower().removeprefix("0x")
    if body.startswith(_DELEGATION_PREFIX) and len(body) == 46:
        return to_checksum_address("0x" + body[6:])
    return None
