// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAnchorPolicy} from "./Anchors.sol";
import {IFeePolicy} from "./Fees.sol";
import {IERC20} from "./IERC20.sol";
import {MessageTree} from "./MessageTree.sol";
import {NativeRollup} from "./NativeRollup.sol";
import {StateProof} from "./StateProof.sol";

/// @title L1Bridge
/// @notice The L1 side of the bridge (docs/rollup.md, "Bridge").
///
///         The L2's native currency is the bridge's gas token: ETH (`gasToken` zero) or an ERC-20
///         (a custom gas token, one token unit per L2 wei). The escrow holds it; deposits, claims,
///         fees and the genesis backing all count in its units.
///
///         L1→L2: a deposit escrows its value here and appends a message to the message tree; every
///         root the tree passes through is published, and a sequencer takes a recent one as an L2
///         block's anchor. On L2, `L2Bridge.claim` proves the message against that anchor and pays
///         from the premint. The bridge doubles as the rollup's anchor policy: only published
///         roots, never going back.
///
///         L2→L1: `L2Bridge.withdraw` records a withdrawal's hash in the L2 bridge's storage;
///         `claimWithdrawal` proves that storage slot (MPT proofs, `eth_getProof` format) against
///         an L2 state root the rollup settled with EXECUTE, and pays from the escrow, once.
///
///         Fees: as the rollup's fee policy, the bridge credits each settled block's burned L2 base
///         fees to `feeRecipient` (the rollup's treasury), who withdraws them from the escrow.
/// @dev The rollup takes this bridge as its anchor policy in its constructor, so the bridge is
///      deployed first and bound to the rollup afterwards by `setRollup`, once, by its deployer.
///      `setRollup` checks that the rollup's anchor policy is this bridge, so the deployer can
///      only bind the rollup this bridge anchors (a constructor argument with a predicted CREATE
///      address would bind blindly). Until then nothing can be withdrawn.
///
///      The escrow must back every L2 balance outside the L2 bridge predeploy: deposits bring
///      their backing, and the deployer escrows the backing of the genesis balances outside the
///      predeploy at deployment (the constructor's value, or `backGenesis` with a token). L2 value
///      that was never backed is paid only while other funds in the escrow cover it.
///
///      The gas token must be a plain ERC-20: `transfer` and `transferFrom` move exactly the
///      amount and return true (no fee on transfer, no rebasing), or the escrow drifts from the
///      L2 supply it backs.
contract L1Bridge is IAnchorPolicy, IFeePolicy {
    using MessageTree for MessageTree.Tree;

    /// @notice Where the L2 bridge predeploy lives on the L2 (`L2_BRIDGE_ADDRESS` of
    ///         src/rollup/genesis.ts).
    address public constant L2_BRIDGE = 0x00000000000000000000000000000000000b71d9;
    /// @notice The storage slot of `L2Bridge.withdrawals` (its documented layout).
    uint256 public constant WITHDRAWALS_SLOT = 0;

    /// @notice Who may call `setRollup`, once (and `backGenesis`, before it).
    address public immutable deployer;
    /// @notice The L2's native currency on L1: zero for ETH, else the ERC-20 escrowed here.
    IERC20 public immutable gasToken;
    /// @notice The rollup's treasury: credited the burned L2 base fees (`credit`).
    address public immutable feeRecipient;
    /// @notice Fees credited to `feeRecipient` and not yet withdrawn, in gas-token units.
    uint256 public feesOwed;
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

    /// @notice L2 withdrawal `index` (by `sender` on L2) was paid: `value` to `to`, proved
    ///         against the state root of settled L2 block `l2Block`.
    event WithdrawalClaimed(
        uint256 indexed index, address indexed sender, address indexed to, uint256 value, bytes32 hash, uint64 l2Block
    );

    /// @notice The rollup credited `amount` burned fees; `owed` are now owed to `feeRecipient`.
    event FeesCredited(uint256 amount, uint256 owed);
    /// @notice `amount` of the owed fees were paid to `recipient`.
    event FeesWithdrawn(address indexed recipient, uint256 amount);

    /// @notice Only the deployer binds the bridge to its rollup (and backs the genesis).
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
    /// @notice Only the bound rollup credits fees.
    error NotRollup(address caller);
    /// @notice A custom-gas-token bridge takes no ETH: its L2 currency is the token.
    error EtherNotAccepted(uint256 value);
    /// @notice This bridge's L2 currency is ETH: it takes no token.
    error NoGasToken();
    /// @notice The gas token's `transferFrom` returned false.
    error TokenTransferFailed(address from, uint256 amount);

    /// @notice Publishes the empty tree's root, so a rollup's first blocks have an anchor before
    ///         anyone deposits. With ETH as the gas token, `msg.value` is the genesis backing: the
    ///         sum of the L2 genesis balances outside the bridge predeploy.
    /// @param gasToken_ the L2's currency on L1: zero for ETH, else an ERC-20 (then the genesis
    ///        backing comes through `backGenesis`)
    /// @param feeRecipient_ who the burned L2 fees are credited to, if the rollup takes this bridge
    ///        as its fee policy
    constructor(IERC20 gasToken_, address feeRecipient_) payable {
        if (address(gasToken_) != address(0) && msg.value != 0) revert EtherNotAccepted(msg.value);
        deployer = msg.sender;
        gasToken = gasToken_;
        feeRecipient = feeRecipient_;
        published[tree.root()] = 1;
    }

    /// @notice Escrows `amount` tokens from the deployer (approved beforehand) as the backing of
    ///         the L2 genesis balances outside the predeploy; a token bridge's counterpart of the
    ///         constructor's value. Only before `setRollup`: the genesis is backed before the L2
    ///         runs.
    function backGenesis(uint256 amount) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(rollup) != address(0)) revert RollupAlreadySet(address(rollup));
        if (address(gasToken) == address(0)) revert NoGasToken();
        _pull(msg.sender, amount);
    }

    /// @notice Binds the bridge to the rollup that uses it as its anchor policy; once, by the
    ///         deployer (see the contract-level notes).
    function setRollup(NativeRollup rollup_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(rollup) != address(0)) revert RollupAlreadySet(address(rollup));
        if (address(rollup_.anchors()) != address(this)) revert WrongRollup(address(rollup_));
        rollup = rollup_;
    }

    /// @notice Pays L2 withdrawal `index` (`L2Bridge.withdraw` by `sender`): `value` (wei or token
    ///         units) from the escrow to `to`. Anyone may claim, since the withdrawal fixes the
    ///         recipient.
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
        if (!_pay(to, value)) revert PaymentFailed(to, value);
    }

    /// @notice Sends `msg.value` wei and `data` to `to` on L2: claimable there once an L2 block is
    ///         anchored at the root emitted here or a later one. With a custom gas token, only
    ///         `data` (a message without value; `depositToken` carries tokens).
    /// @return index the message's position in the tree (its claim's `index`).
    function deposit(address to, bytes calldata data) external payable returns (uint256 index) {
        if (address(gasToken) != address(0) && msg.value != 0) revert EtherNotAccepted(msg.value);
        return _append(to, msg.value, data);
    }

    /// @notice `deposit` for a custom-gas-token bridge: pulls `amount` tokens from the sender
    ///         (approved beforehand) into the escrow; on L2 the message pays `amount` of the native
    ///         currency. The leaf is the same as an ETH deposit's, with `value = amount`.
    function depositToken(address to, uint256 amount, bytes calldata data) external returns (uint256 index) {
        if (address(gasToken) == address(0)) revert NoGasToken();
        _pull(msg.sender, amount);
        return _append(to, amount, data);
    }

    /// @inheritdoc IFeePolicy
    /// @dev The treasury, not the sequencer, is credited: a sequencer earns the priority fees on
    ///      L2. Burned L2 value left the L2 supply, so its backing is free to go.
    function credit(address, uint256 burnedFees) external {
        if (msg.sender != address(rollup)) revert NotRollup(msg.sender);
        feesOwed += burnedFees;
        emit FeesCredited(burnedFees, feesOwed);
    }

    /// @notice Pays `feeRecipient` the fees owed, but never more than the escrow holds (the rest
    ///         stays owed). Anyone may call, since the recipient is fixed.
    /// @return amount what was paid
    function withdrawFees() external returns (uint256 amount) {
        uint256 held = escrow();
        amount = feesOwed < held ? feesOwed : held;
        feesOwed -= amount;
        emit FeesWithdrawn(feeRecipient, amount);
        if (!_pay(feeRecipient, amount)) revert PaymentFailed(feeRecipient, amount);
    }

    /// @notice What the escrow holds, in gas-token units (wei for ETH).
    function escrow() public view returns (uint256) {
        return address(gasToken) == address(0) ? address(this).balance : gasToken.balanceOf(address(this));
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

    /// @notice The message tree's leaf for `(index, msg.sender, to, value, data)`; publishes the
    ///         new root.
    function _append(address to, uint256 value, bytes calldata data) private returns (uint256 index) {
        index = tree.count;
        bytes32 leaf = keccak256(abi.encode(index, msg.sender, to, value, data));
        (, bytes32 newRoot) = tree.append(leaf);
        published[newRoot] = index + 2;
        emit Deposited(index, msg.sender, to, value, data, newRoot);
    }

    /// @notice Moves `amount` tokens from `from` into the escrow; a token's own revert (no
    ///         allowance, no balance) propagates.
    function _pull(address from, uint256 amount) private {
        if (!gasToken.transferFrom(from, address(this), amount)) revert TokenTransferFailed(from, amount);
    }

    /// @notice Pays `value` from the escrow to `to`; false when the payment fails, so the caller
    ///         reverts with its own error.
    function _pay(address to, uint256 value) private returns (bool ok) {
        if (address(gasToken) == address(0)) {
            (ok,) = to.call{value: value}("");
        } else {
            try gasToken.transfer(to, value) returns (bool done) {
                ok = done;
            } catch {
                ok = false;
            }
        }
    }
}
