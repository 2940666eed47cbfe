// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Composer
/// @notice A minimal multicall: one L1 transaction made of several calls, all or nothing.
///
///         It shows the rollup's synchronous composability (docs/rollup.md): `NativeRollup.advance`
///         settles an L2 block with EXECUTE in the very transaction that posts it, so nothing waits
///         for a challenge window or a proof. One transaction can thus deposit into `L1Bridge`,
///         advance the L2 with a block that claims that deposit (anchored at the message root the
///         deposit is about to publish, computable in advance), and claim on L1 a withdrawal made
///         in that same block. If any step fails, none happened: no deposit without its claim, no
///         settled block whose withdrawal cannot be paid.
/// @dev Calls are made from this contract, so the targets see it as `msg.sender` (the deposit's
///      `sender`, the rollup's sequencer). It holds no ETH between transactions: whatever is left
///      after the calls, unspent `msg.value` or refunds such as `advance`'s, goes back to the caller.
contract Composer {
    /// @notice One call: `value` wei and `data` to `target`.
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice Call `index` reverted with `reason` (its revert data, to decode with the target's ABI).
    error CallFailed(uint256 index, bytes reason);
    /// @notice Returning the leftover `amount` to `to` reverted.
    error RefundFailed(address to, uint256 amount);

    /// @notice Makes `calls` in order, each with its own value out of `msg.value`; reverts all of
    ///         them if one fails, then returns the leftover ETH to the sender.
    function execute(Call[] calldata calls) external payable {
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory reason) = calls[i].target.call{value: calls[i].value}(calls[i].data);
            if (!ok) revert CallFailed(i, reason);
        }
        uint256 leftover = address(this).balance;
        if (leftover > 0) {
            (bool ok,) = msg.sender.call{value: leftover}("");
            if (!ok) revert RefundFailed(msg.sender, leftover);
        }
    }

    /// @notice Takes refunds from the called contracts (the rollup forwards EXECUTE's), returned
    ///         to the sender at the end of `execute`.
    receive() external payable {}
}
