// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MessageTree} from "./MessageTree.sol";

/// @title L2Bridge
/// @notice The L2 predeploy of the bridge (docs/rollup.md, "Bridge"), at `L2_BRIDGE_ADDRESS` of
///         `src/rollup/genesis.ts`. Its balance is the L2 gas token not yet bridged in: the
///         genesis premints the whole supply here. A claim pays a deposit out of it once the L2
///         block's anchor (a root of the L1 message tree) includes the deposit; a withdrawal puts
///         its value back and records a hash that L1 proves against a settled state root.
/// @dev Predeployed by writing its runtime code into the genesis, so no constructor runs: no
///      immutables, and every variable starts at zero.
///
///      Storage layout (L1 proves `withdrawals` with an `eth_getProof` storage proof, so it is
///      part of the interface):
///        slot 0  `withdrawals`      mapping(bytes32 => bool); entry `hash` is at
///                                   keccak256(abi.encode(hash, uint256(0))) and holds 1 once recorded
///        slot 1  `withdrawalCount`  uint256
///        slot 2  `claimed`          mapping(uint256 => bool)
contract L2Bridge {
    /// @notice The EIP-4788 contract: `staticcall(abi.encode(timestamp))` gives the
    ///         `parent_beacon_block_root` of the block with that timestamp, which on a native
    ///         rollup is the block's anchor.
    address public constant BEACON_ROOTS = 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02;
    /// @notice The storage slot of the `withdrawals` mapping (see the layout above).
    uint256 public constant WITHDRAWALS_SLOT = 0;

    /// @notice Withdrawals recorded here, by `keccak256(abi.encode(index, sender, to, value))`.
    mapping(bytes32 hash => bool) public withdrawals;
    /// @notice How many withdrawals have been made: the next one's index.
    uint256 public withdrawalCount;
    /// @notice L1 messages paid out, by their index in the L1 message tree.
    mapping(uint256 index => bool) public claimed;

    /// @notice L1 message `index` was paid: `value` to `to`, proved against `anchor`.
    event Claimed(uint256 indexed index, address indexed sender, address indexed to, uint256 value, bytes32 anchor);
    /// @notice Withdrawal `index` was recorded under `hash` (the key of `withdrawals`).
    event Withdrawn(uint256 indexed index, address indexed sender, address indexed to, uint256 value, bytes32 hash);

    /// @notice The EIP-4788 contract has no root for this block's `timestamp` (not a rollup
    ///         block: its system call did not run).
    error NoAnchor(uint256 timestamp);
    /// @notice Message `index` was claimed already.
    error AlreadyClaimed(uint256 index);
    /// @notice The message and proof do not make leaf `index` of the tree with root `anchor`:
    ///         a wrong field or proof, or an anchor older than the deposit.
    error NotIncluded(uint256 index, bytes32 anchor);
    /// @notice Paying `to` (or its call with the message's data) reverted with `reason`; the
    ///         message stays unclaimed.
    error PaymentFailed(address to, bytes reason);

    /// @notice Pays L1 message `index` (`L1Bridge.deposit` by `sender`): `value` wei to `to`,
    ///         calling it with `data` when non-empty. Anyone may claim, since the message fixes
    ///         the recipient; the proof is `MessageTree.proof(index)` in TypeScript, for the tree
    ///         whose root is this block's anchor.
    /// @dev `to` sees this bridge as `msg.sender`, not the L1 sender: a target that must know
    ///      who sent the message cannot learn it here yet. If the payment reverts, the whole
    ///      claim does and can be retried; a recipient that always reverts locks its value.
    function claim(
        uint256 index,
        address sender,
        address to,
        uint256 value,
        bytes calldata data,
        bytes32[32] calldata proof
    ) external {
        if (claimed[index]) revert AlreadyClaimed(index);
        bytes32 root = anchor();
        bytes32 leaf = keccak256(abi.encode(index, sender, to, value, data));
        if (!MessageTree.verify(leaf, index, proof, root)) revert NotIncluded(index, root);
        claimed[index] = true;
        emit Claimed(index, sender, to, value, root);
        (bool ok, bytes memory reason) = to.call{value: value}(data);
        if (!ok) revert PaymentFailed(to, reason);
    }

    /// @notice Sends `msg.value` wei to `to` on L1: the value goes back into this bridge's
    ///         balance, and L1 pays `to` from its escrow once it proves `withdrawals[hash]`.
    /// @return index the withdrawal's index, part of its hash.
    /// @return hash `keccak256(abi.encode(index, msg.sender, to, msg.value))`.
    function withdraw(address to) external payable returns (uint256 index, bytes32 hash) {
        index = withdrawalCount++;
        hash = keccak256(abi.encode(index, msg.sender, to, msg.value));
        withdrawals[hash] = true;
        emit Withdrawn(index, msg.sender, to, msg.value, hash);
    }

    /// @notice This block's anchor: the L1 message root it was built on.
    function anchor() public view returns (bytes32 root) {
        (bool ok, bytes memory out) = BEACON_ROOTS.staticcall(abi.encode(block.timestamp));
        if (!ok || out.length != 32) revert NoAnchor(block.timestamp);
        root = abi.decode(out, (bytes32));
    }
}
