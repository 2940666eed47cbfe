// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAnchorPolicy} from "./Anchors.sol";
import {MessageTree} from "./MessageTree.sol";

/// @title L1Bridge
/// @notice The L1 side of L1→L2 messages (docs/rollup.md, "Bridge"). A deposit escrows its ETH
///         here and appends a message to the message tree; every root the tree passes through is
///         published, and a sequencer takes a recent one as an L2 block's anchor. On L2,
///         `L2Bridge.claim` proves the message against that anchor and pays from the premint.
///         The bridge doubles as the rollup's anchor policy: only published roots, never going
///         back. (Withdrawals, L2→L1, come later: claimed here with a storage proof.)
contract L1Bridge is IAnchorPolicy {
    using MessageTree for MessageTree.Tree;

    MessageTree.Tree private tree;
    /// @notice The 1-based number of messages in the tree when `root` was published: 1 for the
    ///         empty tree's root (published at deployment), n + 1 after n deposits; 0 for a root
    ///         never published. Roots never repeat (each leaf commits to its index), so the
    ///         number orders them.
    mapping(bytes32 root => uint256) private published;

    /// @notice Message `index` was appended; `root` is the tree's root with it.
    event Deposited(
        uint256 indexed index, address indexed sender, address indexed to, uint256 value, bytes data, bytes32 root
    );

    /// @notice Publishes the empty tree's root, so a rollup's first blocks have an anchor before
    ///         anyone deposits.
    constructor() {
        published[tree.root()] = 1;
    }

    /// @notice Sends `msg.value` wei and `data` to `to` on L2: claimable there once an L2 block is
    ///         anchored at the root emitted here or a later one.
    /// @return index the message's position in the tree (its claim's `index`).
    function deposit(address to, bytes calldata data) external payable returns (uint256 index) {
        index = tree.count;
        bytes32 leaf = keccak256(abi.encode(index, msg.sender, to, msg.value, data));
        (, bytes32 newRoot) = tree.append(leaf);
        published[newRoot] = index + 2;
        emit Deposited(index, msg.sender, to, msg.value, data, newRoot);
    }

    /// @notice How many messages have been deposited.
    function messageCount() external view returns (uint256) {
        return tree.count;
    }

    /// @notice The current root of the message tree.
    function root() external view returns (bytes32) {
        return tree.root();
    }

    /// @notice Whether `root` was ever a root of the message tree.
    function isKnownRoot(bytes32 root_) public view returns (bool) {
        return published[root_] != 0;
    }

    /// @notice 1 + the number of messages under `root_` when it was published; 0 if never.
    function rootIndex(bytes32 root_) external view returns (uint256) {
        return published[root_];
    }

    /// @inheritdoc IAnchorPolicy
    /// @dev The same anchor twice in a row is fine: several L2 blocks may share an L1 slot. An
    ///      unpublished `lastAnchor` (zero before a rollup's first block) bounds nothing.
    function isAcceptable(bytes32 anchor, bytes32 lastAnchor) external view returns (bool) {
        uint256 position = published[anchor];
        return position != 0 && position >= published[lastAnchor];
    }
}
