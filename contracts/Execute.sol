// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Execute
/// @notice Calls the EXECUTE precompile (EIP-8079) and decodes its output (docs/spec.md §4).
/// @dev Input is a schema-prefixed StatelessInput, a blob reference (`0xff01 ‖ n ‖ n × (versionedHash
///      ‖ offset uint32 ‖ length uint32)`) or the market query `0xff00`. The call's value is the
///      prepayment: at least `gasUsed × executeBaseFee`; the excess is refunded to the caller.
library Execute {
    /// @notice The precompile's address.
    address internal constant EXECUTE = address(0x0101);

    /// @dev Twelve static 32-byte slots.
    uint256 internal constant RESULT_SIZE = 384;
    /// @dev `(uint256, uint64, uint64, uint64)`: four slots.
    uint256 internal constant MARKET_SIZE = 128;

    /// @notice What EXECUTE established about one L2 block. Check `valid` first: the other fields
    ///         of an invalid result are the block's claims, not facts (state roots and fees are 0).
    struct Result {
        bool valid;
        bytes32 newPayloadRequestRoot;
        uint64 chainId;
        bytes32 preStateRoot;
        bytes32 postStateRoot;
        uint64 blockNumber;
        bytes32 blockHash;
        bytes32 parentHash;
        uint64 gasUsed;
        uint256 burnedFees;
        bytes32 anchor;
        bytes32 transactionsCommitment;
    }

    /// @notice The precompile failed: undecodable input, a bad blob reference, too small a
    ///         prepayment, the block's execute gas over the limit, or no precompile at 0x0101.
    error ExecuteFailed();

    /// @notice Runs EXECUTE on `input`, sending `prepayment` wei as the call's value.
    /// @dev Reverts with ExecuteFailed when the call fails or returns anything but 384 bytes;
    ///      a wrong transition is not a failure but `valid = false`.
    function execute(bytes memory input, uint256 prepayment) internal returns (Result memory result) {
        (bool ok, bytes memory output) = EXECUTE.call{value: prepayment}(input);
        if (!ok || output.length != RESULT_SIZE) revert ExecuteFailed();
        // abi.decode reverts on dirty bits in the bool and uint64 slots.
        result = abi.decode(output, (Result));
    }

    /// @notice The execute-gas market of the current block, to size a prepayment.
    /// @return baseFee wei per execute gas
    /// @return gasUsed execute gas used so far in this block
    /// @return gasLimit execute gas allowed per block
    /// @return gasTarget execute gas per block the base fee steers toward
    function market() internal view returns (uint256 baseFee, uint64 gasUsed, uint64 gasLimit, uint64 gasTarget) {
        (bool ok, bytes memory output) = EXECUTE.staticcall(hex"ff00");
        if (!ok || output.length != MARKET_SIZE) revert ExecuteFailed();
        (baseFee, gasUsed, gasLimit, gasTarget) = abi.decode(output, (uint256, uint64, uint64, uint64));
    }

    /// @notice The seed's interface `EXECUTE(pre_state_root, post_state_root, trace, gas_used) -> bool`
    ///         over the result: true when `trace` is a valid transition from `preStateRoot` to
    ///         `postStateRoot` that used exactly `gasUsed` execute gas.
    function verify(
        bytes32 preStateRoot,
        bytes32 postStateRoot,
        bytes memory trace,
        uint64 gasUsed,
        uint256 prepayment
    ) internal returns (bool) {
        Result memory result = execute(trace, prepayment);
        return result.valid && result.preStateRoot == preStateRoot && result.postStateRoot == postStateRoot
            && result.gasUsed == gasUsed;
    }

    /// @notice A one-segment blob reference: `length` bytes from `offset` of the unpacked blob
    ///         with `versionedHash` (a blob of the calling transaction, e.g. `blobhash(0)`).
    function blobReference(bytes32 versionedHash, uint32 offset, uint32 length) internal pure returns (bytes memory) {
        return abi.encodePacked(hex"ff01", uint8(1), versionedHash, offset, length);
    }
}
