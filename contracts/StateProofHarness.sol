// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StateProof} from "./StateProof.sol";

/// @title StateProofHarness
/// @notice Test contract: the internal functions of StateProof as external ones, to call with eth_call.
contract StateProofHarness {
    function storageValue(
        bytes32 stateRoot,
        address addr,
        bytes32 slot,
        bytes[] memory accountProof,
        bytes[] memory storageProof
    ) external pure returns (uint256) {
        return StateProof.storageValue(stateRoot, addr, slot, accountProof, storageProof);
    }

    function account(bytes32 stateRoot, address addr, bytes[] memory accountProof)
        external
        pure
        returns (StateProof.Account memory)
    {
        return StateProof.account(stateRoot, addr, accountProof);
    }

    function trieGet(bytes32 root, bytes32 key, bytes[] memory proof)
        external
        pure
        returns (bool found, bytes memory value)
    {
        return StateProof.trieGet(root, key, proof);
    }

    /// @notice storageValue, with the gas the library spent (without decoding the call's arguments).
    function storageValueGas(
        bytes32 stateRoot,
        address addr,
        bytes32 slot,
        bytes[] memory accountProof,
        bytes[] memory storageProof
    ) external view returns (uint256 value, uint256 gasUsed) {
        uint256 before = gasleft();
        value = StateProof.storageValue(stateRoot, addr, slot, accountProof, storageProof);
        gasUsed = before - gasleft();
    }
}
