// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAnchorPolicy} from "./Anchors.sol";
import {MessageTree} from "./MessageTree.sol";
import {NativeRollup} from "./NativeRollup.sol";
import {StateProof} from "./StateProof.sol";

/// @title L1Bridge
/// @notice The L1 side of the bridge (docs/rollup.md, "Bridge").
///
///         L1→L2: a deposit escrows its ETH here and appends a message to the message tree; every
///         root the tree passes through is published, and a sequencer takes a recent one as an L2
///         block's anchor. On L2, `L2Bridge.claim` proves the message against that anchor and pays
///         from the premint. The bridge doubles as the rollup's anchor policy: only published
///         roots, never going back.
///
///         L2→L1: `L2Bridge.withdraw` records a withdrawal's hash in the L2 bridge's storage;
///         `claimWithdrawal` proves that storage slot (MPT proofs, `eth_getProof` format) against
///         an L2 state root the rollup settled with EXECUTE, and pays from the escrow, once.
/// @dev The rollup takes this bridge as its anchor policy in its constructor, so the bridge is
///      deployed first and bound to the rollup afterwards by `setRollup`, once, by its deployer.
///      `setRollup` checks that the rollup's anchor policy is this bridge, so the deployer can
///      only bind the rollup this bridge anchors (a constructor argument with a predicted CREATE
///      address would bind blindly). Until then nothing can be withdrawn.
///
///      The escrow backs only bridged value: a withdrawal of L2 value that never came from L1 (a
///      genesis allocation outside the premint) is paid only while other deposits cover it.
contract L1Bridge is IAnchorPolicy {
    using MessageTree for MessageTree.Tree;

    /// @notice Where the L2 bridge predeploy lives on the L2 (`L2_BRIDGE_ADDRESS` of
    ///         src/rollup/genesis.ts).
    address public constant L2_BRIDGE = 0x00000000000000000000000000000000000b71d9;
    /// @notice The storage slot of `L2Bridge.withdrawals` (its documented layout).
    uint256 public constant WITHDRAWALS_SLOT = 0;

    /// @notice Who may call `setRollup`, once.
    address public immutable deployer;
    /// @notice The rollup whose settled state roots withdrawals are proved against (zero until
    ///         `setRollup`).
    NativeRollup public rollup;
    /// @notice Withdrawals paid here, by their hash (the key of `L2Bridge.withdrawals`).
    mapping(bytes32 hash => bool) public withdrawalClaimed;

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

    /// @notice L2 withdrawal `index` (by `sender` on L2) was paid: `value` wei to `to`, proved
    ///         against the state root of settled L2 block `l2Block`.
    event WithdrawalClaimed(
        uint256 indexed index, address indexed sender, address indexed to, uint256 value, bytes32 hash, uint64 l2Block
    );

    /// @notice Only the deployer binds the bridge to its rollup.
    error NotDeployer(address caller);
    /// @notice The bridge is bound to a rollup already.
    error RollupAlreadySet(address rollup);
    /// @notice `rollup`'s anchor policy is not this bridge: not the rollup this bridge serves.
    error WrongRollup(address rollup);
    /// @notice No rollup is bound yet, so there is no state root to prove against.
    error RollupNotSet();
    /// @notice Withdrawal `hash` was paid already.
    error AlreadyClaimed(bytes32 hash);
    /// @notice The proofs show `withdrawals[hash]` unset in the L2 state root: no such withdrawal
    ///         (a wrong field) or not yet made at that block.
    error NotWithdrawn(bytes32 hash);
    /// @notice Paying `to` reverted (or the escrow holds less than `value`); the withdrawal stays
    ///         unclaimed.
    error PaymentFailed(address to, uint256 value);

    /// @notice Publishes the empty tree's root, so a rollup's first blocks have an anchor before
    ///         anyone deposits.
    constructor() {
        deployer = msg.sender;
        published[tree.root()] = 1;
    }

    /// @notice Binds the bridge to the rollup that uses it as its anchor policy; once, by the
    ///         deployer (see the contract-level notes).
    function setRollup(NativeRollup rollup_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(rollup) != address(0)) revert RollupAlreadySet(address(rollup));
        if (address(rollup_.anchors()) != address(this)) revert WrongRollup(address(rollup_));
        rollup = rollup_;
    }

    /// @notice Pays L2 withdrawal `index` (`L2Bridge.withdraw` by `sender`): `value` wei from the
    ///         escrow to `to`. Anyone may claim, since the withdrawal fixes the recipient.
    /// @param l2Block a settled L2 block at or after the withdrawal, among the rollup's last
    ///        `HISTORY` (reverts with the rollup's `UnknownStateRoot` otherwise)
    /// @param accountProof `eth_getProof(L2_BRIDGE, [slot], l2Block).accountProof` on L2
    /// @param storageProof its `storageProof[0].proof`, where `slot` is
    ///        `keccak256(abi.encode(hash, WITHDRAWALS_SLOT))` (`withdrawalSlot` in TypeScript)
    /// @dev The proof is checked before the claimed mark and the payment, and the mark is set
    ///      before the call to `to`, so a re-entering `to` meets `AlreadyClaimed`.
    function claimWithdrawal(
        uint64 l2Block,
        uint256 index,
        address sender,
        address to,
        uint256 value,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external {
        bytes32 hash = keccak256(abi.encode(index, sender, to, value));
        if (withdrawalClaimed[hash]) revert AlreadyClaimed(hash);
        if (!isWithdrawn(l2Block, hash, accountProof, storageProof)) revert NotWithdrawn(hash);
        withdrawalClaimed[hash] = true;
        emit WithdrawalClaimed(index, sender, to, value, hash, l2Block);
        (bool ok,) = to.call{value: value}("");
        if (!ok) revert PaymentFailed(to, value);
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

    /// @notice Whether the L2 bridge holds `withdrawals[hash]` in the state root of settled L2
    ///         block `l2Block`, by the proofs: false when they prove the slot empty; a `StateProof`
    ///         error when they do not fit that root (another block's proof, or another slot's).
    function isWithdrawn(uint64 l2Block, bytes32 hash, bytes[] calldata accountProof, bytes[] calldata storageProof)
        public
        view
        returns (bool)
    {
        if (address(rollup) == address(0)) revert RollupNotSet();
        bytes32 stateRoot = rollup.stateRootAt(l2Block);
        bytes32 slot = keccak256(abi.encode(hash, WITHDRAWALS_SLOT));
        return StateProof.storageValue(stateRoot, L2_BRIDGE, slot, accountProof, storageProof) == 1;
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
