// SPDX-License-Identifier: MIT
// Runtime code placed at a token holder's address by an eth_call state override (never
// deployed): called from the holder itself, it transfers tokens to a fresh address and returns
// the balances around the transfer, so the amount delivered is read in one simulated call.
// Built by app/chain/data/build_probe.py into probe.json.
pragma solidity ^0.8.24;

contract TransferProbe {
    fallback(bytes calldata input) external returns (bytes memory) {
        (address token, address to, uint256 amount) = abi.decode(input, (address, address, uint256));
        uint256 fromBefore = _balance(token, address(this));
        uint256 toBefore = _balance(token, to);
        (bool ok, bytes memory ret) = token.call(abi.encodeWithSelector(0xa9059cbb, to, amount));
        uint256 fromAfter = _balance(token, address(this));
        uint256 toAfter = _balance(token, to);
        return abi.encode(ok, fromBefore, fromAfter, toBefore, toAfter, ret);
    }

    function _balance(address token, address who) private view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSelector(0x70a08231, who));
        return ok && ret.length >= 32 ? abi.decode(ret, (uint256)) : type(uint256).max;
    }
}
