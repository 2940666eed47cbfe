// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Timelock
/// @notice Governance with a delay (docs/rollup.md): the admin schedules a call, anyone executes
///         it once `delayBlocks` L1 blocks have passed, so users see every change to the rollup's
///         parameters coming and can leave before it takes effect. An operation is identified by
///         `keccak256(abi.encode(target, value, data))`; it runs at most once per scheduling.
contract Timelock {
    address public immutable admin;
    /// @notice L1 blocks between `schedule` and the earliest `execute`; changed only through the
    ///         timelock itself (`setDelay`).
    uint256 public delayBlocks;
    /// @notice The first block an operation may run in; zero for none scheduled.
    mapping(bytes32 id => uint256) public etaOf;

    event Scheduled(bytes32 indexed id, address target, uint256 value, bytes data, uint256 eta);
    event Executed(bytes32 indexed id);
    event Cancelled(bytes32 indexed id);
    event DelayChanged(uint256 previous, uint256 next);

    error NotAdmin();
    /// @notice `setDelay` came from somewhere else than the timelock itself.
    error NotTimelock();
    error AlreadyScheduled(bytes32 id);
    error NotReady(bytes32 id, uint256 eta);
    error UnknownOperation(bytes32 id);
    error CallFailed(bytes reason);

    constructor(address admin_, uint256 delayBlocks_) {
        admin = admin_;
        delayBlocks = delayBlocks_;
    }

    function operationId(address target, uint256 value, bytes calldata data) public pure returns (bytes32) {
        return keccak256(abi.encode(target, value, data));
    }

    function schedule(address target, uint256 value, bytes calldata data) external returns (bytes32 id) {
        if (msg.sender != admin) revert NotAdmin();
        id = operationId(target, value, data);
        if (etaOf[id] != 0) revert AlreadyScheduled(id);
        uint256 eta = block.number + delayBlocks;
        etaOf[id] = eta;
        emit Scheduled(id, target, value, data, eta);
    }

    /// @notice Runs a scheduled operation whose eta has come; `value` comes from the timelock's
    ///         balance (send it along or beforehand).
    function execute(address target, uint256 value, bytes calldata data) external payable {
        bytes32 id = operationId(target, value, data);
        uint256 eta = etaOf[id];
        if (eta == 0) revert UnknownOperation(id);
        if (block.number < eta) revert NotReady(id, eta);
        delete etaOf[id];
        (bool ok, bytes memory reason) = target.call{value: value}(data);
        if (!ok) revert CallFailed(reason);
        emit Executed(id);
    }

    function cancel(bytes32 id) external {
        if (msg.sender != admin) revert NotAdmin();
        if (etaOf[id] == 0) revert UnknownOperation(id);
        delete etaOf[id];
        emit Cancelled(id);
    }

    /// @notice Callable only by the timelock itself, i.e. through `schedule` and `execute`.
    function setDelay(uint256 delayBlocks_) external {
        if (msg.sender != address(this)) revert NotTimelock();
        emit DelayChanged(delayBlocks, delayBlocks_);
        delayBlocks = delayBlocks_;
    }

    receive() external payable {}
}
