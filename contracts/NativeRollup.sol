// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAnchorPolicy} from "./Anchors.sol";
import {Execute} from "./Execute.sol";
import {IFeePolicy} from "./Fees.sol";
import {Drop, IInclusionPolicy} from "./ForcedInclusion.sol";
import {ISequencingPolicy} from "./Sequencing.sol";

/// @title NativeRollup
/// @notice An L2 chain settled by EXECUTE (docs/rollup.md): `advance` re-executes the next L2 block
///         in the L1 transaction that posts it, so the settled state root only ever moves to a
///         verified successor. Who may post, which anchors are fine and which transactions a block
///         must include (forced inclusion; none without an inclusion policy) and who is credited
///         the L2 base fees a block burned (none without a fee policy) are separate policies.
///         Governance (a Timelock, or none) may replace the sequencing policy only: the chain id,
///         the anchor policy (the bridge holding bridged funds), the inclusion policy (users'
///         guarantee against censorship) and the fee policy (which releases escrowed funds) are
///         fixed, since changing them could strand or drain bridged funds or remove censorship
///         resistance. EVM rules are never governed: EXECUTE follows L1 forks.
contract NativeRollup {
    /// @notice How many settled state roots `stateRootAt` remembers (for withdrawal proofs).
    uint256 public constant HISTORY = 256;

    uint64 public immutable chainId;
    ISequencingPolicy public sequencing;
    IAnchorPolicy public immutable anchors;
    /// @notice Zero for none: then no transaction is forced and `advance`'s inclusion arguments
    ///         are ignored.
    IInclusionPolicy public immutable inclusion;
    /// @notice Credited each settled block's `burnedFees`; zero for none: then burned L2 fees stay
    ///         locked in the bridge's escrow for good.
    IFeePolicy public immutable fees;
    /// @notice May replace `sequencing`; zero for none: then nothing can change.
    address public immutable governance;

    /// @notice The last settled L2 block.
    uint64 public number;
    bytes32 public blockHash;
    bytes32 public stateRoot;
    /// @notice The anchor of the last settled block (zero at genesis).
    bytes32 public lastAnchor;
    /// @dev State root of block `n` at `n % HISTORY`, for the last HISTORY blocks.
    bytes32[HISTORY] private roots;

    event Advanced(uint64 indexed number, bytes32 blockHash, bytes32 stateRoot, bytes32 anchor, uint256 burnedFees);
    /// @notice A rollup was created: what an L1 node indexes to list rollups.
    event RollupCreated(uint64 indexed chainId, bytes32 genesisBlockHash, bytes32 genesisStateRoot);
    event SequencingChanged(ISequencingPolicy previous, ISequencingPolicy next);

    /// @notice EXECUTE found the block's transition wrong.
    error InvalidBlock();
    error WrongChain(uint64 expected, uint64 got);
    /// @notice The block does not start from the settled state, parent or height: a skipped,
    ///         forked or replayed block.
    error WrongPreState(bytes32 expected, bytes32 got);
    error WrongParent(bytes32 expected, bytes32 got);
    error WrongNumber(uint64 expected, uint64 got);
    /// @notice The anchor policy refuses `anchor`: never published, or older than `lastAnchor`.
    error StaleAnchor(bytes32 anchor, bytes32 lastAnchor);
    error NotSequencer(address sender);
    /// @notice Block `number` is not settled yet or fell out of the history.
    error UnknownStateRoot(uint64 number);
    error RefundFailed(address to, uint256 amount);
    error NotGovernance(address sender);

    constructor(
        uint64 chainId_,
        bytes32 genesisBlockHash,
        bytes32 genesisStateRoot,
        ISequencingPolicy sequencing_,
        IAnchorPolicy anchors_,
        IInclusionPolicy inclusion_,
        IFeePolicy fees_,
        address governance_
    ) {
        chainId = chainId_;
        sequencing = sequencing_;
        anchors = anchors_;
        inclusion = inclusion_;
        fees = fees_;
        governance = governance_;
        blockHash = genesisBlockHash;
        stateRoot = genesisStateRoot;
        roots[0] = genesisStateRoot;
        emit RollupCreated(chainId_, genesisBlockHash, genesisStateRoot);
    }

    /// @notice Settles the next L2 block. `msg.value` is EXECUTE's prepayment: send at least
    ///         `gasUsed × executeBaseFee` (`Execute.market()`); what EXECUTE does not burn is
    ///         refunded here and forwarded to the sender, so sending a generous maximum is safe.
    ///         With an inclusion policy, the same as `advance(input, 0, [], [])`: it fails while a
    ///         forced transaction is due.
    /// @param input an EXECUTE input: a StatelessInput or a blob reference.
    function advance(bytes calldata input) external payable {
        _advance(input, 0, new bytes32[](0), new Drop[](0));
    }

    /// @notice `advance(input)` for a block that starts with `forcedCount` forced transactions
    ///         and drops the invalid ones in `drops` (IInclusionPolicy.checkInclusion).
    /// @param restHashes the hashes of the block's transactions after the forced ones
    function advance(bytes calldata input, uint256 forcedCount, bytes32[] calldata restHashes, Drop[] calldata drops)
        external
        payable
    {
        _advance(input, forcedCount, restHashes, drops);
    }

    function _advance(bytes calldata input, uint256 forcedCount, bytes32[] memory restHashes, Drop[] memory drops)
        private
    {
        // Before EXECUTE: a refused sender should not pay for a verification.
        if (!sequencing.isAllowed(msg.sender)) revert NotSequencer(msg.sender);
        Execute.Result memory r = Execute.execute(input, msg.value);
        if (!r.valid) revert InvalidBlock();
        if (r.chainId != chainId) revert WrongChain(chainId, r.chainId);
        if (r.preStateRoot != stateRoot) revert WrongPreState(stateRoot, r.preStateRoot);
        if (r.parentHash != blockHash) revert WrongParent(blockHash, r.parentHash);
        if (r.blockNumber != number + 1) revert WrongNumber(number + 1, r.blockNumber);
        if (!anchors.isAcceptable(r.anchor, lastAnchor)) revert StaleAnchor(r.anchor, lastAnchor);
        if (address(inclusion) != address(0)) {
            inclusion.checkInclusion(
                r.preStateRoot, r.parentHash, r.transactionsCommitment, forcedCount, restHashes, drops
            );
        }

        (number, blockHash, stateRoot, lastAnchor) = (r.blockNumber, r.blockHash, r.postStateRoot, r.anchor);
        roots[r.blockNumber % HISTORY] = r.postStateRoot;
        emit Advanced(r.blockNumber, r.blockHash, r.postStateRoot, r.anchor, r.burnedFees);
        if (address(fees) != address(0) && r.burnedFees > 0) fees.credit(msg.sender, r.burnedFees);

        // The rollup keeps no ETH: EXECUTE's refund (and any ETH forced in) goes to the sender.
        uint256 refund = address(this).balance;
        if (refund > 0) {
            (bool ok,) = msg.sender.call{value: refund}("");
            if (!ok) revert RefundFailed(msg.sender, refund);
        }
    }

    /// @notice Replaces the sequencing policy; governance only (never without governance).
    function setSequencing(ISequencingPolicy next) external {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        emit SequencingChanged(sequencing, next);
        sequencing = next;
    }

    /// @notice The state root of settled block `n`, among the last HISTORY blocks.
    function stateRootAt(uint64 n) external view returns (bytes32) {
        if (n > number || number - n >= HISTORY) revert UnknownStateRoot(n);
        return roots[n % HISTORY];
    }
}
