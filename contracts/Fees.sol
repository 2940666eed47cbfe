// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IFeePolicy
/// @notice Where the L2 base fees a settled block burned go (docs/rollup.md, "Fees"). Burning
///         takes the value out of the L2 supply, while its L1 backing stays in the bridge's
///         escrow; a fee policy decides who may take that backing out. A rollup without one
///         leaves it locked: burned for good.
interface IFeePolicy {
    /// @notice The rollup settled a block, posted by `sequencer`, whose base fees burned
    ///         `burnedFees` units of the L2 gas token (EXECUTE's `burnedFees`, never zero here).
    function credit(address sequencer, uint256 burnedFees) external;
}
