// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISequencingPolicy
/// @notice Who may post the next L2 block. A rollup asks after `EXECUTE` has vouched for the
///         block, so a policy decides on the poster only, never on validity.
interface ISequencingPolicy {
    /// @notice Whether `sequencer` may advance the rollup now.
    function isAllowed(address sequencer) external view returns (bool);
}

/// @title BasedSequencing
/// @notice Anyone may post the next block: sequencing is left to L1 block builders.
contract BasedSequencing is ISequencingPolicy {
    /// @inheritdoc ISequencingPolicy
    function isAllowed(address) external pure returns (bool) {
        return true;
    }
}

/// @title AllowlistSequencing
/// @notice Sequencers the owner lists and that keep at least `minimumBond` wei bonded here. The
///         bond is what a future penalty (e.g. for skipping forced transactions) would take, so
///         it is locked while the sequencer is listed and can be withdrawn only after removal.
contract AllowlistSequencing is ISequencingPolicy {
    /// @notice May add and remove sequencers (a timelock, in production).
    address public immutable owner;
    /// @notice The bond, in wei, a listed sequencer needs to be allowed.
    uint256 public immutable minimumBond;
    mapping(address sequencer => bool) public listed;
    mapping(address sequencer => uint256) public bondOf;

    event SequencerAdded(address indexed sequencer);
    event SequencerRemoved(address indexed sequencer);
    event Bonded(address indexed sequencer, uint256 amount, uint256 total);
    event BondWithdrawn(address indexed sequencer, uint256 amount);

    /// @notice `caller` is not the owner.
    error NotOwner(address caller);
    /// @notice A bond must carry value.
    error EmptyBond();
    /// @notice `sequencer` is listed: its bond stays locked until the owner removes it.
    error StillListed(address sequencer);
    /// @notice `sequencer` has no bond to withdraw.
    error NoBond(address sequencer);
    /// @notice Sending `amount` wei to `to` failed.
    error TransferFailed(address to, uint256 amount);

    constructor(address owner_, uint256 minimumBond_) {
        owner = owner_;
        minimumBond = minimumBond_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    function add(address sequencer) external onlyOwner {
        listed[sequencer] = true;
        emit SequencerAdded(sequencer);
    }

    function remove(address sequencer) external onlyOwner {
        listed[sequencer] = false;
        emit SequencerRemoved(sequencer);
    }

    /// @notice Adds `msg.value` to the sender's bond (before or after being listed).
    function bond() external payable {
        if (msg.value == 0) revert EmptyBond();
        bondOf[msg.sender] += msg.value;
        emit Bonded(msg.sender, msg.value, bondOf[msg.sender]);
    }

    /// @notice Returns the sender's whole bond; only while it is not listed.
    function withdrawBond() external {
        if (listed[msg.sender]) revert StillListed(msg.sender);
        uint256 amount = bondOf[msg.sender];
        if (amount == 0) revert NoBond(msg.sender);
        bondOf[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
        emit BondWithdrawn(msg.sender, amount);
    }

    /// @inheritdoc ISequencingPolicy
    function isAllowed(address sequencer) external view returns (bool) {
        return listed[sequencer] && bondOf[sequencer] >= minimumBond;
    }
}
