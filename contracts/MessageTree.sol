// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MessageTree
/// @notice An append-only keccak Merkle tree of depth 32: the L1 message tree whose roots are L2
///         anchors (docs/rollup.md, "Bridge"). It keeps only the "frontier" of the beacon deposit
///         contract: for each height, the last left sibling still waiting for its right one. So an
///         append writes one slot and costs O(32) hashes, however many leaves came before, and the
///         root after every append can be published.
/// @dev A node is `keccak256(left ‖ right)`; an empty subtree of height h hashes to `zero(h)`
///      (zero(0) = 0, zero(h+1) = keccak256(zero(h) ‖ zero(h))). Unlike the deposit contract, the
///      root does not mix in the leaf count: every leaf the bridges hash commits to its own index.
///      `src/rollup/message-tree.ts` computes the same roots and the proofs `verify` checks.
library MessageTree {
    uint256 internal constant DEPTH = 32;
    /// @notice At most 2^32 − 1 leaves, as in the deposit contract: appending the 2^32-th would
    ///         fill the tree, and its frontier would then have no slot to keep the last node in.
    uint256 internal constant MAX_LEAVES = (1 << DEPTH) - 1;

    struct Tree {
        /// @dev `branch[h]`: the root of the last complete left subtree of height h.
        bytes32[DEPTH] branch;
        uint256 count;
    }

    /// @notice The tree holds `MAX_LEAVES` leaves already.
    error TreeFull();

    /// @notice Appends `leaf`; returns its index and the root with it.
    function append(Tree storage tree, bytes32 leaf) internal returns (uint256 index, bytes32 newRoot) {
        index = tree.count;
        if (index >= MAX_LEAVES) revert TreeFull();
        uint256 size = index + 1;
        tree.count = size;
        bytes32 node = leaf;
        // Climb while the new node completes a right subtree; keep it where it is a left one.
        for (uint256 height; height < DEPTH; height++) {
            if (size & 1 == 1) {
                tree.branch[height] = node;
                break;
            }
            node = hashPair(tree.branch[height], node);
            size >>= 1;
        }
        newRoot = root(tree);
    }

    /// @notice The root of the tree as it is (of the empty tree: `zero(32)`).
    function root(Tree storage tree) internal view returns (bytes32 node) {
        uint256 size = tree.count;
        bytes32 zero;
        for (uint256 height; height < DEPTH; height++) {
            node = (size >> height) & 1 == 1 ? hashPair(tree.branch[height], node) : hashPair(node, zero);
            zero = hashPair(zero, zero);
        }
    }

    /// @notice Whether `leaf` is leaf `index` of the tree with root `expectedRoot`; `proof[h]` is
    ///         the sibling at height h on the way up (`MessageTree.proof` in TypeScript).
    function verify(bytes32 leaf, uint256 index, bytes32[DEPTH] calldata proof, bytes32 expectedRoot)
        internal
        pure
        returns (bool)
    {
        // Higher bits would be ignored by the climb; reject them so each leaf has one index.
        if (index >= 1 << DEPTH) return false;
        bytes32 node = leaf;
        for (uint256 height; height < DEPTH; height++) {
            node = (index >> height) & 1 == 1 ? hashPair(proof[height], node) : hashPair(node, proof[height]);
        }
        return node == expectedRoot;
    }

    /// @dev keccak256(a ‖ b) in scratch space, without allocating memory.
    function hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }
}
