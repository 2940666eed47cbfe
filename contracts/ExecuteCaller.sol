// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Execute} from "./Execute.sol";

/// @title ExecuteCaller
/// @notice Demo and test contract: calls EXECUTE with input from each place it can come from
///         (calldata, contract code, blobs) and keeps the last result. Every `execute*` function
///         forwards `msg.value` as the prepayment; the precompile's refund of any excess stays
///         in this contract.
contract ExecuteCaller {
    /// @notice One successful EXECUTE call (valid or not).
    event Executed(bool valid, uint64 blockNumber, bytes32 postStateRoot, uint64 gasUsed, uint256 prepayment);
    /// @notice One `verify` call: the seed's boolean interface.
    event Verified(bool ok, uint256 prepayment);

    /// @notice The transaction carries no blob, so `blobhash(0)` is zero.
    error NoBlob();
    /// @notice `chunk` has no code or its code does not start with STOP (0x00).
    error NotDataContract(address chunk);
    /// @notice Raised by `executeAndRevert` after EXECUTE returned.
    error ExecutedThenReverted(bool valid, uint64 gasUsed);

    Execute.Result private last;

    /// @notice The result of the last `execute*` call (all zero before the first).
    function lastResult() external view returns (Execute.Result memory) {
        return last;
    }

    /// @notice EXECUTE on input passed inline.
    function executeCalldata(bytes calldata input) external payable returns (Execute.Result memory) {
        return run(input);
    }

    /// @notice EXECUTE on input kept as contract code: the data of `chunks`, in order.
    function executeFromCode(address[] calldata chunks) external payable returns (Execute.Result memory) {
        return run(readDataContracts(chunks));
    }

    /// @notice EXECUTE on `length` bytes from `offset` of this transaction's first blob.
    function executeFromBlob(uint32 offset, uint32 length) external payable returns (Execute.Result memory) {
        bytes32 versionedHash = blobhash(0);
        if (versionedHash == bytes32(0)) revert NoBlob();
        return run(Execute.blobReference(versionedHash, offset, length));
    }

    /// @notice EXECUTE on a blob reference built off-chain (any number of segments).
    function executeBlobReference(bytes calldata blobRef) external payable returns (Execute.Result memory) {
        return run(blobRef);
    }

    /// @notice The seed's interface through `Execute.verify`.
    function verify(bytes32 preStateRoot, bytes32 postStateRoot, bytes calldata trace, uint64 gasUsed)
        external
        payable
        returns (bool ok)
    {
        ok = Execute.verify(preStateRoot, postStateRoot, trace, gasUsed, msg.value);
        emit Verified(ok, msg.value);
    }

    /// @notice Calls EXECUTE, then reverts: the prepayment of a reverted call is still charged.
    function executeAndRevert(bytes calldata input) external payable {
        Execute.Result memory result = Execute.execute(input, msg.value);
        revert ExecutedThenReverted(result.valid, result.gasUsed);
    }

    /// @notice The execute-gas market of the current block.
    function market() external view returns (uint256 baseFee, uint64 gasUsed, uint64 gasLimit, uint64 gasTarget) {
        return Execute.market();
    }

    /// @notice The concatenated data of data contracts (code `0x00 ‖ data`), skipping each STOP byte.
    function readDataContracts(address[] calldata chunks) public view returns (bytes memory data) {
        uint256 total;
        for (uint256 i; i < chunks.length; i++) {
            total += dataSize(chunks[i]);
        }
        data = new bytes(total);
        uint256 written;
        for (uint256 i; i < chunks.length; i++) {
            address chunk = chunks[i];
            uint256 size = chunk.code.length - 1;
            assembly ("memory-safe") {
                extcodecopy(chunk, add(add(data, 32), written), 1, size)
            }
            written += size;
        }
    }

    /// @dev A chunk's data size; rejects code that is not a data contract, so a live contract
    ///      passed by mistake is not executed as input.
    function dataSize(address chunk) private view returns (uint256) {
        uint256 size = chunk.code.length;
        uint256 first;
        assembly ("memory-safe") {
            // Scratch space at the free memory pointer; only the copied byte is read.
            let scratch := mload(0x40)
            extcodecopy(chunk, scratch, 0, 1)
            first := byte(0, mload(scratch))
        }
        if (size == 0 || first != 0) revert NotDataContract(chunk);
        return size - 1;
    }

    function run(bytes memory input) private returns (Execute.Result memory result) {
        result = Execute.execute(input, msg.value);
        last = result;
        emit Executed(result.valid, result.blockNumber, result.postStateRoot, result.gasUsed, msg.value);
    }
}
