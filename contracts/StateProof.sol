// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title StateProof
/// @notice Reads an account, or one slot of its storage, out of an Ethereum state root, given proofs in
///         the `eth_getProof` (EIP-1186) format. The rollup's bridge uses it to claim L2→L1 withdrawals:
///         the L2 bridge records each withdrawal in its storage, and L1 proves that slot against an L2
///         state root settled by EXECUTE.
/// @dev The state is a Merkle Patricia trie (Yellow Paper, appendix D) with hashed keys: the state trie
///      maps keccak256(address) to RLP([nonce, balance, storageRoot, codeHash]), and each storage trie
///      maps keccak256(slot) to the RLP of the value as a big-endian integer without leading zeros (a
///      zero value is not stored). Keys are thus 32 bytes, 64 nibbles from the root to every leaf.
///      A proof lists the RLP-encoded nodes on the path from the root to the key. A parent refers to a
///      child by keccak256 of the child's encoding, or, when that encoding is shorter than 32 bytes, by
///      embedding it: a hashed child must be the next proof entry, an embedded one is read from its
///      parent (and skipped when the proof repeats it, as ethereumjs does; geth does not).
///
///      Soundness: the root is trusted, each hashed node must hash to the reference its parent holds,
///      and an embedded node is part of its (authenticated) parent. So every byte this library reads is
///      part of the trie the root commits to, which honest clients encode canonically: the decoder has
///      to be right on canonical RLP, and only stay in bounds on anything else. A proof either yields
///      the true value or reverts; it yields "absent" only where the trie shows that nothing is stored.
library StateProof {
    /// @notice An account as the state trie stores it.
    struct Account {
        uint256 nonce;
        uint256 balance;
        /// @dev EMPTY_TRIE_ROOT for an account without storage (and for an absent one).
        bytes32 storageRoot;
        /// @dev keccak256 of the code: EMPTY_CODE_HASH without code, 0 for an absent account (the two
        ///      differ as they do for EXTCODEHASH, EIP-1052).
        bytes32 codeHash;
    }

    /// @notice keccak256(RLP("")): the root of the empty trie.
    bytes32 internal constant EMPTY_TRIE_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;
    /// @notice keccak256(""): the code hash of an account without code.
    bytes32 internal constant EMPTY_CODE_HASH = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470;

    /// @dev Nibbles in a key: the depth of every leaf's end.
    uint256 private constant KEY_NIBBLES = 64;

    /// @notice Proof entry `index` does not hash to the reference its parent (or the root) holds.
    error BadHash(uint256 index, bytes32 expected, bytes32 actual);
    /// @notice The node in (or embedded in) proof entry `index` is not a branch, extension or leaf
    ///         node of a trie with 32-byte keys, or refers to its child in a way no trie does.
    error InvalidProofNode(uint256 index);
    /// @notice The proof ended while the path still went on.
    error ProofTooShort();
    /// @notice `unused` proof entries are left after the path ended.
    error ProofTooLong(uint256 unused);
    /// @notice The account in the state trie is not RLP([nonce, balance, storageRoot, codeHash]).
    error InvalidAccount();
    /// @notice The storage trie holds a value that is not the RLP of a nonzero integer of at most 32
    ///         bytes.
    error InvalidStorageValue();

    /// @dev An RLP item in a byte string: its prefix is at `head`, its payload is `data[start:end]`.
    struct Item {
        uint256 head;
        uint256 start;
        uint256 end;
        bool isList;
    }

    /// @dev Where the walk goes from one node, having matched `depth` nibbles of the key: on to a
    ///      child, hashed (`hash`) or embedded (`embedded`), or nowhere (`done`), with the value under
    ///      the key if the trie holds one.
    struct Step {
        uint256 depth;
        bytes32 hash;
        bytes embedded;
        bool done;
        bool found;
        bytes value;
    }

    /// @notice The value of `slot` in `addr`'s storage under `stateRoot` (0 when provably absent, an
    ///         absent account included).
    /// @param accountProof `eth_getProof`'s `accountProof` for `addr`
    /// @param storageProof `eth_getProof`'s `storageProof[i].proof` for `slot` (empty for an account
    ///        without storage)
    function storageValue(
        bytes32 stateRoot,
        address addr,
        bytes32 slot,
        bytes[] memory accountProof,
        bytes[] memory storageProof
    ) internal pure returns (uint256) {
        return storageValueAt(account(stateRoot, addr, accountProof).storageRoot, slot, storageProof);
    }

    /// @notice The value of `slot` in the storage trie with root `storageRoot` (0 when provably absent).
    function storageValueAt(bytes32 storageRoot, bytes32 slot, bytes[] memory storageProof)
        internal
        pure
        returns (uint256)
    {
        (bool found, bytes memory encoded) = trieGet(storageRoot, keccak256(abi.encode(slot)), storageProof);
        if (!found) return 0;
        (bool ok, bool isList, uint256 start, uint256 end) = _header(encoded, 0, encoded.length);
        // Zero is never stored, so the integer has 1 to 32 bytes.
        if (!ok || isList || end != encoded.length || end == start || end - start > 32) revert InvalidStorageValue();
        return _word(encoded, start, end);
    }

    /// @notice The account `addr` under `stateRoot`; when provably absent, all zero but for its
    ///         storage root, EMPTY_TRIE_ROOT.
    /// @param accountProof `eth_getProof`'s `accountProof` for `addr`
    function account(bytes32 stateRoot, address addr, bytes[] memory accountProof)
        internal
        pure
        returns (Account memory)
    {
        (bool found, bytes memory encoded) = trieGet(stateRoot, keccak256(abi.encodePacked(addr)), accountProof);
        if (!found) return Account({nonce: 0, balance: 0, storageRoot: EMPTY_TRIE_ROOT, codeHash: bytes32(0)});
        (bool ok, uint256 count, uint256[17] memory heads) = _list(encoded);
        if (!ok || count != 4) revert InvalidAccount();
        uint256[4] memory fields;
        for (uint256 i = 0; i < 4; i++) {
            Item memory field = _at(encoded, heads[i]);
            uint256 length = field.end - field.start;
            // nonce and balance are integers of up to 32 bytes; the roots are 32-byte hashes.
            if (field.isList || (i < 2 ? length > 32 : length != 32)) revert InvalidAccount();
            fields[i] = _word(encoded, field.start, field.end);
        }
        return Account({
            nonce: fields[0],
            balance: fields[1],
            storageRoot: bytes32(fields[2]),
            codeHash: bytes32(fields[3])
        });
    }

    /// @notice The value under the 32-byte `key` in the trie with root `root`, from the nodes on its
    ///         path (the state and storage tries use keccak256 of the address or slot as the key).
    /// @return found false when the trie provably holds nothing under `key`
    /// @return value the value's bytes as stored (in the state tries: an RLP encoding)
    function trieGet(bytes32 root, bytes32 key, bytes[] memory proof)
        internal
        pure
        returns (bool found, bytes memory value)
    {
        if (root == EMPTY_TRIE_ROOT) {
            // The empty trie has no node to prove. Accept its root "node", RLP(""), if given.
            uint256 used = proof.length > 0 && keccak256(proof[0]) == root ? 1 : 0;
            if (proof.length != used) revert ProofTooLong(proof.length - used);
            return (false, "");
        }
        Step memory step;
        step.hash = root;
        uint256 next = 0; // the next proof entry
        uint256 source = 0; // the proof entry that holds the current node, for errors
        bytes memory node;
        while (!step.done) {
            if (step.embedded.length > 0) {
                node = step.embedded;
                if (next < proof.length && keccak256(proof[next]) == keccak256(node)) source = next++;
            } else {
                if (next == proof.length) revert ProofTooShort();
                node = proof[next];
                bytes32 actual = keccak256(node);
                if (actual != step.hash) revert BadHash(next, step.hash, actual);
                source = next++;
            }
            step = _step(node, source, key, step.depth);
        }
        if (next != proof.length) revert ProofTooLong(proof.length - next);
        return (step.found, step.value);
    }

    /// @dev One step down from `node` (of proof entry `source`), `depth` nibbles into `key`.
    function _step(bytes memory node, uint256 source, bytes32 key, uint256 depth)
        private
        pure
        returns (Step memory step)
    {
        (bool ok, uint256 count, uint256[17] memory heads) = _list(node);
        if (!ok) revert InvalidProofNode(source);
        Item memory child;
        if (count == 17) {
            // Branch: a child for each next nibble. (Its 17th item, the value of a key ending here,
            // is always empty: every key goes on to nibble 64.)
            if (depth == KEY_NIBBLES) revert InvalidProofNode(source);
            child = _at(node, heads[_keyNibbles(key, depth, 1)]);
            step.depth = depth + 1;
            if (!child.isList && child.start == child.end) {
                // No key in the trie goes this way.
                step.done = true;
                return step;
            }
        } else if (count == 2) {
            // Extension or leaf: a run of nibbles, then a child or the value.
            (bool leaf, uint256 pathAt, uint256 pathNibbles) = _hexPrefix(node, _at(node, heads[0]), source);
            step.depth = depth + pathNibbles;
            // Leaves end at the last nibble, extensions before it.
            if (leaf ? step.depth != KEY_NIBBLES : step.depth >= KEY_NIBBLES) revert InvalidProofNode(source);
            child = _at(node, heads[1]);
            if (_nibbles(node, pathAt, pathNibbles) != _keyNibbles(key, depth, pathNibbles)) {
                // The key leaves this path: the trie holds no key starting as it does.
                step.done = true;
                return step;
            }
            if (leaf) {
                if (child.isList) revert InvalidProofNode(source);
                step.done = true;
                step.found = true;
                step.value = _copy(node, child.start, child.end);
                return step;
            }
        } else {
            revert InvalidProofNode(source);
        }

        if (child.isList) {
            // Embedded: only nodes whose encoding is shorter than 32 bytes are.
            if (child.end - child.head >= 32) revert InvalidProofNode(source);
            step.embedded = _copy(node, child.head, child.end);
        } else if (child.end - child.start == 32) {
            step.hash = bytes32(_word(node, child.start, child.end));
        } else {
            revert InvalidProofNode(source);
        }
    }

    /// @dev Decodes the RLP header at `data[offset]`: whether the item is a list, and its payload
    ///      `data[start:end]`. ok is false when the item does not end by `limit` (<= data.length).
    ///      A byte below 0x80 is its own encoding; 0x80-0xb7 and 0xc0-0xf7 prefix strings and lists of
    ///      up to 55 bytes; 0xb8-0xbf and 0xf8-0xff are followed by the length in 1 to 8 bytes.
    function _header(bytes memory data, uint256 offset, uint256 limit)
        private
        pure
        returns (bool ok, bool isList, uint256 start, uint256 end)
    {
        if (offset >= limit) return (false, false, 0, 0);
        uint256 prefix = _byte(data, offset);
        isList = prefix >= 0xc0;
        uint256 length;
        // Offsets are below data.length and lengths below 2**64: nothing overflows.
        unchecked {
            if (prefix < 0x80) {
                start = offset;
                length = 1;
            } else if (prefix < 0xb8 || (isList && prefix < 0xf8)) {
                start = offset + 1;
                length = prefix - (isList ? 0xc0 : 0x80);
            } else {
                start = offset + 1 + prefix - (isList ? 0xf7 : 0xb7);
                if (start > limit) return (false, false, 0, 0);
                for (uint256 i = offset + 1; i < start; i++) {
                    length = (length << 8) | uint8(data[i]);
                }
            }
            end = start + length;
        }
        ok = end <= limit;
    }

    /// @dev Splits `data`, which must be exactly one RLP list, into its items (at most 17, a
    ///      branch's): where each starts, and how many there are.
    function _list(bytes memory data) private pure returns (bool ok, uint256 count, uint256[17] memory heads) {
        (bool valid, bool isList, uint256 offset, uint256 end) = _header(data, 0, data.length);
        if (!valid || !isList || end != data.length) return (false, 0, heads);
        // Offsets stay below data.length + 33: nothing overflows.
        unchecked {
            while (offset < end) {
                if (count == 17) return (false, 0, heads);
                heads[count++] = offset;
                // Most items of a branch are empty (0x80) or a hash (0xa0 ‖ 32 bytes): step over those
                // without decoding them. (A hash running past the end fails the check below.)
                uint256 prefix = _byte(data, offset);
                if (prefix == 0x80) offset += 1;
                else if (prefix == 0xa0) offset += 33;
                else (valid,,, offset) = _header(data, offset, end);
                if (!valid) return (false, 0, heads);
            }
        }
        return (offset == end, count, heads);
    }

    /// @dev The item at `head` of a list that `_list` split.
    function _at(bytes memory data, uint256 head) private pure returns (Item memory item) {
        item.head = head;
        (, item.isList, item.start, item.end) = _header(data, head, data.length);
    }

    /// @dev data[offset], for an offset known to be in bounds (the caller checked it against a limit
    ///      <= data.length), without checking again.
    function _byte(bytes memory data, uint256 offset) private pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(data, 32), offset)))
        }
    }

    /// @dev Decodes the hex-prefix encoded path of an extension or leaf node (of proof entry
    ///      `source`): the high nibble of its first byte is a flag, 2 for leaves, plus 1 for an odd
    ///      number of nibbles, whose first is the low nibble; an even path starts after a zero nibble.
    ///      `pathAt` is the path's first nibble in `node`. Extensions have at least one nibble.
    function _hexPrefix(bytes memory node, Item memory path, uint256 source)
        private
        pure
        returns (bool leaf, uint256 pathAt, uint256 pathNibbles)
    {
        if (path.isList || path.end == path.start) revert InvalidProofNode(source);
        uint256 first = uint8(node[path.start]);
        uint256 flag = first >> 4;
        bool odd = flag & 1 == 1;
        if (flag > 3 || (!odd && first & 0x0f != 0)) revert InvalidProofNode(source);
        uint256 skip = odd ? 1 : 2;
        leaf = flag >= 2;
        pathAt = path.start * 2 + skip;
        pathNibbles = (path.end - path.start) * 2 - skip;
        if (!leaf && pathNibbles == 0) revert InvalidProofNode(source);
    }

    /// @dev `count` nibbles of `data` from nibble `first` on (high nibble of each byte first), as an
    ///      integer. They must lie within one 32-byte word: first % 2 + count <= 64, as for a path
    ///      that ends by nibble 64 of the key.
    function _nibbles(bytes memory data, uint256 first, uint256 count) private pure returns (uint256) {
        uint256 word;
        // May read past `data`; the shifts drop those bytes.
        assembly ("memory-safe") {
            word := mload(add(add(data, 32), shr(1, first)))
        }
        return (word << (4 * (first % 2))) >> (256 - 4 * count);
    }

    /// @dev `count` nibbles of `key` from nibble `first` on, as an integer (first + count <= 64).
    function _keyNibbles(bytes32 key, uint256 first, uint256 count) private pure returns (uint256) {
        return (uint256(key) << (4 * first)) >> (256 - 4 * count);
    }

    /// @dev `data[start:end]` (at most 32 bytes) as a big-endian integer.
    function _word(bytes memory data, uint256 start, uint256 end) private pure returns (uint256 word) {
        uint256 length = end - start;
        // May read past `data`; the shift drops those bytes.
        assembly ("memory-safe") {
            word := shr(mul(8, sub(32, length)), mload(add(add(data, 32), start)))
        }
    }

    /// @dev A copy of `data[start:end]` (end <= data.length).
    function _copy(bytes memory data, uint256 start, uint256 end) private pure returns (bytes memory out) {
        uint256 length = end - start;
        out = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(add(data, 32), start), length)
        }
    }
}
