// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAnchorPolicy
/// @notice Which anchors (the L2 payload's `parent_beacon_block_root`, a root of the L1 message
///         tree) a rollup accepts. An L2 block proves L1→L2 messages against its anchor, so the
///         anchor must be a root L1 really published, and must not go back in time: a sequencer
///         could otherwise pick an old root and keep newer deposits out of the L2.
interface IAnchorPolicy {
    /// @notice Whether a block anchored at `anchor` may follow one anchored at `lastAnchor`
    ///         (zero before the first block).
    function isAcceptable(bytes32 anchor, bytes32 lastAnchor) external view returns (bool);
}

/// @title AnchorRegistry
/// @notice The simplest anchor policy: one publisher (an owner, or the L1 bridge) appends roots
///         in order. A root is acceptable when it was published and not before `lastAnchor`;
///         the same root twice in a row is fine, since several L2 blocks may share an L1 slot.
contract AnchorRegistry is IAnchorPolicy {
    /// @notice The only address that may publish roots.
    address public immutable publisher;
    /// @notice How many roots have been published.
    uint256 public count;
    /// @notice The 1-based position of each published root; 0 for a root never published.
    mapping(bytes32 root => uint256) public positionOf;

    event Published(bytes32 indexed root, uint256 position);

    /// @notice `caller` is not the publisher.
    error NotPublisher(address caller);
    /// @notice Zero is not a root: it stands for "no anchor yet" (a rollup's genesis).
    error ZeroRoot();
    /// @notice `root` was published already; positions must stay unambiguous.
    error AlreadyPublished(bytes32 root);

    constructor(address publisher_) {
        publisher = publisher_;
    }

    /// @notice Appends `root` after every root published so far.
    function publish(bytes32 root) external {
        if (msg.sender != publisher) revert NotPublisher(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        if (positionOf[root] != 0) revert AlreadyPublished(root);
        positionOf[root] = ++count;
        emit Published(root, count);
    }

    /// @inheritdoc IAnchorPolicy
    /// @dev An unpublished `lastAnchor` (zero at genesis) has position 0, so it bounds nothing.
    function isAcceptable(bytes32 anchor, bytes32 lastAnchor) external view returns (bool) {
        uint256 position = positionOf[anchor];
        return position != 0 && position >= positionOf[lastAnchor];
    }
}
